import { existsSync, readdirSync, readlinkSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { mapBounded } from '../bounded.js';
import { AamError } from '../errors.js';
import { checksumsEqual, sha256RegularFileHexSync } from '../integrity/checksum.js';
import type { RegistryConfig } from '../config/types.js';
import { judge, type Judgement } from '../facts/judge.js';
import type { TrustContext } from '../facts/gather.js';
import { readLock, type LockedPackage } from '../lock/lockfile.js';
import type { Decision, Facts } from '../policy/facts.js';
import { openRegistry } from '../registry/open.js';
import type { Registry } from '../registry/types.js';
import { readCachedArchive } from './archive-cache.js';
import { fetchArchive } from './fetch.js';
import { installTarget, type InstallTarget } from './context.js';
import { installDir, installedManifest, legacyInstallDir } from './installed.js';
import { interruptedInstalls } from './interrupted.js';

export type FileStatus = 'ok' | 'modified' | 'missing' | 'untracked';

export interface PackageVerification {
  name: string;
  version: string;
  /** false when the lock has no per-file checksums (older installs): reported, not an error. */
  checksumsAvailable: boolean;
  files: { path: string; status: FileStatus }[];
  /** The policy's judgement of the archive the lock names (checksum, signatures, trust). */
  decision?: Decision;
  facts?: Facts;
  /** Why no decision could be made (archive unavailable): a failure, never a pass. */
  policyError?: string;
  /** The registry's attestations were asked for (trust_registry_attestations, an HTTP registry). */
  attestationsChecked?: boolean;
  /**
   * What the directory shows beyond file statuses: another version than the lock records (an install that was
   * interrupted), another package, or the old layout; each says what repairs it.
   */
  notes: string[];
  ok: boolean;
}

type EntryKind = 'file' | 'link' | 'other';

/**
 * Every entry under `root` that is not a directory, by its path relative to `root` ('/'-separated), with its
 * kind as the directory itself records it (symbolic links are not followed). Synchronous: a package is a few
 * small files, and one event-loop round trip per entry costs more than reading it.
 */
function listFiles(root: string, rel = '', out = new Map<string, EntryKind>()): Map<string, EntryKind> {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) listFiles(root, path, out);
    else out.set(path, e.isFile() ? 'file' : e.isSymbolicLink() ? 'link' : 'other');
  }
  return out;
}

/** What a file holds now, in the lock's terms: its hex SHA-256, `link:TARGET`, or '' (never a checksum). */
function currentChecksum(file: string, kind: EntryKind): string {
  try {
    if (kind === 'file') return sha256RegularFileHexSync(file);
    if (kind === 'link') return `link:${readlinkSync(file)}`;
  } catch {
    // Gone, replaced or unreadable since it was listed: not what the lock records.
  }
  return '';
}

/** How many installed packages are judged at once (their registry reads and signature checks overlap). */
const VERIFY_CONCURRENCY = 8;

/** The packages checked, and the staging directories installs killed midway left (the next install repairs). */
export interface InstalledVerification {
  packages: PackageVerification[];
  interrupted: string[];
}

