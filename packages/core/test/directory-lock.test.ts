import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDirectory } from '../src/directory-lock.js';

/** A directory with `.test.lock` holding `content`, its mtime `ageMs` in the past. */
function lockedDir(content: unknown, ageMs = 0): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aam-dirlock-'));
  const file = join(dir, '.test.lock');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  const t = new Date(Date.now() - ageMs);
  utimesSync(file, t, t);
  return { dir, file };
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      .stdout,
  );
}

const take = (dir: string, waitMs = 300) => lockDirectory(dir, '.test.lock', 'test', waitMs);
const mine = { pid: process.pid, host: hostname(), nonce: 'someone-else', at: new Date().toISOString() };

describe('directory locks: a holder that is gone is stale at once; one that lives is waited for', () => {
  it('takes over a lock whose process has exited, at once', async () => {
    const { dir, file } = lockedDir({ ...mine, pid: deadPid() });
    const t0 = Date.now();
    const release = await take(dir, 0);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await release();
    expect(existsSync(file)).toBe(false);
  });

  it('waits for a live holder, then says who holds it (LOCK_BUSY)', async () => {
    const { dir, file } = lockedDir(mine);
    await expect(take(dir)).rejects.toMatchObject({
      code: 'LOCK_BUSY',
      message: expect.stringContaining(`process ${process.pid} on ${hostname()}`),
    });
    // Not broken, not removed.
    expect(JSON.parse(readFileSync(file, 'utf8')).nonce).toBe('someone-else');
  });

  it('a lock naming pid 0 or -1, or not an object, is no holder: stale once it is not fresh', async () => {
    for (const content of ['null', '[]', '"x"', { ...mine, pid: 0 }, { ...mine, pid: -1 }, { host: 'h' }]) {
      const fresh = lockedDir(content);
      await expect(take(fresh.dir), JSON.stringify(content)).rejects.toMatchObject({ code: 'LOCK_BUSY' });
      const old = lockedDir(content, 10_000);
      const release = await take(old.dir, 0);
      await release();
    }
  });

  it('a lock taken before this boot is stale; one from another PID namespace is judged by age', async () => {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const earlier = lockedDir({ ...mine, boot: `${boot.slice(0, -1)}${boot.endsWith('0') ? '1' : '0'}` });
    await (
      await take(earlier.dir, 0)
    )();
    // A container's pid (same host name, another PID namespace) says nothing about this machine's processes.
    const pidns = readlinkSync('/proc/self/ns/pid');
    const container = { ...mine, pid: deadPid(), boot, pidns: `${pidns}-other` };
    await expect(take(lockedDir(container).dir)).rejects.toMatchObject({ code: 'LOCK_BUSY' });
    await (
      await take(lockedDir(container, 11 * 60_000).dir, 0)
    )();
    // The same namespace: the dead pid is asked about, and the lock is stale at once.
    await (
      await take(lockedDir({ ...container, pidns }).dir, 0)
    )();
  });

  it('a lock from another host is stale only after ten minutes', async () => {
    const other = { ...mine, host: `not-${hostname()}` };
    await expect(take(lockedDir(other, 9 * 60_000).dir)).rejects.toMatchObject({ code: 'LOCK_BUSY' });
    await (
      await take(lockedDir(other, 11 * 60_000).dir, 0)
    )();
  });
});
