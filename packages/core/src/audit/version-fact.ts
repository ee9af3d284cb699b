import type { RegistryConfig } from '../config/types.js';
import { LOCAL_REGISTRY_AUDIT_ERROR, type AuditLogFact } from '../policy/facts.js';
import { HttpRegistry } from '../registry/http.js';
import type { Registry } from '../registry/types.js';
import { verifyAuditLogHead } from './head.js';
import { provePublishEntry } from './publish-proof.js';
import { HttpAuditLogSource } from './source.js';

/**
 * The `audit_log` fact for one version (`security.require_audit_log`): the registry's checkpoint verifies under
 * the pinned key and is consistent with the last one this client saw, and the version's `package.publish` entry
 * (its `audit_index`) is proven in it, naming this package, version and checksum. Every failure is a fact
 * (`consistent: false` with the reason), never a pass.
 */
export async function auditLogFact(opts: {
  registry: Registry;
  config: RegistryConfig | undefined;
  name: string;
  version: string;
  checksum: string;
  auditIndex: number | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<AuditLogFact> {
  const base = { registry: opts.registry.name };
  const unchecked = (error: string): AuditLogFact => ({ ...base, checked: false, consistent: false, error });
  if (opts.registry.kind !== 'http' || !(opts.registry instanceof HttpRegistry))
    return unchecked(LOCAL_REGISTRY_AUDIT_ERROR);
  const vkey = opts.config?.checkpoint_key;
  if (!vkey)
    return unchecked(`no checkpoint key is pinned for '${opts.registry.name}': run aam registry add again`);
  const index = opts.auditIndex;
  if (index === undefined)
    return unchecked(`'${opts.registry.name}' names no audit entry for ${opts.name}@${opts.version}`);
  const source = new HttpAuditLogSource(opts.registry);
  let size: number | undefined;
  try {
    const head = await verifyAuditLogHead({
      registry: opts.registry.name,
      vkey,
      source,
      ...(opts.env ? { env: opts.env } : {}),
      // Proven before the checkpoint is stored: a log that does not hold this publish stores nothing.
      beforeStore: async (h) => {
        size = h.checkpoint.size;
        await provePublishEntry(
          source,
          h.checkpoint,
          { index, name: opts.name, version: opts.version, checksum: opts.checksum },
          { registry: opts.registry.name },
        );
      },
    });
    return { ...base, checked: true, consistent: true, checkpoint_size: head.checkpoint.size };
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    return size === undefined
      ? unchecked(error)
      : { ...base, checked: true, consistent: false, checkpoint_size: size, error };
  }
}
