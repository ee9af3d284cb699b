import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildArchive, createUser, expectStatus, publish, sha256hex } from '../support/registry-http.js';
import { must, readText, REPO, World } from './support/aam.js';
import { startServer, type RunningServer } from './support/registry-server.js';

// A signing backend that ships as its own package: aam's core and the registry know nothing of it.
const FAKE_PLUGIN = join(REPO, 'test/fixtures/plugins/aam-plugin-fake-verifier');
const KEY = 'c'.repeat(64);

describe('the HTTP registry judges authors’ signatures with the plugin container (a third-party plugin)', () => {
  let withPlugin: RunningServer;
  let without: RunningServer;
  let token: string;

  beforeAll(async () => {
    [withPlugin, without] = await Promise.all([
      startServer({ env: { AAM_PLUGINS: FAKE_PLUGIN } }),
      startServer(),
    ]);
    token = (await createUser(withPlugin.url, withPlugin.adminToken!, 'alice')).token;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([withPlugin?.stop(), without?.stop()]);
  });

  it('publishes a package signed by the plugin (aam pkg publish --sign-type fake-kms) and installs it trusted', async () => {
    const w = new World();
    const env = { AAM_PLUGINS: FAKE_PLUGIN };
    must(await w.aam(['registry', 'add', 'corp', withPlugin.url, '--default']));
    must(await w.aam(['login', '--token', token]));
    const dir = await w.makePackage('@corp/kms', '1.0.0');
    const pub = must(
      await w.aam(['pkg', 'publish', dir, '--sign', '--sign-type', 'fake-kms'], w.project, env),
    );
    expect(pub.stdout).toContain('✓ Package signed with fake-kms');
    expect(pub.stdout).toContain("✓ Published @corp/kms@1.0.0 to 'corp'");
    // The registry verified it with the plugin and recorded the key it reported.
    const doc = (await (
      await fetch(`${withPlugin.url}/api/v1/packages/@corp/kms/versions/1.0.0`)
    ).json()) as {
      signatures: unknown[];
    };
    expect(doc.signatures).toEqual([{ type: 'fake-kms', fingerprint: `sha256:${'0'.repeat(64)}` }]);

    writeFileSync(
      join(w.home, 'config.yaml'),
      `${readText(join(w.home, 'config.yaml'))}security:\n  trusted_keys: ["sha256:${'0'.repeat(64)}"]\n`,
    );
    const inst = must(await w.aam(['install', '@corp/kms', '--verify'], w.project, env));
    expect(inst.stdout).toContain('✓ fake-kms signature valid');
    expect(inst.stdout).toContain('✓ Key trusted');
    const lock = parse(readText(join(w.project, '.aam', 'aam-lock.yaml')));
    expect(lock.packages['@corp/kms'].signatures).toEqual([
      { type: 'fake-kms', fingerprint: `sha256:${'0'.repeat(64)}` },
    ]);
  });

  it('refuses a plugin signature that does not verify (422 signature_invalid), and stores nothing', async () => {
    const archive = await buildArchive('@corp/bad', '1.0.0');
    const wrong = `FAKE-KMS:${KEY}:sha256:${sha256hex(Buffer.from('other bytes'))}`;
    const r = await publish(withPlugin.url, token, '@corp/bad', '1.0.0', archive, {
      fields: { signature_type: 'fake-kms' },
      files: { signature: Buffer.from(wrong) },
    });
    expectStatus(r, 422, 'signature_invalid');
    expect(r.body.detail).toContain('digest does not match the artifact');
    const gone = await fetch(`${withPlugin.url}/api/v1/packages/@corp/bad`);
    expect(gone.status).toBe(404);
  });

  it('a registry without the plugin cannot verify the signature, so it refuses it (fails closed)', async () => {
    const user = await createUser(without.url, without.adminToken!, 'alice');
    const archive = await buildArchive('@corp/kms', '1.0.0');
    const good = `FAKE-KMS:${KEY}:sha256:${sha256hex(archive)}`;
    const r = await publish(without.url, user.token, '@corp/kms', '1.0.0', archive, {
      fields: { signature_type: 'fake-kms' },
      files: { signature: Buffer.from(good) },
    });
    expectStatus(r, 422, 'signature_invalid');
    expect(r.body.detail).toContain('no installed verifier recognises this fake-kms signature');
  });
});
