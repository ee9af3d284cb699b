import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AamError } from '@aam/core';
import { resolveIdentityToken } from '../src/identity-token.js';

/** A JWT-shaped (unsigned) token; what the sources hand over is only checked for its shape here. */
const jwt = (sub: string): string =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.`;
const FLAG = jwt('flag');
const ENV = jwt('env');
const GHA = `${jwt('gha')}c2ln`;

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
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: GHA }));
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
      identityToken: ` ${FLAG} `,
      env: { SIGSTORE_ID_TOKEN: ENV, ACTIONS_ID_TOKEN_REQUEST_URL: url },
    });
    expect(r).toEqual({ token: FLAG, origin: 'flag' });
  });

  it('an empty --identity-token is a usage error (exit 2), not a fall-through', async () => {
    const e = await resolveIdentityToken({ identityToken: '  ', env: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AamError);
    expect(e).toMatchObject({
      code: 'USAGE',
      exitCode: 2,
      message: expect.stringMatching(/--identity-token is empty/),
    });
  });

  it.each([
    ['not a JWT at all', 'hunter2'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['characters outside base64url', 'ab+c.de/f.ghi'],
    [
      'a header that is not JSON',
      `${Buffer.from('nope').toString('base64url')}.${jwt('x').split('.')[1]}.sig`,
    ],
    [
      'a payload that is not a JSON object',
      `${jwt('x').split('.')[0]}.${Buffer.from('[1]').toString('base64url')}.sig`,
    ],
  ])('a --identity-token that is %s is a usage error naming the expected shape', async (_name, token) => {
    const e = await resolveIdentityToken({ identityToken: token, env: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AamError);
    expect(e).toMatchObject({
      code: 'USAGE',
      exitCode: 2,
      message: expect.stringMatching(/^--identity-token is not an OIDC identity token: expected a JWT/),
    });
  });

  it('a malformed $SIGSTORE_ID_TOKEN is a usage error too', async () => {
    await expect(resolveIdentityToken({ env: { SIGSTORE_ID_TOKEN: 'not-a-jwt' } })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/^SIGSTORE_ID_TOKEN is not an OIDC identity token/),
    });
  });

  it('then $SIGSTORE_ID_TOKEN', async () => {
    const r = await resolveIdentityToken({
      env: {
        SIGSTORE_ID_TOKEN: ENV,
        ACTIONS_ID_TOKEN_REQUEST_URL: url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x',
      },
    });
    expect(r).toEqual({ token: ENV, origin: 'env' });
  });

  it('then GitHub Actions ambient OIDC, asking for audience sigstore with the runner bearer token', async () => {
    const r = await resolveIdentityToken({
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-secret', CI: 'true' },
    });
    expect(r).toEqual({ token: GHA, origin: 'github-actions' });
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
