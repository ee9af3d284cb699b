import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeYamlAtomic } from '../atomic-file.js';
import { AamError } from '../errors.js';
import { parseChecksum, type Checksum } from '../integrity/checksum.js';
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
 * The lock as last parsed, beside it (`.aam/.aam-lock.cache.json`): `{ sha256, lock }`, where sha256 is that of
 * the lock's text. YAML parsing is slow (about 30 µs a line: a second for the lock of 10,000 packages), and
 * `aam verify` reads the lock first. The copy is used only when the lock's text has exactly that digest and the
 * copy passes the lock schema; anything else (no copy, another digest, unreadable JSON) parses the YAML again
 * and rewrites the copy. It lives in `.aam/` with the lock: whoever could alter it could alter the lock itself.
 */
export const LOCK_CACHE_FILE = '.aam-lock.cache.json';

function readCachedLock(aamDir: string, digest: string): Lockfile | undefined {
  try {
    const cached = JSON.parse(readFileSync(join(aamDir, LOCK_CACHE_FILE), 'utf8')) as {
      sha256?: unknown;
      lock?: unknown;
    };
    if (cached.sha256 !== digest || !validatorFor('lock')(cached.lock)) return undefined;
    return cached.lock as Lockfile;
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only project still reads its lock (the YAML way). */
function writeCachedLock(aamDir: string, digest: string, lock: unknown): void {
  const file = join(aamDir, LOCK_CACHE_FILE);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ sha256: digest, lock }));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Reads and validates the lock; a missing lock is an empty one. */
export function readLock(aamDir: string): Lockfile {
  const file = lockPath(aamDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return emptyLock();
    throw new AamError('IO_ERROR', `Cannot read ${file}: ${code ?? String(e)}`);
  }
  const digest = sha256Hex(text);
  let lock = readCachedLock(aamDir, digest);
  if (!lock) {
    const src = parseYaml(text, file, 'INVALID_LOCK');
    const { errors } = checkSchema(src, 'lock');
    if (errors.length > 0) throwProblems('INVALID_LOCK', `Invalid lock file ${file}`, errors);
    lock = src.value as Lockfile;
    writeCachedLock(aamDir, digest, lock);
  }
  // Keyed by data (names, paths): no prototype to answer for a package `constructor` or a file `toString`.
  lock.packages = dict(lock.packages);
  for (const [name, p] of Object.entries(lock.packages)) {
    assertPackageName(name);
    assertVersion(p.version);
    p.checksum = parseChecksum(p.checksum, `checksum of ${name} in ${file}`);
    p.signatures ??= [];
    p.file_checksums = dict(p.file_checksums ?? {});
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
  // for a read that may never come); the old copy names another digest and is ignored.
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
