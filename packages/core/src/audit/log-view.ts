import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { AamError } from '../errors.js';
import type { PackageMetadata } from '../registry/types.js';
import { CompactRange } from '../tlog/compact-range.js';
import { dict } from '../dict.js';
import { REGISTRY_BOUNDS, tooLarge } from '../registry/bounds.js';
import { hashesEqual } from '../tlog/hash.js';
import { packageOfTarget, parseAuditEntry, versionOfTarget, type AuditEntryBody } from './format.js';
import type { VerifiedHead } from './head.js';
import type { AuditLogSource } from './source.js';

/**
 * The client's own copy of what a registry's audit log says about each package: every version (its checksum,
 * whether it is approved, pending or rejected, yanked), every dist-tag. Built from every entry of the log, in
 * order, each proven: the entries fetched since the last visit must give, appended to the kept right edge of the
 * tree (`CompactRange`), exactly the root of the checkpoint just verified. So the view is complete (no entry can
 * be left out) and is the log's, not the registry's word: a registry that serves a dist-tag moved back, hides a
 * yank or a version, or shows a version the log never published, is caught comparing its metadata with it.
 */
export interface VersionState {
  checksum: string;
  status: 'approved' | 'pending' | 'rejected';
  yanked: boolean;
  /** The tag its publish asked for (moved when it is approved). */
  tag: string;
}

export interface PackageState {
  versions: Record<string, VersionState>;
  tags: Record<string, string>;
}

export interface LogView {
  /** The range of the tree of `size` entries the view was built from. */
  range: { size: number; nodes: { hash: string; height: number }[] };
  packages: Record<string, PackageState>;
}

const VIEW_FILE = 'view.json';
const PAGE = 200;

/** The view kept beside the registry's checkpoint state; an unreadable one is rebuilt from the first entry. */
export function readLogView(stateDir: string): LogView | undefined {
  const file = join(stateDir, VIEW_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const view = JSON.parse(readFileSync(file, 'utf8')) as LogView;
    CompactRange.restore(view.range.size, view.range.nodes);
    return { range: view.range, packages: packagesDict(view.packages) };
  } catch {
    return undefined;
  }
}

export async function writeLogView(stateDir: string, view: LogView): Promise<void> {
  await writeFileAtomic(join(stateDir, VIEW_FILE), JSON.stringify(view), { encoding: 'utf8', fsync: true });
}

/**
 * Brings the view up to the verified head: fetches the entries it lacks, folds them in, and checks that the tree
 * they make has the head's root. Any disagreement is AUDIT_ENTRY_MISMATCH: the registry served other entries
 * than the ones its signed log holds.
 */
export async function advanceLogView(
  view: LogView | undefined,
  head: VerifiedHead,
  source: AuditLogSource,
): Promise<LogView> {
  const { size, root } = head.checkpoint;
  if (size > REGISTRY_BOUNDS.auditLogEntries)
    throw tooLarge(
      head.registry,
      `a checkpoint of ${size} entries`,
      `${REGISTRY_BOUNDS.auditLogEntries} entries`,
    );
  // A view of a larger tree than the one just verified (a rollback the head check lets through only after a
  // reset of the state) is not this log's: start again.
  const base = view && view.range.size <= size ? view : undefined;
  const range = base ? CompactRange.restore(base.range.size, base.range.nodes) : CompactRange.empty();
  const packages = base ? packagesDict(structuredClone(base.packages)) : dict<PackageState>();
  while (range.treeSize < size) {
    const from = range.treeSize;
    const page = await source.entriesFrom(from, Math.min(PAGE, size - from));
    if (page.length === 0) throw mismatch(head, `it served no entry at ${from}`);
    for (const e of page) {
      if (e.index !== range.treeSize)
        throw mismatch(head, `it served entry ${e.index} where ${range.treeSize} was due`);
      if (range.treeSize >= size) break;
      range.append(e.bytes);
      const entry = parseAuditEntry(e.bytes);
      if (entry) foldEntry(packages, entry);
    }
  }
  if (!hashesEqual(range.root(), root))
    throw mismatch(head, `its entries 0..${size - 1} do not make the tree its checkpoint signs`);
  return { range: range.save(), packages };
}

function mismatch(head: VerifiedHead, why: string): AamError {
  return new AamError(
    'AUDIT_ENTRY_MISMATCH',
    `Audit log of registry '${head.registry}' (checkpoint ${head.checkpoint.size}): ${why}`,
    { registry: head.registry },
  );
}

