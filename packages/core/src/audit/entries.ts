import { AamError } from '../errors.js';
import { leafHash } from '../tlog/hash.js';
import { verifyInclusion } from '../tlog/proof.js';
import { packageOfTarget, parseAuditEntry, versionOfTarget } from './format.js';
import type { VerifiedHead } from './head.js';
import type { AuditLogSource, ServedEntry } from './source.js';

/** An audit entry in the seed's shape, proven to be in the log at `index`. */
export interface AuditEntry {
  index: number;
  event: string;
  actor: string;
  /** `@scope/name@version` for version events, `@scope/name` for package events. */
  package?: string;
  timestamp: string;
  metadata: Record<string, unknown>;
  /** The exact bytes that were hashed (as served). */
  body: string;
}

export interface PackageAuditLog {
  /** Newest first. */
  entries: AuditEntry[];
  /** Entries appended after the verified checkpoint (not shown: they cannot be proven against it yet). */
  newer: number;
}

/**
 * Lists a package's audit entries and proves each one is in the verified tree: the served body is hashed as a
 * leaf *before* it is parsed, and an inclusion proof against the verified checkpoint must lead to its root.
 * A filtered listing cannot prove that no entry was left out; only a full scan of the log can.
 */
export async function verifiedPackageEntries(
  name: string,
  head: VerifiedHead,
  source: AuditLogSource,
  opts: { concurrency?: number } = {},
): Promise<PackageAuditLog> {
  const { size, root } = head.checkpoint;
  const served = await source.packageEntries(name);
  const inTree = served.filter((e) => e.index < size);
  const seen = new Set<number>();
  for (const e of inTree) {
    if (seen.has(e.index)) throw mismatch(head, e, `entry ${e.index} was served twice`);
    seen.add(e.index);
  }
  const entries: AuditEntry[] = [];
  const concurrency = opts.concurrency ?? 8;
  for (let i = 0; i < inTree.length; i += concurrency) {
    const batch = inTree.slice(i, i + concurrency);
    const proofs = await Promise.all(batch.map((e) => source.inclusionProof(e.index, size)));
    batch.forEach((e, j) => {
      try {
        verifyInclusion(e.index, size, leafHash(Buffer.from(e.body, 'utf8')), proofs[j]!, root);
      } catch (err) {
        throw mismatch(
          head,
          e,
          `its bytes are not the entry the log holds at index ${e.index} (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      entries.push(parseEntry(head, e, name));
    });
  }
  entries.sort((a, b) => b.index - a.index);
  return { entries, newer: served.length - inTree.length };
}

function parseEntry(head: VerifiedHead, e: ServedEntry, name: string): AuditEntry {
  const v = parseAuditEntry(e.body);
  if (!v) throw mismatch(head, e, 'it is in the log but does not have the audit entry shape');
  const pkg = v.package;
  // The registry filtered by package: an entry about another package was served in its place.
  if (pkg === undefined || packageOfTarget(pkg) !== name)
    throw mismatch(head, e, `it is about ${pkg ?? 'no package'}, not ${name}`);
  return { index: e.index, ...v, package: pkg, body: e.body };
}

/**
 * The last column of `aam info --audit-log`: the version for version events (`package.publish`,
 * `version.yank`, `version.approve`, ...), `TAG=VERSION` for `tag.set`, the tag for `tag.remove`, `FROM->TO`
 * for `ownership.transfer`, the user for `owner.add` / `owner.remove`; empty otherwise.
 */
export function auditEntrySubject(e: AuditEntry): string {
  const m = e.metadata;
  const s = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const version = versionOfTarget(e.package);
  if (version !== undefined) return version;
  switch (e.event) {
    case 'tag.set':
      return `${s(m.tag)}=${s(m.version)}`;
    case 'tag.remove':
      return s(m.tag);
    case 'ownership.transfer':
      return `${s(m.from)}->${s(m.to)}`;
    case 'owner.add':
    case 'owner.remove':
      return s(m.user);
    default:
      return '';
  }
}

/** `2026-02-07T14:30:00.123Z` → `2026-02-07 14:30:00` (UTC); anything unparsable is shown as served. */
export function formatAuditTimestamp(ts: string): string {
  const t = Date.parse(ts);
  return Number.isNaN(t) ? ts : new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

function mismatch(head: VerifiedHead, e: ServedEntry, why: string): AamError {
  return new AamError(
    'AUDIT_ENTRY_MISMATCH',
    `Audit log of registry '${head.registry}': entry ${e.index} does not verify against checkpoint ${head.checkpoint.size}: ${why}.\nEntry served:\n${e.body}\nCheckpoint:\n${head.note.replace(/\n$/, '')}`,
    {
      registry: head.registry,
      index: e.index,
      body: e.body,
      checkpoint: head.note,
    },
  );
}
