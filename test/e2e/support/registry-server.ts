/**
 * `aam registry serve` as a separate process for end-to-end tests: start it (SQLite by default, or any `--db`),
 * read what it prints (URL, checkpoint key, the one-time admin token), stop it. Plus direct surgery on a
 * stopped SQLite registry, the way an insider with database access (and the checkpoint key) would tamper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  leafHash,
  MemoryNodeStore,
  parseSignerKey,
  signCheckpoint,
} from '../../../packages/core/dist/index.js';
import { AAM_BIN, REPO } from './aam.js';

export interface StartServerOptions {
  /** Blob storage and keys (default: a new temp directory). Reuse it to restart the same registry. */
  storage?: string;
  /** `sqlite:PATH` or `postgres://...` (default: `sqlite:<storage>/registry.db`). */
  db?: string;
  /** Extra `aam registry serve` arguments, e.g. `['--require-approval']`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Default 0 (any free port); give the old port to restart a registry where its clients expect it. */
  port?: number;
  /** How long to wait for it to listen (ms). */
  timeoutMs?: number;
}

/** What `aam registry serve` prints at start-up. */
export interface ServeBanner {
  url: string;
  origin: string;
  vkey: string;
  /** Only on the first start of a registry (and not when AAM_REGISTRY_ADMIN_TOKEN is set). */
  adminToken?: string;
}

export interface RunningServer extends ServeBanner {
  port: number;
  storage: string;
  db: string;
  proc: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM (the server closes cleanly), SIGKILL after `graceMs`. Resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Parses the banner; undefined until the URL and the checkpoint key lines are complete. */
export function parseServeBanner(stdout: string): ServeBanner | undefined {
  const url = /Registry listening on (https?:\/\/\S+)\n/.exec(stdout)?.[1];
  const origin = /Audit log: (\S+)\n/.exec(stdout)?.[1];
  const vkey = /Checkpoint key: (\S+)\n/.exec(stdout)?.[1];
  if (!url || !origin || !vkey) return undefined;
  const adminToken = /Admin token[^\n]*\n\s*(aam_\S+)\n/.exec(stdout)?.[1];
  return { url, origin, vkey, ...(adminToken ? { adminToken } : {}) };
}

/** Starts `aam registry serve` and resolves once it listens (and has printed its admin token, if any). */
export function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const storage = opts.storage ?? mkdtempSync(join(tmpdir(), 'aam-registry-'));
  const db = opts.db ?? `sqlite:${join(storage, 'registry.db')}`;
  const args = [
    AAM_BIN,
    'registry',
    'serve',
    '--storage',
    storage,
    '--port',
    String(opts.port ?? 0),
    '--db',
    db,
    ...(opts.args ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // The server loads config and plugins as every command does: never from the real user's home.
      AAM_HOME: join(storage, 'home'),
      NO_COLOR: '1',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      void stop(0);
      reject(new Error(`aam registry serve did not start in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    let settle: NodeJS.Timeout | undefined;
    const check = () => {
      const banner = parseServeBanner(stdout);
      if (!banner) return;
      // The admin token (first start only) follows the key line in the same burst of writes: when it has not
      // arrived yet, give it a moment before deciding this start printed none.
      if (!banner.adminToken) {
        settle ??= setTimeout(() => finish(parseServeBanner(stdout)!), 500);
        return;
      }
      finish(banner);
    };
    const finish = (banner: ServeBanner) => {
      clearTimeout(deadline);
      clearTimeout(settle);
      proc.stdout!.off('data', check);
      resolve({
        ...banner,
        port: Number(new URL(banner.url).port),
        storage,
        db,
        proc,
        stdout: () => stdout,
        stderr: () => stderr,
        stop,
      });
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code, signal) => {
      clearTimeout(deadline);
      reject(
        new Error(
          `aam registry serve exited (${code ?? signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    });
  });
}

// --- insider surgery on a stopped SQLite registry ------------------------------------------------------------

const requireFromServer = createRequire(join(REPO, 'packages/registry-server/package.json'));

/** The part of better-sqlite3's API used here (its types live in packages/registry-server only). */
export interface SqliteDb {
  prepare(sql: string): {
    run(...params: unknown[]): unknown;
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  };
  exec(sql: string): void;
  transaction<T>(fn: () => T): () => T;
  close(): void;
}

/** Opens a registry's SQLite database (stop the server first) with the server's own better-sqlite3. */
export function openRegistryDb(storage: string): SqliteDb {
  const Database = requireFromServer('better-sqlite3') as new (file: string) => SqliteDb;
  return new Database(join(storage, 'registry.db'));
}

export interface StoredEntry {
  idx: number;
  body: string;
}

export function readEntries(db: SqliteDb): StoredEntry[] {
  return (
    db.prepare('SELECT idx, body FROM audit_entries ORDER BY idx').all() as { idx: number; body: Buffer }[]
  ).map((r) => ({ idx: Number(r.idx), body: Buffer.from(r.body).toString('utf8') }));
}

/** Changes an entry's stored bytes only: its leaf hash, the tree and the signed checkpoint stay as they were. */
export function setEntryBody(db: SqliteDb, idx: number, body: string): void {
  db.prepare('UPDATE audit_entries SET body = ? WHERE idx = ?').run(Buffer.from(body, 'utf8'), idx);
}

/**
 * What an insider holding the checkpoint key can do: replace the log by `bodies` (entry i = bodies[i]), recompute
 * every leaf hash and tree node, and sign a fresh checkpoint for it. Internally consistent, so the server's
 * start-up self-check passes; only clients that remember an earlier checkpoint can tell.
 */
export function rewriteLog(db: SqliteDb, storage: string, bodies: string[]): string {
  const signer = parseSignerKey(readFileSync(join(storage, 'keys', 'checkpoint.skey'), 'utf8').trim());
  const origin = (db.prepare("SELECT value FROM settings WHERE key = 'origin'").get() as { value: string })
    .value;
  const store = new MemoryNodeStore();
  const nodes: { level: number; index: number; hash: Buffer }[] = [];
  const leaves = bodies.map((b) => leafHash(Buffer.from(b, 'utf8')));
  for (const leaf of leaves) nodes.push(...store.append(leaf));
  const root = store.root();
  const checkpoint = signCheckpoint({ origin, size: bodies.length, root }, signer);
  db.transaction(() => {
    // Drop the append-only triggers an operator may have added: an insider with the database can.
    for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
      name: string;
    }[])
      db.exec(`DROP TRIGGER "${t.name}"`);
    db.prepare('DELETE FROM audit_entries WHERE idx >= ?').run(bodies.length);
    db.prepare('DELETE FROM audit_nodes').run();
    const setEntry = db.prepare('UPDATE audit_entries SET body = ?, leaf_hash = ? WHERE idx = ?');
    bodies.forEach((b, i) => setEntry.run(Buffer.from(b, 'utf8'), leaves[i], i));
    const addNode = db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
    for (const n of nodes) addNode.run(n.level, n.index, n.hash);
    db.prepare('UPDATE audit_state SET size = ?, root = ?, checkpoint = ? WHERE id = 0').run(
      bodies.length,
      root,
      checkpoint,
    );
  })();
  return checkpoint;
}
