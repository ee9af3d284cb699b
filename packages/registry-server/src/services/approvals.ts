import { requireScope, type Principal } from '../auth.js';
import { jsonObject } from '../input.js';
import { badRequest, conflict, forbidden, notFound } from '../problem.js';
import { Repository } from '../repository/index.js';
import { attestVersion } from './attestation.js';
import { now, type RegistryContext } from './context.js';
import { tagsOnApproval } from './dist-tags.js';

/** The versions waiting for an approver, oldest first. Approvers and admins only. */
export async function approvalQueue(ctx: RegistryContext, p: Principal) {
  requireScope(p, 'approve');
  if (p.role !== 'approver' && p.role !== 'admin') throw forbidden('Only approvers see the approval queue');
  const items = await ctx.db.read(async (q) => {
    const repo = new Repository(q);
    const out = [];
    for (const v of await repo.versions.pending()) {
      // Why it waits: held by the publish policy (its reasons and the findings), or every publish waits.
      const evidence = await repo.scans.of(v.package, v.version);
      out.push({
        name: v.package,
        version: v.version,
        checksum: v.checksum,
        published_at: v.published_at,
        held_by: evidence?.publish_policy.decision === 'hold' ? evidence.publish_policy.reasons : [],
        findings: (evidence?.scans ?? []).flatMap((s) => s.findings.map((f) => ({ scanner: s.name, ...f }))),
      });
    }
    return out;
  });
  return { items };
}

/**
 * An approver's decision on a pending version (never their own publish): approved, its requested tag moves and
 * the registry attests it; rejected, it stays hidden.
 */
export async function decideApproval(
  ctx: RegistryContext,
  p: Principal,
  pkg: string,
  ver: string,
  body: unknown,
) {
  requireScope(p, 'approve', pkg);
  if (p.role !== 'approver' && p.role !== 'admin') throw forbidden('Only approvers may approve or reject');
  const b = jsonObject(body);
  const decision = b.decision;
  if (decision !== 'approve' && decision !== 'reject')
    throw badRequest("decision must be 'approve' or 'reject'");
  const comment = typeof b.comment === 'string' ? b.comment.slice(0, 1000) : null;
  return ctx.db.write(async (q) => {
    const repo = new Repository(q);
    const v = await repo.versions.row(pkg, ver);
    if (!v) throw notFound(`${pkg}@${ver}`, 'version_not_found');
    if (v.status !== 'pending') throw conflict(`${pkg}@${ver} was already ${v.status}`);
    if (v.publisher_id === p.userId) throw forbidden('Nobody approves their own publish', 'self_approval');
    const status = decision === 'approve' ? 'approved' : 'rejected';
    await repo.versions.setStatus(pkg, ver, status);
    await repo.approvals.insert({
      package: pkg,
      version: ver,
      userId: p.userId,
      decision,
      comment,
      at: now(),
    });
    if (status === 'approved') {
      // A version yanked while it waited is approved, but no tag moves to it.
      if (v.yanked !== 1) await tagsOnApproval(repo, pkg, v.requested_tag, ver);
      const publisher = await repo.users.nameOf(v.publisher_id);
      await attestVersion(
        ctx,
        repo,
        {
          name: pkg,
          version: ver,
          checksum: v.checksum,
          publisher: publisher ?? 'unknown',
          auditIndex: Number(v.audit_index),
        },
        { approvers: [p.user], at: now() },
      );
    }
    const e = await ctx.audit.append(q, {
      event: decision === 'approve' ? 'version.approve' : 'version.reject',
      actor: p.user,
      package: `${pkg}@${ver}`,
      metadata: { comment, ...(status === 'approved' ? { tag: v.requested_tag } : {}) },
    });
    return { name: pkg, version: ver, approval_status: status, audit_index: e.index };
  });
}
