/**
 * Browser tests: Debian's `chromium` driven by playwright-core (browsers cannot be downloaded here, so the
 * system's is used through `executablePath`), and a rewriting HTTP proxy on loopback that stands between the
 * browser and the registry, to show what a page does with answers it should not trust.
 */
import { existsSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/** The browser binary: Debian's chromium unless `$AAM_TEST_CHROMIUM` names another. */
export const CHROMIUM = process.env.AAM_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests are skipped, or undefined when they run. Only a missing browser outside CI skips them:
 * in CI (`$CI` set) they run and fail at launch, so a runner without chromium cannot pass unnoticed.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM) || process.env.CI) return undefined;
  return `${CHROMIUM} does not exist (install Debian's chromium, or set AAM_TEST_CHROMIUM): browser tests skipped`;
}

/** Headless Chromium from `CHROMIUM`; throws with the reason when it is missing (as it must, in CI). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} does not exist: the browser tests need Debian's chromium (apt-get install chromium)`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/**
 * Rewrites an answer on its way to the browser: given the request path (with its query) and the upstream body,
 * returns the body to send instead, or undefined to pass it through unchanged.
 */
export type Rewrite = (path: string, body: Buffer) => Buffer | undefined;

export interface RewritingProxy {
  url: string;
  /** The rewrite applied now (none: a transparent proxy); change it between page loads. */
  rewrite: Rewrite | undefined;
  /** How many answers the current and earlier rewrites changed. */
  rewritten: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

/** A proxy on 127.0.0.1 (its own port, so its own origin) in front of `target`, rewriting answers on demand. */
export async function rewritingProxy(target: string): Promise<RewritingProxy> {
  const upstream = new URL(target);
  const proxy: RewritingProxy = {
    url: '',
    rewrite: undefined,
    rewritten: 0,
    close: () => new Promise((res) => server.close(() => res())),
  };
  const server = createServer((req, res) => {
    const headers = forwardHeaders(req.headers);
    // Whole answers are rewritten: ask for them uncompressed and never as a 304 without a body.
    delete headers['accept-encoding'];
    delete headers['if-none-match'];
    const up = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...headers, host: upstream.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body: Buffer = Buffer.concat(chunks);
          const changed = proxy.rewrite?.(req.url ?? '/', body);
          if (changed) {
            body = changed;
            proxy.rewritten++;
          }
          res.writeHead(answer.statusCode ?? 502, {
            ...forwardHeaders(answer.headers),
            'content-length': String(body.length),
          });
          res.end(body);
        });
      },
    );
    up.on('error', (e) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${e.message}`);
    });
    req.pipe(up);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.keepAliveTimeout = 1000;
  return proxy;
}
