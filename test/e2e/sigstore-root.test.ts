import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { initializeTUFRepo, tufHandlers } from '@tufjs/repo-mock';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SigstoreSigner } from '../../packages/plugin-sigstore/src/index.js';
import {
  makeIdentityToken,
  startPrivateSigstore,
  type PrivateSigstore,
} from '../support/private-sigstore.js';
import { must, REPO, World } from './support/aam.js';

/**
 * `aam sigstore update-root` against a real TUF repository served on loopback (@tufjs/repo-mock's signed
 * metadata): the refreshed trusted root lands in $AAM_HOME's cache, and offline verification then prefers it
 * over the vendored public-good snapshot. A repository serving a target its metadata does not vouch for is
 * refused, and the previous copy is kept.
 */
let sig: PrivateSigstore;
const servers: Server[] = [];

async function serveTuf(targetContent: string, served?: string): Promise<{ url: string; root: string }> {
  const repo = initializeTUFRepo([{ name: 'trusted_root.json', content: targetContent }]);
  const routes = new Map(tufHandlers(repo, { metadataPathPrefix: '' }).map((h) => [h.path, h.fn]));
  const server = createServer((req, res) => {
    const fn = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!fn) {
      res.writeHead(404).end();
      return;
    }
    const out = fn();
    let body = out.response;
    // A mirror that swaps the target's bytes (same name, other content than the signed metadata says).
    if (served !== undefined && String(req.url).endsWith('trusted_root.json')) body = served;
    res
      .writeHead(out.statusCode, { 'content-type': out.contentType ?? 'application/octet-stream' })
      .end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    root: JSON.stringify(repo.rootMeta.toJSON()),
  };
}

beforeAll(async () => {
  sig = await startPrivateSigstore();
});
afterAll(async () => {
  await sig?.close();
  for (const s of servers) s.close();
});

