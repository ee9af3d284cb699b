import { EMPTY_ROOT, leafHash, nodeHash } from './hash.js';

/**
 * The right edge of an RFC 6962 tree: the roots of its perfect subtrees, largest first (one per 1-bit of the
 * size). Enough to append leaves and compute the root without the rest of the tree, so a client that keeps it
 * can fetch the entries appended since, hash them, and prove they are exactly those entries (its new root must be
 * the new checkpoint's).
 */
export class CompactRange {
  private constructor(
    private size: number,
    private readonly nodes: { hash: Buffer; height: number }[],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** From its stored form; throws (the caller rebuilds from the start) when that does not add up. */
  static restore(size: number, nodes: { hash: string; height: number }[]): CompactRange {
    if (!Number.isSafeInteger(size) || size < 0 || !Array.isArray(nodes))
      throw new Error('the stored compact range does not describe a tree of its size');
    const parsed = nodes.map((n) => ({ hash: Buffer.from(String(n?.hash), 'base64'), height: n?.height }));
    const heightsValid = parsed.every((n) => Number.isInteger(n.height) && n.height >= 0 && n.height < 53);
    const total = heightsValid ? parsed.reduce((t, n) => t + 2 ** n.height, 0) : -1;
    const descending = parsed.every((n, i) => i === 0 || n.height < parsed[i - 1]!.height);
    if (total !== size || !descending || parsed.some((n) => n.hash.length !== 32))
      throw new Error('the stored compact range does not describe a tree of its size');
    return new CompactRange(size, parsed);
  }

  get treeSize(): number {
    return this.size;
  }

  /** Appends an entry (its exact bytes). */
  append(entry: Uint8Array): void {
    let node = { hash: leafHash(entry), height: 0 };
    for (let top = this.nodes.at(-1); top && top.height === node.height; top = this.nodes.at(-1)) {
      this.nodes.pop();
      node = { hash: nodeHash(top.hash, node.hash), height: node.height + 1 };
    }
    this.nodes.push(node);
    this.size++;
  }

  /** The RFC 6962 root of the tree so far. */
  root(): Buffer {
    if (this.nodes.length === 0) return Buffer.from(EMPTY_ROOT);
    let h = this.nodes.at(-1)!.hash;
    for (let i = this.nodes.length - 2; i >= 0; i--) h = nodeHash(this.nodes[i]!.hash, h);
    return h;
  }

  /** Its stored form. */
  save(): { size: number; nodes: { hash: string; height: number }[] } {
    return {
      size: this.size,
      nodes: this.nodes.map((n) => ({ hash: n.hash.toString('base64'), height: n.height })),
    };
  }
}
