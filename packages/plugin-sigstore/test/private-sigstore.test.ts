import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  bundleToJSON,
  type BundleWithMessageSignature,
} from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  TSAWitness,
  type Witness,
} from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeIdentityToken,
  startPrivateSigstore,
  type PrivateSigstore,
} from '../../../test/support/private-sigstore.js';
import { checkTrustedRootJson } from '../src/trusted-root.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PUBLIC_GOOD = join(HERE, '..', 'trusted-root', 'public-good.json');
const DATA = Buffer.from('hello, world!');
const BUNDLE_V02 = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const OID_SOURCE_REPO_OWNER_URI = '1.3.6.1.4.1.57264.1.16';

const EMAIL_CLAIMS = {
  sub: 'alice@example.com',
  email: 'alice@example.com',
  email_verified: true,
  iss: 'https://accounts.example.com',
};

type BundleJSON = ReturnType<typeof bundleToJSON>;

/**
 * `MessageSignatureBundleBuilder` (@sigstore/sign 4.1.0) always packages the Fulcio chain, which makes a
 * v0.2 bundle. A v0.3 bundle carries the leaf alone; the Rekor entry and the timestamp cover the signature,
 * not the certificate, so swapping the key material after the witnesses ran is sound.
 */
function asV03(bundle: BundleWithMessageSignature): BundleWithMessageSignature {
  const content = bundle.verificationMaterial.content;
  if (content.$case !== 'x509CertificateChain') return bundle;
  const leaf = content.x509CertificateChain.certificates[0];
  if (!leaf) throw new Error('Fulcio returned an empty chain');
  return {
    ...bundle,
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      ...bundle.verificationMaterial,
      content: { $case: 'certificate', certificate: leaf },
    },
  };
}

/** Through text, as a bundle file would go. */
const roundTrip = (bundle: BundleWithMessageSignature): BundleJSON =>
  JSON.parse(JSON.stringify(bundleToJSON(bundle))) as BundleJSON;

async function sign(
  s: PrivateSigstore,
  token: string,
  tsa: boolean,
): Promise<{ json: BundleJSON; raw: BundleJSON; ms: number }> {
  const t0 = performance.now();
  const witnesses: Witness[] = [new RekorWitness({ rekorBaseURL: s.url })];
  if (tsa) witnesses.push(new TSAWitness({ tsaBaseURL: s.url }));
  const builder = new MessageSignatureBundleBuilder({
    signer: new FulcioSigner({ fulcioBaseURL: s.url, identityProvider: { getToken: async () => token } }),
    witnesses,
  });
  const bundle = await builder.create({ data: DATA });
  const ms = performance.now() - t0;
  return { json: roundTrip(asV03(bundle)), raw: roundTrip(bundle), ms };
}

function verifyWith(root: object, json: unknown) {
  const material = toTrustMaterial(TrustedRoot.fromJSON(root));
  return new Verifier(material).verify(toSignedEntity(bundleFromJSON(json), DATA));
}

function leafOf(json: BundleJSON): X509Certificate {
  const raw = json.verificationMaterial.certificate?.rawBytes;
  if (!raw) throw new Error('bundle carries no leaf certificate');
  return X509Certificate.parse(Buffer.from(raw, 'base64'));
}

/**
 * A Fulcio v2 extension: a DER UTF8String inside the extension's OCTET STRING. `valueObj` is the OCTET
 * STRING itself (tag 4); @sigstore/core parses the UTF8String (tag 12) into its `subs[0]`.
 */
function extensionText(cert: X509Certificate, oid: string): string | undefined {
  const inner = cert.extension(oid)?.valueObj.subs[0];
  return inner?.tag.number === 12 ? inner.value.toString('utf8') : undefined;
}

