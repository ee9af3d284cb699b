import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArtifactRef, SignatureDocument } from '@aam/core';
import { derUtf8 } from '../src/claims.js';
import { spkiKeyId } from '@aam/core';
import { SigstoreVerifier } from '../src/index.js';

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
    expect(f.tlog).toMatchObject({
      url: 'https://log2025-1.rekor.sigstore.dev',
      log_index: expect.any(Number),
    });
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

  it('a flipped byte with a forged matching digest is refused by the tlog body check (the logged digest)', async () => {
    const json = JSON.parse(fixture('sigstorejs-v03-hashedrekordv002.json').toString()) as {
      messageSignature: { messageDigest: { digest: string } };
    };
    const flipped = Buffer.from(HELLO);
    flipped[1] = flipped[1]! ^ 1;
    json.messageSignature.messageDigest.digest = createHash('sha256').update(flipped).digest('base64');
    const f = await verifier.verify(artifactOf(flipped), doc(JSON.stringify(json)), ctx);
    expect(f).toMatchObject({ valid: false, check: 'transparency-log' });
    expect(f.errors[0]).toMatch(/digest mismatch.*TLOG_BODY_ERROR/);
  });

  it('a DSSE envelope whose payload type was changed passes the subject and tlog body checks, and fails the signature', async () => {
    // The tlog entry (dsse 0.0.2) records the payload digest and the signature, not the payload type; the
    // signature covers PAE(type, payload), so only the signature check itself can catch this.
    const json = JSON.parse(fixture('sigstorejs-v03-dsse-rekorv2-tsa.json').toString()) as {
      dsseEnvelope: { payloadType: string };
    };
    expect(json.dsseEnvelope.payloadType).toBe('text/plain');
    json.dsseEnvelope.payloadType = 'text/x-forged';
    const f = await verifier.verify(artifactOf(HELLO), doc(JSON.stringify(json)), ctx);
    expect(f).toMatchObject({ valid: false, check: 'signature' });
    expect(f.errors[0]).toMatch(/SIGNATURE_ERROR/);
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
    expect(withKey.fingerprint).toBe(spkiKeyId(createPublicKey(key)));
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

type EntryJson = {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime?: string;
  inclusionPromise?: { signedEntryTimestamp: string };
  inclusionProof?: { logIndex: string };
};
type BundleJson = { verificationMaterial: { tlogEntries: EntryJson[] } } & Record<string, unknown>;

/** The fixture as JSON, with its first tlog entry changed by `f`. */
const withEntry = (bundle: Buffer | string, f: (e: EntryJson, j: BundleJson) => void): string => {
  const j = JSON.parse(bundle.toString()) as BundleJson;
  f(j.verificationMaterial.tlogEntries[0]!, j);
  return JSON.stringify(j);
};
const playwrightProvenance = (): string =>
  JSON.stringify(
    (
      JSON.parse(fixture('playwright-cli-0.1.1-attestations.json').toString()) as {
        attestations: { bundle: unknown }[];
      }
    ).attestations[1]!.bundle,
  );

describe('transparency-log facts come only from fields a check covers', () => {
  const v2 = fixture('sigstorejs-v03-hashedrekordv002.json');
  const V2_PROOF_INDEX = 547661;

  it('a Rekor v2 entry (inclusion proof only): log index from the proof, the log from the checkpoint signer, no integrated time', async () => {
    const f = await verifier.verify(artifactOf(HELLO), doc(v2), ctx);
    expect(f.valid).toBe(true);
    expect(f.tlog).toEqual({ log_index: V2_PROOF_INDEX, url: 'https://log2025-1.rekor.sigstore.dev' });
    // The time is the TSA's (the bundle's only verified time).
    expect(f.signed_at).toMatch(/^2025-/);
  });

  it('a forged integratedTime on a proof-only entry is verified by nothing, so it is not reported', async () => {
    const forged = withEntry(v2, (e) => {
      e.integratedTime = '1000000000';
    });
    const f = await verifier.verify(artifactOf(HELLO), doc(forged), ctx);
    const genuine = await verifier.verify(artifactOf(HELLO), doc(v2), ctx);
    expect(f.valid).toBe(true); // the library does not look at it without a SET
    expect(f.tlog?.integrated_time).toBeUndefined();
    expect(JSON.stringify(f)).not.toMatch(/2001-09-09/);
    expect(f.tlog).toEqual(genuine.tlog);
    expect(f.signed_at).toBe(genuine.signed_at);
  });

  it('a forged logIndex or logId on a proof-only entry is verified by nothing, so it is not reported', async () => {
    const index = await verifier.verify(
      artifactOf(HELLO),
      doc(
        withEntry(v2, (e) => {
          e.logIndex = '7';
        }),
      ),
      ctx,
    );
    expect(index.valid).toBe(true);
    expect(index.tlog?.log_index).toBe(V2_PROOF_INDEX);
    // logId names rekor.sigstore.dev (also in the root): the checkpoint was signed by log2025-1's key.
    const logId = await verifier.verify(
      artifactOf(HELLO),
      doc(
        withEntry(v2, (e) => {
          e.logId.keyId = 'wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=';
        }),
      ),
      ctx,
    );
    expect(logId.valid).toBe(true);
    expect(logId.tlog?.url).toBe('https://log2025-1.rekor.sigstore.dev');
  });

  it('a Rekor v1 entry with a SET: integrated time, log index and log come from the SET-signed fields', async () => {
    const f = await verifier.verify(
      artifactOf(fixture('playwright-cli-0.1.1.tgz')),
      doc(playwrightProvenance()),
      ctx,
    );
    expect(f.valid).toBe(true);
    expect(f.tlog).toMatchObject({ log_index: 953297574, integrated_time: '2026-02-14T23:28:43Z' });
    expect(f.tlog?.url).toMatch(/^https:\/\/rekor\.sigstore\.dev\/api\/v1\/log\/entries\/[0-9a-f]{64}$/);
    expect(f.signed_at).toBe('2026-02-14T23:28:43Z');
  });

  it('with a SET, a forged integratedTime or logIndex makes verification fail (the SET signs both)', async () => {
    const tarball = artifactOf(fixture('playwright-cli-0.1.1.tgz'));
    const time = await verifier.verify(
      tarball,
      doc(
        withEntry(playwrightProvenance(), (e) => {
          e.integratedTime = String(Number(e.integratedTime) + 1); // still inside the certificate's validity
        }),
      ),
      ctx,
    );
    expect(time).toMatchObject({ valid: false, check: 'transparency-log' });
    expect(time.errors[0]).toMatch(/TLOG_INCLUSION_PROMISE_ERROR/);
    const index = await verifier.verify(
      tarball,
      doc(
        withEntry(playwrightProvenance(), (e) => {
          e.logIndex = '7';
        }),
      ),
      ctx,
    );
    expect(index).toMatchObject({ valid: false, check: 'transparency-log' });
    expect(index.errors[0]).toMatch(/TLOG_INCLUSION_PROMISE_ERROR/);
    // A time far outside the certificate's validity is caught earlier, by the certificate check.
    const far = await verifier.verify(
      tarball,
      doc(
        withEntry(playwrightProvenance(), (e) => {
          e.integratedTime = '1000000000';
        }),
      ),
      ctx,
    );
    expect(far.valid).toBe(false);
  });

  it('a v1 entry whose SET was removed keeps no verified time (no TSA timestamp either): the library refuses it', async () => {
    const stripped = withEntry(playwrightProvenance(), (e) => {
      delete e.inclusionPromise;
      e.integratedTime = '1771111723';
    });
    const f = await verifier.verify(artifactOf(fixture('playwright-cli-0.1.1.tgz')), doc(stripped), ctx);
    expect(f).toMatchObject({ valid: false, check: 'timestamp' });
  });
});

describe('the artifact digest is computed here, never taken from the caller', () => {
  it('a message signature: bytes that differ from the signed ones are refused even if the checksum claims otherwise', async () => {
    const flipped = Buffer.from(HELLO);
    flipped[0] = flipped[0]! ^ 1;
    const lying = artifactOf(flipped, `sha256:${createHash('sha256').update(HELLO).digest('hex')}`);
    const f = await verifier.verify(lying, doc(fixture('sigstorejs-v03-hashedrekordv002.json')), ctx);
    expect(f).toMatchObject({ valid: false, check: 'artifact' });
    expect(f.errors[0]).toMatch(/signs another artifact/);
  });

  it('a DSSE bundle (whose only binding is the payload check): other bytes are refused whatever the checksum says', async () => {
    const lying = artifactOf(
      Buffer.from('hello, world?'),
      `sha256:${createHash('sha256').update(HELLO).digest('hex')}`,
    );
    const f = await verifier.verify(lying, doc(fixture('sigstorejs-v03-dsse-rekorv2-tsa.json')), ctx);
    expect(f).toMatchObject({ valid: false, check: 'artifact' });
  });

  it('a correct artifact with a wrong caller checksum still verifies (the checksum is not used)', async () => {
    const f = await verifier.verify(
      artifactOf(HELLO, `sha256:${'0'.repeat(64)}`),
      doc(fixture('sigstorejs-v03-hashedrekordv002.json')),
      ctx,
    );
    expect(f.errors).toEqual([]);
    expect(f.valid).toBe(true);
  });

  it('a digest relabelled as SHA2_384 is not the SHA-384 of the artifact: refused by the artifact check', async () => {
    const json = JSON.parse(fixture('sigstorejs-v03-hashedrekordv002.json').toString()) as {
      messageSignature: { messageDigest: { algorithm: string } };
    };
    json.messageSignature.messageDigest.algorithm = 'SHA2_384';
    const f = await verifier.verify(artifactOf(HELLO), doc(JSON.stringify(json)), ctx);
    expect(f).toMatchObject({ valid: false, check: 'artifact' });
    expect(f.errors[0]).toMatch(/sha384/);
  });
});

describe('DSSE in-toto statements: the subject check refuses what does not name the artifact', () => {
  const tarball = fixture('playwright-cli-0.1.1.tgz');
  const withPayload = (payload: Buffer | ((statement: Record<string, unknown>) => void)): string => {
    const j = JSON.parse(playwrightProvenance()) as {
      dsseEnvelope: { payload: string; payloadType: string };
    };
    expect(j.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    if (Buffer.isBuffer(payload)) j.dsseEnvelope.payload = payload.toString('base64');
    else {
      const statement = JSON.parse(Buffer.from(j.dsseEnvelope.payload, 'base64').toString()) as Record<
        string,
        unknown
      >;
      payload(statement);
      j.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    }
    return JSON.stringify(j);
  };

  it.each([
    [
      'an unknown statement _type',
      withPayload((s) => {
        s._type = 'https://in-toto.io/Statement/v9';
      }),
      /artifact: unknown in-toto statement type "https:\/\/in-toto\.io\/Statement\/v9"/,
    ],
    [
      'an empty subject list',
      withPayload((s) => {
        s.subject = [];
      }),
      /artifact: the in-toto statement names no subject/,
    ],
    [
      'a payload that is not JSON',
      withPayload(Buffer.from('{"_type": "https://in-toto.io/Statement/v1", ')),
      /artifact: the DSSE payload is not valid JSON/,
    ],
  ])('%s', async (_name, bundle, message) => {
    const f = await verifier.verify(artifactOf(tarball), doc(bundle), ctx);
    expect(f).toMatchObject({ valid: false, check: 'artifact' });
    expect(f.errors[0]).toMatch(message);
  });

  it('a genuine statement whose subjects do not name this artifact', async () => {
    const f = await verifier.verify(
      artifactOf(Buffer.from('not the tarball')),
      doc(playwrightProvenance()),
      ctx,
    );
    expect(f).toMatchObject({ valid: false, check: 'artifact' });
    expect(f.errors[0]).toMatch(/no in-toto subject digest \(sha256 or sha512\) matches the artifact/);
  });

  it('control: an edited statement that still names the artifact gets past the subject check to the signature', async () => {
    const f = await verifier.verify(
      artifactOf(tarball),
      doc(
        withPayload((s) => {
          s.predicate = {};
        }),
      ),
      ctx,
    );
    expect(f.valid).toBe(false);
    expect(f.check).not.toBe('artifact');
  });
});

describe('hashedrekord-over-DSSE (Rekor v2) digest acceptance is scoped to such entries', () => {
  const CASE = join(FIX, 'conformance/bundle-verify/rekor2-dsse-happy-path');
  const staging = new SigstoreVerifier({ home, trustedRoot: join(CASE, 'trusted_root.json') });
  const artifact = () => artifactOf(readFileSync(join(FIX, 'conformance/bundle-verify/a.txt')));
  const bundle = readFileSync(join(CASE, 'bundle.sigstore.json'));

  it('a bundle whose every entry is hashedrekord 0.0.2 accepts the PAE digest', async () => {
    const f = await staging.verify(artifact(), doc(bundle), ctx);
    expect(f.errors).toEqual([]);
    expect(f.valid).toBe(true);
  });

  it('with another kind of entry beside it, the hashedrekord 0.0.2 entry must match the payload digest like any other', async () => {
    const mixed = withEntry(bundle, (e, j) => {
      j.verificationMaterial.tlogEntries.push({ ...e, kindVersion: { kind: 'dsse', version: '0.0.2' } });
    });
    const f = await staging.verify(artifact(), doc(mixed), ctx);
    expect(f).toMatchObject({ valid: false, check: 'transparency-log' });
    // Refused at the first (hashedrekord) entry's digest, not later at the second entry.
    expect(f.errors[0]).toMatch(/digest mismatch.*TLOG_BODY_ERROR/);
  });
});

describe('--key PEM keys', () => {
  const att = () =>
    (
      JSON.parse(fixture('playwright-cli-0.1.1-attestations.json').toString()) as {
        attestations: { bundle: unknown }[];
      }
    ).attestations[0]!.bundle;
  const BROKEN = Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAAnotakey\n-----END PUBLIC KEY-----\n');

  it('an unparsable PEM public key is reported as such, not as a missing key', async () => {
    const f = await verifier.verify(
      artifactOf(fixture('playwright-cli-0.1.1.tgz')),
      doc(JSON.stringify(att())),
      { keys: [BROKEN], offline: true },
    );
    expect(f).toMatchObject({ valid: false, check: 'key' });
    expect(f.errors).toEqual(['key: cannot parse the PEM public key given with --key']);
  });

  it('an unparsable key beside a wrong one: both are reported', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const wrong = Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }));
    const f = await verifier.verify(
      artifactOf(fixture('playwright-cli-0.1.1.tgz')),
      doc(JSON.stringify(att())),
      { keys: [BROKEN, wrong], offline: true },
    );
    expect(f).toMatchObject({ valid: false, check: 'key' });
    expect(f.errors[0]).toMatch(
      /^key: cannot parse the PEM public key given with --key \(the other key given fails: signature: /,
    );
  });

  it('an unparsable key beside the right one does not stop verification', async () => {
    const f = await verifier.verify(
      artifactOf(fixture('playwright-cli-0.1.1.tgz')),
      doc(JSON.stringify(att())),
      { keys: [BROKEN, fixture('npm-registry-key.pem')], offline: true },
    );
    expect(f.errors).toEqual([]);
    expect(f.valid).toBe(true);
  });
});

