/**
 * How long to wait for a registry, and how often to retry a read: `network:` in the config (and per registry),
 * set once per process by the command that loaded the config.
 */
export interface NetworkSettings {
  /** Seconds to wait for one request (connect, answer and body). */
  timeout: number;
  /**
   * Extra attempts for a read (GET) that got no answer in time, whose connection was reset before the answer, or
   * that got 429/502/503/504; writes never retry. A body cut off mid-way is not retried (it fails the command).
   */
  retries: number;
}

export const DEFAULT_NETWORK: NetworkSettings = { timeout: 30, retries: 2 };

let current: NetworkSettings = { ...DEFAULT_NETWORK };

export function configureNetwork(settings: Partial<NetworkSettings> | undefined): void {
  current = { ...DEFAULT_NETWORK, ...settings };
}

export function networkSettings(): NetworkSettings {
  return current;
}

let interrupt: AbortSignal | undefined;

/**
 * Ctrl-C for every registry request of this process (`aam install` sets it): a request in flight is aborted at
 * once, even one still waiting for an answer, and nothing is retried after it.
 */
export function setNetworkInterrupt(signal: AbortSignal | undefined): void {
  interrupt = signal;
}

export function networkInterrupt(): AbortSignal | undefined {
  return interrupt;
}

/** The wait before retry `attempt` (1, 2, ...): the server's Retry-After (at most 10 s), else 250 ms doubling, jittered. */
export function backoffMs(attempt: number, retryAfter?: string | null): number {
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 10) * 1000;
  const base = 250 * 2 ** (attempt - 1);
  return Math.min(base + Math.floor(Math.random() * base * 0.5), 5_000);
}
