/**
 * C2SP signed notes (`c2sp.org/signed-note@v1.0.0`), byte-compatible with Go's golang.org/x/mod/sumdb/note.
 *
 * ```
 * <text: lines ending in "\n">
 * <blank line>
 * — <key name> <base64(4-byte key ID ‖ signature)>\n     (one or more)
 * ```
 * Key ID = SHA-256(name ‖ "\n" ‖ 0x01 ‖ Ed25519 public key)[:4], big-endian. Keys:
 * - verifier key (vkey): `<name>+<8 hex key ID>+<base64(0x01 ‖ public key)>`
 * - signer key (skey, Go format): `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 ‖ 32-byte seed)>`
 *
 * {@link openNote} applies exactly the rules of Go's `note.Open`; see its documentation. Errors are AamErrors:
 * `AUDIT_LOG_BAD_KEY` (key strings), `AUDIT_LOG_BAD_NOTE` (malformed note), `AUDIT_LOG_BAD_SIGNATURE` (a known
 * key's signature fails, or no known key signed).
 */
import {
  createPrivateKey,
  createPublicKey,
  hash,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { AamError } from '../errors.js';
import { decodeBase64, firstControlByte, hasLoneSurrogate, isValidKeyName } from './encoding.js';

/** Signature type byte of Ed25519 note keys. */
export const NOTE_ALG_ED25519 = 0x01;

/** Go's `note.Open` refuses notes with more signature lines than this. */
export const MAX_NOTE_SIGNATURES = 100;

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SIG_PREFIX = Buffer.from('— ', 'utf8'); // U+2014 EM DASH, space

/** A public key that can check note signatures. */
export interface NoteVerifier {
  readonly name: string;
  /** The 32-bit key ID (SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4], big-endian). */
  readonly keyId: number;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
  /** The canonical verifier key string. */
  readonly vkey: string;
  /** Whether `signature` is a valid Ed25519 signature of `message`. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** A private key that signs notes. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** The verifier key string of the matching public key. */
  readonly vkey: string;
  /** The 64-byte Ed25519 signature of `message`. */
  sign(message: Uint8Array): Buffer;
}

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  keyId: number;
  /** The base64 blob exactly as it appeared (key ID ‖ signature). */
  base64: string;
}

/** A note whose signatures were checked by {@link openNote}. */
export interface OpenedNote {
  /** The signed text, including its final newline (not the blank separator line). */
  text: string;
  /** Signatures by known keys, all verified, in order of appearance. */
  sigs: NoteSignature[];
  /** Signatures by unknown (name, key ID) pairs: ignored, not checked. */
  unverifiedSigs: NoteSignature[];
}

function badKey(message: string, details: Record<string, unknown> = {}): AamError {
  return new AamError('AUDIT_LOG_BAD_KEY', message, details);
}

function badNote(message: string, details: Record<string, unknown> = {}): AamError {
  return new AamError('AUDIT_LOG_BAD_NOTE', `Malformed signed note: ${message}`, details);
}

const hex8 = (id: number): string => id.toString(16).padStart(8, '0');

/** The key ID of `name` and a typed public key (signature type byte ‖ key bytes). */
export function noteKeyId(name: string, typedPublicKey: Uint8Array): number {
  const input = Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), typedPublicKey]);
  return hash('sha256', input, 'buffer').readUInt32BE(0);
}

function makeVerifier(name: string, keyId: number, publicKey: Buffer, vkey: string): NoteVerifier {
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
      format: 'jwk',
    });
  } catch (e) {
    throw badKey(
      `Unusable Ed25519 public key in verifier key ${JSON.stringify(vkey)}: ${(e as Error).message}`,
    );
  }
  return {
    name,
    keyId,
    publicKey,
    vkey,
    verify: (message, signature) => signature.length === 64 && verify(null, message, key, signature),
  };
}

