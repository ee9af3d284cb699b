import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpgSigner, GpgVerifier, type GpgEnvelope } from '../src/index.js';
import { artifactOf, ctxWith, makeGnupgHome, sigDoc, type GnupgHome } from './support/gnupg.js';

const verifier = new GpgVerifier();
const signer = new GpgSigner();

const DATA = new TextEncoder().encode(
  'AAM archive bytes \u0000\u0001\u0002 -- pretend this is a tar.gz\n'.repeat(64),
);
const OTHER = new TextEncoder().encode('a different archive\n');

const RSA_UID = 'RSA Signer <rsa@example.test>';
const ED_UID = 'Ed Signer <ed@example.test>';
const SUB_UID = 'Subkey Signer <sub@example.test>';

let home: GnupgHome;
let work: string;
let rsa: string;
let ed: string;
let certOnly: string;
let signingSub: string;

/** `gpg --detach-sign` of `data` by exactly the key `fpr` (the `!` stops gpg from choosing another subkey). */
function gpgDetachSign(fpr: string, data: Uint8Array, armor: boolean): Uint8Array {
  const input = join(work, 'data.bin');
  const output = join(work, armor ? 'data.bin.asc' : 'data.bin.sig');
  writeFileSync(input, data);
  home.gpgOk([
    '--yes',
    '--local-user',
    `${fpr}!`,
    ...(armor ? ['--armor'] : []),
    '--output',
    output,
    '--detach-sign',
    input,
  ]);
  return new Uint8Array(readFileSync(output));
}

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

const keyIdOf = (fpr: string): string => fpr.slice(-16);

/** A fresh OpenPGP.js key (Ed25519, v4: what GnuPG 2.2 reads). */
async function jsKey(opts: { date?: Date; keyExpirationTime?: number; passphrase?: string } = {}) {
  return openpgp.generateKey({
    userIDs: [{ name: 'JS Signer', email: 'js@example.test' }],
    format: 'object',
    ...opts,
  });
}

async function jsSign(key: openpgp.PrivateKey, data: Uint8Array, date?: Date): Promise<string> {
  return (await openpgp.sign({
    message: await openpgp.createMessage({ binary: data }),
    signingKeys: key,
    detached: true,
    format: 'armored',
    ...(date ? { date } : {}),
  })) as string;
}

const ago = (ms: number): Date => new Date(Math.floor((Date.now() - ms) / 1000) * 1000);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

beforeAll(() => {
  home = makeGnupgHome();
  work = mkdtempSync(join(tmpdir(), 'aam-gpg-work-'));
  // Generated first, so it is GnuPG's default signing key ("the first key found in the secret keyring").
  rsa = home.genKey(RSA_UID, 'rsa3072', 'sign');
  ed = home.genKey(ED_UID, 'ed25519', 'sign');
  certOnly = home.genKey(SUB_UID, 'ed25519', 'cert');
  signingSub = home.addSubkey(certOnly, 'ed25519', 'sign');
});

