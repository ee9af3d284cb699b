// Loopback helpers for the server benchmarks: a free port, waiting for a server to answer.
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers with a 2xx status (or `timeoutMs` passes, or `alive()` turns false); returns
 * undefined when it answered, else the reason.
 */
export async function waitForHttp(url, { timeoutMs = 30_000, alive = () => true } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!alive()) return 'the process exited';
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await r.arrayBuffer();
      if (r.ok) return undefined;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e instanceof Error ? (e.cause?.code ?? e.message) : String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return `no answer from ${url} within ${timeoutMs / 1000} s (${last})`;
}
