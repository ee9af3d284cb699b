/**
 * Interactive OIDC sign-in for Sigstore keyless signing: OAuth 2.0 authorization code flow with PKCE (S256),
 * state and nonce, answered on a loopback HTTP server that redeems one callback (the one carrying this
 * login's state). Resolves with the raw ID token (a JWT).
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';

export interface LoginOptions {
  issuer: string; // e.g. https://oauth2.sigstore.dev/auth
  clientId: string; // e.g. 'sigstore'
  clientSecret?: string; // Sigstore's public client uses '' (none)
  scope?: string; // default 'openid email'
  /** Tries to open the URL in a browser; resolves false when it could not. Default: $BROWSER, else xdg-open/open/start, detached, errors ignored; BROWSER=none disables. */
  openUrl?: (url: string) => Promise<boolean>;
  /** Where user-facing lines go (default: process.stderr). The authorization URL is ALWAYS printed, e.g. "Open this URL to sign in: <url>" plus "Waiting for the browser sign-in (Ctrl-C to cancel)…". */
  print?: (line: string) => void;
  timeoutMs?: number; // default 300_000; on timeout reject with an Error saying so
  signal?: AbortSignal;
}

/**
 * Dex (Sigstore's issuer) accepts any `http://localhost:<port>/...` redirect for its public clients; only newer
 * Dex releases also accept `127.0.0.1`. So the redirect URI names `localhost`, and since a browser may resolve
 * `localhost` to 127.0.0.1 or to ::1 (either first), the callback is served on both, on the same port (::1 only
 * where the host has IPv6 loopback). Nothing listens on other interfaces.
 */
const CALLBACK_PATH = '/auth/callback';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Runs the browser flow and resolves with the ID token (the raw JWT string). */
export async function interactiveLogin(opts: LoginOptions): Promise<string> {
  const issuer = issuerUrl(opts.issuer);
  const { servers, port } = await listenLoopback();
  try {
    return await withDeadline(login(servers, port, issuer, opts), opts.timeoutMs ?? 300_000, opts.signal);
  } finally {
    await Promise.all(servers.map(close));
  }
}

async function login(servers: Server[], port: number, issuer: URL, opts: LoginOptions): Promise<string> {
  const print = opts.print ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const openUrl = opts.openUrl ?? openInBrowser;
  const config = await discover(issuer, opts);

  const redirectUri = `http://localhost:${port}${CALLBACK_PATH}`;
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: opts.scope ?? 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  const token = waitForCallback(servers, redirectUri, state, print, async (callbackUrl) => {
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    if (!tokens.id_token) throw new Error('the issuer returned no ID token');
    return tokens.id_token;
  });

  print(`Open this URL to sign in: ${authUrl.href}`);
  print('Waiting for the browser sign-in (Ctrl-C to cancel)…');
  Promise.resolve()
    .then(() => openUrl(authUrl.href))
    .then(
      (opened) => {
        if (!opened) print('(No browser could be opened: open the URL above yourself.)');
      },
      () => undefined,
    );
  return token;
}

/** https issuers anywhere; plain http only on loopback (local test issuers). */
function issuerUrl(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`The OIDC issuer "${issuer}" is not a valid URL`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return url;
  throw new Error(
    `Refusing the OIDC issuer ${issuer}: it must use https (plain http is only allowed on localhost, 127.0.0.1 or [::1])`,
  );
}

async function discover(issuer: URL, opts: LoginOptions): Promise<oidc.Configuration> {
  const auth = opts.clientSecret ? oidc.ClientSecretPost(opts.clientSecret) : oidc.None();
  const execute = [oidc.enableNonRepudiationChecks]; // also check the ID token's signature against the issuer's JWKS
  if (issuer.protocol === 'http:') execute.push(oidc.allowInsecureRequests);
  try {
    return await oidc.discovery(issuer, opts.clientId, undefined, auth, { execute });
  } catch (err) {
    throw new Error(`Could not discover the OIDC issuer ${opts.issuer}: ${describe(err)}`);
  }
}

