// `aam registry gc` on the directory store (SQLite), and the refusals of the storage flags shared by
// `registry serve`, `registry gc` and `registry admin-token`: each a clear message and exit 2, no stack trace.
// (The object store, racing publishes and replicas: registry-replicas.test.ts.)
import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newTokenSecret } from '../../packages/registry-server/dist/index.js';
import { runAam } from './support/aam.js';
import {
  blobPath,
  buildArchive,
  checkStore,
  createUser,
  expectStatus,
  publish,
  sha256hex,
  spawnRegistry,
  type RegistryProcess,
} from '../support/registry-http.js';

const dirs: string[] = [];
const procs: RegistryProcess[] = [];
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

/** A blob file nobody names, written `ageMs` ago (what a crash between blob write and commit leaves). */
function orphan(storage: string, text: string, ageMs: number): string {
  const bytes = Buffer.from(text);
  const hex = sha256hex(bytes);
  const path = blobPath(storage, hex);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
  return hex;
}

describe('aam registry gc (directory store)', () => {
  it('dry run lists, the sweep removes only old unnamed blobs; named and young ones stay; the registry serves on', async () => {
    const storage = tempDir('aam-gc-');
    const admin = newTokenSecret();
    const srv = await spawnRegistry({ storage, adminToken: admin });
    procs.push(srv);
    const user = await createUser(srv.url, admin, 'gc');
    const archive = await buildArchive('@gc/dir', '1.0.0');
    expectStatus(await publish(srv.url, user.token, '@gc/dir', '1.0.0', archive), 201);
    const named = sha256hex(archive);
    // A named blob made to look old: age alone never sweeps it.
    const t = new Date(Date.now() - 3 * 86_400_000);
    utimesSync(blobPath(storage, named), t, t);
    const old = orphan(storage, 'old orphan', 2 * 3_600_000);
    const young = orphan(storage, 'young orphan', 60_000);
    // A temp file of a write in progress is not a blob.
    writeFileSync(`${blobPath(storage, named)}.123.tmp`, 'partial');

    const dry = await runAam(['registry', 'gc', '--storage', storage, '--dry-run', '--json'], {
      cwd: storage,
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dry_run: true,
      scanned: 3,
      referenced: 1,
      recent: 1,
      removed: [{ hex: old }],
    });
    const human = await runAam(['registry', 'gc', '--storage', storage], { cwd: storage });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`removed sha256:${old}`);
    expect(human.stdout).toMatch(/Removed 1 unnamed archive \(10 B\); kept 1 named, 1 younger than 1h/);
    const all = await runAam(['registry', 'gc', '--storage', storage, '--older-than', '0s', '--json'], {
      cwd: storage,
    });
    expect(JSON.parse(all.stdout)).toMatchObject({ removed: [{ hex: young }], referenced: 1 });
    const res = await fetch(new URL('/api/v1/packages/@gc/dir/versions/1.0.0/archive', srv.url));
    expect(res.status).toBe(200);
    expect(sha256hex(new Uint8Array(await res.arrayBuffer()))).toBe(named);
    await srv.kill('SIGTERM');
    expect(await checkStore(`sqlite:${join(storage, 'registry.db')}`, storage)).toMatchObject({
      versions: 1,
    });
  });
});

describe('storage flags: refusals (exit 2, a clear message, no stack trace)', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'serve: --trust-proxy true (every peer trusted) is refused',
      ['registry', 'serve', '--storage', '.', '--trust-proxy', 'true'],
      /--trust-proxy takes addresses or CIDRs/,
    ],
    [
      'gc: a bad duration',
      ['registry', 'gc', '--storage', '.', '--older-than', '1 week'],
      /--older-than must be a duration/,
    ],
    [
      'gc: no registry there',
      ['registry', 'gc', '--storage', './nothing-here'],
      /does not exist|No registry/,
    ],
    [
      'serve: s3 without --keys',
      ['registry', 'serve', '--storage', 's3://bucket/p', '--db', 'postgres://x@127.0.0.1/x'],
      /--keys DIR is needed/,
    ],
    [
      'serve: s3 without --db',
      ['registry', 'serve', '--storage', 's3://bucket/p', '--keys', 'k'],
      /--db is needed with s3/,
    ],
    [
      'serve: a bad bucket name',
      ['registry', 'serve', '--storage', 's3://B_/p', '--keys', 'k', '--db', 'sqlite:x.db'],
      /not an S3 bucket name/,
    ],
    [
      'serve: a bad prefix',
      ['registry', 'serve', '--storage', 's3://bucket/a/../b', '--keys', 'k', '--db', 'sqlite:x.db'],
      /not a key prefix/,
    ],
    [
      'serve: --s3-endpoint with a directory',
      ['registry', 'serve', '--storage', '.', '--s3-endpoint', 'http://127.0.0.1:1'],
      /need --storage s3:/,
    ],
    [
      'serve: a bad endpoint',
      [
        'registry',
        'serve',
        '--storage',
        's3://bucket/p',
        '--keys',
        'k',
        '--db',
        'sqlite:x.db',
        '--s3-endpoint',
        'ftp://x',
      ],
      /http:\/\/ or https:\/\//,
    ],
    ['admin-token: --keys without --storage', ['registry', 'admin-token', '--keys', 'k'], /storage/],
  ];
  for (const [name, args, message] of cases)
    it(name, async () => {
      const cwd = tempDir('aam-flags-');
      const r = await runAam(args, { cwd });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

  it('serve: an object store that cannot be reached fails the start, before anything listens', async () => {
    const cwd = tempDir('aam-flags-');
    const r = await runAam(
      [
        'registry',
        'serve',
        '--storage',
        's3://bucket/p',
        '--keys',
        'k',
        '--db',
        `sqlite:${join(cwd, 'r.db')}`,
        '--s3-endpoint',
        'http://127.0.0.1:9',
        '--port',
        '0',
      ],
      { cwd, env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' } },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot use the archive store s3:\/\/bucket\/p\//);
    expect(r.stdout).not.toMatch(/listening/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
