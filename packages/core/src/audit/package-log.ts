import type { RegistryConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import type { HttpRegistry } from '../registry/http.js';
import { verifiedPackageEntries, type PackageAuditLog } from './entries.js';
import { verifyAuditLogHead, type VerifiedHead } from './head.js';
import { HttpAuditLogSource, type AuditLogSource } from './source.js';

export interface PackageAuditReport extends PackageAuditLog {
  head: VerifiedHead;
}

/**
 * `aam info NAME --audit-log`: verifies the registry's checkpoint under the pinned key and against the last one
 * seen (a fork, a shrunk log or a bad proof is fatal and leaves the stored state alone), then lists the
 * package's entries, each proven to be in that checkpoint's tree.
 */
export async function packageAuditLog(
  registry: HttpRegistry,
  cfg: RegistryConfig,
  name: string,
  opts: { env?: NodeJS.ProcessEnv; source?: AuditLogSource } = {},
): Promise<PackageAuditReport> {
  if (!cfg.checkpoint_key)
    throw new AamError(
      'AUDIT_LOG_NOT_CONFIGURED',
      `Registry '${cfg.name}' has no pinned checkpoint key, so its audit log cannot be verified: add it again to pin the key (aam registry remove ${cfg.name}; aam registry add ${cfg.name} ${cfg.url} [--checkpoint-key VKEY])`,
      { registry: cfg.name },
      2,
    );
  const source = opts.source ?? new HttpAuditLogSource(registry);
  let log: PackageAuditLog | undefined;
  const head = await verifyAuditLogHead({
    registry: cfg.name,
    vkey: cfg.checkpoint_key,
    source,
    ...(opts.env ? { env: opts.env } : {}),
    // An entry that fails its proof fails the visit: the checkpoint is not stored either.
    beforeStore: async (h) => {
      log = await verifiedPackageEntries(name, h, source);
    },
  });
  return { head, ...log! };
}