/**
 * Waits for the callback carrying this login's state: a request without it (another local process, a stale
 * tab) is answered 400 and ignored, so it cannot end the sign-in. The right one is checked for an OAuth error,
 * then `exchange` redeems the code; that settles the login (later callbacks get 409). The browser gets a small
 * page; the returned promise settles once that page has been sent.
 */
function waitForCallback(
  servers: Server[],
  redirectUri: string,
  expectedState: string,
  print: (line: string) => void,
  exchange: (callbackUrl: URL) => Promise<string>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let handled = false;
    let ignored = false; // said once: a local process could send any number of these
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      const requested = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET' || requested.pathname !== CALLBACK_PATH) {
        return page(res, 404, 'Not found', 'This is the sign-in callback of a command-line tool.');
      }
      if (handled) return page(res, 409, 'Already handled', 'This sign-in has already been handled.');
      const params = requested.searchParams;
      if (params.get('state') !== expectedState) {
        if (!ignored)
          print('Ignored a sign-in callback whose state does not match this login; still waiting.');
        ignored = true;
        return page(
          res,
          400,
          'Sign-in failed',
          'This callback does not belong to the sign-in in progress (its state is missing or does not match). ' +
            'You may close this tab.',
        );
      }
      handled = true;

      const fail = (status: number, err: Error) =>
        page(res, status, 'Sign-in failed', `${err.message}. You may close this tab.`, () => reject(err));
      const error = params.get('error');
      if (error !== null) {
        const description = params.get('error_description');
        return fail(
          400,
          new Error(`The OIDC issuer refused the sign-in: ${error}${description ? ` (${description})` : ''}`),
        );
      }

      const callbackUrl = new URL(redirectUri); // not the Host header: the token request must repeat redirectUri
      callbackUrl.search = requested.search;
      exchange(callbackUrl).then(
        (token) =>
          page(res, 200, 'Signed in', 'You are signed in. You may close this tab.', () => resolve(token)),
        (err: unknown) => fail(400, new Error(`OIDC sign-in failed: ${describe(err)}`)),
      );
    };
    for (const server of servers) server.on('request', onRequest);
  });
}

function page(res: ServerResponse, status: number, title: string, text: string, then?: () => void): void {
  if (then) res.once('close', then); // sent (or the browser went away)
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(
    `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
      `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>\n`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function describe(err: unknown): string {
  if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) {
    return err.error_description ? `${err.error} (${err.error_description})` : err.error;
  }
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

function withDeadline<T>(work: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancelled = () => reject(new Error('OIDC sign-in was cancelled'));
    if (signal?.aborted) return cancelled();
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `OIDC sign-in timed out after ${Math.round(timeoutMs / 1000)} s without a browser callback`,
          ),
        ),
      timeoutMs,
    );
    signal?.addEventListener('abort', cancelled, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancelled);
    });
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Errors meaning "this host has no IPv6 loopback": then 127.0.0.1 alone serves `localhost`. */
const NO_IPV6 = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT', 'EINVAL']);

/**
 * One port on 127.0.0.1 and, where the host has IPv6 loopback, the same port on ::1. When that port is
 * already taken on ::1 (by another process, which would then receive the browser's callback), a new port is
 * tried.
 */
async function listenLoopback(): Promise<{ servers: Server[]; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const v4 = createServer();
    const port = await listen(v4, 0, '127.0.0.1');
    const v6 = createServer();
    try {
      await listen(v6, port, '::1');
      return { servers: [v4, v6], port };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (NO_IPV6.has(code)) return { servers: [v4], port };
      await close(v4);
      if (attempt >= 9)
        throw new Error(`Could not listen on a loopback port for the sign-in callback: ${describe(err)}`);
    }
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Best effort: $BROWSER (or none), else the platform's opener; never waits for the browser itself. */
function openInBrowser(url: string): Promise<boolean> {
  const browser = process.env['BROWSER'];
  if (browser === 'none') return Promise.resolve(false);
  const [command, args]: [string, string[]] = browser
    ? [browser, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]] // `start` would need cmd.exe quoting of `&`
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
