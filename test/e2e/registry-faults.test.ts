// The registry under faults, as separate server processes on loopback (SQLite):
// - kill -9 at random points mid-publish, 50 times, and a crash injected inside the publish transaction: no
//   partial version, no hole, the server restarts, every checkpoint it ever served stays consistent;
// - a tampered database: `aam registry serve` refuses to start, with a clear message and no stack trace.
// (20 clients × 25 concurrent publishes, on SQLite and PostgreSQL: registry-concurrency.test.ts.)
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom, testSeed } from '../support/seed.js';
import { leafHash } from '../../packages/core/dist/index.js';
import { newTokenSecret, openDb, type Db } from '../../packages/registry-server/dist/index.js';
import {
  buildArchive,
  call,
  checkStore,
  createUser,
  expectStatus,
  fetchCheckpoint,
  logKey,
  openSeen,
  publish,
  serveExpectingRefusal,
  spawnRegistry,
  verifyConsistent,
  verifyReceiptOffline,
  verifyWholeLog,
  warmRegistry,
  type PublishResult,
  type RegistryProcess,
  type SeenCheckpoint,
  type SpawnOptions,
} from '../support/registry-http.js';

const dirs: string[] = [];
const procs: { kill(signal?: NodeJS.Signals): Promise<unknown> }[] = [];

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** `aam registry serve` as a process. */
async function serve(opts: SpawnOptions): Promise<RegistryProcess> {
  const p = await spawnRegistry(opts);
  procs.push(p);
  return p;
}

