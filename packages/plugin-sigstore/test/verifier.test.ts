import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArtifactRef, SignatureDocument } from '@aam/core';
import { keyFingerprint, SigstoreVerifier } from '../src/index.js';
import { createPublicKey } from 'node:crypto';

const FIX = resolve(import.meta.dirname, '../../../test/fixtures/sigstore');
const home = mkdtempSync(join(tmpdir(), 'aam-sigstore-home-'));
const verifier = new SigstoreVerifier({ home });

const artifactOf = (bytes: Uint8Array, checksum?: string): ArtifactRef => ({
  bytes,
  checksum: (checksum ??
    `sha256:${createHash('sha256').update(bytes).digest('hex')}`) as ArtifactRef['checksum'],
  size: bytes.length,
});
const doc = (bytes: Uint8Array | string, source = 'test.sigstore.json'): SignatureDocument => ({
  source,
  bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
});
const fixture = (f: string) => readFileSync(join(FIX, f));
const HELLO = Buffer.from('hello, world!');
const ctx = { keys: [], offline: true };

describe('real public-good bundles, offline against the vendored root', () => {
  it('message signature, Rekor v2 entry and TSA timestamp: valid, with identity, issuer, log and time', async () => {
    const f = await verifier.verify(
      artifactOf(HELLO),
      doc(fixture('sigstorejs-v03-hashedrekordv002.json')),
      ctx,
    );
    expect(f.errors).toEqual([]);
    expect(f).toMatchObject({
      type: 'sigstore',
      valid: true,
      identity: 'brian@dehamer.com',
      issuer: 'https://github.com/login/oauth',
    });
    expect(f.tlog?.url).toMatch(/^https:\/\/log2025-1\.rekor\.sigstore\.dev \(log index \d+\)$/);
    expect(f.signed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('one flipped byte in the artifact is refused by the signature check', async () => {
    const flipped = Buffer.from(HELLO);
    flipped[0] = flipped[0]! ^ 1;
    const f = await verifier.verify(
      artifactOf(flipped),
      doc(fixture('sigstorejs-v03-hashedrekordv002.json')),
      ctx,
    );
    expect(f.valid).toBe(false);
    expect(f.check).toBe('artifact');
    expect(f.errors[0]).toMatch(/signs another artifact/);
  });

  it('a flipped byte with a forged matching digest still fails the signature itself', async () => {
    const json = JSON.parse(fixture('sigstorejs-v03-hashedrekordv002.json').toString()) as {
      messageSignature: { messageDigest: { digest: string } };
    };
    const flipped = Buffer.from(HELLO);
    flipped[1] = flipped[1]! ^ 1;
    json.messageSignature.messageDigest.digest = createHash('sha256').update(flipped).digest('base64');
    const f = await verifier.verify(artifactOf(flipped), doc(JSON.stringify(json)), ctx);
    expect(f.valid).toBe(false);
    expect(['signature', 'transparency-log']).toContain(f.check);
  });

  it('DSSE bundle (Rekor v2 + TSA) with a plain payload binds to exactly that payload', async () => {
    const bundle = fixture('sigstorejs-v03-dsse-rekorv2-tsa.json');
    const ok = await verifier.verify(artifactOf(HELLO), doc(bundle), ctx);
    expect(ok.errors).toEqual([]);
    expect(ok).toMatchObject({ valid: true, identity: 'brian@dehamer.com' });
    const other = await verifier.verify(artifactOf(Buffer.from('hello, world?')), doc(bundle), ctx);
    expect(other).toMatchObject({ valid: false, check: 'artifact' });
    expect(other.errors[0]).toMatch(/is not this artifact/);
  });

  it('npm SLSA provenance (DSSE, Rekor v1, GitHub Actions): sha512 subject of the real tarball, decoded Fulcio claims', async () => {
    const att = JSON.parse(fixture('playwright-cli-0.1.1-attestations.json').toString()) as {
      attestations: { bundle: unknown }[];
    };
    const tarball = fixture('playwright-cli-0.1.1.tgz');
    const f = await verifier.verify(
      artifactOf(tarball),
      doc(JSON.stringify(att.attestations[1]!.bundle)),
      ctx,
    );
    expect(f.errors).toEqual([]);
    expect(f).toMatchObject({
      valid: true,
      identity: 'https://github.com/microsoft/playwright-cli/.github/workflows/publish.yml@refs/tags/v0.1.1',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    expect(f.claims).toMatchObject({
      source_repository_uri: 'https://github.com/microsoft/playwright-cli',
      source_repository_owner_uri: 'https://github.com/microsoft',
      source_repository_ref: 'refs/tags/v0.1.1',
      build_trigger: expect.any(String),
    });
    expect(f.claims?.source_repository_digest).toMatch(/^[0-9a-f]{40}$/);
    expect(f.tlog?.url).toMatch(/^https:\/\/rekor\.sigstore\.dev\/api\/v1\/log\/entries\/[0-9a-f]{64}$/);
    expect(f.tlog?.integrated_time).toMatch(/Z$/);
    // The same bundle refuses a tarball one byte off.
    const bad = Buffer.from(tarball);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    expect(
      (await verifier.verify(artifactOf(bad), doc(JSON.stringify(att.attestations[1]!.bundle)), ctx)).valid,
    ).toBe(false);
  });

  it("npm's publish attestation (bundle v0.2, key-signed) verifies only with npm's registry key given", async () => {
    const att = JSON.parse(fixture('playwright-cli-0.1.1-attestations.json').toString()) as {
      attestations: { bundle: unknown }[];
    };
    const bundle = doc(JSON.stringify(att.attestations[0]!.bundle));
    const tarball = artifactOf(fixture('playwright-cli-0.1.1.tgz'));
    const noKey = await verifier.verify(tarball, bundle, ctx);
    expect(noKey).toMatchObject({ valid: false, check: 'key' });
    expect(noKey.errors[0]).toMatch(/give its PEM public key with --key/);
    const key = fixture('npm-registry-key.pem');
    const withKey = await verifier.verify(tarball, bundle, { keys: [key], offline: true });
    expect(withKey.errors).toEqual([]);
    expect(withKey.valid).toBe(true);
    expect(withKey.fingerprint).toBe(keyFingerprint(createPublicKey(key)));
    expect(withKey.identity).toBeUndefined();
    const { publicKey } = await import('node:crypto').then((c) =>
      c.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    );
    const wrong = await verifier.verify(tarball, bundle, {
      keys: [Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }))],
      offline: true,
    });
    expect(wrong.valid).toBe(false);
  });

  it('a bundle whose only timestamp is from a mock TSA (no tlog entry) is refused by the public-good root', async () => {
    const f = await verifier.verify(artifactOf(HELLO), doc(fixture('sigstorejs-v03-msgsig-cert.json')), ctx);
    expect(f.valid).toBe(false);
    expect(['timestamp', 'certificate', 'transparency-log']).toContain(f.check);
  });
});

describe('refusals with the failing check named', () => {
  const good = fixture('sigstorejs-v03-hashedrekordv002.json').toString();

  it('malformed JSON', async () => {
    const f = await verifier.verify(artifactOf(HELLO), doc('{"mediaType": '), ctx);
    expect(f).toMatchObject({ valid: false, check: 'bundle' });
    expect(f.errors[0]).toMatch(/malformed bundle JSON/);
  });

  it('a bundle version it does not know', async () => {
    const json = JSON.parse(good) as { mediaType: string };
    json.mediaType = 'application/vnd.dev.sigstore.bundle.v0.9+json';
    const f = await verifier.verify(artifactOf(HELLO), doc(JSON.stringify(json)), ctx);
    expect(f).toMatchObject({ valid: false, check: 'bundle' });
    expect(f.errors[0]).toMatch(/unknown bundle version/);
  });

  it('a trusted root missing, unreadable, or with an authority lacking a validity start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-root-'));
    const missing = new SigstoreVerifier({ home, trustedRoot: join(dir, 'nope.json') });
    expect(await missing.verify(artifactOf(HELLO), doc(good), ctx)).toMatchObject({
      valid: false,
      check: 'trusted-root',
    });
    writeFileSync(join(dir, 'bad.json'), '{');
    const bad = new SigstoreVerifier({ home, trustedRoot: join(dir, 'bad.json') });
    expect((await bad.verify(artifactOf(HELLO), doc(good), ctx)).errors[0]).toMatch(/not valid JSON/);
    const root = JSON.parse(
      readFileSync(join(import.meta.dirname, '../trusted-root/public-good.json'), 'utf8'),
    ) as { tlogs: { publicKey: { validFor: Record<string, string> } }[] };
    delete root.tlogs[1]!.publicKey.validFor.start;
    writeFileSync(join(dir, 'nostart.json'), JSON.stringify(root));
    const nostart = new SigstoreVerifier({ home, trustedRoot: join(dir, 'nostart.json') });
    expect((await nostart.verify(artifactOf(HELLO), doc(good), ctx)).errors[0]).toMatch(
      /tlogs\[1\] has no validity start/,
    );
  });

  it('a bundle verified against another deployment root (untrusted root) is refused', async () => {
    const conf = join(FIX, 'conformance/bundle-verify/intoto-with-custom-trust-root/trusted_root.json');
    const other = new SigstoreVerifier({ home, trustedRoot: conf });
    const f = await other.verify(artifactOf(HELLO), doc(good), ctx);
    expect(f.valid).toBe(false);
  });

  it('canVerify recognises bundles by media type, declared type or file name, and nothing else', () => {
    expect(verifier.canVerify(doc(good, 'x.json'))).toBe(true);
    expect(verifier.canVerify({ ...doc('garbage', 'x'), declaredType: 'sigstore' })).toBe(true);
    expect(verifier.canVerify({ ...doc(good, 'x'), declaredType: 'gpg' })).toBe(false);
    expect(verifier.canVerify(doc('-----BEGIN PGP SIGNATURE-----', 'x.asc'))).toBe(false);
    expect(verifier.canVerify(doc('{', 'pkg-1.0.0.aam.sigstore.json'))).toBe(true);
  });
});
