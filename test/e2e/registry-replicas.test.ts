// Three `aam registry serve` processes on one PostgreSQL and one S3-compatible object store (a real SeaweedFS on
// loopback), each with its own copy of the keys: a publish on one is readable on the others at once; 20 clients
// × 25 versions spread over all three leave every version present, the log dense and every checkpoint any
// replica served consistent with every later one. Then faults: kill -9 of a replica mid-publish, the object
// store stopped, PostgreSQL stopped. Clients get 503 problem+json with Retry-After, nothing is half-written
// (no version row without its blob, no log entry without its version), and service resumes by itself.
// Plus `aam registry gc` on the object store, /healthz, /readyz and /metrics.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTokenSecret, type S3BlobStore } from '../../packages/registry-server/dist/index.js';
import { runAam } from './support/aam.js';
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
  sha256hex,
  spawnRegistry,
  verifyConsistent,
  verifyReceiptOffline,
  verifyWholeLog,
  type LogKey,
  type PublishResult,
  type RegistryProcess,
  type SeenCheckpoint,
} from '../support/registry-http.js';
import { seededRandom, testSeed } from '../support/seed.js';
import { seaweedSkipReason, startSeaweedFs, type SeaweedFs } from '../support/seaweedfs.mjs';

type Receipt = Required<Pick<PublishResult, 'name' | 'version' | 'checksum' | 'audit'>>;

const dirs: string[] = [];
const procs: RegistryProcess[] = [];
let pg: PostgresCluster;
let weed: SeaweedFs;
const stores: S3BlobStore[] = [];

const skip = seaweedSkipReason();
if (skip) process.stderr.write(`registry replica tests skipped: ${skip}\n`);

