/**
 * Plain-HTTP helpers for registry-server tests: requests and RFC 9457 problems, multipart publishes, users and
 * tokens, valid and hostile archives, a registry server as a separate process, and client-side verification of
 * the audit log (checkpoints, dense entries, inclusion and consistency proofs, the root recomputed from bodies).
 *
 * Needs the built packages (`tsc -b`): it uses @aam/core's dist, the same module instance the server runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  appendLeaf,
  cosignatureKeyId,
  parseVerifierKey,
  signedTime,
  leafHash,
  MemoryNodeStore,
  openCheckpoint,
  rootAt,
  verifyConsistency,
  verifyInclusion,
  type ParsedCheckpoint,
} from '../../packages/core/dist/index.js';
import { rawArchive, type RawEntry } from '../../packages/core/test/support/archives.js';
import type { FaultPoint } from '../../packages/registry-server/dist/index.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const AAM_BIN = join(REPO, 'packages/cli/bin/run.js');

// --- requests --------------------------------------------------------------------------------------------

export interface Reply<T> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON (or problem+json), else undefined. */
  body: T;
  text: string;
}

/** RFC 9457 problem details, as the registry sends them (the one definition, in @aam/core). */
export type { CreatedToken, CreatedUser, Problem } from '../../packages/core/dist/index.js';
import type { CreatedToken, CreatedUser, Problem } from '../../packages/core/dist/index.js';

export interface CallOptions {
  token?: string;
  json?: unknown;
  body?: FormData | string | Uint8Array;
  headers?: Record<string, string>;
}