describe('aam sigstore update-root (TUF) and offline verification with the refreshed root', () => {
  it('fetches the root through TUF, caches it, and verification uses it from then on', async () => {
    const w = new World();
    const bytes = Buffer.from('refreshed-root artifact\n');
    const doc = await new SigstoreSigner({ fulcio_url: sig.url, rekor_url: sig.url, tsa_url: sig.url }).sign(
      {
        bytes,
        checksum: `sha256:${createHash('sha256').update(bytes).digest('hex')}` as never,
        size: bytes.length,
      },
      {
        identityToken: makeIdentityToken({
          sub: 'dana@example.com',
          email: 'dana@example.com',
          email_verified: true,
        }),
      },
    );
    mkdirSync(join(w.project, '.aam'), { recursive: true });
    writeFileSync(
      join(w.project, '.aam', 'config.yaml'),
      stringify({ security: { on_signature_failure: 'error', trusted_identities: ['dana@example.com'] } }),
    );
    writeFileSync(join(w.project, 'a.bin'), bytes);
    writeFileSync(join(w.project, 'a.sigstore.json'), doc.bytes);
    const verify = () => w.aam(['verify', 'a.bin', '--signature', 'a.sigstore.json']);
    // Before: the vendored public-good root does not know the private deployment.
    expect((await verify()).code).toBe(1);

    const tuf = await serveTuf(JSON.stringify(sig.trustedRoot));
    const rootFile = join(w.root, 'tuf-root.json');
    writeFileSync(rootFile, tuf.root);
    const r = must(await w.aam(['sigstore', 'update-root', '--mirror', tuf.url, '--tuf-root', rootFile]));
    expect(r.stdout).toMatch(/✓ Trusted root refreshed from http:\/\/127\.0\.0\.1:\d+/);
    // --json follows its schema (the one command test/e2e/json-output.test.ts cannot run: it needs TUF).
    const answer = JSON.parse(
      must(await w.aam(['sigstore', 'update-root', '--mirror', tuf.url, '--tuf-root', rootFile, '--json']))
        .stdout,
    ) as unknown;
    const schema = JSON.parse(
      readFileSync(join(REPO, 'packages/core/schema/cli/sigstore-update-root.schema.json'), 'utf8'),
    );
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(answer) ? [] : validate.errors).toEqual([]);
    const cached = join(w.home, 'cache', 'sigstore', 'trusted_root.json');
    expect(JSON.parse(readFileSync(cached, 'utf8'))).toMatchObject({ tlogs: [{ baseUrl: sig.url }] });

    const after = await verify();
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/✓ Sigstore signature valid\n {2}Identity: dana@example\.com/);
  });

  it('a mirror serving a target its signed metadata does not vouch for is refused; the cache is untouched', async () => {
    const w = new World();
    const genuine = JSON.stringify(sig.trustedRoot);
    // Same length, one byte different: only the signed hash can tell.
    const forged = genuine.replace('"tlogs"', '"tlogz"');
    expect(forged.length).toBe(genuine.length);
    const tuf = await serveTuf(genuine, forged);
    const rootFile = join(w.root, 'tuf-root.json');
    writeFileSync(rootFile, tuf.root);
    const r = await w.aam(['sigstore', 'update-root', '--mirror', tuf.url, '--tuf-root', rootFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Could not refresh the Sigstore trusted root: .*(hash|digest)/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(w.home, 'cache', 'sigstore', 'trusted_root.json'))).toBe(false);
  });

  it('a TUF root from another repository (wrong keys) is refused', async () => {
    const w = new World();
    const tuf = await serveTuf(JSON.stringify(sig.trustedRoot));
    const other = await serveTuf(JSON.stringify(sig.trustedRoot));
    const rootFile = join(w.root, 'tuf-root.json');
    writeFileSync(rootFile, other.root);
    const r = await w.aam(['sigstore', 'update-root', '--mirror', tuf.url, '--tuf-root', rootFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/signed by 0\/1 keys/);
    expect(existsSync(join(w.home, 'cache', 'sigstore', 'trusted_root.json'))).toBe(false);
  });

  it('an unreachable mirror fails clearly (exit 1), and --mirror without --tuf-root is a usage error (exit 2)', async () => {
    const w = new World();
    const rootFile = join(w.root, 'tuf-root.json');
    writeFileSync(rootFile, (await serveTuf('{}')).root);
    const down = await w.aam([
      'sigstore',
      'update-root',
      '--mirror',
      'http://127.0.0.1:9',
      '--tuf-root',
      rootFile,
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Could not refresh the Sigstore trusted root/);
    const usage = await w.aam(['sigstore', 'update-root', '--mirror', 'http://127.0.0.1:9']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--mirror needs --tuf-root/);
  });

  it('a --mirror that is not a URL, or a --tuf-root that does not exist, is a usage error (exit 2)', async () => {
    const w = new World();
    const rootFile = join(w.root, 'tuf-root.json');
    writeFileSync(rootFile, '{}');
    const notUrl = await w.aam(['sigstore', 'update-root', '--mirror', 'notaurl', '--tuf-root', rootFile]);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/--mirror "notaurl" is not an http\(s\) URL/);
    const ftp = await w.aam([
      'sigstore',
      'update-root',
      '--mirror',
      'ftp://127.0.0.1/',
      '--tuf-root',
      rootFile,
    ]);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toMatch(/is not an http\(s\) URL/);
    const missing = join(w.root, 'no-such-root.json');
    const noRoot = await w.aam([
      'sigstore',
      'update-root',
      '--mirror',
      'http://127.0.0.1:9',
      '--tuf-root',
      missing,
    ]);
    expect(noRoot.code).toBe(2);
    expect(noRoot.stderr).toContain(`--tuf-root ${missing} does not exist`);
    const both = await w.aam(['sigstore', 'update-root', '--mirror', 'notaurl', '--tuf-root', 'x']);
    expect(both.code).toBe(2);
    for (const r of [notUrl, ftp, noRoot, both]) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(w.home, 'cache', 'sigstore'))).toBe(false);
  });

  it("a refreshed root that fails aam's own checks (an authority without a validity start) is not cached", async () => {
    const w = new World();
    const bad = JSON.parse(JSON.stringify(sig.trustedRoot)) as {
      tlogs: { publicKey: { validFor: object } }[];
    };
    bad.tlogs[0]!.publicKey.validFor = {};
    const tuf = await serveTuf(JSON.stringify(bad));
    const rootFile = join(w.root, 'tuf-root.json');
    writeFileSync(rootFile, tuf.root);
    const r = await w.aam(['sigstore', 'update-root', '--mirror', tuf.url, '--tuf-root', rootFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no validity start/);
    expect(existsSync(join(w.home, 'cache', 'sigstore', 'trusted_root.json'))).toBe(false);
  });
});
