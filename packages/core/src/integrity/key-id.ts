import { createHash, type KeyObject } from 'node:crypto';

/**
 * `sha256:<hex of the SPKI DER>`: the one name of a public key everywhere aam names one — a PEM key in
 * `trusted_keys` (SPEC §4), a registry attestation key in `/api/v1/keys`, DSSE envelopes and the client's pins.
 */
export function spkiKeyId(key: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}