describe('private Sigstore deployment (with TSA)', () => {
  let s: PrivateSigstore;
  beforeAll(async () => {
    s = await startPrivateSigstore();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('serves on loopback and publishes a trusted root the plugin accepts', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(() => checkTrustedRootJson(s.trustedRoot, 'private root')).not.toThrow();
    const dir = await mkdtemp(join(tmpdir(), 'aam-private-sigstore-'));
    try {
      const file = join(dir, 'trusted_root.json');
      await s.writeTrustedRoot(file);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(s.trustedRoot);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const res = await fetch(`${s.url}/nope`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });

  it('signs through Fulcio, Rekor and the TSA, and the bundle verifies offline', async () => {
    const before = { ...s.requests };
    const { json, raw, ms } = await sign(s, makeIdentityToken(EMAIL_CLAIMS), true);
    expect(s.requests).toEqual({
      fulcio: before.fulcio + 1,
      rekor: before.rekor + 1,
      tsa: before.tsa + 1,
    });
    expect(json.mediaType).toBe(BUNDLE_V03);
    expect(json.verificationMaterial.certificate?.rawBytes).toBeTruthy();
    // What the builder itself emits: v0.2, with the chain. It verifies just the same.
    expect(raw.mediaType).toBe(BUNDLE_V02);
    expect(verifyWith(s.trustedRoot, raw).identity?.subjectAlternativeName).toBe('alice@example.com');

    const entry = json.verificationMaterial.tlogEntries[0];
    expect(entry).toBeDefined();
    expect(entry?.kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.1' });
    expect(entry?.inclusionProof ?? entry?.inclusionPromise).toBeDefined();
    expect(json.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);

    const signer = verifyWith(s.trustedRoot, json);
    expect(signer.identity?.subjectAlternativeName).toBe('alice@example.com');
    expect(signer.identity?.extensions?.issuer).toBe('https://accounts.example.com');
    // The same, as a verification policy.
    expect(() =>
      new Verifier(toTrustMaterial(TrustedRoot.fromJSON(s.trustedRoot))).verify(
        toSignedEntity(bundleFromJSON(json), DATA),
        {
          subjectAlternativeName: 'alice@example.com',
          extensions: { issuer: 'https://accounts.example.com' },
        },
      ),
    ).not.toThrow();

    // Other bytes do not verify.
    expect(() =>
      new Verifier(toTrustMaterial(TrustedRoot.fromJSON(s.trustedRoot))).verify(
        toSignedEntity(bundleFromJSON(json), Buffer.from('hello, world?')),
      ),
    ).toThrow();
    // Nor does the public-good root know this CA, log or TSA.
    const publicGood = JSON.parse(await readFile(PUBLIC_GOOD, 'utf8')) as object;
    expect(() => verifyWith(publicGood, json)).toThrow();

    // eslint-disable-next-line no-console -- timing for the report
    console.info(`private-sigstore: one sign (Fulcio+Rekor+TSA) took ${ms.toFixed(0)} ms`);
  });

  it('checks the inclusion proof (checkpoint and Merkle path) and the inclusion promise', async () => {
    const { json } = await sign(s, makeIdentityToken(EMAIL_CLAIMS), true);
    const entry = json.verificationMaterial.tlogEntries[0];
    // The checkpoint names the log by host:port; the verifier matches that against the root's baseUrl.
    expect(entry?.inclusionProof?.checkpoint?.envelope).toContain(`\u2014 ${new URL(s.url).host} `);
    expect(entry?.inclusionPromise?.signedEntryTimestamp).toBeTruthy();

    // Without the promise, inclusion rests on the proof alone (and the time on the TSA).
    const proofOnly = structuredClone(json);
    delete proofOnly.verificationMaterial.tlogEntries[0]!.inclusionPromise;
    expect(() => verifyWith(s.trustedRoot, proofOnly)).not.toThrow();

    // A checkpoint whose root hash was changed no longer carries a valid signature.
    const badCheckpoint = structuredClone(proofOnly);
    const proof = badCheckpoint.verificationMaterial.tlogEntries[0]!.inclusionProof!;
    const zero = Buffer.alloc(32).toString('base64');
    const lines = proof.checkpoint.envelope.split('\n');
    lines[2] = zero;
    proof.checkpoint.envelope = lines.join('\n');
    proof.rootHash = zero;
    expect(() => verifyWith(s.trustedRoot, badCheckpoint)).toThrow(/checkpoint signature/);

    // A forged promise is caught.
    const badPromise = structuredClone(json);
    const set = Buffer.from(
      badPromise.verificationMaterial.tlogEntries[0]!.inclusionPromise!.signedEntryTimestamp,
      'base64',
    );
    set[set.length - 1]! ^= 1;
    badPromise.verificationMaterial.tlogEntries[0]!.inclusionPromise!.signedEntryTimestamp =
      set.toString('base64');
    expect(() => verifyWith(s.trustedRoot, badPromise)).toThrow(/inclusion promise/);
  });

  it('puts GitHub Actions claims into Fulcio extensions', async () => {
    const workflow = 'https://github.com/sigstore/cosign/.github/workflows/release.yml@refs/tags/v2.0.0';
    const token = makeIdentityToken({
      sub: workflow,
      iss: 'https://token.actions.githubusercontent.com',
      repository: 'sigstore/cosign',
      repository_owner: 'sigstore',
      ref: 'refs/tags/v2.0.0',
      sha: 'a'.repeat(40),
      event_name: 'push',
    });
    const { json } = await sign(s, token, true);
    const signer = verifyWith(s.trustedRoot, json);
    expect(signer.identity?.subjectAlternativeName).toBe(workflow);
    expect(signer.identity?.extensions?.issuer).toBe('https://token.actions.githubusercontent.com');
    const leaf = leafOf(json);
    expect(extensionText(leaf, OID_SOURCE_REPO_OWNER_URI)).toBe('https://github.com/sigstore');
    expect(extensionText(leaf, '1.3.6.1.4.1.57264.1.12')).toBe('https://github.com/sigstore/cosign');
    expect(extensionText(leaf, '1.3.6.1.4.1.57264.1.14')).toBe('refs/tags/v2.0.0');
  });

  it('refuses an unverified email, as Fulcio does', async () => {
    const before = s.requests.fulcio;
    const res = await fetch(`${s.url}/api/v2/signingCert`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        credentials: { oidcIdentityToken: makeIdentityToken({ ...EMAIL_CLAIMS, email_verified: false }) },
        publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: 'unused' }, proofOfPossession: '' },
      }),
    });
    expect(res.status).toBe(400);
    expect(s.requests.fulcio).toBe(before + 1);
  });

  it('signs repeatedly without flaking (fixed whole-second clock)', async () => {
    for (let i = 0; i < 5; i++) {
      const { json } = await sign(s, makeIdentityToken(EMAIL_CLAIMS), true);
      expect(() => verifyWith(s.trustedRoot, json)).not.toThrow();
    }
  });
});

