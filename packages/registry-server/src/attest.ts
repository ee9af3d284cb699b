import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spkiKeyId } from '@aam/core';
import { signStatement, type DsseEnvelope } from '@aam/plugin-attestation/format';
import { RegistryError } from './problem.js';
import type { AttestationKeys } from './repository/index.js';

/**
 * The registry's ECDSA P-256 attestation keys. Public halves live in the database (so every replica lists
 * the same keys, retired ones included, for as long as old attestations must verify); private halves in
 * `<storage>/keys/attestation-<hex>.pem` (0600). The attestation format itself (statement, DSSE) is
 * `@aam/plugin-attestation/format`'s.
 */
export class AttestationSigner {
  constructor(private readonly keyDir: string) {}

  private privateFile(keyid: string): string {
    return join(this.keyDir, `attestation-${keyid.slice('sha256:'.length)}.pem`);
  }

  /** Generates a key pair and stores its private half; the caller records the public half (in a transaction). */
  generate(): { keyid: string; pem: string } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyid = spkiKeyId(publicKey);
    mkdirSync(this.keyDir, { recursive: true, mode: 0o700 });
    writeFileSync(this.privateFile(keyid), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
    return { keyid, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  }

  /** The active key (its id from the database, its private half from its file). */
  async active(keys: AttestationKeys): Promise<{ keyid: string; key: KeyObject }> {
    const keyid = await keys.active();
    if (!keyid) throw new RegistryError(503, 'registry_unavailable', 'The registry has no attestation key');
    let pem: string;
    try {
      pem = readFileSync(this.privateFile(keyid), 'utf8');
    } catch {
      throw new RegistryError(503, 'registry_unavailable', `The private half of key ${keyid} is missing`);
    }
    const key = createPrivateKey(pem);
    if (spkiKeyId(createPublicKey(key)) !== keyid)
      throw new RegistryError(503, 'registry_unavailable', `The key file for ${keyid} holds another key`);
    return { keyid, key };
  }

  /** Signs a statement with the active key (DSSE over its exact JSON bytes). */
  async sign(keys: AttestationKeys, statement: unknown): Promise<DsseEnvelope> {
    const { keyid, key } = await this.active(keys);
    return signStatement(statement, { keyid, privateKey: key });
  }
}
