/**
 * Strict text encodings shared by the note and checkpoint code. Internal to the tlog module (not re-exported).
 */

// Standard alphabet, padding required, length a multiple of 4: what Go's base64.StdEncoding accepts (it also
// accepts non-zero trailing bits, as this does; `isCanonicalBase64` refuses those).
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes padded standard base64, or returns undefined. (Buffer.from(…, 'base64') alone accepts anything.) */
export function decodeBase64(s: string): Buffer | undefined {
  return BASE64_RE.test(s) ? Buffer.from(s, 'base64') : undefined;
}

/** Decodes padded standard base64 that is the one canonical encoding of its bytes, or returns undefined. */
export function decodeCanonicalBase64(s: string): Buffer | undefined {
  const bytes = decodeBase64(s);
  return bytes !== undefined && bytes.toString('base64') === s ? bytes : undefined;
}

/** Unicode White_Space, as Go's unicode.IsSpace (JavaScript's \s differs: it lacks U+0085 and adds U+FEFF). */
const GO_SPACE_RE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const LONE_SURROGATE_RE = /\p{Cs}/u;

/** A signed-note key name: non-empty, well-formed Unicode, no Unicode spaces and no '+'. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !name.includes('+') && !GO_SPACE_RE.test(name) && !LONE_SURROGATE_RE.test(name);
}

/** Whether a JavaScript string has an unpaired surrogate (it then has no UTF-8 encoding). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE_RE.test(s);
}

/** Index of the first ASCII control character other than '\n' in `bytes`, or −1. */
export function firstControlByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 && b !== 0x0a) return i;
  }
  return -1;
}
