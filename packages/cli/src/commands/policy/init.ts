import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { globalConfigPath, setConfigKeys, TRUST_LEVELS, type TrustLevel } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok, warn } from '../../style.js';

export default class PolicyInit extends AamCommand {
  static override summary = "Set the security section to one of the seed's trust levels.";
  static override description = `minimal: checksums only. moderate: optional signatures, warnings on bad ones.
strict: required signatures from trusted identities or keys. maximum: strict + an attestation from a trusted
registry + a consistent registry audit log (require_registry_attestation, require_audit_log; local file://
registries have neither, so their packages fail).
Writes .aam/config.yaml (or the global config with --global), keeping its comments and trust lists.`;
  static override examples = [
    '<%= config.bin %> policy init --level strict',
    '<%= config.bin %> policy init --level moderate --global',
    '<%= config.bin %> policy init --level maximum',
  ];
  static override flags = {
    level: Flags.string({
      options: ['minimal', 'moderate', 'strict', 'maximum'],
      required: true,
      description: 'trust level',
    }),
    global: Flags.boolean({ char: 'g', description: 'write the global config instead of the project one' }),
  };

  async run() {
    const { flags } = await this.parse(PolicyInit);
    const level = TRUST_LEVELS[flags.level as TrustLevel];
    const file = flags.global ? globalConfigPath() : join(process.cwd(), '.aam', 'config.yaml');
    await setConfigKeys(
      file,
      Object.entries(level.security).map(([k, v]) => [['security', k], v]),
    );
    this.log(ok(`${flags.level}: ${level.summary} (written to ${file})`));
    for (const [k, v] of Object.entries(level.security)) this.log(`  security.${k}: ${JSON.stringify(v)}`);
    if (level.todo) this.log(warn(`Next: ${level.todo}`));
    return { level: flags.level, file, security: level.security };
  }
}
