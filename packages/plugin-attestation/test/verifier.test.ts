import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { testSeed } from '../../../test/support/seed.js';
import {
  buildFacts,
  checkpointStatePath,
  pinnedKeyPath,
  registryAttestationFacts,
  sha256,
  type ArtifactRef,
  type Registry,
  type SignatureDocument,
  type VerifyContext,
} from '@aam/core';
import {
  decodeCanonicalBase64,
  plugin,
  RegistryAttestationVerifier,
  type RegistryAttestationFact,
} from '../src/index.js';
import {
  attest,
  envelopeOf,
  json,
  MemoryLog,
  p256,
  pinnedHome,
  sha256Hex,
  statement,
  type TestKey,
} from './support/fixture.js';

const REG = 'corp';
const NAME = '@a/x';
const VERSION = '1.0.0';

interface World {
  log: MemoryLog;
  key: TestKey;
  home: string;
  verifier: RegistryAttestationVerifier;
  bytes: Buffer;
  index: number;
  /** The attestation the registry would serve for NAME@VERSION. */
  good: Uint8Array;
}

async function world(opts: { keys?: TestKey[]; signWith?: TestKey } = {}): Promise<World> {
  const log = new MemoryLog();
  const key = opts.signWith ?? p256();
  const { home, cfg } = await pinnedHome(REG, log, opts.keys ?? [key]);
  const verifier = new RegistryAttestationVerifier({ home, registries: [cfg], logSource: () => log });
  const bytes = randomBytes(2048);
  log.append({ event: 'user.create', metadata: { user: 'alice' } });
  const index = log.publish(NAME, VERSION, sha256Hex(bytes));
  log.append({ event: 'tag.set', package: NAME, metadata: { tag: 'latest', version: VERSION } });
  const good = attest(
    key,
    statement({ name: NAME, version: VERSION, digestHex: sha256Hex(bytes), index, origin: log.origin }),
  );
  return { log, key, home, verifier, bytes, index, good };
}

const artifact = (bytes: Uint8Array, name = NAME, version = VERSION): ArtifactRef => ({
  bytes,
  checksum: sha256(bytes),
  size: bytes.length,
  name,
  version,
});
const doc = (bytes: Uint8Array): SignatureDocument => ({
  source: 'test',
  declaredType: 'registry-attestation',
  bytes,
});
const CTX: VerifyContext = { keys: [], registry: REG, offline: false };

async function check(
  w: World,
  bytes: Uint8Array,
  a = artifact(w.bytes),
  ctx = CTX,
): Promise<RegistryAttestationFact> {
  return (await w.verifier.verify(a, doc(bytes), ctx)) as RegistryAttestationFact;
}

function expectRefused(f: RegistryAttestationFact, reason: RegExp | string): void {
  expect(f.valid).toBe(false);
  expect(f.errors.join('; ')).toMatch(reason);
}

let w: World;
beforeEach(async () => {
  w = await world();
});

