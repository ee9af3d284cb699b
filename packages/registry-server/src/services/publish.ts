import type { Manifest, PublishReason } from '@aam/core';
import type { ScanEvidence } from '@aam/plugin-attestation/format';
import { requireScope, type Principal } from '../auth.js';
import type { AppendResult } from '../audit.js';
import type { Query } from '../db.js';
import { tagName } from '../input.js';
import { conflict, forbidden } from '../problem.js';
import { Repository, sweptSince, type VersionRow } from '../repository/index.js';
import { requireOwner } from './access.js';
import { attestVersion } from './attestation.js';
import { now, type RegistryContext } from './context.js';
import { tagsOnApproval } from './dist-tags.js';
import { judgeUpload, rejectUpload } from './scan.js';
import { authorSignature, inspectUpload, type Upload, type VerifiedSignature } from './upload.js';

/** A new version: its status, the tags that moved, and its audit entry with a proof under a checkpoint. */
export interface PublishReceipt {
  name: string;
  version: string;
  checksum: string;
  status: 'approved' | 'pending';
  tags: string[];
  audit: { index: number; checkpoint: string; inclusion_proof: string[] };
  /** What the scanners found and the publish policy decided (`hold`: the version waits for an approver). */
  publish_policy: { decision: 'accept' | 'hold'; digest: string; reasons: PublishReason[] };
  scans: { name: string; version: string; result: string; findings: number }[];
}

/** A retry of a publish that already happened with these very bytes. */
export interface ReplayReceipt {
  name: string;
  version: string;
  checksum: string;
  status: string;
  replay: true;
  audit_index: number;
}

/** Where a publish stands before it is recorded: a replay of an existing version, or a new version or package. */
type Claim = VersionRow | 'new-package' | 'new-version';

/**
 * Publishes one version: the archive and signature checked, the blob stored, then in one transaction the
 * version, its audit entry, tags and attestation. `url` is the name and version the URL claimed (PUT).
 */
export async function publishVersion(
  ctx: RegistryContext,
  p: Principal,
  upload: Upload,
  url: { name?: string; version?: string } = {},
): Promise<PublishReceipt | ReplayReceipt> {
  const { checksum, manifest, contents, paths } = await inspectUpload(ctx, upload, url);
  const { name, version } = manifest;
  const tag = tagName(upload.fields.tag ?? 'latest');
  requireScope(p, 'publish', name);
  const signature = await authorSignature(ctx, upload, { name, version, checksum });
  // Who may publish this, and is it a replay? Checked before the blob is stored (a refused upload leaves
  // nothing behind) and again inside the transaction (which decides races).
  // The same read takes the sweeps' marker (see below): any time before the blob is stored will do.
  const [claim, sweepsBefore] = await ctx.db.read(async (q) => {
    const repo = new Repository(q);
    return [await claimOf(repo, p, name, version, checksum), await repo.sweeps.marker()] as const;
  });
  if (typeof claim !== 'string') return replayOf(name, version, checksum, claim);
  // Scanned and judged before anything is stored: a rejection stores nothing but its audit entry.
  const judgement = await judgeUpload(ctx, p, {
    manifest,
    checksum,
    size: upload.archive.length,
    contents,
    paths,
    signature,
  });
  if (judgement.decision.decision === 'reject')
    return rejectUpload(ctx, p, { name, version, checksum }, judgement);
  // The blob lands first (idempotent, content-addressed); the version exists only once the transaction
  // commits, so a crash in between leaves an unreferenced blob and nothing else.
  await ctx.blobs.put(checksum.slice(7), upload.archive);
  if (ctx.faults) await ctx.faults.reached('publish:after-blob-put');
  const result = await ctx.db.write(async (q) => {
    // The blob sweep (`aam registry gc`) deletes only under this write lock, with its sweep row running. If a
    // sweep ran (or runs) since the marker was read (before the put above), it may have swept this blob as an
    // unnamed orphan: it is checked, and stored again, before the version names it. Otherwise no store call is
    // made under the lock.
    if (sweptSince(sweepsBefore, await new Repository(q).sweeps.marker()))
      await ctx.blobs.ensureStored(checksum.slice(7), upload.archive);
    return recordVersion(ctx, q, p, {
      manifest,
      checksum,
      size: upload.archive.length,
      tag,
      signature,
      evidence: judgement.evidence,
    });
  });
  if (result.replay) return replayOf(name, version, checksum, result.existing);
  const { entry } = result;
  const inclusion = await ctx.db.read((q) => ctx.audit.inclusion(q, entry.index, entry.size));
  return {
    name,
    version,
    checksum,
    status: result.status,
    tags: result.tags,
    audit: {
      index: entry.index,
      checkpoint: entry.checkpoint,
      inclusion_proof: inclusion.map((h) => h.toString('base64')),
    },
    publish_policy: {
      decision: judgement.evidence.publish_policy.decision,
      digest: judgement.evidence.publish_policy.digest,
      reasons: judgement.decision.reasons,
    },
    scans: judgement.evidence.scans.map((s) => ({
      name: s.name,
      version: s.version,
      result: s.result,
      findings: s.findings.length,
    })),
  };
}

