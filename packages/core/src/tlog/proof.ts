/**
 * Verification of RFC 6962 Merkle proofs with the algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency).
 *
 * Convention: the `verify*` functions return nothing and **throw** an {@link AamError} when the proof does not
 * verify, for any reason (malformed sizes, a hash that is not 32 bytes, a proof of the wrong length, a root that
 * does not match). A caller cannot forget to look at a boolean. The codes are:
 * - `AUDIT_LOG_INCLUSION_FAILED` for inclusion proofs,
 * - `AUDIT_LOG_BAD_PROOF` for consistency proofs.
 * `details.reason` says which check failed. The `*From*` functions run a proof without comparing the final roots,
 * for fork evidence (design §1.3 "Evidence detail"); they throw the same codes for structurally invalid input.
 *
 * Sizes and indices are JavaScript numbers and must be safe integers. A proof's length is fixed by its sizes, and
 * any other length is refused before hashing.
 */
import { AamError } from '../errors.js';
import { inclusionShape, isOdd, isPow2, half, requireCount, trailingZeros } from './bits.js';
import { HASH_SIZE, hashesEqual, nodeHash } from './hash.js';

/** Number of hashes in the inclusion proof of leaf `index` in a tree of `size` leaves (0 ≤ index < size). */
export function inclusionProofLength(index: number, size: number): number {
  requireCount(size, 'size', 'AUDIT_LOG_BAD_RANGE', 1);
  requireCount(index, 'index', 'AUDIT_LOG_BAD_RANGE');
  if (index >= size) {
    throw new AamError('AUDIT_LOG_BAD_RANGE', `Leaf index ${index} is outside a tree of size ${size}`, {
      index,
      size,
    });
  }
  const { inner, border } = inclusionShape(index, size);
  return inner + border;
}

/** Number of hashes in the consistency proof from `size1` to `size2` (0 < size1 ≤ size2). */
export function consistencyProofLength(size1: number, size2: number): number {
  requireCount(size1, 'size1', 'AUDIT_LOG_BAD_RANGE', 1);
  requireCount(size2, 'size2', 'AUDIT_LOG_BAD_RANGE', 1);
  if (size1 > size2) {
    throw new AamError('AUDIT_LOG_BAD_RANGE', `Old size ${size1} is larger than new size ${size2}`, {
      size1,
      size2,
    });
  }
  if (size1 === size2) return 0;
  const { inner, border } = inclusionShape(size1 - 1, size2);
  // The old tree's rightmost perfect subtree (2^shift leaves) is the proof's seed; for a power-of-two size1 it is
  // the old root itself and is not sent.
  return (isPow2(size1) ? 0 : 1) + inner - trailingZeros(size1) + border;
}

function inclusionFailure(reason: string, message: string, details: Record<string, unknown> = {}): AamError {
  return new AamError('AUDIT_LOG_INCLUSION_FAILED', `Inclusion proof refused: ${message}`, {
    reason,
    ...details,
  });
}

function consistencyFailure(
  reason: string,
  message: string,
  details: Record<string, unknown> = {},
): AamError {
  return new AamError('AUDIT_LOG_BAD_PROOF', `Consistency proof refused: ${message}`, { reason, ...details });
}

function checkHashes(
  proof: readonly Uint8Array[],
  fail: (reason: string, message: string, details?: Record<string, unknown>) => AamError,
): void {
  for (let i = 0; i < proof.length; i++) {
    const h = proof[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw fail('bad-hash', `proof hash ${i} is not ${HASH_SIZE} bytes`, { position: i });
    }
  }
}

/**
 * Runs an inclusion proof (RFC 9162 §2.1.3.2 steps 1–3) and returns the root it implies, without comparing it to a
 * known root. Throws `AUDIT_LOG_INCLUSION_FAILED` if the index, size, leaf hash or proof are malformed or the proof
 * has the wrong length.
 */
export function rootFromInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer {
  if (
    typeof index !== 'number' ||
    typeof size !== 'number' ||
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(size) ||
    index < 0 ||
    index >= size
  ) {
    throw inclusionFailure(
      'bad-index',
      `index ${String(index)} is not inside a tree of size ${String(size)}`,
      {
        index,
        size,
      },
    );
  }
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE) {
    throw inclusionFailure('bad-hash', `the leaf hash is not ${HASH_SIZE} bytes`);
  }
  checkHashes(proof, inclusionFailure);
  const { inner, border } = inclusionShape(index, size);
  if (proof.length !== inner + border) {
    throw inclusionFailure(
      'bad-length',
      `expected ${inner + border} hashes for leaf ${index} of ${size}, got ${proof.length}`,
      { index, size, expected: inner + border, got: proof.length },
    );
  }
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) throw inclusionFailure('bad-length', 'the proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw inclusionFailure('bad-length', 'the proof is too short');
  return r === leafHash ? Buffer.from(leafHash) : (r as Buffer);
}

