import { AamError } from '../errors.js';
import { packagePath, type HttpRegistry } from '../registry/http.js';

/** One audit entry as the registry serves it: `body` is the exact bytes its leaf hashes (a JSON text). */
export interface ServedEntry {
  index: number;
  body: string;
}

/** Where a client reads a registry's audit log from (the HTTP API; a stub in tests). */
export interface AuditLogSource {
  /** The latest signed checkpoint, verbatim. */
  checkpoint(): Promise<string>;
  consistencyProof(from: number, to: number): Promise<Buffer[]>;
  inclusionProof(index: number, size: number): Promise<Buffer[]>;
  /** Every entry about a package (all pages), in log order. */
  packageEntries(name: string): Promise<ServedEntry[]>;
  /** The exact bytes of the entry at `index` (what its leaf hashes), or undefined when the log has none there. */
  entry(index: number): Promise<Uint8Array | undefined>;
  /** Up to `limit` entries from index `start` on, in order, as exact bytes. */
  entriesFrom(start: number, limit: number): Promise<{ index: number; bytes: Uint8Array }[]>;
}

const MAX_PAGES = 10_000;
const MAX_CHECKPOINT_CHARS = 64 * 1024;
const MAX_PROOF_HASHES = 128;

/** The audit endpoints of `aam registry serve` (`/api/v1/audit/...`, `/api/v1/packages/{name}/audit`). */
export class HttpAuditLogSource implements AuditLogSource {
  constructor(private readonly registry: HttpRegistry) {}

  async checkpoint(): Promise<string> {
    const note = await this.registry.getText('/api/v1/audit/checkpoint');
    // A checkpoint is a few lines and signatures: anything longer is not one.
    if (note.length > MAX_CHECKPOINT_CHARS)
      throw this.bad(`sent a checkpoint of ${note.length} characters (at most ${MAX_CHECKPOINT_CHARS})`);
    return note;
  }

  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    const doc = await this.registry.getJson<{ hashes?: unknown }>('/api/v1/audit/proof/consistency', {
      query: { from, to },
    });
    return this.hashes(doc.hashes, `consistency proof ${from} → ${to}`);
  }

  async inclusionProof(index: number, size: number): Promise<Buffer[]> {
    const doc = await this.registry.getJson<{ hashes?: unknown }>('/api/v1/audit/proof/inclusion', {
      query: { index, tree_size: size },
    });
    return this.hashes(doc.hashes, `inclusion proof of entry ${index} in ${size}`);
  }

  async packageEntries(name: string): Promise<ServedEntry[]> {
    const out: ServedEntry[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const doc = await this.registry.getJson<{ items?: unknown; next_cursor?: unknown }>(
        `${packagePath(name)}/audit`,
        { query: { limit: 200, cursor } },
      );
      if (!Array.isArray(doc.items)) throw this.bad(`sent no entry list for ${name}`);
      for (const item of doc.items as Record<string, unknown>[]) {
        if (!Number.isSafeInteger(item?.index) || (item.index as number) < 0 || typeof item.body !== 'string')
          throw this.bad(`sent a malformed audit entry for ${name}`);
        out.push({ index: item.index as number, body: item.body });
      }
      if (typeof doc.next_cursor !== 'string' || doc.next_cursor === '') return out;
      cursor = doc.next_cursor;
    }
    throw this.bad(`kept paginating the audit entries of ${name}`);
  }

  async entry(index: number): Promise<Uint8Array | undefined> {
    const doc = await this.registry.getJson<Record<string, unknown>>(`/api/v1/audit/entries/${index}`, {
      notFoundOk: true,
    });
    if (doc === undefined) return undefined;
    if (doc?.index !== index)
      throw this.bad(`answered for audit entry ${String(doc?.index)} when asked for ${index}`);
    return this.entryBytes(doc);
  }

  async entriesFrom(start: number, limit: number): Promise<{ index: number; bytes: Uint8Array }[]> {
    const doc = await this.registry.getJson<{ items?: unknown }>('/api/v1/audit/entries', {
      query: { from: start, limit },
    });
    if (!Array.isArray(doc.items) || doc.items.length > limit)
      throw this.bad('sent a malformed page of entries');
    return (doc.items as Record<string, unknown>[]).map((item) => {
      if (!Number.isSafeInteger(item?.index)) throw this.bad('sent an entry without an index');
      return { index: item.index as number, bytes: this.entryBytes(item) };
    });
  }

  /** An entry's exact stored bytes when the registry sends them; else their UTF-8 reading (the same for JSON). */
  private entryBytes(doc: Record<string, unknown>): Buffer {
    if (typeof doc.body_base64 === 'string') return Buffer.from(doc.body_base64, 'base64');
    if (typeof doc.body === 'string') return Buffer.from(doc.body, 'utf8');
    throw this.bad(`sent audit entry ${String(doc.index)} without its body`);
  }

  private hashes(v: unknown, what: string): Buffer[] {
    if (!Array.isArray(v) || !v.every((h) => typeof h === 'string'))
      throw this.bad(`sent a malformed ${what}`);
    // A proof has at most two hashes per level of a tree of 2^63 leaves.
    if (v.length > MAX_PROOF_HASHES) throw this.bad(`sent a ${what} of ${v.length} hashes`);
    return (v as string[]).map((h) => Buffer.from(h, 'base64'));
  }

  private bad(what: string): AamError {
    return new AamError('INVALID_REGISTRY', `Registry '${this.registry.name}' ${what}`, {
      registry: this.registry.name,
    });
  }
}