describe('registry attestation verifier: a good attestation', () => {
  it('verifies and reports what the policy needs', async () => {
    const f = await check(w, w.good);
    expect(f).toMatchObject({
      type: 'registry-attestation',
      valid: true,
      errors: [],
      registry: REG,
      subject_digest: `sha256:${sha256Hex(w.bytes)}`,
      name: NAME,
      version: VERSION,
      key_id: w.key.keyid,
      signed_at: '2026-02-07T14:31:00.000Z',
      audit_index: w.index,
    });
  });

  it('reads the artifact from a path when its bytes are not in memory, and hashes it itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-attest-file-'));
    const file = join(dir, 'x.aam');
    writeFileSync(file, w.bytes);
    // The caller's checksum is never trusted: a wrong one does not matter, the bytes do.
    const f = await check(w, w.good, {
      path: file,
      checksum: sha256(Buffer.from('other')),
      size: w.bytes.length,
      name: NAME,
      version: VERSION,
    });
    expect(f.valid).toBe(true);
  });

  it('verifies the checkpoint once per run and stores it (trust on first use of the log)', async () => {
    const other = randomBytes(100);
    const i2 = w.log.publish(NAME, '1.0.1', sha256Hex(other));
    const a2 = attest(
      w.key,
      statement({
        name: NAME,
        version: '1.0.1',
        digestHex: sha256Hex(other),
        index: i2,
        origin: w.log.origin,
      }),
    );
    expect((await check(w, w.good)).valid).toBe(true);
    expect((await check(w, a2, artifact(other, NAME, '1.0.1'))).valid).toBe(true);
    expect(w.log.calls.checkpoint).toBe(1);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(checkpointStatePath(REG, { AAM_HOME: w.home }), 'utf8')).toContain(
      `\n${w.log.bodies.length}\n`,
    );
  });

  it('looks at the log again for a publish newer than the checkpoint it verified', async () => {
    expect((await check(w, w.good)).valid).toBe(true);
    const later = randomBytes(64);
    const i = w.log.publish(NAME, '2.0.0', sha256Hex(later));
    const a = attest(
      w.key,
      statement({
        name: NAME,
        version: '2.0.0',
        digestHex: sha256Hex(later),
        index: i,
        origin: w.log.origin,
      }),
    );
    expect((await check(w, a, artifact(later, NAME, '2.0.0'))).valid).toBe(true);
    expect(w.log.calls.checkpoint).toBe(2);
  });

  it('a retired key that is still pinned verifies the attestations it signed', async () => {
    const old = p256();
    const fresh = p256();
    const ww = await world({ keys: [old, fresh], signWith: old });
    expect((await check(ww, ww.good)).valid).toBe(true);
  });
});