/**
 * Verifies that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`. Returns nothing;
 * throws `AUDIT_LOG_INCLUSION_FAILED` (with `details.reason` and, on a mismatch, `details.computedRoot`).
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) {
    throw inclusionFailure('bad-hash', `the root is not ${HASH_SIZE} bytes`);
  }
  const computed = rootFromInclusion(index, size, leafHash, proof);
  if (!hashesEqual(computed, root)) {
    throw inclusionFailure(
      'root-mismatch',
      `leaf ${index} does not lead to the root of the tree of size ${size}`,
      {
        index,
        size,
        computedRoot: computed.toString('base64'),
        root: Buffer.from(root).toString('base64'),
      },
    );
  }
}

/** What a consistency proof implies, for fork evidence. */
export interface ConsistencyRoots {
  /** The new tree's root at `size1`, as computed from the proof. */
  oldRoot: Buffer;
  /** The root at `size2`, as computed from the proof. */
  newRoot: Buffer;
  /**
   * Whether `oldRoot` was computed from proof hashes. It is false when `size1` is a power of two (the old tree is
   * then a single subtree of the new one and the proof does not carry its hash: `oldRoot` is `root1` echoed back)
   * and when `size1 == size2`. Only when it is true can `oldRoot ≠ root1` with `newRoot == root2` serve as proof
   * that the new tree disagrees with the old one at `size1`.
   */
  oldRootFromProof: boolean;
}

/**
 * Runs a consistency proof (RFC 9162 §2.1.4.2 steps 1–5) and returns the old and new roots it implies, without
 * comparing them to the known roots. Throws `AUDIT_LOG_BAD_PROOF` for structurally invalid input: sizes that are
 * not safe integers, `size1 == 0` (the caller handles "no previous checkpoint" explicitly), `size1 > size2`, a
 * hash that is not 32 bytes, or a proof of the wrong length (including a non-empty proof for equal sizes). For
 * equal sizes the roots are opaque bytes compared for equality (RFC 9162 step 1; a transparency-dev vector
 * expects two equal non-32-byte roots to pass), so their length is not checked.
 */
export function rootsFromConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): ConsistencyRoots {
  if (
    typeof size1 !== 'number' ||
    typeof size2 !== 'number' ||
    !Number.isSafeInteger(size1) ||
    !Number.isSafeInteger(size2) ||
    size1 < 0 ||
    size2 < 0
  ) {
    throw consistencyFailure(
      'bad-size',
      `sizes must be safe integers ≥ 0, got ${String(size1)} and ${String(size2)}`,
    );
  }
  if (size1 === 0) {
    throw consistencyFailure(
      'old-size-zero',
      'the old tree is empty (there is nothing to be consistent with)',
      {
        size1,
        size2,
      },
    );
  }
  if (size1 > size2) {
    throw consistencyFailure('old-size-larger', `old size ${size1} is larger than new size ${size2}`, {
      size1,
      size2,
    });
  }
  checkHashes(proof, consistencyFailure);
  const expected = consistencyProofLength(size1, size2);
  if (proof.length !== expected) {
    throw consistencyFailure(
      'bad-length',
      `expected ${expected} hashes from size ${size1} to ${size2}, got ${proof.length}`,
      { size1, size2, expected, got: proof.length },
    );
  }
  if (!(root1 instanceof Uint8Array))
    throw consistencyFailure('bad-hash', 'the old root is not a byte array');
  if (size1 === size2) {
    return { oldRoot: Buffer.from(root1), newRoot: Buffer.from(root1), oldRootFromProof: false };
  }
  if (!(root1 instanceof Uint8Array) || root1.length !== HASH_SIZE) {
    throw consistencyFailure('bad-hash', `the old root is not ${HASH_SIZE} bytes`);
  }
  // Step 2: for a power-of-two size1 the old root is the seed (we do not copy the list to prepend it).
  const seeded = isPow2(size1);
  const first = seeded ? root1 : (proof[0] as Uint8Array);
  let i = seeded ? 0 : 1;
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 4.
  let fr: Uint8Array = first;
  let sr: Uint8Array = first;
  // Step 5.
  for (; i < proof.length; i++) {
    const c = proof[i] as Uint8Array;
    if (sn === 0) throw consistencyFailure('bad-length', 'the proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw consistencyFailure('bad-length', 'the proof is too short');
  return {
    oldRoot: fr === first ? Buffer.from(first) : (fr as Buffer),
    newRoot: sr === first ? Buffer.from(first) : (sr as Buffer),
    oldRootFromProof: !seeded,
  };
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with root `root1`.
 * Returns nothing; throws `AUDIT_LOG_BAD_PROOF`. `details.reason` is `new-root-mismatch` when the proof does not
 * lead to `root2` (merely invalid), and `old-root-mismatch` when it leads to `root2` but implies a different root
 * at `size1` (`details.computedOldRoot`): with two authenticated roots, that is a proven fork.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const { oldRoot, newRoot } = rootsFromConsistency(size1, size2, proof, root1);
  if (size1 === size2) {
    if (!(root2 instanceof Uint8Array) || !hashesEqual(root1, root2)) {
      throw consistencyFailure('old-root-mismatch', `two different roots for the same size ${size1}`, {
        size1,
        size2,
        root1: Buffer.from(root1).toString('base64'),
        root2: root2 instanceof Uint8Array ? Buffer.from(root2).toString('base64') : typeof root2,
      });
    }
    return;
  }
  if (!(root2 instanceof Uint8Array) || root2.length !== HASH_SIZE) {
    throw consistencyFailure('bad-hash', `the new root is not ${HASH_SIZE} bytes`);
  }
  const details = {
    size1,
    size2,
    computedOldRoot: oldRoot.toString('base64'),
    computedNewRoot: newRoot.toString('base64'),
  };
  if (!hashesEqual(newRoot, root2)) {
    throw consistencyFailure(
      'new-root-mismatch',
      `the proof does not lead to the root of size ${size2}`,
      details,
    );
  }
  if (!hashesEqual(oldRoot, root1)) {
    throw consistencyFailure(
      'old-root-mismatch',
      `the tree of size ${size2} has a different root at size ${size1} than the one given`,
      details,
    );
  }
}
