/**
 * A signed time for a checkpoint, in the format of C2SP tlog-cosignature v1 (`c2sp.org/tlog-cosignature`):
 * a timestamped Ed25519 signature (key type 0x04) over
 *
 * ```
 * cosignature/v1\n
 * time <seconds since the epoch>\n
 * <checkpoint text>
 * ```
 *
 * added to the checkpoint note as one more signature line: `— <name> <base64(key ID ‖ 8-byte big-endian time ‖
 * signature)>`. The registry signs it with its checkpoint key each time it serves the checkpoint, so a client
 * learns how fresh the log it sees is (`security.max_log_age`); a replay of an older checkpoint carries an old
 * time. The key is the checkpoint key under type 0x04 (another key ID), so clients need no other pin; the
 * messages never overlap (a checkpoint's second line is its size, never `time ...`). Notes opened with only the
 * checkpoint key (Go's `note.Open` too) ignore the line.
 */
import { AamError } from '../errors.js';
import { decodeBase64, isValidKeyName } from './encoding.js';
import { noteKeyId, parseVerifierKey, type NoteSigner, type NoteVerifier } from './note.js';

export const COSIGNATURE_ALG_ED25519 = 0x04;
const SIG_PREFIX = '— ';

/** The key ID of the checkpoint key's timestamped-cosignature form (same name, type 0x04). */
export function cosignatureKeyId(key: { name: string; publicKey: Uint8Array }): number {
  return noteKeyId(key.name, Buffer.concat([Buffer.of(COSIGNATURE_ALG_ED25519), key.publicKey]));
}

/** The last second of the year 9999: a later time is no time (a Date cannot even hold most of them). */
const MAX_TIME = 253_402_300_799n;

const message = (text: string, time: number): Buffer =>
  Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8');

/** Adds a signature line over `time` (seconds) to a signed checkpoint note, with the checkpoint key's signer. */
export function addSignedTime(note: string, signer: NoteSigner, time: number): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n'))
    throw new AamError('AUDIT_LOG_BAD_NOTE', 'Malformed signed note: no signature block');
  if (!Number.isSafeInteger(time) || time < 0 || time > Number(MAX_TIME))
    throw new AamError('AUDIT_LOG_BAD_NOTE', `A signed time must be whole seconds, not ${time}`);
  const text = note.slice(0, split + 1);
  const blob = Buffer.alloc(4 + 8 + 64);
  blob.writeUInt32BE(cosignatureKeyId(parseVerifierKey(signer.vkey)) >>> 0, 0);
  blob.writeBigUInt64BE(BigInt(time), 4);
  blob.set(signer.sign(message(text, time)), 12);
  return `${note}${SIG_PREFIX}${signer.name} ${blob.toString('base64')}\n`;
}

/**
 * The time the checkpoint key signed for this note's text, or undefined when it signed none. Every signed-time
 * line of that key must verify (a forged one refuses the note, as `note.Open` refuses a bad known signature);
 * of several, the latest counts. Call after the note itself was opened with the checkpoint key.
 */
export function signedTime(note: string, key: NoteVerifier): Date | undefined {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return undefined;
  const text = note.slice(0, split + 1);
  const keyId = cosignatureKeyId(key);
  let latest: number | undefined;
  for (const line of note.slice(split + 2).split('\n')) {
    if (!line.startsWith(SIG_PREFIX)) continue;
    const [name, b64] = line.slice(SIG_PREFIX.length).split(' ');
    if (name !== key.name || !isValidKeyName(name) || b64 === undefined) continue;
    const blob = decodeBase64(b64);
    if (!blob || blob.length < 4 || blob.readUInt32BE(0) !== keyId) continue;
    const time = blob.length === 4 + 8 + 64 ? blob.readBigUInt64BE(4) : undefined;
    if (time === undefined || time > MAX_TIME || !key.verify(message(text, Number(time)), blob.subarray(12)))
      throw new AamError(
        'AUDIT_LOG_BAD_SIGNATURE',
        `The signed time on the checkpoint by ${key.name} does not verify`,
        { reason: 'invalid-signed-time' },
      );
    latest = Math.max(latest ?? 0, Number(time));
  }
  return latest === undefined ? undefined : new Date(latest * 1000);
}
