/**
 * Integer helpers for tree sizes and indices held in JavaScript numbers. Sizes are safe integers (< 2^53), so
 * the 32-bit bitwise operators cannot be used; everything here is plain arithmetic and exact.
 * Internal to the tlog module (not re-exported).
 */
import { AamError, type AamErrorCode } from '../errors.js';

const TWO_POW_30 = 2 ** 30;

/** Throws unless `value` is a safe integer ≥ `min`. */
export function requireCount(value: unknown, what: string, code: AamErrorCode, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new AamError(
      code,
      `${what} must be a safe integer ≥ ${min}, got ${typeof value === 'number' ? String(value) : typeof value}`,
      { [what]: typeof value === 'number' ? value : String(value) },
    );
  }
  return value;
}

/** ⌊x / 2⌋ for a non-negative safe integer. */
export function half(x: number): number {
  return x < TWO_POW_30 ? x >> 1 : Math.floor(x / 2);
}

export function isOdd(x: number): boolean {
  return x % 2 === 1;
}

/** The largest power of two ≤ n (n ≥ 1). */
export function floorPow2(n: number): number {
  if (n < TWO_POW_30) return 2 ** (31 - Math.clz32(n));
  let k = TWO_POW_30;
  while (k * 2 <= n) k *= 2;
  return k;
}

/** The largest power of two strictly < n (n ≥ 2): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  return floorPow2(n - 1);
}

/** log2 of a power of two. */
export function log2Exact(k: number): number {
  if (k <= TWO_POW_30) return 31 - Math.clz32(k);
  let l = 30;
  let p = TWO_POW_30;
  while (p < k) {
    p *= 2;
    l++;
  }
  return l;
}

export function isPow2(n: number): boolean {
  return n >= 1 && floorPow2(n) === n;
}

/** Number of set bits. */
export function popcount(x: number): number {
  let c = 0;
  while (x > 0) {
    if (isOdd(x)) c++;
    x = half(x);
  }
  return c;
}

/**
 * RFC 9162 inclusion proof shape for leaf `index` in a tree of `size`: `inner` = bit length of index XOR (size−1)
 * (levels where the path has a sibling inside the tree) and `border` = popcount(index >> inner) (levels on the
 * right border, where the sibling is to the left).
 */
export function inclusionShape(index: number, size: number): { inner: number; border: number } {
  let a = index;
  let b = size - 1;
  let inner = 0;
  while (a !== b) {
    a = half(a);
    b = half(b);
    inner++;
  }
  return { inner, border: popcount(a) };
}

/** Number of trailing zero bits of n ≥ 1. */
export function trailingZeros(n: number): number {
  let z = 0;
  while (!isOdd(n)) {
    n = half(n);
    z++;
  }
  return z;
}