/** Re-hashes installed files against the lock's `file_checksums`: ok, modified, missing, untracked. */
export async function verifyInstalledFlow(opts: {
  projectDir: string;
  names?: string[];
  global?: boolean;
  env?: NodeJS.ProcessEnv;
  /** With trust and registries, each package's archive is re-judged by the policy too. */
  trust?: TrustContext;
  registries?: RegistryConfig[];
  maxArchiveSize?: number;
}): Promise<InstalledVerification> {
  const target = installTarget(opts.projectDir, opts.global ?? false, opts.env);
  const lock = readLock(target.aamDir, opts.env);
  const names = opts.names?.length ? opts.names : Object.keys(lock.packages).sort();
  // Each registry is opened once per run, not once per package.
  const opened = new Map<string, Registry | undefined>();
  const registryFor = (source: string): Registry | undefined => {
    if (!opened.has(source)) {
      const cfg = (opts.registries ?? []).find((r) => r.name === source);
      opened.set(source, cfg ? openRegistry(cfg) : undefined);
    }
    return opened.get(source);
  };
  // Every name is checked against the lock before any work starts: an unknown one is a usage error.
  for (const name of names)
    if (!lock.packages[name])
      throw new AamError(
        'NOT_FOUND',
        `${name} is not installed (not in ${join(target.aamDir, 'aam-lock.yaml')})`,
      );
  const checkOne = async (name: string): Promise<PackageVerification> => {
    const entry = lock.packages[name]!;
    const dir = installDir(target, name);
    const expected = entry.file_checksums;
    const checksumsAvailable = Object.keys(expected).length > 0;
    const onDisk = listFiles(dir);
    const files: PackageVerification['files'] = [];
    for (const path of Object.keys(expected).sort()) {
      const kind = onDisk.get(path);
      if (kind === undefined) {
        files.push({ path, status: 'missing' });
        continue;
      }
      const actual = currentChecksum(join(dir, path), kind);
      files.push({ path, status: actual === expected[path] ? 'ok' : 'modified' });
    }
    if (checksumsAvailable) {
      for (const path of onDisk.keys())
        if (!Object.hasOwn(expected, path)) files.push({ path, status: 'untracked' });
    }
    const notes = directoryNotes(target, name, entry.version, dir);
    const result: PackageVerification = {
      name,
      version: entry.version,
      checksumsAvailable,
      files,
      notes,
      ok: files.every((f) => f.status === 'ok') && notes.length === 0,
    };
    if (opts.trust) {
      try {
        const judged = await judgeLocked(
          name,
          entry,
          opts.trust,
          registryFor(entry.source),
          opts.maxArchiveSize ?? Number.MAX_SAFE_INTEGER,
          opts.env,
        );
        result.decision = judged.decision;
        result.facts = judged.facts;
        if (judged.attestationsChecked) result.attestationsChecked = true;
        if (judged.decision.outcome === 'fail') result.ok = false;
        // Layer 1 is the host's rule too, whatever policy or bundle judged the facts.
        if (!checksumsEqual(judged.facts.checksum.actual, entry.checksum)) result.ok = false;
      } catch (e) {
        // Whatever stopped the judgement (registry gone, archive unreadable), this package fails, not the run.
        result.policyError = e instanceof Error ? e.message : String(e);
        result.ok = false;
      }
    }
    return result;
  };
  // Packages are judged a few at a time, so that one's reads and signature checks overlap another's; results
  // keep the lock's order. The audit-log check keeps a client copy of each log: with it on, one at a time.
  const out = await mapBounded(names, opts.trust?.auditLog ? 1 : VERIFY_CONCURRENCY, checkOne);
  return { packages: out, interrupted: interruptedInstalls(target) };
}

/** What the package's directory says about how it got there, when it is not what the lock records. */
function directoryNotes(target: InstallTarget, name: string, version: string, dir: string): string[] {
  if (!existsSync(dir)) {
    const legacy = legacyInstallDir(target, name);
    if (legacy && installedManifest(legacy)?.name === name)
      return [`installed by an earlier aam in ${legacy}: run 'aam install' to move it to ${dir}`];
    return [`${dir} is missing: run 'aam install' to install it again`];
  }
  const held = installedManifest(dir);
  if (held?.name !== undefined && held.name !== name)
    return [`${dir} holds ${held.name}, not ${name}: two packages never share a directory`];
  if (held?.version !== undefined && held.version !== version)
    return [
      `${dir} holds version ${held.version}, but the lock records ${version}: an install was interrupted; run 'aam install' to repair it`,
    ];
  return [];
}

/** Re-judges the archive the lock names: from the archive cache, else downloaded again from its registry. */
async function judgeLocked(
  name: string,
  entry: LockedPackage,
  trust: TrustContext,
  registry: Registry | undefined,
  maxArchiveSize: number,
  env?: NodeJS.ProcessEnv,
): Promise<Judgement> {
  const archive =
    readCachedArchive(entry.checksum, env) ??
    (registry ? await fetchArchive(registry, name, entry.version, maxArchiveSize) : undefined);
  if (!archive) {
    throw new AamError(
      'NOT_FOUND',
      `the archive of ${name}@${entry.version} is not cached and registry '${entry.source}' is not configured`,
    );
  }
  return judge(
    {
      name,
      version: entry.version,
      archive,
      expected: entry.checksum,
      ...(registry ? { registry: { registry } } : {}),
      locked: entry,
    },
    env && !trust.env ? { ...trust, env } : trust,
  );
}
