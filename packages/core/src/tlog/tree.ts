/**
 * Server-side tree maintenance and proof generation over stored node hashes (RFC 6962 §2.1.1–2.1.2).
 *
 * Storage model (design §1.1 "useful storage fact"): node (level, index) is the hash of the perfect, aligned
 * subtree covering leaves [index·2^level, (index+1)·2^level). Such a node never changes once complete, so a store
 * keeps exactly the complete ones: level 0 holds the leaf hashes, and appending leaf i adds (0, i) plus one parent
 * per trailing 1 bit of i. Any root, past or present, and every proof hash is a combination of at most ~2·log2 n
 * stored nodes; nothing here reads more than that, and nothing keeps state between calls (no in-memory
 * "frontier" that could outlive a rolled-back transaction).
 *
 * Errors: `AUDIT_LOG_BAD_RANGE` for arguments outside the tree (a bad request), `AUDIT_LOG_STORE_CORRUPT` when a
 * node that must exist is missing or is not 32 bytes.
 */
import { AamError } from '../errors.js';
import { floorPow2, half, isOdd, log2Exact, requireCount, splitPoint } from './bits.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.js';

/** Read access to stored perfect-subtree hashes. Synchronous: better-sqlite3 backs it on the server. */
export interface NodeStore {
  /** The hash of node (level, index), or undefined if it is not stored. */
  get(level: number, index: number): Buffer | undefined;
}

/** A node to store: the hash of leaves [index·2^level, (index+1)·2^level). */
export interface TreeNode {
  level: number;
  index: number;
  hash: Buffer;
}

function read(store: NodeStore, level: number, index: number): Buffer {
  const h = store.get(level, index);
  if (h === undefined || h.length !== HASH_SIZE) {
    throw new AamError(
      'AUDIT_LOG_STORE_CORRUPT',
      `Audit log node (${level}, ${index}) is ${h === undefined ? 'missing' : `${h.length} bytes, not ${HASH_SIZE}`}`,
      { level, index },
    );
  }
  return h;
}

function badRange(message: string, details: Record<string, unknown>): AamError {
  return new AamError('AUDIT_LOG_BAD_RANGE', message, details);
}

/**
 * The nodes to insert when appending the leaf with hash `leafHash` to a tree of `size` leaves: node (0, size)
 * first, then every parent completed by it, bottom-up. Reads one left sibling per completed parent (all of them
 * already stored). The caller inserts the nodes (in the same transaction as the entry) and can then ask for
 * `rootAt(store, size + 1)`.
 */
export function appendLeaf(store: NodeStore, size: number, leafHash: Uint8Array): TreeNode[] {
  requireCount(size, 'size', 'AUDIT_LOG_BAD_RANGE');
  if (size >= Number.MAX_SAFE_INTEGER) throw badRange('The audit log is full', { size });
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE) {
    throw badRange(`A leaf hash must be ${HASH_SIZE} bytes`, { length: leafHash?.length });
  }
  let h: Buffer = Buffer.from(leafHash);
  const nodes: TreeNode[] = [{ level: 0, index: size, hash: h }];
  let level = 0;
  let index = size;
  while (isOdd(index)) {
    h = nodeHash(read(store, level, index - 1), h);
    level++;
    index = half(index);
    nodes.push({ level, index, hash: h });
  }
  return nodes;
}

/**
 * MTH(D[lo:hi]) from stored nodes: the fold from the right of the perfect subtrees of the binary decomposition of
 * hi − lo. Requires 0 ≤ lo < hi and lo to be a multiple of the largest power of two ≤ hi − lo, so that every piece
 * is an aligned stored node; every range that appears in RFC 6962 proofs satisfies this, and so does [0, n).
 */
export function rangeHash(store: NodeStore, lo: number, hi: number): Buffer {
  requireCount(lo, 'lo', 'AUDIT_LOG_BAD_RANGE');
  requireCount(hi, 'hi', 'AUDIT_LOG_BAD_RANGE', 1);
  if (lo >= hi || lo % floorPow2(hi - lo) !== 0) {
    throw badRange(`Leaf range [${lo}, ${hi}) is empty or not aligned to stored subtrees`, { lo, hi });
  }
  return rangeHashUnchecked(store, lo, hi);
}

function rangeHashUnchecked(store: NodeStore, lo: number, hi: number): Buffer {
  // Walk the pieces from the smallest (rightmost) to the largest, folding as we go: no intermediate array.
  let rem = hi - lo;
  let pos = hi;
  let acc: Buffer | undefined;
  let k = 1;
  let level = 0;
  while (rem > 0) {
    if (rem % (2 * k) !== 0) {
      pos -= k;
      rem -= k;
      const piece = read(store, level, pos / k);
      acc = acc === undefined ? piece : nodeHash(piece, acc);
    }
    k *= 2;
    level++;
  }
  return acc as Buffer;
}

/** The root of the tree made of the first `size` leaves (`EMPTY_ROOT` for 0). */
export function rootAt(store: NodeStore, size: number): Buffer {
  requireCount(size, 'size', 'AUDIT_LOG_BAD_RANGE');
  return size === 0 ? Buffer.from(EMPTY_ROOT) : rangeHashUnchecked(store, 0, size);
}

