import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { open, readFile, rm, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AamError } from './errors.js';

/**
 * An inter-process lock on a directory: a file (`<dir>/<name>`) created exclusively, naming the process that
 * holds it. A lock whose process is gone is stale at once (not after a timeout): the next process takes it over.
 * On Linux the holder's start time is recorded too, so a recycled process id is not taken for the holder.
 */
interface LockOwner {
  pid: number;
  host: string;
  /** The holder's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), where known. */
  start?: string;
  /** This boot of the machine (`/proc/sys/kernel/random/boot_id`): a lock from an earlier boot is stale. */
  boot?: string;
  /** The holder's PID namespace (`/proc/self/ns/pid`): in another one (a container), its pid means nothing here. */
  pidns?: string;
  /** Distinguishes this lock from any other the same process takes. */
  nonce: string;
  at: string;
}

/** A lock on another host (a shared file system) cannot be checked: it is stale only after this long. */
const FOREIGN_STALE_MS = 10 * 60_000;
/** A lock file still being written (created, not yet filled) is given this long. */
const BEING_WRITTEN_MS = 2_000;
/** How often a held lock's mtime is refreshed (well inside FOREIGN_STALE_MS). */
const HEARTBEAT_MS = 60_000;

function readProc(path: string, read: (p: string) => string): string | undefined {
  try {
    return read(path).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** This process's identity beyond its pid (read once, when a lock is first taken or judged, not at start-up). */
let self: Pick<LockOwner, 'start' | 'boot' | 'pidns'> | undefined;
function selfIdentity(): Pick<LockOwner, 'start' | 'boot' | 'pidns'> {
  if (!self) {
    const start = processStart(process.pid);
    const boot = readProc('/proc/sys/kernel/random/boot_id', (p) => readFileSync(p, 'utf8'));
    const pidns = readProc('/proc/self/ns/pid', (p) => readlinkSync(p));
    self = { ...(start ? { start } : {}), ...(boot ? { boot } : {}), ...(pidns ? { pidns } : {}) };
  }
  return self;
}

/**
 * Takes the lock, waiting up to about `waitMs` for a live holder; LOCK_BUSY says who holds it. Resolves to the
 * release function (which removes the lock only while it is still this one).
 */
export async function lockDirectory(
  dir: string,
  name: string,
  holder: string,
  waitMs: number,
): Promise<() => Promise<void>> {
  const path = join(dir, name);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    ...selfIdentity(),
    nonce: randomBytes(8).toString('hex'),
    at: new Date().toISOString(),
  };
  const deadline = Date.now() + waitMs;
  let delay = 20;
  let last: LockOwner | undefined;
  for (;;) {
    if (await tryCreate(path, me)) {
      // Held long (a slow install on a shared file system), it stays fresh for other hosts, which cannot ask
      // whether this process lives.
      const heartbeat = setInterval(() => {
        const now = new Date();
        void utimes(path, now, now).catch(() => undefined);
      }, HEARTBEAT_MS);
      heartbeat.unref();
      return () => {
        clearInterval(heartbeat);
        return release(path, me.nonce);
      };
    }
    const seen = await readOwner(path);
    last = seen.owner ?? last;
    if (seen.stale) {
      await breakStale(path, seen.text);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new AamError(
        'LOCK_BUSY',
        `${holder} (${dir}): ${path} is held by ${last ? `process ${last.pid} on ${last.host} since ${last.at}` : 'another process'}`,
        { lock: path, ...(last ? { pid: last.pid, host: last.host } : {}) },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

async function tryCreate(path: string, me: LockOwner): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AamError('IO_ERROR', `Cannot create the lock ${path}: ${(e as Error).message}`);
  }
  try {
    await fh.writeFile(JSON.stringify(me));
  } finally {
    await fh.close();
  }
  return true;
}

/** Who holds the lock, and whether that holder is gone. `text` identifies this very lock file's content. */
async function readOwner(path: string): Promise<{ owner?: LockOwner; stale: boolean; text: string }> {
  let text: string;
  let mtime: number;
  try {
    const st = await stat(path);
    mtime = st.mtimeMs;
    // A directory is what an earlier aam's lock (proper-lockfile) left: stale after its own minute.
    if (st.isDirectory()) return { stale: Date.now() - mtime > 60_000, text: `dir:${mtime}` };
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { stale: false, text: '' };
    throw e;
  }
  const owner = parseOwner(text);
  // Created and not yet written, cut short by a crash, or not a lock of ours: stale once it is not fresh.
  if (!owner) return { stale: Date.now() - mtime > BEING_WRITTEN_MS, text };
  // Taken before the machine last booted: nobody holds it.
  const { boot, pidns } = selfIdentity();
  if (owner.host === hostname() && owner.boot && boot && owner.boot !== boot)
    return { owner, stale: true, text };
  // Another host, or another PID namespace on this one: its process cannot be asked about.
  if (owner.host !== hostname() || (owner.pidns && pidns && owner.pidns !== pidns))
    return { owner, stale: Date.now() - mtime > FOREIGN_STALE_MS, text };
  return { owner, stale: !processAlive(owner), text };
}

/** A lock file's content, when it is one: a positive pid (never 0 or -1, which signal groups), a host. */
function parseOwner(text: string): LockOwner | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const optional = (k: string) => o[k] === undefined || typeof o[k] === 'string';
  if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0 || typeof o.host !== 'string') return undefined;
  if (!['start', 'boot', 'pidns', 'nonce', 'at'].every(optional)) return undefined;
  return o as unknown as LockOwner;
}

function processAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Alive, unless the process id now belongs to a newer process.
  const start = processStart(owner.pid);
  return owner.start === undefined || start === undefined || start === owner.start;
}

/** A process's start time (`/proc/<pid>/stat` field 22), or undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock, but only the very one seen stale: whoever breaks it holds `<lock>.break` (created
 * exclusively) while it re-reads the lock and unlinks it if unchanged, so two waiters never remove a lock a
 * third has just taken.
 */
async function breakStale(path: string, seenText: string): Promise<void> {
  const breaker = `${path}.break`;
  let fh;
  try {
    fh = await open(breaker, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another process is breaking it; a breaker left by a crash is cleared after a moment.
    try {
      if (Date.now() - statSync(breaker).mtimeMs > 5_000) await unlink(breaker);
    } catch {
      // gone meanwhile
    }
    await new Promise((r) => setTimeout(r, 10));
    return;
  }
  try {
    const now = await readOwner(path);
    if (now.text === seenText && now.stale) await rm(path, { recursive: true, force: true });
  } finally {
    await fh.close();
    await unlink(breaker).catch(() => undefined);
  }
}

async function release(path: string, nonce: string): Promise<void> {
  try {
    const owner = parseOwner(await readFile(path, 'utf8'));
    if (owner?.nonce === nonce) await unlink(path);
  } catch {
    // Already gone (or broken by someone who thought us dead): nothing of ours to remove.
  }
}
