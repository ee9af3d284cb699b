import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  addRegistry,
  checkpointStatePath,
  generateNoteKey,
  loadConfig,
  parseSignerKey,
  pinnedKeyPath,
  signCheckpoint,
  spkiKeyId,
  trustRegistryKeys,
} from '../src/index.js';

/** A P-256 key as a registry lists it at /api/v1/keys. */
function attestationKey(status: 'active' | 'retired' = 'active') {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    use: 'attestation',
    alg: 'ES256',
    keyid: spkiKeyId(publicKey),
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    status,
  };
}

const ORIGIN = 'pin.example/audit';
const EMPTY_ROOT = createHash('sha256').digest();

/** A registry that only serves /api/v1/keys: whatever the test puts in `keys`. */
class KeyServer {
  keys: Record<string, unknown>[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url !== '/api/v1/keys') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server!.close(() => r()));
  }
}

const checkpointKey = (note = generateNoteKey(ORIGIN)) => ({
  note,
  served: { use: 'checkpoint', alg: 'Ed25519', vkey: note.vkey, origin: ORIGIN, status: 'active' },
});

function home(): NodeJS.ProcessEnv {
  return { AAM_HOME: mkdtempSync(join(tmpdir(), 'aam-pin-')) };
}

const configOf = (env: NodeJS.ProcessEnv) =>
  parse(readFileSync(join(env.AAM_HOME!, 'config.yaml'), 'utf8')) as {
    registries: { name: string; checkpoint_key?: string; attestation_keys?: string[] }[];
  };

describe('registry key pinning (trust on first use)', () => {
  const srv = new KeyServer();
  beforeAll(() => srv.start());
  afterAll(() => srv.stop());

  it('pins the checkpoint key and every attestation key served (active and retired), each file checked', async () => {
    const cp = checkpointKey();
    const [active, retired] = [attestationKey(), attestationKey('retired')];
    srv.keys = [cp.served, active, retired];
    const env = home();
    const r = await addRegistry({ name: 'corp', url: srv.url, default: true, env });
    expect(r.checkpoint).toMatchObject({
      given: false,
      fingerprint: expect.stringMatching(/^pin\.example\/audit\+[0-9a-f]{8}$/),
    });
    expect(r.checkpoint!.key.vkey).toBe(cp.note.vkey);
    expect(r.attestation!.pin.map((k) => k.keyid)).toEqual([active.keyid, retired.keyid]);
    expect(r.attestation!.refused).toEqual([]);
    expect(r.plainHttp).toBe(false); // loopback
    expect(configOf(env).registries).toEqual([
      {
        name: 'corp',
        url: srv.url,
        default: true,
        checkpoint_key: cp.note.vkey,
        attestation_keys: [active.keyid, retired.keyid],
      },
    ]);
    for (const k of [active, retired])
      expect(existsSync(pinnedKeyPath(env.AAM_HOME!, 'corp', k.keyid))).toBe(true);
  });

  it('a key the user knows must be served: another checkpoint key is refused, nothing written', async () => {
    srv.keys = [checkpointKey().served, attestationKey()];
    const env = home();
    const known = generateNoteKey(ORIGIN).vkey;
    await expect(
      addRegistry({ name: 'corp', url: srv.url, checkpointKey: known, env }),
    ).rejects.toMatchObject({
      code: 'CHECKPOINT_KEY_MISMATCH',
      message: expect.stringContaining('Not added'),
    });
    expect(existsSync(join(env.AAM_HOME!, 'config.yaml'))).toBe(false);
    expect(existsSync(join(env.AAM_HOME!, 'registry-keys'))).toBe(false);
  });

  it('an attestation key the user names must be served and be the key its id names', async () => {
    const cp = checkpointKey();
    const good = attestationKey();
    const liar = { ...attestationKey(), pem: good.pem }; // the PEM of another key under this id
    srv.keys = [cp.served, good, liar];
    const env = home();
    await expect(
      addRegistry({ name: 'corp', url: srv.url, attestationKeys: [`sha256:${'e'.repeat(64)}`], env }),
    ).rejects.toMatchObject({ code: 'ATTESTATION_KEY_MISMATCH' });
    await expect(
      addRegistry({ name: 'corp', url: srv.url, attestationKeys: [liar.keyid], env }),
    ).rejects.toMatchObject({
      code: 'ATTESTATION_KEY_MISMATCH',
      message: expect.stringContaining('another key'),
    });
    expect(existsSync(join(env.AAM_HOME!, 'config.yaml'))).toBe(false);
    // On first use the liar is refused (reported), the good key pinned.
    const r = await addRegistry({ name: 'corp', url: srv.url, env });
    expect(r.attestation!.pin.map((k) => k.keyid)).toEqual([good.keyid]);
    expect(r.attestation!.refused).toEqual([
      { keyid: liar.keyid, reason: expect.stringContaining('another key') },
    ]);
    expect(configOf(env).registries[0]!.attestation_keys).toEqual([good.keyid]);
  });

  it('refuses a registry serving no checkpoint key or two, a bad --checkpoint-key, and keys on file:// registries', async () => {
    const env = home();
    srv.keys = [attestationKey()];
    await expect(addRegistry({ name: 'corp', url: srv.url, env })).rejects.toMatchObject({
      code: 'INVALID_REGISTRY',
    });
    srv.keys = [checkpointKey().served, checkpointKey().served];
    await expect(addRegistry({ name: 'corp', url: srv.url, env })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('pick one with --checkpoint-key'),
    });
    await expect(
      addRegistry({ name: 'corp', url: srv.url, checkpointKey: 'nonsense', env }),
    ).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
    await expect(
      addRegistry({ name: 'l', url: 'file:///nowhere', checkpointKey: 'x', env }),
    ).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
    await expect(addRegistry({ name: 'bad name', url: srv.url, env })).rejects.toMatchObject({
      code: 'USAGE',
    });
    expect(existsSync(join(env.AAM_HOME!, 'config.yaml'))).toBe(false);
  });

  it('sets aside a stored checkpoint another key signed (a reused name), keeps one this key verifies', async () => {
    const cp = checkpointKey();
    srv.keys = [cp.served];
    const env = home();
    const stateFile = checkpointStatePath('corp', env);
    mkdirSync(join(stateFile, '..'), { recursive: true });
    const other = parseSignerKey(generateNoteKey(ORIGIN).skey);
    writeFileSync(stateFile, signCheckpoint({ origin: ORIGIN, size: 0, root: EMPTY_ROOT }, other));
    const r = await addRegistry({ name: 'corp', url: srv.url, env });
    expect(r.setAsideAuditState).toMatch(/checkpoint\.foreign-/);
    expect(existsSync(stateFile)).toBe(false);

    const env2 = home();
    const own = signCheckpoint(
      {
        origin: ORIGIN,
        size: 0,
        root: EMPTY_ROOT,
      },
      parseSignerKey(cp.note.skey),
    );
    const state2 = checkpointStatePath('corp', env2);
    mkdirSync(join(state2, '..'), { recursive: true });
    writeFileSync(state2, own);
    const r2 = await addRegistry({ name: 'corp', url: srv.url, env: env2 });
    expect(r2.setAsideAuditState).toBeUndefined();
    expect(readFileSync(state2, 'utf8')).toBe(own);
  });
});

