import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointStatePath, readStoredCheckpoint } from '../audit/state.js';
import { addRegistryToConfig, setRegistryAttestationKeys } from '../config/edit.js';
import type { ConfigLayer } from '../config/load.js';
import { globalConfigPath, aamHome } from '../config/paths.js';
import {
  checkAttestationKey,
  normalizeAttestationKeyId,
  readPinnedAttestationKey,
  storePinnedAttestationKey,
} from '../config/registry-keys.js';
import type { RegistryConfig } from '../config/types.js';
import { AamError, unknownRegistryError } from '../errors.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { parseVerifierKey, type NoteVerifier } from '../tlog/note.js';
import { HttpRegistry, type ServedAttestationKey } from './http.js';
import { LocalRegistry, localRegistryPath } from './local.js';
import { isHttpRegistry } from './open.js';

/**
 * Trust on first use for HTTP registries: `aam registry add` pins the audit log's checkpoint key and the
 * attestation keys a registry serves (or exactly the ones the user already knows), and `aam registry trust-key`
 * pins the new keys of a rotation. Every served key is checked before anything is written.
 */

const REGISTRY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface AddRegistryRequest {
  name: string;
  /** `file://PATH` or `http(s)://HOST`. */
  url: string;
  default?: boolean;
  /** The checkpoint key (vkey) the user knows: the registry must serve it (else trust on first use). */
  checkpointKey?: string;
  /** The attestation key ids the user knows: exactly these are pinned, and each must be served. */
  attestationKeys?: string[];
  env?: NodeJS.ProcessEnv;
}

/** The attestation keys a registry served, checked: those to pin and those refused (with why). */
export interface CheckedAttestationKeys {
  pin: ServedAttestationKey[];
  refused: { keyid: string; reason: string }[];
}

export interface AddRegistryResult {
  name: string;
  url: string;
  default: boolean;
  /** The config file the registry was added to. */
  config: string;
  checkpoint?: { key: NoteVerifier; fingerprint: string; given: boolean };
  attestation?: CheckedAttestationKeys & { given: boolean };
  /** A checkpoint stored for an earlier registry of this name, signed by another key, was set aside here. */
  setAsideAuditState?: string;
  /** Plain http:// to another host: tokens and downloads travel unencrypted. */
  plainHttp: boolean;
}