describe('registry attestation verifier: refusals', () => {
  it('a key that is not pinned for the registry', async () => {
    const rotated = p256();
    const a = attest(
      rotated,
      statement({
        name: NAME,
        version: VERSION,
        digestHex: sha256Hex(w.bytes),
        index: w.index,
        origin: w.log.origin,
      }),
    );
    const f = await check(w, a);
    expectRefused(
      f,
      `signed by key ${rotated.keyid}, which is not pinned for registry ${REG}: run aam registry trust-key ${REG} ${rotated.keyid}`,
    );
    expect(f.check).toBe('key');
    expect(f.key_id).toBe(rotated.keyid);
  });

  it('a pinned key id whose key file is missing, or holds another key', async () => {
    const k = p256();
    const { home, cfg } = await pinnedHome(REG, w.log, []);
    cfg.attestation_keys = [k.keyid];
    mkdirSync(join(home, 'registry-keys', REG), { recursive: true });
    const v = new RegistryAttestationVerifier({ home, registries: [cfg], logSource: () => w.log });
    const a = attest(
      k,
      statement({
        name: NAME,
        version: VERSION,
        digestHex: sha256Hex(w.bytes),
        index: w.index,
        origin: w.log.origin,
      }),
    );
    const missing = (await v.verify(artifact(w.bytes), doc(a), CTX)) as RegistryAttestationFact;
    expectRefused(missing, /key material is missing .*run aam registry trust-key corp/);
    writeFileSync(pinnedKeyPath(home, REG, k.keyid), p256().pem);
    const v2 = new RegistryAttestationVerifier({ home, registries: [cfg], logSource: () => w.log });
    expectRefused(
      (await v2.verify(artifact(w.bytes), doc(a), CTX)) as RegistryAttestationFact,
      /does not hold key .*its SHA-256/,
    );
  });

  it('a signature by another key under the pinned key id', async () => {
    const forger = p256();
    const env = envelopeOf(
      forger,
      Buffer.from(
        JSON.stringify(
          statement({
            name: NAME,
            version: VERSION,
            digestHex: sha256Hex(w.bytes),
            index: w.index,
            origin: w.log.origin,
          }),
        ),
      ),
      { keyid: w.key.keyid },
    );
    const f = await check(w, json(env));
    expectRefused(f, /DSSE signature does not verify under the pinned key/);
    expect(f.check).toBe('signature');
  });

  it('a subject digest for other bytes', async () => {
    const f = await check(w, w.good, artifact(Buffer.concat([w.bytes, Buffer.from('x')])));
    expectRefused(
      f,
      /subject digest sha256:[0-9a-f]{64} is not the archive's sha256:[0-9a-f]{64}: it attests other bytes/,
    );
    expect(f.check).toBe('artifact');
  });

  it('a name or version swap: the attestation of @a/x@1.0.0 served for @a/x@1.0.1 (same bytes)', async () => {
    expectRefused(
      await check(w, w.good, artifact(w.bytes, NAME, '1.0.1')),
      'the attestation is for @a/x@1.0.0, not @a/x@1.0.1',
    );
    expectRefused(
      await check(w, w.good, artifact(w.bytes, '@a/y', VERSION)),
      'the attestation is for @a/x@1.0.0, not @a/y@1.0.0',
    );
    expectRefused(
      await check(w, w.good, { bytes: w.bytes, checksum: sha256(w.bytes), size: w.bytes.length }),
      /package name and version are unknown/,
    );
  });

  it('an audit index that is not in the log', async () => {
    const st = statement({
      name: NAME,
      version: VERSION,
      digestHex: sha256Hex(w.bytes),
      index: 99,
      origin: w.log.origin,
    });
    const f = await check(w, attest(w.key, st));
    expectRefused(
      f,
      /audit index 99 is not in the audit log of registry corp \(its verified checkpoint has 3 entries\)/,
    );
    expect(f.check).toBe('audit-log');
  });

  it('an audit index that points at another entry, or a publish with another checksum', async () => {
    expectRefused(
      await check(
        w,
        attest(
          w.key,
          statement({
            name: NAME,
            version: VERSION,
            digestHex: sha256Hex(w.bytes),
            index: 0,
            origin: w.log.origin,
          }),
        ),
      ),
      /audit index 0 points at user.create of undefined .*not the publish of @a\/x@1.0.0/,
    );
    const other = w.log.publish('@a/y', VERSION, sha256Hex(w.bytes));
    expectRefused(
      await check(
        w,
        attest(
          w.key,
          statement({
            name: NAME,
            version: VERSION,
            digestHex: sha256Hex(w.bytes),
            index: other,
            origin: w.log.origin,
          }),
        ),
      ),
      /points at package.publish of @a\/y@1.0.0/,
    );
    const wrongSum = w.log.publish(NAME, '9.9.9', 'ab'.repeat(32));
    const bytes9 = w.bytes;
    expectRefused(
      await check(
        w,
        attest(
          w.key,
          statement({
            name: NAME,
            version: '9.9.9',
            digestHex: sha256Hex(bytes9),
            index: wrongSum,
            origin: w.log.origin,
          }),
        ),
        artifact(bytes9, NAME, '9.9.9'),
      ),
      /records the publish of @a\/x@9.9.9 \(entry \d+\) with checksum sha256:abab/,
    );
  });

  it('an entry the registry serves that is not the one in its log, or a bad proof', async () => {
    w.log.serveEntry = (i, body) =>
      i === w.index ? Buffer.from(body!.toString().replace('alice', 'mallory')) : body;
    expectRefused(await check(w, w.good), /audit entry 1 of registry corp is not proven in its log/);
    const w2 = await world();
    w2.log.serveProof = (_i, _s, proof) => proof.map((h) => Buffer.alloc(h.length));
    expectRefused(await check(w2, w2.good), /is not proven in its log/);
    const w3 = await world();
    w3.log.serveEntry = () => undefined;
    expectRefused(await check(w3, w3.good), /the registry has no entry there/);
  });

  it('another log origin, a checkpoint under another key, a log that forked', async () => {
    expectRefused(
      await check(
        w,
        attest(
          w.key,
          statement({
            name: NAME,
            version: VERSION,
            digestHex: sha256Hex(w.bytes),
            index: w.index,
            origin: 'elsewhere/audit',
          }),
        ),
      ),
      /names the audit log "elsewhere\/audit"/,
    );
    // The registry's config pins another checkpoint key.
    const stranger = new MemoryLog(w.log.origin);
    const { home, cfg } = await pinnedHome(REG, stranger, [w.key]);
    const v = new RegistryAttestationVerifier({ home, registries: [cfg], logSource: () => w.log });
    expectRefused(
      (await v.verify(artifact(w.bytes), doc(w.good), CTX)) as RegistryAttestationFact,
      /audit log of registry corp cannot be verified/,
    );
    // A log that is rewritten after this client saw it: fork.
    expect((await check(w, w.good)).valid).toBe(true);
    const forked = new MemoryLog();
    Object.assign(forked, {
      origin: w.log.origin,
      vkey: w.log.vkey,
      signer: (w.log as unknown as { signer: unknown }).signer,
    });
    forked.append({ event: 'user.create', metadata: { user: 'eve' } });
    const idx = forked.publish(NAME, VERSION, sha256Hex(w.bytes));
    forked.append({ event: 'tag.set', package: NAME });
    const v2 = new RegistryAttestationVerifier({
      home: w.home,
      registries: [
        { name: REG, url: 'http://127.0.0.1:9', checkpoint_key: w.log.vkey, attestation_keys: [w.key.keyid] },
      ],
      logSource: () => forked,
    });
    const f = (await v2.verify(
      artifact(w.bytes),
      doc(
        attest(
          w.key,
          statement({
            name: NAME,
            version: VERSION,
            digestHex: sha256Hex(w.bytes),
            index: idx,
            origin: w.log.origin,
          }),
        ),
      ),
      CTX,
    )) as RegistryAttestationFact;
    expectRefused(f, /cannot be verified: SECURITY ERROR: audit log FORK/);
  });

  it('no registry, an unknown registry, a local registry', async () => {
    expectRefused(
      await check(w, w.good, artifact(w.bytes), { keys: [], offline: true }),
      /only for a package that came from a registry/,
    );
    expectRefused(
      await check(w, w.good, artifact(w.bytes), { keys: [], registry: 'nope', offline: false }),
      "registry 'nope' is not configured",
    );
    const v = new RegistryAttestationVerifier({
      home: w.home,
      registries: [{ name: 'local', url: 'file:///tmp/r' }],
    });
    expectRefused(
      (await v.verify(artifact(w.bytes), doc(w.good), {
        keys: [],
        registry: 'local',
        offline: false,
      })) as RegistryAttestationFact,
      /local \(file:\/\/\) registry: registry attestations exist only for HTTP registries/,
    );
  });

  it('no pinned checkpoint key: the audit index cannot be checked', async () => {
    const { home, cfg } = await pinnedHome(REG, w.log, [w.key]);
    delete cfg.checkpoint_key;
    const v = new RegistryAttestationVerifier({ home, registries: [cfg], logSource: () => w.log });
    expectRefused(
      (await v.verify(artifact(w.bytes), doc(w.good), CTX)) as RegistryAttestationFact,
      /no pinned checkpoint key/,
    );
  });
});

