import { Args, Flags } from '@oclif/core';
import { addRegistry, type AddRegistryResult } from '@aam/core';
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
    const r = await addRegistry({
      name: args.name,
      url: args.url,
      default: flags.default,
      ...(flags['checkpoint-key'] !== undefined ? { checkpointKey: flags['checkpoint-key'] } : {}),
      ...(flags['attestation-key'] !== undefined ? { attestationKeys: flags['attestation-key'] } : {}),
    });
    this.log(ok(`Added registry '${r.name}' (${r.url})${r.default ? ' as default' : ''}`));
    if (r.checkpoint) {
      this.log(`Checkpoint key: ${r.checkpoint.key.vkey}`);
      this.log(`Fingerprint: ${r.checkpoint.fingerprint}`);
      this.log(
        r.checkpoint.given
          ? '  Pinned: the registry serves the key given with --checkpoint-key.'
          : '  Pinned on first use: compare the fingerprint with the one the registry operator publishes.',
      );
    }
    if (r.attestation) for (const line of attestationKeyLines(r.name, r.attestation)) this.log(line);
    if (r.setAsideAuditState)
      this.log(
        warn(`Set aside the audit checkpoint stored for an earlier '${r.name}': another key signed it`),
      );
    if (r.plainHttp)
      this.log(
        warn('Plain http:// to another host: tokens and downloads travel unencrypted; prefer https://'),
      );
    return {
      name: r.name,
      url: r.url,
      default: r.default,
      config: r.config,
      ...(r.checkpoint
        ? { checkpoint_key: r.checkpoint.key.vkey, fingerprint: r.checkpoint.fingerprint }
        : {}),
      ...(r.attestation
        ? {
            attestation_keys: r.attestation.pin.map((k) => ({ keyid: k.keyid, status: k.status })),
            refused_attestation_keys: r.attestation.refused,
          }
        : {}),
    };
  }
}

/** What `registry add` prints about the attestation keys it pinned (and refused). */
function attestationKeyLines(name: string, keys: AddRegistryResult['attestation'] & object): string[] {
  const lines: string[] = [];
  if (keys.pin.length === 0 && keys.refused.length === 0)
    return ['Attestation keys: none served (this registry signs no attestations)'];
  if (keys.pin.length) {
    lines.push('Attestation keys (ECDSA P-256; fingerprint = sha256 of the public key):');
    for (const k of keys.pin) lines.push(`  ${k.keyid} (${k.status})`);
    lines.push(
      keys.given
        ? '  Pinned: the registry serves the keys given with --attestation-key.'
        : '  Pinned on first use: compare the fingerprints with the ones the registry operator publishes.',
    );
  }
  for (const r of keys.refused) lines.push(warn(`Attestation key ${r.keyid} not pinned: ${r.reason}`));
  if (keys.refused.length)
    lines.push(`  Attestations signed by a refused key will not verify: ask the operator of '${name}'.`);
  return lines;
}