export async function call<T = Problem>(
  base: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: FormData | string | Uint8Array | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(new URL(path, base), { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const parsed = /json/.test(type) && text !== '' ? (JSON.parse(text) as T) : (undefined as T);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Throws unless the reply has the status (and, for a problem, the code); returns it for chaining. */
export function expectStatus<T>(r: Reply<T>, status: number, code?: string): Reply<T> {
  const got = r.body as unknown as Problem | undefined;
  if (r.status !== status || (code !== undefined && got?.code !== code))
    throw new Error(`expected ${status}${code ? ` ${code}` : ''}, got ${r.status}: ${r.text.slice(0, 500)}`);
  return r;
}

// --- archives --------------------------------------------------------------------------------------------

export function manifestYaml(name: string, version: string, description = 'registry test package'): string {
  return [
    `name: "${name}"`,
    `version: ${version}`,
    `description: ${description}`,
    'artifacts:',
    '  skills:',
    '    - {name: s, path: skills/s, description: d}',
    '',
  ].join('\n');
}

/** A valid archive for `name@version`; `salt` changes the bytes (and checksum) without changing the manifest. */
export function buildArchive(
  name: string,
  version: string,
  opts: { salt?: string; extra?: RawEntry[]; description?: string } = {},
): Promise<Buffer> {
  return rawArchive([
    { name: 'aam.yaml', content: manifestYaml(name, version, opts.description) },
    { name: 'skills/s/SKILL.md', content: `# s\n${opts.salt ?? ''}` },
    ...(opts.extra ?? []),
  ]);
}

export const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// --- publish, users, tokens ------------------------------------------------------------------------------

export interface PublishResult {
  name: string;
  version: string;
  checksum: string;
  status: string;
  replay?: boolean;
  audit_index?: number;
  tags?: string[];
  audit?: { index: number; checkpoint: string; inclusion_proof: string[] };
}

export interface PublishOptions {
  /** `put` (default): `PUT /packages/{name}/versions/{version}`; `post`: `POST /packages`. */
  via?: 'put' | 'post';
  tag?: string;
  /** The `sha256` part (hex, or `sha256:hex`). */
  sha256?: string;
  fields?: Record<string, string>;
  files?: Record<string, Uint8Array>;
  /** Leave the `archive` part out. */
  noArchive?: boolean;
}

export function publishForm(archive: Uint8Array | undefined, opts: PublishOptions = {}): FormData {
  const form = new FormData();
  if (opts.tag !== undefined) form.append('tag', opts.tag);
  if (opts.sha256 !== undefined) form.append('sha256', opts.sha256);
  for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
  if (archive && !opts.noArchive)
    form.append('archive', new Blob([archive], { type: 'application/gzip' }), 'package.aam');
  for (const [k, v] of Object.entries(opts.files ?? {})) form.append(k, new Blob([v]), k);
  return form;
}

export function publish(
  base: string,
  token: string | undefined,
  name: string,
  version: string,
  archive: Uint8Array | undefined,
  opts: PublishOptions = {},
): Promise<Reply<PublishResult & Problem>> {
  const path = opts.via === 'post' ? '/api/v1/packages' : `/api/v1/packages/${name}/versions/${version}`;
  return call(base, opts.via === 'post' ? 'POST' : 'PUT', path, {
    ...(token !== undefined ? { token } : {}),
    body: publishForm(archive, opts),
  });
}

/** `POST /api/v1/users` with an admin token; returns the new user's initial token. */
export async function createUser(
  base: string,
  adminToken: string,
  name: string,
  role: 'user' | 'approver' | 'admin' = 'user',
): Promise<CreatedUser> {
  const r = await call<CreatedUser>(base, 'POST', '/api/v1/users', {
    token: adminToken,
    json: { name, role },
  });
  expectStatus(r, 201);
  return r.body;
}

export function createToken(
  base: string,
  token: string,
  body: { scopes?: string[]; packages?: string[]; expires_in_days?: number; name?: string },
): Promise<Reply<CreatedToken & Problem>> {
  return call(base, 'POST', '/api/v1/tokens', { token, json: body });
}

// --- the audit log, verified as a client would ------------------------------------------------------------

export interface LogKey {
  vkey: string;
  origin: string;
}

export async function logKey(base: string): Promise<LogKey> {
  const r = expectStatus(
    await call<{ keys: { use: string; vkey: string; origin: string }[] }>(base, 'GET', '/api/v1/keys'),
    200,
  );
  const k = r.body.keys.find((x) => x.use === 'checkpoint');
  if (!k) throw new Error('the registry lists no checkpoint key');
  return { vkey: k.vkey, origin: k.origin };
}

export interface SeenCheckpoint extends ParsedCheckpoint {
  /** The note as the registry stored it (the time it was served at, signed on it, taken off). */
  note: string;
  /** The time the registry signed on it as it served it (verified). */
  signedAt?: Date;
}

/** Fetches and opens (signature, origin, signed time) the current checkpoint. */
export async function fetchCheckpoint(base: string, key: LogKey): Promise<SeenCheckpoint> {
  const r = await call<undefined>(base, 'GET', '/api/v1/audit/checkpoint');
  if (r.status !== 200) throw new Error(`checkpoint: ${r.status} ${r.text}`);
  const signedAt = signedTime(r.text, parseVerifierKey(key.vkey));
  // The note without its signed-time lines is the stored one.
  const note = untimedNote(r.text, key.vkey);
  return {
    ...openCheckpoint(r.text, key.vkey, key.origin).checkpoint,
    note,
    ...(signedAt ? { signedAt } : {}),
  };
}

/** A served checkpoint note without the signed-time lines of its key (`vkey`): the checkpoint as stored. */
export function untimedNote(note: string, vkey: string): string {
  const stampId = cosignatureKeyId(parseVerifierKey(vkey));
  return note
    .split('\n')
    .filter((l) => {
      const blob = l.startsWith('— ') ? Buffer.from(l.split(' ')[2] ?? '', 'base64') : undefined;
      return !(blob && blob.length === 76 && blob.readUInt32BE(0) === stampId);
    })
    .join('\n');
}

export function openSeen(note: string, key: LogKey): SeenCheckpoint {
  return { ...openCheckpoint(note, key.vkey, key.origin).checkpoint, note };
}

export interface Entry {
  index: number;
  body: string;
  leaf_hash: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Every audit entry, following the cursor (200 a page). */
export async function allEntries(base: string, query = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = null;
  for (;;) {
    const qs: string = `limit=200${query ? `&${query}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
    const r: Reply<Page<Entry>> = expectStatus(
      await call<Page<Entry>>(base, 'GET', `/api/v1/audit/entries?${qs}`),
      200,
    );
    out.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (!cursor) return out;
  }
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** Verifies that `older` is a prefix of `newer` with the registry's consistency proof. */
export async function verifyConsistent(
  base: string,
  older: { size: number; root: Buffer },
  newer: { size: number; root: Buffer },
): Promise<void> {
  if (older.size === 0) return;
  if (older.size === newer.size) {
    if (!older.root.equals(newer.root)) throw new Error(`two roots for size ${older.size}: a fork`);
    return;
  }
  const r = expectStatus(
    await call<{ hashes: string[] }>(
      base,
      'GET',
      `/api/v1/audit/proof/consistency?from=${older.size}&to=${newer.size}`,
    ),
    200,
  );
  verifyConsistency(older.size, newer.size, r.body.hashes.map(b64), older.root, newer.root);
}

/** Verifies leaf `index` (its body's leaf hash) against a checkpoint with the registry's inclusion proof. */
export async function verifyIncluded(
  base: string,
  index: number,
  body: string | Buffer,
  cp: { size: number; root: Buffer },
): Promise<void> {
  const r = expectStatus(
    await call<{ hashes: string[] }>(
      base,
      'GET',
      `/api/v1/audit/proof/inclusion?index=${index}&tree_size=${cp.size}`,
    ),
    200,
  );
  verifyInclusion(index, cp.size, leafHash(Buffer.from(body)), r.body.hashes.map(b64), cp.root);
}

/**
 * Verifies a publish response: its checkpoint is signed by the log key, its inclusion proof puts the entry's
 * body (fetched) at its index under that checkpoint, and that checkpoint is consistent with `latest`.
 */
/**
 * Verifies a publish receipt offline against a verified log: the checkpoint is signed by the log key, the proof
 * puts the entry's body at its index under it, and its root is the root the log's own bodies give at that size
 * (so it is a prefix of the verified log: consistent with its checkpoint).
 */
export function verifyReceiptOffline(
  key: LogKey,
  receipt: { index: number; checkpoint: string; inclusion_proof: string[] },
  log: VerifiedLog,
): void {
  const cp = openSeen(receipt.checkpoint, key);
  const entry = log.entries[receipt.index];
  if (!entry || cp.size > log.checkpoint.size)
    throw new Error(
      `receipt ${receipt.index}@${cp.size} is beyond the verified log (${log.checkpoint.size})`,
    );
  verifyInclusion(
    receipt.index,
    cp.size,
    leafHash(Buffer.from(entry.body)),
    receipt.inclusion_proof.map(b64),
    cp.root,
  );
  if (!log.rootAt(cp.size).equals(cp.root))
    throw new Error(`the receipt's checkpoint (size ${cp.size}) is not a prefix of the log: a fork`);
}

export async function verifyPublishReceipt(
  base: string,
  key: LogKey,
  receipt: { index: number; checkpoint: string; inclusion_proof: string[] },
  latest: { size: number; root: Buffer },
  body?: string,
): Promise<void> {
  const cp = openSeen(receipt.checkpoint, key);
  const text =
    body ??
    expectStatus(await call<Entry>(base, 'GET', `/api/v1/audit/entries/${receipt.index}`), 200).body.body;
  verifyInclusion(
    receipt.index,
    cp.size,
    leafHash(Buffer.from(text)),
    receipt.inclusion_proof.map(b64),
    cp.root,
  );
  await verifyConsistent(base, cp, latest);
}

export interface VerifiedLog {
  checkpoint: SeenCheckpoint;
  entries: Entry[];
  /** Parsed bodies, by index. */
  bodies: Record<string, unknown>[];
  /** The root of the first `size` entries, recomputed from their bodies (for any earlier checkpoint). */
  rootAt(size: number): Buffer;
}

/**
 * The whole log, verified from scratch as an auditor would: the checkpoint opens, the entries are exactly
 * 0..size-1 (dense, no more, no fewer), each stored leaf hash is the hash of its body, and the root recomputed
 * from the bodies is the checkpoint's root.
 */
export async function verifyWholeLog(base: string, key: LogKey): Promise<VerifiedLog> {
  const checkpoint = await fetchCheckpoint(base, key);
  const entries = await allEntries(base);
  // Entries appended after the checkpoint was read are not covered by it.
  const covered = entries.filter((e) => e.index < checkpoint.size);
  if (covered.length !== checkpoint.size)
    throw new Error(`the log has ${covered.length} entries below ${checkpoint.size}, its checkpoint's size`);
  const store = new MemoryNodeStore();
  covered.forEach((e, i) => {
    if (e.index !== i) throw new Error(`entry ${i} is missing (found ${e.index}): a hole in the log`);
    const leaf = leafHash(Buffer.from(e.body, 'utf8'));
    if (!leaf.equals(b64(e.leaf_hash))) throw new Error(`entry ${i}: its leaf hash is not its body's`);
    for (const n of appendLeaf(store, i, leaf)) store.put(n.level, n.index, n.hash);
  });
  const root = rootAt(store, checkpoint.size);
  if (!root.equals(checkpoint.root))
    throw new Error(`the root recomputed from ${checkpoint.size} bodies is not the checkpoint's`);
  return {
    checkpoint,
    entries: covered,
    bodies: covered.map((e) => JSON.parse(e.body) as Record<string, unknown>),
    rootAt: (n) => rootAt(store, n),
  };
}

// --- storage ---------------------------------------------------------------------------------------------

/** Every file under `<storage>/blobs` (relative paths, sorted), temp files included. */
export function blobFiles(storage: string): string[] {
  const root = join(storage, 'blobs');
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out.push(`${rel}${n}`);
    }
  };
  walk(root, '');
  return out;
}

export const blobPath = (storage: string, hex: string): string =>
  join(storage, 'blobs', 'sha256', hex.slice(0, 2), hex);

// --- a registry as a separate process ---------------------------------------------------------------------

export interface RegistryProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  storage: string;
  db?: string;
  adminToken?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Milliseconds to wait for "listening" (default 30 s). */
  timeout?: number;
  /** Warm registries only: the fault point at which the server process kills itself (SIGKILL). */
  crashAt?: FaultPoint;
}

export const REGISTRY_DIST = join(REPO, 'packages/registry-server/dist/index.js');

/**
 * A stand-in for `aam registry serve` that loads its modules first and calls `startRegistry` (what the command
 * runs) only when told to on stdin: restarts in a kill loop then cost the start-up itself (database, self-check,
 * listen), not Node's module loading. With `AAM_TEST_CRASH_AT` (this script's own setting, never the server's)
 * it injects a fault point that kills the process with SIGKILL when the server reaches it.
 */
const WARM_SCRIPT = `
const { startRegistry } = await import(process.env.AAM_TEST_REGISTRY_DIST);
const crashAt = process.env.AAM_TEST_CRASH_AT;
const faults = {
  reached(point) {
    if (point === crashAt) process.kill(process.pid, 'SIGKILL');
  },
};
process.stdin.once('data', async () => {
  process.stdin.pause();
  try {
    const r = await startRegistry({
      verifiers: [],
      storage: process.env.AAM_TEST_STORAGE,
      port: 0,
      ...(process.env.AAM_TEST_DB ? { db: process.env.AAM_TEST_DB } : {}),
      ...(crashAt ? { faults } : {}),
    });
    process.stdout.write('Registry listening on ' + r.url + '\\n');
  } catch (e) {
    process.stderr.write('Error: ' + (e && e.message) + '\\n');
    process.exit(1);
  }
});
process.stdout.write('warm\\n');
`;

function spawnServe(opts: SpawnOptions, warm = false) {
  const args = warm
    ? ['--input-type=module', '-e', WARM_SCRIPT]
    : [
        AAM_BIN,
        'registry',
        'serve',
        '--storage',
        opts.storage,
        '--port',
        '0',
        ...(opts.db ? ['--db', opts.db] : []),
        ...(opts.args ?? []),
      ];
  const child = spawn(process.execPath, args, {
    cwd: opts.storage.startsWith('s3://') ? tmpdir() : opts.storage,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      ...(opts.adminToken ? { AAM_REGISTRY_ADMIN_TOKEN: opts.adminToken } : {}),
      ...(warm
        ? {
            AAM_TEST_REGISTRY_DIST: REGISTRY_DIST,
            AAM_TEST_STORAGE: opts.storage,
            ...(opts.db ? { AAM_TEST_DB: opts.db } : {}),
            ...(opts.crashAt ? { AAM_TEST_CRASH_AT: opts.crashAt } : {}),
          }
        : {}),
      ...opts.env,
    },
    stdio: [warm ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  return { child, exited, output: () => out };
}

type Spawned = ReturnType<typeof spawnServe>;

function waitFor(s: Spawned, pattern: RegExp, timeout: number, what: string): Promise<RegExpExecArray> {
  return new Promise((res, rej) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      s.child.kill('SIGKILL');
      rej(new Error(`${what}: nothing within ${timeout} ms:\n${s.output()}`));
    }, timeout);
    const onData = () => {
      const m = pattern.exec(s.output());
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        s.child.stdout!.off('data', onData);
        res(m);
      }
    };
    s.child.stdout!.on('data', onData);
    onData();
    void s.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!settled) rej(new Error(`${what}: exited (${code ?? signal}) first:\n${s.output()}`));
      settled = true;
    });
  });
}

