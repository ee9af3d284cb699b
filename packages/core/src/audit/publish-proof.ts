import { AamError } from '../errors.js';
import { leafHash } from '../tlog/hash.js';
import { verifyInclusion } from '../tlog/proof.js';
import { parseAuditEntry, versionTarget } from './format.js';
import type { AuditLogSource } from './source.js';

/** What a version claims about its publish: the audit index the registry (or its attestation) names. */
export interface PublishClaim {
  index: number;
  name: string;
  version: string;
  /** `sha256:<hex>` of the bytes the client holds. */
  checksum: string;
}

/**
 * Proves "audit entry N is the publish of name@version with checksum C" against a checkpoint this client
 * verified: the entry is inside the tree, its served bytes are the leaf an inclusion proof leads to the
 * checkpoint's root from, and, parsed only then, it is a `package.publish` of exactly this version and these
 * bytes. The one proof the `audit_log` fact and the registry attestation verifier share. Throws an AamError
 * (AUDIT_ENTRY_MISMATCH) saying which part failed; `subject` names the index in messages.
 */
export async function provePublishEntry(
  source: AuditLogSource,
  checkpoint: { size: number; root: Uint8Array },
  claim: PublishClaim,
  opts: { registry: string; subject?: string },
): Promise<void> {
  const { index } = claim;
  const { size } = checkpoint;
  const subject = opts.subject ?? 'audit index';
  const where = `registry ${opts.registry}`;
  const what = versionTarget(claim.name, claim.version);
  const refuse = (message: string): AamError =>
    new AamError('AUDIT_ENTRY_MISMATCH', message, { registry: opts.registry, index });
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw refuse(
      `${subject} ${index} is not in the audit log of ${where} (its verified checkpoint has ${size} entries): the log does not contain this publish`,
    );
  let body: Uint8Array | undefined;
  let proof: Buffer[];
  try {
    [body, proof] = await Promise.all([source.entry(index), source.inclusionProof(index, size)]);
  } catch (e) {
    throw refuse(`cannot read audit entry ${index} of ${where} or its inclusion proof: ${firstLine(e)}`);
  }
  if (body === undefined)
    throw refuse(`${subject} ${index} is not in the audit log of ${where}: the registry has no entry there`);
  try {
    verifyInclusion(index, size, leafHash(body), proof, Buffer.from(checkpoint.root));
  } catch (e) {
    throw refuse(
      `audit entry ${index} of ${where} is not proven in its log (checkpoint ${size}): ${firstLine(e)}`,
    );
  }
  const entry = parseAuditEntry(body);
  if (!entry)
    throw refuse(`audit entry ${index} of ${where} is not an audit entry (JSON of the seed's shape)`);
  if (entry.event !== 'package.publish' || entry.package !== what)
    throw refuse(
      `${subject} ${index} points at ${entry.event} of ${String(entry.package)} in the log of ${where}, not the publish of ${what}`,
    );
  if (entry.metadata.checksum !== claim.checksum)
    throw refuse(
      `the log of ${where} records the publish of ${what} (entry ${index}) with checksum ${String(entry.metadata.checksum)}, not ${claim.checksum}`,
    );
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n', 1)[0] ?? text;
}
