/**
 * How long to wait for a registry, and how often to retry a read: `network:` in the config (and per registry),
 * set once per process by the command that loaded the config.
 */
export interface NetworkSettings {
  /** Seconds to wait for one request (connect, answer and body). */
  timeout: number;
  /** Extra attempts for a read (GET) that timed out, was cut off, or got 429/502/503/504; writes never retry. */
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

/** The wait before retry `attempt` (1, 2, ...): the server's Retry-After (at most 10 s), else 250 ms doubling, jittered. */
export function backoffMs(attempt: number, retryAfter?: string | null): number {
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 10) * 1000;
  const base = 250 * 2 ** (attempt - 1);
  return Math.min(base + Math.floor(Math.random() * base * 0.5), 5_000);
}