function running(s: Spawned, url: string): RegistryProcess {
  return {
    url,
    child: s.child,
    output: s.output,
    exited: s.exited,
    kill: (signal = 'SIGTERM') => {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill(signal);
      return s.exited;
    },
  };
}

export interface WarmRegistry {
  /** Starts the registry now (modules already loaded) and waits until it listens. */
  start(): Promise<RegistryProcess>;
  kill(): Promise<unknown>;
}

/** Loads a registry's modules in a new process, ready to `start()` (see WARM_SCRIPT). */
export async function warmRegistry(opts: SpawnOptions): Promise<WarmRegistry> {
  const s = spawnServe(opts, true);
  await waitFor(s, /^warm$/m, opts.timeout ?? 30_000, 'warm registry');
  return {
    async start() {
      s.child.stdin!.write('go\n');
      const m = await waitFor(s, /listening on (http:\/\/\S+)/, opts.timeout ?? 30_000, 'registry start');
      return running(s, m[1]!);
    },
    kill: () => {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      return s.exited;
    },
  };
}

/** Starts `aam registry serve --port 0` and waits until it listens. */
export async function spawnRegistry(opts: SpawnOptions): Promise<RegistryProcess> {
  const s = spawnServe(opts);
  const m = await waitFor(s, /listening on (http:\/\/\S+)/, opts.timeout ?? 30_000, 'registry serve');
  return running(s, m[1]!);
}