beforeAll(async () => {
  if (skip) return;
  // Both are stopped and started again by the fault tests: a PostgreSQL of this file's own.
  [pg, weed] = await Promise.all([startPostgres({ dedicated: true }), startSeaweedFs()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  for (const s of stores) s.close();
  await weed?.stop();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Deployment {
  db: string;
  storage: string;
  keys: string[];
  admin: string;
  blobs: S3BlobStore;
  replicas: RegistryProcess[];
  key: LogKey;
  /** Starts replica i again (after a kill), with its own keys copy. */
  restart(i: number): Promise<RegistryProcess>;
  /** `aam registry serve`'s arguments for replica i. */
  args(i: number): string[];
}

let deployments = 0;

/** Replica 0 starts first (creating the keys); the others get copies of its keys directory, as on other machines. */
async function deploy(n = 3): Promise<Deployment> {
  const db = await pg.createDatabase('replicas');
  const prefix = `deploy-${++deployments}`;
  const storage = `s3://${weed.bucket}/${prefix}`;
  const blobs = weed.store(prefix);
  stores.push(blobs);
  const admin = newTokenSecret();
  const keys = Array.from({ length: n }, () => tempDir('aam-keys-'));
  const args = (i: number) => ['--keys', keys[i]!, '--s3-endpoint', weed.endpoint];
  const env = { ...weed.env() };
  const start = (i: number) =>
    spawnRegistry({ storage, db, adminToken: admin, args: args(i), env }).then((p) => {
      procs.push(p);
      return p;
    });
  const first = await start(0);
  for (let i = 1; i < n; i++) cpSync(keys[0]!, keys[i]!, { recursive: true });
  const replicas = [first, ...(await Promise.all(Array.from({ length: n - 1 }, (_, i) => start(i + 1))))];
  const key = await logKey(first.url);
  for (const r of replicas) expect(await logKey(r.url)).toEqual(key);
  return {
    db,
    storage,
    keys,
    admin,
    blobs,
    replicas,
    key,
    args,
    async restart(i) {
      const p = await start(i);
      replicas[i] = p;
      return p;
    },
  };
}

const store = (d: Deployment) => checkStore(d.db, (hex) => d.blobs.has(hex));

/** Polls until `fn` returns a value (not undefined); fails after `ms`. Service must come back by itself. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (${String(last)})`);
    await sleep(200);
  }
}

function expect503(r: { status: number; headers: Headers; body: unknown }, code: string): void {
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  expect(r.body).toMatchObject({ status: 503, code });
}

describe.skipIf(skip)('three replicas on PostgreSQL and SeaweedFS', () => {
  it('a publish on one is readable on the others at once; the keys, checkpoints and archives are the same', async () => {
    const d = await deploy();
    const user = await createUser(d.replicas[0]!.url, d.admin, 'alice');
    for (const [i, r] of d.replicas.entries()) {
      const archive = await buildArchive('@team/at-once', `1.0.${i}`);
      expectStatus(await publish(r.url, user.token, '@team/at-once', `1.0.${i}`, archive), 201);
      // Read straight away on every replica: the version, its archive (bytes checked), the same checkpoint.
      const cps = await Promise.all(d.replicas.map((o) => fetchCheckpoint(o.url, d.key)));
      expect(new Set(cps.map((c) => `${c.size} ${c.root.toString('hex')}`)).size).toBe(1);
      for (const o of d.replicas) {
        const v = await call(o.url, 'GET', `/api/v1/packages/@team/at-once/versions/1.0.${i}`);
        expect(v.status).toBe(200);
        const res = await fetch(new URL(`/api/v1/packages/@team/at-once/versions/1.0.${i}/archive`, o.url));
        expect(res.status).toBe(200);
        expect(sha256hex(new Uint8Array(await res.arrayBuffer()))).toBe(sha256hex(archive));
      }
    }
    // Operations endpoints on each replica.
    for (const r of d.replicas) {
      expect((await call(r.url, 'GET', '/healthz')).status).toBe(200);
      const ready = await call<{ status: string; checks: { log_size: number } }>(r.url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks.log_size).toBe((await fetchCheckpoint(r.url, d.key)).size);
    }
    const metrics = await (await fetch(new URL('/metrics', d.replicas[0]!.url))).text();
    expect(metrics).toMatch(/^aam_registry_publishes_total\{status="201"\} 1$/m);
    expect(metrics).toMatch(/^aam_registry_http_request_duration_seconds_bucket\{/m);
    const size = (await fetchCheckpoint(d.replicas[0]!.url, d.key)).size;
    expect(metrics).toContain(`aam_registry_audit_log_entries ${size}\n`);
    await Promise.all(d.replicas.map((r) => r.kill('SIGTERM')));
    expect((await store(d)).versions).toBe(3);
  });

  it('20 clients × 25 versions over all three: every version present, the log dense, every checkpoint consistent', async () => {
    const CLIENTS = 20;
    const VERSIONS = 25;
    const total = CLIENTS * VERSIONS;
    const d = await deploy();
    const url = d.replicas[0]!.url;
    const users = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => createUser(d.replicas[i % 3]!.url, d.admin, `client${i}`)),
    );
    const archives = await Promise.all(
      users.map((_, i) =>
        Promise.all(Array.from({ length: VERSIONS }, (_, v) => buildArchive(`@c${i}/pkg`, `1.0.${v}`))),
      ),
    );
    const start = await fetchCheckpoint(url, d.key);
    const receipts: Receipt[] = [];
    /** Every checkpoint any replica served during the run: from 201 receipts and from fetches. */
    const served: SeenCheckpoint[] = [start];
    const fetches: Promise<void>[] = [];
    let done = 0;
    await Promise.all(
      users.map(async (u, i) => {
        for (let v = 0; v < VERSIONS; v++) {
          // Each client moves between replicas, as behind a load balancer.
          const base = d.replicas[(i + v) % 3]!.url;
          const r = await publish(base, u.token, `@c${i}/pkg`, `1.0.${v}`, archives[i]![v]!);
          receipts.push(expectStatus(r, 201).body as Receipt);
          if (++done % 50 === 0)
            fetches.push(
              fetchCheckpoint(d.replicas[(done / 50) % 3]!.url, d.key).then((c) => {
                served.push(c);
              }),
            );
        }
      }),
    );
    await Promise.all(fetches);
    const log = await verifyWholeLog(d.replicas[1]!.url, d.key);
    const final = log.checkpoint;
    expect(final.size).toBe(start.size + total);
    for (const r of d.replicas) expect((await fetchCheckpoint(r.url, d.key)).note).toBe(final.note);
    expect(new Set(receipts.map((r) => r.audit.index)).size).toBe(total);
    for (const r of receipts) {
      expect(log.bodies[r.audit.index]).toMatchObject({
        event: 'package.publish',
        package: `${r.name}@${r.version}`,
        metadata: { checksum: r.checksum },
      });
      verifyReceiptOffline(d.key, r.audit, log);
    }
    // Every checkpoint served, by any replica, is consistent with every later one (chained by size, each
    // step proven by a replica other than the one that served it).
    const chain = [...served].sort((a, b) => a.size - b.size);
    chain.push(final);
    for (let i = 1; i < chain.length; i++)
      await verifyConsistent(d.replicas[i % 3]!.url, chain[i - 1]!, chain[i]!);
    for (let i = 0; i < CLIENTS; i++) {
      const doc = expectStatus(
        await call<{ versions: unknown[] }>(d.replicas[i % 3]!.url, 'GET', `/api/v1/packages/@c${i}/pkg`),
        200,
      ).body;
      expect(doc.versions).toHaveLength(VERSIONS);
    }
    await Promise.all(d.replicas.map((r) => r.kill('SIGTERM')));
    expect(await store(d)).toEqual({ versions: total, size: final.size });
  }, 240_000);
});