describe('registry attestation verifier: strict DSSE', () => {
  const env = (): Record<string, unknown> =>
    JSON.parse(Buffer.from(w.good).toString()) as Record<string, unknown>;
  const sig0 = (e: Record<string, unknown>): Record<string, unknown> =>
    (e.signatures as Record<string, unknown>[])[0]!;

  it('a truncated envelope', async () => {
    const f = await check(w, w.good.subarray(0, w.good.length - 20));
    expectRefused(f, /the DSSE envelope is not JSON \(truncated\?\)/);
    expect(f.check).toBe('envelope');
  });

  it('a re-encoded payload: unpadded, URL-safe, wrapped, or with non-zero padding bits', async () => {
    const e = env();
    const p = e.payload as string;
    for (const bad of [
      p.replace(/=+$/, ''),
      p.replace(/\+/g, '-').replace(/\//g, '_'),
      `${p.slice(0, 76)}\n${p.slice(76)}`,
      ` ${p}`,
    ]) {
      if (bad === p) continue;
      expectRefused(
        await check(w, json({ ...e, payload: bad })),
        'the DSSE payload is not canonical base64 (the envelope was truncated or re-encoded)',
      );
    }
    expect(decodeCanonicalBase64('QQ==')).toEqual(Buffer.from('A'));
    expect(decodeCanonicalBase64('QR==')).toBeUndefined();
  });

  it('a payload re-serialised (same statement, other JSON bytes) no longer matches the signature', async () => {
    const e = env();
    const st = JSON.parse(Buffer.from(e.payload as string, 'base64').toString()) as unknown;
    const f = await check(
      w,
      json({ ...e, payload: Buffer.from(JSON.stringify(st, null, 2)).toString('base64') }),
    );
    expectRefused(f, /does not verify under the pinned key/);
  });

  it('extra or missing fields, a wrong payloadType, zero or two signatures, a bad keyid or sig', async () => {
    const e = env();
    expectRefused(await check(w, json({ ...e, extra: 1 })), 'the DSSE envelope has unexpected field "extra"');
    const { payloadType: _t, ...noType } = e;
    expectRefused(await check(w, json(noType)), 'the DSSE envelope lacks "payloadType"');
    expectRefused(
      await check(w, json({ ...e, payloadType: 'application/json' })),
      /payloadType is "application\/json", not application\/vnd.in-toto\+json/,
    );
    expectRefused(
      await check(w, json({ ...e, signatures: [] })),
      'the DSSE envelope has 0 signatures; a registry attestation has exactly one',
    );
    expectRefused(await check(w, json({ ...e, signatures: [sig0(e), sig0(e)] })), 'has 2 signatures');
    expectRefused(
      await check(w, json({ ...e, signatures: [{ ...sig0(e), extra: true }] })),
      'the DSSE signature has unexpected field "extra"',
    );
    expectRefused(
      await check(
        w,
        json({ ...e, signatures: [{ keyid: (sig0(e).keyid as string).toUpperCase(), sig: sig0(e).sig }] }),
      ),
      /keyid .* is not sha256:<64 lowercase hex>/,
    );
    expectRefused(
      await check(w, json({ ...e, signatures: [{ ...sig0(e), sig: `${sig0(e).sig as string}\n` }] })),
      /signature is not canonical base64/,
    );
    expectRefused(await check(w, json([e])), 'the DSSE envelope is not a JSON object');
  });

  it('a wrong statement type, predicate, or several subjects (validly signed)', async () => {
    const base = statement({
      name: NAME,
      version: VERSION,
      digestHex: sha256Hex(w.bytes),
      index: w.index,
      origin: w.log.origin,
    });
    expectRefused(
      await check(w, attest(w.key, { ...base, _type: 'https://in-toto.io/Statement/v0.1' })),
      /_type is .* not https:\/\/in-toto.io\/Statement\/v1/,
    );
    expectRefused(
      await check(w, attest(w.key, { ...base, predicateType: 'https://slsa.dev/provenance/v1' })),
      /predicateType is "https:\/\/slsa.dev\/provenance\/v1"/,
    );
    const subj = (base.subject as unknown[])[0];
    expectRefused(
      await check(w, attest(w.key, { ...base, subject: [subj, subj] })),
      'the statement has 2 subjects; a publish attestation has exactly one',
    );
    expectRefused(
      await check(
        w,
        attest(w.key, {
          ...base,
          subject: [{ name: 'pkg:aam/@a/y@1.0.0', digest: { sha256: sha256Hex(w.bytes) } }],
        }),
      ),
      /subject "pkg:aam\/@a\/y@1.0.0" is not the predicate's package pkg:aam\/@a\/x@1.0.0/,
    );
  });

  it('never throws and never passes for a mutated envelope (any byte flipped or cut)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(w.good.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (at, x, cut) => {
          const bytes = cut ? w.good.subarray(0, at) : Uint8Array.from(w.good);
          if (!cut) bytes[at] = bytes[at]! ^ x;
          const f = await check(w, bytes);
          // A flip inside the JSON whitespace-free text can only keep validity if it changes nothing that matters.
          if (f.valid) expect(Buffer.from(bytes).equals(Buffer.from(w.good))).toBe(true);
          expect(Array.isArray(f.errors)).toBe(true);
        },
      ),
      { seed: testSeed('attestation envelope mutations', 20261207), numRuns: 300 },
    );
  });
});

