// The registry's repository and HTTP API, the same suite on SQLite and on PostgreSQL (a throw-away cluster per
// file, a fresh database per test): migrations, the audit log (append, head, proofs, rollback), publish
// idempotence, dist-tags, yank, approvals, owners and transfers, token scopes, problem details, pagination,
// rate and size limits.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { seededRandom, testSeed } from '../../../test/support/seed.js';
import {
  generateNoteKey,
  leafHash,
  MemoryNodeStore,
  openCheckpoint,
  parseSignerKey,
  rootAt,
  appendLeaf,
  verifyConsistency,
  verifyInclusion,
} from '@aam/core';
import {
  AuditLog,
  newTokenSecret,
  openDb,
  startRegistry,
  type Db,
  type RunningRegistry,
  type ServeOptions,
} from '../src/index.js';
import { MIGRATIONS } from '../src/schema.js';
import { startPostgres, type PostgresCluster } from '../../../test/support/postgres.js';
import {
  allEntries,
  blobFiles,
  buildArchive,
  call,
  createToken,
  createUser,
  expectStatus,
  fetchCheckpoint,
  logKey,
  publish,
  sha256hex,
  verifyPublishReceipt,
  verifyWholeLog,
  type LogKey,
  type Page,
  type Problem,
  type Reply,
} from '../../../test/support/registry-http.js';

type Dialect = 'sqlite' | 'postgres';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

let cluster: PostgresCluster | undefined;
const dirs: string[] = [];
let open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  const closing = open;
  open = [];
  await Promise.all(closing.map((c) => c.close().catch(() => undefined)));
});

