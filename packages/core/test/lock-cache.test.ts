// The lock's parsed copies live in aam's cache, named by the lock text's digest; they are used only for that very
// text, and never from the project (where a copy could be committed beside a harmless-looking lock).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emptyLock,
  lockCopiesDir,
  lockPath,
  readLock,
  writeLock,
  type Lockfile,
} from '../src/lock/lockfile.js';

const SHA = `sha256:${'a'.repeat(64)}` as const;

function lockWith(version: string, source = 'r'): Lockfile {
  const lock = emptyLock();
  lock.packages['p'] = {
    version,
    source,
    checksum: SHA,
    signatures: [],
    file_checksums: { 'a.md': 'b'.repeat(64), toString: 'c'.repeat(64), ['__proto__']: 'd'.repeat(64) },
  };
  return lock;
}

/** A project's .aam directory and an aam home of its own. */
function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'aam-lock-copy-'));
  const dir = join(root, 'project', '.aam');
  mkdirSync(dir, { recursive: true });
  const env = { AAM_HOME: join(root, 'home') };
  return { dir, env, copies: lockCopiesDir(env) };
}

const digestOf = (dir: string) =>
  createHash('sha256')
    .update(readFileSync(lockPath(dir), 'utf8'))
    .digest('hex');
const copyFile = (copies: string, dir: string) => join(copies, `${digestOf(dir)}.json`);

describe('the parsed copies of the lock', () => {
  it('are made by the first read, in aam’s cache, and give what the YAML gives', async () => {
    const { dir, env, copies } = setUp();
    await writeLock(dir, lockWith('1.0.0'));
    const viaYaml = readLock(dir, env);
    const copy = JSON.parse(readFileSync(copyFile(copies, dir), 'utf8'));
    expect(copy).toMatchObject({ format: 1, sha256: digestOf(dir) });
    const viaCopy = readLock(dir, env);
    expect(viaCopy).toEqual(viaYaml);
    expect(Object.getPrototypeOf(viaCopy.packages)).toBe(null);
    expect(Object.getPrototypeOf(viaCopy.packages.p!.file_checksums)).toBe(null);
    expect(viaCopy.packages.p!.file_checksums.toString).toBe('c'.repeat(64));
    expect(viaCopy.packages.p!.file_checksums.constructor).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['aam-lock.yaml']); // nothing new in the project
  });

  it('a copy is used for its own text only: a hand-edited lock is read as edited', async () => {
    const { dir, env } = setUp();
    await writeLock(dir, lockWith('1.0.0'));
    readLock(dir, env);
    writeFileSync(
      lockPath(dir),
      readFileSync(lockPath(dir), 'utf8').replace('version: 1.0.0', 'version: 2.0.0'),
    );
    expect(readLock(dir, env).packages.p!.version).toBe('2.0.0');
  });

  it('a copy placed in the project, with the right digest and another lock, changes nothing', async () => {
    const { dir, env } = setUp();
    await writeLock(dir, lockWith('1.0.0'));
    const forged = { format: 1, sha256: digestOf(dir), lock: lockWith('6.6.6', 'evil') };
    for (const name of ['.aam-lock.cache.json', `${digestOf(dir)}.json`])
      writeFileSync(join(dir, name), JSON.stringify(forged));
    expect(readLock(dir, env).packages.p).toMatchObject({ version: '1.0.0', source: 'r' });
  });

  it('a copy that is not JSON, not a lock, of another format, or recording another digest is not used', async () => {
    const { dir, env, copies } = setUp();
    await writeLock(dir, lockWith('1.0.0'));
    readLock(dir, env);
    const sha256 = digestOf(dir);
    for (const bad of [
      'not json',
      JSON.stringify({ format: 1, sha256, lock: { lockfile_version: 7 } }),
      JSON.stringify({ format: 0, sha256, lock: lockWith('9.9.9') }),
      JSON.stringify({ format: 1, sha256: 'f'.repeat(64), lock: lockWith('9.9.9') }),
    ]) {
      writeFileSync(copyFile(copies, dir), bad);
      expect(readLock(dir, env).packages.p!.version).toBe('1.0.0');
    }
  });

  it('an invalid lock is refused whatever copies there are', async () => {
    const { dir, env } = setUp();
    await writeLock(dir, lockWith('1.0.0'));
    readLock(dir, env);
    writeFileSync(lockPath(dir), 'lockfile_version: 1\npackages: [oops\n');
    expect(() => readLock(dir, env)).toThrow(/invalid YAML/);
  });

  it('a copy that cannot be written (a directory in its place) leaves the lock readable', async () => {
    const { dir, env, copies } = setUp();
    await writeLock(dir, lockWith('1.0.0'));
    mkdirSync(copyFile(copies, dir), { recursive: true });
    expect(readLock(dir, env).packages.p!.version).toBe('1.0.0');
    expect(readLock(dir, env).packages.p!.version).toBe('1.0.0');
    expect(readdirSync(copies).filter((f) => f.endsWith('.tmp'))).toEqual([]); // no temporary file left
  });

  it('keeps the 64 newest copies', async () => {
    const { dir, env, copies } = setUp();
    for (let i = 0; i < 70; i++) {
      await writeLock(dir, lockWith(`1.0.${i}`));
      readLock(dir, env);
    }
    expect(readdirSync(copies)).toHaveLength(64);
    expect(readdirSync(copies)).toContain(`${digestOf(dir)}.json`);
  });
});