describe('private Sigstore deployment (no TSA)', () => {
  let s: PrivateSigstore;
  beforeAll(async () => {
    s = await startPrivateSigstore({ tsa: false });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('has no TSA endpoint and no TSA in its root, and still verifies through Rekor', async () => {
    expect((s.trustedRoot as { timestampAuthorities: unknown[] }).timestampAuthorities).toEqual([]);
    const res = await fetch(`${s.url}/api/v1/timestamp`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    const { json } = await sign(s, makeIdentityToken(EMAIL_CLAIMS), false);
    expect(json.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).toHaveLength(0);
    expect(s.requests).toEqual({ fulcio: 1, rekor: 1, tsa: 0 });
    expect(verifyWith(s.trustedRoot, json).identity?.subjectAlternativeName).toBe('alice@example.com');
  });

  it('issues certificates directly from its CA', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = await s.ca.issueCertificate({
      publicKey: publicKey.export({ format: 'der', type: 'spki' }),
      subjectAltName: 'mallory@example.com',
      extensions: [{ oid: '1.3.6.1.4.1.57264.1.8', value: 'https://issuer.example' }],
    });
    const cert = X509Certificate.parse(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
    expect(cert.subjectAltName).toBe('mallory@example.com');
    expect(extensionText(cert, '1.3.6.1.4.1.57264.1.8')).toBe('https://issuer.example');
  });
});