/** Hash of the perfect aligned range [lo, lo + k): a single stored node. */
function perfect(store: NodeStore, lo: number, k: number): Buffer {
  return read(store, log2Exact(k), lo / k);
}

/**
 * RFC 6962 PATH(index, D[0:size]): the inclusion proof of leaf `index` in the tree of `size` leaves, ordered from
 * the leaf's sibling upwards. Requires 0 ≤ index < size.
 */
export function inclusionProof(store: NodeStore, index: number, size: number): Buffer[] {
  requireCount(size, 'size', 'AUDIT_LOG_BAD_RANGE', 1);
  requireCount(index, 'index', 'AUDIT_LOG_BAD_RANGE');
  if (index >= size) throw badRange(`Leaf index ${index} is outside a tree of size ${size}`, { index, size });
  // Walk down from the root; each step's sibling goes above the ones found deeper, so collect and reverse.
  const proof: Buffer[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      proof.push(rangeHashUnchecked(store, lo + k, hi));
      hi = lo + k;
    } else {
      proof.push(perfect(store, lo, k));
      lo += k;
    }
  }
  return proof.reverse();
}

/**
 * RFC 6962 PROOF(m, D[0:n]): the consistency proof from the tree of `m` leaves to the tree of `n` leaves.
 * Requires 0 < m ≤ n (the proof for m == n is empty; m == 0 is refused, as verifiers refuse it).
 */
export function consistencyProof(store: NodeStore, m: number, n: number): Buffer[] {
  requireCount(m, 'm', 'AUDIT_LOG_BAD_RANGE', 1);
  requireCount(n, 'n', 'AUDIT_LOG_BAD_RANGE', 1);
  if (m > n) throw badRange(`Old size ${m} is larger than new size ${n}`, { m, n });
  // SUBPROOF(m, D[lo:hi], lo == 0) walked top-down; the base case's hash comes first in the proof.
  const proof: Buffer[] = [];
  let lo = 0;
  let hi = n;
  while (m !== hi) {
    const k = splitPoint(hi - lo);
    if (m <= lo + k) {
      proof.push(rangeHashUnchecked(store, lo + k, hi));
      hi = lo + k;
    } else {
      proof.push(perfect(store, lo, k));
      lo += k;
    }
  }
  if (lo !== 0) proof.push(rangeHashUnchecked(store, lo, hi));
  return proof.reverse();
}

/**
 * An in-memory {@link NodeStore} for tests and for a client's full re-verification: one growable buffer per
 * level (32 bytes per node, ~2 nodes per leaf), appended in order only. `get` returns a copy.
 */
export class MemoryNodeStore implements NodeStore {
  private readonly levels: Buffer[] = [];
  private readonly counts: number[] = [];
  private leaves = 0;

  /** Builds a store from leaf hashes, in order. */
  static fromLeafHashes(hashes: Iterable<Uint8Array>): MemoryNodeStore {
    const store = new MemoryNodeStore();
    for (const h of hashes) store.append(h);
    return store;
  }

  /** Number of leaves appended. */
  get size(): number {
    return this.leaves;
  }

  get(level: number, index: number): Buffer | undefined {
    const buf = this.levels[level];
    const count = this.counts[level] ?? 0;
    if (buf === undefined || !Number.isSafeInteger(index) || index < 0 || index >= count) return undefined;
    return Buffer.from(buf.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE));
  }

  /** Stores node (level, index); nodes of a level must arrive in index order, each once. */
  put(level: number, index: number, hash: Uint8Array): void {
    if (hash.length !== HASH_SIZE) throw badRange(`A node hash must be ${HASH_SIZE} bytes`, { level, index });
    while (this.levels.length <= level) {
      this.levels.push(Buffer.alloc(HASH_SIZE * 1024));
      this.counts.push(0);
    }
    const count = this.counts[level] as number;
    if (index !== count)
      throw badRange(`Node (${level}, ${index}) is out of order (next is ${count})`, { level });
    let buf = this.levels[level] as Buffer;
    if ((count + 1) * HASH_SIZE > buf.length) {
      const bigger = Buffer.alloc(buf.length * 2);
      buf.copy(bigger);
      buf = bigger;
      this.levels[level] = buf;
    }
    buf.set(hash, count * HASH_SIZE);
    this.counts[level] = count + 1;
  }

  /** Appends one leaf hash (with its completed parents); returns the nodes written. */
  append(leafHash: Uint8Array): TreeNode[] {
    const nodes = appendLeaf(this, this.leaves, leafHash);
    for (const node of nodes) this.put(node.level, node.index, node.hash);
    this.leaves++;
    return nodes;
  }

  /** Root at `size` (default: the current size). */
  root(size = this.leaves): Buffer {
    if (size > this.leaves)
      throw badRange(`Size ${size} is beyond the ${this.leaves} leaves stored`, { size });
    return rootAt(this, size);
  }
}
