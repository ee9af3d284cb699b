import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as openpgp from 'openpgp';
import { openpgpModule } from './openpgp-lazy.js';
import type {
  ArtifactRef,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  VerifyContext,
} from '@aam/core/plugin';
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

export interface GpgVerifierOptions {
  /**
   * Where every copy of a key this client has seen is kept (`$AAM_HOME/keys/openpgp`): a key is always judged
   * as the merge of all of them, so a revocation seen once is kept, and an envelope carrying an older copy of
   * the key (without the revocation) cannot bring it back. Without it, only the copies at hand are merged.
   */
  keyring?: string;
}

/**
 * OpenPGP signatures, verified with OpenPGP.js only (no GnuPG needed). Valid means: the signature verifies over
 * the artifact bytes with a key it names, that key (and the signing subkey) was valid when it signed, and neither
 * the key nor the signing subkey is expired or revoked now, judged on every copy of the key seen (`--key`, the
 * envelope, and the keyring of copies seen before). Which fingerprints are trusted is the policy's call.
 */
export class GpgVerifier implements SignatureVerifier {
  readonly type = 'gpg';
  constructor(private readonly opts: GpgVerifierOptions = {}) {}
  // One process verifies many packages signed by the same few keys: parse each key copy once (bounded).
  // Validity "now" (expiry, revocation) is checked again on every call.
  private readonly parsedKeys = new Map<string, Promise<openpgp.PublicKey[]>>();

  private keysOf(source: Uint8Array | string): Promise<openpgp.PublicKey[]> {
    const id = typeof source === 'string' ? source : Buffer.from(source).toString('base64');
    let keys = this.parsedKeys.get(id);
    if (!keys) {
      if (this.parsedKeys.size >= MAX_CACHED_KEYS)
        this.parsedKeys.delete(this.parsedKeys.keys().next().value!);
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
          : await pgp.readSignature({
              armoredSignature: doc.$case === 'envelope' ? doc.envelope.signature : doc.text,
            });
    } catch (e) {
      return invalid([`unreadable signature: ${message(e)}`]);
    }
    // Exactly one signature packet, over binary data: extra packets could make the key checked differ from the
    // key that signed, and a text-mode signature would also accept the file with other line endings.
    if (signature.packets.length !== 1) {
      return invalid([`expected one signature packet, found ${signature.packets.length}`]);
    }
    const packet = signature.packets[0]!;
    if (packet.signatureType !== pgp.enums.signature.binary) {
      return invalid([
        `only binary-document signatures are accepted (this one has type ${String(packet.signatureType)})`,
      ]);
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
    const issuer = packet.issuerKeyID.toHex();
    const found = candidates.find((k) => k.getKeys().some((sub) => sub.getKeyID().toHex() === issuer));
    if (!found) {
      const why = unreadable.length ? ` (unreadable keys skipped: ${unreadable.join('; ')})` : '';
      return invalid([
        `no public key for signing key ${issuer.toUpperCase()}: give it with --key or in the envelope${why}`,
      ]);
    }
    // Every copy of that key at hand and seen before, merged (a revocation in any of them counts), and kept.
    const key = await this.merged(
      found,
      candidates.filter((k) => k.getFingerprint() === found.getFingerprint()),
    );
    const fingerprint = normalizeFingerprint(key.getFingerprint());
    const signingKey = key.getKeys().find((sub) => sub.getKeyID().toHex() === issuer)!;
    const facts: Partial<SignatureFact> = {
      fingerprint,
      user_ids: await certifiedUserIDs(key),
      claims: { signing_key: normalizeFingerprint(signingKey.getFingerprint()) },
    };
    const errors: string[] = [];
    if (doc.$case === 'envelope' && normalizeFingerprint(doc.envelope.fingerprint) !== fingerprint) {
      errors.push(
        `the envelope names key ${normalizeFingerprint(doc.envelope.fingerprint) || '(none)'} but the signature was made by ${fingerprint}`,
      );
    }
    try {
      const result = await pgp.verify({
        message: await pgp.createMessage({ binary: await artifactBytes(artifact) }),
        signature,
        verificationKeys: [key],
        expectSigned: true,
        format: 'binary',
      });
      await result.signatures[0]!.verified;
      if (packet.created) facts.signed_at = packet.created.toISOString();
    } catch (e) {
      errors.push(message(e));
    }
    errors.push(...(await expiredOrRevokedNow(key, signingKey, fingerprint)));
    return errors.length
      ? invalid([...new Set(errors)], facts)
      : { type: 'gpg', valid: true, errors: [], ...facts };
  }

  /**
   * The key as every copy of it says: the copies given, and those kept in the keyring, merged with OpenPGP.js
   * (which takes only signatures that verify, so no copy can add a forged revocation or user ID). The copies
   * given are kept, by content, for next time; past MAX_KEPT_COPIES they are folded into one.
   */
  private async merged(key: openpgp.PublicKey, copies: openpgp.PublicKey[]): Promise<openpgp.PublicKey> {
    const dir = this.opts.keyring
      ? join(this.opts.keyring, normalizeFingerprint(key.getFingerprint()))
      : undefined;
    const kept = dir ? await keptCopies(dir, (text) => this.keysOf(text)) : [];
    let merged = key;
    for (const copy of [...copies, ...kept.map((k) => k.key)]) {
      if (copy === key) continue;
      try {
        merged = (await merged.update(copy)) as openpgp.PublicKey;
      } catch {
        // a copy that cannot be merged adds nothing
      }
    }
    if (dir) {
      try {
        await keepCopies(dir, copies, kept, merged);
      } catch {
        // Best effort: the merge above already judged this signature with every copy.
      }
    }
    return merged;
  }
}

/** The copies kept in `dir`, parsed with `parse` (the verifier's cache: a copy is parsed once per process). */
async function keptCopies(
  dir: string,
  parse: (armored: string) => Promise<openpgp.PublicKey[]>,
): Promise<{ file: string; key: openpgp.PublicKey }[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.asc'));
  } catch {
    return [];
  }
  const out: { file: string; key: openpgp.PublicKey }[] = [];
  for (const name of names) {
    try {
      const [key] = await parse(await readFile(join(dir, name), 'utf8'));
      if (key) out.push({ file: join(dir, name), key });
    } catch {
      // an unreadable copy adds nothing (and is never trusted on its own)
    }
  }
  return out;
}

