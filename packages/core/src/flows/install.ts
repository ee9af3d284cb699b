import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { lockDirectory } from '../directory-lock.js';
import { readYamlFile } from '../yaml-file.js';
import { join } from 'node:path';
import semver from 'semver';
import type { AamConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import type { Checksum } from '../integrity/checksum.js';
import {
  emptyLock,
  readLock,
  sameLockedPackages,
  samePackageEntries,
  writeLock,
  type LockedPackage,
  type Lockfile,
} from '../lock/lockfile.js';
import { extractArchive } from '../package/extract.js';
import { packageDirName, parsePackageSpec, type VersionSelector } from '../package/name.js';
import { openRegistry, registriesToSearch } from '../registry/open.js';
import { selectVersion } from '../registry/resolve.js';
import type { PackageMetadata, Registry, VersionRecord } from '../registry/types.js';
import { archiveLimits, installTarget, type InstallTarget } from './context.js';
import { cacheArchive } from './archive-cache.js';
import { assertChecksums, fetchArchive } from './fetch.js';
import type { Decision, Facts } from '../policy/facts.js';
import { auditLogFact } from '../audit/version-fact.js';
import {
  buildFacts,
  PolicyRefusedError,
  registryAttestationFacts,
  storedSignatureFacts,
  trustedSigners,
  type TrustContext,
} from '../policy/gather.js';

export interface InstallRequest {
  specs: string[];
  projectDir: string;
  config: AamConfig;
  global?: boolean;
  registry?: string;
  frozen?: boolean;
  force?: boolean;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Verifiers, the policy engine and the request flags: every package is judged by the policy. */
  trust: TrustContext;
  onEvent?: (event: InstallEvent) => void;
}

export type InstallEvent =
  | { $case: 'resolved'; name: string; version: string; registry: string }
  | { $case: 'warning'; message: string }
  | { $case: 'checksum-verified'; name: string; version: string; checksum: Checksum }
  | {
      $case: 'decided';
      name: string;
      version: string;
      facts: Facts;
      decision: Decision;
      /** The registry's attestations were asked for (trust_registry_attestations, an HTTP registry). */
      attestationsChecked?: boolean;
    }
  | { $case: 'installing'; count: number }
  | { $case: 'installed'; name: string; version: string; action: PackageAction };

export type PackageAction = 'installed' | 'updated' | 'reinstalled' | 'unchanged' | 'would-install';

export interface InstalledPackage {
  name: string;
  version: string;
  source: string;
  checksum: Checksum;
  action: PackageAction;
  path: string;
  decision: Decision;
}

export interface InstallResult {
  target: InstallTarget;
  lockfile: string;
  packages: InstalledPackage[];
  dryRun: boolean;
  /** Things the user should know that did not stop the install (a yanked version asked for by number). */
  warnings: string[];
}

interface PlannedPackage {
  name: string;
  record: VersionRecord;
  registry: Registry;
  locked?: LockedPackage;
}

/** Installs packages: resolve -> download + verify every checksum -> extract to staging -> swap in -> lock. */
export async function installFlow(req: InstallRequest): Promise<InstallResult> {
  const target = installTarget(req.projectDir, req.global ?? false, req.env);
  if (req.dryRun) {
    const lock = readLock(target.aamDir);
    const warnings: string[] = [];
    return verifyAndStage(req, target, lock, await resolvePlan(req, lock, warnings), warnings);
  }
  // One install at a time per .aam/: two at once would each rewrite the lock from the same old copy.
  const createdAamDir = !existsSync(target.aamDir);
  await mkdir(target.aamDir, { recursive: true });
  let release: (() => Promise<void>) | undefined;
  let failed = false;
  try {
    release = await lockDirectory(target.aamDir, '.install.lock', 'Another aam install is running', 60_000);
    await removeStaleStaging(target.aamDir);
    const lock = readLock(target.aamDir);
    const warnings: string[] = [];
    return await verifyAndStage(req, target, lock, await resolvePlan(req, lock, warnings), warnings);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await release?.().catch(() => undefined);
    if (failed && createdAamDir) await rm(target.aamDir, { recursive: true, force: true });
  }
}

/** Staging left by an install that was killed: with the project lock held, nobody else owns it. */
async function removeStaleStaging(aamDir: string): Promise<void> {
  for (const name of await readdir(aamDir)) {
    if (name.startsWith('.staging-')) await rm(join(aamDir, name), { recursive: true, force: true });
  }
}

/** The version an installed package directory really holds (its own aam.yaml), if readable. */
function installedVersion(dir: string): string | undefined {
  try {
    return (readYamlFile(join(dir, 'aam.yaml'), 'INVALID_MANIFEST').value as { version?: unknown })
      ?.version as string;
  } catch {
    return undefined;
  }
}

async function resolvePlan(
  req: InstallRequest,
  lock: Lockfile,
  warnings: string[],
): Promise<Map<string, PlannedPackage>> {
  const roots: { name: string; selector: VersionSelector; fromLock: boolean }[] = req.specs.length
    ? req.specs.map((s) => ({ ...parsePackageSpec(s), fromLock: false }))
    : Object.entries(lock.packages).map(([name, p]) => ({
        name,
        selector: { $case: 'version', version: p.version } as const,
        fromLock: true,
      }));
  if (roots.length === 0) {
    throw new AamError(
      'USAGE',
      'Nothing to install: give a package (aam install NAME[@VERSION]) or run it where an aam-lock.yaml lists packages',
    );
  }
  const candidates = registriesToSearch(req.config.registries, req.registry);
  const opened = new Map<string, Registry>();
  const open = (name: string): Registry => {
    const cfg = req.config.registries.find((r) => r.name === name);
    if (!cfg) throw new AamError('NOT_FOUND', `Registry '${name}' (recorded in the lock) is not configured`);
    let r = opened.get(name);
    if (!r) opened.set(name, (r = openRegistry(cfg)));
    return r;
  };
  const findPackage = async (
    name: string,
    lockedSource?: string,
  ): Promise<{ registry: Registry; meta: PackageMetadata }> => {
    const names = lockedSource && req.registry === undefined ? [lockedSource] : candidates.map((c) => c.name);
    for (const n of names) {
      const registry = open(n);
      const meta = await registry.metadata(name);
      if (meta) return { registry, meta };
    }
    throw new AamError('NOT_FOUND', `Package ${name} not found in ${names.map((n) => `'${n}'`).join(', ')}`, {
      package: name,
    });
  };

  const plan = new Map<string, PlannedPackage>();
  const queue: { name: string; selector: VersionSelector; requiredBy?: string; fromLock: boolean }[] = [
    ...roots,
  ];
  while (queue.length > 0) {
    const item = queue.shift()!;
    const locked = lock.packages[item.name];
    const have = plan.get(item.name);
    if (have) {
      if (!accepts(item.selector, have.record.version)) {
        throw new AamError(
          'NO_MATCHING_VERSION',
          `Conflicting versions of ${item.name}: ${have.record.version} is selected, but ${item.requiredBy ?? 'the command line'} needs ${describe(item.selector)}`,
        );
      }
      continue;
    }
    const { registry, meta } = await findPackage(item.name, locked?.source);
    // Keep the locked version whenever the request allows it (a bare name, a range it satisfies, a dependency).
    const keepLocked =
      locked !== undefined &&
      (item.fromLock ||
        implicit(item.selector) ||
        (item.selector.$case === 'range' && accepts(item.selector, locked.version)));
    const record = keepLocked
      ? selectVersion(meta, { $case: 'version', version: locked.version })
      : selectVersion(meta, item.selector);
    req.onEvent?.({ $case: 'resolved', name: item.name, version: record.version, registry: registry.name });
    // Ranges and tags never pick a yanked version: only an exact version (or the lock's) gets here.
    if (record.yanked) {
      const message = `${item.name}@${record.version} is yanked${record.yank_reason ? ` (${record.yank_reason})` : ''}; installing it because ${keepLocked ? 'the lock file names it' : 'that exact version was asked for'}`;
      warnings.push(message);
      req.onEvent?.({ $case: 'warning', message });
    }
    plan.set(item.name, { name: item.name, record, registry, ...(locked ? { locked } : {}) });
    for (const [dep, range] of Object.entries(record.dependencies ?? {})) {
      queue.push({
        name: dep,
        selector: { $case: 'range', range },
        requiredBy: `${item.name}@${record.version}`,
        fromLock: false,
      });
    }
  }
  return plan;
}

function implicit(s: VersionSelector): boolean {
  return s.$case === 'tag' && s.tag === 'latest';
}

function accepts(s: VersionSelector, version: string): boolean {
  switch (s.$case) {
    case 'version':
      return s.version === version;
    case 'range':
      return semver.satisfies(version, s.range);
    case 'tag':
      return true;
  }
}

function describe(s: VersionSelector): string {
  return s.$case === 'version' ? s.version : s.$case === 'range' ? s.range : `tag '${s.tag}'`;
}

async function verifyAndStage(
  req: InstallRequest,
  target: InstallTarget,
  lock: Lockfile,
  plan: Map<string, PlannedPackage>,
  warnings: string[],
): Promise<InstallResult> {
  const limits = archiveLimits(req.config.limits);
  const next: Lockfile = { ...emptyLock(), packages: { ...lock.packages } };
  // 1. Every archive is downloaded, hashed and judged by the policy before anything is written.
  const fetched = new Map<string, Buffer>();
  const decisions = new Map<string, Decision>();
  for (const p of plan.values()) {
    const id = `${p.name}@${p.record.version}`;
    const { bytes, actual } = await fetchArchive(p.registry, p.name, p.record.version, limits.maxArchiveSize);
    const sameVersionLocked = p.locked?.version === p.record.version ? p.locked : undefined;
    const artifact = { bytes, checksum: actual, size: bytes.length, name: p.name, version: p.record.version };
    const attestations = req.trust.attestations
      ? await registryAttestationFacts(req.trust, p.registry, p.name, p.record.version, artifact)
      : undefined;
    const auditLog = req.trust.auditLog
      ? await auditLogFact({
          registry: p.registry,
          config: req.trust.auditLog.registries.find((r) => r.name === p.registry.name),
          name: p.name,
          version: p.record.version,
          checksum: actual,
          auditIndex: p.record.audit_index,
          ...(req.env ? { env: req.env } : {}),
        })
      : undefined;
    const facts = buildFacts({
      name: p.name,
      version: p.record.version,
      registry: p.registry.name,
      yanked: p.record.yanked,
      expected: p.record.checksum,
      actual,
      signatures: await storedSignatureFacts(
        req.trust,
        p.registry,
        p.name,
        p.record.version,
        p.record.signatures,
        artifact,
      ),
      ...(attestations ? { attestations } : {}),
      ...(auditLog ? { auditLog } : {}),
      request: req.trust.request,
      ...(p.locked ? { locked: p.locked } : {}),
    });
    const decision = req.trust.engine.decide(facts);
    // Layer 1 is the host's own rule too: no policy, bundle or module can turn a mismatch into a pass.
    assertChecksums(
      id,
      sameVersionLocked ? [sameVersionLocked.checksum, p.record.checksum] : [p.record.checksum],
      actual,
    );
    req.onEvent?.({ $case: 'checksum-verified', name: p.name, version: p.record.version, checksum: actual });
    req.onEvent?.({
      $case: 'decided',
      name: p.name,
      version: p.record.version,
      facts,
      decision,
      ...(attestations ? { attestationsChecked: true } : {}),
    });
    if (decision.outcome === 'fail') throw new PolicyRefusedError(id, decision, facts);
    fetched.set(p.name, bytes);
    decisions.set(p.name, decision);
    const deps = Object.fromEntries(
      Object.keys(p.record.dependencies ?? {}).map((d) => [d, plan.get(d)!.record.version]),
    );
    const trusted = trustedSigners(decision, facts);
    next.packages[p.name] = {
      version: p.record.version,
      source: p.registry.name,
      checksum: actual,
      // Keep the signer trusted before when nobody is trusted now, so a dropped signature keeps warning.
      signatures: trusted.length > 0 ? trusted : (p.locked?.signatures ?? []),
      ...(Object.keys(deps).length ? { dependencies: deps } : {}),
      file_checksums: p.locked?.file_checksums ?? {},
    };
  }
  if (req.frozen && !sameLockedPackages(lock, next, { withSigners: true })) {
    const changed = [...plan.values()]
      .filter((p) => lock.packages[p.name]?.version !== p.record.version)
      .map((p) => `${p.name}@${p.record.version}`);
    throw new AamError(
      'LOCK_OUT_OF_DATE',
      `--frozen: the lock file would change (${changed.join(', ') || 'entries differ'}); run aam install without --frozen and commit the lock`,
    );
  }
  const result: InstallResult = {
    target,
    lockfile: join(target.aamDir, 'aam-lock.yaml'),
    packages: [],
    dryRun: req.dryRun ?? false,
    warnings,
  };
  const toWrite: PlannedPackage[] = [];
  for (const p of plan.values()) {
    const path = join(target.packagesDir, packageDirName(p.name));
    // The directory must really hold the locked version: an install killed after its swap leaves newer
    // files under an older lock entry.
    const upToDate =
      p.locked?.version === p.record.version &&
      p.locked.checksum === next.packages[p.name]!.checksum &&
      installedVersion(path) === p.record.version;
    let action: PackageAction = upToDate
      ? req.force
        ? 'reinstalled'
        : 'unchanged'
      : p.locked
        ? 'updated'
        : 'installed';
    if (req.dryRun && action !== 'unchanged') action = 'would-install';
    if (action !== 'unchanged') toWrite.push(p);
    result.packages.push({
      name: p.name,
      version: p.record.version,
      source: p.registry.name,
      checksum: next.packages[p.name]!.checksum,
      action,
      path,
      decision: decisions.get(p.name)!,
    });
  }
  if (req.dryRun) return result;
  req.onEvent?.({ $case: 'installing', count: toWrite.length });

  // 2. Extract into a staging directory inside .aam/ (same file system), then rename into place.
  const createdPackagesDir = !existsSync(target.packagesDir);
  const staging = join(target.aamDir, `.staging-${randomBytes(6).toString('hex')}`);
  await mkdir(join(staging, 'new'), { recursive: true });
  await mkdir(join(staging, 'old'));
  const swapped: { path: string; backup?: string }[] = [];
  try {
    const staged = new Map<string, string>();
    for (const p of toWrite) {
      const dir = join(staging, 'new', packageDirName(p.name));
      const { manifest, fileChecksums } = await extractArchive(fetched.get(p.name)!, dir, limits);
      if (manifest.name !== p.name || manifest.version !== p.record.version) {
        throw new AamError(
          'INVALID_ARCHIVE',
          `Archive for ${p.name}@${p.record.version} contains ${manifest.name}@${manifest.version} (identity comes from aam.yaml inside the archive)`,
        );
      }
      next.packages[p.name]!.file_checksums = fileChecksums;
      staged.set(p.name, dir);
    }
    await mkdir(target.packagesDir, { recursive: true });
    for (const p of toWrite) {
      const path = join(target.packagesDir, packageDirName(p.name));
      const entry: { path: string; backup?: string } = { path };
      if (existsSync(path)) {
        entry.backup = join(staging, 'old', packageDirName(p.name));
        await rename(path, entry.backup);
      }
      swapped.push(entry);
      await rename(staged.get(p.name)!, path);
    }
    if (!samePackageEntries(lock, next) || !existsSync(result.lockfile)) await writeLock(target.aamDir, next);
  } catch (e) {
    // Put back exactly what was there: a failed install leaves the project as it was.
    for (const s of swapped.reverse()) {
      await rm(s.path, { recursive: true, force: true });
      if (s.backup) await rename(s.backup, s.path);
    }
    await rm(staging, { recursive: true, force: true });
    if (createdPackagesDir) await rm(target.packagesDir, { recursive: true, force: true });
    throw e;
  }
  await rm(staging, { recursive: true, force: true });
  // Keep the verified archives so `aam verify` can re-check signatures and policy offline. Best effort:
  // a cache that cannot be written only means verify downloads again.
  for (const [name, bytes] of fetched) {
    await cacheArchive(bytes, next.packages[name]!.checksum, req.env).catch(() => undefined);
  }
  for (const p of toWrite)
    req.onEvent?.({
      $case: 'installed',
      name: p.name,
      version: p.record.version,
      action: result.packages.find((x) => x.name === p.name)!.action,
    });
  return result;
}
