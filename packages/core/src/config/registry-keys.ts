import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { AamError } from '../errors.js';
import { spkiKeyId } from '../integrity/key-id.js';
import { aamHome } from './paths.js';
import type { AamConfig } from './types.js';

/**
 * Registry attestation keys pinned by `aam registry add` / `aam registry trust-key`: the key ids live in the
 * registry's config entry (`attestation_keys`), the key material in
 * `$AAM_HOME/registry-keys/<registry>/<hex>.pem`, named by the SHA-256 of the key's SPKI DER, and re-checked
 * against that name every time it is read.
 */

const KEY_ID_RE = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<64 lowercase hex>`, or undefined: accepts the bare hex and any case (what users paste). */
export function normalizeAttestationKeyId(id: string): string | undefined {
  const t = id.trim().toLowerCase();
  const full = t.startsWith('sha256:') ? t : `sha256:${t}`;
  return KEY_ID_RE.test(full) ? full : undefined;
}

/**
 * Parses a PEM public key and checks that it is an ECDSA P-256 key (the registry attestation algorithm);
 * throws INVALID_KEY with the reason otherwise.
 */
export function parseAttestationPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new AamError(
      'ATTESTATION_KEY_MISMATCH',
      `not a PEM public key (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new AamError(
      'ATTESTATION_KEY_MISMATCH',
      `not an ECDSA P-256 key (${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''})`,
    );
  return key;
}

/**
 * Checks that `pem` is the P-256 key named `keyid` (SHA-256 of its SPKI DER); returns the parsed key.
 * A key whose material does not hash to its id is refused: it is not the key the id names.
 */
export function checkAttestationKey(keyid: string, pem: string): KeyObject {
  const id = normalizeAttestationKeyId(keyid);
  if (!id) throw new AamError('ATTESTATION_KEY_MISMATCH', `'${keyid}' is not a key id (sha256:<64 hex>)`);
  const key = parseAttestationPublicKey(pem);
  const actual = spkiKeyId(key);
  if (actual !== id)
    throw new AamError(
      'ATTESTATION_KEY_MISMATCH',
      `the key served as ${id} is another key: its SHA-256 (SPKI DER) is ${actual}`,
      { keyid: id, actual },
    );
  return key;
}

/** `$AAM_HOME/registry-keys/<registry>` (registry names are plain directory names: see the config schema). */
export function registryKeysDir(registry: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(aamHome(env), 'registry-keys', registry);
}

/** Where a pinned key's PEM lives, under an aam home directory. */
export function pinnedKeyPath(home: string, registry: string, keyid: string): string {
  const id = normalizeAttestationKeyId(keyid);
  if (!id) throw new AamError('ATTESTATION_KEY_MISMATCH', `'${keyid}' is not a key id (sha256:<64 hex>)`);
  return join(home, 'registry-keys', registry, `${id.slice('sha256:'.length)}.pem`);
}

/** Stores a key's PEM after checking that it hashes to `keyid` (atomic write); returns the file. */
export async function storePinnedAttestationKey(
  registry: string,
  keyid: string,
  pem: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const key = checkAttestationKey(keyid, pem);
  const file = pinnedKeyPath(aamHome(env), registry, keyid);
  mkdirSync(registryKeysDir(registry, env), { recursive: true });
  // Re-exported, so the file holds exactly the SPKI the id names and nothing else (no other PEM blocks).
  await writeFileAtomic(file, key.export({ type: 'spki', format: 'pem' }).toString(), {
    encoding: 'utf8',
    mode: 0o644,
    fsync: true,
  });
  return file;
}

/**
 * The pinned key `keyid` of `registry`, checked against its id; undefined when no file holds it. Throws
 * KEY_MISMATCH / INVALID_KEY for a file that does not hold that key (edited or corrupted).
 */
export function readPinnedAttestationKey(
  home: string,
  registry: string,
  keyid: string,
): KeyObject | undefined {
  const file = pinnedKeyPath(home, registry, keyid);
  if (!existsSync(file)) return undefined;
  try {
    return checkAttestationKey(keyid, readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AamError(
      'ATTESTATION_KEY_MISMATCH',
      `the pinned key file ${file} does not hold key ${keyid}: ${e instanceof Error ? e.message : String(e)}`,
      { file, keyid },
    );
  }
}

/**
 * What is wrong with the registry-attestation settings, as warnings (`aam config validate`, install, verify):
 * attestations exist only for HTTP registries, so a trusted file:// registry can never vouch for anything.
 */
export function attestationConfigWarnings(config: Pick<AamConfig, 'security' | 'registries'>): string[] {
  const sec = config.security;
  if (sec.trust_registry_attestations !== true) return [];
  const out: string[] = [];
  const trusted = sec.trusted_registries ?? [];
  if (trusted.length === 0)
    out.push(
      'security.trust_registry_attestations is true but security.trusted_registries is empty: no registry attestation will be trusted',
    );
  for (const name of trusted) {
    const reg = config.registries.find((r) => r.name === name);
    if (!reg)
      out.push(
        `security.trusted_registries names '${name}', which is not in registries: no attestation from it can be checked`,
      );
    else if (reg.url.startsWith('file://'))
      out.push(
        `security.trusted_registries names '${name}', a local (file://) registry: registry attestations exist only for HTTP registries (aam registry serve), so packages from '${name}' are never trusted by a registry attestation`,
      );
    else if (!reg.attestation_keys?.length)
      out.push(
        `security.trusted_registries names '${name}', which has no pinned attestation key: run 'aam registry trust-key ${name}'`,
      );
  }
  return out;
}