/** `aam registry add`: checks the registry, pins its keys (HTTP registries) and adds it to the global config. */
export async function addRegistry(req: AddRegistryRequest): Promise<AddRegistryResult> {
  const env = req.env ?? process.env;
  if (!REGISTRY_NAME_RE.test(req.name))
    throw new AamError(
      'USAGE',
      `Invalid registry name '${req.name}': letters, digits, '.', '_' and '-', at most 64`,
    );
  const file = globalConfigPath(env);
  const base = {
    name: req.name,
    url: req.url,
    default: req.default ?? false,
    config: file,
    plainHttp: false,
  };
  if (req.url.startsWith('file://')) {
    checkLocalRegistry(req);
    await addRegistryToConfig(file, { name: req.name, url: req.url, default: base.default });
    return base;
  }
  if (!/^https?:\/\//i.test(req.url))
    throw new AamError('USAGE', `Unsupported registry URL '${req.url}': use file://PATH or http(s)://HOST`);
  const registry = new HttpRegistry(req.name, req.url);
  const key = await servedCheckpointKey(registry, req.checkpointKey);
  const attestation = await servedAttestationKeys(registry, req.attestationKeys);
  await addRegistryToConfig(file, {
    name: req.name,
    url: req.url,
    default: base.default,
    checkpoint_key: key.vkey,
    ...(attestation.pin.length ? { attestation_keys: attestation.pin.map((k) => k.keyid) } : {}),
  });
  for (const k of attestation.pin) await storePinnedAttestationKey(req.name, k.keyid, k.pem, env);
  const setAside = setAsideForeignAuditState(req.name, key, env);
  return {
    ...base,
    checkpoint: { key, fingerprint: checkpointKeyFingerprint(key), given: req.checkpointKey !== undefined },
    attestation: { ...attestation, given: req.attestationKeys !== undefined },
    ...(setAside ? { setAsideAuditState: setAside } : {}),
    plainHttp: req.url.toLowerCase().startsWith('http://') && !isLoopback(req.url),
  };
}

function checkLocalRegistry(req: AddRegistryRequest): void {
  if (req.checkpointKey !== undefined)
    throw new AamError(
      'USAGE',
      '--checkpoint-key is for HTTP registries (file:// registries keep no audit log)',
    );
  if (req.attestationKeys !== undefined)
    throw new AamError(
      'USAGE',
      '--attestation-key is for HTTP registries (file:// registries sign no attestations)',
    );
  const path = localRegistryPath(req.url);
  if (!existsSync(path)) throw new AamError('USAGE', `Registry path does not exist: ${path}`);
  if (!existsSync(join(path, 'registry.yaml')))
    throw new AamError(
      'USAGE',
      `${path} is not a registry (no registry.yaml): run 'aam registry init ${path}'`,
    );
  LocalRegistry.open(req.name, req.url);
}

/** The registry's checkpoint key; with `given`, a registry that does not serve it is refused. */
async function servedCheckpointKey(registry: HttpRegistry, given?: string): Promise<NoteVerifier> {
  let expected: NoteVerifier | undefined;
  if (given !== undefined) {
    try {
      expected = parseVerifierKey(given.trim());
    } catch (e) {
      throw new AamError('USAGE', `--checkpoint-key: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const where = `Registry '${registry.name}' (${registry.url})`;
  const served = await registry.checkpointKeys();
  if (served.length === 0)
    throw new AamError(
      'INVALID_REGISTRY',
      `${where} lists no active checkpoint key at /api/v1/keys: is it an aam registry?`,
    );
  const keys = served.map((vkey) => {
    try {
      return parseVerifierKey(vkey);
    } catch (e) {
      throw new AamError(
        'INVALID_REGISTRY',
        `Registry '${registry.name}' serves a malformed checkpoint key: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  });
  if (expected) {
    if (!keys.some((k) => k.vkey === expected.vkey))
      throw new AamError(
        'CHECKPOINT_KEY_MISMATCH',
        `${where} does not serve the checkpoint key given with --checkpoint-key.\n  Given:  ${expected.vkey}\n  Served: ${keys.map((k) => k.vkey).join(', ')}\nNot added: this may not be the registry you meant, or its key changed.`,
        { expected: expected.vkey, served: keys.map((k) => k.vkey) },
      );
    return expected;
  }
  if (keys.length > 1)
    throw new AamError(
      'USAGE',
      `Registry '${registry.name}' serves ${keys.length} checkpoint keys (${keys.map((k) => k.vkey).join(', ')}): pick one with --checkpoint-key`,
    );
  return keys[0]!;
}

/**
 * The registry's attestation keys, each checked to be the P-256 key its id names: all active and retired ones
 * (trust on first use), or exactly the ones given (refused when one is not served, or is not its id's key).
 */
async function servedAttestationKeys(
  registry: HttpRegistry,
  given?: string[],
): Promise<CheckedAttestationKeys> {
  const wanted = given?.map((g) => {
    const id = normalizeAttestationKeyId(g);
    if (!id) throw new AamError('USAGE', `--attestation-key '${g}' is not a key id (sha256:<64 hex>)`);
    return id;
  });
  const served = await registry.attestationKeys();
  const out: CheckedAttestationKeys = { pin: [], refused: [] };
  for (const k of served) {
    if (wanted ? !wanted.includes(k.keyid) : k.status === 'unknown') continue;
    try {
      checkAttestationKey(k.keyid, k.pem);
      out.pin.push(k);
    } catch (e) {
      out.refused.push({ keyid: k.keyid, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const where = `Registry '${registry.name}' (${registry.url})`;
  for (const id of wanted ?? []) {
    if (!served.some((k) => k.keyid === id))
      throw new AamError(
        'ATTESTATION_KEY_MISMATCH',
        `${where} does not serve the attestation key ${id} given with --attestation-key (it serves: ${served.map((k) => k.keyid).join(', ') || 'none'}). Not added.`,
      );
    const bad = out.refused.find((r) => r.keyid === id);
    if (bad)
      throw new AamError(
        'ATTESTATION_KEY_MISMATCH',
        `Registry '${registry.name}': ${bad.reason}. Not added.`,
        {
          keyid: id,
        },
      );
  }
  return out;
}

/**
 * A checkpoint stored under this name that the new key cannot verify belongs to another log (the name was
 * reused): it means nothing for this one and is set aside (the file it was moved to is returned). One the key
 * verifies is kept, so re-adding a registry keeps its history.
 */
function setAsideForeignAuditState(
  name: string,
  key: NoteVerifier,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const stored = readStoredCheckpoint(name, env);
  if (stored === undefined) return undefined;
  try {
    openCheckpoint(stored, key, key.name);
    return undefined;
  } catch {
    const file = checkpointStatePath(name, env);
    const aside = `${file}.foreign-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, aside);
    return aside;
  }
}

/** `<key name>+<hex key ID>`: what an operator reads out to users. */
export function checkpointKeyFingerprint(key: NoteVerifier): string {
  return `${key.name}+${key.keyId.toString(16).padStart(8, '0')}`;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

export interface TrustKeysRequest {
  registry: string;
  /** The config's layers: the key ids are written to the file that declares the registry. */
  layers: ConfigLayer[];
  registries: RegistryConfig[];
  /** Key ids to pin (`sha256:` optional); empty with `allActive` false only lists what is not pinned. */
  keyids: string[];
  allActive: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface TrustKeysResult {
  registry: string;
  /** Every key id pinned after this call. */
  pinned: string[];
  added: ServedAttestationKey[];
  /** Served keys still not pinned. */
  notPinned: ServedAttestationKey[];
  /** The config file written, when something was added. */
  config?: string;
}

/**
 * `aam registry trust-key`: pins the registry's attestation keys given (or every active one), each checked to
 * hash to its id (one bad key pins none). A key pinned in the config whose file is gone is pinned again.
 */
export async function trustRegistryKeys(req: TrustKeysRequest): Promise<TrustKeysResult> {
  const env = req.env ?? process.env;
  const cfg = req.registries.find((r) => r.name === req.registry);
  if (!cfg) throw unknownRegistryError(req.registry, req.registries);
  if (!isHttpRegistry(cfg))
    throw new AamError(
      'USAGE',
      `Registry '${cfg.name}' (${cfg.url}) is a local (file://) registry: registry attestations and their keys exist only for HTTP registries`,
    );
  const given = req.keyids.map((k) => {
    const id = normalizeAttestationKeyId(k);
    if (!id) throw new AamError('USAGE', `'${k}' is not an attestation key id (sha256:<64 hex>)`);
    return id;
  });
  if (given.length && req.allActive) throw new AamError('USAGE', 'Give key ids or --all-active, not both');
  const served = await new HttpRegistry(cfg.name, cfg.url).attestationKeys();
  const home = aamHome(env);
  const pinned = new Set(cfg.attestation_keys ?? []);
  const usable = (id: string): boolean => {
    try {
      return pinned.has(id) && readPinnedAttestationKey(home, cfg.name, id) !== undefined;
    } catch {
      return false;
    }
  };
  const notPinned = served.filter((k) => !usable(k.keyid));
  const chosen = req.allActive
    ? notPinned.filter((k) => k.status === 'active')
    : given.map((id) => {
        const k = served.find((s) => s.keyid === id);
        if (!k)
          throw new AamError(
            'NOT_FOUND',
            `Registry '${cfg.name}' does not serve the attestation key ${id} (it serves: ${served.map((s) => s.keyid).join(', ') || 'none'})`,
            { registry: cfg.name, keyid: id },
          );
        return k;
      });
  const result = { registry: cfg.name, pinned: [...pinned], added: [], notPinned };
  if (chosen.length === 0) return result;
  // Every chosen key is checked before anything is written: one bad key pins none.
  for (const k of chosen) {
    try {
      checkAttestationKey(k.keyid, k.pem);
    } catch (e) {
      throw new AamError(
        'ATTESTATION_KEY_MISMATCH',
        `Refused attestation key ${k.keyid} of '${cfg.name}': ${e instanceof Error ? e.message : String(e)}. Nothing was pinned.`,
        { registry: cfg.name, keyid: k.keyid },
      );
    }
  }
  for (const k of chosen) await storePinnedAttestationKey(cfg.name, k.keyid, k.pem, env);
  const next = [...pinned, ...chosen.map((k) => k.keyid).filter((id) => !pinned.has(id))];
  const file = declaringFile(req.layers, cfg.name);
  if (next.length !== pinned.size) await setRegistryAttestationKeys(file, cfg.name, next);
  return {
    ...result,
    pinned: next,
    added: chosen,
    notPinned: notPinned.filter((k) => !chosen.includes(k)),
    config: file,
  };
}

/** The config file that declares the registry: the highest-precedence layer listing it. */
function declaringFile(layers: ConfigLayer[], name: string): string {
  const layer = [...layers].reverse().find((l) => l.value.registries?.some((r) => r?.name === name));
  if (!layer)
    throw new AamError('NOT_FOUND', `Registry '${name}' is not declared in any config file`, {
      registry: name,
    });
  return layer.file;
}
