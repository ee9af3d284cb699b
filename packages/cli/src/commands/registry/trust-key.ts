import { Args, Flags } from '@oclif/core';
import { trustRegistryKeys, type ServedAttestationKey } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

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
    const r = await trustRegistryKeys({
      registry: args.name,
      layers: loaded.layers,
      registries: loaded.config.registries,
      keyids: (argv as string[]).slice(1),
      allActive: flags['all-active'],
    });
    const describe = (k: ServedAttestationKey) => ({ keyid: k.keyid, status: k.status });
    const json = {
      registry: r.registry,
      pinned: r.pinned,
      added: r.added.map(describe),
      not_pinned: r.notPinned.map(describe),
      ...(r.config ? { config: r.config } : {}),
    };
    if (r.added.length === 0 && r.notPinned.length === 0) {
      this.log(ok(`Every attestation key '${r.registry}' serves is pinned (${r.pinned.length})`));
      return json;
    }
    const waiting = [...r.added, ...r.notPinned];
    if (waiting.length) {
      this.log(`Attestation keys of '${r.registry}' not pinned yet:`);
      for (const k of waiting) this.log(`  ${describeKey(k)}`);
    }
    if (r.added.length === 0)
      this.log(
        flags['all-active']
          ? 'No active key to pin.'
          : `Pin one with: aam registry trust-key ${r.registry} KEYID (or --all-active)`,
      );
    for (const k of r.added)
      this.log(ok(`Pinned attestation key ${k.keyid} (${k.status}) for '${r.registry}'`));
    return json;
  }
}

function describeKey(k: ServedAttestationKey): string {
  const when = [
    k.created_at ? `created ${k.created_at}` : '',
    k.retired_at ? `retired ${k.retired_at}` : '',
  ].filter(Boolean);
  return `${k.keyid} (${k.status}${when.length ? `, ${when.join(', ')}` : ''})`;
}