/**
 * Runs `aam registry serve` expecting it to refuse to start: resolves with its exit status and output. If it
 * starts listening instead, it is stopped and the result says so (`listened: true`).
 */
export async function serveExpectingRefusal(
  opts: SpawnOptions,
): Promise<{ code: number | null; output: string; listened: boolean }> {
  const s = spawnServe(opts);
  let listened = false;
  s.child.stdout!.on('data', () => {
    if (!listened && /listening on/.test(s.output())) {
      listened = true;
      s.child.kill('SIGTERM');
    }
  });
  const timer = setTimeout(() => s.child.kill('SIGKILL'), opts.timeout ?? 30_000);
  const { code } = await s.exited;
  clearTimeout(timer);
  return { code, output: s.output(), listened };
}

// --- the store, checked directly (server stopped) ---------------------------------------------------------

export interface StoreSummary {
  versions: number;
  size: number;
}

/**
 * Everything the database holds must add up, checked with SQL (run it with the server stopped): the entries are
 * exactly 0..size-1, every version row has its blob and its package.publish entry (at its audit_index, naming
 * it, with its checksum), and every package.publish entry has its version. Throws on the first discrepancy.
 */
export async function checkStore(
  dbUrl: string,
  storage: string | ((hex: string) => Promise<boolean>),
): Promise<StoreSummary> {
  const hasBlob =
    typeof storage === 'string'
      ? (hex: string) => Promise.resolve(existsSync(blobPath(storage, hex)))
      : storage;
  const { openDb } = await import('../../packages/registry-server/dist/index.js');
  const db = await openDb(dbUrl);
  try {
    return await db.read(async (q) => {
      const head = await q.get<{ size: number }>('SELECT size FROM audit_state WHERE id = 0');
      const size = Number(head?.size);
      const idx = (await q.all<{ idx: number }>('SELECT idx FROM audit_entries ORDER BY idx')).map((r) =>
        Number(r.idx),
      );
      if (idx.length !== size || idx.some((v, i) => v !== i))
        throw new Error(`audit entries are not exactly 0..${size - 1}: ${idx.length} stored`);
      const versions = await q.all<{
        package: string;
        version: string;
        checksum: string;
        audit_index: number;
      }>('SELECT package, version, checksum, audit_index FROM versions');
      const publishes = new Map(
        (
          await q.all<{ idx: number; body: Buffer }>(
            "SELECT idx, body FROM audit_entries WHERE event = 'package.publish'",
          )
        ).map((e) => [
          Number(e.idx),
          JSON.parse(Buffer.from(e.body).toString('utf8')) as {
            package: string;
            metadata: { checksum: string };
          },
        ]),
      );
      for (const v of versions) {
        const id = `${v.package}@${v.version}`;
        const e = publishes.get(Number(v.audit_index));
        if (!e) throw new Error(`${id}: no package.publish entry at its audit_index ${v.audit_index}`);
        if (e.package !== id || e.metadata.checksum !== v.checksum)
          throw new Error(`${id}: entry ${v.audit_index} is for ${e.package} (${e.metadata.checksum})`);
        if (!(await hasBlob(v.checksum.slice('sha256:'.length))))
          throw new Error(`${id}: its blob ${v.checksum} is missing`);
      }
      const published = new Set(versions.map((v) => Number(v.audit_index)));
      for (const [i, e] of publishes)
        if (!published.has(i)) throw new Error(`entry ${i} publishes ${e.package}, which has no version row`);
      return { versions: versions.length, size };
    });
  } finally {
    await db.close();
  }
}
