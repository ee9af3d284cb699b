import * as openpgp from 'openpgp';
import type {
  ArtifactRef,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  VerifyContext,
} from '@aam/core';
import { normalizeFingerprint, sniffGpg } from './envelope.js';

async function readKeys(material: Uint8Array | string): Promise<openpgp.PublicKey[]> {
  const text = typeof material === 'string' ? material : new TextDecoder().decode(material);
  if (
    text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----') ||
    text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')
  ) {
    const keys = await openpgp.readKeys({ armoredKeys: text });
    return keys.map((k) => k.toPublic());
  }
  if (typeof material === 'string') return [];
  return (await openpgp.readKeys({ binaryKeys: material })).map((k) => k.toPublic());
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

/**
 * OpenPGP signatures, verified with OpenPGP.js only (no GnuPG needed). Valid means: the signature verifies over
 * the artifact bytes with a key it names, that key (and the signing subkey) was valid when it signed, and the key
 * is neither expired nor revoked now. Which fingerprints are trusted is the policy's call (`trusted_keys`).
 */
export class GpgVerifier implements SignatureVerifier {
  readonly type = 'gpg';

  canVerify(sig: SignatureDocument): boolean {
    return sniffGpg(sig.bytes) !== undefined;
  }

  async verify(artifact: ArtifactRef, sig: SignatureDocument, ctx: VerifyContext): Promise<SignatureFact> {
    const doc = sniffGpg(sig.bytes);
    if (!doc) return invalid(['not an OpenPGP signature or AAM GPG envelope']);
    let signature: openpgp.Signature;
    const candidates: openpgp.PublicKey[] = [];
    try {
      signature =
        doc.$case === 'binary'
          ? await openpgp.readSignature({ binarySignature: doc.bytes })
          : await openpgp.readSignature({
              armoredSignature: doc.$case === 'envelope' ? doc.envelope.signature : doc.text,
            });
    } catch (e) {
      return invalid([`unreadable signature: ${message(e)}`]);
    }
    try {
      for (const k of ctx.keys) candidates.push(...(await readKeys(k)));
      if (doc.$case === 'envelope' && doc.envelope.public_key)
        candidates.push(...(await readKeys(doc.envelope.public_key)));
    } catch (e) {
      return invalid([`unreadable public key: ${message(e)}`]);
    }
    const issuers = signature.getSigningKeyIDs().map((id) => id.toHex());
    const key = candidates.find((k) => k.getKeys().some((sub) => issuers.includes(sub.getKeyID().toHex())));
    if (!key) {
      return invalid([
        `no public key for signing key ${issuers.join(', ').toUpperCase() || '(none named)'}: give it with --key or in the envelope`,
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
      const result = await openpgp.verify({
        message: await openpgp.createMessage({ binary: await artifactBytes(artifact) }),
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
    // OpenPGP.js checks the key as it was when it signed; SPEC §4 also refuses keys expired or revoked now.
    try {
      if (await key.isRevoked()) errors.push(`key ${fingerprint} is revoked`);
      const expires = await key.getExpirationTime();
      if (expires instanceof Date && expires.getTime() <= Date.now())
        errors.push(`key ${fingerprint} expired on ${expires.toISOString()}`);
    } catch (e) {
      errors.push(`cannot check the key's validity: ${message(e)}`);
    }
    void ctx.offline;
    return errors.length
      ? invalid([...new Set(errors)], facts)
      : { type: 'gpg', valid: true, errors: [], ...facts };
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