describe.skipIf(skip)('faults', () => {
  it('kill -9 of a replica mid-publish: the others go on, nothing half-written, the replica comes back', async () => {
    const rand = seededRandom(testSeed('replica kill -9', 20261207));
    const d = await deploy();
    const user = await createUser(d.replicas[0]!.url, d.admin, 'bob');
    const seen: SeenCheckpoint[] = [await fetchCheckpoint(d.replicas[1]!.url, d.key)];
    let version = 0;
    for (let round = 0; round < 5; round++) {
      // Publishes in flight on replica 0 (and some on 1 and 2) when replica 0 is killed.
      const inflight = Array.from({ length: 6 }, async (_, k) => {
        const v = `1.${round}.${version++}`;
        const archive = await buildArchive('@kill/pkg', v);
        const r = await publish(d.replicas[k % 3]!.url, user.token, '@kill/pkg', v, archive).catch(
          (e: unknown) => e,
        );
        return r;
      });
      await sleep(rand.int(40));
      await d.replicas[0]!.kill('SIGKILL');
      const results = await Promise.all(inflight);
      // The survivors answered their requests.
      for (const [k, r] of results.entries())
        if (k % 3 !== 0) expect((r as { status: number }).status).toBe(201);
      seen.push(await fetchCheckpoint(d.replicas[2]!.url, d.key));
      // The log and the store agree while one replica is down.
      await store(d);
      await d.restart(0);
      seen.push(await fetchCheckpoint(d.replicas[0]!.url, d.key));
    }
    for (let i = 1; i < seen.length; i++) await verifyConsistent(d.replicas[1]!.url, seen[i - 1]!, seen[i]!);
    await verifyWholeLog(d.replicas[0]!.url, d.key);
    await Promise.all(d.replicas.map((r) => r.kill('SIGTERM')));
    const summary = await store(d);
    expect(summary.versions).toBeGreaterThanOrEqual(5 * 4);
  }, 180_000);

  it('the object store stopped: 503 with Retry-After, nothing half-written, service resumes by itself', async () => {
    const d = await deploy();
    const url = d.replicas[1]!.url;
    const user = await createUser(url, d.admin, 'carol');
    const before = await buildArchive('@down/store', '1.0.0');
    expectStatus(await publish(url, user.token, '@down/store', '1.0.0', before), 201);
    const cp = await fetchCheckpoint(url, d.key);
    await weed.pause();
    try {
      const archive = await buildArchive('@down/store', '1.0.1');
      expect503(await publish(url, user.token, '@down/store', '1.0.1', archive), 'storage_unavailable');
      // An archive this replica never read: cannot be checked, so not served.
      expect503(
        await call(d.replicas[2]!.url, 'GET', '/api/v1/packages/@down/store/versions/1.0.0/archive'),
        'storage_unavailable',
      );
      const ready = await call<{ code: string; checks: { storage: { ok: boolean } } }>(url, 'GET', '/readyz');
      expect503(ready, 'not_ready');
      expect(ready.body.checks.storage.ok).toBe(false);
      expect((await call(url, 'GET', '/healthz')).status).toBe(200);
      // Metadata still reads (it lives in the database), and the log did not move.
      expect((await call(url, 'GET', '/api/v1/packages/@down/store')).status).toBe(200);
      expect((await fetchCheckpoint(url, d.key)).size).toBe(cp.size);
    } finally {
      await weed.resume();
    }
    // No restart of any replica: the next requests work.
    const archive = await buildArchive('@down/store', '1.0.1');
    await eventually('publish after the store is back', async () => {
      const r = await publish(d.replicas[0]!.url, user.token, '@down/store', '1.0.1', archive);
      return r.status === 201 ? r : undefined;
    });
    await eventually('readyz after the store is back', async () =>
      (await call(url, 'GET', '/readyz')).status === 200 ? true : undefined,
    );
    await verifyConsistent(url, cp, await fetchCheckpoint(url, d.key));
    await Promise.all(d.replicas.map((r) => r.kill('SIGTERM')));
    expect((await store(d)).versions).toBe(2);
  }, 180_000);

  it('PostgreSQL stopped: 503 with Retry-After, nothing half-written, service resumes by itself', async () => {
    const d = await deploy();
    const url = d.replicas[2]!.url;
    const user = await createUser(url, d.admin, 'dave');
    expectStatus(
      await publish(url, user.token, '@down/db', '1.0.0', await buildArchive('@down/db', '1.0.0')),
      201,
    );
    const cp = await fetchCheckpoint(url, d.key);
    pg.pause!();
    try {
      const archive = await buildArchive('@down/db', '1.0.1');
      expect503(await publish(url, user.token, '@down/db', '1.0.1', archive), 'database_unavailable');
      expect503(await call(d.replicas[0]!.url, 'GET', '/api/v1/packages/@down/db'), 'database_unavailable');
      expect503(await call(d.replicas[1]!.url, 'GET', '/api/v1/audit/checkpoint'), 'database_unavailable');
      const ready = await call<{ checks: { database: { ok: boolean } } }>(url, 'GET', '/readyz');
      expect503(ready, 'not_ready');
      expect(ready.body.checks.database.ok).toBe(false);
      expect((await call(url, 'GET', '/healthz')).status).toBe(200);
      // The web page says so too, in HTML, with the same Retry-After.
      const page = await fetch(new URL('/packages/@down/db', d.replicas[0]!.url));
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      expect(await page.text()).toContain('Temporarily unavailable');
    } finally {
      pg.resume!();
    }
    const archive = await buildArchive('@down/db', '1.0.1');
    await eventually('publish after PostgreSQL is back', async () => {
      const r = await publish(d.replicas[1]!.url, user.token, '@down/db', '1.0.1', archive);
      return r.status === 201 ? r : undefined;
    });
    for (const r of d.replicas)
      await eventually('readyz after PostgreSQL is back', async () =>
        (await call(r.url, 'GET', '/readyz')).status === 200 ? true : undefined,
      );
    await verifyConsistent(url, cp, await fetchCheckpoint(url, d.key));
    await Promise.all(d.replicas.map((r) => r.kill('SIGTERM')));
    // The blob written before the failed commit may stay (gc sweeps it); no version row lacks its blob.
    expect((await store(d)).versions).toBe(2);
  }, 180_000);
});

