import type * as openpgp from 'openpgp';
import { openpgpModule } from './openpgp-lazy.js';
import type {
  ArtifactRef,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  VerifyContext,
} from '@aam/core';
import { normalizeFingerprint, sniffGpg } from './envelope.js';

async function readKeys(material: Uint8Array | string): Promise<openpgp.PublicKey[]> {
  const pgp = await openpgpModule();
  const text = typeof material === 'string' ? material : new TextDecoder().decode(material);
  if (
    text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----') ||
    text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')
  ) {
    const keys = await pgp.readKeys({ armoredKeys: text });
    return keys.map((k) => k.toPublic());
  }
  if (typeof material === 'string') return [];
  return (await pgp.readKeys({ binaryKeys: material })).map((k) => k.toPublic());
}

async function artifactBytes(artifact: ArtifactRef): Promise<Uint8Array> {
  if (artifact.bytes) return artifact.bytes;
  if (artifact.path) return new Uint8Array(await (await import('node:fs/promises')).readFile(artifact.path));
  throw new Error('no artifact bytes to verify');
}

const invalid = (errors: string[], extra: Partial<SignatureFact> = {}): SignatureFact => ({
  type: 'gpg',
  valid: false,
  errors,
  ...extra,
});

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * OpenPGP signatures, verified with OpenPGP.js only (no GnuPG needed). Valid means: the signature verifies over
 * the artifact bytes with a key it names, that key (and the signing subkey) was valid when it signed, and neither
 * the key nor the signing subkey is expired or revoked now. Which fingerprints are trusted is the policy's call.
 */
export class GpgVerifier implements SignatureVerifier {
  readonly type = 'gpg';
  // One process verifies many packages signed by the same few keys: parse each key (and check its
  // self-signatures, expiry and revocation) once, not once per signature.
  private readonly parsedKeys = new Map<string, Promise<openpgp.PublicKey[]>>();
  // Per parsed key object (so per exact key copy: one with a revocation is another copy, checked on its own).
  private readonly keyStatus = new WeakMap<openpgp.PublicKey, Map<string, Promise<string[]>>>();

  private keysOf(source: Uint8Array | string): Promise<openpgp.PublicKey[]> {
    const id = typeof source === 'string' ? source : Buffer.from(source).toString('base64');
    let keys = this.parsedKeys.get(id);
    if (!keys) {
      keys = readKeys(source);
      this.parsedKeys.set(id, keys);
    }
    return keys;
  }

  canVerify(sig: SignatureDocument): boolean {
    return sniffGpg(sig.bytes) !== undefined;
  }

