import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, describe, expect, it } from 'vitest';
import { GpgSigner } from '../../plugin-gpg/src/index.js';
import {
  buildArchive,
  call,
  createToken,
  createUser,
  expectStatus,
  publish,
} from '../../../test/support/registry-http.js';
import { newTokenSecret, startRegistry, type RunningRegistry } from '../src/index.js';
import { builtinVerifiers } from './support/plugins.js';

/** Authorization and input edges found in review: each refusal, with the status and code it must give. */
const open: RunningRegistry[] = [];
afterAll(async () => {
  for (const r of open) await r.close();
});

async function serve(opts: Parameters<typeof startRegistry>[0] extends infer O ? Partial<O> : never = {}) {
  const admin = newTokenSecret();
  const r = await startRegistry({
    verifiers: await builtinVerifiers(),
    storage: mkdtempSync(join(tmpdir(), 'aam-authz-')),
    port: 0,
    adminToken: admin,
    ...opts,
  });
  open.push(r);
  return { url: r.url, admin };
}

describe('registry authorization edges', () => {
  it('a token limited to some packages cannot mint a token for other packages or a wider pattern', async () => {
    const { url, admin } = await serve();
    const alice = await createUser(url, admin, 'alice');
    const limited = expectStatus(
      await createToken(url, alice.token, { scopes: ['publish'], packages: ['@acme/foo'] }),
      201,
    ).body.token;
    expectStatus(
      await createToken(url, limited, { scopes: ['publish'], packages: ['@acme/*'] }),
      403,
      'insufficient_scope',
    );
    expectStatus(
      await createToken(url, limited, { scopes: ['publish'], packages: ['@acme/bar'] }),
      403,
      'insufficient_scope',
    );
    expectStatus(await createToken(url, limited, { scopes: ['publish'], packages: ['@acme/foo'] }), 201);
  });

  it("an owner's pending transfer offer dies with their ownership", async () => {
    const { url, admin } = await serve();
    const alice = await createUser(url, admin, 'alice');
    const mallory = await createUser(url, admin, 'mallory');
    const sock = await createUser(url, admin, 'sock');
    expectStatus(
      await publish(url, alice.token, '@al/pkg', '1.0.0', await buildArchive('@al/pkg', '1.0.0')),
      201,
    );
    expectStatus(
      await call(url, 'PUT', '/api/v1/packages/@al/pkg/owners/mallory', { token: alice.token }),
      200,
    );
    const offer = expectStatus(
      await call<{ id: string }>(url, 'POST', '/api/v1/packages/@al/pkg/ownership-transfers', {
        token: mallory.token,
        json: { to: 'sock' },
      }),
      202,
    ).body.id;
    expectStatus(
      await call(url, 'DELETE', '/api/v1/packages/@al/pkg/owners/mallory', { token: alice.token }),
      204,
    );
    const accept = await call(url, 'POST', `/api/v1/ownership-transfers/${offer}/accept`, {
      token: sock.token,
    });
    expect([404, 409]).toContain(accept.status);
    const owners = await call<{ owners: string[] }>(url, 'GET', '/api/v1/packages/@al/pkg/owners');
    expect(owners.body.owners).toEqual(['alice']);
  });

  it('tokens that merely look valid do not buy a fresh rate-limit allowance', async () => {
    const { url } = await serve({ rateLimit: { other: 3, publish: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call(url, 'GET', '/api/v1/audit/checkpoint', { token: newTokenSecret() })).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  it("revoking someone else's token: a user gets 404; an admin's token needs the admin scope", async () => {
    const { url, admin } = await serve();
    const alice = await createUser(url, admin, 'alice');
    const bob = await createUser(url, admin, 'bob');
    expectStatus(
      await call(url, 'DELETE', `/api/v1/tokens/${alice.token_id}`, { token: bob.token }),
      404,
      'token_not_found',
    );
    const adminRead = expectStatus(await createToken(url, admin, { scopes: ['read'] }), 201).body.token;
    expectStatus(
      await call(url, 'DELETE', `/api/v1/tokens/${alice.token_id}`, { token: adminRead }),
      403,
      'insufficient_scope',
    );
    expectStatus(await call(url, 'DELETE', `/api/v1/tokens/${alice.token_id}`, { token: admin }), 204);
  });

  it('a signature of one type declared as another is refused; a signature_type without a signature too', async () => {
    const { url, admin } = await serve();
    const alice = await createUser(url, admin, 'alice');
    const archive = await buildArchive('@al/sig', '1.0.0');
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'A', email: 'a@example.org' }],
      format: 'armored',
    });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'aam-authz-key-')), 'key.asc');
    writeFileSync(keyFile, privateKey);
    const before = process.env.AAM_GPG_KEY_FILE;
    process.env.AAM_GPG_KEY_FILE = keyFile;
    let envelope: Uint8Array;
    try {
      envelope = (
        await new GpgSigner().sign(
          {
            bytes: archive,
            checksum: `sha256:${createHash('sha256').update(archive).digest('hex')}` as `sha256:${string}`,
            size: archive.length,
            name: '@al/sig',
            version: '1.0.0',
          },
          {},
        )
      ).bytes;
    } finally {
      if (before === undefined) delete process.env.AAM_GPG_KEY_FILE;
      else process.env.AAM_GPG_KEY_FILE = before;
    }
    expectStatus(
      await publish(url, alice.token, '@al/sig', '1.0.0', archive, {
        fields: { signature_type: 'sigstore' },
        files: { signature: Buffer.from(envelope) },
      }),
      422,
      'signature_invalid',
    );
    expectStatus(
      await publish(url, alice.token, '@al/sig', '1.0.0', archive, { fields: { signature_type: 'gpg' } }),
      400,
      'bad_request',
    );
    // Declared truthfully, the same signature is accepted and recorded as gpg.
    expectStatus(
      await publish(url, alice.token, '@al/sig', '1.0.0', archive, {
        fields: { signature_type: 'gpg' },
        files: { signature: Buffer.from(envelope) },
      }),
      201,
    );
    const v = await call<{ signatures: { type: string }[] }>(
      url,
      'GET',
      '/api/v1/packages/@al/sig/versions/1.0.0',
    );
    expect(v.body.signatures.map((s) => s.type)).toEqual(['gpg']);
  });

  it('versions that differ only in build metadata are one number (409), and repeated query parameters are 400', async () => {
    const { url, admin } = await serve();
    const alice = await createUser(url, admin, 'alice');
    expectStatus(
      await publish(url, alice.token, '@al/b', '1.0.0+a', await buildArchive('@al/b', '1.0.0+a')),
      201,
    );
    expectStatus(
      await publish(url, alice.token, '@al/b', '1.0.0+b', await buildArchive('@al/b', '1.0.0+b')),
      409,
      'version_exists',
    );
    expectStatus(await call(url, 'GET', '/api/v1/audit/entries?package=a&package=b'), 400, 'bad_request');
  });
});
