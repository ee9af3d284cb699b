// Timing and child-process helpers shared by the benchmarks.
import { spawnSync } from 'node:child_process';

/** Nanoseconds elapsed between two `process.hrtime.bigint()` readings, as milliseconds. */
export function elapsedMs(startNs, endNs = process.hrtime.bigint()) {
  return Number(endNs - startNs) / 1e6;
}

/** Runs `fn` (sync or async) and returns `{ ms, value }`. */
export async function timeCall(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: elapsedMs(start), value };
}

/** Median of a non-empty list of numbers. */
export function median(values) {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0 < p <= 100) of a non-empty list, by nearest rank: a value that occurred. */
export function percentile(values, p) {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/**
 * Runs a command to completion and returns `{ ms, stdout }`, where `ms` is its wall-clock time
 * (spawn to exit). Throws, with the command line and its stderr, if it fails.
 */
export function runTimed(command, args, { cwd, env, input } = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    env,
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const ms = elapsedMs(start);
  if (result.error || result.status !== 0) {
    const how = result.error
      ? result.error.message
      : `exit code ${result.status ?? `signal ${result.signal}`}`;
    throw new Error(
      `Command failed (${how}): ${[command, ...args].join(' ')}\n` +
        `cwd: ${cwd ?? process.cwd()}\n--- stderr ---\n${result.stderr ?? ''}\n--- stdout ---\n${result.stdout ?? ''}`,
    );
  }
  return { ms, stdout: result.stdout };
}

/** Like `runTimed`, for setup steps whose time does not matter; returns stdout. */
export function run(command, args, options) {
  return runTimed(command, args, options).stdout;
}