/** The verifier key string for `name` and a 32-byte Ed25519 public key (Go's `NewEd25519VerifierKey`). */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name))
    throw badKey(`Invalid key name ${JSON.stringify(name)}: empty, or has spaces or '+'`);
  if (publicKey.length !== 32) throw badKey(`An Ed25519 public key is 32 bytes, got ${publicKey.length}`);
  const typed = Buffer.concat([Buffer.of(NOTE_ALG_ED25519), publicKey]);
  return `${name}+${hex8(noteKeyId(name, typed))}+${typed.toString('base64')}`;
}

/** The Go-format signer key string for `name` and a 32-byte Ed25519 seed. */
export function formatSignerKey(name: string, seed: Uint8Array): string {
  if (!isValidKeyName(name))
    throw badKey(`Invalid key name ${JSON.stringify(name)}: empty, or has spaces or '+'`);
  if (seed.length !== 32) throw badKey(`An Ed25519 seed is 32 bytes, got ${seed.length}`);
  const pub = ed25519PublicFromSeed(seed);
  const id = noteKeyId(name, Buffer.concat([Buffer.of(NOTE_ALG_ED25519), pub]));
  return `PRIVATE+KEY+${name}+${hex8(id)}+${Buffer.concat([Buffer.of(NOTE_ALG_ED25519), seed]).toString('base64')}`;
}

