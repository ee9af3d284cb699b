import { Args, Flags } from '@oclif/core';
import {
  AamError,
  checkAttestationKey,
  HttpRegistry,
  isHttpRegistry,
  normalizeAttestationKeyId,
  pinnedKeyPath,
  aamHome,
  readPinnedAttestationKey,
  setRegistryAttestationKeys,
  storePinnedAttestationKey,
  type ServedAttestationKey,
} from '@aam/core';
import { existsSync } from 'node:fs';
import { AamCommand } from '../../base-command.js';
import { ok, warn } from '../../style.js';

export default class RegistryTrustKey extends AamCommand {
  static override summary = "Pin a registry's new attestation keys (after a key rotation).";
  static override description = `Fetches GET /api/v1/keys from the registry and lists the attestation keys that are not
pinned yet. Pins the KEYIDs given (sha256:<hex>, the SHA-256 of the key's SPKI; the 'sha256:' may be left out),
or with --all-active every active key: the key id goes to the registry's entry in the config
(attestation_keys), the key to $AAM_HOME/registry-keys/<name>/<hex>.pem. A key whose PEM does not hash to its
id, or that is not ECDSA P-256, is refused (exit 1). Compare the fingerprints with the ones the registry's
operator publishes before pinning them.`;
  static override examples = [
    '<%= config.bin %> registry trust-key corp',
    '<%= config.bin %> registry trust-key corp sha256:3f5a...',
    '<%= config.bin %> registry trust-key corp --all-active',
  ];
  static override strict = false;
  static override args = {
    name: Args.string({ description: 'registry name', required: true }),
    keyid: Args.string({ description: 'attestation key ids to pin (repeatable)' }),
  };
  static override flags = {
    'all-active': Flags.boolean({ description: 'pin every active attestation key the registry lists' }),
  };

  async run() {
    const { args, argv, flags } = await this.parse(RegistryTrustKey);
    const loaded = this.config_();
    const cfg = loaded.config.registries.find((r) => r.name === args.name);
    if (!cfg)
      throw new AamError(
        'NOT_FOUND',
        `Registry '${args.name}' not found. Run 'aam registry list' to see configured registries.`,
      );
    if (!isHttpRegistry(cfg))
      throw new AamError(
        'USAGE',
        `Registry '${cfg.name}' (${cfg.url}) is a local (file://) registry: registry attestations and their keys exist only for HTTP registries`,
      );
    const given = (argv as string[]).slice(1).map((k) => {
      const id = normalizeAttestationKeyId(k);
      if (!id) throw new AamError('USAGE', `'${k}' is not an attestation key id (sha256:<64 hex>)`);
      return id;
    });
    if (given.length && flags['all-active'])
      throw new AamError('USAGE', 'Give key ids or --all-active, not both');
    const served = await new HttpRegistry(cfg.name, cfg.url).attestationKeys();
    const home = aamHome();
    const pinned = new Set(cfg.attestation_keys ?? []);
    // Pinned in the config but its key file is gone: pinning it again restores the file.
    const usable = (id: string): boolean => {
      try {
        return pinned.has(id) && readPinnedAttestationKey(home, cfg.name, id) !== undefined;
      } catch {
        return false;
      }
    };
    const notPinned = served.filter((k) => !usable(k.keyid));
    if (notPinned.length === 0 && given.length === 0) {
      this.log(ok(`Every attestation key '${cfg.name}' serves is pinned (${served.length})`));
      return { registry: cfg.name, pinned: [...pinned], added: [], not_pinned: [] };
    }
    if (notPinned.length) {
      this.log(`Attestation keys of '${cfg.name}' not pinned yet:`);
      for (const k of notPinned) this.log(`  ${describeKey(k)}`);
    }
    const chosen: ServedAttestationKey[] = flags['all-active']
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
    if (chosen.length === 0) {
      this.log(
        flags['all-active']
          ? 'No active key to pin.'
          : `Pin one with: aam registry trust-key ${cfg.name} KEYID (or --all-active)`,
      );
      return {
        registry: cfg.name,
        pinned: [...pinned],
        added: [],
        not_pinned: notPinned.map((k) => ({ keyid: k.keyid, status: k.status })),
      };
    }
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
    for (const k of chosen) await storePinnedAttestationKey(cfg.name, k.keyid, k.pem);
    const next = [...pinned, ...chosen.map((k) => k.keyid).filter((id) => !pinned.has(id))];
    const file = declaringFile(loaded.layers, cfg.name);
    if (next.length !== pinned.size) await setRegistryAttestationKeys(file, cfg.name, next);
    for (const k of chosen) {
      this.log(ok(`Pinned attestation key ${k.keyid} (${k.status}) for '${cfg.name}'`));
      const path = pinnedKeyPath(home, cfg.name, k.keyid);
      if (!existsSync(path)) this.log(warn(`  but ${path} was not written`));
    }
    return {
      registry: cfg.name,
      pinned: next,
      added: chosen.map((k) => ({ keyid: k.keyid, status: k.status })),
      not_pinned: notPinned
        .filter((k) => !chosen.includes(k))
        .map((k) => ({ keyid: k.keyid, status: k.status })),
      config: file,
    };
  }
}

function describeKey(k: ServedAttestationKey): string {
  const when = [
    k.created_at ? `created ${k.created_at}` : '',
    k.retired_at ? `retired ${k.retired_at}` : '',
  ].filter(Boolean);
  return `${k.keyid} (${k.status}${when.length ? `, ${when.join(', ')}` : ''})`;
}

/** The config file that declares the registry: the highest-precedence layer listing it. */
function declaringFile(
  layers: { file: string; value: { registries?: { name?: unknown }[] } }[],
  name: string,
): string {
  const layer = [...layers].reverse().find((l) => l.value.registries?.some((r) => r?.name === name));
  if (!layer)
    throw new AamError('NOT_FOUND', `Registry '${name}' is not declared in any config file`, {
      registry: name,
    });
  return layer.file;
}
