import { attestationConfigWarnings, CONFIG_SCHEMA_PATH } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok, warn } from '../../style.js';

export default class ConfigValidate extends AamCommand {
  static override summary = 'Validate the global and project config files against the published JSON Schema.';
  static override description = `Errors name the file, line and key, and exit 2. Unknown keys are warnings.
The schema lives at @aam/core/schema/config.schema.json for editors.`;
  static override examples = ['<%= config.bin %> config validate'];

  async run() {
    await this.parse(ConfigValidate);
    const loaded = this.config_();
    for (const l of loaded.layers) this.log(ok(`${l.file} (${l.scope}) is valid`));
    if (loaded.layers.length === 0) this.log('No config files found; using defaults.');
    const attestation = attestationConfigWarnings(loaded.config);
    for (const w of attestation) process.stderr.write(warn(w) + '\n');
    return {
      valid: true,
      files: loaded.layers.map((l) => l.file),
      warnings: loaded.warnings,
      attestation_warnings: attestation,
      schema: CONFIG_SCHEMA_PATH,
    };
  }
}
