import type { LoadedConfig } from '../config/load.js';
import { attestationConfigWarnings } from '../config/registry-keys.js';
import { resolvePolicy } from '../policy/compile.js';
import { durationSeconds } from '../policy/translate.js';
import { PolicyEngine } from '../policy/engine.js';
import type { SignatureVerifier } from '../plugin/contracts.js';
import type { TrustContext } from './gather.js';

/**
 * What a judging command needs, built from the merged config: the trust policy (prebuilt, compiled with the
 * enterprise modules, or a bundle) loaded once with the config, the plugins' verifiers, the request flags, and
 * which extra facts to gather. Also the warnings about settings that can never take effect.
 */
export async function trustContextFor(
  loaded: LoadedConfig,
  verifiers: SignatureVerifier[] | Promise<SignatureVerifier[]>,
  request: TrustContext['request'],
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ trust: TrustContext; warnings: string[] }> {
  // The policy compiles (or loads) while the plugins load.
  const [source, loadedVerifiers] = await Promise.all([
    resolvePolicy({ config: loaded.config, layers: loaded.layers, ...(opts.env ? { env: opts.env } : {}) }),
    verifiers,
  ]);
  const engine = await PolicyEngine.load(source, loaded.config.security);
  const security = loaded.config.security;
  return {
    trust: {
      engine,
      verifiers: loadedVerifiers,
      request,
      attestations: security.trust_registry_attestations === true,
      // The audit log is checked when it is required, and when its freshness is (max_log_age).
      ...(security.require_audit_log === true || durationSeconds(security.max_log_age) > 0
        ? { auditLog: { registries: loaded.config.registries } }
        : {}),
      ...(opts.env ? { env: opts.env } : {}),
    },
    // Registry attestations only exist on HTTP registries: say so when the config trusts another kind. And a
    // cached policy that was rebuilt because its seal did not verify.
    warnings: [
      ...attestationConfigWarnings(loaded.config),
      ...(source.kind === 'compiled' && source.warning ? [source.warning] : []),
    ],
  };
}
