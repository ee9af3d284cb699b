/**
 * A throw-away PostgreSQL cluster for tests: `initdb` into a temporary directory, started on a free loopback port
 * with trust authentication; every test then takes a fresh database from it. Under vitest one cluster serves the
 * whole run (test/support/global-setup.ts passes it on in `$AAM_TEST_POSTGRES_URL`).
 *
 * The binaries come from `$AAM_PG_BIN`, else `/usr/lib/postgresql/<15|16|17|14>/bin`, else `pg_config --bindir`.
 * PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to the `postgres` OS user
 * (`runuser -u postgres --`). With `$AAM_TEST_POSTGRES_URL` set (a superuser URL of a server that is already
 * running), no cluster is started: databases are created on that server instead.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  /** `postgres://aam@127.0.0.1:PORT/postgres`: the maintenance database (superuser). */
  readonly url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Runs SQL (as the superuser) in a database of this cluster; returns psql's unaligned output. */
  sql(dbUrl: string, sql: string): string;
  /** Stops the cluster and removes its files (a no-op for an external server). */
  stop(): Promise<void>;
  /**
   * Only on a cluster of its own (`startPostgres({ dedicated: true })`): stop the server, keeping its data
   * (`pg_ctl stop -m fast`: connections are cut), and start it again on the same port.
   */
  pause?(): void;
  resume?(): void;
}

const CANDIDATE_VERSIONS = ['15', '16', '17', '14'];

/** Where `initdb`, `pg_ctl` and `psql` live, or a message saying how to get them. */
export function findPostgresBin(): { bin: string } | { missing: string } {
  const has = (dir: string) =>
    ['initdb', 'pg_ctl', 'psql', 'postgres'].every((b) => existsSync(join(dir, b)));
  const tried: string[] = [];
  const env = process.env.AAM_PG_BIN;
  if (env) {
    if (has(env)) return { bin: env };
    tried.push(env);
  }
  for (const v of CANDIDATE_VERSIONS) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (has(dir)) return { bin: dir };
    tried.push(dir);
  }
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (cfg.status === 0 && has(cfg.stdout.trim())) return { bin: cfg.stdout.trim() };
  return {
    missing:
      `PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) not found in ${tried.join(', ')} or via pg_config. ` +
      'Install them (Debian/Ubuntu: apt-get install -y postgresql-15, or postgresql) or point AAM_PG_BIN at ' +
      'their directory, or set AAM_TEST_POSTGRES_URL to a running server.',
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function check(r: SpawnSyncReturns<string>, what: string, log?: string): void {
  if (r.status === 0) return;
  let tail = '';
  if (log && existsSync(log)) tail = readFileSync(log, 'utf8').split('\n').slice(-30).join('\n');
  throw new Error(
    `${what} failed (exit ${r.status ?? r.signal}):\n${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}${tail ? `\n--- server log ---\n${tail}` : ''}`,
  );
}

/** psql against a URL, as the invoking user (a client needs no special user). */
function psql(bin: string, url: string, sql: string): string {
  const r = spawnSync(
    join(bin, 'psql'),
    ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql],
    { encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '10' } },
  );
  check(r, `psql -c ${JSON.stringify(sql.slice(0, 80))}`);
  return r.stdout.trim();
}

const withDb = (url: string, db: string): string => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

let counter = 0;
const dbName = (prefix: string) =>
  `${prefix.replace(/[^a-z0-9_]/g, '_')}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;

/**
 * Starts (or, with `$AAM_TEST_POSTGRES_URL`, connects to) a PostgreSQL server for one test file. `dedicated`:
 * always a cluster of its own (a test that stops and restarts the server must not take the shared one down).
 */
export async function startPostgres(opts: { dedicated?: boolean } = {}): Promise<PostgresCluster> {
  const found = findPostgresBin();
  const external = opts.dedicated ? undefined : process.env.AAM_TEST_POSTGRES_URL;
  if (external) {
    if ('missing' in found)
      throw new Error(found.missing.replace(/Install them.*/, 'psql is needed to create databases.'));
    const bin = found.bin;
    psql(bin, external, 'SELECT 1');
    const created: string[] = [];
    return {
      url: external,
      sql: (dbUrl, sql) => psql(bin, dbUrl, sql),
      createDatabase(prefix = 'aam_test') {
        const name = dbName(prefix);
        psql(bin, external, `CREATE DATABASE ${name}`);
        created.push(name);
        return Promise.resolve(withDb(external, name));
      },
      stop() {
        for (const name of created) {
          try {
            psql(bin, external, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          } catch {
            // best effort
          }
        }
        return Promise.resolve();
      },
    };
  }
  if ('missing' in found) throw new Error(found.missing);
  const bin = found.bin;

  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    try {
      owner = { uid: id('-u'), gid: id('-g') };
    } catch {
      throw new Error(
        "Tests run as root, and PostgreSQL refuses to: they need the 'postgres' OS user (created by the " +
          'postgresql package; else: useradd --system postgres) to own the throw-away cluster.',
      );
    }
  }
  // As the cluster's owner: runuser when we are root, else directly.
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { encoding: 'utf8' })
      : spawnSync(join(bin, cmd), args, { encoding: 'utf8' });

  const base = mkdtempSync(join(tmpdir(), 'aam-pg-'));
  if (owner) chownSync(base, owner.uid, owner.gid);
  const data = join(base, 'data');
  const log = join(base, 'server.log');
  check(
    run('initdb', ['-D', data, '-U', 'aam', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']),
    'initdb',
  );
  let port = 0;
  let started = false;
  const startOn = (p: number) => {
    const flags = [
      `-p ${p}`,
      `-k ${base}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=on',
      '-c max_connections=200',
      '-c shared_buffers=32MB',
    ].join(' ');
    return run('pg_ctl', ['-D', data, '-l', log, '-o', flags, '-w', '-t', '60', 'start']);
  };
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    port = await freePort();
    const r = startOn(port);
    if (r.status === 0) started = true;
    else if (attempt === 2) check(r, 'pg_ctl start', log);
  }
  const stopNow = () => {
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  };
  // A crashed or interrupted test file still takes its cluster down.
  process.once('exit', stopNow);

  const url = `postgres://aam@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    sql: (dbUrl, sql) => psql(bin, dbUrl, sql),
    createDatabase(prefix = 'aam_test') {
      const name = dbName(prefix);
      psql(bin, url, `CREATE DATABASE ${name}`);
      return Promise.resolve(withDb(url, name));
    },
    pause() {
      check(run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']), 'pg_ctl stop', log);
    },
    resume() {
      check(startOn(port), 'pg_ctl start', log);
    },
    stop() {
      if (stopped) return Promise.resolve();
      stopped = true;
      process.removeListener('exit', stopNow);
      const r = run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      if (r.status !== 0) stopNow();
      rmSync(base, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}