describe('derUtf8 (Fulcio v2 extension values)', () => {
  const utf8 = (s: string | Buffer, lengthBytes?: number[]): Buffer => {
    const body = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x0c, ...(lengthBytes ?? [body.length])]), body]);
  };

  it('reads short and long (minimal) definite lengths', () => {
    expect(derUtf8(utf8('https://github.com/login/oauth'))).toBe('https://github.com/login/oauth');
    expect(derUtf8(utf8(''))).toBe('');
    expect(derUtf8(utf8('é✓'))).toBe('é✓');
    const long = 'x'.repeat(200);
    expect(derUtf8(utf8(long, [0x81, 200]))).toBe(long);
    const longer = 'y'.repeat(300);
    expect(derUtf8(utf8(longer, [0x82, 0x01, 0x2c]))).toBe(longer);
  });

  it.each([
    ['another tag (PrintableString)', Buffer.from([0x13, 0x02, 0x61, 0x62])],
    ['another tag (OCTET STRING)', Buffer.from([0x04, 0x02, 0x61, 0x62])],
    ['too short', Buffer.from([0x0c])],
    ['trailing bytes', Buffer.from([0x0c, 0x01, 0x61, 0x62])],
    ['a length past the end', Buffer.from([0x0c, 0x05, 0x61])],
    ['a long-form length cut short', Buffer.from([0x0c, 0x82, 0x01])],
    ['a long-form length past the end', Buffer.from([0x0c, 0x81, 0xc8, 0x61])],
    ['the indefinite length', Buffer.from([0x0c, 0x80, 0x61, 0x00, 0x00])],
    ['a long form for a short length (non-minimal)', Buffer.from([0x0c, 0x81, 0x02, 0x61, 0x62])],
    [
      'a long form with a leading zero byte (non-minimal)',
      Buffer.concat([Buffer.from([0x0c, 0x82, 0x00, 0xc8]), Buffer.alloc(200, 0x61)]),
    ],
    ['a length of more than 3 bytes', Buffer.from([0x0c, 0x84, 0, 0, 0, 1, 0x61])],
    ['invalid UTF-8', Buffer.from([0x0c, 0x02, 0xc3, 0x28])],
    ['a lone continuation byte', Buffer.from([0x0c, 0x01, 0x80])],
  ])('refuses %s', (_name, bytes) => {
    expect(derUtf8(bytes)).toBeUndefined();
  });
});
