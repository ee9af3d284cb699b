// The verified-chain cache against a fresh verifier: everything here tries to make the cache accept what a fresh
// @sigstore/verify Verifier refuses (or refuse what it accepts), and every outcome must be the fresh one.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness, TSAWitness } from '@sigstore/sign';
import {
  toSignedEntity,
  toTrustMaterial,
  Verifier,
  type SignedEntity,
  type TrustMaterial,
} from '@sigstore/verify';
import { verifyCertificateChain } from '@sigstore/verify/dist/key/certificate.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeIdentityToken,
  startPrivateSigstore,
  type PrivateSigstore,
} from '../../../test/support/private-sigstore.js';
import { seededRandom, testSeed } from '../../../test/support/seed.js';
import { ChainCache, sharedChainCache, SigstoreVerifier } from '../src/index.js';

const DATA = Buffer.from('chain cache');
const SUITE = resolve(import.meta.dirname, '../../../test/fixtures/sigstore/conformance/bundle-verify');
type Step = { verifySigningKey(entity: SignedEntity, timestamps: Date[]): unknown };

/** What a verifier's signing-key step (chain, path checks, SCTs) says: the signer's identity, or the refusal. */
function outcome(v: unknown, entity: SignedEntity, timestamps: Date[]): string {
  try {
    const signer = (v as Step).verifySigningKey(entity, timestamps) as { identity?: unknown };
    return `ok ${JSON.stringify(signer.identity)}`;
  } catch (e) {
    return `refused ${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
}

const newCache = (max?: number) => new ChainCache({ Verifier, verifyCertificateChain }, max);

/** The leaf's bytes (as the bundles here carry them: minimal DER, so a re-encoding gives them back). */
const derOf = (e: SignedEntity): Uint8Array =>
  e.key.$case === 'certificate' ? e.key.certificate.root.toDER() : new Uint8Array();

/** A DER length: short form under 128, else the long form with as few bytes as it needs. */
function derLength(n: number): Buffer {
  if (n < 128) return Buffer.of(n);
  const hex = n.toString(16);
  const bytes = Buffer.from(hex.padStart(hex.length + (hex.length % 2), '0'), 'hex');
  return Buffer.concat([Buffer.of(0x80 | bytes.length), bytes]);
}

/** Puts the leaf's chain into the cache: a leaf is cached the second time it is accepted. */
function prime(cache: ChainCache, v: unknown, entity: SignedEntity, timestamps: Date[]): void {
  const before = cache.size;
  for (let i = 0; i < 2; i++) expect(outcome(v, entity, timestamps)).toMatch(/^ok /);
  expect(cache.size).toBe(before + 1);
}

async function signOnce(s: PrivateSigstore, email: string): Promise<SignedEntity> {
  const builder = new MessageSignatureBundleBuilder({
    signer: new FulcioSigner({
      fulcioBaseURL: s.url,
      identityProvider: {
        getToken: async () =>
          makeIdentityToken({ sub: email, email, email_verified: true, iss: 'https://accounts.example.com' }),
      },
    }),
    witnesses: [new RekorWitness({ rekorBaseURL: s.url }), new TSAWitness({ tsaBaseURL: s.url })],
  });
  const bundle = await builder.create({ data: DATA });
  return toSignedEntity(bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(bundle)))), DATA);
}

describe('the signing-key step: cached against fresh, at chosen timestamps', () => {
  let a: PrivateSigstore;
  let b: PrivateSigstore;
  let material: TrustMaterial;
  let entity: SignedEntity;
  let leaf: X509Certificate;
  beforeAll(async () => {
    [a, b] = await Promise.all([startPrivateSigstore(), startPrivateSigstore()]);
    material = toTrustMaterial(TrustedRoot.fromJSON(a.trustedRoot));
    entity = await signOnce(a, 'alice@example.com');
    if (entity.key.$case !== 'certificate') throw new Error('expected a certificate-signed bundle');
    leaf = entity.key.certificate;
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const sec = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

  it('a cached leaf is refused outside its own window, its CA window, or with no timestamp at all', () => {
    const cache = newCache();
    const cached = cache.verifier(material, 'root-a', derOf(entity));
    const fresh = new Verifier(material);
    const inside = sec(leaf.notBefore, 60);
    // Prime the cache with an accepted timestamp.
    prime(cache, cached, entity, [inside]);
    const ca = material.certificateAuthorities[0]!;
    const attempts: Date[][] = [
      [inside],
      [leaf.notBefore],
      [leaf.notAfter],
      [sec(leaf.notBefore, -1)],
      [sec(leaf.notAfter, 1)],
      [sec(leaf.notAfter, 3600)],
      [inside, sec(leaf.notAfter, 1)],
      [sec(leaf.notBefore, -1), inside],
      [sec(ca.validFor.start, -1)],
      [new Date('2999-01-01T00:00:00Z')],
      [],
    ];
    for (const ts of attempts)
      expect(outcome(cached, entity, ts), ts.join()).toBe(outcome(fresh, entity, ts));
    // The leaf's own window was tried from both sides and refused; the cache served the accepted ones.
    expect(outcome(cached, entity, [sec(leaf.notAfter, 1)])).toMatch(/^refused CERTIFICATE_ERROR/);
    expect(cache.hits).toBeGreaterThanOrEqual(3);
  });

  it('a CA whose window closes (a rotated root) refuses a cached leaf, as a fresh verifier does', () => {
    const cache = newCache();
    const inside = sec(leaf.notBefore, 60);
    prime(cache, cache.verifier(material, 'root-a', derOf(entity)), entity, [inside]);
    // The same root file rewritten with the CA ending before the signature: a new material object.
    const rotated = JSON.parse(JSON.stringify(a.trustedRoot)) as {
      certificateAuthorities: { validFor: { start: string; end?: string } }[];
    };
    rotated.certificateAuthorities[0]!.validFor.end = sec(leaf.notBefore, -10).toISOString();
    const closed = toTrustMaterial(TrustedRoot.fromJSON(rotated));
    // Even were the digest (wrongly) the same, the cache holds the material object itself.
    const viaCache = outcome(cache.verifier(closed, 'root-a', derOf(entity)), entity, [inside]);
    expect(viaCache).toBe(outcome(new Verifier(closed), entity, [inside]));
    expect(viaCache).toMatch(/^refused CERTIFICATE_ERROR/);
  });

  it("another deployment's root does not accept a leaf cached under this one", () => {
    const cache = newCache();
    const inside = sec(leaf.notBefore, 60);
    prime(cache, cache.verifier(material, 'same-digest', derOf(entity)), entity, [inside]);
    const other = toTrustMaterial(TrustedRoot.fromJSON(b.trustedRoot));
    const viaCache = outcome(cache.verifier(other, 'same-digest', derOf(entity)), entity, [inside]);
    expect(viaCache).toBe(outcome(new Verifier(other), entity, [inside]));
    expect(viaCache).toMatch(/^refused CERTIFICATE_ERROR/);
    expect(cache.hits).toBe(0);
  });

  it('property: for any timestamps around the windows, cached and fresh agree (the cache primed first)', () => {
    const cache = newCache();
    const cached = cache.verifier(material, 'root-a', derOf(entity));
    const fresh = new Verifier(material);
    prime(cache, cached, entity, [sec(leaf.notBefore, 1)]);
    const lo = leaf.notBefore.getTime() - 3_600_000;
    const hi = leaf.notAfter.getTime() + 3_600_000;
    const edges = [leaf.notBefore, leaf.notAfter].flatMap((d) =>
      [-1000, 0, 1000].map((ms) => d.getTime() + ms),
    );
    const time = fc
      .oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(...edges))
      .map((ms) => new Date(ms));
    fc.assert(
      fc.property(fc.array(time, { minLength: 0, maxLength: 3 }), (ts) => {
        expect(outcome(cached, entity, ts)).toBe(outcome(fresh, entity, ts));
      }),
      { numRuns: 300, seed: testSeed('chain cache windows', 20261207) },
    );
    expect(cache.hits).toBeGreaterThan(0);
  });

  it('full verification of real bundles: the cache serves the chain, signature and log still checked', async () => {
    const cache = newCache();
    const other = await signOnce(a, 'alice@example.com'); // another bundle, another leaf
    const v = cache.verifier(material, 'root-a', derOf(entity));
    for (let i = 0; i < 3; i++) expect(() => v.verify(entity)).not.toThrow();
    expect(cache.hits).toBe(1); // the first sight is remembered, the second cached, the third served
    // The cached leaf over a signature of other bytes: the signature check still refuses.
    const forged = { ...entity, signature: other.signature };
    expect(() => cache.verifier(material, 'root-a', derOf(entity)).verify(forged)).toThrow();
    expect(() => new Verifier(material).verify(forged)).toThrow();
    // The cached leaf with another bundle's log entries: the log checks still refuse.
    const relogged = { ...entity, tlogEntries: other.tlogEntries };
    expect(() => cache.verifier(material, 'root-a', derOf(entity)).verify(relogged)).toThrow();
    expect(() => new Verifier(material).verify(relogged)).toThrow();
  });

  it('another encoding of a cached leaf (a name length written long) is not the cached leaf', () => {
    const cache = newCache();
    const inside = sec(leaf.notBefore, 60);
    prime(cache, cache.verifier(material, 'root-a', derOf(entity)), entity, [inside]);
    // The same certificate with its issuer name's length in long form: it parses, and re-encodes, as the
    // cached one; the chain check compares names as written.
    const [tbs, ...rest] = leaf.root.subs;
    const parts = tbs!.subs.map((sub) => Buffer.from(sub.toDER()));
    const issuer = parts[3]!;
    expect(issuer[0]).toBe(0x30);
    expect(issuer[1]! < 128).toBe(true);
    parts[3] = Buffer.concat([Buffer.of(0x30, 0x81), issuer.subarray(1)]);
    const seq = (body: Buffer) => Buffer.concat([Buffer.of(0x30), derLength(body.length), body]);
    const variant = seq(
      Buffer.concat([seq(Buffer.concat(parts)), ...rest.map((r) => Buffer.from(r.toDER()))]),
    );
    const cert = X509Certificate.parse(variant);
    expect(Buffer.from(cert.root.toDER()).equals(Buffer.from(derOf(entity)))).toBe(true);
    const twin: SignedEntity = { ...entity, key: { $case: 'certificate', certificate: cert } };
    const hits = cache.hits;
    const viaCache = outcome(cache.verifier(material, 'root-a', variant), twin, [inside]);
    expect(viaCache).toBe(outcome(new Verifier(material), twin, [inside]));
    expect(cache.hits).toBe(hits); // a miss: verified in full
  });

  it('is bounded: the least recently used chain goes first', async () => {
    const cache = newCache(2);
    const leaves = [
      entity,
      ...(await Promise.all(['b@example.com', 'c@example.com'].map((e) => signOnce(a, e)))),
    ];
    const verify = (e: SignedEntity) => cache.verifier(material, 'root-a', derOf(e)).verify(e);
    for (const e of leaves) for (let i = 0; i < 2; i++) verify(e);
    expect(cache.size).toBe(2);
    verify(leaves[2]!);
    expect(cache.hits).toBe(1);
    verify(leaves[0]!); // evicted: verified in full again
    expect(cache.misses).toBe(7);
  });
});

describe('the conformance suite through one shared cache, in several orders', () => {
  const cases = readdirSync(SUITE)
    .filter((d) => statSync(join(SUITE, d)).isDirectory())
    .sort();
  const home = mkdtempSync(join(tmpdir(), 'aam-chain-cache-home-'));

  /** One case through a SigstoreVerifier: what the fact says (valid, the failing check, the errors). */
  async function run(name: string): Promise<string> {
    const dir = join(SUITE, name);
    const rootFile = join(dir, 'trusted_root.json');
    const verifier = new SigstoreVerifier({
      home,
      ...(existsSync(rootFile) ? { trustedRoot: rootFile } : {}),
    });
    const artifact = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(SUITE, 'a.txt');
    const keys = existsSync(join(dir, 'key.pub')) ? [readFileSync(join(dir, 'key.pub'))] : [];
    const fact = await verifier.verify(
      { path: artifact, checksum: 'sha256:', size: 0 } as never,
      { source: join(dir, 'bundle.sigstore.json'), bytes: readFileSync(join(dir, 'bundle.sigstore.json')) },
      { keys, offline: true },
    );
    return JSON.stringify({ valid: fact.valid, check: fact.check, errors: fact.errors });
  }

  it('every case decides as a fresh verifier does, whatever the cache holds; refusals happen on cached leaves', async () => {
    // Fresh: the cache emptied before every case.
    const fresh = new Map<string, string>();
    for (const name of cases) {
      sharedChainCache()?.clear();
      fresh.set(name, await run(name));
    }
    for (const [name, result] of fresh) expect(JSON.parse(result).valid, name).toBe(!name.endsWith('_fail'));
    const cache = sharedChainCache()!;
    cache.clear();
    const rand = seededRandom(testSeed('chain cache orders', 20261207));
    const shuffled = [...cases].sort(() => rand.next() - 0.5);
    const passing = cases.filter((c) => !c.endsWith('_fail'));
    const failing = cases.filter((c) => c.endsWith('_fail'));
    let refusedOnHit = 0;
    // Valid cases first (their leaves cached), then every refusal; then a seeded random order; twice.
    for (const order of [[...passing, ...failing], shuffled, shuffled]) {
      for (const name of order) {
        const hits = cache.hits;
        const got = await run(name);
        expect(got, name).toBe(fresh.get(name));
        if (cache.hits > hits && name.endsWith('_fail')) refusedOnHit++;
      }
    }
    expect(cache.hits).toBeGreaterThan(0);
    // Cases that reuse a valid case's signer were refused with the chain served from the cache: the per-bundle
    // checks (timestamps inside the leaf's window, signature, log) did it.
    expect(refusedOnHit).toBeGreaterThan(0);
    process.stdout.write(
      `chain cache over the conformance suite: ${cache.hits} hits, ${cache.misses} misses, ` +
        `${refusedOnHit} refusals with the chain from the cache\n`,
    );
  });
});
