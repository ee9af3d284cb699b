/**
 * Registry attestations end to end: a real `aam registry serve` on loopback signs an in-toto statement in a DSSE
 * envelope for every accepted version; separate `aam` processes pin its keys (`registry add`, `registry
 * trust-key`), fetch the attestations at install, `verify` and `info --signatures`, and the policy trusts them
 * only from a registry in `trusted_registries`. Tampered attestations are served by a small rewriting proxy on
 * loopback in front of the server (forgeries are signed with the server's own private key, read from its storage,
 * so that each reaches the check it is meant to fail).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseSignerKey, signNote } from '../../packages/core/dist/index.js';
import { httpClient, must, World, type RunResult } from './support/aam.js';
import { createUser } from '../support/registry-http.js';
import { startServer, type RunningServer } from './support/registry-server.js';

const json = <T = Record<string, unknown>>(r: RunResult): T => JSON.parse(r.stdout) as T;
const out = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;

// ---- a rewriting proxy ---------------------------------------------------------------------------------

type Rewrite = (path: string, body: Record<string, unknown>) => Record<string, unknown>;

interface Proxy {
  url: string;
  /** Rewrites the JSON of GET .../attestations answers (and of GET /api/v1/keys with `keys`). */
  attestations?: Rewrite;
  keys?: Rewrite;
  close(): Promise<void>;
}

/** Forwards everything to `target`; GET answers it has a rewrite for are changed on the way back. */
async function startProxy(target: string): Promise<Proxy> {
  const upstream = new URL(target);
  const proxy: Proxy = { url: '', close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers, host: upstream.host };
      const up = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
        (ur) => {
          const body: Buffer[] = [];
          ur.on('data', (c: Buffer) => body.push(c));
          ur.on('end', () => {
            let bytes = Buffer.concat(body);
            const path = (req.url ?? '').split('?')[0]!;
            const rewrite =
              req.method === 'GET' && ur.statusCode === 200
                ? /\/attestations$/.test(path)
                  ? proxy.attestations
                  : path === '/api/v1/keys'
                    ? proxy.keys
                    : undefined
                : undefined;
            if (rewrite) bytes = Buffer.from(JSON.stringify(rewrite(path, JSON.parse(bytes.toString()))));
            const h = { ...ur.headers };
            delete h['content-length'];
            delete h['transfer-encoding'];
            res.writeHead(ur.statusCode ?? 502, { ...h, 'content-length': String(bytes.length) });
            res.end(bytes);
          });
        },
      );
      up.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => server.close(() => resolve()));
  return proxy;
}

// ---- DSSE helpers (what a forger holding the registry's key would do) -------------------------------------

interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}
interface Listed {
  keyid: string;
  envelope: Envelope;
  [k: string]: unknown;
}

const pae = (type: string, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);

/** The publish statement, as far as these tests read and change it. */
interface Statement {
  subject: { name: string; digest: { sha256: string } }[];
  predicate: { published_at: string; audit_log: { origin: string; index: number }; [k: string]: unknown };
  [k: string]: unknown;
}

const statementOf = (e: Envelope): Statement =>
  JSON.parse(Buffer.from(e.payload, 'base64').toString('utf8')) as Statement;

