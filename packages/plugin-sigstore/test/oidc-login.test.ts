import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  jwtClaims,
  startOidcIssuer,
  type OidcIssuer,
  type OidcIssuerOptions,
} from '../../../test/support/oidc-issuer.js';
import { interactiveLogin, type LoginOptions } from '../src/oidc-login.js';

const CLIENT_ID = 'sigstore';

/** Whether this host has an IPv6 loopback to test the ::1 listener on. */
const IPV6_LOOPBACK = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});
let issuer: OidcIssuer | undefined;

afterEach(async () => {
  await issuer?.close();
  issuer = undefined;
});

/** What a browser does: follow the issuer's (auto-approving) redirect to the loopback callback. */
async function browse(url: string): Promise<Response> {
  const authorize = await fetch(url, { redirect: 'manual' });
  expect(authorize.status).toBe(302);
  return fetch(authorize.headers.get('location')!);
}

interface Run {
  token: Promise<string>;
  /** The loopback server's answer to the browser. */
  page: Promise<Response>;
  lines: string[];
}

async function run(issuerOpts: OidcIssuerOptions = {}, loginOpts: Partial<LoginOptions> = {}): Promise<Run> {
  issuer = await startOidcIssuer(issuerOpts);
  const lines: string[] = [];
  let opened!: (url: string) => void;
  const page = new Promise<string>((resolve) => (opened = resolve)).then(browse);
  page.catch(() => undefined); // awaited (or deliberately ignored) by the tests
  const token = interactiveLogin({
    issuer: issuer.issuer,
    clientId: CLIENT_ID,
    clientSecret: '',
    print: (line) => lines.push(line),
    openUrl: async (url) => {
      opened(url);
      return true;
    },
    ...loginOpts,
  });
  token.catch(() => undefined);
  return { token, page, lines };
}

const callbackUrl = (authUrl = issuer!.lastAuthorizeParams!): string =>
  new URLSearchParams(authUrl).get('redirect_uri')!;

async function expectClosed(url: string): Promise<void> {
  await expect(fetch(url)).rejects.toThrow();
}