afterAll(() => {
  home?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('GpgVerifier accepts what real GnuPG signs', () => {
  it('verifies an armored detached signature from gpg with an RSA 3072 key given via --key', async () => {
    const fact = await verifier.verify(
      artifactOf(DATA),
      sigDoc(gpgDetachSign(rsa, DATA, true)),
      ctxWith(home.exportPublic(rsa)),
    );
    expect(fact.errors).toEqual([]);
    expect(fact.valid).toBe(true);
    expect(fact.type).toBe('gpg');
    expect(fact.fingerprint).toBe(home.fingerprints(rsa).primary);
    expect(fact.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(fact.user_ids).toContain(RSA_UID);
    expect(fact.claims?.signing_key).toBe(rsa);
    expect(Math.abs(Date.parse(fact.signed_at!) - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('verifies an armored detached signature from gpg with an Ed25519 key', async () => {
    const fact = await verifier.verify(
      artifactOf(DATA),
      sigDoc(gpgDetachSign(ed, DATA, true)),
      ctxWith(home.exportPublic(ed)),
    );
    expect(fact.errors).toEqual([]);
    expect(fact.valid).toBe(true);
    expect(fact.fingerprint).toBe(home.fingerprints(ed).primary);
    expect(fact.user_ids).toContain(ED_UID);
  });

  it('reports the primary fingerprint and the signing subkey when a subkey signed', async () => {
    expect(home.fingerprints(certOnly).subkeys).toEqual([signingSub]);
    const fact = await verifier.verify(
      artifactOf(DATA),
      sigDoc(gpgDetachSign(signingSub, DATA, true)),
      ctxWith(home.exportPublic(certOnly)),
    );
    expect(fact.errors).toEqual([]);
    expect(fact.valid).toBe(true);
    expect(fact.fingerprint).toBe(certOnly);
    expect(fact.claims?.signing_key).toBe(signingSub);
    expect(fact.user_ids).toContain(SUB_UID);
  });

  it.each([
    ['RSA 3072', () => rsa],
    ['Ed25519', () => ed],
  ])('verifies a binary (non-armored) detached signature from gpg (%s)', async (_name, fpr) => {
    const sig = gpgDetachSign(fpr(), DATA, false);
    expect((sig[0]! & 0xfc) === 0x88 || sig[0] === 0xc2).toBe(true);
    const doc = sigDoc(sig, 'pkg-1.0.0.aam.sig');
    expect(verifier.canVerify(doc)).toBe(true);
    const fact = await verifier.verify(artifactOf(DATA), doc, ctxWith(home.exportPublic(fpr())));
    expect(fact.errors).toEqual([]);
    expect(fact.valid).toBe(true);
    expect(fact.fingerprint).toBe(fpr());
  });
});

describe('GpgSigner output interoperates', () => {
  it('signs with the gpg CLI default key into an envelope that verifies with no extra keys', async () => {
    const doc = await signer.sign(artifactOf(DATA), { env: home.env });
    const envelope = JSON.parse(new TextDecoder().decode(doc.bytes)) as GpgEnvelope;
    expect(envelope.type).toBe('gpg');
    expect(envelope.fingerprint).toBe(rsa);
    expect(envelope.signature).toContain('-----BEGIN PGP SIGNATURE-----');
    expect(envelope.public_key).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    expect(envelope.public_key).not.toContain('PRIVATE KEY');
    expect(verifier.canVerify(doc)).toBe(true);
    const fact = await verifier.verify(artifactOf(DATA), doc, ctxWith());
    expect(fact.errors).toEqual([]);
    expect(fact.valid).toBe(true);
    expect(fact.fingerprint).toBe(rsa);
    expect(fact.user_ids).toContain(RSA_UID);
  });

  it('signs with the gpg CLI key named by gpgKey (a cert-only primary: gpg uses its signing subkey)', async () => {
    const doc = await signer.sign(artifactOf(DATA), { env: home.env, gpgKey: certOnly });
    const envelope = JSON.parse(new TextDecoder().decode(doc.bytes)) as GpgEnvelope;
    expect(envelope.fingerprint).toBe(certOnly);
    const fact = await verifier.verify(artifactOf(DATA), doc, ctxWith());
    expect(fact.errors).toEqual([]);
    expect(fact.valid).toBe(true);
    expect(fact.fingerprint).toBe(certOnly);
    expect(fact.claims?.signing_key).toBe(signingSub);

    const byEd = await signer.sign(artifactOf(DATA), { env: home.env, gpgKey: ed });
    expect((JSON.parse(new TextDecoder().decode(byEd.bytes)) as GpgEnvelope).fingerprint).toBe(ed);
    expect((await verifier.verify(artifactOf(DATA), byEd, ctxWith())).valid).toBe(true);
  });

  it('signs with OpenPGP.js from AAM_GPG_KEY_FILE (passphrase-protected) and real gpg --verify accepts it', async () => {
    const passphrase = 'correct horse battery staple';
    const { privateKey } = await openpgp.generateKey({
      userIDs: [{ name: 'CI Signer', email: 'ci@example.test' }],
      passphrase,
      format: 'armored',
    });
    const keyFile = join(work, 'ci-key.asc');
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
    const doc = await signer.sign(artifactOf(DATA), {
      env: { AAM_GPG_KEY_FILE: keyFile, AAM_GPG_PASSPHRASE: passphrase },
    });
    const envelope = JSON.parse(new TextDecoder().decode(doc.bytes)) as GpgEnvelope;
    expect(envelope.public_key).not.toContain('PRIVATE KEY');

    const fresh = makeGnupgHome('aam-gpg-verify-');
    try {
      fresh.gpgOk(['--import'], envelope.public_key);
      expect(fresh.fingerprints('ci@example.test').primary).toBe(envelope.fingerprint);
      const sigFile = join(fresh.dir, 'pkg.asc');
      const dataFile = join(fresh.dir, 'pkg.aam');
      writeFileSync(sigFile, envelope.signature);
      writeFileSync(dataFile, DATA);
      const good = fresh.gpg(['--verify', sigFile, dataFile]);
      expect(good.stderr).toContain('Good signature from "CI Signer <ci@example.test>"');
      expect(good.status).toBe(0);
      // And gpg is really checking: the same signature over other bytes is refused.
      writeFileSync(dataFile, OTHER);
      const bad = fresh.gpg(['--verify', sigFile, dataFile]);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain('BAD signature');
    } finally {
      fresh.dispose();
    }
    const fact = await verifier.verify(artifactOf(DATA), doc, ctxWith());
    expect(fact.valid).toBe(true);
    expect(fact.fingerprint).toBe(envelope.fingerprint);
  });
});

describe('GpgSigner with a key file picks keys as gpg --local-user would', () => {
  it('accepts the fingerprint, the key ID with 0x, or the e-mail; refuses a one-digit suffix and another key', async () => {
    const { privateKey } = await openpgp.generateKey({
      userIDs: [{ name: 'KF', email: 'kf@example.test' }],
      format: 'armored',
    });
    const file = join(work, 'kf.asc');
    writeFileSync(file, privateKey);
    const fpr = (await openpgp.readPrivateKey({ armoredKey: privateKey })).getFingerprint().toUpperCase();
    const env = { ...home.env, AAM_GPG_KEY_FILE: file };
    for (const gpgKey of [fpr, `0x${fpr.slice(-16)}`, 'kf@example.test']) {
      const doc = await signer.sign(artifactOf(DATA), { env, gpgKey });
      expect((await verifier.verify(artifactOf(DATA), doc, ctxWith())).valid).toBe(true);
    }
    for (const gpgKey of [fpr.slice(-1), 'someone@else.test', 'F'.repeat(40)]) {
      await expect(signer.sign(artifactOf(DATA), { env, gpgKey })).rejects.toThrow(
        /AAM_GPG_KEY_FILE holds key/,
      );
    }
  });

  it('an unknown --gpg-key with a large artifact is a clean error from gpg, not a crash', async () => {
    const big = new Uint8Array(8 * 1024 * 1024);
    await expect(
      signer.sign(artifactOf(big), { env: home.env, gpgKey: 'nobody@nowhere.test' }),
    ).rejects.toMatchObject({
      code: 'SIGNING_FAILED',
    });
  });
});

describe('GpgVerifier refuses', () => {
  it('a signature when one byte of the artifact is flipped', async () => {
    const sig = gpgDetachSign(rsa, DATA, true);
    const fact = await verifier.verify(
      artifactOf(flip(DATA, 100)),
      sigDoc(sig),
      ctxWith(home.exportPublic(rsa)),
    );
    expect(fact.valid).toBe(false);
    expect(fact.errors.join('\n')).toMatch(/digest did not match/i);
    expect(fact.fingerprint).toBe(rsa);
  });

  it('a signature made over another artifact', async () => {
    const sig = gpgDetachSign(ed, OTHER, true);
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(home.exportPublic(ed)));
    expect(fact.valid).toBe(false);
    expect(fact.errors.join('\n')).toMatch(/digest did not match/i);
  });

  it('garbage bytes and a truncated armored signature, without throwing', async () => {
    const keys = ctxWith(home.exportPublic(rsa));
    // Looks like a binary signature packet (old-format tag 2), then nonsense.
    const garbage = new Uint8Array([
      0x89,
      ...new TextEncoder().encode('this is not an OpenPGP packet at all'),
    ]);
    expect(verifier.canVerify(sigDoc(garbage))).toBe(true);
    const g = await verifier.verify(artifactOf(DATA), sigDoc(garbage), keys);
    expect(g.valid).toBe(false);
    expect(g.errors.join('\n')).toMatch(/unreadable signature/);

    const noise = new Uint8Array(256).map((_, i) => (i * 37 + 11) & 0x7f);
    const n = await verifier.verify(artifactOf(DATA), sigDoc(noise), keys);
    expect(n.valid).toBe(false);
    expect(n.errors.join('\n')).toMatch(/not an OpenPGP signature/);

    const armored = new TextDecoder().decode(gpgDetachSign(rsa, DATA, true));
    const truncated = armored.slice(0, Math.floor(armored.length / 2));
    const t = await verifier.verify(artifactOf(DATA), sigDoc(truncated), keys);
    expect(t.valid).toBe(false);
    expect(t.errors.join('\n')).toMatch(/unreadable signature/);

    const binary = gpgDetachSign(rsa, DATA, false);
    const cut = await verifier.verify(artifactOf(DATA), sigDoc(binary.subarray(0, 40), 'x.sig'), keys);
    expect(cut.valid).toBe(false);
    expect(cut.errors.join('\n')).toMatch(/unreadable signature/);
  });

  it('a signature whose signing key is not available, naming the key id', async () => {
    const sig = gpgDetachSign(rsa, DATA, true);
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(home.exportPublic(ed)));
    expect(fact.valid).toBe(false);
    expect(fact.errors.join('\n')).toContain(`no public key for signing key ${keyIdOf(rsa)}`);
    expect(fact.fingerprint).toBeUndefined();

    const none = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith());
    expect(none.valid).toBe(false);
    expect(none.errors.join('\n')).toContain(keyIdOf(rsa));
  });

  it('a signature made while the key was valid when the key has expired since', async () => {
    const created = ago(2 * DAY);
    const { privateKey, publicKey } = await jsKey({ date: created, keyExpirationTime: 3600 });
    const signedAt = new Date(created.getTime() + 10 * 60_000);
    const sig = await jsSign(privateKey, DATA, signedAt);
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(publicKey.armor()));
    expect(fact.valid).toBe(false);
    const fpr = publicKey.getFingerprint().toUpperCase();
    // Only the "expired now" rule refuses it: the signature itself was made inside the validity window.
    expect(fact.errors).toEqual([
      `key ${fpr} expired on ${new Date(created.getTime() + HOUR).toISOString()}`,
    ]);
    expect(fact.signed_at).toBe(signedAt.toISOString());
  });

  it('a signature by a signing subkey that has expired since, even when the primary key has not', async () => {
    const created = ago(2 * DAY);
    const { privateKey, publicKey } = await openpgp.generateKey({
      userIDs: [{ name: 'Sub Expiry', email: 'subexp@example.test' }],
      format: 'object',
      date: created,
      subkeys: [{ sign: true, keyExpirationTime: 3600 }],
    });
    const sub = privateKey.getKeys()[1]!;
    const sig = (await openpgp.sign({
      message: await openpgp.createMessage({ binary: DATA }),
      signingKeys: privateKey,
      signingKeyIDs: [sub.getKeyID()],
      detached: true,
      format: 'armored',
      date: new Date(created.getTime() + 10 * 60_000),
    })) as string;
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(publicKey.armor()));
    expect(fact.valid).toBe(false);
    expect(fact.errors.join(' ')).toMatch(/signing subkey [0-9A-F]{40} expired on/);
  });

  it('a key given with --key that is not OpenPGP (a PEM key) is skipped, not fatal', async () => {
    const pem =
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
    const sig = gpgDetachSign(ed, DATA, true);
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(pem, home.exportPublic(ed)));
    expect(fact.valid, fact.errors.join('; ')).toBe(true);
  });

  it('a signature with two signature packets (the key checked must be the key that signed)', async () => {
    const one = await jsKey();
    const two = await jsKey();
    const sig = (await openpgp.sign({
      message: await openpgp.createMessage({ binary: DATA }),
      signingKeys: [one.privateKey, two.privateKey],
      detached: true,
      format: 'armored',
    })) as string;
    const fact = await verifier.verify(
      artifactOf(DATA),
      sigDoc(sig),
      ctxWith(one.publicKey.armor(), two.publicKey.armor()),
    );
    expect(fact.valid).toBe(false);
    expect(fact.errors).toEqual(['expected one signature packet, found 2']);
  });

  it('a text-mode signature, which would also accept the file with other line endings', async () => {
    const { privateKey, publicKey } = await jsKey();
    const text = 'line one\nline two\n';
    const sig = (await openpgp.sign({
      message: await openpgp.createMessage({ text }),
      signingKeys: privateKey,
      detached: true,
      format: 'armored',
    })) as string;
    for (const body of [text, text.replace(/\n/g, '\r\n')]) {
      const fact = await verifier.verify(
        artifactOf(new TextEncoder().encode(body)),
        sigDoc(sig),
        ctxWith(publicKey.armor()),
      );
      expect(fact.valid).toBe(false);
      expect(fact.errors[0]).toMatch(/only binary-document signatures are accepted/);
    }
  });

  it('a signature by a key that has been revoked', async () => {
    const { privateKey } = await jsKey();
    const sig = await jsSign(privateKey, DATA);
    const good = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(privateKey.toPublic().armor()));
    expect(good.valid).toBe(true);
    const { publicKey: revoked } = await openpgp.revokeKey({
      key: privateKey,
      reasonForRevocation: {
        flag: openpgp.enums.reasonForRevocation.keyCompromised,
        string: 'stolen laptop',
      },
      format: 'armored',
    });
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(revoked));
    expect(fact.valid).toBe(false);
    expect(fact.errors.join('\n')).toContain(`key ${privateKey.getFingerprint().toUpperCase()} is revoked`);
  });

  it('a signature made after the key had expired (same key material, reformatted with an expiry)', async () => {
    const d = ago(3 * DAY);
    const userIDs = [{ name: 'JS Signer', email: 'js@example.test' }];
    const { privateKey: k } = await jsKey({ date: d });
    const { publicKey: expiring } = await openpgp.reformatKey({
      privateKey: k,
      userIDs,
      date: d,
      keyExpirationTime: 3600,
      format: 'object',
    });
    expect(expiring.getFingerprint()).toBe(k.getFingerprint());
    const sig = await jsSign(k, DATA, new Date(d.getTime() + 2 * HOUR));
    // Control: with the never-expiring copy of the key the signature is good.
    const control = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(k.toPublic().armor()));
    expect(control.errors).toEqual([]);
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(sig), ctxWith(expiring.armor()));
    expect(fact.valid).toBe(false);
    // Refused by the at-signing-time check (OpenPGP.js), not only by the "expired now" rule.
    expect(fact.errors.join('\n')).toMatch(/Primary key is expired/);
  });

  it('an envelope whose fingerprint field names another key, naming both fingerprints', async () => {
    const doc = await signer.sign(artifactOf(DATA), { env: home.env, gpgKey: rsa });
    const envelope = JSON.parse(new TextDecoder().decode(doc.bytes)) as GpgEnvelope;
    const lying = {
      ...doc,
      bytes: new TextEncoder().encode(JSON.stringify({ ...envelope, fingerprint: ed })),
    };
    const fact = await verifier.verify(artifactOf(DATA), lying, ctxWith());
    expect(fact.valid).toBe(false);
    expect(fact.fingerprint).toBe(rsa);
    const mismatch = fact.errors.find((e) => e.includes(ed) && e.includes(rsa));
    expect(mismatch).toMatch(/envelope names key/);
    // Also with the lowercase/spaced form of the lie: normalisation does not hide it.
    const spaced = ed.toLowerCase().replace(/(.{4})/g, '$1 ');
    const fact2 = await verifier.verify(
      artifactOf(DATA),
      { ...doc, bytes: new TextEncoder().encode(JSON.stringify({ ...envelope, fingerprint: spaced })) },
      ctxWith(),
    );
    expect(fact2.valid).toBe(false);
  });

  it('to claim a Sigstore bundle or random text (canVerify is false)', async () => {
    const bundle = JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { certificate: { rawBytes: 'MIIC' }, tlogEntries: [] },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: 'AAAA' }, signature: 'MEUC' },
    });
    expect(verifier.canVerify(sigDoc(bundle, 'pkg.sigstore.json'))).toBe(false);
    expect(verifier.canVerify(sigDoc('just some random text, not a signature\n', 'notes.txt'))).toBe(false);
    expect(verifier.canVerify(sigDoc('{"type":"gpg"'))).toBe(false);
    const fact = await verifier.verify(artifactOf(DATA), sigDoc(bundle), ctxWith());
    expect(fact.valid).toBe(false);
    expect(fact.errors).toEqual(['not an OpenPGP signature or AAM GPG envelope']);
  });

  // A fingerprint that only shares the last 16 hex digits (the key id) with a trusted one is a policy matter:
  // the verifier reports the full fingerprint, and the policy (vectors, test/e2e/gpg.test.ts) compares it.
});