/** Signs `statement` with the PEM private key, as the registry signs (ECDSA P-256, DER). */
function signed(statement: unknown, privatePem: string, keyid: string): Envelope {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const type = 'application/vnd.in-toto+json';
  const sig = sign('sha256', pae(type, payload), { key: createPrivateKey(privatePem), dsaEncoding: 'der' });
  return {
    payloadType: type,
    payload: payload.toString('base64'),
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

/** The server's private attestation key for `keyid` (`<storage>/keys/attestation-<hex>.pem`). */
const serverKey = (server: RunningServer, keyid: string): string =>
  readFileSync(join(server.storage, 'keys', `attestation-${keyid.slice('sha256:'.length)}.pem`), 'utf8');

const hexOf = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// ---- the registry and its users ---------------------------------------------------------------------------

let server: RunningServer;
let proxy: Proxy;
let alice: World;
let adminToken: string;
let n = 0;

async function getJson<T = Record<string, unknown>>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const attestationsOf = async (name: string, version: string): Promise<Listed[]> =>
  (await getJson<{ attestations: Listed[] }>(`/api/v1/packages/${name}/versions/${version}/attestations`))
    .attestations;

const activeKey = async (): Promise<string> =>
  (await getJson<{ keys: { use: string; status: string; keyid: string }[] }>('/api/v1/keys')).keys.find(
    (k) => k.use === 'attestation' && k.status === 'active',
  )!.keyid;

async function rotate(): Promise<{ retired: string; active: string }> {
  const res = await fetch(`${server.url}/api/v1/keys/rotate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ use: 'attestation' }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { retired: string; active: string };
}

/** Publishes a package with a README (same README, same bytes); returns its archive's sha256 hex. */
async function publish(name: string, version: string, readme = `${name} ${version}\n`): Promise<string> {
  const dir = await alice.makePackage(name, version, { files: { 'README.md': readme } });
  expect((await alice.publishDir(dir))?.status).toBe('published');
  const info = await getJson<{ checksum: string }>(`/api/v1/packages/${name}/versions/${version}`);
  return info.checksum.slice('sha256:'.length);
}

interface ConsumerOptions {
  url?: string;
  trusted?: string[];
  attestations?: boolean;
  strict?: boolean;
}

/** A user with the registry added as 'main' (its keys pinned then) and a security config. */
async function consumer(opts: ConsumerOptions = {}): Promise<World> {
  const w = await httpClient(opts.url ?? proxy.url);
  const file = join(w.home, 'config.yaml');
  const cfg = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  cfg.security = {
    trust_registry_attestations: opts.attestations ?? true,
    trusted_registries: opts.trusted ?? ['main'],
    ...(opts.strict === false ? {} : { on_signature_failure: 'error', require_signature: true }),
  };
  writeFileSync(file, stringify(cfg));
  return w;
}

/** `aam install SPEC --verify` in a fresh project of `w`. */
async function install(w: World, spec: string): Promise<RunResult & { dir: string }> {
  const dir = join(w.root, 'projects', `p${++n}`);
  mkdirSync(dir, { recursive: true });
  return { ...(await w.aam(['install', spec, '--verify'], dir)), dir };
}

/** The install is refused (exit 1, nothing installed) and the output names the reason. */
async function expectRefused(w: World, spec: string, reason: string | RegExp): Promise<RunResult> {
  const r = await install(w, spec);
  expect(r.code, out(r)).toBe(1);
  if (typeof reason === 'string') expect(out(r)).toContain(reason);
  else expect(out(r)).toMatch(reason);
  expect(r.stdout).not.toContain('✓ Registry attestation');
  expect(existsSync(join(r.dir, '.aam/packages'))).toBe(false);
  return r;
}

beforeAll(async () => {
  server = await startServer();
  adminToken = server.adminToken!;
  proxy = await startProxy(server.url);
  alice = await httpClient(server.url, (await createUser(server.url, adminToken, 'alice')).token);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

describe('registry attestations (real server on loopback, CLI processes)', () => {
  let x100: string;
  let x101: string;
  let y100: string;
  let trusted: World;

  it('registry add pins the attestation keys (trust on first use) and prints their fingerprints', async () => {
    const keyid = await activeKey();
    const w = new World();
    const r = must(await w.aam(['registry', 'add', 'main', server.url, '--default']));
    expect(r.stdout).toContain('Attestation keys (ECDSA P-256; fingerprint = sha256 of the public key):');
    expect(r.stdout).toContain(`  ${keyid} (active)`);
    expect(r.stdout).toContain('Pinned on first use');
    const cfg = parse(readFileSync(join(w.home, 'config.yaml'), 'utf8')) as {
      registries: Record<string, unknown>[];
    };
    expect(cfg.registries[0]).toMatchObject({ name: 'main', attestation_keys: [keyid] });
    const pem = readFileSync(join(w.home, 'registry-keys', 'main', `${keyid.slice(7)}.pem`), 'utf8');
    const served = (await getJson<{ keys: { keyid: string; pem: string }[] }>('/api/v1/keys')).keys.find(
      (k) => k.keyid === keyid,
    )!;
    expect(pem.trim()).toBe(served.pem.trim());
    const j = json<{ attestation_keys: unknown[] }>(
      must(await new World().aam(['registry', 'add', 'main', server.url, '--json'])),
    );
    expect(j.attestation_keys).toEqual([{ keyid, status: 'active' }]);
  });

  it('publish -> attestation -> install --verify trusts it; info --signatures and verify list it', async () => {
    x100 = await publish('@a/x', '1.0.0');
    y100 = await publish('@a/y', '1.0.0');
    const [listed] = await attestationsOf('@a/x', '1.0.0');
    expect(listed!.envelope.payloadType).toBe('application/vnd.in-toto+json');
    const st = statementOf(listed!.envelope);
    expect(st.subject).toEqual([{ name: 'pkg:aam/@a/x@1.0.0', digest: { sha256: x100 } }]);

    trusted = await consumer();
    const r = await install(trusted, '@a/x@1.0.0');
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain('✓ Registry attestation: main');
    expect(r.stdout).toContain('Installed @a/x@1.0.0');
    expect(r.stdout).not.toContain('MISSING');
    // The lock records the registry as the trusted signer (trust on first use).
    const lock = parse(readFileSync(join(r.dir, '.aam/aam-lock.yaml'), 'utf8')) as {
      packages: Record<string, { signatures: unknown[] }>;
    };
    expect(lock.packages['@a/x']!.signatures).toEqual([{ type: 'registry-attestation', registry: 'main' }]);

    const v = await trusted.aam(['verify'], r.dir);
    expect(v.code, out(v)).toBe(0);
    expect(v.stdout).toContain('✓ Registry attestation: main');

    const info = must(await trusted.aam(['info', '@a/x@1.0.0', '--signatures']));
    expect(info.stdout).toContain(
      [
        '  - Type: registry-attestation',
        '    Registry: main',
        `    Timestamp: ${st.predicate.published_at}`,
        '    Status: Valid ✓',
      ].join('\n'),
    );
    const ij = json<{ signatures: Record<string, unknown>[] }>(
      must(await trusted.aam(['info', '@a/x@1.0.0', '--signatures', '--json'])),
    );
    expect(ij.signatures).toEqual([
      expect.objectContaining({
        type: 'registry-attestation',
        valid: true,
        registry: 'main',
        subject_digest: `sha256:${x100}`,
        name: '@a/x',
        version: '1.0.0',
        key_id: listed!.keyid,
        audit_index: st.predicate.audit_log.index,
      }),
    ]);
  });

  it('the same package from a registry that is not in trusted_registries is not trusted (fails under error)', async () => {
    const w = await consumer({ trusted: ['elsewhere'] });
    const r = await install(w, '@a/x@1.0.0');
    expect(r.code, out(r)).toBe(1);
    expect(r.stdout).toContain('✗ Registry attestation: main (not trusted)');
    expect(r.stdout).not.toContain('✓ Registry attestation');
    // And with trust_registry_attestations off, attestations are not even fetched: the package is unsigned.
    const off = await consumer({ attestations: false });
    const r2 = await install(off, '@a/x@1.0.0');
    expect(r2.code).toBe(1);
    expect(out(r2)).toContain('is not signed, and require_signature is true');
    expect(r2.stdout).not.toContain('Registry attestation');
  });

  it('a package from an HTTP registry without an attestation: ✗ Registry attestation: MISSING', async () => {
    proxy.attestations = () => ({ attestations: [] });
    try {
      await expectRefused(trusted, '@a/x@1.0.0', '✗ Registry attestation: MISSING');
      const lax = await consumer({ strict: false });
      const r = await install(lax, '@a/x@1.0.0');
      expect(r.code, out(r)).toBe(0);
      expect(r.stdout).toContain('✗ Registry attestation: MISSING');
    } finally {
      proxy.attestations = undefined;
    }
  });

  it('refuses an attestation signed by a key that is not pinned', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyid = `sha256:${hexOf(publicKey.export({ type: 'spki', format: 'der' }))}`;
    const [real] = await attestationsOf('@a/x', '1.0.0');
    const forged = signed(
      statementOf(real!.envelope),
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      keyid,
    );
    proxy.attestations = () => ({ attestations: [{ ...real, keyid, envelope: forged }] });
    try {
      await expectRefused(
        trusted,
        '@a/x@1.0.0',
        `signed by key ${keyid}, which is not pinned for registry main: run aam registry trust-key main ${keyid}`,
      );
    } finally {
      proxy.attestations = undefined;
    }
  });

  it('refuses a subject digest for other bytes', async () => {
    const [real] = await attestationsOf('@a/x', '1.0.0');
    const st = statementOf(real!.envelope);
    st.subject[0]!.digest.sha256 = y100;
    const forged = signed(st, serverKey(server, real!.keyid), real!.keyid);
    proxy.attestations = () => ({ attestations: [{ ...real, envelope: forged }] });
    try {
      await expectRefused(
        trusted,
        '@a/x@1.0.0',
        `the attestation's subject digest sha256:${y100} is not the archive's sha256:${x100}: it attests other bytes`,
      );
    } finally {
      proxy.attestations = undefined;
    }
  });

  it('refuses a name or version swap: the attestation of @a/x@1.0.0 served for @a/x@1.0.1', async () => {
    x101 = await publish('@a/x', '1.0.1');
    const [old] = await attestationsOf('@a/x', '1.0.0');
    // As served: the 1.0.0 attestation is about other bytes.
    proxy.attestations = (path, body) => (path.includes('/1.0.1/') ? { attestations: [old] } : body);
    try {
      await expectRefused(
        trusted,
        '@a/x@1.0.1',
        `is not the archive's sha256:${x101}: it attests other bytes`,
      );
      // Re-signed with 1.0.1's digest but still naming 1.0.0: the name/version check refuses it.
      const st = statementOf(old!.envelope);
      st.subject[0]!.digest.sha256 = x101;
      const forged = signed(st, serverKey(server, old!.keyid), old!.keyid);
      proxy.attestations = (path, body) =>
        path.includes('/1.0.1/') ? { attestations: [{ ...old, envelope: forged }] } : body;
      await expectRefused(trusted, '@a/x@1.0.1', 'the attestation is for @a/x@1.0.0, not @a/x@1.0.1');
      // Another package's attestation, re-signed over these bytes: the same check.
      const [y] = await attestationsOf('@a/y', '1.0.0');
      const sy = statementOf(y!.envelope);
      sy.subject[0]!.digest.sha256 = x100;
      proxy.attestations = () => ({
        attestations: [{ ...y, envelope: signed(sy, serverKey(server, y!.keyid), y!.keyid) }],
      });
      await expectRefused(trusted, '@a/x@1.0.0', 'the attestation is for @a/y@1.0.0, not @a/x@1.0.0');
    } finally {
      proxy.attestations = undefined;
    }
    must(await install(trusted, '@a/x@1.0.1'));
  });

  it('refuses an attestation whose audit index is not in the log, or is another publish', async () => {
    const [real] = await attestationsOf('@a/x', '1.0.0');
    const key = serverKey(server, real!.keyid);
    const st = statementOf(real!.envelope);
    const ownIndex = st.predicate.audit_log.index as number;
    try {
      st.predicate.audit_log.index = 1_000_000;
      proxy.attestations = () => ({ attestations: [{ ...real, envelope: signed(st, key, real!.keyid) }] });
      await expectRefused(
        trusted,
        '@a/x@1.0.0',
        /the attestation's audit index 1000000 is not in the audit log of registry main \(its verified checkpoint has \d+ entries\)/,
      );
      const yIndex = statementOf((await attestationsOf('@a/y', '1.0.0'))[0]!.envelope).predicate.audit_log
        .index as number;
      st.predicate.audit_log.index = yIndex;
      proxy.attestations = () => ({ attestations: [{ ...real, envelope: signed(st, key, real!.keyid) }] });
      await expectRefused(
        trusted,
        '@a/x@1.0.0',
        `the attestation's audit index ${yIndex} points at package.publish of @a/y@1.0.0 in the log of registry main, not the publish of @a/x@1.0.0`,
      );
      st.predicate.audit_log.index = ownIndex;
      st.predicate.audit_log.origin = 'somewhere-else/audit';
      proxy.attestations = () => ({ attestations: [{ ...real, envelope: signed(st, key, real!.keyid) }] });
      await expectRefused(
        trusted,
        '@a/x@1.0.0',
        'the attestation names the audit log "somewhere-else/audit"',
      );
    } finally {
      proxy.attestations = undefined;
    }
  });

  it('refuses a truncated or re-encoded DSSE envelope', async () => {
    const [real] = await attestationsOf('@a/x', '1.0.0');
    const e = real!.envelope;
    const cases: [Record<string, unknown>, string][] = [
      // Cut short: whole base64 quartets, so it still decodes; the signature no longer matches.
      [
        { ...e, payload: e.payload.slice(0, 200) },
        `the DSSE signature does not verify under the pinned key ${real!.keyid}`,
      ],
      [{ payloadType: e.payloadType, payload: e.payload }, 'the DSSE envelope lacks "signatures"'],
      [{ ...e, signatures: [{ keyid: e.signatures[0]!.keyid }] }, 'the DSSE signature lacks "sig"'],
      // MIME-style line breaks, the URL-safe alphabet: the same bytes, re-encoded.
      [
        { ...e, payload: e.payload.replace(/.{76}/g, '$&\n') },
        'the DSSE payload is not canonical base64 (the envelope was truncated or re-encoded)',
      ],
      [
        { ...e, signatures: [{ ...e.signatures[0]!, sig: `${e.signatures[0]!.sig}\n` }] },
        'the DSSE signature is not canonical base64',
      ],
      [{ ...e, signatures: [e.signatures[0]!, e.signatures[0]!] }, 'the DSSE envelope has 2 signatures'],
      [{ ...e, payloadType: 'application/json' }, 'the DSSE payloadType is "application/json"'],
      [{ ...e, extra: 'x' }, 'the DSSE envelope has unexpected field "extra"'],
      // The statement re-serialised (same content, other bytes): not what was signed.
      [
        {
          ...e,
          payload: Buffer.from(JSON.stringify(statementOf(e), null, 1)).toString('base64'),
        },
        'the DSSE signature does not verify under the pinned key',
      ],
    ];
    try {
      for (const [envelope, reason] of cases) {
        proxy.attestations = () => ({ attestations: [{ ...real, envelope }] });
        await expectRefused(trusted, '@a/x@1.0.0', reason);
      }
    } finally {
      proxy.attestations = undefined;
    }
  });

  it('key rotation: old attestations verify with the retired key; new ones need the new key pinned', async () => {
    const before = await activeKey();
    const { retired, active } = await rotate();
    expect(retired).toBe(before);
    const keys = (await getJson<{ keys: { keyid: string; status: string }[] }>('/api/v1/keys')).keys;
    expect(keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ keyid: before, status: 'retired' }),
        expect.objectContaining({ keyid: active, status: 'active' }),
      ]),
    );
    // The rotation is in the audit log.
    const log = await getJson<{ items: { body: string }[] }>('/api/v1/audit/entries?event=key.rotate');
    expect(log.items.map((i) => JSON.parse(i.body).metadata)).toContainEqual(
      expect.objectContaining({ retired: before, active }),
    );
    const z = await publish('@a/z', '1.0.0');
    expect((await attestationsOf('@a/z', '1.0.0'))[0]!.keyid).toBe(active);
    expect(z).toMatch(/^[0-9a-f]{64}$/);

    // Old attestations: still valid with the (retired, pinned) key.
    must(await install(trusted, '@a/x@1.0.0'));
    // New ones: the rotated key is not trusted yet.
    await expectRefused(
      trusted,
      '@a/z@1.0.0',
      `signed by key ${active}, which is not pinned for registry main: run aam registry trust-key main ${active}`,
    );
    // trust-key lists what is not pinned, and pins what it is told to.
    const list = must(await trusted.aam(['registry', 'trust-key', 'main']));
    expect(list.stdout).toContain(`Attestation keys of 'main' not pinned yet:`);
    expect(list.stdout).toContain(`  ${active} (active`);
    expect(list.stdout).not.toContain(before);
    const pin = must(await trusted.aam(['registry', 'trust-key', 'main', active]));
    expect(pin.stdout).toContain(`✓ Pinned attestation key ${active} (active) for 'main'`);
    const cfg = parse(readFileSync(join(trusted.home, 'config.yaml'), 'utf8')) as {
      registries: { attestation_keys: string[] }[];
    };
    expect(cfg.registries[0]!.attestation_keys).toEqual([before, active]);
    const r = must(await install(trusted, '@a/z@1.0.0'));
    expect(r.stdout).toContain('✓ Registry attestation: main');
    must(await install(trusted, '@a/x@1.0.0'));
    expect(must(await trusted.aam(['registry', 'trust-key', 'main'])).stdout).toContain(
      "Every attestation key 'main' serves is pinned (2)",
    );

    // --all-active, for a client that still has the old key only.
    const other = await consumer();
    const cfgFile = join(other.home, 'config.yaml');
    const c = parse(readFileSync(cfgFile, 'utf8')) as { registries: { attestation_keys: string[] }[] };
    // A client added after the rotation pins both (the retired one verifies old attestations).
    expect(c.registries[0]!.attestation_keys.sort()).toEqual([before, active].sort());
    c.registries[0]!.attestation_keys = [before];
    writeFileSync(cfgFile, stringify(c));
    await expectRefused(other, '@a/z@1.0.0', `signed by key ${active}, which is not pinned`);
    const all = must(await other.aam(['registry', 'trust-key', 'main', '--all-active']));
    expect(all.stdout).toContain(`Pinned attestation key ${active}`);
    must(await install(other, '@a/z@1.0.0'));
  });

  it('trust-key refuses a key whose PEM does not hash to its id, and keys the registry does not serve', async () => {
    const w = await consumer();
    const { active } = await rotate();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    proxy.keys = (_p, body) => ({
      keys: (body.keys as { keyid: string; pem?: string }[]).map((k) =>
        k.keyid === active ? { ...k, pem: other.toString() } : k,
      ),
    });
    try {
      const r = await w.aam(['registry', 'trust-key', 'main', active]);
      expect(r.code, out(r)).toBe(1);
      expect(r.stderr).toContain(`Refused attestation key ${active} of 'main'`);
      expect(r.stderr).toMatch(/its SHA-256 \(SPKI DER\) is sha256:[0-9a-f]{64}/);
      expect(existsSync(join(w.home, 'registry-keys', 'main', `${active.slice(7)}.pem`))).toBe(false);
      expect(readFileSync(join(w.home, 'config.yaml'), 'utf8')).not.toContain(active);
      // registry add does not pin it either, and says why.
      const fresh = new World();
      const add = must(await fresh.aam(['registry', 'add', 'main', proxy.url]));
      expect(add.stdout).toContain(
        `Attestation key ${active} not pinned: the key served as ${active} is another key`,
      );
      expect(readFileSync(join(fresh.home, 'config.yaml'), 'utf8')).not.toContain(active);
    } finally {
      proxy.keys = undefined;
    }
    const unknown = `sha256:${'ab'.repeat(32)}`;
    const r2 = await w.aam(['registry', 'trust-key', 'main', unknown]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`Registry 'main' does not serve the attestation key ${unknown}`);
    const bad = await w.aam(['registry', 'trust-key', 'main', 'nope']);
    expect(bad.code).toBe(2);
    must(await w.aam(['registry', 'trust-key', 'main', active]));
  });

  it('local registries have no attestations: config validate and install say so', async () => {
    const w = new World();
    await w.withRegistry();
    const file = join(w.home, 'config.yaml');
    const cfg = parse(readFileSync(file, 'utf8')) as { registries: { name: string }[] } & Record<
      string,
      unknown
    >;
    const local = cfg.registries[0]!.name;
    cfg.security = { trust_registry_attestations: true, trusted_registries: [local] };
    writeFileSync(file, stringify(cfg));
    const warning = `security.trusted_registries names '${local}', a local (file://) registry: registry attestations exist only for HTTP registries`;
    const v = must(await w.aam(['config', 'validate']));
    expect(v.stderr).toContain(warning);
    await w.publish('@l/p', '1.0.0');
    const r = must(await w.aam(['install', '@l/p', '--verify']));
    expect(r.stderr).toContain(warning);
    expect(r.stdout).not.toContain('Registry attestation: MISSING');
  });
});