/** One entry's effect on the packages' state: the registry's own rules, replayed (services of the server). */
export function foldEntry(packages: Record<string, PackageState>, e: AuditEntryBody): void {
  if (e.package === undefined) return;
  const name = packageOfTarget(e.package);
  const version = versionOfTarget(e.package);
  // A publish the registry's policy rejected stored nothing: it changes no package or version (a version of that
  // number published before or after it is another upload).
  if (e.event === 'version.reject' && e.metadata.stage === 'publish') return;
  const pkg = Object.hasOwn(packages, name) ? packages[name]! : (packages[name] = emptyState());
  const m = e.metadata;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  // A version that becomes installable moves its tag, and a package's first one also becomes `latest`.
  const moveTags = (v: string, tag: string | undefined) => {
    if (tag) pkg.tags[tag] = v;
    pkg.tags.latest ??= v;
  };
  switch (e.event) {
    case 'package.publish': {
      if (!version) return;
      const status = m.status === 'pending' ? 'pending' : 'approved';
      const tag = text(m.tag) ?? 'latest';
      pkg.versions[version] = { checksum: text(m.checksum) ?? '', status, yanked: false, tag };
      if (status === 'approved') moveTags(version, tag);
      return;
    }
    case 'version.approve': {
      const v = version ? own(pkg.versions, version) : undefined;
      if (!version || !v) return;
      v.status = 'approved';
      // A version yanked while it waited is approved, but no tag moves to it.
      if (!v.yanked) moveTags(version, text(m.tag) ?? v.tag);
      return;
    }
    case 'version.reject': {
      const v = version ? own(pkg.versions, version) : undefined;
      if (v) v.status = 'rejected';
      return;
    }
    case 'version.yank':
    case 'version.unyank': {
      const v = version ? own(pkg.versions, version) : undefined;
      if (v) v.yanked = e.event === 'version.yank';
      return;
    }
    case 'tag.set': {
      const tag = text(m.tag);
      const v = text(m.version);
      if (tag && v) pkg.tags[tag] = v;
      return;
    }
    case 'tag.remove': {
      const tag = text(m.tag);
      if (tag) delete pkg.tags[tag];
      return;
    }
    default:
      return;
  }
}

/**
 * Where the metadata a registry serves differs from what its proven log says: each difference in words. Empty
 * when they agree. Only installable (approved) versions are compared: pending and rejected ones are not served.
 */
export function servedStateProblems(meta: PackageMetadata, state: PackageState | undefined): string[] {
  const problems: string[] = [];
  const logged = state ?? emptyState();
  const served = new Map(meta.versions.map((v) => [v.version, v]));
  for (const v of meta.versions) {
    const l = own(logged.versions, v.version);
    if (!l || l.status !== 'approved')
      problems.push(`${meta.name}@${v.version} is served, but the log has no approved publish of it`);
    else if (l.checksum.toLowerCase() !== v.checksum.toLowerCase())
      problems.push(
        `${meta.name}@${v.version} is served with ${v.checksum}, but the log published ${l.checksum}`,
      );
    else if (l.yanked !== v.yanked)
      problems.push(
        l.yanked
          ? `${meta.name}@${v.version} is served as not yanked, but the log yanked it`
          : `${meta.name}@${v.version} is served as yanked, but the log never yanked it`,
      );
  }
  for (const [version, l] of Object.entries(logged.versions))
    if (l.status === 'approved' && !served.has(version))
      problems.push(`${meta.name}@${version} is in the log but the registry does not serve it`);
  const tags = new Set([...Object.keys(meta.dist_tags), ...Object.keys(logged.tags)]);
  for (const tag of [...tags].sort()) {
    const s = own(meta.dist_tags, tag);
    const l = own(logged.tags, tag);
    if (s !== l)
      problems.push(
        `tag '${tag}' of ${meta.name} is served as ${s ?? '(none)'}, but the log sets it to ${l ?? '(none)'}`,
      );
  }
  return problems;
}

/** `obj[key]` when `key` is its own (never something Object.prototype answers). */
function own<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function emptyState(): PackageState {
  return { versions: dict(), tags: dict() };
}

/** The packages' states as dicts (a package, version or tag may be named `constructor`). */
function packagesDict(packages: Record<string, PackageState>): Record<string, PackageState> {
  return dict(
    Object.entries(packages).map(
      ([name, p]) => [name, { versions: dict(p.versions), tags: dict(p.tags) }] as const,
    ),
  );
}

/** The state the log gives a package, if it has any. */
export function packageState(view: LogView, name: string): PackageState | undefined {
  return own(view.packages, name);
}
