/**
 * A private Sigstore deployment for offline tests: the `@sigstore/mock` Fulcio (with its CT log), Rekor and
 * TSA behind one loopback HTTP server, plus a trusted_root.json that names exactly these keys. Bundles signed
 * here verify against `trustedRoot` and against nothing else (in particular not the public-good root).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler,
} from '@sigstore/mock';

/** The mock certificate authority (`issueCertificate` for unusual certificates; `rootCertificate` is DER). */
export type MockCA = Awaited<ReturnType<typeof initializeCA>>;

type Service = 'fulcio' | 'rekor' | 'tsa';
type Handler = ReturnType<typeof fulcioHandler>;

export interface PrivateSigstore {
  /** `http://127.0.0.1:PORT`: the base URL of Fulcio, Rekor and the TSA alike. */
  url: string;
  /** A trusted_root.json (v0.1) naming this CA, Rekor key, CT log key and (when on) TSA chain. */
  trustedRoot: object;
  writeTrustedRoot(file: string): Promise<void>;
  /** Counters of requests per service, so tests can prove a sign went through Fulcio/Rekor/TSA. */
  requests: { fulcio: number; rekor: number; tsa: number };
  /** The CA behind the mock Fulcio, to issue certificates directly when a test needs unusual ones. */
  ca: MockCA;
  close(): Promise<void>;
}

export interface PrivateSigstoreOptions {
  /** Serve a TSA (`/api/v1/timestamp`) and list it in the trusted root. Default true. */
  tsa?: boolean;
  /**
   * The one time every service stamps (certificate notBefore, SCT, Rekor integratedTime, TSA genTime).
   * Default: now + 2 s. Milliseconds are dropped (the mock TSA otherwise emits times the verifier cannot
   * parse). It must not be earlier than the start-up instant: the mock root certificates are issued at the
   * real "now", so an earlier clock would fall outside their validity.
   */
  clock?: Date;
  /**
   * Fulcio's own clock, when it must differ from the others: a certificate issued in the future (notBefore
   * after the Rekor and TSA times) is one used outside its validity window. Milliseconds are dropped.
   */
  caClock?: Date;
}

const b64 = (bytes: ArrayBufferView): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

const DAY_MS = 24 * 60 * 60 * 1000;

/** An ISO-8601 time without milliseconds, the way the public-good root writes its times. */
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * An unsigned JWT-shaped identity token the mock Fulcio accepts. The mock never checks a signature; the
 * sigstore-js client insists that an `email` claim comes with `email_verified: true`.
 */
export function makeIdentityToken(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { aud: 'sigstore', iat: now, nbf: now, exp: now + 3600, ...claims };
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
}

/** The claims of a JWT-shaped token, or undefined when the body is not a Fulcio request we can read. */
function tokenClaims(body: string): Record<string, unknown> | undefined {
  try {
    const token = (JSON.parse(body) as { credentials?: { oidcIdentityToken?: unknown } }).credentials
      ?.oidcIdentityToken;
    if (typeof token !== 'string') return undefined;
    const payload = token.split('.')[1];
    if (payload === undefined) return undefined;
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: string | ArrayBufferView,
  contentType: string,
): void {
  const bytes =
    typeof body === 'string'
      ? Buffer.from(body, 'utf8')
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.length });
  res.end(bytes);
}

export async function startPrivateSigstore(opts: PrivateSigstoreOptions = {}): Promise<PrivateSigstore> {
  const withTsa = opts.tsa ?? true;
  const clockMs = opts.clock ? opts.clock.getTime() : Date.now() + 2000;
  const clock = new Date(Math.floor(clockMs / 1000) * 1000);

  // The Rekor checkpoint names the log by host:port, so the port must be known before the log exists.
  const routes = new Map<string, { service: Service; handle: (body: string) => ReturnType<Handler['fn']> }>();
  const requests = { fulcio: 0, rekor: 0, tsa: 0 };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = req.method === 'POST' ? routes.get(path) : undefined;
    readBody(req)
      .then(async (body) => {
        if (!route) return send(res, 404, `no such endpoint: ${req.method} ${path}`, 'text/plain');
        requests[route.service]++;
        const out = await route.handle(body);
        send(res, out.statusCode, out.response, out.contentType ?? 'text/plain');
      })
      .catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, e instanceof Error ? e.message : String(e), 'text/plain');
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  try {
    const ctLog = await initializeCTLog(p256(), clock);
    const caClock = opts.caClock ? new Date(Math.floor(opts.caClock.getTime() / 1000) * 1000) : clock;
    const ca = await initializeCA(p256(), ctLog, caClock);
    const tlogKeys = p256();
    const tlog = await initializeTLog(url, tlogKeys, clock);
    const tsa = withTsa ? await initializeTSA(p256(), clock) : undefined;

    // Real Fulcio puts a verified email in the SAN and otherwise the subject (a workflow URI for CI
    // tokens). The mock takes one fixed claim per handler, so keep one handler per choice.
    const bySub = fulcioHandler(ca);
    const byEmail = fulcioHandler(ca, { subjectClaim: 'email' });
    routes.set(bySub.path, {
      service: 'fulcio',
      handle: (body) => {
        const claims = tokenClaims(body);
        if (claims?.email === undefined) return bySub.fn(body);
        if (claims.email_verified !== true)
          return Promise.resolve({ statusCode: 400, response: 'email claim is not verified' });
        return byEmail.fn(body);
      },
    });
    const rekor = rekorHandler(tlog);
    routes.set(rekor.path, { service: 'rekor', handle: rekor.fn });
    if (tsa) {
      const t = tsaHandler(tsa);
      routes.set(t.path, { service: 'tsa', handle: t.fn });
    }

    const start = isoSeconds(new Date(Date.now() - DAY_MS));
    const tlogKeyDer = tlogKeys.publicKey.export({ format: 'der', type: 'spki' });
    const trustedRoot = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        {
          baseUrl: url,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: b64(tlogKeyDer),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: { start },
          },
          logId: { keyId: createHash('sha256').update(tlogKeyDer).digest('base64') },
        },
      ],
      certificateAuthorities: [
        {
          subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
          uri: url,
          certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
          validFor: { start },
        },
      ],
      ctlogs: [
        {
          baseUrl: `${url}/ct`,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: b64(ctLog.publicKey),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: { start },
          },
          logId: { keyId: b64(ctLog.logID) },
        },
      ],
      timestampAuthorities: tsa
        ? [
            {
              subject: { organization: 'sigstore.mock', commonName: 'tsa signing' },
              uri: `${url}/api/v1/timestamp`,
              // Signing (leaf) certificate first, root last, as the verifier expects.
              certChain: {
                certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }],
              },
              validFor: { start },
            },
          ]
        : [],
    };

    let closed: Promise<void> | undefined;
    return {
      url,
      trustedRoot,
      writeTrustedRoot: (file) => writeFile(file, JSON.stringify(trustedRoot, null, 2) + '\n', 'utf8'),
      requests,
      ca,
      close: () =>
        (closed ??= new Promise<void>((resolve, reject) => {
          server.close((e) => (e ? reject(e) : resolve()));
          // sigstore-js keeps sockets alive; without this close() waits for them to time out.
          server.closeAllConnections();
        })),
    };
  } catch (e) {
    server.closeAllConnections();
    server.close();
    throw e;
  }
}
