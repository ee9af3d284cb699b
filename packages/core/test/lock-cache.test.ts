// The lock's parsed copy (.aam/.aam-lock.cache.json) is used only for the very text it was parsed from.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emptyLock,
  LOCK_CACHE_FILE,
  lockPath,
  readLock,
  writeLock,
  type Lockfile,
} from '../src/lock/lockfile.js';

const SHA = `sha256:${'a'.repeat(64)}` as const;

function lockWith(version: string): Lockfile {
  const lock = emptyLock();
  lock.packages['p'] = {
    version,
    source: 'r',
    checksum: SHA,
    signatures: [],
    file_checksums: { 'a.md': 'b'.repeat(64), toString: 'c'.repeat(64) },
  };
  return lock;
}

const cacheOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_CACHE_FILE), 'utf8'));

describe('the parsed copy of the lock', () => {
  it('is made by the first read and gives what the YAML gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-lock-cache-'));
    await writeLock(dir, lockWith('1.0.0'));
    readLock(dir);
    expect(cacheOf(dir).lock.packages.p.version).toBe('1.0.0');
    const viaCache = readLock(dir);
    writeFileSync(join(dir, LOCK_CACHE_FILE), '{}'); // force the YAML way
    const viaYaml = readLock(dir);
    expect(viaCache).toEqual(viaYaml);
    expect(Object.getPrototypeOf(viaCache.packages)).toBe(null);
    expect(Object.getPrototypeOf(viaCache.packages.p!.file_checksums)).toBe(null);
  });

  it('is ignored once the lock text changes (a hand edit): the lock says what counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-lock-cache-'));
    await writeLock(dir, lockWith('1.0.0'));
    readLock(dir);
    const file = lockPath(dir);
    writeFileSync(file, readFileSync(file, 'utf8').replace('version: 1.0.0', 'version: 2.0.0'));
    expect(readLock(dir).packages.p!.version).toBe('2.0.0');
    expect(cacheOf(dir).lock.packages.p.version).toBe('2.0.0'); // and rewritten
  });

  it('a copy that is not JSON, or not a lock, or claims the right digest for other content, is not used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-lock-cache-'));
    await writeLock(dir, lockWith('1.0.0'));
    readLock(dir);
    const { sha256 } = cacheOf(dir);
    for (const bad of [
      'not json',
      JSON.stringify({ sha256, lock: { lockfile_version: 7 } }),
      JSON.stringify({ sha256: 'f'.repeat(64), lock: lockWith('9.9.9') }),
    ]) {
      writeFileSync(join(dir, LOCK_CACHE_FILE), bad);
      expect(readLock(dir).packages.p!.version).toBe('1.0.0');
    }
  });

  it('an invalid lock is refused whatever a copy says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-lock-cache-'));
    await writeLock(dir, lockWith('1.0.0'));
    writeFileSync(lockPath(dir), 'lockfile_version: 1\npackages: [oops\n');
    expect(() => readLock(dir)).toThrow(/invalid YAML/);
  });

  it('a copy that cannot be written (a directory in its place) leaves the lock readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-lock-cache-'));
    mkdirSync(join(dir, LOCK_CACHE_FILE));
    await writeLock(dir, lockWith('1.0.0'));
    expect(readLock(dir).packages.p!.version).toBe('1.0.0');
    expect(readLock(dir).packages.p!.version).toBe('1.0.0');
    expect(readdirSync(dir).sort()).toEqual([LOCK_CACHE_FILE, 'aam-lock.yaml']); // no temporary file left
  });
});
