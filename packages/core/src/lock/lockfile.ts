import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeYamlAtomic } from '../atomic-file.js';
import { parseChecksum, type Checksum } from '../integrity/checksum.js';
import { assertPackageName, assertVersion } from '../package/name.js';
import { checkSchema, readYamlFile, throwProblems } from '../yaml-file.js';
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

/** Reads and validates the lock; a missing lock is an empty one. */
export function readLock(aamDir: string): Lockfile {
  const file = lockPath(aamDir);
  if (!existsSync(file)) return emptyLock();
  const src = readYamlFile(file, 'INVALID_LOCK');
  const { errors } = checkSchema(src, 'lock');
  if (errors.length > 0) throwProblems('INVALID_LOCK', `Invalid lock file ${file}`, errors);
  const lock = src.value as Lockfile;
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