describe('plugin wiring and facts routing', () => {
  it('canVerify: its declared type, or an envelope carrying the aam publish predicate', () => {
    expect(
      w.verifier.canVerify({ source: 'x', declaredType: 'registry-attestation', bytes: new Uint8Array() }),
    ).toBe(true);
    expect(w.verifier.canVerify({ source: 'x', declaredType: 'gpg', bytes: w.good })).toBe(false);
    expect(w.verifier.canVerify({ source: 'x', bytes: w.good })).toBe(true);
    expect(
      w.verifier.canVerify({
        source: 'x',
        bytes: json({ payloadType: 'application/vnd.in-toto+json', payload: 'e30=' }),
      }),
    ).toBe(false);
    expect(w.verifier.canVerify({ source: 'x', bytes: randomBytes(64) })).toBe(false);
  });

  it('the plugin registers the verifier with the settings the host gives', async () => {
    const registered: unknown[] = [];
    const container = {
      isRegistered: () => true,
      resolve: () => ({ security: {}, home: w.home, registries: [] }),
      register: (_t: unknown, p: { useValue: unknown }) => registered.push(p.useValue),
    };
    plugin.register(container as never);
    expect(registered).toHaveLength(1);
    expect(registered[0]).toBeInstanceOf(RegistryAttestationVerifier);
  });

  it('buildFacts puts registry attestations in attestations (never signatures); unreadable ones are invalid facts', async () => {
    const verified = await check(w, w.good);
    const facts = buildFacts({
      name: NAME,
      version: VERSION,
      registry: REG,
      expected: sha256(w.bytes),
      actual: sha256(w.bytes),
      signatures: [{ type: 'gpg', valid: true, errors: [], fingerprint: 'AB'.repeat(20) }, verified],
      request: { verify: true, require_signature: false, no_verify: false },
    });
    expect(facts.signatures.map((s) => s.type)).toEqual(['gpg']);
    expect(facts.attestations).toEqual([
      {
        type: 'registry-attestation',
        valid: true,
        errors: [],
        registry: REG,
        subject_digest: `sha256:${sha256Hex(w.bytes)}`,
        name: NAME,
        version: VERSION,
        key_id: w.key.keyid,
        signed_at: '2026-02-07T14:31:00.000Z',
        audit_index: w.index,
      },
    ]);
    const trust = { verifiers: [w.verifier] };
    const local = { name: 'local', url: 'file:///x', kind: 'local' } as unknown as Registry;
    expect(await registryAttestationFacts(trust, local, NAME, VERSION, artifact(w.bytes))).toBeUndefined();
    const broken = {
      name: REG,
      readAttestations: async () => {
        throw new Error('HTTP 500');
      },
    } as unknown as Registry;
    const [f] = (await registryAttestationFacts(trust, broken, NAME, VERSION, artifact(w.bytes)))!;
    expect(f).toMatchObject({ type: 'registry-attestation', valid: false, registry: REG });
    expect(f!.errors[0]).toContain('cannot read the attestations of @a/x@1.0.0: HTTP 500');
    const serving = {
      name: REG,
      readAttestations: async () => [{ envelope: w.good }, { envelope: w.good.subarray(0, 10) }],
    } as unknown as Registry;
    const both = (await registryAttestationFacts(trust, serving, NAME, VERSION, artifact(w.bytes)))!;
    expect(both.map((x) => x.valid)).toEqual([true, false]);
  });
});
