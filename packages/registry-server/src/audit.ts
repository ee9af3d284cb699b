import {
  AamError,
  hashesEqual,
  openCheckpoint,
  addSignedTime,
  appendLeaf,
  encodeAuditEntry,
  MAX_AUDIT_ENTRY_BYTES,
  packageOfTarget,
  type AuditEvent,
  consistencyProof,
  formatCheckpoint,
  inclusionProof,
  leafHash,
  rootAt,
  signNote,
  type NodeStore,
  type NoteSigner,
} from '@aam/core';
import type { Query, Row } from './db.js';
import { RegistryError } from './problem.js';

export interface AppendResult {
  index: number;
  size: number;
  checkpoint: string;
}

const PLACEHOLDER = Buffer.alloc(32);

/**
 * Runs a tree computation over the stored nodes. Which nodes a computation reads depends only on sizes and
 * indexes, never on hash values: a first pass with placeholder hashes collects every node it needs, one query
 * fetches them, and a second pass computes for real. A node still missing then is a corrupt store. `known`
 * holds nodes already at hand (those written earlier in the same transaction), and learns the fetched ones.
 */
export async function withNodes<T>(
  q: Query,
  fn: (store: NodeStore) => T,
  known: Map<string, Buffer> = new Map(),
): Promise<T> {
  for (let pass = 0; pass < 2; pass++) {
    const missing: [number, number][] = [];
    const store: NodeStore = {
      get(level, index) {
        const h = known.get(`${level}/${index}`);
        if (h) return h;
        if (pass === 1) return undefined;
        missing.push([level, index]);
        return PLACEHOLDER;
      },
    };
    const out = fn(store);
    if (missing.length === 0) return out;
    for (let i = 0; i < missing.length; i += 200) {
      const chunk = missing.slice(i, i + 200);
      const where = chunk.map(() => '(level = ? AND idx = ?)').join(' OR ');
      const rows = await q.all<{ level: number; idx: number; hash: Buffer } & Row>(
        `SELECT level, idx, hash FROM audit_nodes WHERE ${where}`,
        ...chunk.flat(),
      );
      for (const r of rows) known.set(`${r.level}/${r.idx}`, Buffer.from(r.hash));
    }
  }
  // Unreachable: the second pass either returned or threw (the tree code refuses a missing node).
  throw new RegistryError(500, 'audit_log_corrupt', 'The audit log store is missing nodes');
}

/**
 * The registry's audit log: an RFC 6962 Merkle tree over canonical JSON entries, a C2SP checkpoint signed
 * (Ed25519) in the same transaction as every append. Call `append` only inside `Db.write`.
 */
export class AuditLog {
  constructor(
    readonly origin: string,
    private readonly signer: NoteSigner,
  ) {}

  get vkey(): string {
    return this.signer.vkey;
  }

  sign(size: number, root: Buffer): string {
    return signNote(formatCheckpoint({ origin: this.origin, size, root }), this.signer);
  }

  /**
   * The checkpoint as served: the stored note plus the time now, signed with the checkpoint key (C2SP
   * tlog-cosignature format), so a client knows how fresh the log it sees is and a replayed old checkpoint
   * shows its age.
   */
  withSignedTime(note: string, now = new Date()): string {
    return addSignedTime(note, this.signer, Math.floor(now.getTime() / 1000));
  }

  /** Appends one entry; returns its index and the checkpoint covering it. */
  async append(q: Query, ev: AuditEvent): Promise<AppendResult> {
    return (await this.appendMany(q, [ev]))[0]!;
  }

  /**
   * Appends entries in order within the caller's transaction, and signs one checkpoint covering them all
   * (a checkpoint is only ever served for a committed size, so intermediate sizes need none).
   */
  async appendMany(q: Query, events: AuditEvent[]): Promise<AppendResult[]> {
    const state = await q.get<{ size: number } & Row>('SELECT size FROM audit_state WHERE id = 0');
    if (!state) throw new RegistryError(500, 'audit_log_corrupt', 'The audit log has no head');
    let size = Number(state.size);
    const known = new Map<string, Buffer>();
    const indexes: number[] = [];
    for (const ev of events) {
      const index = size;
      const timestamp = new Date().toISOString();
      const body = encodeAuditEntry(ev, timestamp);
      if (body.length > MAX_AUDIT_ENTRY_BYTES)
        throw new RegistryError(422, 'audit_entry_too_large', 'The audit entry would exceed 65,535 bytes');
      const leaf = leafHash(body);
      const nodes = await withNodes(q, (store) => appendLeaf(store, index, leaf), known);
      await q.run(
        'INSERT INTO audit_entries (idx, body, leaf_hash, event, package, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        index,
        body,
        leaf,
        ev.event,
        ev.package === undefined ? null : packageOfTarget(ev.package),
        ev.actor,
        timestamp,
      );
      for (const n of nodes) {
        await q.run('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)', n.level, n.index, n.hash);
        known.set(`${n.level}/${n.index}`, n.hash);
      }
      indexes.push(index);
      size = index + 1;
    }
    const root = await withNodes(q, (store) => rootAt(store, size), known);
    const checkpoint = this.sign(size, root);
    await q.run(
      'UPDATE audit_state SET size = ?, root = ?, checkpoint = ? WHERE id = 0',
      size,
      root,
      checkpoint,
    );
    return indexes.map((index) => ({ index, size, checkpoint }));
  }

  /** The latest signed checkpoint (signs the empty tree on first use). */
  async head(q: Query): Promise<{ size: number; root: Buffer; checkpoint: string }> {
    const s = await q.get<{ size: number; root: Buffer; checkpoint: string } & Row>(
      'SELECT size, root, checkpoint FROM audit_state WHERE id = 0',
    );
    if (!s) throw new RegistryError(500, 'audit_log_corrupt', 'The audit log has no head');
    return { size: Number(s.size), root: Buffer.from(s.root), checkpoint: s.checkpoint };
  }

  /**
   * The head, checked: the stored nodes give its root, and its checkpoint verifies under this log's key and
   * names that size and root (`signed: false`: an empty log never signed yet). Throws AUDIT_LOG_STORE_CORRUPT
   * (or the checkpoint's own signature error). The start-up self-check and `/readyz` both ask this.
   */
  async verifiedHead(
    q: Query,
    given?: { size: number; root: Buffer; checkpoint: string },
  ): Promise<{ size: number; root: Buffer; signed: boolean }> {
    const head = given ?? (await this.head(q));
    const corrupt = (what: string) => new AamError('AUDIT_LOG_STORE_CORRUPT', `Audit log: ${what}`);
    const root = await this.rootAt(q, head.size);
    if (!hashesEqual(root, head.root))
      throw corrupt(`the stored nodes do not give the head's root at size ${head.size}`);
    if (head.checkpoint === '') {
      if (head.size !== 0) throw corrupt('no checkpoint for a non-empty log');
      return { size: 0, root, signed: false };
    }
    const { checkpoint } = openCheckpoint(head.checkpoint, this.vkey, this.origin);
    if (checkpoint.size !== head.size || !hashesEqual(checkpoint.root, root))
      throw corrupt('the signed checkpoint does not match the stored log');
    return { size: head.size, root, signed: true };
  }

  async inclusion(q: Query, index: number, size: number): Promise<Buffer[]> {
    return withNodes(q, (store) => inclusionProof(store, index, size));
  }

  async consistency(q: Query, from: number, to: number): Promise<Buffer[]> {
    return withNodes(q, (store) => consistencyProof(store, from, to));
  }

  async rootAt(q: Query, size: number): Promise<Buffer> {
    return withNodes(q, (store) => rootAt(store, size));
  }
}
