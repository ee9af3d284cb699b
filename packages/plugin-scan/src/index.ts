import { PLUGIN_SETTINGS, SCANNER, type AamPlugin, type PluginSettings } from '@aam/core/plugin';
import { ClamAvScanner, ClamdClient, parseClamdAddress } from './clamav.js';
import { HazardsScanner } from './hazards.js';
import { SecretsScanner } from './secrets.js';

export { ClamAvScanner, ClamdClient, parseClamdAddress, type ClamdAddress } from './clamav.js';
export {
  HazardsScanner,
  HAZARD_RULES_DIGEST,
  HAZARD_RULES_VERSION,
  executableFindings,
  textFindings,
} from './hazards.js';
export {
  DEFAULT_RULES_FILE,
  loadSecretRules,
  SecretsScanner,
  type SecretRule,
  type SecretRuleSet,
} from './secrets.js';

/**
 * The registry's built-in scanners: `secrets` and `hazards` always, `clamav` when the registry is told where
 * clamd listens (settings `scanners.clamav.address`, from `aam registry serve --clamd ADDR`).
 */
export const plugin: AamPlugin = {
  name: '@aam/plugin-scan',
  register(container) {
    const settings: Partial<PluginSettings> = container.isRegistered(PLUGIN_SETTINGS, true)
      ? container.resolve(PLUGIN_SETTINGS)
      : {};
    container.register(SCANNER, { useValue: new SecretsScanner() });
    container.register(SCANNER, { useValue: new HazardsScanner() });
    const clamav = settings.scanners?.clamav;
    if (clamav?.address) {
      container.register(SCANNER, {
        useValue: new ClamAvScanner(new ClamdClient(parseClamdAddress(clamav.address)), clamav.database),
      });
    }
  },
};

export default plugin;
