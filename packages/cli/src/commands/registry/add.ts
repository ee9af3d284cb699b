import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import {
  AamError,
  addRegistryToConfig,
  checkAttestationKey,
  checkpointStatePath,
  globalConfigPath,
  HttpRegistry,
  localRegistryPath,
  LocalRegistry,
  normalizeAttestationKeyId,
  openCheckpoint,
  parseVerifierKey,
  readStoredCheckpoint,
  storePinnedAttestationKey,
  type NoteVerifier,
  type ServedAttestationKey,
} from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok, warn } from '../../style.js';

export default class RegistryAdd extends AamCommand {
  static override summary = 'Add a registry to the global config.';
  static override description = `URL is file://PATH for a local registry, or http(s)://HOST for a registry served by
'aam registry serve'. Registries are searched in config order, the default first.

For an HTTP registry, the audit log's checkpoint key is fetched from GET /api/v1/keys, printed with its
fingerprint, and pinned in the config (checkpoint_key): trust on first use. Compare the fingerprint with the one
the registry's operator publishes, or pass the key you already know with --checkpoint-key: a registry that
serves another key is then refused.

The registry's attestation keys (ECDSA P-256, active and retired) are pinned the same way: their ids
(sha256 of the public key) go to the config (attestation_keys), the keys to
$AAM_HOME/registry-keys/<name>/<hex>.pem, each checked to hash to its id. With --attestation-key, only the keys
given are pinned, and a registry that does not serve them is refused. A later rotation needs
'aam registry trust-key'.`;
  static override examples = [
    '<%= config.bin %> registry add local file:///home/me/aam-registry --default',
    '<%= config.bin %> registry add corp https://aam.example.com --default',
    '<%= config.bin %> registry add corp https://aam.example.com --checkpoint-key aam.example.com/audit+1a2b3c4d+AQ...',
  ];
  static override args = {
    name: Args.string({ description: 'registry name', required: true }),
    url: Args.string({ description: 'file://PATH or http(s)://HOST', required: true }),
  };
  static override flags = {
    default: Flags.boolean({ description: 'make it the default registry' }),
    'checkpoint-key': Flags.string({
      description:
        "HTTP registries: the audit log's checkpoint key (vkey) to pin instead of trusting the first answer",
    }),
    'attestation-key': Flags.string({
      multiple: true,
      description:
        'HTTP registries: an attestation key id (sha256:<hex>) to pin instead of every key the registry lists (repeatable)',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(RegistryAdd);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(args.name)) {
      throw new AamError(
        'USAGE',
        `Invalid registry name '${args.name}': letters, digits, '.', '_' and '-', at most 64`,
      );
    }
    let checkpointKey: NoteVerifier | undefined;
    let attestationKeys: AttestationKeys | undefined;
    if (args.url.startsWith('file://')) {
      if (flags['checkpoint-key'] !== undefined)
        throw new AamError(
          'USAGE',
          '--checkpoint-key is for HTTP registries (file:// registries keep no audit log)',
        );
      if (flags['attestation-key'] !== undefined)
        throw new AamError(
          'USAGE',
          '--attestation-key is for HTTP registries (file:// registries sign no attestations)',
        );
      const path = localRegistryPath(args.url);
      if (!existsSync(path)) throw new AamError('USAGE', `Registry path does not exist: ${path}`);
      if (!existsSync(join(path, 'registry.yaml')))
        throw new AamError(
          'USAGE',
          `${path} is not a registry (no registry.yaml): run 'aam registry init ${path}'`,
        );
      LocalRegistry.open(args.name, args.url);
    } else if (/^https?:\/\//i.test(args.url)) {
      checkpointKey = await this.pinCheckpointKey(args.name, args.url, flags['checkpoint-key']);
      attestationKeys = await servedAttestationKeys(args.name, args.url, flags['attestation-key']);
    } else {
      throw new AamError(
        'USAGE',
        `Unsupported registry URL '${args.url}': use file://PATH or http(s)://HOST`,
      );
    }
    const file = globalConfigPath();
    await addRegistryToConfig(file, {
      name: args.name,
      url: args.url,
      default: flags.default,
      ...(checkpointKey ? { checkpoint_key: checkpointKey.vkey } : {}),
      ...(attestationKeys?.pin.length ? { attestation_keys: attestationKeys.pin.map((k) => k.keyid) } : {}),
    });
    for (const k of attestationKeys?.pin ?? []) await storePinnedAttestationKey(args.name, k.keyid, k.pem);
    const resetState = checkpointKey ? this.dropForeignAuditState(args.name, checkpointKey) : false;
    this.log(ok(`Added registry '${args.name}' (${args.url})${flags.default ? ' as default' : ''}`));
    if (checkpointKey) {
      this.log(`Checkpoint key: ${checkpointKey.vkey}`);
      this.log(`Fingerprint: ${fingerprint(checkpointKey)}`);
      this.log(
        flags['checkpoint-key'] !== undefined
          ? '  Pinned: the registry serves the key given with --checkpoint-key.'
          : '  Pinned on first use: compare the fingerprint with the one the registry operator publishes.',
      );
      if (attestationKeys)
        for (const line of attestationKeyLines(
          args.name,
          attestationKeys,
          flags['attestation-key'] !== undefined,
        ))
          this.log(line);
      if (resetState)
        this.log(
          warn(`Set aside the audit checkpoint stored for an earlier '${args.name}': another key signed it`),
        );
      if (args.url.toLowerCase().startsWith('http://') && !isLoopback(args.url))
        this.log(
          warn('Plain http:// to another host: tokens and downloads travel unencrypted; prefer https://'),
        );
    }
    return {
      name: args.name,
      url: args.url,
      default: flags.default,
      config: file,
      ...(checkpointKey
        ? { checkpoint_key: checkpointKey.vkey, fingerprint: fingerprint(checkpointKey) }
        : {}),
      ...(attestationKeys
        ? {
            attestation_keys: attestationKeys.pin.map((k) => ({ keyid: k.keyid, status: k.status })),
            refused_attestation_keys: attestationKeys.refused,
          }
        : {}),
    };
  }

  /** Fetches the registry's checkpoint key; with `given`, refuses a registry that does not serve it. */
  private async pinCheckpointKey(name: string, url: string, given?: string): Promise<NoteVerifier> {
    let expected: NoteVerifier | undefined;
    if (given !== undefined) {
      try {
        expected = parseVerifierKey(given.trim());
      } catch (e) {
        throw new AamError('USAGE', `--checkpoint-key: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const registry = new HttpRegistry(name, url);
    const doc = await registry.getJson<{ keys?: unknown }>('/api/v1/keys');
    const served = (Array.isArray(doc.keys) ? (doc.keys as Record<string, unknown>[]) : []).filter(
      (k) =>
        k?.use === 'checkpoint' &&
        (k.status === undefined || k.status === 'active') &&
        typeof k.vkey === 'string',
    );
    if (served.length === 0)
      throw new AamError(
        'INVALID_REGISTRY',
        `Registry '${name}' (${url}) lists no active checkpoint key at /api/v1/keys: is it an aam registry?`,
      );
    const keys = served.map((k) => {
      try {
        return parseVerifierKey(String(k.vkey));
      } catch (e) {
        throw new AamError(
          'INVALID_REGISTRY',
          `Registry '${name}' serves a malformed checkpoint key: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    });
    if (expected) {
      if (!keys.some((k) => k.vkey === expected.vkey))
        throw new AamError(
          'CHECKPOINT_KEY_MISMATCH',
          `Registry '${name}' (${url}) does not serve the checkpoint key given with --checkpoint-key.\n  Given:  ${expected.vkey}\n  Served: ${keys.map((k) => k.vkey).join(', ')}\nNot added: this may not be the registry you meant, or its key changed.`,
          { expected: expected.vkey, served: keys.map((k) => k.vkey) },
        );
      return expected;
    }
    if (keys.length > 1)
      throw new AamError(
        'USAGE',
        `Registry '${name}' serves ${keys.length} checkpoint keys (${keys.map((k) => k.vkey).join(', ')}): pick one with --checkpoint-key`,
      );
    return keys[0]!;
  }

  /**
   * A checkpoint stored under this name that the new key cannot verify belongs to another log (the name was
   * reused): it means nothing for this one. One the key verifies is kept, so re-adding a registry keeps its history.
   */
  private dropForeignAuditState(name: string, key: NoteVerifier): boolean {
    const stored = readStoredCheckpoint(name);
    if (stored === undefined) return false;
    try {
      openCheckpoint(stored, key, key.name);
      return false;
    } catch {
      const file = checkpointStatePath(name);
      renameSync(file, `${file}.foreign-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      return true;
    }
  }
}

/** `<key name>+<hex key ID>`: what an operator reads out to users. */
function fingerprint(key: NoteVerifier): string {
  return `${key.name}+${key.keyId.toString(16).padStart(8, '0')}`;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

interface AttestationKeys {
  /** Checked (the PEM hashes to the id, a P-256 key) and to be pinned. */
  pin: ServedAttestationKey[];
  /** Served but refused, with why. */
  refused: { keyid: string; reason: string }[];
}

/**
 * The registry's attestation keys from GET /api/v1/keys, each checked to be the P-256 key its id names: all
 * active and retired ones (trust on first use), or exactly the ones given (refused when one is not served).
 */
async function servedAttestationKeys(name: string, url: string, given?: string[]): Promise<AttestationKeys> {
  const wanted = given?.map((g) => {
    const id = normalizeAttestationKeyId(g);
    if (!id) throw new AamError('USAGE', `--attestation-key '${g}' is not a key id (sha256:<64 hex>)`);
    return id;
  });
  const served = await new HttpRegistry(name, url).attestationKeys();
  const out: AttestationKeys = { pin: [], refused: [] };
  for (const k of served) {
    if (wanted ? !wanted.includes(k.keyid) : k.status === 'unknown') continue;
    try {
      checkAttestationKey(k.keyid, k.pem);
      out.pin.push(k);
    } catch (e) {
      out.refused.push({ keyid: k.keyid, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  for (const id of wanted ?? []) {
    if (!served.some((k) => k.keyid === id))
      throw new AamError(
        'ATTESTATION_KEY_MISMATCH',
        `Registry '${name}' (${url}) does not serve the attestation key ${id} given with --attestation-key (it serves: ${served.map((k) => k.keyid).join(', ') || 'none'}). Not added.`,
      );
    const bad = out.refused.find((r) => r.keyid === id);
    if (bad)
      throw new AamError('ATTESTATION_KEY_MISMATCH', `Registry '${name}': ${bad.reason}. Not added.`, {
        keyid: id,
      });
  }
  return out;
}

/** What `registry add` prints about the attestation keys it pinned (and refused). */
function attestationKeyLines(name: string, keys: AttestationKeys, given: boolean): string[] {
  const lines: string[] = [];
  if (keys.pin.length === 0 && keys.refused.length === 0)
    return ['Attestation keys: none served (this registry signs no attestations)'];
  if (keys.pin.length) {
    lines.push('Attestation keys (ECDSA P-256; fingerprint = sha256 of the public key):');
    for (const k of keys.pin) lines.push(`  ${k.keyid} (${k.status})`);
    lines.push(
      given
        ? '  Pinned: the registry serves the keys given with --attestation-key.'
        : '  Pinned on first use: compare the fingerprints with the ones the registry operator publishes.',
    );
  }
  for (const r of keys.refused) lines.push(warn(`Attestation key ${r.keyid} not pinned: ${r.reason}`));
  if (keys.refused.length)
    lines.push(`  Attestations signed by a refused key will not verify: ask the operator of '${name}'.`);
  return lines;
}