afterAll(async () => {
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh database (and a storage directory) for one test. */
async function fresh(dialect: Dialect): Promise<{ db: string; storage: string }> {
  const storage = mkdtempSync(join(tmpdir(), 'aam-repo-test-'));
  dirs.push(storage);
  if (dialect === 'sqlite') return { db: `sqlite:${join(storage, 'registry.db')}`, storage };
  cluster ??= await startPostgres();
  return { db: await cluster.createDatabase('registry'), storage };
}

async function opened(url: string): Promise<Db> {
  const db = await openDb(url);
  open.push(db);
  return db;
}

interface Reg {
  r: RunningRegistry;
  url: string;
  admin: string;
  storage: string;
  key: LogKey;
}

async function serve(dialect: Dialect, opts: Partial<ServeOptions> = {}): Promise<Reg> {
  const { db, storage } = await fresh(dialect);
  const admin = newTokenSecret();
  const r = await startRegistry({ verifiers: [], storage, db, port: 0, adminToken: admin, ...opts });
  open.push(r);
  return { r, url: r.url, admin, storage, key: await logKey(r.url) };
}

const count = async (db: Db, sql: string, ...params: unknown[]): Promise<number> =>
  Number((await db.read((q) => q.get(sql, ...params)))?.n ?? 0);

/** An RFC 9457 problem: the content type, every member, and the stable code. */
function expectProblem(r: Reply<unknown>, status: number, code: string): Problem {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = r.body as Problem;
  expect(p).toMatchObject({ status, code });
  expect(p.type).toBe(`https://aam.dev/problems/${code.replace(/_/g, '-')}`);
  expect(typeof p.title).toBe('string');
  expect(p.title.length).toBeGreaterThan(0);
  expect(typeof p.detail).toBe('string');
  expect(p.detail.length).toBeGreaterThan(0);
  expect(p.code).toMatch(/^[a-z][a-z0-9_]*$/);
  return p;
}

const b64 = (s: string) => Buffer.from(s, 'base64');

describe.each<Dialect>(['sqlite', 'postgres'])('registry repository on %s', (dialect) => {
  // ----------------------------------------------------------------------------------------------------
  describe('database', () => {
    it('applies its migrations once, idempotently (twice in a row)', async () => {
      const { db: url } = await fresh(dialect);
      const first = await opened(url);
      await first.close();
      const again = await opened(url);
      expect(await count(again, 'SELECT COUNT(*) AS n FROM schema_migrations')).toBe(MIGRATIONS.length);
      expect(await count(again, 'SELECT COUNT(*) AS n FROM audit_state')).toBe(1);
      const head = await again.read((q) => q.get('SELECT size, checkpoint FROM audit_state WHERE id = 0'));
      expect(head).toMatchObject({ size: 0, checkpoint: '' });
      for (const t of ['users', 'tokens', 'packages', 'owners', 'versions', 'dist_tags', 'audit_entries'])
        expect(await count(again, `SELECT COUNT(*) AS n FROM ${t}`)).toBe(0);
    });

    it('replicas migrating one empty database at once: one migrates, the others see it done', async () => {
      // Four processes (as replicas are) with their modules loaded; each round, a fresh empty database that all
      // of them open at the same moment. A race shows up in some rounds only, so there are five.
      const script = `
        const { openDb } = await import(${JSON.stringify(DIST)});
        let buf = '';
        process.stdin.on('data', async (d) => {
          buf += d;
          const nl = buf.indexOf('\\n');
          if (nl < 0) return;
          const url = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const db = await openDb(url);
            await db.close();
            process.stdout.write('ok\\n');
          } catch (e) {
            process.stdout.write('failed: ' + String(e && e.message).split('\\n')[0] + '\\n');
          }
        });
        process.stdout.write('ready\\n');`;
      const children = [0, 1, 2, 3].map(() => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        const lines: string[] = [];
        const waiters: ((line: string) => void)[] = [];
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            const w = waiters.shift();
            if (w) w(line);
            else lines.push(line);
          }
        });
        const next = () =>
          new Promise<string>((resolve) => {
            const l = lines.shift();
            if (l !== undefined) resolve(l);
            else waiters.push(resolve);
          });
        return { child, next };
      });
      try {
        expect(await Promise.all(children.map((c) => c.next()))).toEqual([
          'ready',
          'ready',
          'ready',
          'ready',
        ]);
        for (let round = 0; round < 5; round++) {
          const { db: url } = await fresh(dialect);
          for (const c of children) c.child.stdin.write(`${url}\n`);
          const results = await Promise.all(children.map((c) => c.next()));
          expect(results, `round ${round}`).toEqual(['ok', 'ok', 'ok', 'ok']);
          const db = await opened(url);
          expect(await count(db, 'SELECT COUNT(*) AS n FROM schema_migrations')).toBe(MIGRATIONS.length);
          expect(await count(db, 'SELECT COUNT(*) AS n FROM audit_state')).toBe(1);
        }
      } finally {
        for (const c of children) c.child.kill();
      }
    });

    it('audit log: dense appends, a signed head, inclusion and consistency proofs that verify', async () => {
      const { db: url } = await fresh(dialect);
      const db = await opened(url);
      const key = generateNoteKey('repo.test/audit');
      const audit = new AuditLog('repo.test/audit', parseSignerKey(key.skey));
      const heads: { size: number; root: Buffer }[] = [];
      const N = 37;
      for (let i = 0; i < N; i++) {
        // Most writes append one entry; every fifth appends two in the same transaction.
        const n = i % 5 === 4 ? 2 : 1;
        const out = await db.write(async (q) => {
          let last;
          for (let k = 0; k < n; k++)
            last = await audit.append(q, {
              event: 'tag.set',
              actor: `user${i}`,
              package: `@s/p${i}`,
              metadata: { tag: 't', version: `1.0.${k}` },
            });
          return last!;
        });
        expect(out.index).toBe(out.size - 1);
        const { checkpoint } = openCheckpoint(out.checkpoint, key.vkey, 'repo.test/audit');
        expect(checkpoint.size).toBe(out.size);
        heads.push({ size: checkpoint.size, root: checkpoint.root });
      }
      const head = await db.read((q) => audit.head(q));
      const final = heads.at(-1)!;
      expect(head.size).toBe(final.size);
      expect(head.root.equals(final.root)).toBe(true);
      expect(openCheckpoint(head.checkpoint, key.vkey, 'repo.test/audit').checkpoint.size).toBe(head.size);

      const rows = await db.read((q) =>
        q.all<{ idx: number; body: Buffer; leaf_hash: Buffer }>(
          'SELECT idx, body, leaf_hash FROM audit_entries ORDER BY idx',
        ),
      );
      expect(rows.map((r) => r.idx)).toEqual([...Array(head.size).keys()]);
      const store = new MemoryNodeStore();
      rows.forEach((r, i) => {
        const leaf = leafHash(Buffer.from(r.body));
        expect(leaf.equals(Buffer.from(r.leaf_hash))).toBe(true);
        for (const n of appendLeaf(store, i, leaf)) store.put(n.level, n.index, n.hash);
      });
      expect(rootAt(store, head.size).equals(head.root)).toBe(true);

      // Inclusion of every entry in every third head (and the last), consistency between every pair of those.
      const some = heads.filter((_, i) => i % 3 === 0 || i === heads.length - 1);
      for (const h of some)
        for (const r of rows.filter((x) => x.idx < h.size)) {
          const proof = await db.read((q) => audit.inclusion(q, r.idx, h.size));
          verifyInclusion(r.idx, h.size, leafHash(Buffer.from(r.body)), proof, h.root);
        }
      for (const a of some)
        for (const b of some.filter((x) => x.size >= a.size)) {
          const proof = await db.read((q) => audit.consistency(q, a.size, b.size));
          verifyConsistency(a.size, b.size, proof, a.root, b.root);
          expect((await db.read((q) => audit.rootAt(q, a.size))).equals(a.root)).toBe(true);
        }
    });

    it('a rolled-back write leaves no audit entry and no hole', async () => {
      const { db: url } = await fresh(dialect);
      const db = await opened(url);
      const key = generateNoteKey('rollback/audit');
      const audit = new AuditLog('rollback/audit', parseSignerKey(key.skey));
      const ev = (n: number) => ({ event: 'token.create' as const, actor: 'a', metadata: { n } });
      for (let i = 0; i < 3; i++) await db.write((q) => audit.append(q, ev(i)));
      const before = await db.read((q) => audit.head(q));
      const nodesBefore = await count(db, 'SELECT COUNT(*) AS n FROM audit_nodes');

      // An exception after the append (and after another change) rolls both back.
      await expect(
        db.write(async (q) => {
          await audit.append(q, ev(99));
          await q.run("INSERT INTO settings (key, value) VALUES ('rolled', 'back')");
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      // So does a failing statement after the append (a primary-key violation).
      await expect(
        db.write(async (q) => {
          await audit.append(q, ev(98));
          await q.run("INSERT INTO settings (key, value) VALUES ('dup', '1')");
          await q.run("INSERT INTO settings (key, value) VALUES ('dup', '2')");
        }),
      ).rejects.toThrow();

      const after = await db.read((q) => audit.head(q));
      expect(after.size).toBe(before.size);
      expect(after.checkpoint).toBe(before.checkpoint);
      expect(await count(db, 'SELECT COUNT(*) AS n FROM audit_entries')).toBe(3);
      expect(await count(db, 'SELECT COUNT(*) AS n FROM audit_nodes')).toBe(nodesBefore);
      expect(await count(db, "SELECT COUNT(*) AS n FROM settings WHERE key IN ('rolled', 'dup')")).toBe(0);

      // The next append takes the next index: no hole.
      const next = await db.write((q) => audit.append(q, ev(3)));
      expect(next.index).toBe(3);
      const idx = await db.read((q) => q.all<{ idx: number }>('SELECT idx FROM audit_entries ORDER BY idx'));
      expect(idx.map((r) => r.idx)).toEqual([0, 1, 2, 3]);
      const cp = openCheckpoint(next.checkpoint, key.vkey, 'rollback/audit').checkpoint;
      const proof = await db.read((q) => audit.consistency(q, before.size, cp.size));
      verifyConsistency(before.size, cp.size, proof, before.root, cp.root);
    });
  });

  // ----------------------------------------------------------------------------------------------------
  describe('HTTP API', () => {
    it('publish: 201 with a verifiable receipt; identical bytes replay (200); different bytes 409', async () => {
      const reg = await serve(dialect);
      const alice = await createUser(reg.url, reg.admin, 'alice');
      const archive = await buildArchive('@alice/pkg', '1.0.0');
      const r = expectStatus(await publish(reg.url, alice.token, '@alice/pkg', '1.0.0', archive), 201);
      expect(r.headers.get('location')).toBe('/api/v1/packages/@alice/pkg/versions/1.0.0');
      expect(r.body).toMatchObject({
        name: '@alice/pkg',
        version: '1.0.0',
        checksum: `sha256:${sha256hex(archive)}`,
        status: 'approved',
        tags: ['latest'],
      });
      const cp = await fetchCheckpoint(reg.url, reg.key);
      await verifyPublishReceipt(reg.url, reg.key, r.body.audit!, cp);
      const sizeAfter = cp.size;

      const replay = expectStatus(await publish(reg.url, alice.token, '@alice/pkg', '1.0.0', archive), 200);
      expect(replay.body).toMatchObject({ replay: true, audit_index: r.body.audit!.index });

      const other = await buildArchive('@alice/pkg', '1.0.0', { salt: 'different bytes' });
      expectProblem(await publish(reg.url, alice.token, '@alice/pkg', '1.0.0', other), 409, 'version_exists');
      expect((await fetchCheckpoint(reg.url, reg.key)).size).toBe(sizeAfter);
      expect(await count(reg.r.db, 'SELECT COUNT(*) AS n FROM versions')).toBe(1);

      // The POST /packages alias takes name and version from the archive.
      const v2 = await buildArchive('@alice/pkg', '1.0.1');
      expectStatus(await publish(reg.url, alice.token, '@alice/pkg', '1.0.1', v2, { via: 'post' }), 201);

      // Download: the bytes, with ETag and Repr-Digest; If-None-Match gives 304.
      const dl = await fetch(`${reg.url}/api/v1/packages/@alice/pkg/versions/1.0.0/archive`);
      expect(dl.status).toBe(200);
      expect(Buffer.from(await dl.arrayBuffer()).equals(archive)).toBe(true);
      expect(dl.headers.get('etag')).toBe(`"sha256:${sha256hex(archive)}"`);
      expect(dl.headers.get('repr-digest')).toBe(
        `sha-256=:${Buffer.from(sha256hex(archive), 'hex').toString('base64')}:`,
      );
      const cached = await fetch(`${reg.url}/api/v1/packages/@alice/pkg/versions/1.0.0/archive`, {
        headers: { 'if-none-match': dl.headers.get('etag')! },
      });
      expect(cached.status).toBe(304);
      await verifyWholeLog(reg.url, reg.key);
    });

    it('dist-tags: set, list, remove; latest stays; unknown versions and bad tags refused', async () => {
      const reg = await serve(dialect);
      const alice = await createUser(reg.url, reg.admin, 'alice');
      const bob = await createUser(reg.url, reg.admin, 'bob');
      for (const v of ['1.0.0', '1.1.0'])
        expectStatus(
          await publish(reg.url, alice.token, '@alice/t', v, await buildArchive('@alice/t', v)),
          201,
        );
      const tags = () => call<Record<string, string>>(reg.url, 'GET', '/api/v1/packages/@alice/t/dist-tags');
      expect((await tags()).body).toEqual({ latest: '1.1.0' });
      const set = expectStatus(
        await call<{ audit_index: number }>(reg.url, 'PUT', '/api/v1/packages/@alice/t/dist-tags/beta', {
          token: alice.token,
          json: { version: '1.0.0' },
        }),
        200,
      );
      expect((await tags()).body).toEqual({ beta: '1.0.0', latest: '1.1.0' });
      expectStatus(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/t/dist-tags/latest', {
          token: alice.token,
          json: { version: '1.0.0' },
        }),
        200,
      );
      expect((await tags()).body).toEqual({ beta: '1.0.0', latest: '1.0.0' });
      expectProblem(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/t/dist-tags/beta', {
          token: alice.token,
          json: { version: '9.9.9' },
        }),
        404,
        'version_not_found',
      );
      expectProblem(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/t/dist-tags/1.0.0', {
          token: alice.token,
          json: { version: '1.0.0' },
        }),
        422,
        'invalid_tag',
      );
      expectProblem(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/t/dist-tags/beta', {
          token: bob.token,
          json: { version: '1.1.0' },
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(reg.url, 'DELETE', '/api/v1/packages/@alice/t/dist-tags/latest', { token: alice.token }),
        409,
        'conflict',
      );
      expect(
        (await call(reg.url, 'DELETE', '/api/v1/packages/@alice/t/dist-tags/beta', { token: alice.token }))
          .status,
      ).toBe(204);
      expectProblem(
        await call(reg.url, 'DELETE', '/api/v1/packages/@alice/t/dist-tags/beta', { token: alice.token }),
        404,
        'tag_not_found',
      );
      expect((await tags()).body).toEqual({ latest: '1.0.0' });
      const events = (await allEntries(reg.url, 'package=@alice/t')).map(
        (e) => JSON.parse(e.body) as { event: string; metadata: Record<string, unknown> },
      );
      expect(events.map((e) => e.event)).toEqual([
        'package.publish',
        'package.publish',
        'tag.set',
        'tag.set',
        'tag.remove',
      ]);
      expect(events[2]!.metadata).toEqual({ tag: 'beta', version: '1.0.0' });
      expect(set.body.audit_index).toBeGreaterThan(0);
    });

    it('yank and undo: hidden from listings and tags, still downloadable, audited', async () => {
      const reg = await serve(dialect);
      const alice = await createUser(reg.url, reg.admin, 'alice');
      for (const v of ['1.0.0', '1.0.1'])
        expectStatus(
          await publish(reg.url, alice.token, '@alice/y', v, await buildArchive('@alice/y', v)),
          201,
        );
      const yank = () =>
        call<{ yanked: boolean; changed: boolean }>(
          reg.url,
          'PUT',
          '/api/v1/packages/@alice/y/versions/1.0.0/yank',
          {
            token: alice.token,
            json: { reason: 'broken build' },
          },
        );
      expect(expectStatus(await yank(), 200).body).toMatchObject({ yanked: true, changed: true });
      expect(expectStatus(await yank(), 200).body).toMatchObject({ yanked: true, changed: false });
      const listed = async (q = '') =>
        (
          await call<Page<{ version: string; yanked: boolean }>>(
            reg.url,
            'GET',
            `/api/v1/packages/@alice/y/versions${q}`,
          )
        ).body.items.map((i) => `${i.version}${i.yanked ? ' (yanked)' : ''}`);
      expect(await listed()).toEqual(['1.0.1']);
      expect(await listed('?include_yanked=true')).toEqual(['1.0.0 (yanked)', '1.0.1']);
      const doc = await call<{ yanked: boolean; yank: { reason: string } }>(
        reg.url,
        'GET',
        '/api/v1/packages/@alice/y/versions/1.0.0',
      );
      expect(doc.body).toMatchObject({ yanked: true, yank: { reason: 'broken build' } });
      expect((await fetch(`${reg.url}/api/v1/packages/@alice/y/versions/1.0.0/archive`)).status).toBe(200);
      expectProblem(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/y/dist-tags/old', {
          token: alice.token,
          json: { version: '1.0.0' },
        }),
        409,
        'conflict',
      );
      const undo = await call<{ yanked: boolean; changed: boolean }>(
        reg.url,
        'DELETE',
        '/api/v1/packages/@alice/y/versions/1.0.0/yank',
        { token: alice.token },
      );
      expect(expectStatus(undo, 200).body).toMatchObject({ yanked: false, changed: true });
      expect(await listed()).toEqual(['1.0.0', '1.0.1']);
      const events = (await allEntries(reg.url, 'package=@alice/y')).map(
        (e) => (JSON.parse(e.body) as { event: string }).event,
      );
      expect(events).toEqual(['package.publish', 'package.publish', 'version.yank', 'version.unyank']);
      // Versions are never deleted.
      const del = await call(reg.url, 'DELETE', '/api/v1/packages/@alice/y/versions/1.0.0', {
        token: alice.token,
      });
      expectProblem(del, 405, 'use_yank');
      expect(del.headers.get('allow')).toBe('GET, PUT');
      expectProblem(
        await call(reg.url, 'DELETE', '/api/v1/packages/@alice/y/versions/1.0.0'),
        405,
        'use_yank',
      );
    });

    it('approvals: pending until an approver approves; nobody approves their own publish', async () => {
      const reg = await serve(dialect, { requireApproval: true });
      const alice = await createUser(reg.url, reg.admin, 'alice');
      const bob = await createUser(reg.url, reg.admin, 'bob', 'approver');
      const carol = await createUser(reg.url, reg.admin, 'carol');
      const r = expectStatus(
        await publish(reg.url, alice.token, '@alice/a', '1.0.0', await buildArchive('@alice/a', '1.0.0')),
        202,
      );
      expect(r.body).toMatchObject({ status: 'pending', tags: [] });
      const path = '/api/v1/packages/@alice/a/versions/1.0.0';
      expectProblem(await call(reg.url, 'GET', path), 404, 'version_not_found');
      expectProblem(await call(reg.url, 'GET', `${path}/archive`), 404, 'version_not_found');
      expect(
        (await call<{ approval_status: string }>(reg.url, 'GET', path, { token: alice.token })).body,
      ).toMatchObject({ approval_status: 'pending' });
      const queue = await call<{ items: { name: string; version: string }[] }>(
        reg.url,
        'GET',
        '/api/v1/approvals',
        {
          token: bob.token,
        },
      );
      expect(queue.body.items).toEqual([expect.objectContaining({ name: '@alice/a', version: '1.0.0' })]);
      // A plain user's role can never hold 'approve': said so (role_lacks_scope), no token is suggested.
      expectProblem(
        await call(reg.url, 'GET', '/api/v1/approvals', { token: alice.token }),
        403,
        'role_lacks_scope',
      );

      const decide = (token: string, decision: string, p = path) =>
        call<{ approval_status: string }>(reg.url, 'POST', `${p}/approvals`, { token, json: { decision } });
      expectProblem(await decide(alice.token, 'approve'), 403, 'role_lacks_scope');
      expectProblem(await decide(carol.token, 'approve'), 403, 'role_lacks_scope');
      // An approver's own publish: not even an approver approves it.
      expectStatus(
        await publish(reg.url, bob.token, '@bob/b', '1.0.0', await buildArchive('@bob/b', '1.0.0')),
        202,
      );
      expectProblem(
        await decide(bob.token, 'approve', '/api/v1/packages/@bob/b/versions/1.0.0'),
        403,
        'self_approval',
      );
      // Anyone else with the role may: the admin approves bob's.
      expectStatus(await decide(reg.admin, 'approve', '/api/v1/packages/@bob/b/versions/1.0.0'), 201);

      expect(expectStatus(await decide(bob.token, 'approve'), 201).body).toMatchObject({
        approval_status: 'approved',
      });
      expectProblem(await decide(bob.token, 'approve'), 409, 'conflict');
      expect((await call(reg.url, 'GET', path)).status).toBe(200);
      expect(
        (await call<Record<string, string>>(reg.url, 'GET', '/api/v1/packages/@alice/a/dist-tags')).body,
      ).toEqual({ latest: '1.0.0' });

      // A rejected version stays hidden and moves no tag.
      expectStatus(
        await publish(reg.url, alice.token, '@alice/a', '1.0.1', await buildArchive('@alice/a', '1.0.1')),
        202,
      );
      expect(
        expectStatus(await decide(bob.token, 'reject', '/api/v1/packages/@alice/a/versions/1.0.1'), 201).body,
      ).toMatchObject({ approval_status: 'rejected' });
      expectProblem(
        await call(reg.url, 'GET', '/api/v1/packages/@alice/a/versions/1.0.1'),
        404,
        'version_not_found',
      );
      expect(
        (await call<Record<string, string>>(reg.url, 'GET', '/api/v1/packages/@alice/a/dist-tags')).body,
      ).toEqual({ latest: '1.0.0' });
      const events = (await allEntries(reg.url, 'package=@alice/a')).map(
        (e) => JSON.parse(e.body) as { event: string; actor: string },
      );
      expect(events.map((e) => `${e.event} by ${e.actor}`)).toEqual([
        'package.publish by alice',
        'version.approve by bob',
        'package.publish by alice',
        'version.reject by bob',
      ]);
    });

    it('owners and ownership transfer (offer, accept)', async () => {
      const reg = await serve(dialect);
      const alice = await createUser(reg.url, reg.admin, 'alice');
      const bob = await createUser(reg.url, reg.admin, 'bob');
      const carol = await createUser(reg.url, reg.admin, 'carol');
      expectStatus(
        await publish(reg.url, alice.token, '@alice/o', '1.0.0', await buildArchive('@alice/o', '1.0.0')),
        201,
      );
      const owners = async () =>
        (await call<{ owners: string[] }>(reg.url, 'GET', '/api/v1/packages/@alice/o/owners')).body.owners;
      expectStatus(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/o/owners/bob', { token: alice.token }),
        200,
      );
      expect(await owners()).toEqual(['alice', 'bob']);
      expectProblem(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/o/owners/carol', { token: carol.token }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(reg.url, 'PUT', '/api/v1/packages/@alice/o/owners/nobody', { token: alice.token }),
        404,
        'user_not_found',
      );
      expect(
        (await call(reg.url, 'DELETE', '/api/v1/packages/@alice/o/owners/bob', { token: alice.token }))
          .status,
      ).toBe(204);
      expectProblem(
        await call(reg.url, 'DELETE', '/api/v1/packages/@alice/o/owners/alice', { token: alice.token }),
        409,
        'conflict',
      );

      const offer = await call<{ id: string; status: string }>(
        reg.url,
        'POST',
        '/api/v1/packages/@alice/o/ownership-transfers',
        { token: alice.token, json: { to: 'carol' } },
      );
      expect(expectStatus(offer, 202).body.status).toBe('pending');
      const id = offer.body.id;
      const mine = await call<{ items: { id: string; from: string; to: string }[] }>(
        reg.url,
        'GET',
        '/api/v1/ownership-transfers',
        { token: carol.token },
      );
      expect(mine.body.items).toEqual([expect.objectContaining({ id, from: 'alice', to: 'carol' })]);
      expectProblem(
        await call(reg.url, 'POST', `/api/v1/ownership-transfers/${id}/accept`, { token: bob.token }),
        404,
        'transfer_not_found',
      );
      const accepted = await call<{ status: string }>(
        reg.url,
        'POST',
        `/api/v1/ownership-transfers/${id}/accept`,
        {
          token: carol.token,
        },
      );
      expect(expectStatus(accepted, 200).body.status).toBe('accepted');
      expectProblem(
        await call(reg.url, 'POST', `/api/v1/ownership-transfers/${id}/accept`, { token: carol.token }),
        409,
        'conflict',
      );
      expect(await owners()).toEqual(['carol']);
      expectProblem(
        await publish(reg.url, alice.token, '@alice/o', '1.0.1', await buildArchive('@alice/o', '1.0.1')),
        403,
        'forbidden',
      );
      expectStatus(
        await publish(reg.url, carol.token, '@alice/o', '1.0.1', await buildArchive('@alice/o', '1.0.1')),
        201,
      );
      const events = (await allEntries(reg.url, 'package=@alice/o')).map(
        (e) => JSON.parse(e.body) as { event: string; metadata: Record<string, unknown> },
      );
      expect(events.map((e) => e.event)).toEqual([
        'package.publish',
        'owner.add',
        'owner.remove',
        'ownership.transfer',
        'package.publish',
      ]);
      expect(events[3]!.metadata).toEqual({ from: 'alice', to: 'carol' });
    });

    it('an admin adding an owner to, or offering, a package that does not exist: 404, nothing stored', async () => {
      const reg = await serve(dialect);
      await createUser(reg.url, reg.admin, 'bob');
      const size = (await fetchCheckpoint(reg.url, reg.key)).size;
      // Admins pass the ownership check without owning anything: the package must still exist.
      expectProblem(
        await call(reg.url, 'PUT', '/api/v1/packages/@ghost/none/owners/bob', { token: reg.admin }),
        404,
        'package_not_found',
      );
      expectProblem(
        await call(reg.url, 'POST', '/api/v1/packages/@ghost/none/ownership-transfers', {
          token: reg.admin,
          json: { to: 'bob' },
        }),
        404,
        'package_not_found',
      );
      expect(await count(reg.r.db, 'SELECT COUNT(*) AS n FROM owners')).toBe(0);
      expect(await count(reg.r.db, 'SELECT COUNT(*) AS n FROM transfers')).toBe(0);
      expect((await fetchCheckpoint(reg.url, reg.key)).size).toBe(size);
    });

    it('tokens: every 401 path, 403 insufficient_scope, write tokens expire within 90 days', async () => {
      const reg = await serve(dialect);
      const alice = await createUser(reg.url, reg.admin, 'alice');
      const me = (token?: string, header?: string) =>
        call(reg.url, 'GET', '/api/v1/users/me', {
          ...(token !== undefined ? { token } : {}),
          ...(header !== undefined ? { headers: { authorization: header } } : {}),
        });
      const p401 = async (r: Promise<Reply<Problem>>, detail: RegExp) => {
        const got = await r;
        expect(expectProblem(got, 401, 'unauthorized').detail).toMatch(detail);
        expect(got.headers.get('www-authenticate')).toMatch(/^Bearer/);
      };
      expect((await me(alice.token)).body).toMatchObject({ name: 'alice', role: 'user' });
      await p401(me(), /needs a token/);
      await p401(me(undefined, `Basic ${Buffer.from('alice:pw').toString('base64')}`), /malformed/);
      await p401(me('not-a-token'), /malformed/);
      // Its last character changed (to another one: a token may end in x already): the checksum fails.
      const flipped = alice.token.endsWith('x') ? 'y' : 'x';
      await p401(me(`${alice.token.slice(0, -1)}${flipped}`), /malformed/);
      await p401(me(newTokenSecret()), /not known/);

      const t = expectStatus(
        await createToken(reg.url, alice.token, { scopes: ['read'], name: 'ci' }),
        201,
      ).body;
      expect((await me(t.token)).status).toBe(200);
      expect((await call(reg.url, 'DELETE', `/api/v1/tokens/${t.id}`, { token: alice.token })).status).toBe(
        204,
      );
      await p401(me(t.token), /revoked/);

      const e = expectStatus(await createToken(reg.url, alice.token, { scopes: ['read'] }), 201).body;
      await reg.r.db.write((q) =>
        q.run(
          'UPDATE tokens SET expires_at = ? WHERE id = ?',
          new Date(Date.now() - 1000).toISOString(),
          e.id,
        ),
      );
      await p401(me(e.token), /expired/);

      // 403: a read-only token cannot publish, nor mint itself a write scope; a user cannot create users.
      const read = expectStatus(await createToken(reg.url, alice.token, { scopes: ['read'] }), 201).body;
      expectProblem(
        await publish(reg.url, read.token, '@alice/s', '1.0.0', await buildArchive('@alice/s', '1.0.0')),
        403,
        'insufficient_scope',
      );
      expectProblem(
        await createToken(reg.url, read.token, { scopes: ['publish'] }),
        403,
        'insufficient_scope',
      );
      expectProblem(
        await call(reg.url, 'POST', '/api/v1/users', { token: alice.token, json: { name: 'mallory' } }),
        403,
        'role_lacks_scope',
      );
      // A token limited to one package cannot touch another, nor create an unlimited token.
      const one = expectStatus(
        await createToken(reg.url, alice.token, { scopes: ['publish', 'read'], packages: ['@alice/one'] }),
        201,
      ).body;
      expectStatus(
        await publish(reg.url, one.token, '@alice/one', '1.0.0', await buildArchive('@alice/one', '1.0.0')),
        201,
      );
      expectProblem(
        await publish(reg.url, one.token, '@alice/two', '1.0.0', await buildArchive('@alice/two', '1.0.0')),
        403,
        'insufficient_scope',
      );
      expectProblem(
        await createToken(reg.url, one.token, { scopes: ['read'], packages: [] }),
        403,
        'insufficient_scope',
      );

      // Write tokens: 30 days by default, 90 at most; read tokens may live longer.
      const days = (iso: string | null) => Math.round((Date.parse(iso!) - Date.now()) / 86_400_000);
      expect(days(alice.expires_at)).toBe(30);
      expectProblem(
        await createToken(reg.url, alice.token, { scopes: ['publish'], expires_in_days: 91 }),
        400,
        'bad_request',
      );
      expectProblem(
        await createToken(reg.url, alice.token, { scopes: ['publish'], expires_in_days: 0 }),
        400,
        'bad_request',
      );
      const w90 = expectStatus(
        await createToken(reg.url, alice.token, { scopes: ['publish'], expires_in_days: 90 }),
        201,
      ).body;
      expect(days(w90.expires_at)).toBe(90);
      const r400 = expectStatus(
        await createToken(reg.url, alice.token, { scopes: ['read'], expires_in_days: 400 }),
        201,
      ).body;
      expect(days(r400.expires_at)).toBe(400);
      const list = await call<{ items: { id: string; revoked: boolean; current: boolean }[] }>(
        reg.url,
        'GET',
        '/api/v1/tokens',
        { token: alice.token },
      );
      expect(list.body.items.find((i) => i.id === t.id)?.revoked).toBe(true);
      expect(list.body.items.filter((i) => i.current)).toHaveLength(1);
      // Someone else's token is "not found" (no oracle).
      const bob = await createUser(reg.url, reg.admin, 'bob');
      expectProblem(
        await call(reg.url, 'DELETE', `/api/v1/tokens/${w90.id}`, { token: bob.token }),
        404,
        'token_not_found',
      );
    });

    it('errors are RFC 9457 problem details with stable codes', async () => {
      const reg = await serve(dialect);
      expectProblem(await call(reg.url, 'GET', '/api/v1/nowhere'), 404, 'route_not_found');
      expectProblem(await call(reg.url, 'GET', '/api/v1/packages/@nobody/none'), 404, 'package_not_found');
      expectProblem(await call(reg.url, 'GET', '/api/v1/packages/NOT_A_NAME'), 400, 'bad_request');
      expectProblem(
        await call(reg.url, 'GET', '/api/v1/packages/@a/b/versions/not-semver'),
        400,
        'bad_request',
      );
      expectProblem(await call(reg.url, 'GET', '/api/v1/audit/entries/12345'), 404, 'entry_not_found');
      expectProblem(
        await call(reg.url, 'GET', '/api/v1/audit/proof/inclusion?index=5&tree_size=1'),
        400,
        'bad_request',
      );
      expectProblem(
        await call(reg.url, 'GET', '/api/v1/audit/proof/consistency?from=0&to=1'),
        400,
        'bad_request',
      );
      expectProblem(await call(reg.url, 'GET', '/api/v1/users/me'), 401, 'unauthorized');
      expectProblem(
        await call(reg.url, 'POST', '/api/v1/tokens', {
          token: reg.admin,
          body: '{not json',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'bad_request',
      );
      const problem = expectProblem(
        await call(reg.url, 'POST', '/api/v1/users', { token: reg.admin, json: { name: 'admin' } }),
        409,
        'conflict',
      );
      expect(problem.title).toBe('Conflict');
    });

    it('cursor pagination: /audit/entries and /packages/{p}/versions', async () => {
      const reg = await serve(dialect);
      const alice = await createUser(reg.url, reg.admin, 'alice');
      const versions = ['1.0.0', '1.0.1', '1.0.2', '1.1.0', '2.0.0'];
      for (const v of versions)
        expectStatus(
          await publish(reg.url, alice.token, '@alice/pg', v, await buildArchive('@alice/pg', v)),
          201,
        );
      const all = await allEntries(reg.url);
      expect(all.map((e) => e.index)).toEqual([...Array(all.length).keys()]);
      expect(all.length).toBe((await fetchCheckpoint(reg.url, reg.key)).size);

      const walk = async (path: string, limit: number) => {
        const pages: unknown[][] = [];
        let cursor: string | null = null;
        do {
          const sep = path.includes('?') ? '&' : '?';
          const r: Reply<Page<unknown>> = expectStatus(
            await call<Page<unknown>>(
              reg.url,
              'GET',
              `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
            ),
            200,
          );
          expect(r.body.items.length).toBeLessThanOrEqual(limit);
          pages.push(r.body.items);
          cursor = r.body.next_cursor;
        } while (cursor && pages.length < 100);
        return pages;
      };
      const entryPages = await walk('/api/v1/audit/entries', 3);
      expect(entryPages.length).toBe(Math.ceil(all.length / 3));
      expect(entryPages.flat()).toEqual(all);
      const pub = await walk('/api/v1/audit/entries?event=package.publish', 2);
      expect(pub.flat().length).toBe(versions.length);

      const vPages = await walk('/api/v1/packages/@alice/pg/versions', 2);
      expect(vPages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(vPages.flat().map((v) => (v as { version: string }).version)).toEqual(versions);

      expectProblem(await call(reg.url, 'GET', '/api/v1/audit/entries?limit=0'), 400, 'bad_request');
      expectProblem(await call(reg.url, 'GET', '/api/v1/audit/entries?limit=201'), 400, 'bad_request');
      expectProblem(await call(reg.url, 'GET', '/api/v1/audit/entries?limit=x'), 400, 'bad_request');
    });

    it('a cursor that is not one the server issued is a 400, not a 500', async () => {
      const reg = await serve(dialect);
      const garbage = Buffer.from('not-a-number').toString('base64url');
      expectProblem(
        await call(reg.url, 'GET', `/api/v1/audit/entries?cursor=${garbage}`),
        400,
        'bad_request',
      );
      expectProblem(await call(reg.url, 'GET', '/api/v1/audit/entries?cursor=LTE'), 400, 'bad_request'); // "-1"
      const alice = await createUser(reg.url, reg.admin, 'alice');
      expectStatus(
        await publish(reg.url, alice.token, '@alice/c', '1.0.0', await buildArchive('@alice/c', '1.0.0')),
        201,
      );
      // A version cursor the package does not have does not silently restart at the first page.
      const unknown = Buffer.from('9.9.9').toString('base64url');
      expectProblem(
        await call(reg.url, 'GET', `/api/v1/packages/@alice/c/versions?cursor=${unknown}`),
        400,
        'bad_request',
      );
    });

    it('rate limit: the third publish in a minute is 429 with Retry-After', async () => {
      const reg = await serve(dialect, { rateLimit: { publish: 2 } });
      const alice = await createUser(reg.url, reg.admin, 'alice');
      for (const v of ['1.0.0', '1.0.1'])
        expectStatus(
          await publish(reg.url, alice.token, '@alice/r', v, await buildArchive('@alice/r', v)),
          201,
        );
      const size = (await fetchCheckpoint(reg.url, reg.key)).size;
      const r = await publish(
        reg.url,
        alice.token,
        '@alice/r',
        '1.0.2',
        await buildArchive('@alice/r', '1.0.2'),
      );
      const p = expectProblem(r, 429, 'rate_limited');
      const retry = Number(r.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(60);
      expect(p.retry_after).toBe(retry);
      expect((await fetchCheckpoint(reg.url, reg.key)).size).toBe(size);
      expect(await count(reg.r.db, "SELECT COUNT(*) AS n FROM versions WHERE version = '1.0.2'")).toBe(0);
      // Other requests (and other tokens) are not throttled by it.
      expect((await call(reg.url, 'GET', '/api/v1/packages/@alice/r')).status).toBe(200);
    });

    it('size limit: an archive over limits.maxArchiveSize is 413 archive_too_large, nothing stored', async () => {
      const reg = await serve(dialect, { limits: { maxArchiveSize: 4096 } });
      const alice = await createUser(reg.url, reg.admin, 'alice');
      const small = await buildArchive('@alice/z', '1.0.0');
      expect(small.length).toBeLessThan(4096);
      expectStatus(await publish(reg.url, alice.token, '@alice/z', '1.0.0', small), 201);
      const blobs = blobFiles(reg.storage);
      const size = (await fetchCheckpoint(reg.url, reg.key)).size;
      // Random bytes do not compress: the archive is larger than the limit.
      const big = await buildArchive('@alice/z', '1.0.1', {
        extra: [
          {
            name: 'noise.bin',
            content: seededRandom(testSeed('oversized signature bytes', 8192)).bytes(8192),
          },
        ],
      });
      expect(big.length).toBeGreaterThan(4096);
      expectProblem(await publish(reg.url, alice.token, '@alice/z', '1.0.1', big), 413, 'archive_too_large');
      expect(blobFiles(reg.storage)).toEqual(blobs);
      expect((await fetchCheckpoint(reg.url, reg.key)).size).toBe(size);
      expect(await count(reg.r.db, "SELECT COUNT(*) AS n FROM versions WHERE version = '1.0.1'")).toBe(0);
      const caps = await call<{ limits: { max_archive_bytes: number } }>(reg.url, 'GET', '/api/v1');
      expect(caps.body.limits.max_archive_bytes).toBe(4096);
    });

    it('the served log verifies from scratch after a mixed workload (bootstrap entries included)', async () => {
      const reg = await serve(dialect);
      const alice = await createUser(reg.url, reg.admin, 'alice');
      expectStatus(
        await publish(reg.url, alice.token, '@alice/w', '1.0.0', await buildArchive('@alice/w', '1.0.0')),
        201,
      );
      // Search: case-insensitive on both databases, % and _ literal, with the latest tag's version.
      const found = await call<{ items: { name: string; latest?: string }[] }>(
        reg.url,
        'GET',
        '/api/v1/packages?q=ALICE%2FW',
      );
      expect(found.body.items).toEqual([expect.objectContaining({ name: '@alice/w', latest: '1.0.0' })]);
      const literal = await call<{ items: unknown[] }>(reg.url, 'GET', '/api/v1/packages?q=%25');
      expect(literal.body.items).toEqual([]);
      const log = await verifyWholeLog(reg.url, reg.key);
      // The attestation key is made before the registry listens; the admin (and the checkpoint key's entry with
      // it) only once it does, so a start that cannot listen leaves no admin whose token nobody saw.
      expect(log.bodies.map((b) => b.event)).toEqual([
        'key.create',
        'user.create',
        'key.create',
        'user.create',
        'token.create',
        'package.publish',
      ]);
      expect(log.bodies[0]).toMatchObject({
        actor: 'registry',
        metadata: { use: 'attestation', keyid: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
      });
      expect(log.bodies[2]).toMatchObject({
        actor: 'registry',
        metadata: { use: 'checkpoint', vkey: reg.key.vkey },
      });
      const entry = log.entries[5]!;
      expect(leafHash(Buffer.from(entry.body)).equals(b64(entry.leaf_hash))).toBe(true);
    });
  });
});
