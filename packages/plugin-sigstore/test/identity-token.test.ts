import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveIdentityToken } from '../src/identity-token.js';

/** GitHub Actions' token endpoint, as the runner serves it: bearer-authenticated, audience in the query. */
let url = '';
const seen: { auth?: string; audience?: string | null }[] = [];
const server = createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://x');
  seen.push({ auth: req.headers.authorization, audience: u.searchParams.get('audience') });
  if (req.headers.authorization !== 'Bearer runner-secret') {
    res.writeHead(401).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: 'gha.jwt.token' }));
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
});
afterAll(() => {
  server.close();
});

describe('identity token sources, in SPEC §7 order', () => {
  it('--identity-token wins over everything', async () => {
    const r = await resolveIdentityToken({
      identityToken: ' flag.jwt ',
      env: { SIGSTORE_ID_TOKEN: 'env.jwt', ACTIONS_ID_TOKEN_REQUEST_URL: url },
    });
    expect(r).toEqual({ token: 'flag.jwt', origin: 'flag' });
  });

  it('an empty --identity-token is an error, not a fall-through', async () => {
    await expect(resolveIdentityToken({ identityToken: '  ', env: {} })).rejects.toThrow(
      /--identity-token is empty/,
    );
  });

  it('then $SIGSTORE_ID_TOKEN', async () => {
    const r = await resolveIdentityToken({
      env: {
        SIGSTORE_ID_TOKEN: 'env.jwt',
        ACTIONS_ID_TOKEN_REQUEST_URL: url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x',
      },
    });
    expect(r).toEqual({ token: 'env.jwt', origin: 'env' });
  });

  it('then GitHub Actions ambient OIDC, asking for audience sigstore with the runner bearer token', async () => {
    const r = await resolveIdentityToken({
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-secret', CI: 'true' },
    });
    expect(r).toEqual({ token: 'gha.jwt.token', origin: 'github-actions' });
    expect(seen.at(-1)).toEqual({ auth: 'Bearer runner-secret', audience: 'sigstore' });
  });

  it('a refused GitHub Actions request fails with the status, never falls back to a browser', async () => {
    await expect(
      resolveIdentityToken({
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong', CI: 'true' },
      }),
    ).rejects.toThrow(/GitHub Actions OIDC token request failed: HTTP 401/);
  });

  it('in CI with no token source it fails at once instead of waiting for a browser', async () => {
    await expect(resolveIdentityToken({ env: { CI: 'true' } })).rejects.toThrow(
      /no identity token for Sigstore signing in CI/,
    );
  });
});