/**
 * Keeps each copy given, named by the SHA-256 of its bytes (two processes never overwrite each other's, and a
 * revocation written once is never lost). Past MAX_KEPT_COPIES, the merge of all is kept and the copies it holds
 * are removed.
 */
async function keepCopies(
  dir: string,
  copies: openpgp.PublicKey[],
  kept: { file: string }[],
  merged: openpgp.PublicKey,
): Promise<void> {
  const fileOf = (armored: string) => join(dir, `${createHash('sha256').update(armored).digest('hex')}.asc`);
  const write = async (armored: string, file = fileOf(armored)) => {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, armored, { mode: 0o644 });
    await rename(tmp, file);
    return file;
  };
  // Named by content: a copy kept before is not written again (most verifications keep nothing new).
  const fresh = copies.map((k) => k.armor()).filter((armored) => !existsSync(fileOf(armored)));
  if (fresh.length === 0) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (kept.length + fresh.length <= MAX_KEPT_COPIES) {
    for (const armored of fresh) await write(armored);
    return;
  }
  const mergedFile = await write(merged.armor());
  for (const k of kept) if (k.file !== mergedFile) await rm(k.file, { force: true });
}

const MAX_CACHED_KEYS = 256;
/** Copies of one key kept before they are folded into one merged copy. */
const MAX_KEPT_COPIES = 32;

/** User IDs with a valid self-certification, the primary one first: an unsigned user ID never names the signer. */
async function certifiedUserIDs(key: openpgp.PublicKey): Promise<string[]> {
  const out: string[] = [];
  try {
    const primary = await key.getPrimaryUser();
    if (primary.user.userID?.userID) out.push(primary.user.userID.userID);
  } catch {
    return out;
  }
  for (const user of key.users) {
    const id = user.userID?.userID;
    if (!id || out.includes(id)) continue;
    try {
      await user.verify();
      out.push(id);
    } catch {
      // not self-certified (or revoked): not shown
    }
  }
  return out;
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
