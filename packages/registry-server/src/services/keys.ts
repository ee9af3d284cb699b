import type { AttestationSigner } from '../attest.js';
import type { AuditLog } from '../audit.js';
import { requireScope, type Principal } from '../auth.js';
import type { Db } from '../db.js';
import { jsonObject } from '../input.js';
import { badRequest, forbidden } from '../problem.js';
import { Repository } from '../repository/index.js';
import { now, type RegistryContext } from './context.js';

/** The registry's public keys: the checkpoint key, and every attestation key (retired ones included). */
export async function registryKeys(ctx: RegistryContext) {
  const attestationKeys = await ctx.db.read((q) => new Repository(q).attestationKeys.list());
  return {
    keys: [
      {
        keyid: ctx.audit.vkey.split('+')[1],
        use: 'checkpoint',
        alg: 'Ed25519',
        vkey: ctx.audit.vkey,
        origin: ctx.audit.origin,
        status: 'active',
      },
      ...attestationKeys.map((k) => ({ ...k, use: 'attestation', alg: 'ES256' })),
    ],
  };
}

/** A new active attestation key; the old one stays listed (retired) so old attestations verify. Admins only. */
export async function rotateAttestationKey(ctx: RegistryContext, p: Principal, body: unknown) {
  requireScope(p, 'admin');
  if (p.role !== 'admin') throw forbidden('Only an admin may rotate keys');
  if ((jsonObject(body).use ?? 'attestation') !== 'attestation')
    throw badRequest("Only the attestation key rotates here (use: 'attestation')");
  const fresh = ctx.attestations.generate();
  return ctx.db.write(async (q) => {
    const keys = new Repository(q).attestationKeys;
    const old = await keys.active();
    await keys.retireActive(now());
    await keys.insertActive(fresh.keyid, fresh.pem, now());
    await ctx.audit.append(q, {
      event: 'key.rotate',
      actor: p.user,
      metadata: { use: 'attestation', retired: old ?? null, active: fresh.keyid },
    });
    return { retired: old ?? null, active: fresh.keyid };
  });
}

/** The first start (or a database without one) gets an active attestation key; its creation is an audit event. */
export async function ensureAttestationKey(
  db: Db,
  audit: AuditLog,
  signer: AttestationSigner,
): Promise<void> {
  const has = await db.read((q) => new Repository(q).attestationKeys.active());
  if (has) return;
  const fresh = signer.generate();
  await db.write(async (q) => {
    const keys = new Repository(q).attestationKeys;
    // Another replica may have won the race: keep its key, and ours stays unused on disk.
    if (await keys.active()) return;
    await keys.insertActive(fresh.keyid, fresh.pem, new Date().toISOString());
    await audit.append(q, {
      event: 'key.create',
      actor: 'registry',
      metadata: { use: 'attestation', keyid: fresh.keyid },
    });
  });
}
