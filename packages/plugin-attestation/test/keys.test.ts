import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attestationConfigWarnings,
  checkAttestationKey,
  DEFAULT_CONFIG,
  normalizeAttestationKeyId,
  pinnedKeyPath,
  readPinnedAttestationKey,
  storePinnedAttestationKey,
} from '@aam/core';
import { p256 } from './support/fixture.js';

describe('pinned registry attestation keys (@aam/core config/registry-keys)', () => {
  it('key ids: sha256:<64 lowercase hex>; the prefix may be left out, any case', () => {
    const hex = 'AB'.repeat(32);
    expect(normalizeAttestationKeyId(hex)).toBe(`sha256:${hex.toLowerCase()}`);
    expect(normalizeAttestationKeyId(`SHA256:${hex}`)).toBe(`sha256:${hex.toLowerCase()}`);
    expect(normalizeAttestationKeyId('sha256:abc')).toBeUndefined();
    expect(normalizeAttestationKeyId('sha512:' + 'a'.repeat(64))).toBeUndefined();
  });

  it('a PEM must be the P-256 key its id names', () => {
    const k = p256();
    expect(checkAttestationKey(k.keyid, k.pem).asymmetricKeyType).toBe('ec');
    const other = p256();
    expect(() => checkAttestationKey(k.keyid, other.pem)).toThrow(
      `the key served as ${k.keyid} is another key: its SHA-256 (SPKI DER) is ${other.keyid}`,
    );
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => checkAttestationKey(k.keyid, ed)).toThrow('not an ECDSA P-256 key (ed25519)');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => checkAttestationKey(k.keyid, p384)).toThrow('not an ECDSA P-256 key (ec secp384r1)');
    expect(() => checkAttestationKey(k.keyid, 'garbage')).toThrow(/not a PEM public key/);
  });

  it('stores the key under $AAM_HOME/registry-keys/<registry>/<hex>.pem and re-checks it when read', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aam-keys-'));
    const k = p256();
    const file = await storePinnedAttestationKey('corp', k.keyid, k.pem, { AAM_HOME: home });
    expect(file).toBe(join(home, 'registry-keys', 'corp', `${k.keyid.slice(7)}.pem`));
    expect(file).toBe(pinnedKeyPath(home, 'corp', k.keyid));
    expect(readFileSync(file, 'utf8')).toBe(k.pem);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readPinnedAttestationKey(home, 'corp', k.keyid)?.equals(k.publicKey)).toBe(true);
    expect(readPinnedAttestationKey(home, 'corp', p256().keyid)).toBeUndefined();
    await expect(storePinnedAttestationKey('corp', k.keyid, p256().pem, { AAM_HOME: home })).rejects.toThrow(
      /is another key/,
    );
    writeFileSync(file, p256().pem);
    expect(() => readPinnedAttestationKey(home, 'corp', k.keyid)).toThrow(
      `the pinned key file ${file} does not hold key ${k.keyid}`,
    );
  });

  it('warns when attestations are trusted from registries that cannot have them', () => {
    const security = { ...DEFAULT_CONFIG.security, trust_registry_attestations: true };
    const registries = [
      { name: 'local', url: 'file:///srv/aam' },
      { name: 'corp', url: 'https://aam.example', attestation_keys: [p256().keyid] },
      { name: 'new', url: 'https://new.example' },
    ];
    expect(attestationConfigWarnings({ security, registries })).toEqual([
      'security.trust_registry_attestations is true but security.trusted_registries is empty: no registry attestation will be trusted',
    ]);
    const w = attestationConfigWarnings({
      security: { ...security, trusted_registries: ['local', 'corp', 'new', 'gone'] },
      registries,
    });
    expect(w).toEqual([
      "security.trusted_registries names 'local', a local (file://) registry: registry attestations exist only for HTTP registries (aam registry serve), so packages from 'local' are never trusted by a registry attestation",
      "security.trusted_registries names 'new', which has no pinned attestation key: run 'aam registry trust-key new'",
      "security.trusted_registries names 'gone', which is not in registries: no attestation from it can be checked",
    ]);
    expect(
      attestationConfigWarnings({
        security: { ...security, trust_registry_attestations: false, trusted_registries: ['local'] },
        registries,
      }),
    ).toEqual([]);
  });
});
