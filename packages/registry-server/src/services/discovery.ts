import type { RegistryContext } from './context.js';

/** `GET /api/v1`: what this registry is and offers, and how far its audit log has grown. */
export async function capabilities(ctx: RegistryContext) {
  const head = await ctx.db.read((q) => ctx.audit.head(q));
  return {
    api_version: 1,
    name: ctx.name,
    limits: { max_archive_bytes: ctx.limits.maxArchiveSize },
    features: { approvals: ctx.requireApproval, audit_log: true },
    keys_url: '/api/v1/keys',
    audit: { origin: ctx.audit.origin, checkpoint_url: '/api/v1/audit/checkpoint', size: head.size },
  };
}