function ed25519PrivateFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function ed25519PublicFromSeed(seed: Uint8Array): Buffer {
  const jwk = createPublicKey(ed25519PrivateFromSeed(seed)).export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

/** Splits off the text up to the next '+' (Go's strings.Cut). */
function cut(s: string): [string, string] {
  const i = s.indexOf('+');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Parses a verifier key `<name>+<hex8>+<base64(0x01 ‖ pub32)>` with Go's `note.NewVerifier` rules: a valid name,
 * exactly 8 hex digits, padded standard base64, Ed25519 type byte and 32 key bytes, and a key ID that matches
 * the recomputed one. Throws `AUDIT_LOG_BAD_KEY`.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') throw badKey('A verifier key must be a string');
  const [name, rest] = cut(vkey);
  const [hash16, key64] = cut(rest);
  const key = decodeBase64(key64);
  if (!isValidKeyName(name) || !/^[0-9a-fA-F]{8}$/.test(hash16) || key === undefined || key.length === 0) {
    throw badKey(
      `Malformed verifier key ${JSON.stringify(vkey)}: expected <name>+<8 hex digits>+<base64 key>`,
    );
  }
  const keyId = parseInt(hash16, 16);
  if (keyId !== noteKeyId(name, key)) {
    throw badKey(`Verifier key ${JSON.stringify(vkey)} has a key ID that does not match its name and key`);
  }
  if (key[0] !== NOTE_ALG_ED25519) {
    throw badKey(`Verifier key ${JSON.stringify(vkey)} has unknown signature type ${key[0]}`);
  }
  if (key.length !== 33) throw badKey(`Verifier key ${JSON.stringify(vkey)}: an Ed25519 key is 32 bytes`);
  const publicKey = Buffer.from(key.subarray(1));
  return makeVerifier(name, keyId, publicKey, `${name}+${hex8(keyId)}+${key64}`);
}

/**
 * Parses a Go-format signer key `PRIVATE+KEY+<name>+<hex8>+<base64(0x01 ‖ seed32)>` (Go's `note.NewSigner`
 * rules; the key ID must match the public key derived from the seed). Throws `AUDIT_LOG_BAD_KEY` without echoing
 * the key.
 */
export function parseSignerKey(skey: string): NoteSigner {
  if (typeof skey !== 'string') throw badKey('A signer key must be a string');
  const [priv1, r1] = cut(skey);
  const [priv2, r2] = cut(r1);
  const [name, r3] = cut(r2);
  const [hash16, key64] = cut(r3);
  const key = decodeBase64(key64);
  if (
    priv1 !== 'PRIVATE' ||
    priv2 !== 'KEY' ||
    !isValidKeyName(name) ||
    !/^[0-9a-fA-F]{8}$/.test(hash16) ||
    key === undefined ||
    key.length === 0
  ) {
    throw badKey('Malformed signer key: expected PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>');
  }
  if (key[0] !== NOTE_ALG_ED25519)
    throw badKey(`Signer key for ${name} has unknown signature type ${key[0]}`);
  if (key.length !== 33) throw badKey(`Signer key for ${name}: an Ed25519 seed is 32 bytes`);
  const seed = key.subarray(1);
  let privateKey: KeyObject;
  let publicKey: Buffer;
  try {
    privateKey = ed25519PrivateFromSeed(seed);
    publicKey = ed25519PublicFromSeed(seed);
  } catch (e) {
    throw badKey(`Unusable Ed25519 seed in the signer key for ${name}: ${(e as Error).message}`);
  }
  const typed = Buffer.concat([Buffer.of(NOTE_ALG_ED25519), publicKey]);
  const keyId = noteKeyId(name, typed);
  if (keyId !== parseInt(hash16, 16)) {
    throw badKey(`Signer key for ${name} has a key ID that does not match its public key`);
  }
  const vkey = `${name}+${hex8(keyId)}+${typed.toString('base64')}`;
  return { name, keyId, vkey, sign: (message) => sign(null, message, privateKey) };
}

/** A fresh Ed25519 key pair for `name`, as Go's `note.GenerateKey` formats it. */
export function generateNoteKey(name: string): { skey: string; vkey: string } {
  const seed = randomBytes(32);
  const skey = formatSignerKey(name, seed);
  seed.fill(0);
  return { skey, vkey: parseSignerKey(skey).vkey };
}

function requireNoteText(text: string): Buffer {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw badNote('the text must end with a newline');
  if (hasLoneSurrogate(text)) throw badNote('the text is not well-formed Unicode');
  const bytes = Buffer.from(text, 'utf8');
  if (firstControlByte(bytes) >= 0) throw badNote('the text has a control character other than newline');
  return bytes;
}

/**
 * Signs `text` (which must end with "\n" and have no control characters but "\n") with each signer, in order:
 * text, a blank line, one signature line per signer. Byte-identical to Go's `note.Sign` for a fresh note.
 */
export function signNote(text: string, signers: NoteSigner | readonly NoteSigner[]): string {
  const bytes = requireNoteText(text);
  const list = Array.isArray(signers) ? (signers as readonly NoteSigner[]) : [signers as NoteSigner];
  if (list.length === 0) throw badNote('at least one signer is needed');
  let out = `${text}\n`;
  for (const s of list) {
    if (!isValidKeyName(s.name)) throw badKey(`Invalid signer name ${JSON.stringify(s.name)}`);
    const blob = Buffer.alloc(4 + 64);
    blob.writeUInt32BE(s.keyId >>> 0, 0);
    const sig = s.sign(bytes);
    if (sig.length !== 64) throw badKey(`Signer ${s.name} returned a ${sig.length}-byte signature`);
    blob.set(sig, 4);
    out += `— ${s.name} ${blob.toString('base64')}\n`;
  }
  return out;
}

function verifierMap(verifiers: NoteVerifier | readonly NoteVerifier[]): Map<string, NoteVerifier | null> {
  const list = Array.isArray(verifiers)
    ? (verifiers as readonly NoteVerifier[])
    : [verifiers as NoteVerifier];
  // null marks an ambiguous (name, key ID): two different public keys claiming it (Go: "ambiguous key").
  const map = new Map<string, NoteVerifier | null>();
  for (const v of list) {
    const k = `${hex8(v.keyId)}+${v.name}`;
    const prev = map.get(k);
    if (prev === undefined) map.set(k, v);
    else if (prev !== null && !prev.publicKey.equals(v.publicKey)) map.set(k, null);
  }
  return map;
}

/**
 * Opens a signed note with exactly Go's `note.Open` rules:
 * - the whole message is valid UTF-8 with no ASCII control character other than "\n" (so no CR);
 * - the text ends at the **last** "\n\n"; the signature block after it is non-empty and ends with "\n";
 * - every signature line is `— <valid name> <padded standard base64 of ≥ 5 bytes>`; more than 100 lines
 *   (duplicates included) is malformed;
 * - a line whose (name, key ID) pair is not among `verifiers` is ignored (listed in `unverifiedSigs`, identical
 *   lines once); a name-only or ID-only match is unknown;
 * - a known key's first line must verify, or the whole note is refused (`AUDIT_LOG_BAD_SIGNATURE`); later lines
 *   for the same key are dropped unchecked;
 * - at least one known key must have signed (`AUDIT_LOG_BAD_SIGNATURE`, `details.reason = 'no-trusted-signature'`).
 * Malformed input throws `AUDIT_LOG_BAD_NOTE`. A (name, key ID) claimed by two different verifier keys throws
 * `AUDIT_LOG_BAD_KEY` when a signature uses it. A string message must be well-formed Unicode.
 */
export function openNote(
  message: string | Uint8Array,
  verifiers: NoteVerifier | readonly NoteVerifier[],
): OpenedNote {
  let msg: Buffer;
  if (typeof message === 'string') {
    if (hasLoneSurrogate(message)) throw badNote('not well-formed Unicode');
    msg = Buffer.from(message, 'utf8');
  } else {
    msg = Buffer.isBuffer(message)
      ? message
      : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    if (!isUtf8(msg)) throw badNote('not valid UTF-8');
  }
  const ctl = firstControlByte(msg);
  if (ctl >= 0) throw badNote(`control character 0x${(msg[ctl] as number).toString(16)} at byte ${ctl}`);

  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw badNote('no blank line before the signatures');
  const textBytes = msg.subarray(0, split + 1);
  let pos = split + 2;
  if (pos >= msg.length || msg[msg.length - 1] !== 0x0a) {
    throw badNote('the signature block is empty or does not end with a newline');
  }

  const known = verifierMap(verifiers);
  const note: OpenedNote = { text: textBytes.toString('utf8'), sigs: [], unverifiedSigs: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let count = 0;
  while (pos < msg.length) {
    const nl = msg.indexOf(0x0a, pos);
    const start = pos;
    pos = nl + 1;
    if (
      nl - start < SIG_PREFIX.length ||
      msg.compare(SIG_PREFIX, 0, SIG_PREFIX.length, start, start + SIG_PREFIX.length) !== 0
    ) {
      throw badNote('a line after the blank line is not a signature line');
    }
    const line = msg.toString('utf8', start + SIG_PREFIX.length, nl);
    const space = line.indexOf(' ');
    const name = space < 0 ? line : line.slice(0, space);
    const b64 = space < 0 ? '' : line.slice(space + 1);
    const blob = b64 === '' ? undefined : decodeBase64(b64);
    if (!isValidKeyName(name) || blob === undefined || blob.length < 5) {
      throw badNote(`bad signature line for ${JSON.stringify(name)}`);
    }
    if (++count > MAX_NOTE_SIGNATURES) throw badNote(`more than ${MAX_NOTE_SIGNATURES} signatures`);
    const keyId = blob.readUInt32BE(0);
    const key = `${hex8(keyId)}+${name}`;
    const v = known.get(key);
    if (v === undefined) {
      if (!seenUnverified.has(line)) {
        seenUnverified.add(line);
        note.unverifiedSigs.push({ name, keyId, base64: b64 });
      }
      continue;
    }
    if (v === null)
      throw badKey(`Ambiguous verifier keys: two different keys are named ${name}+${hex8(keyId)}`);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!v.verify(textBytes, blob.subarray(4))) {
      throw new AamError('AUDIT_LOG_BAD_SIGNATURE', `Invalid signature by key ${name}+${hex8(keyId)}`, {
        reason: 'invalid-signature',
        name,
        keyId: hex8(keyId),
      });
    }
    note.sigs.push({ name, keyId, base64: b64 });
  }
  if (note.sigs.length === 0) {
    throw new AamError(
      'AUDIT_LOG_BAD_SIGNATURE',
      `The note has no signature by a trusted key (signed by: ${
        note.unverifiedSigs.map((s) => `${s.name}+${hex8(s.keyId)}`).join(', ') || 'nobody'
      })`,
      { reason: 'no-trusted-signature', unverified: note.unverifiedSigs },
    );
  }
  return note;
}
