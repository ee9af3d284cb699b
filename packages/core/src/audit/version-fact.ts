import type { RegistryConfig } from '../config/types.js';
import { LOCAL_REGISTRY_AUDIT_ERROR, type AuditLogFact } from '../policy/facts.js';
import { HttpRegistry } from '../registry/http.js';
import type { Registry } from '../registry/types.js';
import { leafHash } from '../tlog/hash.js';
import { verifyInclusion } from '../tlog/proof.js';
import { verifyAuditLogHead } from './head.js';
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
  if (opts.auditIndex === undefined)
    return unchecked(`'${opts.registry.name}' names no audit entry for ${opts.name}@${opts.version}`);
  const http = opts.registry;
  let size: number | undefined;
  try {
    const head = await verifyAuditLogHead({
      registry: http.name,
      vkey,
      source: new HttpAuditLogSource(http),
      ...(opts.env ? { env: opts.env } : {}),
      beforeStore: async (h) => {
        size = h.checkpoint.size;
        const index = opts.auditIndex!;
        if (index >= h.checkpoint.size)
          throw new Error(`audit entry ${index} is not in the log (size ${h.checkpoint.size})`);
        const doc = await http.getJson<{ index?: unknown; body?: unknown; body_base64?: unknown }>(
          `/api/v1/audit/entries/${index}`,
        );
        const body =
          typeof doc.body_base64 === 'string'
            ? Buffer.from(doc.body_base64, 'base64')
            : Buffer.from(typeof doc.body === 'string' ? doc.body : '', 'utf8');
        const proof = await new HttpAuditLogSource(http).inclusionProof(index, h.checkpoint.size);
        verifyInclusion(index, h.checkpoint.size, leafHash(body), proof, h.checkpoint.root);
        const entry = JSON.parse(body.toString('utf8')) as {
          event?: unknown;
          package?: unknown;
          metadata?: { checksum?: unknown };
        };
        if (
          entry.event !== 'package.publish' ||
          entry.package !== `${opts.name}@${opts.version}` ||
          entry.metadata?.checksum !== opts.checksum
        )
          throw new Error(
            `audit entry ${index} is not the publish of ${opts.name}@${opts.version} with ${opts.checksum}`,
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