/** Whether the caller may publish `name@version`, and whether these bytes are already that version (a replay). */
async function claimOf(
  repo: Repository,
  p: Principal,
  name: string,
  version: string,
  checksum: string,
): Promise<Claim> {
  const existing = await repo.versions.row(name, version);
  // Versions differing only in build metadata (1.0.0+a, 1.0.0+b) are one version number: never reused.
  const core = version.split('+')[0]!;
  if (!existing) {
    const sameNumber = await repo.versions.withNumber(name, core);
    if (sameNumber !== undefined && sameNumber !== version)
      throw conflict(
        `${name}@${sameNumber} is already published; ${version} differs only in build metadata`,
        'version_exists',
      );
  }
  if (existing) {
    await requireOwner(repo, p, name);
    // A retry with the very same bytes is safe to answer again; anything else is a new claim on a number.
    if (existing.checksum === checksum) return existing;
    throw conflict(
      `${name}@${version} is already published (versions are immutable; numbers are never reused)`,
      'version_exists',
    );
  }
  if (await repo.packages.exists(name)) {
    await requireOwner(repo, p, name);
    return 'new-version';
  }
  if (name.startsWith('@') && p.role !== 'admin') {
    const scope = name.slice(0, name.indexOf('/') + 1);
    const scopeOwners = await repo.owners.ofScope(scope);
    if (scopeOwners.length > 0 && !scopeOwners.includes(p.userId))
      throw forbidden(`The scope ${scope.slice(0, -1)} belongs to someone else`, 'scope_forbidden');
  }
  return 'new-package';
}

/** The publish transaction: the claim decided again, then package, audit entry, version, tags, attestation. */
async function recordVersion(
  ctx: RegistryContext,
  q: Query,
  p: Principal,
  v: {
    manifest: Manifest;
    checksum: string;
    size: number;
    tag: string;
    signature?: VerifiedSignature | undefined;
    evidence: ScanEvidence;
  },
): Promise<
  | { replay: true; existing: VersionRow }
  | { replay: false; status: 'approved' | 'pending'; entry: AppendResult; tags: string[] }
> {
  const repo = new Repository(q);
  const { name, version, description } = v.manifest;
  const claim = await claimOf(repo, p, name, version, v.checksum);
  if (typeof claim !== 'string') return { replay: true, existing: claim };
  if (claim === 'new-package') {
    await repo.packages.insert(name, description, now());
    await repo.owners.add(name, p.userId);
  }
  // Held by the publish policy, or every publish waits (--require-approval): an approver decides.
  const held = v.evidence.publish_policy.decision === 'hold';
  const status = ctx.requireApproval || held ? 'pending' : 'approved';
  const entry = await ctx.audit.append(q, {
    event: 'package.publish',
    actor: p.user,
    package: `${name}@${version}`,
    metadata: {
      tag: v.tag,
      checksum: v.checksum,
      signature: v.signature?.type ?? null,
      status,
      ...(held ? { held_by: v.evidence.publish_policy.reasons } : {}),
    },
  });
  await repo.versions.insert({
    package: name,
    version,
    checksum: v.checksum,
    size: v.size,
    description,
    dependencies: v.manifest.dependencies ? JSON.stringify(v.manifest.dependencies) : null,
    publishedAt: now(),
    publisherId: p.userId,
    authMethod: 'token',
    status,
    requestedTag: v.tag,
    auditIndex: entry.index,
  });
  await repo.scans.insert(name, version, v.evidence);
  if (ctx.faults) await ctx.faults.reached('publish:after-version-insert');
  if (v.signature)
    await repo.signatures.insert({
      package: name,
      version,
      type: v.signature.type,
      content: v.signature.bytes,
      identity: v.signature.identity ?? null,
      fingerprint: v.signature.fingerprint ?? null,
    });
  const tags = status === 'approved' ? await tagsOnApproval(repo, name, v.tag, version) : [];
  if (status === 'approved')
    await attestVersion(
      ctx,
      repo,
      { name, version, checksum: v.checksum, publisher: p.user, auditIndex: entry.index },
      null,
      v.evidence,
    );
  await repo.packages.setDescription(name, description);
  return { replay: false, status, entry, tags };
}

function replayOf(name: string, version: string, checksum: string, existing: VersionRow): ReplayReceipt {
  return {
    name,
    version,
    checksum,
    status: existing.status,
    replay: true,
    audit_index: Number(existing.audit_index),
  };
}