describe.skipIf(skip)('aam registry gc on the object store', () => {
  it('sweeps blobs no version names (dry run first), never one a version needs, while replicas run', async () => {
    const d = await deploy(2);
    const user = await createUser(d.replicas[0]!.url, d.admin, 'erin');
    const kept: string[] = [];
    for (let v = 0; v < 3; v++) {
      const archive = await buildArchive('@gc/pkg', `1.0.${v}`);
      expectStatus(await publish(d.replicas[v % 2]!.url, user.token, '@gc/pkg', `1.0.${v}`, archive), 201);
      kept.push(sha256hex(archive));
    }
    // Orphans: what a crash between blob write and commit leaves.
    const orphans = await Promise.all(
      [1, 2].map(async (i) => {
        const bytes = Buffer.from(`orphan archive ${i} ${Date.now()}`);
        await d.blobs.put(sha256hex(bytes), bytes);
        return sha256hex(bytes);
      }),
    );
    const gc = (...extra: string[]) =>
      runAam(['registry', 'gc', '--storage', d.storage, '--db', d.db, ...d.args(1), '--json', ...extra], {
        cwd: tmpdir(),
        env: weed.env(),
      });
    // Young orphans are kept by the default --older-than (1h).
    const young = await gc();
    expect(young.code, young.stderr).toBe(0);
    expect(JSON.parse(young.stdout)).toMatchObject({ removed: [], recent: 2, referenced: 3 });
    const dry = await gc('--older-than', '0s', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    const dryReport = JSON.parse(dry.stdout) as { removed: { hex: string }[]; dry_run: boolean };
    expect(dryReport.dry_run).toBe(true);
    expect(dryReport.removed.map((b) => b.hex).sort()).toEqual([...orphans].sort());
    for (const h of orphans) expect(await d.blobs.has(h)).toBe(true);
    const real = await gc('--older-than', '0s');
    expect(real.code, real.stderr).toBe(0);
    expect((JSON.parse(real.stdout) as { removed: unknown[] }).removed).toHaveLength(2);
    for (const h of orphans) expect(await d.blobs.has(h)).toBe(false);
    for (const h of kept) expect(await d.blobs.has(h)).toBe(true);
    // Still served, by both replicas.
    for (const r of d.replicas)
      expect((await fetch(new URL('/api/v1/packages/@gc/pkg/versions/1.0.2/archive', r.url))).status).toBe(
        200,
      );
    await Promise.all(d.replicas.map((r) => r.kill('SIGTERM')));
    expect((await store(d)).versions).toBe(3);
  }, 120_000);

  it('a publish racing the sweep keeps its blob: gc with --older-than 0s in a loop beside 30 publishes', async () => {
    const d = await deploy(2);
    const user = await createUser(d.replicas[0]!.url, d.admin, 'frank');
    let stop = false;
    const sweeps = (async () => {
      let n = 0;
      while (!stop) {
        const r = await runAam(
          [
            'registry',
            'gc',
            '--storage',
            d.storage,
            '--db',
            d.db,
            ...d.args(0),
            '--older-than',
            '0s',
            '--json',
          ],
          { cwd: tmpdir(), env: weed.env() },
        );
        expect(r.code, r.stderr).toBe(0);
        n++;
      }
      return n;
    })();
    for (let v = 0; v < 30; v++) {
      const archive = await buildArchive('@race/pkg', `1.0.${v}`);
      expectStatus(await publish(d.replicas[v % 2]!.url, user.token, '@race/pkg', `1.0.${v}`, archive), 201);
    }
    stop = true;
    expect(await sweeps).toBeGreaterThan(0);
    await Promise.all(d.replicas.map((r) => r.kill('SIGTERM')));
    expect((await store(d)).versions).toBe(30);
  }, 180_000);
});