describe('interactiveLogin', () => {
  it('returns the ID token of the browser sign-in', async () => {
    const { token, page } = await run({ claims: { extra: 'claim' } });
    const jwt = await token;
    const claims = jwtClaims(jwt);
    expect(claims).toMatchObject({
      iss: issuer!.issuer,
      aud: CLIENT_ID,
      email: 'signer@example.test',
      email_verified: true,
      extra: 'claim',
    });
    expect(claims['nonce']).toBe(issuer!.lastAuthorizeParams!.get('nonce'));
    expect(jwt).toBe(issuer!.idTokens[0]);
    const answer = await page;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('You are signed in. You may close this tab.');
    await expectClosed(callbackUrl());
  });

  it('uses PKCE S256, a random state and nonce, and a localhost redirect', async () => {
    const { token } = await run();
    await token;
    const authorize = issuer!.lastAuthorizeParams!;
    expect(authorize.get('response_type')).toBe('code');
    expect(authorize.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.get('scope')).toBe('openid email');
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(authorize.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(authorize.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/auth\/callback$/);
    const exchange = issuer!.lastTokenParams!;
    const verifier = exchange.get('code_verifier')!;
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(authorize.get('code_challenge'));
    expect(exchange.get('redirect_uri')).toBe(authorize.get('redirect_uri'));
    expect(exchange.has('client_secret')).toBe(false); // public client
  });

  it('the test issuer really checks the PKCE verifier', async () => {
    issuer = await startOidcIssuer();
    const challenge = createHash('sha256').update('the-right-verifier').digest('base64url');
    const authorize = new URL('/authorize', issuer.issuer);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: 'http://localhost:9/auth/callback',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's',
    }).toString();
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    const answer = await fetch(new URL('/token', issuer.issuer), {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: CLIENT_ID,
        redirect_uri: 'http://localhost:9/auth/callback',
        code_verifier: 'a-wrong-verifier',
      }),
    });
    expect(answer.status).toBe(400);
    expect(issuer.lastTokenError).toBe('invalid_grant');
  });

  it('prints the authorization URL and a waiting line', async () => {
    const { token, lines } = await run();
    await token;
    expect(lines[0]).toMatch(/^Open this URL to sign in: /);
    const printed = new URL(lines[0]!.slice('Open this URL to sign in: '.length));
    expect(printed.origin + printed.pathname).toBe(`${issuer!.issuer}/authorize`);
    expect(printed.searchParams.get('state')).toBe(issuer!.lastAuthorizeParams!.get('state'));
    expect(lines[1]).toBe('Waiting for the browser sign-in (Ctrl-C to cancel)…');
  });

  it('answers a callback with the wrong state 400 and ignores it: the login keeps waiting, then times out', async () => {
    const { token, page, lines } = await run({ tamperState: true }, { timeoutMs: 1500 });
    const answer = await page;
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('does not belong to the sign-in in progress');
    expect(lines).toContain(
      'Ignored a sign-in callback whose state does not match this login; still waiting.',
    );
    await expect(token).rejects.toThrow(/timed out/);
    expect(issuer!.tokenRequests).toBe(0);
    await expectClosed(callbackUrl());
  });

  it('a wrong-state callback (another local process) cannot end the sign-in: the right callback still signs in', async () => {
    const { token, page } = await run({ tamperState: true });
    const forged = await page;
    expect(forged.status).toBe(400);
    // The genuine browser callback: the same code with this login's state.
    const genuine = new URL(forged.url);
    genuine.searchParams.set('state', issuer!.lastAuthorizeParams!.get('state')!);
    const answer = await fetch(genuine);
    expect(answer.status).toBe(200);
    expect(await token).toBe(issuer!.idTokens[0]);
    expect(issuer!.tokenRequests).toBe(1);
  });

  it.skipIf(!IPV6_LOOPBACK)(
    'serves the localhost callback on 127.0.0.1 and on ::1 (the same port), as a browser may resolve either',
    async () => {
      issuer = await startOidcIssuer();
      let authUrl!: (url: string) => void;
      const opened = new Promise<string>((r) => (authUrl = r));
      const token = interactiveLogin({
        issuer: issuer.issuer,
        clientId: CLIENT_ID,
        print: () => undefined,
        openUrl: async (url) => {
          authUrl(url);
          return true;
        },
      });
      const authorize = await fetch(await opened, { redirect: 'manual' });
      const callback = new URL(authorize.headers.get('location')!);
      expect(callback.hostname).toBe('localhost');
      const v4 = new URL(callback);
      v4.hostname = '127.0.0.1';
      v4.pathname = '/elsewhere';
      expect((await fetch(v4)).status).toBe(404);
      const v6 = new URL(callback);
      v6.hostname = '[::1]';
      const answer = await fetch(v6);
      expect(answer.status).toBe(200);
      expect(await token).toBe(issuer.idTokens[0]);
    },
  );

  it('refuses an OAuth error callback', async () => {
    const { token, page } = await run({ errorParam: 'access_denied' });
    await expect(token).rejects.toThrow(
      'The OIDC issuer refused the sign-in: access_denied (the user said no)',
    );
    expect((await page).status).toBe(400);
    expect(issuer!.tokenRequests).toBe(0);
  });

  it('refuses an ID token with the wrong nonce', async () => {
    const { token, page } = await run({ wrongNonce: true });
    await expect(token).rejects.toThrow(/^OIDC sign-in failed: .*nonce/);
    expect((await page).status).toBe(400);
  });

  it.each([
    ['aud', { aud: 'someone-else' }],
    ['iss', { iss: 'https://evil.example.test' }],
    ['exp', { exp: 1_000_000 }],
  ])('refuses an ID token with a bad %s claim', async (claim, claims) => {
    const { token } = await run({ claims });
    await expect(token).rejects.toThrow(new RegExp(`^OIDC sign-in failed: .*"${claim}"`));
  });

  it('refuses an ID token not signed by the issuer', async () => {
    const { token } = await run({ badSignature: true });
    await expect(token).rejects.toThrow(/^OIDC sign-in failed: .*signature/i);
  });

  it('times out when the browser never comes back', async () => {
    issuer = await startOidcIssuer();
    const lines: string[] = [];
    let authUrl = '';
    const token = interactiveLogin({
      issuer: issuer.issuer,
      clientId: CLIENT_ID,
      print: (line) => lines.push(line),
      openUrl: async (url) => {
        authUrl = url;
        return false;
      },
      timeoutMs: 300,
    });
    await expect(token).rejects.toThrow(/timed out/);
    expect(lines).toContain('(No browser could be opened: open the URL above yourself.)');
    await expectClosed(callbackUrl(new URL(authUrl).searchParams));
  });

  it('can be cancelled with an AbortSignal', async () => {
    issuer = await startOidcIssuer();
    const abort = new AbortController();
    let authUrl = '';
    const token = interactiveLogin({
      issuer: issuer.issuer,
      clientId: CLIENT_ID,
      print: () => undefined,
      openUrl: async (url) => {
        authUrl = url;
        abort.abort();
        return true;
      },
      signal: abort.signal,
    });
    await expect(token).rejects.toThrow('OIDC sign-in was cancelled');
    await expectClosed(callbackUrl(new URL(authUrl).searchParams));
  });

  it('refuses a plain-http issuer that is not on loopback', async () => {
    const openUrl = async () => true;
    await expect(
      interactiveLogin({ issuer: 'http://oauth2.example.test/auth', clientId: CLIENT_ID, openUrl }),
    ).rejects.toThrow(/must use https/);
  });

  it('reports an issuer that cannot be discovered', async () => {
    issuer = await startOidcIssuer();
    const gone = issuer.issuer;
    await issuer.close();
    issuer = undefined;
    await expect(
      interactiveLogin({ issuer: gone, clientId: CLIENT_ID, print: () => undefined }),
    ).rejects.toThrow(`Could not discover the OIDC issuer ${gone}: fetch failed`);
  });
});
