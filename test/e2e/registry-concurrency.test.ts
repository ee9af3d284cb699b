// 20 clients publishing 25 versions each at once to `aam registry serve` processes on loopback, on SQLite and on
// PostgreSQL (two replicas sharing the database and the storage directory): every version present, the audit
// log dense (entries 0..n-1, count = head size), every publish receipt's inclusion proof verifies and its
// checkpoint is a prefix of the final one, and checkpoints taken mid-run are consistent with the end.
// (Split from registry-faults.test.ts to keep each file's run time modest.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newTokenSecret } from '../../packages/registry-server/dist/index.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';
import {
  buildArchive,
  call,
  checkStore,
  createUser,
  expectStatus,
  fetchCheckpoint,
  logKey,
  publish,
  spawnRegistry,
  verifyConsistent,
  verifyPublishReceipt,
  verifyReceiptOffline,
  verifyWholeLog,
  type PublishResult,
  type RegistryProcess,
  type SeenCheckpoint,
} from '../support/registry-http.js';

const dirs: string[] = [];
const procs: RegistryProcess[] = [];
let cluster: PostgresCluster | undefined;

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Receipt = Required<Pick<PublishResult, 'name' | 'version' | 'checksum' | 'audit'>>;

describe.each(['sqlite', 'postgres'] as const)('20 clients × 25 versions at once (%s)', (dialect) => {
  it('every version present, the log dense, every receipt and the mid-run checkpoints consistent', async () => {
    const CLIENTS = 20;
    const VERSIONS = 25;
    const total = CLIENTS * VERSIONS;
    const storage = mkdtempSync(join(tmpdir(), 'aam-conc-'));
    dirs.push(storage);
    let db: string | undefined;
    if (dialect === 'postgres') {
      cluster ??= await startPostgres();
      db = await cluster.createDatabase('conc');
    }
    const admin = newTokenSecret();
    const opts = { storage, adminToken: admin, ...(db ? { db } : {}) };
    const replicas = [await spawnRegistry(opts)];
    // PostgreSQL: a second replica on the same database; clients spread over both.
    if (dialect === 'postgres') replicas.push(await spawnRegistry(opts));
    procs.push(...replicas);
    const url = replicas[0]!.url;
    const key = await logKey(url);
    for (const r of replicas) expect(await logKey(r.url)).toEqual(key);

    const users = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => createUser(url, admin, `client${i}`)),
    );
    const archives = await Promise.all(
      users.map((_, i) =>
        Promise.all(Array.from({ length: VERSIONS }, (_, v) => buildArchive(`@c${i}/pkg`, `1.0.${v}`))),
      ),
    );
    const start = await fetchCheckpoint(url, key);

    const receipts: Receipt[] = [];
    const mids: Promise<SeenCheckpoint>[] = [];
    let done = 0;
    const t0 = Date.now();
    await Promise.all(
      users.map(async (u, i) => {
        const base = replicas[i % replicas.length]!.url;
        for (let v = 0; v < VERSIONS; v++) {
          const r = await publish(base, u.token, `@c${i}/pkg`, `1.0.${v}`, archives[i]![v]!);
          receipts.push(expectStatus(r, 201).body as Receipt);
          // A checkpoint every 100 publishes, from either replica, while the others keep publishing.
          if (++done % 100 === 0)
            mids.push(fetchCheckpoint(replicas[(done / 100) % replicas.length]!.url, key));
        }
      }),
    );
    const elapsed = Date.now() - t0;

    // Dense 0..size-1, each leaf hash its body's, the root recomputed from the bodies.
    const log = await verifyWholeLog(url, key);
    const final = log.checkpoint;
    expect(final.size).toBe(start.size + total);
    for (const r of replicas) expect((await fetchCheckpoint(r.url, key)).note).toBe(final.note);

    // Every receipt: its entry names it; its proof verifies under its checkpoint, a prefix of the final log.
    expect(receipts).toHaveLength(total);
    expect(new Set(receipts.map((r) => r.audit.index)).size).toBe(total);
    for (const r of receipts) {
      expect(log.bodies[r.audit.index]).toMatchObject({
        event: 'package.publish',
        package: `${r.name}@${r.version}`,
        metadata: { checksum: r.checksum },
      });
      verifyReceiptOffline(key, r.audit, log);
    }
    // And for a sample, with the registry's own consistency proofs (from either replica).
    for (const [i, r] of receipts.entries())
      if (i % 10 === 0) await verifyPublishReceipt(replicas[i % replicas.length]!.url, key, r.audit, final);

    // The mid-run checkpoints: consistent with each other and with the final one.
    const midCps = (await Promise.all(mids)).sort((a, b) => a.size - b.size);
    expect(midCps).toHaveLength(total / 100);
    const chain = [start, ...midCps, final];
    for (let i = 1; i < chain.length; i++) await verifyConsistent(url, chain[i - 1]!, chain[i]!);

    // Every version present, at the audit index of its receipt.
    const byId = new Map(receipts.map((r) => [`${r.name}@${r.version}`, r.audit.index]));
    for (let i = 0; i < CLIENTS; i++) {
      const doc = expectStatus(
        await call<{ versions: { version: string; audit_index: number }[] }>(
          url,
          'GET',
          `/api/v1/packages/@c${i}/pkg`,
        ),
        200,
      ).body;
      expect(doc.versions).toHaveLength(VERSIONS);
      for (const v of doc.versions) expect(byId.get(`@c${i}/pkg@${v.version}`)).toBe(v.audit_index);
    }
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    expect(await checkStore(db ?? `sqlite:${join(storage, 'registry.db')}`, storage)).toEqual({
      versions: total,
      size: final.size,
    });
    process.stdout.write(`${dialect}: ${total} concurrent publishes in ${elapsed} ms\n`);
  });
});
