/**
 * The audit entry, the one wire format `aam registry serve` writes into its log and every client reads back:
 * the seed's shape (`event, actor, package, timestamp, metadata`) as canonical JSON, whose exact bytes are the
 * Merkle leaf. The server encodes with `encodeAuditEntry`; clients parse with `parseAuditEntry` and prove a
 * publish with `provePublishEntry` (`./publish-proof.ts`).
 */

/** The audit events of the seed, plus owner, token and key events. */
export type AuditEventName =
  | 'package.publish'
  | 'version.yank'
  | 'version.unyank'
  | 'version.deprecate'
  | 'tag.set'
  | 'tag.remove'
  | 'version.approve'
  | 'version.reject'
  | 'ownership.transfer'
  | 'owner.add'
  | 'owner.remove'
  | 'token.create'
  | 'token.revoke'
  | 'user.create'
  | 'key.create'
  | 'key.rotate';

/** An event as the registry records it (the timestamp is added when it is appended). */
export interface AuditEvent {
  event: AuditEventName;
  actor: string;
  /** `@scope/name@version` for version events (`versionTarget`), `@scope/name` for package events. */
  package?: string;
  metadata: Record<string, unknown>;
}

/** An entry as read back from the log: the event plus its timestamp (`event` is any string a log holds). */
export interface AuditEntryBody {
  event: string;
  actor: string;
  package?: string;
  timestamp: string;
  metadata: Record<string, unknown>;
}

/** The largest entry a log accepts (bytes of canonical JSON). */
export const MAX_AUDIT_ENTRY_BYTES = 65_535;

/** Deterministic JSON (sorted keys, no spaces): the exact bytes a leaf hashes, served verbatim. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('audit entries hold integers only');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`cannot put a ${typeof value} in an audit entry`);
}

/** The bytes of an entry: canonical JSON of the event at `timestamp` (ISO 8601). */
export function encodeAuditEntry(ev: AuditEvent, timestamp: string): Buffer {
  return Buffer.from(
    canonicalJson({
      event: ev.event,
      actor: ev.actor,
      ...(ev.package !== undefined ? { package: ev.package } : {}),
      timestamp,
      metadata: ev.metadata,
    }),
    'utf8',
  );
}

/** The target of a version event: `@scope/name@1.0.0`. */
export const versionTarget = (name: string, version: string): string => `${name}@${version}`;

/** `@scope/name@1.0.0` → `@scope/name`; `@scope/name` → itself. */
export function packageOfTarget(target: string): string {
  const at = target.lastIndexOf('@');
  return at > 0 ? target.slice(0, at) : target;
}

/** The version part of a version event's target (`@scope/name@1.2.0` → `1.2.0`). */
export function versionOfTarget(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  const at = target.lastIndexOf('@');
  return at > 0 ? target.slice(at + 1) : undefined;
}

/** Parses an entry's bytes; undefined when they are not JSON of the entry's shape. */
export function parseAuditEntry(body: Uint8Array | string): AuditEntryBody | undefined {
  let v: unknown;
  try {
    v = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const e = v as Record<string, unknown>;
  const ok =
    typeof e.event === 'string' &&
    typeof e.actor === 'string' &&
    typeof e.timestamp === 'string' &&
    (e.package === undefined || typeof e.package === 'string') &&
    e.metadata !== null &&
    typeof e.metadata === 'object' &&
    !Array.isArray(e.metadata);
  if (!ok) return undefined;
  return {
    event: e.event as string,
    actor: e.actor as string,
    ...(e.package !== undefined ? { package: e.package as string } : {}),
    timestamp: e.timestamp as string,
    metadata: e.metadata as Record<string, unknown>,
  };
}
