/**
 * Seeds for random tests. Each random test takes its seed from `testSeed(name, fallback)`: `AAM_TEST_SEED` when
 * set (a number, or `random` for a fresh one), else the test's own fixed default, so CI is reproducible and a
 * failure found with another seed replays with `AAM_TEST_SEED=<seed>`. The seed is printed with the test's name.
 */
import { randomInt } from 'node:crypto';

export function testSeed(name: string, fallback: number): number {
  const given = process.env.AAM_TEST_SEED;
  const seed =
    given === undefined || given === ''
      ? fallback
      : given === 'random'
        ? randomInt(1, 2 ** 31 - 1)
        : Number(given);
  if (!Number.isSafeInteger(seed))
    throw new Error(`AAM_TEST_SEED must be an integer or 'random', not ${given}`);
  process.stdout.write(`[seed] ${name}: ${seed} (replay with AAM_TEST_SEED=${seed})\n`);
  return seed;
}

/** A deterministic PRNG (mulberry32): `next()` is uniform in [0, 1). */
export function seededRandom(seed: number): {
  next(): number;
  int(n: number): number;
  bytes(n: number): Buffer;
} {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (next() * 256) | 0;
      return b;
    },
  };
}
