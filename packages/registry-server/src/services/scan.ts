// What the registry decides about an upload before it stores anything: every scanner over the files in
// memory, then the publish policy (Rego, in WASM) over the facts. The decision and the scan results are kept
// with the version and go into its attestation; a rejection is logged and stores nothing.
import {
  isAamError,
  runScanners,
  type Manifest,
  type PublishDecision,
  type PublishFacts,
  type ScanFile,
  type ScanResult,
} from '@aam/core';
import type { ScanEvidence } from '@aam/plugin-attestation/format';
import type { Principal } from '../auth.js';
import { RegistryError } from '../problem.js';
import { Repository } from '../repository/index.js';
import type { RegistryContext } from './context.js';
import type { VerifiedSignature } from './upload.js';

/** Seconds a client is told to wait when a scanner could not run. */
export const SCAN_RETRY_AFTER = 30;

export interface Judgement {
  decision: PublishDecision;
  evidence: ScanEvidence;
}

/** Scans an upload and asks the publish policy; refuses (503) when a scan could not run, never passes it. */
export async function judgeUpload(
  ctx: RegistryContext,
  p: Principal,
  u: {
    manifest: Manifest;
    checksum: string;
    size: number;
    contents: ScanFile[];
    /** Every entry's path, links included. */
    paths: string[];
    signature?: VerifiedSignature | undefined;
  },
): Promise<Judgement> {
  const { name, version } = u.manifest;
  const scans = await scanOrRefuse(ctx, u.manifest, u.contents, u.paths);
  const history = await ctx.db.read((q) => historyOf(new Repository(q), name, u.signature));
  const facts: PublishFacts = {
    publish_facts_version: 1,
    package: { name, version, first_publish: history.versions === 0 },
    publisher: { name: p.user, role: p.role, scopes: [...p.scopes].sort() },
    archive: { checksum: u.checksum, size: u.size, files: u.contents.length },
    manifest: u.manifest as unknown as Record<string, unknown>,
    signature: u.signature
      ? {
          type: u.signature.type,
          ...(u.signature.identity ? { identity: u.signature.identity } : {}),
          ...(u.signature.issuer ? { issuer: u.signature.issuer } : {}),
          ...(u.signature.fingerprint ? { fingerprint: u.signature.fingerprint } : {}),
        }
      : null,
    history,
    scans: scans.map(({ duration_ms: _ms, ...r }) => r),
  };
  let decision: PublishDecision;
  try {
    decision = ctx.publishPolicy.decide(facts);
  } catch (e) {
    // A policy that cannot decide accepts nothing.
    throw new RegistryError(
      500,
      'publish_policy_failed',
      `The registry's publish policy could not decide: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return {
    decision,
    evidence: {
      scans: scans.map((s) => ({
        name: s.scanner,
        version: s.version,
        database: s.database ?? null,
        result: s.result,
        findings: s.findings.map(({ message: _m, ...f }) => f),
      })),
      publish_policy: {
        digest: ctx.publishPolicy.digest,
        decision: decision.decision === 'hold' ? 'hold' : 'accept',
        reasons: decision.reasons.map((r) => r.code),
      },
    },
  };
}

async function scanOrRefuse(
  ctx: RegistryContext,
  manifest: Manifest,
  files: ScanFile[],
  paths: string[],
): Promise<ScanResult[]> {
  if (ctx.scanners.length === 0) return [];
  try {
    return await runScanners(
      ctx.scanners,
      {
        name: manifest.name,
        version: manifest.version,
        manifest: manifest as unknown as Record<string, unknown>,
        files,
        paths,
      },
      { timeoutMs: ctx.scanTimeoutMs },
    );
  } catch (e) {
    // Past what the engine scans: retrying cannot help, the package is refused as too large.
    if (isAamError(e) && e.code === 'SCAN_FAILED' && e.details.too_large === true)
      throw new RegistryError(
        413,
        'scan_budget_exceeded',
        `${e.message}: the package is larger than this registry's scanners take; nothing was stored`,
        { scanner: e.details.scanner },
      );
    if (isAamError(e) && e.code === 'SCAN_FAILED')
      throw new RegistryError(
        503,
        'scanner_unavailable',
        `${e.message}: nothing was stored; retry in ${SCAN_RETRY_AFTER} s`,
        { retry_after: SCAN_RETRY_AFTER, scanner: e.details.scanner },
        { 'retry-after': String(SCAN_RETRY_AFTER) },
      );
    throw e;
  }
}

/**
 * The package's approved versions and who signed them; whether this upload's signer is new to it, and whether it
 * drops the signature its approved versions carried. Held and rejected versions are no history: their signers
 * were never vouched for, so a second upload by the same new signer is as new as the first.
 */
async function historyOf(
  repo: Repository,
  name: string,
  signature: VerifiedSignature | undefined,
): Promise<PublishFacts['history']> {
  const versions = await repo.versions.approvedCount(name);
  const signers = (await repo.signatures.approvedSignersOf(name)).map((s) => ({
    type: s.type,
    ...(s.identity ? { identity: s.identity } : {}),
    ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}),
  }));
  const newSigner =
    signature !== undefined &&
    versions > 0 &&
    !signers.some(
      (s) =>
        s.type === signature.type &&
        (s.identity ?? null) === (signature.identity ?? null) &&
        (s.fingerprint ?? null) === (signature.fingerprint ?? null),
    );
  return {
    versions,
    signers,
    new_signer: newSigner,
    signature_dropped: signature === undefined && signers.length > 0,
  };
}

/**
 * A rejection: logged (`version.reject`, with the reason codes and where each finding is, never a secret) and
 * answered 422, naming the rule and the finding. Nothing else is stored.
 */
export async function rejectUpload(
  ctx: RegistryContext,
  p: Principal,
  u: { name: string; version: string; checksum: string },
  j: Judgement,
): Promise<never> {
  const reasons = j.decision.reasons;
  const entry = await ctx.db.write((q) =>
    ctx.audit.append(q, {
      event: 'version.reject',
      actor: p.user,
      package: `${u.name}@${u.version}`,
      metadata: {
        stage: 'publish',
        checksum: u.checksum,
        policy: ctx.publishPolicy.digest,
        reasons: reasons.map((r) => r.code),
        findings: reasons.flatMap((r) =>
          r.finding ? [{ scanner: r.scanner ?? null, rule: r.finding.rule, path: r.finding.path }] : [],
        ),
      },
    }),
  );
  const first = reasons[0];
  throw new RegistryError(
    422,
    'publish_rejected',
    `The registry's publish policy rejected ${u.name}@${u.version}: ${
      first ? `${first.message} (${first.rule || first.code})` : 'no reason given'
    }${reasons.length > 1 ? `, and ${reasons.length - 1} more` : ''}`,
    { reasons, audit_index: entry.index },
  );
}