/** A registry process with its modules already loaded, started on demand (the kill loop's restarts). */
async function warm(opts: SpawnOptions) {
  const w = await warmRegistry(opts);
  procs.push(w);
  return w;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Receipt = Required<Pick<PublishResult, 'name' | 'version' | 'checksum' | 'audit'>>;

const dbOf = (storage: string) => `sqlite:${join(storage, 'registry.db')}`;

describe('kill -9 mid-publish (SQLite)', () => {
  it('50 kills at random points: no partial version, no hole, restarts, every served checkpoint consistent', async () => {
    const KILLS = 50;
    const rand = seededRandom(testSeed('kill -9 points', 20261207));
    const storage = tempDir('aam-kill-');
    const admin = newTokenSecret();
    const opts = { storage, adminToken: admin };
    let srv = await serve(opts);
    const key = await logKey(srv.url);
    const user = await createUser(srv.url, admin, 'killer');
    const name = '@kill/pkg';
    /** Every checkpoint this registry ever served: fetched before kills, and inside 201 receipts. */
    const served: SeenCheckpoint[] = [];
    const acknowledged: Receipt[] = [];
    const cutOff: string[] = [];
    let attempts = 0;
    // The next server loads its modules while this one works: a restart costs the start-up itself only.
    let warming = warm(opts);
    // How long a publish takes here, so that the kills land before, during and after publishes.
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      const v = `0.0.${i}`;
      const r = await publish(srv.url, user.token, name, v, await buildArchive(name, v));
      acknowledged.push(expectStatus(r, 201).body as Receipt);
    }
    const latency = (Date.now() - t0) / 3;

    let current = await fetchCheckpoint(srv.url, key);
    for (let k = 0; k < KILLS; k++) {
      const seen = [current]; // what this server served before it died: its head, and its receipts
      // 1-3 publishes in flight, then SIGKILL at a random point: before a request lands, while it streams,
      // inside the transaction, between commit and response, or after.
      const n = 1 + rand.int(3);
      const batch = await Promise.all(
        Array.from({ length: n }, async () => {
          const version = `1.0.${attempts++}`;
          return { version, archive: await buildArchive(name, version) };
        }),
      );
      const results = batch.map(({ version, archive }) =>
        publish(srv.url, user.token, name, version, archive).then(
          (r) => ({ version, status: r.status, body: r.body }),
          () => ({ version, status: 0, body: undefined }),
        ),
      );
      await sleep(rand.next() * latency * (n + 1));
      srv.child.kill('SIGKILL');
      expect((await srv.exited).signal).toBe('SIGKILL');
      for (const r of await Promise.all(results)) {
        if (r.status === 201) {
          acknowledged.push(r.body as Receipt);
          seen.push(openSeen((r.body as Receipt).audit.checkpoint, key));
        } else if (r.status === 0) cutOff.push(r.version);
        else throw new Error(`publish ${r.version}: unexpected ${r.status} ${JSON.stringify(r.body)}`);
      }
      // Restart on the same storage (its self-check must pass); the last restart is `aam registry serve`.
      const w = await warming;
      if (k === KILLS - 1) {
        await w.kill();
        srv = await serve(opts);
      } else {
        srv = await w.start();
        procs.push(srv);
        warming = warm(opts);
      }
      // The restarted server's log extends everything the killed one served (its consistency proofs say so).
      current = await fetchCheckpoint(srv.url, key);
      for (const cp of seen) await verifyConsistent(srv.url, cp, current);
      served.push(...seen);
    }

    // The log verifies from scratch (dense, leaf hashes, root), and every checkpoint ever served is a prefix.
    const log = await verifyWholeLog(srv.url, key);
    for (const cp of served)
      expect(log.rootAt(cp.size).equals(cp.root), `served checkpoint at size ${cp.size}`).toBe(true);
    await verifyConsistent(srv.url, served[0]!, log.checkpoint);
    await verifyConsistent(srv.url, served[Math.floor(served.length / 2)]!, log.checkpoint);
    // Every acknowledged publish survived (durable before its 201), where its receipt says.
    const versions = new Map(
      expectStatus(
        await call<{ versions: { version: string; checksum: string; audit_index: number }[] }>(
          srv.url,
          'GET',
          `/api/v1/packages/${name}`,
        ),
        200,
      ).body.versions.map((v) => [v.version, v]),
    );
    for (const r of acknowledged) {
      expect(versions.get(r.version)).toMatchObject({ checksum: r.checksum, audit_index: r.audit.index });
      verifyReceiptOffline(key, r.audit, log);
    }
    await srv.kill('SIGTERM');
    // No partial version: every version row has its blob and its entry, every publish entry its version.
    expect(await checkStore(dbOf(storage), storage)).toEqual({
      versions: versions.size,
      size: log.checkpoint.size,
    });
    // The kills did land mid-publish.
    expect(cutOff.length).toBeGreaterThan(0);
    const committed = cutOff.filter((v) => versions.has(v)).length;
    process.stdout.write(
      `kill -9: ${KILLS} kills; ${acknowledged.length} publishes acknowledged, ${cutOff.length} cut off ` +
        `(${committed} of them had committed), ${versions.size} versions, log size ${log.checkpoint.size}\n`,
    );
    // 50 restarts take about 36 s alone and passed 60 s once beside the other files on two cores: the budget is
    // for a hung run, not a speed target.
  }, 240_000);

  it('a crash inside the publish transaction (an injected fault point): the version is absent, the log unchanged', async () => {
    const storage = tempDir('aam-fault-');
    const admin = newTokenSecret();
    let srv = await serve({ storage, adminToken: admin });
    const key = await logKey(srv.url);
    const user = await createUser(srv.url, admin, 'faulty');
    const archive = (v: string) => buildArchive('@f/pkg', v);
    expectStatus(await publish(srv.url, user.token, '@f/pkg', '1.0.0', await archive('1.0.0')), 201);
    const before = await fetchCheckpoint(srv.url, key);
    await srv.kill('SIGTERM');

    // A harness process (startRegistry with a fault point), not `aam registry serve`: the server itself has no
    // way to be told to crash.
    const crashing = await warm({ storage, adminToken: admin, crashAt: 'publish:after-version-insert' });
    srv = await crashing.start();
    const died = await publish(srv.url, user.token, '@f/pkg', '1.0.1', await archive('1.0.1')).then(
      (r) => `answered ${r.status}`,
      () => 'connection lost',
    );
    expect(died).toBe('connection lost');
    expect((await srv.exited).signal).toBe('SIGKILL');

    srv = await serve({ storage, adminToken: admin });
    expect((await fetchCheckpoint(srv.url, key)).note).toBe(before.note);
    const gone = await call(srv.url, 'GET', '/api/v1/packages/@f/pkg/versions/1.0.1', { token: user.token });
    expect(gone.status).toBe(404);
    expect((await verifyWholeLog(srv.url, key)).checkpoint.size).toBe(before.size);
    // The same version publishes fine afterwards, at the next index.
    const again = expectStatus(
      await publish(srv.url, user.token, '@f/pkg', '1.0.1', await archive('1.0.1')),
      201,
    );
    expect(again.body.audit!.index).toBe(before.size);
    await srv.kill('SIGTERM');
    expect(await checkStore(dbOf(storage), storage)).toEqual({ versions: 2, size: before.size + 1 });
  });
});

