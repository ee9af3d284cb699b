// The blob sweep (`aam registry gc`) against publishes in flight, made deterministic with the fault point between
// a publish's blob write and its commit: a sweep that deletes the in-flight blob there (it is unnamed, and old
// enough) is seen by the publish, which stores the blob again before its version names it. Plus the sweep rows'
// life: a crashed sweep keeps publishes checking until a later sweep closes it as stale, and a sweep closed while
// it paused stops before it deletes anything.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FileBlobStore,
  newTokenSecret,
  startRegistry,
  sweepBlobs,
  type Db,
  type FaultPoint,
  type RunningRegistry,
} from '../src/index.js';
import { buildArchive, createUser, expectStatus, publish } from '../../../test/support/registry-http.js';

const dirs: string[] = [];
const running: RunningRegistry[] = [];
afterAll(async () => {
  for (const r of running) await r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const hexOf = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const FUTURE = () => new Date(Date.now() + 3_600_000);

async function start(onBlobPut?: () => Promise<void>) {
  const storage = mkdtempSync(join(tmpdir(), 'aam-sweep-'));
  dirs.push(storage);
  const admin = newTokenSecret();
  let armed = onBlobPut;
  const r = await startRegistry({
    verifiers: [],
    storage,
    port: 0,
    adminToken: admin,
    faults: {
      async reached(point: FaultPoint) {
        if (point !== 'publish:after-blob-put' || !armed) return;
        const hook = armed;
        armed = undefined;
        await hook();
      },
    },
  });
  running.push(r);
  const user = await createUser(r.url, admin, 'sweeper');
  return {
    r,
    storage,
    store: new FileBlobStore(storage),
    user,
    arm: (h: () => Promise<void>) => (armed = h),
  };
}

const sweepRows = (db: Db) =>
  db.read((q) =>
    q.all<{ id: number; finished_at: string | null }>('SELECT id, finished_at FROM blob_sweeps'),
  );

describe('the sweep and publishes in flight', () => {
  it('a sweep that deletes a blob between its put and its commit: the publish stores it again', async () => {
    const { r, store, user, arm } = await start();
    const archive = await buildArchive('@sweep/pkg', '1.0.0');
    const hex = hexOf(archive);
    let swept: string[] = [];
    arm(async () => {
      expect(await store.has(hex)).toBe(true);
      const report = await sweepBlobs(r.db, store, { olderThan: FUTURE(), dryRun: false });
      swept = report.swept.map((b) => b.hex);
      expect(await store.has(hex)).toBe(false);
    });
    expectStatus(await publish(r.url, user.token, '@sweep/pkg', '1.0.0', archive), 201);
    expect(swept).toEqual([hex]);
    expect(await store.has(hex)).toBe(true);
    const res = await fetch(new URL('/api/v1/packages/@sweep/pkg/versions/1.0.0/archive', r.url));
    expect(hexOf(new Uint8Array(await res.arrayBuffer()))).toBe(hex);
    // The sweep finished its row; the next sweep keeps the now-named blob.
    expect((await sweepRows(r.db)).every((s) => s.finished_at !== null)).toBe(true);
    const again = await sweepBlobs(r.db, store, { olderThan: FUTURE(), dryRun: false });
    expect(again).toMatchObject({ referenced: 1, swept: [] });
  });

  it('a crashed sweep (its row left running) keeps publishes checking, until a later sweep closes it as stale', async () => {
    const { r, store, user, arm } = await start();
    // A sweep that crashed 20 minutes ago, after deleting: its row is still running.
    const old = new Date(Date.now() - 20 * 60_000).toISOString();
    await r.db.write((q) =>
      q.run('INSERT INTO blob_sweeps (started_at, heartbeat_at) VALUES (?, ?)', old, old),
    );
    const archive = await buildArchive('@sweep/crash', '1.0.0');
    const hex = hexOf(archive);
    // What that sweep did (it deleted as the publish was in flight), simulated by deleting the blob directly.
    arm(() => store.delete(hex));
    expectStatus(await publish(r.url, user.token, '@sweep/crash', '1.0.0', archive), 201);
    expect(await store.has(hex)).toBe(true);
    // The next sweep closes the stale row (and, with nothing to delete, adds none).
    const orphan = Buffer.from('an orphan');
    await store.put(hexOf(orphan), orphan);
    await sweepBlobs(r.db, store, { olderThan: FUTURE(), dryRun: false });
    const rows = await sweepRows(r.db);
    expect(rows).toHaveLength(2);
    expect(rows.every((s) => s.finished_at !== null)).toBe(true);
  });

  it('a sweep closed as stale while it paused stops before deleting anything', async () => {
    const { r, store } = await start();
    const orphan = Buffer.from('an orphan to keep');
    await store.put(hexOf(orphan), orphan);
    let writes = 0;
    // Between the sweep's start and its first deleting batch, another sweep closes it as stale.
    const paused: Db = {
      dialect: r.db.dialect,
      read: (fn) => r.db.read(fn),
      write: async (fn) => {
        if (++writes === 2)
          await r.db.write((q) =>
            q.run("UPDATE blob_sweeps SET finished_at = 'closed' WHERE finished_at IS NULL"),
          );
        return r.db.write(fn);
      },
      close: () => Promise.resolve(),
    };
    await expect(sweepBlobs(paused, store, { olderThan: FUTURE(), dryRun: false })).rejects.toThrow(
      /closed as stale by another sweep/,
    );
    expect(await store.has(hexOf(orphan))).toBe(true);
  });

  it('a dry run writes no sweep row and takes no lock', async () => {
    const { r, store } = await start();
    const orphan = Buffer.from('a dry orphan');
    await store.put(hexOf(orphan), orphan);
    const report = await sweepBlobs(r.db, store, { olderThan: FUTURE(), dryRun: true });
    expect(report.swept.map((b) => b.hex)).toEqual([hexOf(orphan)]);
    expect(await sweepRows(r.db)).toHaveLength(0);
    expect(await store.has(hexOf(orphan))).toBe(true);
  });
});