describe('registry trust-key (rotations)', () => {
  const srv = new KeyServer();
  beforeAll(() => srv.start());
  afterAll(() => srv.stop());

  async function added() {
    const cp = checkpointKey();
    const first = attestationKey();
    srv.keys = [cp.served, first];
    const env = home();
    await addRegistry({ name: 'corp', url: srv.url, env });
    return { env, cp, first };
  }
  const request = (env: NodeJS.ProcessEnv, keyids: string[], allActive = false) => {
    const { config, layers } = loadConfig({ env });
    return trustRegistryKeys({
      registry: 'corp',
      layers,
      registries: config.registries,
      keyids,
      allActive,
      env,
    });
  };

  it('lists the keys not pinned yet, pins the one given, then everything is pinned', async () => {
    const { env, cp, first } = await added();
    const rotated = attestationKey();
    srv.keys = [cp.served, { ...first, status: 'retired' }, rotated];
    const listed = await request(env, []);
    expect(listed.added).toEqual([]);
    expect(listed.notPinned.map((k) => k.keyid)).toEqual([rotated.keyid]);
    const pinned = await request(env, [rotated.keyid.slice('sha256:'.length).toUpperCase()]);
    expect(pinned.added.map((k) => k.keyid)).toEqual([rotated.keyid]);
    expect(pinned.pinned).toEqual([first.keyid, rotated.keyid]);
    expect(configOf(env).registries[0]!.attestation_keys).toEqual([first.keyid, rotated.keyid]);
    expect((await request(env, [])).notPinned).toEqual([]);
  });

  it('--all-active pins every active key; a missing key file is pinned again', async () => {
    const { env, cp, first } = await added();
    const [a, b] = [attestationKey(), attestationKey()];
    srv.keys = [cp.served, first, a, b, attestationKey('retired')];
    const r = await request(env, [], true);
    expect(r.added.map((k) => k.keyid).sort()).toEqual([a.keyid, b.keyid].sort());
    expect(r.notPinned).toHaveLength(1);
  });

  it('one bad key pins none; a key the registry does not serve, or a local registry, is refused', async () => {
    const { env, cp, first } = await added();
    const good = attestationKey();
    const liar = { ...attestationKey(), pem: good.pem };
    srv.keys = [cp.served, first, good, liar];
    await expect(request(env, [good.keyid, liar.keyid])).rejects.toMatchObject({
      code: 'ATTESTATION_KEY_MISMATCH',
      message: expect.stringContaining('Nothing was pinned'),
    });
    expect(existsSync(pinnedKeyPath(env.AAM_HOME!, 'corp', good.keyid))).toBe(false);
    expect(configOf(env).registries[0]!.attestation_keys).toEqual([first.keyid]);
    await expect(request(env, [`sha256:${'f'.repeat(64)}`])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(request(env, ['nope'])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(request(env, [good.keyid], true)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(
      trustRegistryKeys({
        registry: 'l',
        layers: [],
        registries: [{ name: 'l', url: 'file:///x' }],
        keyids: [],
        allActive: false,
        env,
      }),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('local (file://)') });
  });
});
