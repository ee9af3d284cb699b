import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aamHome } from '../config/paths.js';
import { writeYamlAtomic } from '../atomic-file.js';
import { AamError } from '../errors.js';
import { parseChecksum, sha256, type Checksum } from '../integrity/checksum.js';
import { assertPackageName, assertVersion } from '../package/name.js';
import { validatorFor } from '../schemas.js';
import { checkSchema, parseYaml, throwProblems } from '../yaml-file.js';
import { dict } from '../dict.js';

export const LOCK_FILE = 'aam-lock.yaml';

/** The signer that was trusted when the package was installed (TOFU, SPEC §5). */
export interface LockedSignature {
  type: string;
  identity?: string;
  fingerprint?: string;
  issuer?: string;
  registry?: string;
}

export interface LockedPackage {
  version: string;
  source: string;
  checksum: Checksum;
  signatures: LockedSignature[];
  /**
   * Every valid signature seen at install, trusted or not (also under on_signature_failure: ignore): a record
   * for people and audits. Never trust: trust on first use reads `signatures` only.
   */
  seen_signatures?: LockedSignature[];
  dependencies?: Record<string, string>;
  /** Relative path -> SHA-256 hex of each installed file. */
  file_checksums: Record<string, string>;
}

export interface Lockfile {
  lockfile_version: 1;
  resolved_at: string;
  packages: Record<string, LockedPackage>;
}

export function lockPath(aamDir: string): string {
  return join(aamDir, LOCK_FILE);
}

export function emptyLock(): Lockfile {
  return { lockfile_version: 1, resolved_at: new Date().toISOString(), packages: dict() };
}

/**
 * Parsed copies of locks, in aam's cache (`$AAM_CACHE_DIR/locks`, default `$AAM_HOME/cache/locks`), one file per
 * lock text, named by that text's SHA-256: `{ format, sha256, lock }`. YAML parsing is slow (about 30 µs a line:
 * a second for the lock of 10,000 packages) and `aam verify` reads the lock first. A copy is used only when its
 * name, its recorded digest and its format all match and it passes the lock schema; anything else parses the
 * YAML again and writes the copy anew. The copies live in the user's cache, never in the project: a file in
 * `.aam/` could be committed beside a harmless-looking lock (review reads the YAML; a copy there would win).
 * LOCK_COPY_FORMAT changes whenever what parsing accepts changes, so a copy never outlives the rules it passed.
 */
const LOCK_COPY_FORMAT = 1;
const LOCK_COPIES_KEPT = 64;

export function lockCopiesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.AAM_CACHE_DIR ? resolve(env.AAM_CACHE_DIR) : join(aamHome(env), 'cache'), 'locks');
}

function readLockCopy(dir: string, digest: string): Lockfile | undefined {
  try {
    const copy = JSON.parse(readFileSync(join(dir, `${digest}.json`), 'utf8')) as {
      format?: unknown;
      sha256?: unknown;
      lock?: unknown;
    };
    if (copy.format !== LOCK_COPY_FORMAT || copy.sha256 !== digest || !validatorFor('lock')(copy.lock))
      return undefined;
    return copy.lock as Lockfile;
  } catch {
    return undefined;
  }
}

/** Best effort (a read-only home still reads its locks, the YAML way); the oldest copies beyond 64 go. */
function writeLockCopy(dir: string, digest: string, lock: unknown): void {
  const file = join(dir, `${digest}.json`);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify({ format: LOCK_COPY_FORMAT, sha256: digest, lock }));
    renameSync(tmp, file);
    // The copy just written is never among those that go (mtimes can tie).
    const copies = readdirSync(dir).filter((f) => /^[0-9a-f]{64}\.json$/.test(f) && f !== `${digest}.json`);
    if (copies.length >= LOCK_COPIES_KEPT)
      copies
        .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
        .sort((a, b) => a.t - b.t)
        .slice(0, copies.length - LOCK_COPIES_KEPT + 1)
        .forEach(({ f }) => rmSync(join(dir, f), { force: true }));
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Reads and validates the lock; a missing lock is an empty one. `env` locates aam's cache (parsed copies). */
export function readLock(aamDir: string, env: NodeJS.ProcessEnv = process.env): Lockfile {
  const file = lockPath(aamDir);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return emptyLock();
    throw new AamError('IO_ERROR', `Cannot read ${file}: ${code ?? String(e)}`);
  }
  // The digest of the bytes as read (the copy's name); the text is decoded only if the YAML must be parsed.
  const digest = sha256(bytes).slice('sha256:'.length);
  const copies = lockCopiesDir(env);
  let lock = readLockCopy(copies, digest);
  const fromCopy = lock !== undefined;
  if (!lock) {
    const src = parseYaml(bytes.toString('utf8'), file, 'INVALID_LOCK');
    const { errors } = checkSchema(src, 'lock');
    if (errors.length > 0) throwProblems('INVALID_LOCK', `Invalid lock file ${file}`, errors);
    lock = src.value as Lockfile;
    writeLockCopy(copies, digest, lock);
  }
  // Keyed by data (names, paths): no prototype to answer for a package `constructor` or a file `toString`. A
  // copy's objects come from JSON.parse, which makes every key (`__proto__` too) an own property: dropping their
  // prototype is enough (copying 100,000 file checksums into a dict took 180 ms).
  const asDict = <T>(o: Record<string, T>): Record<string, T> =>
    fromCopy ? (Object.setPrototypeOf(o, null) as Record<string, T>) : dict(o);
  lock.packages = asDict(lock.packages);
  for (const [name, p] of Object.entries(lock.packages)) {
    assertPackageName(name);
    assertVersion(p.version);
    p.checksum = parseChecksum(p.checksum, `checksum of ${name} in ${file}`);
    p.signatures ??= [];
    p.file_checksums = asDict(p.file_checksums ?? {});
  }
  return lock;
}

/** Writes the lock atomically, packages sorted by name so diffs stay small. */
export async function writeLock(aamDir: string, lock: Lockfile): Promise<void> {
  const packages = Object.fromEntries(
    Object.keys(lock.packages)
      .sort()
      .map((k) => [k, lock.packages[k]]),
  );
  // The parsed copy is made by the next read, from the text itself (parsing it here would charge every install
  // for a read that may never come); the old copy names another digest.
  await writeYamlAtomic(
    lockPath(aamDir),
    { ...lock, packages },
    '# Written by aam. Do not edit: aam install updates it.',
  );
}

/** Same packages at the same versions, bytes and sources (and, withSigners, the same trusted signers). */
export function sameLockedPackages(a: Lockfile, b: Lockfile, opts: { withSigners?: boolean } = {}): boolean {
  const ka = Object.keys(a.packages).sort();
  const kb = Object.keys(b.packages).sort();
  if (ka.join('\n') !== kb.join('\n')) return false;
  return ka.every((k) => {
    const x = a.packages[k]!;
    const y = b.packages[k]!;
    const same = x.version === y.version && x.checksum === y.checksum && x.source === y.source;
    if (!same || !opts.withSigners) return same;
    return (
      JSON.stringify(canonical(x.signatures)) === JSON.stringify(canonical(y.signatures)) &&
      JSON.stringify(canonical(x.dependencies ?? {})) === JSON.stringify(canonical(y.dependencies ?? {}))
    );
  });
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** True when two locks record exactly the same packages (ignoring `resolved_at`): no rewrite needed. */
export function samePackageEntries(a: Lockfile, b: Lockfile): boolean {
  return JSON.stringify(canonical(a.packages)) === JSON.stringify(canonical(b.packages));
}
