// The audit-log core (packages/core/src/tlog): known answers, an exhaustive comparison with a naive RFC 6962
// reference, every proof mutation refused, and the signed-note / checkpoint rules with their negatives
// (design §4.8 groups 1, 2 and 10). Go interop lives in test/interop/go.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AamError } from '../src/errors.js';
import {
  appendLeaf,
  consistencyProof,
  consistencyProofLength,
  EMPTY_ROOT,
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  inclusionProofLength,
  leafHash,
  MemoryNodeStore,
  nodeHash,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  rangeHash,
  rootAt,
  rootFromInclusion,
  rootsFromConsistency,
  signCheckpoint,
  signNote,
  verifyConsistency,
  verifyInclusion,
  type NodeStore,
  type NoteVerifier,
} from '../src/tlog/index.js';

// ---------- helpers ----------

/** The AamError code `fn` throws, or 'ok'. Anything but an AamError is a bug and fails the test. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof AamError) return e.code;
    throw e;
  }
}

function errorOf(fn: () => unknown): AamError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AamError) return e;
    throw e;
  }
  throw new Error('expected an AamError');
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const flipBit = (h: Uint8Array, bit: number): Buffer => {
  const c = Buffer.from(h);
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7));
  return c;
};
const record = (i: number): Buffer => Buffer.from(`record ${i}`);
const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

// A naive RFC 6962 reference, straight from §2.1 (recursion over the leaf list, createHash): the oracle for the
// stored-node implementation.
const refLeaf = (d: Uint8Array): Buffer => sha256(Buffer.concat([Buffer.of(0), d]));
const refNode = (l: Buffer, r: Buffer): Buffer => sha256(Buffer.concat([Buffer.of(1), l, r]));
function refSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function refMth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256(Buffer.alloc(0));
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = refSplit(leaves.length);
  return refNode(refMth(leaves.slice(0, k)), refMth(leaves.slice(k)));
}
function refPath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = refSplit(leaves.length);
  return m < k
    ? [...refPath(m, leaves.slice(0, k)), refMth(leaves.slice(k))]
    : [...refPath(m - k, leaves.slice(k)), refMth(leaves.slice(0, k))];
}
function refSubproof(m: number, leaves: Buffer[], b: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [refMth(leaves)];
  const k = refSplit(n);
  return m <= k
    ? [...refSubproof(m, leaves.slice(0, k), b), refMth(leaves.slice(k))]
    : [...refSubproof(m - k, leaves.slice(k), false), refMth(leaves.slice(0, k))];
}

const RFC6962_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
// transparency-dev/merkle testonly RootHashes (sizes 0..8); Go's tlog.TreeHash gives the same (go.test.ts).
const RFC6962_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

// ---------- hashing and known answers ----------

describe('tlog hashing known answers', () => {
  it('hashes the empty tree, leaves and nodes per RFC 6962', () => {
    expect(hex(EMPTY_ROOT)).toBe(RFC6962_ROOTS[0]);
    expect(b64(EMPTY_ROOT)).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    // Go sumdb/tlog note_test.go: RecordHash("hello world").
    expect(b64(leafHash(Buffer.from('hello world')))).toBe('TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
    const a = leafHash(Buffer.from('a'));
    const b = leafHash(Buffer.from('b'));
    expect(nodeHash(a, b)).toEqual(refNode(a, b));
    expect(nodeHash(a, b)).not.toEqual(nodeHash(b, a));
  });

  it('hashes entries of every size, including past the scratch buffer, without aliasing results', () => {
    for (const size of [0, 1, 65, 8191, 8192, 8193, 70_000]) {
      const entry = Buffer.alloc(size, size & 0xff);
      expect(leafHash(entry)).toEqual(refLeaf(entry));
    }
    const first = leafHash(Buffer.from('x'));
    const copy = Buffer.from(first);
    leafHash(Buffer.from('y'));
    nodeHash(first, first);
    expect(first).toEqual(copy);
  });

  it('refuses node inputs that are not 32 bytes', () => {
    expect(codeOf(() => nodeHash(Buffer.alloc(31), Buffer.alloc(32)))).toBe('AUDIT_LOG_BAD_PROOF');
    expect(codeOf(() => nodeHash(Buffer.alloc(32), Buffer.alloc(33)))).toBe('AUDIT_LOG_BAD_PROOF');
  });

  it('gives the RFC 6962 reference tree roots for sizes 0..8', () => {
    const store = MemoryNodeStore.fromLeafHashes(RFC6962_LEAVES.map((h) => leafHash(Buffer.from(h, 'hex'))));
    for (let n = 0; n <= 8; n++) {
      expect(hex(store.root(n)), `size ${n}`).toBe(RFC6962_ROOTS[n]);
      expect(hex(refMth(RFC6962_LEAVES.slice(0, n).map((h) => refLeaf(Buffer.from(h, 'hex')))))).toBe(
        RFC6962_ROOTS[n],
      );
    }
  });
});

// ---------- tree maintenance ----------

describe('stored-node tree', () => {
  it('appends a leaf with one node per completed subtree', () => {
    const store = new MemoryNodeStore();
    const shapes: string[] = [];
    for (let i = 0; i < 8; i++) {
      shapes.push(
        store
          .append(leafHash(record(i)))
          .map((n) => `${n.level}:${n.index}`)
          .join(' '),
      );
    }
    expect(shapes).toEqual([
      '0:0',
      '0:1 1:0',
      '0:2',
      '0:3 1:1 2:0',
      '0:4',
      '0:5 1:2',
      '0:6',
      '0:7 1:3 2:1 3:0',
    ]);
    // appendLeaf only reads: the caller inserts.
    const before = store.size;
    const nodes = appendLeaf(store, 8, leafHash(record(8)));
    expect(nodes).toHaveLength(1);
    expect(store.size).toBe(before);
  });

  it('matches the naive reference for every root, range, inclusion and consistency proof up to 64 leaves', () => {
    const leaves = Array.from({ length: 64 }, (_, i) => refLeaf(record(i)));
    const store = MemoryNodeStore.fromLeafHashes(leaves);
    let checked = 0;
    for (let n = 1; n <= 64; n++) {
      const prefix = leaves.slice(0, n);
      expect(rootAt(store, n)).toEqual(refMth(prefix));
      for (let i = 0; i < n; i++) {
        const p = inclusionProof(store, i, n);
        expect(p, `PATH(${i}, ${n})`).toEqual(refPath(i, prefix));
        expect(p.length).toBe(inclusionProofLength(i, n));
        checked++;
      }
      for (let m = 1; m <= n; m++) {
        const p = consistencyProof(store, m, n);
        expect(p, `PROOF(${m}, ${n})`).toEqual(refSubproof(m, prefix, true));
        expect(p.length).toBe(consistencyProofLength(m, n));
        checked++;
      }
    }
    // Ranges that proofs use: [lo, hi) with lo aligned to the largest power of two ≤ hi − lo.
    expect(rangeHash(store, 8, 13)).toEqual(refMth(leaves.slice(8, 13)));
    expect(rangeHash(store, 32, 64)).toEqual(refMth(leaves.slice(32, 64)));
    expect(checked).toBe(2 * 2080);
  });

  it('refuses bad ranges and reports a store missing a node', () => {
    const store = MemoryNodeStore.fromLeafHashes(Array.from({ length: 10 }, (_, i) => leafHash(record(i))));
    expect(codeOf(() => rangeHash(store, 1, 5))).toBe('AUDIT_LOG_BAD_RANGE'); // 1 is not aligned to 4
    expect(codeOf(() => rangeHash(store, 4, 4))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => inclusionProof(store, 10, 10))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => inclusionProof(store, -1, 10))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => consistencyProof(store, 0, 10))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => consistencyProof(store, 6, 5))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => rootAt(store, 1.5))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => rootAt(store, 2 ** 53))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => appendLeaf(store, 10, Buffer.alloc(31)))).toBe('AUDIT_LOG_BAD_RANGE');
    expect(codeOf(() => store.put(0, 12, Buffer.alloc(32)))).toBe('AUDIT_LOG_BAD_RANGE'); // out of order
    expect(rootAt(store, 0)).toEqual(EMPTY_ROOT);
    // Beyond the stored leaves, and a store that lost a node or holds a truncated one.
    expect(codeOf(() => rootAt(store, 11))).toBe('AUDIT_LOG_STORE_CORRUPT');
    const holey: NodeStore = { get: (l, i) => (l === 1 && i === 2 ? undefined : store.get(l, i)) };
    expect(codeOf(() => rootAt(holey, 6))).toBe('AUDIT_LOG_STORE_CORRUPT');
    const short: NodeStore = { get: (l, i) => store.get(l, i)?.subarray(0, 31) };
    expect(codeOf(() => inclusionProof(short, 3, 8))).toBe('AUDIT_LOG_STORE_CORRUPT');
  });

  it('returns copies, so a caller mutating a proof cannot corrupt the store', () => {
    const store = MemoryNodeStore.fromLeafHashes(Array.from({ length: 4 }, (_, i) => leafHash(record(i))));
    const root = store.root();
    const p = inclusionProof(store, 0, 4);
    (p[0] as Buffer).fill(0);
    expect(store.root()).toEqual(root);
  });
});

// ---------- verification: exhaustive and mutations ----------

describe('proof verification (RFC 9162)', () => {
  const N = 64;
  const store = MemoryNodeStore.fromLeafHashes(Array.from({ length: N + 1 }, (_, i) => leafHash(record(i))));
  const roots = Array.from({ length: N + 2 }, (_, n) =>
    n <= N + 1 ? store.root(Math.min(n, N + 1)) : EMPTY_ROOT,
  );
  const leaf = (i: number): Buffer => store.get(0, i) as Buffer;
  const extra = sha256(Buffer.from('extra'));

  it('verifies every inclusion proof for n ≤ 64 and refuses every mutation', () => {
    let accepted = 0;
    let refused = 0;
    for (let n = 1; n <= N; n++) {
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(store, i, n);
        const root = roots[n] as Buffer;
        verifyInclusion(i, n, leaf(i), proof, root);
        expect(rootFromInclusion(i, n, leaf(i), proof)).toEqual(root);
        accepted++;
        const bad: [string, () => void][] = [];
        proof.forEach((_, j) => {
          const p = proof.slice();
          p[j] = flipBit(proof[j] as Buffer, (i * 31 + j * 7) % 256);
          bad.push([`flip hash ${j}`, () => verifyInclusion(i, n, leaf(i), p, root)]);
        });
        bad.push(['flip leaf', () => verifyInclusion(i, n, flipBit(leaf(i), 5), proof, root)]);
        bad.push(['flip root', () => verifyInclusion(i, n, leaf(i), proof, flipBit(root, 250))]);
        bad.push(['other leaf', () => verifyInclusion(i, n, leaf((i + 1) % (n + 1)), proof, root)]);
        bad.push(['index + 1', () => verifyInclusion(i + 1, n, leaf(i), proof, root)]);
        if (i > 0) bad.push(['index - 1', () => verifyInclusion(i - 1, n, leaf(i), proof, root)]);
        // A different size, claimed with that size's root.
        bad.push(['size + 1', () => verifyInclusion(i, n + 1, leaf(i), proof, roots[n + 1] as Buffer)]);
        if (n > 1)
          bad.push(['size - 1', () => verifyInclusion(i, n - 1, leaf(i), proof, roots[n - 1] as Buffer)]);
        if (2 * n <= N)
          bad.push(['size × 2', () => verifyInclusion(i, 2 * n, leaf(i), proof, roots[2 * n] as Buffer)]);
        if (n > 1)
          bad.push(['size ÷ 2', () => verifyInclusion(i, n >> 1, leaf(i), proof, roots[n >> 1] as Buffer)]);
        if (proof.length > 0) {
          bad.push(['drop last', () => verifyInclusion(i, n, leaf(i), proof.slice(0, -1), root)]);
          bad.push(['drop first', () => verifyInclusion(i, n, leaf(i), proof.slice(1), root)]);
          bad.push(['swap leaf and root', () => verifyInclusion(i, n, root, proof, leaf(i))]);
        }
        bad.push(['append hash', () => verifyInclusion(i, n, leaf(i), [...proof, extra], root)]);
        bad.push(['prepend hash', () => verifyInclusion(i, n, leaf(i), [extra, ...proof], root)]);
        bad.push([
          'short hash',
          () => verifyInclusion(i, n, leaf(i), [...proof.slice(1), Buffer.alloc(31)], root),
        ]);
        for (const [what, run] of bad) {
          expect(codeOf(run), `(${i}, ${n}) ${what}`).toBe('AUDIT_LOG_INCLUSION_FAILED');
          refused++;
        }
      }
    }
    expect(accepted).toBe(2080);
    expect(refused).toBeGreaterThan(30_000);
  });

  it('verifies every consistency proof for n ≤ 64 and refuses every mutation', () => {
    let accepted = 0;
    let refused = 0;
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(store, m, n);
        const r1 = roots[m] as Buffer;
        const r2 = roots[n] as Buffer;
        verifyConsistency(m, n, proof, r1, r2);
        const { oldRoot, newRoot } = rootsFromConsistency(m, n, proof, r1);
        expect(oldRoot).toEqual(r1);
        expect(newRoot).toEqual(r2);
        accepted++;
        const bad: [string, () => void][] = [];
        proof.forEach((_, j) => {
          const p = proof.slice();
          p[j] = flipBit(proof[j] as Buffer, (m * 13 + j * 29) % 256);
          bad.push([`flip hash ${j}`, () => verifyConsistency(m, n, p, r1, r2)]);
        });
        bad.push(['flip root1', () => verifyConsistency(m, n, proof, flipBit(r1, 0), r2)]);
        bad.push(['flip root2', () => verifyConsistency(m, n, proof, r1, flipBit(r2, 255))]);
        if (m !== n) bad.push(['swapped roots', () => verifyConsistency(m, n, proof, r2, r1)]);
        bad.push(['size1 + 1', () => verifyConsistency(m + 1, n, proof, roots[m + 1] as Buffer, r2)]);
        bad.push(['size1 - 1', () => verifyConsistency(m - 1, n, proof, roots[m - 1] as Buffer, r2)]);
        bad.push(['size2 + 1', () => verifyConsistency(m, n + 1, proof, r1, roots[n + 1] as Buffer)]);
        if (n > m)
          bad.push(['size2 - 1', () => verifyConsistency(m, n - 1, proof, r1, roots[n - 1] as Buffer)]);
        if (2 * n <= N)
          bad.push(['size2 × 2', () => verifyConsistency(m, 2 * n, proof, r1, roots[2 * n] as Buffer)]);
        if (m > 1)
          bad.push(['size1 ÷ 2', () => verifyConsistency(m >> 1, n, proof, roots[m >> 1] as Buffer, r2)]);
        if (proof.length > 0) {
          bad.push(['drop last', () => verifyConsistency(m, n, proof.slice(0, -1), r1, r2)]);
          bad.push(['drop first', () => verifyConsistency(m, n, proof.slice(1), r1, r2)]);
        }
        bad.push(['append hash', () => verifyConsistency(m, n, [...proof, extra], r1, r2)]);
        bad.push(['prepend hash', () => verifyConsistency(m, n, [extra, ...proof], r1, r2)]);
        bad.push(['prepend root1', () => verifyConsistency(m, n, [r1, ...proof], r1, r2)]);
        bad.push(['append root2', () => verifyConsistency(m, n, [...proof, r2], r1, r2)]);
        for (const [what, run] of bad) {
          expect(codeOf(run), `(${m}, ${n}) ${what}`).toBe('AUDIT_LOG_BAD_PROOF');
          refused++;
        }
      }
    }
    expect(accepted).toBe(2080);
    expect(refused).toBeGreaterThan(30_000);
  });

  it('refuses sizes that are not safe integers, size1 = 0 and size1 > size2', () => {
    const r = roots[4] as Buffer;
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      expect(codeOf(() => verifyInclusion(bad, 8, leaf(0), [], r))).toBe('AUDIT_LOG_INCLUSION_FAILED');
      expect(codeOf(() => verifyInclusion(0, bad, leaf(0), [], r))).toBe('AUDIT_LOG_INCLUSION_FAILED');
      expect(codeOf(() => verifyConsistency(bad, 8, [], r, r))).toBe('AUDIT_LOG_BAD_PROOF');
      expect(codeOf(() => verifyConsistency(1, bad, [], r, r))).toBe('AUDIT_LOG_BAD_PROOF');
    }
    expect(errorOf(() => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).details.reason).toBe(
      'old-size-zero',
    );
    expect(errorOf(() => verifyConsistency(0, 4, [], EMPTY_ROOT, r)).details.reason).toBe('old-size-zero');
    expect(errorOf(() => verifyConsistency(5, 4, [], r, r)).details.reason).toBe('old-size-larger');
    expect(errorOf(() => verifyConsistency(4, 4, [], r, roots[3] as Buffer)).details.reason).toBe(
      'old-root-mismatch',
    );
    expect(errorOf(() => verifyConsistency(3, 4, [], roots[3] as Buffer, r)).details.reason).toBe(
      'bad-length',
    );
    expect(errorOf(() => verifyInclusion(0, 1, leaf(0), [], Buffer.alloc(31))).details.reason).toBe(
      'bad-hash',
    );
  });

  it('works at sizes near 2^53 (no 32-bit arithmetic)', () => {
    // A consistent store of 2^53 − 1 identical leaves: node (l, i) is H_l, with H_{l+1} = node(H_l, H_l).
    const levels = [leafHash(Buffer.from('same'))];
    for (let l = 1; l < 54; l++) levels.push(nodeHash(levels[l - 1] as Buffer, levels[l - 1] as Buffer));
    const huge: NodeStore = { get: (l) => levels[l] };
    const size = Number.MAX_SAFE_INTEGER;
    const root = rootAt(huge, size);
    for (const index of [0, 1, 2 ** 31, 2 ** 32 + 1, 2 ** 40 + 3, 2 ** 52, size - 2, size - 1]) {
      const proof = inclusionProof(huge, index, size);
      expect(proof.length).toBe(inclusionProofLength(index, size));
      verifyInclusion(index, size, levels[0] as Buffer, proof, root);
      expect(
        codeOf(() => verifyInclusion(index, size - 1, levels[0] as Buffer, proof, rootAt(huge, size - 1))),
      ).toBe('AUDIT_LOG_INCLUSION_FAILED');
    }
    for (const m of [1, 3, 2 ** 31 + 1, 2 ** 32, 2 ** 33 + 5, 2 ** 52, 2 ** 52 + 1, size - 1, size]) {
      const proof = consistencyProof(huge, m, size);
      expect(proof.length).toBe(consistencyProofLength(m, size));
      verifyConsistency(m, size, proof, rootAt(huge, m), root);
      if (m > 1) {
        expect(codeOf(() => verifyConsistency(m - 1, size, proof, rootAt(huge, m - 1), root))).toBe(
          'AUDIT_LOG_BAD_PROOF',
        );
      }
    }
    // Shapes worked out by hand (cf. PROOF(5, 7) = [h4, h5, h6, MTH(0..4)], four hashes).
    expect(inclusionProofLength(size - 1, size)).toBe(52);
    expect(inclusionProofLength(2 ** 40 + 3, size)).toBe(53);
    expect(consistencyProofLength(2 ** 52, size)).toBe(1);
    expect(consistencyProofLength(2 ** 52 + 1, size)).toBe(54);
    expect(consistencyProofLength(5, 7)).toBe(4);
    // A wrong length is refused before any hashing.
    expect(
      errorOf(() => verifyInclusion(size - 1, size, levels[0] as Buffer, [], root)).details.expected,
    ).toBe(52);
  });
});

describe('fork evidence from consistency proofs', () => {
  // Two logs share leaves 0..9 and differ from leaf 10 on.
  const a = MemoryNodeStore.fromLeafHashes(Array.from({ length: 40 }, (_, i) => leafHash(record(i))));
  const b = MemoryNodeStore.fromLeafHashes(
    Array.from({ length: 40 }, (_, i) => leafHash(i < 10 ? record(i) : Buffer.from(`forked ${i}`))),
  );

  it('labels a proof that reaches the new root but not the old one as old-root-mismatch, with the computed root', () => {
    for (const m of [11, 13, 20, 27]) {
      const proof = consistencyProof(b, m, 40);
      const e = errorOf(() => verifyConsistency(m, 40, proof, a.root(m), b.root(40)));
      expect(e.details.reason).toBe('old-root-mismatch');
      expect(e.details.computedOldRoot).toBe(b64(b.root(m)));
      const roots = rootsFromConsistency(m, 40, proof, a.root(m));
      expect(roots).toEqual({ oldRoot: b.root(m), newRoot: b.root(40), oldRootFromProof: true });
    }
  });

  it('cannot prove a fork at a power-of-two old size from the proof alone', () => {
    const proof = consistencyProof(b, 16, 40);
    expect(errorOf(() => verifyConsistency(16, 40, proof, a.root(16), b.root(40))).details.reason).toBe(
      'new-root-mismatch',
    );
    expect(rootsFromConsistency(16, 40, proof, a.root(16)).oldRootFromProof).toBe(false);
  });

  it('labels a proof that does not reach the new root as new-root-mismatch', () => {
    const proof = consistencyProof(a, 13, 40);
    expect(errorOf(() => verifyConsistency(13, 40, proof, a.root(13), b.root(40))).details.reason).toBe(
      'new-root-mismatch',
    );
    // Unforked prefix sizes stay consistent across the two logs.
    verifyConsistency(7, 40, consistencyProof(b, 7, 40), a.root(7), b.root(40));
  });
});

// ---------- signed notes ----------

// Go golang.org/x/mod/sumdb/note: package documentation and note_test.go.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const PETER_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// C2SP signed-note example (also verified by Go's note.Open in go.test.ts).
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const C2SP_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const peter = parseVerifierKey(PETER_VKEY);
const enoch = parseVerifierKey(ENOCH_VKEY);
const insert = (line: string, at: number, s: string): string => line.slice(0, at) + s + line.slice(at);

describe('signed notes', () => {
  it('parses the published keys and re-signs Go’s example note byte for byte', () => {
    const signer = parseSignerKey(PETER_SKEY);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(signer.vkey).toBe(PETER_VKEY);
    expect(peter.keyId).toBe(0xc74f20a3);
    expect(peter.publicKey).toHaveLength(32);
    expect(signNote(PETER_TEXT, signer)).toBe(`${PETER_TEXT}\n${PETER_SIG}`);
    expect(signNote(PETER_TEXT, [signer, signer])).toBe(`${PETER_TEXT}\n${PETER_SIG}${PETER_SIG}`);
  });

  it('verifies the C2SP example note and refuses a one-character tamper', () => {
    const v = parseVerifierKey(C2SP_VKEY);
    expect(v.keyId).toBe(0x530d903a);
    const n = openNote(C2SP_NOTE, v);
    expect(n.text).toBe('This is an example message.\n');
    expect(n.sigs.map((s) => s.name)).toEqual(['example.com/foo']);
    expect(codeOf(() => openNote(C2SP_NOTE.replace('example message', 'example messagf'), v))).toBe(
      'AUDIT_LOG_BAD_SIGNATURE',
    );
    expect(openNote(Buffer.from(C2SP_NOTE), [v]).text).toBe(n.text); // bytes in, same answer
  });

  it('applies Go’s note.Open rules (TestOpen)', () => {
    const both = `${PETER_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    let n = openNote(both, [peter]);
    expect(n.text).toBe(PETER_TEXT);
    expect(n.sigs).toEqual([{ name: 'PeterNeumann', keyId: 0xc74f20a3, base64: PETER_SIG.slice(15, -1) }]);
    expect(n.unverifiedSigs.map((s) => s.name)).toEqual(['EnochRoot']);
    n = openNote(both, [peter, enoch]);
    expect(n.sigs.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(n.unverifiedSigs).toEqual([]);
    const none = errorOf(() => openNote(both, []));
    expect(none.code).toBe('AUDIT_LOG_BAD_SIGNATURE');
    expect(none.details.reason).toBe('no-trusted-signature');
    // The same verifier twice is harmless.
    expect(openNote(`${PETER_TEXT}\n${PETER_SIG}`, [enoch, peter, peter]).sigs).toHaveLength(1);
    // 100 signature lines are fine, 101 are malformed with or without a known key.
    expect(openNote(`${PETER_TEXT}\n${PETER_SIG.repeat(100)}`, [peter]).sigs).toHaveLength(1);
    expect(codeOf(() => openNote(`${PETER_TEXT}\n${PETER_SIG.repeat(101)}`, [peter]))).toBe(
      'AUDIT_LOG_BAD_NOTE',
    );
    expect(codeOf(() => openNote(`${PETER_TEXT}\n${PETER_SIG.repeat(101)}`, []))).toBe('AUDIT_LOG_BAD_NOTE');
    // A known key's invalid signature.
    const invalid = errorOf(() => openNote(`${PETER_TEXT}\n${insert(PETER_SIG, 60, 'ABCD')}`, [peter]));
    expect(invalid.code).toBe('AUDIT_LOG_BAD_SIGNATURE');
    expect(invalid.details.reason).toBe('invalid-signature');
    // Duplicated verified and unverified signatures: repeats dropped (a known key's later lines unchecked).
    const enochABCD = insert(ENOCH_SIG, 60, 'ABCD');
    n = openNote(`${PETER_TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochABCD}`, [peter]);
    expect(n.sigs).toHaveLength(1);
    expect(n.unverifiedSigs.map((s) => s.base64)).toEqual([ENOCH_SIG.slice(12, -1), enochABCD.slice(12, -1)]);
    expect(
      openNote(`${PETER_TEXT}\n${PETER_SIG}${insert(PETER_SIG, 60, 'ABCD')}`, [peter]).sigs,
    ).toHaveLength(1);
    expect(
      codeOf(() => openNote(`${PETER_TEXT}\n${insert(PETER_SIG, 60, 'ABCD')}${PETER_SIG}`, [peter])),
    ).toBe('AUDIT_LOG_BAD_SIGNATURE');
  });

  it.each([
    ['text only', PETER_TEXT],
    ['text and blank line', `${PETER_TEXT}\n`],
    ['no final newline', `${PETER_TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ['control character', `\x01${PETER_TEXT}\n${PETER_SIG}`],
    ['invalid UTF-8', Buffer.concat([Buffer.of(0xff), Buffer.from(`${PETER_TEXT}\n${PETER_SIG}`)])],
    ['overlong UTF-8', Buffer.concat([Buffer.of(0xc0, 0xaf), Buffer.from(`${PETER_TEXT}\n${PETER_SIG}`)])],
    [
      'UTF-8 surrogate',
      Buffer.concat([Buffer.of(0xed, 0xa0, 0x80), Buffer.from(`${PETER_TEXT}\n${PETER_SIG}`)]),
    ],
    ['lone surrogate in a string', `\ud800${PETER_TEXT}\n${PETER_SIG}`],
    ['name with a space', `${PETER_TEXT}\n${PETER_SIG.replace('PeterNeumann', 'Peter Neumann')}`],
    ['name with a plus', `${PETER_TEXT}\n${PETER_SIG.replace('PeterNeumann', 'Peter+Neumann')}`],
    ['empty name', `${PETER_TEXT}\n${PETER_SIG.replace('PeterNeumann', '')}`],
    ['unexpected line', `${PETER_TEXT}\n${PETER_SIG}Unexpected line.\n`],
    ['CRLF', `${PETER_TEXT.replace(/\n/g, '\r\n')}\r\n${PETER_SIG.replace('\n', '\r\n')}`],
    ['missing blank line', `${PETER_TEXT}${PETER_SIG}`],
    ['blank line after the signatures', `${PETER_TEXT}\n${PETER_SIG}\n`],
    ['signature without base64', `${PETER_TEXT}\n— PeterNeumann\n`],
    ['unpadded base64', `${PETER_TEXT}\n${PETER_SIG.replace('=\n', '\n')}`],
    ['base64 with a space', `${PETER_TEXT}\n${insert(PETER_SIG, 20, ' ')}`],
    ['signature blob of 4 bytes', `${PETER_TEXT}\n— PeterNeumann x08go/==\n`.replace('x08go/==', 'x08gow==')],
    ['hyphen instead of em dash', `${PETER_TEXT}\n${PETER_SIG.replace('—', '-')}`],
  ])('refuses a malformed note: %s', (_, msg) => {
    expect(codeOf(() => openNote(msg, [peter]))).toBe('AUDIT_LOG_BAD_NOTE');
  });

  it('splits at the last blank line, not the first', () => {
    const text = 'first paragraph\n\nsecond paragraph\n';
    const note = signNote(text, parseSignerKey(PETER_SKEY));
    expect(openNote(note, [peter]).text).toBe(text);
    // Appending a blank line and another signature moves the split: Peter's signature is then part of the text,
    // and what remains is signed by nobody we know. A first-blank-line splitter would accept it as Peter's.
    const appended = `${signNote('a\n', parseSignerKey(PETER_SKEY))}\n${ENOCH_SIG}`;
    expect(errorOf(() => openNote(appended, [peter])).details.reason).toBe('no-trusted-signature');
    expect(errorOf(() => openNote(appended, [peter, enoch])).details.reason).toBe('invalid-signature');
  });

  it('ignores signatures whose (name, key ID) is unknown, including name-only and ID-only matches', () => {
    const other = generateNoteKey('PeterNeumann'); // right name, different key: different key ID
    const otherV = parseVerifierKey(other.vkey);
    expect(otherV.keyId).not.toBe(peter.keyId);
    const note = `${PETER_TEXT}\n${PETER_SIG}`;
    // Pinned: only the other key. Peter's line is then unknown → no trusted signature.
    expect(errorOf(() => openNote(note, [otherV])).details.reason).toBe('no-trusted-signature');
    // Right key ID under another name: unknown too.
    const renamed = `${PETER_TEXT}\n${PETER_SIG.replace('PeterNeumann', 'PeterNeumann2')}`;
    expect(errorOf(() => openNote(renamed, [peter])).details.reason).toBe('no-trusted-signature');
    // An extra unknown signature next to a valid one is accepted.
    const extra = signNote(PETER_TEXT, parseSignerKey(other.skey)).split('\n\n')[1] as string;
    expect(openNote(`${note}${extra}`, [peter]).unverifiedSigs).toHaveLength(1);
    // But a second *known* key whose signature fails sinks the note, even next to a valid one.
    const flipped = (() => {
      const blob = Buffer.from(extra.trim().split(' ')[2] as string, 'base64');
      blob[10] = (blob[10] as number) ^ 1;
      return `— PeterNeumann ${blob.toString('base64')}\n`;
    })();
    expect(errorOf(() => openNote(`${note}${flipped}`, [peter, otherV])).details.reason).toBe(
      'invalid-signature',
    );
    expect(codeOf(() => openNote(`${note}${flipped}`, [peter]))).toBe('ok'); // unknown to this client
  });

  it('refuses a (name, key ID) claimed by two different keys when a signature uses it', () => {
    const impostor: NoteVerifier = { ...peter, publicKey: Buffer.alloc(32, 7), verify: () => true };
    expect(codeOf(() => openNote(`${PETER_TEXT}\n${PETER_SIG}`, [peter, impostor]))).toBe(
      'AUDIT_LOG_BAD_KEY',
    );
    expect(codeOf(() => openNote(`${PETER_TEXT}\n${ENOCH_SIG}`, [peter, impostor, enoch]))).toBe('ok');
  });

  it('generates keys in Go’s formats that sign and verify', () => {
    const { skey, vkey } = generateNoteKey('aam.test/audit');
    expect(skey).toMatch(/^PRIVATE\+KEY\+aam\.test\/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(vkey).toMatch(/^aam\.test\/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const signer = parseSignerKey(skey);
    const verifier = parseVerifierKey(vkey);
    expect(signer.vkey).toBe(vkey);
    expect(signer.keyId).toBe(verifier.keyId);
    expect(openNote(signNote('hello\n', signer), verifier).text).toBe('hello\n');
    expect(generateNoteKey('aam.test/audit').vkey).not.toBe(vkey);
    // Go accepts upper-case hex key IDs; the canonical form is lower case.
    expect(parseVerifierKey(PETER_VKEY.replace('c74f20a3', 'C74F20A3')).vkey).toBe(PETER_VKEY);
  });

  it('refuses every mangling of the published keys (Go TestNewVerifier / TestNewSigner)', () => {
    for (const [key, parse] of [
      [PETER_VKEY, parseVerifierKey],
      [PETER_SKEY, parseSignerKey],
    ] as const) {
      let tried = 0;
      for (let i = 0; i <= key.length; i++) {
        for (let j = i + 1; j <= key.length; j++) {
          if (i === 0 && j === key.length) continue;
          expect(
            codeOf(() => parse(key.slice(i, j))),
            key.slice(i, j),
          ).toBe('AUDIT_LOG_BAD_KEY');
          tried++;
        }
      }
      for (let i = 0; i < key.length; i++) {
        const m = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
        expect(
          codeOf(() => parse(m)),
          m,
        ).toBe('AUDIT_LOG_BAD_KEY');
        tried++;
      }
      expect(tried).toBeGreaterThan(2000);
    }
    // Wrong key length and unknown algorithm, each with a correctly recomputed key ID.
    expect(
      codeOf(() =>
        parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
      ),
    ).toBe('AUDIT_LOG_BAD_KEY');
    expect(
      codeOf(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    ).toBe('AUDIT_LOG_BAD_KEY');
  });

  it.each(['', 'a b', 'a+b', 'a\tb', 'a\u0085b', 'a\u00a0b', 'a\u2028b', 'a\u3000b', '\ud800'])(
    'refuses the key name %j',
    (name) => {
      expect(codeOf(() => generateNoteKey(name))).toBe('AUDIT_LOG_BAD_KEY');
    },
  );

  it('accepts names Go accepts that JavaScript’s \\s would not (U+FEFF is not a Go space)', () => {
    const { vkey } = generateNoteKey('a\ufeffb');
    expect(parseVerifierKey(vkey).name).toBe('a\ufeffb');
  });

  it('refuses to sign text a verifier would refuse', () => {
    const signer = parseSignerKey(PETER_SKEY);
    expect(codeOf(() => signNote('no newline', signer))).toBe('AUDIT_LOG_BAD_NOTE');
    expect(codeOf(() => signNote('cr\r\n', signer))).toBe('AUDIT_LOG_BAD_NOTE');
    expect(codeOf(() => signNote('\ud800\n', signer))).toBe('AUDIT_LOG_BAD_NOTE');
    expect(codeOf(() => signNote('ok\n', []))).toBe('AUDIT_LOG_BAD_NOTE');
  });
});

// ---------- checkpoints ----------

// Design §1.5: seed bytes 0x00..0x1f, the RFC 6962 8-leaf root. Go's note.Open + tlog.ParseTree accept it
// (go.test.ts).
const CP_SKEY = 'PRIVATE+KEY+aam.test/audit+c8196891+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f';
const CP_VKEY = 'aam.test/audit+c8196891+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4';
const CP_TEXT = 'aam.test/audit\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n';
const CP_NOTE = `${CP_TEXT}\n— aam.test/audit yBlokcC7bJLqgQHkd0qwj7T/Db0WoMUowk35fhKwI6kCdImRBniLPrpC+po1o/qL865QNtbN8khhggRo2trbdYhemQY=\n`;
const ORIGIN = 'aam.test/audit';
const ROOT8 = Buffer.from(RFC6962_ROOTS[8] as string, 'hex');

describe('checkpoints', () => {
  it('formats, signs and opens the design §1.5 example', () => {
    const signer = parseSignerKey(CP_SKEY);
    expect(signer.vkey).toBe(CP_VKEY);
    expect(formatCheckpoint({ origin: ORIGIN, size: 8, root: ROOT8 })).toBe(CP_TEXT);
    expect(signCheckpoint({ origin: ORIGIN, size: 8, root: ROOT8 }, signer)).toBe(CP_NOTE);
    const { checkpoint, note } = openCheckpoint(CP_NOTE, CP_VKEY, ORIGIN);
    expect(checkpoint).toEqual({ origin: ORIGIN, size: 8, root: ROOT8, extensions: [] });
    expect(note.sigs[0]?.keyId).toBe(0xc8196891);
    expect(openCheckpoint(Buffer.from(CP_NOTE), [parseVerifierKey(CP_VKEY)], ORIGIN).checkpoint.size).toBe(8);
    expect(parseCheckpoint(`${ORIGIN}\n0\n${b64(EMPTY_ROOT)}\n`, ORIGIN).size).toBe(0);
    expect(parseCheckpoint(`${ORIGIN}\n9007199254740991\n${b64(ROOT8)}\n`, ORIGIN).size).toBe(2 ** 53 - 1);
  });

  it('refuses a wrong key, a wrong origin and a flipped signature bit', () => {
    expect(errorOf(() => openCheckpoint(CP_NOTE, generateNoteKey(ORIGIN).vkey, ORIGIN)).details.reason).toBe(
      'no-trusted-signature',
    );
    expect(codeOf(() => openCheckpoint(CP_NOTE, CP_VKEY, 'aam.test/other'))).toBe(
      'AUDIT_LOG_ORIGIN_MISMATCH',
    );
    expect(codeOf(() => openCheckpoint(CP_NOTE, CP_VKEY, 'aam.test/audit/'))).toBe(
      'AUDIT_LOG_ORIGIN_MISMATCH',
    );
    const sig = CP_NOTE.slice(CP_NOTE.lastIndexOf(' ') + 1, -1);
    for (const bit of [0, 40, 200, 511]) {
      const blob = Buffer.from(sig, 'base64');
      const at = 4 + (bit >> 3);
      blob[at] = (blob[at] as number) ^ (1 << (bit & 7));
      const bad = CP_NOTE.replace(sig, blob.toString('base64'));
      expect(errorOf(() => openCheckpoint(bad, CP_VKEY, ORIGIN)).details.reason).toBe('invalid-signature');
    }
    // A different body under the same signature.
    expect(codeOf(() => openCheckpoint(CP_NOTE.replace('\n8\n', '\n9\n'), CP_VKEY, ORIGIN))).toBe(
      'AUDIT_LOG_BAD_SIGNATURE',
    );
  });

  const body = (size: string, root = b64(ROOT8), origin = ORIGIN): string => `${origin}\n${size}\n${root}\n`;
  const root31 = Buffer.alloc(31, 1).toString('base64');
  const root33 = Buffer.alloc(33, 1).toString('base64');

  it.each([
    ['size 0123', body('0123')],
    ['size +5', body('+5')],
    ['size -1', body('-1')],
    ['size 1e3', body('1e3')],
    ['size 0x10', body('0x10')],
    ['size " 5"', body(' 5')],
    ['size "5 "', body('5 ')],
    ['empty size', body('')],
    ['size 2^64', body('18446744073709551616')],
    ['size 2^53', body('9007199254740992')],
    ['size 00', body('00')],
    ['31-byte root', body('8', root31)],
    ['33-byte root', body('8', root33)],
    ['unpadded root', body('8', b64(ROOT8).replace('=', ''))],
    ['non-canonical root (trailing bits)', body('8', b64(ROOT8).replace('yg=', 'yh='))],
    ['base64url root', body('8', b64(Buffer.alloc(32, 0xfb)).replace(/\+/g, '-').replace(/\//g, '_'))],
    ['size 0 with a non-empty root', body('0')],
    ['missing root line', `${ORIGIN}\n8\n`],
    ['no final newline', body('8').slice(0, -1)],
    ['extension line', `${body('8')}timestamp 12345\n`],
    ['CRLF', body('8').replace(/\n/g, '\r\n')],
  ])('refuses checkpoint text with %s', (_, text) => {
    expect(codeOf(() => parseCheckpoint(text, ORIGIN))).toBe('AUDIT_LOG_BAD_CHECKPOINT');
  });

  it('reports an origin mismatch distinctly, and never matches an empty origin', () => {
    expect(codeOf(() => parseCheckpoint(body('8', b64(ROOT8), 'aam.test/Audit'), ORIGIN))).toBe(
      'AUDIT_LOG_ORIGIN_MISMATCH',
    );
    expect(codeOf(() => parseCheckpoint(body('8', b64(ROOT8), ''), ''))).toBe('AUDIT_LOG_BAD_CHECKPOINT');
  });

  it('accepts non-empty extension lines only when asked, and returns them untrusted', () => {
    const text = `${body('8')}ext one\next two\n`;
    expect(parseCheckpoint(text, ORIGIN, { allowExtensionLines: true }).extensions).toEqual([
      'ext one',
      'ext two',
    ]);
    expect(
      codeOf(() => parseCheckpoint(`${body('8')}ext\n\nmore\n`, ORIGIN, { allowExtensionLines: true })),
    ).toBe('AUDIT_LOG_BAD_CHECKPOINT');
    const note = signNote(text, parseSignerKey(CP_SKEY));
    expect(codeOf(() => openCheckpoint(note, CP_VKEY, ORIGIN))).toBe('AUDIT_LOG_BAD_CHECKPOINT');
    expect(openCheckpoint(note, CP_VKEY, ORIGIN, { allowExtensionLines: true }).checkpoint.size).toBe(8);
  });

  it('refuses to format a checkpoint it would refuse to parse', () => {
    expect(codeOf(() => formatCheckpoint({ origin: '', size: 1, root: ROOT8 }))).toBe(
      'AUDIT_LOG_BAD_CHECKPOINT',
    );
    expect(codeOf(() => formatCheckpoint({ origin: 'a\nb', size: 1, root: ROOT8 }))).toBe(
      'AUDIT_LOG_BAD_CHECKPOINT',
    );
    expect(codeOf(() => formatCheckpoint({ origin: ORIGIN, size: -1, root: ROOT8 }))).toBe(
      'AUDIT_LOG_BAD_CHECKPOINT',
    );
    expect(codeOf(() => formatCheckpoint({ origin: ORIGIN, size: 2 ** 53, root: ROOT8 }))).toBe(
      'AUDIT_LOG_BAD_CHECKPOINT',
    );
    expect(codeOf(() => formatCheckpoint({ origin: ORIGIN, size: 1, root: Buffer.alloc(31) }))).toBe(
      'AUDIT_LOG_BAD_CHECKPOINT',
    );
    expect(codeOf(() => formatCheckpoint({ origin: ORIGIN, size: 0, root: ROOT8 }))).toBe(
      'AUDIT_LOG_BAD_CHECKPOINT',
    );
    // The Go sumdb origin has spaces: allowed in an origin (not in a key name).
    expect(formatCheckpoint({ origin: 'go.sum database tree', size: 0, root: EMPTY_ROOT })).toBe(
      `go.sum database tree\n0\n${b64(EMPTY_ROOT)}\n`,
    );
  });

  it('round-trips checkpoints of a real tree and ties them to proofs', () => {
    const store = MemoryNodeStore.fromLeafHashes(Array.from({ length: 300 }, (_, i) => leafHash(record(i))));
    const signer = parseSignerKey(CP_SKEY);
    const old = openCheckpoint(
      signCheckpoint({ origin: ORIGIN, size: 123, root: store.root(123) }, signer),
      CP_VKEY,
      ORIGIN,
    );
    const cur = openCheckpoint(
      signCheckpoint({ origin: ORIGIN, size: 300, root: store.root(300) }, signer),
      CP_VKEY,
      ORIGIN,
    );
    verifyConsistency(
      old.checkpoint.size,
      cur.checkpoint.size,
      consistencyProof(store, 123, 300),
      old.checkpoint.root,
      cur.checkpoint.root,
    );
    verifyInclusion(
      77,
      cur.checkpoint.size,
      leafHash(record(77)),
      inclusionProof(store, 77, 300),
      cur.checkpoint.root,
    );
  });
});
