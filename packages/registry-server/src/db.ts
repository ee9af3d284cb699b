import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { RegistryError, unavailable } from './problem.js';
import { MIGRATIONS } from './schema.js';

/** A row as the drivers return it: column name → value (numbers, strings, buffers, null). */
export type Row = Record<string, unknown>;

/**
 * The queries a repository runs. SQL is written once with `?` placeholders (PostgreSQL's adapter rewrites
 * them to `$n`); everything dialect-specific lives in the migrations.
 */
export interface Query {
  get<T extends Row = Row>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  all<T extends Row = Row>(sql: string, ...params: unknown[]): Promise<T[]>;
  run(sql: string, ...params: unknown[]): Promise<number>;
}

export interface Db {
  readonly dialect: 'sqlite' | 'postgres';
  /** A read, outside any write transaction (SQLite: its own connection; WAL gives it a consistent snapshot). */
  read<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  /**
   * A write transaction, serialised with every other write (SQLite: one writer per process plus
   * BEGIN IMMEDIATE across processes; PostgreSQL: the audit-state row locked FOR UPDATE first). Everything in
   * `fn` commits together or not at all.
   */
  write<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * Errors that mean the database cannot be reached (down, restarting, refusing connections, too slow), as
 * opposed to errors in a query: those turn into 503 with Retry-After. A transaction cut off before its COMMIT
 * changed nothing; one cut off during it may have committed (a retried publish is then answered with its
 * receipt). The next request tries again, so service resumes by itself.
 */
export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
      code,
    ) ||
    // PostgreSQL: connection exceptions (08xxx), shutting down or starting (57P01-03), too many connections.
    /^08[0-9A-Z]{3}$/.test(code) ||
    ['57P01', '57P02', '57P03', '53300', 'SQLITE_BUSY'].includes(code)
  )
    return true;
  const msg = typeof err.message === 'string' ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|Connection ended/i.test(
    msg,
  );
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof RegistryError) && isUnreachable(e)) throw unavailable('database', e);
    throw e;
  }
}

/** Normalises driver values: PostgreSQL BIGINT arrives as a string, BYTEA as Buffer (as SQLite's BLOB). */
function normalise<T extends Row>(row: Row | undefined): T | undefined {
  if (!row) return undefined;
  for (const k of Object.keys(row)) {
    const v = row[k];
    if (typeof v === 'bigint') row[k] = Number(v);
  }
  return row as T;
}

class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly writer: BetterSqlite3.Database,
    private readonly reader: BetterSqlite3.Database,
  ) {}

  /** Prepared statements, per connection, by SQL text (preparing costs more than running most of them). */
  private readonly prepared = new Map<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

  private query(db: BetterSqlite3.Database): Query {
    let cache = this.prepared.get(db);
    if (!cache) this.prepared.set(db, (cache = new Map()));
    const stmts = cache;
    const stmt = (sql: string) => {
      let st = stmts.get(sql);
      if (!st) {
        st = db.prepare(sql);
        if (stmts.size < 500) stmts.set(sql, st);
      }
      return st;
    };
    return {
      get: <T extends Row>(sql: string, ...p: unknown[]) =>
        Promise.resolve(normalise<T>(stmt(sql).get(...p) as Row | undefined)),
      all: <T extends Row>(sql: string, ...p: unknown[]) =>
        Promise.resolve((stmt(sql).all(...p) as Row[]).map((r) => normalise<T>(r)!)),
      run: (sql: string, ...p: unknown[]) => Promise.resolve(stmt(sql).run(...p).changes),
    };
  }

  read<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return guarded(() => fn(this.query(this.reader)));
  }

  write<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    // One write transaction at a time in this process: the queue orders them; BEGIN IMMEDIATE takes the
    // database write lock before anything is read, so other processes on the same file wait too.
    const run = async () => {
      this.writer.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.query(this.writer));
        this.writer.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw e;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return guarded(() => next);
  }

  close(): Promise<void> {
    this.reader.close();
    this.writer.close();
    return Promise.resolve();
  }
}

