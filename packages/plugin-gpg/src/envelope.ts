/** AAM's GPG signature document (SPEC §7), stored as `<version>.aam.gpg.json` beside the archive. */
export interface GpgEnvelope {
  type: 'gpg';
  /** Primary-key fingerprint the signer claims (checked against the key that really signed). */
  fingerprint: string;
  /** ASCII-armored detached signature over the archive bytes. */
  signature: string;
  /** ASCII-armored public key (transport only: trust comes from `trusted_keys`). */
  public_key: string;
}

const ARMOR_SIG = '-----BEGIN PGP SIGNATURE-----';

export type GpgDocument =
  | { $case: 'envelope'; envelope: GpgEnvelope }
  | { $case: 'armored'; text: string }
  | { $case: 'binary'; bytes: Uint8Array };

/** Sniffs a signature document: AAM envelope JSON, ASCII-armored or binary OpenPGP detached signature. */
export function sniffGpg(bytes: Uint8Array): GpgDocument | undefined {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if (head.startsWith('{')) {
    try {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<GpgEnvelope>;
      if (parsed.type === 'gpg' && typeof parsed.signature === 'string') {
        return {
          $case: 'envelope',
          envelope: {
            type: 'gpg',
            fingerprint: typeof parsed.fingerprint === 'string' ? parsed.fingerprint : '',
            signature: parsed.signature,
            public_key: typeof parsed.public_key === 'string' ? parsed.public_key : '',
          },
        };
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
  if (head.startsWith(ARMOR_SIG)) return { $case: 'armored', text: new TextDecoder().decode(bytes) };
  // A binary signature packet: old format tag 2 (0x88-0x8b) or new format tag 2 (0xc2).
  const b = bytes[0];
  if (b !== undefined && ((b & 0xfc) === 0x88 || b === 0xc2)) return { $case: 'binary', bytes };
  return undefined;
}

/** Upper-case hex without spaces: the form fingerprints are compared and shown in. */
export function normalizeFingerprint(fp: string): string {
  return fp.replace(/\s+/g, '').toUpperCase();
}