describe('a tampered database: registry serve refuses to start', () => {
  let base: string | undefined;
  let admin: string;

  /** A registry with some history, stopped cleanly; each case tampers with its own copy. */
  async function tampered(change: (db: Db) => Promise<void>): Promise<string> {
    if (!base) {
      base = tempDir('aam-tamper-');
      admin = newTokenSecret();
      const srv = await serve({ storage: base, adminToken: admin });
      const alice = await createUser(srv.url, admin, 'alice');
      for (const v of ['1.0.0', '1.0.1', '1.0.2'])
        expectStatus(
          await publish(srv.url, alice.token, '@alice/t', v, await buildArchive('@alice/t', v)),
          201,
        );
      await srv.kill('SIGTERM');
    }
    const copy = tempDir('aam-tampered-');
    cpSync(base, copy, { recursive: true });
    const db = await openDb(dbOf(copy));
    try {
      await change(db);
    } finally {
      await db.close();
    }
    return copy;
  }

  const lastIndex = (db: Db) =>
    db.read(async (q) => Number((await q.get('SELECT MAX(idx) AS n FROM audit_entries'))?.n));

  /** One byte of an entry's body: `"alice"` → `"alicf"` (still valid JSON); optionally its leaf_hash too. */
  async function editBody(db: Db, alsoLeafHash: boolean): Promise<void> {
    const idx = (await lastIndex(db)) - 1;
    await db.write(async (q) => {
      const row = await q.get<{ body: Buffer }>('SELECT body FROM audit_entries WHERE idx = ?', idx);
      const old = Buffer.from(row!.body);
      const body = Buffer.from(old.toString('utf8').replace('"alice"', '"alicf"'));
      expect(body.equals(old)).toBe(false);
      await q.run('UPDATE audit_entries SET body = ? WHERE idx = ?', body, idx);
      if (alsoLeafHash)
        await q.run('UPDATE audit_entries SET leaf_hash = ? WHERE idx = ?', leafHash(body), idx);
    });
  }

  it.each<[string, (db: Db) => Promise<void>, RegExp]>([
    [
      'the last entry deleted (a shrunk log)',
      async (db) => {
        const idx = await lastIndex(db);
        await db.write((q) => q.run('DELETE FROM audit_entries WHERE idx = ?', idx));
      },
      /Audit log: .*(missing|entries stored)/,
    ],
    ['a body byte of an entry changed', (db) => editBody(db, false), /Audit log: entry \d+ does not match/],
    [
      'a body byte changed and its leaf_hash column recomputed',
      (db) => editBody(db, true),
      /Audit log: entry \d+ does not match/,
    ],
    [
      'a stored tree node changed',
      async (db) => {
        const idx = await lastIndex(db);
        await db.write((q) =>
          q.run('UPDATE audit_nodes SET hash = ? WHERE level = 0 AND idx = ?', Buffer.alloc(32, 7), idx),
        );
      },
      /Audit log: /,
    ],
    [
      'the stored checkpoint altered',
      async (db) => {
        await db.write(async (q) => {
          const s = await q.get<{ checkpoint: string }>('SELECT checkpoint FROM audit_state WHERE id = 0');
          const lines = s!.checkpoint.split('\n');
          lines[1] = String(Number(lines[1]) + 1);
          await q.run('UPDATE audit_state SET checkpoint = ? WHERE id = 0', lines.join('\n'));
        });
      },
      /checkpoint|signature/i,
    ],
  ])('%s', async (_label, change, message) => {
    const storage = await tampered(change);
    const r = await serveExpectingRefusal({ storage, adminToken: admin });
    expect(r.listened, `registry serve started on a tampered log:\n${r.output}`).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(message);
    expect(r.output).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  });
});