describe('a revocation once seen is kept (every copy of a key merged)', () => {
  /** The AAM envelope an old signer would publish: the signature, and the key as it was then. */
  const envelopeOf = (sig: string, key: openpgp.PublicKey): Uint8Array =>
    new TextEncoder().encode(
      JSON.stringify({
        type: 'gpg',
        fingerprint: key.getFingerprint().toUpperCase(),
        signature: sig,
        public_key: key.armor(),
      }),
    );
  const revoke = async (privateKey: openpgp.PrivateKey) =>
    (
      await openpgp.revokeKey({
        key: privateKey,
        reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyCompromised, string: 'stolen' },
        format: 'object',
      })
    ).publicKey;

  it('an envelope carrying the old copy is still refused when --key gives the revoked one', async () => {
    const { privateKey } = await jsKey();
    const doc = envelopeOf(await jsSign(privateKey, DATA), privateKey.toPublic());
    const fact = await new GpgVerifier().verify(
      artifactOf(DATA),
      sigDoc(doc),
      ctxWith((await revoke(privateKey)).armor()),
    );
    expect(fact.valid).toBe(false);
    expect(fact.errors.join('\n')).toContain('is revoked');
  });

  it('a revocation seen once (kept in the keyring) refuses every later signature by that key', async () => {
    const keyring = mkdtempSync(join(tmpdir(), 'aam-keyring-'));
    const { privateKey } = await jsKey();
    const sig = await jsSign(privateKey, DATA);
    const old = envelopeOf(sig, privateKey.toPublic());
    expect((await new GpgVerifier({ keyring }).verify(artifactOf(DATA), sigDoc(old), ctxWith())).valid).toBe(
      true,
    );
    // The revoked copy is seen once (aam verify FILE --key revoked.asc) ...
    await new GpgVerifier({ keyring }).verify(
      artifactOf(DATA),
      sigDoc(sig),
      ctxWith((await revoke(privateKey)).armor()),
    );
    // ... and from then on the old envelope alone no longer passes, in any later process.
    const later = await new GpgVerifier({ keyring }).verify(artifactOf(DATA), sigDoc(old), ctxWith());
    expect(later.valid).toBe(false);
    expect(later.errors.join('\n')).toContain('is revoked');
    // Without the keyring, the old envelope alone would pass: the kept copy is what refuses it.
    expect((await new GpgVerifier().verify(artifactOf(DATA), sigDoc(old), ctxWith())).valid).toBe(true);
  });

  it('a revocation signed by another key is not merged: it revokes nothing', async () => {
    const keyring = mkdtempSync(join(tmpdir(), 'aam-keyring-'));
    const { privateKey } = await jsKey();
    const { privateKey: mallory } = await jsKey();
    const sig = await jsSign(privateKey, DATA);
    const forged = await revoke(mallory);
    // Mallory's revocation signature grafted onto the victim's key packet.
    const victim = privateKey.toPublic();
    const graft = await openpgp.readKey({ armoredKey: victim.armor() });
    graft.revocationSignatures.push(...forged.revocationSignatures);
    const fact = await new GpgVerifier({ keyring }).verify(
      artifactOf(DATA),
      sigDoc(envelopeOf(sig, victim)),
      ctxWith(graft.armor()),
    );
    expect(fact.valid).toBe(true);
    const again = await new GpgVerifier({ keyring }).verify(
      artifactOf(DATA),
      sigDoc(envelopeOf(sig, victim)),
      ctxWith(),
    );
    expect(again.valid).toBe(true);
  });
});