describe('the maximum trust level: signatures, a trusted registry attestation and a consistent audit log', () => {
  const GNUPGHOME = mkdtempSync(join(tmpdir(), 'aam-gnupg-max-'));
  let fpr = '';
  let maximal: World;
  const gpg = (args: string[]): string =>
    execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      env: { ...process.env, GNUPGHOME },
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });

  beforeAll(async () => {
    chmodSync(GNUPGHOME, 0o700);
    gpg(['--quick-gen-key', 'Max Author <max@example.org>', 'ed25519', 'sign', 'never']);
    fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--fingerprint']))![1]!;
    // alice publishes a GPG-signed version through the HTTP registry.
    const dir = await alice.makePackage('@m/signed', '1.0.0', { files: { 'README.md': 'signed\n' } });
    must(
      await alice.aam(['pkg', 'publish', dir, '--sign', '--sign-type', 'gpg'], alice.project, { GNUPGHOME }),
    );
    maximal = await httpClient(server.url);
    await maximal.globalLevel('maximum');
    const file = join(maximal.home, 'config.yaml');
    const cfg = parse(readFileSync(file, 'utf8')) as { security: Record<string, unknown> };
    cfg.security = { ...cfg.security, trusted_keys: [fpr], trusted_registries: ['main'] };
    writeFileSync(file, stringify(cfg));
  }, 120_000);

  afterAll(() => {
    try {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME } });
    } catch {
      // no agent running
    }
    rmSync(GNUPGHOME, { recursive: true, force: true });
  });

  it('installs a signed, attested package whose publish is proven in a consistent log', async () => {
    const cfg = parse(readFileSync(join(maximal.home, 'config.yaml'), 'utf8')) as {
      security: Record<string, unknown>;
    };
    expect(cfg.security).toMatchObject({
      require_signature: true,
      on_signature_failure: 'error',
      trust_registry_attestations: true,
      require_registry_attestation: true,
      require_audit_log: true,
    });
    const r = await install(maximal, '@m/signed@1.0.0');
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain('✓ GPG signature valid');
    expect(r.stdout).toContain('✓ Registry attestation: main');
    expect(r.stdout).toContain('Installed @m/signed@1.0.0');
  });

  it('refuses an unsigned package even though the registry attests it', async () => {
    await publish('@m/unsigned', '1.0.0');
    const r = await install(maximal, '@m/unsigned@1.0.0');
    expect(r.code, out(r)).toBe(1);
    // The attestation itself is fine; the author's signature is what is missing.
    expect(r.stdout).toContain('✓ Registry attestation: main');
    expect(out(r)).toMatch(/unsigned|no signature/i);
    expect(existsSync(join(r.dir, '.aam/packages'))).toBe(false);
  });

  it('refuses when the audit log is not consistent with the checkpoint this client saw (a forked log)', async () => {
    // Pretend this client once saw a different log of a larger size: the registry's log cannot extend it.
    const state = join(maximal.home, 'audit', 'main', 'checkpoint');
    expect(existsSync(state)).toBe(true);
    const saved = readFileSync(state, 'utf8');
    const storage = server.storage;
    const skey = readFileSync(join(storage, 'keys', 'checkpoint.skey'), 'utf8').trim();
    const signer = parseSignerKey(skey);
    const seen = saved.split('\n');
    const forged = signNote(
      `${seen[0]}\n${Number(seen[1]) + 1000}\n${Buffer.alloc(32, 9).toString('base64')}\n`,
      signer,
    );
    writeFileSync(state, forged);
    try {
      await expectRefused(maximal, '@m/signed@1.0.0', /audit log/i);
    } finally {
      writeFileSync(state, saved);
    }
  });

  it('a local registry has no audit log and no attestations: maximum refuses its packages', async () => {
    const w = await new World().withRegistry();
    const dir = await w.makePackage('@m/local', '1.0.0');
    must(await w.aam(['pkg', 'publish', dir, '--sign', '--sign-type', 'gpg'], w.project, { GNUPGHOME }));
    await w.globalLevel('maximum');
    const file = join(w.home, 'config.yaml');
    const cfg = parse(readFileSync(file, 'utf8')) as {
      security: Record<string, unknown>;
      registries: { name: string }[];
    };
    cfg.security = { ...cfg.security, trusted_keys: [fpr], trusted_registries: [cfg.registries[0]!.name] };
    writeFileSync(file, stringify(cfg));
    const r = await install(w, '@m/local@1.0.0');
    expect(r.code, out(r)).toBe(1);
    expect(out(r)).toMatch(/local registries have no audit log/);
  });
});