  async verify(artifact: ArtifactRef, sig: SignatureDocument, ctx: VerifyContext): Promise<SignatureFact> {
    const pgp = await openpgpModule();
    const doc = sniffGpg(sig.bytes);
    if (!doc) return invalid(['not an OpenPGP signature or AAM GPG envelope']);
    let signature: openpgp.Signature;
    try {
      signature =
        doc.$case === 'binary'
          ? await pgp.readSignature({ binarySignature: doc.bytes })
          : await (
              await openpgpModule()
            ).readSignature({
              armoredSignature: doc.$case === 'envelope' ? doc.envelope.signature : doc.text,
            });
    } catch (e) {
      return invalid([`unreadable signature: ${message(e)}`]);
    }
    // --key may name PEM keys meant for other verifiers, and an envelope's key may be damaged: an unreadable
    // key is skipped (and reported when no usable key is left), never fatal for the keys that do parse.
    const candidates: openpgp.PublicKey[] = [];
    const unreadable: string[] = [];
    const sources: (Uint8Array | string)[] = [...ctx.keys];
    if (doc.$case === 'envelope' && doc.envelope.public_key) sources.push(doc.envelope.public_key);
    for (const source of sources) {
      try {
        candidates.push(...(await this.keysOf(source)));
      } catch (e) {
        unreadable.push(message(e));
      }
    }
    const issuers = signature.getSigningKeyIDs().map((id) => id.toHex());
    const key = candidates.find((k) => k.getKeys().some((sub) => issuers.includes(sub.getKeyID().toHex())));
    if (!key) {
      const why = unreadable.length ? ` (unreadable keys skipped: ${unreadable.join('; ')})` : '';
      return invalid([
        `no public key for signing key ${issuers.join(', ').toUpperCase() || '(none named)'}: give it with --key or in the envelope${why}`,
      ]);
    }
    const fingerprint = normalizeFingerprint(key.getFingerprint());
    const signingKey = key.getKeys().find((sub) => issuers.includes(sub.getKeyID().toHex()))!;
    const facts: Partial<SignatureFact> = {
      fingerprint,
      user_ids: key.getUserIDs(),
      claims: { signing_key: normalizeFingerprint(signingKey.getFingerprint()) },
    };
    const errors: string[] = [];
    if (doc.$case === 'envelope' && normalizeFingerprint(doc.envelope.fingerprint) !== fingerprint) {
      errors.push(
        `the envelope names key ${normalizeFingerprint(doc.envelope.fingerprint) || '(none)'} but the signature was made by ${fingerprint}`,
      );
    }
    try {
      const result = await (
        await openpgpModule()
      ).verify({
        message: await pgp.createMessage({ binary: await artifactBytes(artifact) }),
        signature,
        verificationKeys: [key],
        expectSigned: true,
        format: 'binary',
      });
      const first = result.signatures[0]!;
      await first.verified;
      const created = (await first.signature).packets[0]?.created;
      if (created) facts.signed_at = created.toISOString();
    } catch (e) {
      errors.push(message(e));
    }
    let byKey = this.keyStatus.get(key);
    if (!byKey) this.keyStatus.set(key, (byKey = new Map()));
    let status = byKey.get(facts.claims!.signing_key!);
    if (!status) {
      status = expiredOrRevokedNow(key, signingKey, fingerprint);
      byKey.set(facts.claims!.signing_key!, status);
    }
    errors.push(...(await status));
    return errors.length
      ? invalid([...new Set(errors)], facts)
      : { type: 'gpg', valid: true, errors: [], ...facts };
  }
}

/** SPEC §4: a key (or signing subkey) expired or revoked now makes its signatures invalid, whenever they were made. */
async function expiredOrRevokedNow(
  key: openpgp.PublicKey,
  signingKey: openpgp.PublicKey | openpgp.Subkey,
  fingerprint: string,
): Promise<string[]> {
  const errors: string[] = [];
  const now = new Date();
  try {
    if (await key.isRevoked(undefined, undefined, now)) errors.push(`key ${fingerprint} is revoked`);
    const expires = await key.getExpirationTime();
    if (expires instanceof Date && expires.getTime() <= now.getTime()) {
      errors.push(`key ${fingerprint} expired on ${expires.toISOString()}`);
    }
    if (signingKey !== key) {
      const sub = signingKey as openpgp.Subkey;
      const subFp = normalizeFingerprint(sub.getFingerprint());
      if (await subkeyRevoked(sub, now)) errors.push(`signing subkey ${subFp} is revoked`);
      const subExpires = await sub.getExpirationTime(now);
      if (subExpires instanceof Date && subExpires.getTime() <= now.getTime()) {
        errors.push(`signing subkey ${subFp} expired on ${subExpires.toISOString()}`);
      }
    }
  } catch (e) {
    errors.push(`cannot check the key's validity: ${message(e)}`);
  }
  return errors;
}

/** Any valid revocation of the subkey (OpenPGP.js checks them all when no particular signature is named). */
function subkeyRevoked(sub: openpgp.Subkey, date: Date): Promise<boolean> {
  const check = sub.isRevoked.bind(sub) as unknown as (
    signature: null,
    key: null,
    date: Date,
  ) => Promise<boolean>;
  return check(null, null, date);
}