class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  constructor(private readonly pool: Pool) {}

  private query(c: Pool | PoolClient): Query {
    const rewrite = (sql: string) => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    };
    return {
      get: async <T extends Row>(sql: string, ...p: unknown[]) => {
        const r = await c.query(rewrite(sql), p);
        return normalise<T>(r.rows[0] as Row | undefined);
      },
      all: async <T extends Row>(sql: string, ...p: unknown[]) => {
        const r = await c.query(rewrite(sql), p);
        return (r.rows as Row[]).map((row) => normalise<T>(row)!);
      },
      run: async (sql: string, ...p: unknown[]) => (await c.query(rewrite(sql), p)).rowCount ?? 0,
    };
  }

  read<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return guarded(() => fn(this.query(this.pool)));
  }

  write<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return guarded(() => this.transaction(fn));
  }

  private async transaction<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Every mutation appends to the audit log: taking its head row first serialises writers across
      // replicas, so log order is commit order and indexes are dense.
      await client.query('SELECT size FROM audit_state WHERE id = 0 FOR UPDATE');
      const out = await fn(this.query(client));
      await client.query('COMMIT');
      client.release();
      return out;
    } catch (e) {
      const broken = isUnreachable(e);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      // A connection that failed is discarded, not handed to the next request.
      client.release(broken ? (e as Error) : undefined);
      throw e;
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Opens `sqlite:PATH` (default) or `postgres://...`, and brings its schema up to date. */
export async function openDb(url: string): Promise<Db> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pg = require('pg') as typeof import('pg');
    // BIGINT (int8) as a JS number: audit indexes stay far below 2^53.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      // A database that is down or hangs fails the request (503) instead of holding it.
      connectionTimeoutMillis: 3_000,
      query_timeout: 30_000,
    });
    // An idle connection the server drops (restart, failover) is an event, not a crash: the pool replaces it.
    pool.on('error', () => undefined);
    const db = new PostgresDb(pool);
    await migrate(db, 'postgres');
    return db;
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  const writer = new Database(path, { timeout: 10_000 });
  // Switching to WAL ignores busy_timeout: another process opening the same new file makes it fail at once.
  retryBusy(() => writer.pragma('journal_mode = WAL'));
  // A signed checkpoint must never be lost once served (a later, different root at the same size would be
  // a fork signed by the registry's own key): every commit is durable before the response goes out.
  writer.pragma('synchronous = FULL');
  writer.pragma('foreign_keys = ON');
  writer.pragma('busy_timeout = 10000');
  const db0 = new SqliteDb(writer, writer);
  await migrate(db0, 'sqlite');
  const reader = new Database(path, { readonly: true });
  reader.pragma('busy_timeout = 10000');
  return new SqliteDb(writer, reader);
}

/** Retries a statement while SQLite reports the database busy (up to about 10 s). */
function retryBusy<T>(fn: () => T): T {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

async function migrate(db: Db, dialect: 'sqlite' | 'postgres'): Promise<void> {
  // The migrations table itself, then every step not yet applied, each in its own transaction.
  const create = 'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL)';
  // Under the migration lock: replicas starting together on an empty database must not race on it.
  await migrationTx(db, dialect, async (q) => {
    await q.run(create);
  });
  for (const m of MIGRATIONS) {
    const done = await db.read((q) => q.get('SELECT id FROM schema_migrations WHERE id = ?', m.id));
    if (done) continue;
    await migrationTx(db, dialect, async (q) => {
      const again = await q.get('SELECT id FROM schema_migrations WHERE id = ?', m.id);
      if (again) return;
      for (const stmt of m[dialect]) await q.run(stmt);
      await q.run('INSERT INTO schema_migrations (id, name) VALUES (?, ?)', m.id, m.name);
    });
  }
}

/** A migration runs before `audit_state` exists, so it cannot use `write` (which locks that row). */
async function migrationTx(
  db: Db,
  dialect: 'sqlite' | 'postgres',
  fn: (q: Query) => Promise<void>,
): Promise<void> {
  if (dialect === 'sqlite') {
    await (db as SqliteDb).write(fn);
    return;
  }
  const pool = (db as unknown as { pool: Pool }).pool;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Two replicas starting at once: one migrates, the other waits and then sees it done.
    await client.query('SELECT pg_advisory_xact_lock(727272)');
    const q = (db as unknown as { query(c: PoolClient): Query }).query(client);
    await fn(q);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
