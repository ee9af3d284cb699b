// A throw-away PostgreSQL 15 cluster for the registry benchmark: initdb into a fresh temporary directory owned
// by `postgres` (when running as root, every PostgreSQL binary runs through `runuser -u postgres`), started with
// `pg_ctl` on a free 127.0.0.1 port, Unix socket in the same directory, default durability settings (fsync on,
// synchronous_commit on). Stopped (`pg_ctl stop -m immediate`) and removed by `stop()`, and also when the
// process exits for any other reason (an `exit` hook), since `pg_ctl` daemonises the server.
import { spawnSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.mjs';

const PG_BIN_DIRS = [
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/17/bin',
];

function pgBinDir() {
  if (process.env.AAM_BENCH_PG_BIN) return process.env.AAM_BENCH_PG_BIN;
  return PG_BIN_DIRS.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

function firstLines(text, n = 3) {
  return String(text ?? '')
    .trim()
    .split('\n')
    .slice(0, n)
    .join(' | ');
}

/**
 * Starts the cluster; returns `{ url, version, pid (the postmaster's), stop() }`, or `{ reason }` (why it could not start) so that the
 * benchmark can skip its PostgreSQL lane.
 */
export async function startPostgres() {
  const bin = pgBinDir();
  if (!bin)
    return {
      reason: `no PostgreSQL binaries (looked in ${PG_BIN_DIRS.join(', ')}; or set AAM_BENCH_PG_BIN)`,
    };
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // The data directory's parents must be traversable by `postgres`: os.tmpdir(), not the bench's 0700 workDir.
  const dir = mkdtempSync(join(tmpdir(), 'aam-bench-pg-'));
  let started = false;
  const pgRun = (tool, args, timeout = 60_000) => {
    const cmd = join(bin, tool);
    const r = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', timeout })
      : spawnSync(cmd, args, { encoding: 'utf8', timeout });
    return r;
  };
  const cleanUp = () => {
    if (started) pgRun('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'], 30_000);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => cleanUp();
  process.once('exit', onExit);
  const fail = (reason) => {
    cleanUp();
    process.removeListener('exit', onExit);
    return { reason };
  };
  try {
    if (asRoot) {
      const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      if (uid.status !== 0 || gid.status !== 0) return fail('running as root, but there is no postgres user');
      chownSync(dir, Number(uid.stdout.trim()), Number(gid.stdout.trim()));
    }
    chmodSync(dir, 0o700);
    const init = pgRun('initdb', [
      '-D',
      join(dir, 'data'),
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync', // the cluster is thrown away; the server itself runs with fsync on
    ]);
    if (init.error || init.status !== 0)
      return fail(`initdb failed: ${init.error?.message ?? firstLines(init.stderr || init.stdout)}`);
    const port = await freePort();
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50`;
    const start = pgRun('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-o',
      opts,
      '-l',
      join(dir, 'server.log'),
      '-w',
      'start',
    ]);
    if (start.error || start.status !== 0) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'server.log'), 'utf8');
      } catch {
        /* no log */
      }
      return fail(
        `pg_ctl start failed: ${start.error?.message ?? firstLines(start.stderr || log || start.stdout)}`,
      );
    }
    started = true;
    // The postmaster's pid (first line of postmaster.pid): its backends are its children.
    let pid;
    try {
      pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      pid = undefined;
    }
    const version = pgRun('postgres', ['--version']).stdout?.trim() ?? 'PostgreSQL';
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      version,
      pid,
      stop() {
        cleanUp();
        process.removeListener('exit', onExit);
      },
    };
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
}
