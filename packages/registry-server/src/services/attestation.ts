import { publishStatement, type ScanEvidence } from '@aam/plugin-attestation/format';
import type { Repository } from '../repository/index.js';
import { now, type RegistryContext } from './context.js';

/** The version being attested, as the statement names it. */
export interface AttestedVersion {
  name: string;
  version: string;
  checksum: string;
  publisher: string;
  /** The index of its `package.publish` audit entry. */
  auditIndex: number;
}

/**
 * Signs and stores the registry's attestation for an accepted version, inside the caller's transaction (at
 * publish, or at approval when publishes wait for one).
 */
export async function attestVersion(
  ctx: RegistryContext,
  repo: Repository,
  v: AttestedVersion,
  approval: { approvers: string[]; at: string } | null,
  /** The scans and publish decision (read from the version's record when not given). */
  evidence?: ScanEvidence,
): Promise<void> {
  const scans = evidence ?? (await repo.scans.of(v.name, v.version));
  const sig = await repo.signatures.first(v.name, v.version);
  const published = await repo.versions.row(v.name, v.version);
  const statement = publishStatement({
    name: v.name,
    version: v.version,
    checksum: v.checksum,
    registry: { name: ctx.name },
    publisher: { name: v.publisher, auth_method: 'token' },
    signature: sig
      ? {
          type: sig.type,
          ...(sig.identity ? { identity: sig.identity } : {}),
          ...(sig.fingerprint ? { fingerprint: sig.fingerprint } : {}),
        }
      : null,
    approval,
    published_at: published?.published_at ?? now(),
    audit: { origin: ctx.audit.origin, index: v.auditIndex },
    ...(scans ? { evidence: scans } : {}),
  });
  const envelope = await ctx.attestations.sign(repo.attestationKeys, statement);
  await repo.attestations.insert(
    v.name,
    v.version,
    envelope.signatures[0]!.keyid,
    JSON.stringify(envelope),
    now(),
  );
}
