import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import semver from 'semver';
import type { AamConfig } from '../config/types.js';
import { lockDirectory } from '../directory-lock.js';
import { AamError, InterruptedError } from '../errors.js';
import type { TrustContext } from '../facts/gather.js';
import { InstallRefusedError, judge, PolicyRefusedError, type Judgement } from '../facts/judge.js';
import { seenSigners, trustedSigners } from '../facts/trust-on-first-use.js';
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
import type { ArchiveLimits } from '../package/archive-rules.js';
import { extractArchive } from '../package/extract.js';
import { installDirName, parsePackageSpec, type VersionSelector } from '../package/name.js';
import type { Decision, Facts } from '../policy/facts.js';
import type { SignatureFact } from '../plugin/contracts.js';
import { openRegistry, registriesFor, scopeBinding } from '../registry/open.js';
import { assertInstallable, selectVersion } from '../registry/resolve.js';
import type { PackageMetadata, Registry, VersionRecord } from '../registry/types.js';
import { cacheArchive } from './archive-cache.js';
import { archiveLimits, installTarget, type InstallTarget } from './context.js';
import { assertChecksums, fetchArchive, type FetchedArchive } from './fetch.js';
import { installDir, installedManifest, legacyInstallDir } from './installed.js';
import { recoverInterruptedInstalls, writeInstallIntent } from './interrupted.js';

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
  /**
   * Ctrl-C: honoured until the swap begins (downloads stop, staging is removed, a .aam/ this run created is
   * removed: nothing changed, `InterruptedError`); from the swap on, the install finishes (a half-swapped
   * project is worse than a finished one) and the caller sees `signal.aborted`.
   */
  signal?: AbortSignal;
}

const checkAbort = (signal: AbortSignal | undefined): void => {
  if (signal?.aborted) throw new InterruptedError();
};

export type InstallEvent =
  | { $case: 'resolved'; name: string; version: string; registry: string }
  | { $case: 'warning'; message: string }
  /** The download and judgement of one package starts (`index` of `total`, from 1). */
  | { $case: 'verifying'; name: string; version: string; index: number; total: number; size: number }
  /** Bytes of the package's archive received so far (for a progress display); `index` of `total` as above. */
  | {
      $case: 'download-progress';
      name: string;
      version: string;
      index: number;
      total: number;
      received: number;
      size: number;
    }
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
  /** The signature and attestation facts the decision was made on (verified by the host's plugins). */
  signatures: SignatureFact[];
  attestations: SignatureFact[];
}

export interface InstallResult {
  target: InstallTarget;
  lockfile: string;
  packages: InstalledPackage[];
  dryRun: boolean;
  /** Things the user should know that did not stop the install (a yanked version asked for by number). */
  warnings: string[];
}

export interface PlannedPackage {
  name: string;
  record: VersionRecord;
  registry: Registry;
  /** The package's metadata as the registry served it (compared with its audit log at the strictest level). */
  meta: PackageMetadata;
  locked?: LockedPackage;
}

/** A package the resolver picked, judged: its bytes, what the policy decided, and what the lock will say. */
interface JudgedPackage extends PlannedPackage {
  bytes: Buffer;
  actual: Checksum;
  judgement: Judgement;
  action: PackageAction;
}

/**
 * Installs packages: resolve -> judge -> stage -> swap -> lock. Every archive is downloaded, checked and judged
 * before anything is written; a refusal anywhere leaves the project exactly as it was.
 */
export async function installFlow(req: InstallRequest): Promise<InstallResult> {
  const target = installTarget(req.projectDir, req.global ?? false, req.env);
  return underProjectLock(target, req.dryRun ?? false, async () => {
    const limits = archiveLimits(req.config.limits);
    const lock = readLock(target.aamDir, req.env);
    // What a killed install left is put back as the lock records it first.
    if (!req.dryRun) await recoverInterruptedInstalls(target, lock);
    const warnings: string[] = [];
    const plan = await resolvePlan(req, lock, warnings);
    checkAbort(req.signal);
    assertOwnDirectories(target, plan, lock);
    const judged = await judgePlan(req, target, plan, limits);
    checkAbort(req.signal);
    const next = nextLock(lock, judged);
    if (req.frozen) assertFrozen(lock, next, judged);
    const result = resultOf(req, target, judged, warnings);
    const toWrite = judged.filter((p) => p.action !== 'unchanged');
    if (req.dryRun) {
      // The same extraction and identity checks as a real install, in a directory outside the project.
      const scratch = await mkdtemp(join(tmpdir(), 'aam-dry-run-'));
      try {
        await stage(scratch, toWrite, next, limits);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      return result;
    }
    req.onEvent?.({ $case: 'installing', count: toWrite.length });
    const staging = await stage(target.aamDir, toWrite, next, limits);
    if (req.signal?.aborted) {
      await rm(staging, { recursive: true, force: true });
      throw new InterruptedError();
    }
    // The commit point: from here the install finishes whatever happens to the signal.
    await writeInstallIntent(
      staging,
      toWrite.map((p) => ({ name: p.name, version: p.record.version })),
    );
    await swapIn(target, staging, toWrite, async () => {
      if (!samePackageEntries(lock, next) || !existsSync(result.lockfile))
        await writeLock(target.aamDir, next);
    });
    await keepArchives(judged, req.env);
    for (const p of toWrite)
      req.onEvent?.({ $case: 'installed', name: p.name, version: p.record.version, action: p.action });
    return result;
  });
}

/**
 * Runs an install holding the project's lock (one install at a time per .aam/: two at once would each rewrite
 * the lock from the same old copy), after clearing staging left by a killed install. A dry run takes no lock
 * and creates nothing. A failed install that created .aam/ removes it again.
 */
async function underProjectLock<T>(target: InstallTarget, dryRun: boolean, fn: () => Promise<T>): Promise<T> {
  if (dryRun) return fn();
  const createdAamDir = !existsSync(target.aamDir);
  await mkdir(target.aamDir, { recursive: true });
  let release: (() => Promise<void>) | undefined;
  let failed = false;
  try {
    release = await lockDirectory(target.aamDir, '.install.lock', 'Another aam install is running', 60_000);
    return await fn();
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await release?.().catch(() => undefined);
    if (failed && createdAamDir) await rm(target.aamDir, { recursive: true, force: true });
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
  const opened = new Map<string, Registry>();
  const open = (name: string): Registry => {
    const cfg = req.config.registries.find((r) => r.name === name);
    if (!cfg) throw new AamError('NOT_FOUND', `Registry '${name}' (recorded in the lock) is not configured`);
    let r = opened.get(name);
    if (!r) opened.set(name, (r = openRegistry(cfg)));
    return r;
  };
  /**
   * The registries asked for a name, in order: the lock's source alone when it names one, except that a scope bound
   * to a registry (`scopes:`) is asked of that registry only, so a lock source outside it is refused.
   */
  const registriesToAsk = (
    name: string,
    lockedSource?: string,
  ): { names: string[]; refused?: { boundTo: string | undefined } } => {
    const allowed = registriesFor(req.config, name, req.registry).map((c) => c.name);
    if (lockedSource && scopeBinding(req.config, name).bound !== undefined && !allowed.includes(lockedSource))
      return { names: [], refused: { boundTo: allowed[0] } };
    return { names: lockedSource && req.registry === undefined ? [lockedSource] : allowed };
  };
  // Metadata is asked for once per registry and name, and early: the next names queued are fetched from their
  // first registry while earlier ones resolve (the answers are used in the same order as before).
  const asked = new Map<string, Promise<PackageMetadata | undefined>>();
  const metadataOf = (registry: Registry, name: string): Promise<PackageMetadata | undefined> => {
    const key = `${registry.name}\u0000${name}`;
    let p = asked.get(key);
    if (!p) {
      p = registry.metadata(name);
      p.catch(() => undefined); // awaited (and its failure reported) when the name's turn comes
      asked.set(key, p);
    }
    return p;
  };
  const prefetch = (name: string, lockedSource?: string): void => {
    try {
      // Only the first registry the name's own turn asks (none when its turn refuses the lock's source).
      const first = registriesToAsk(name, lockedSource).names[0];
      if (first !== undefined) void metadataOf(open(first), name).catch(() => undefined);
    } catch {
      // an unknown registry or a bad name: reported when the name's turn comes
    }
  };
  // The first registry that knows a name is where it comes from: a later one is never asked (dependency
  // confusion), and a scope bound to a registry (`scopes:`) is asked of that registry only.
  const findPackage = async (
    name: string,
    lockedSource?: string,
  ): Promise<{ registry: Registry; meta: PackageMetadata }> => {
    const { names, refused } = registriesToAsk(name, lockedSource);
    if (refused)
      throw new AamError(
        'SCOPE_BOUND',
        `The lock takes ${name} from '${lockedSource}', but its scope is bound to '${refused.boundTo}': install it again from there (aam install ${name})`,
        { package: name, source: lockedSource, registry: refused.boundTo },
      );
    for (const n of names) {
      const registry = open(n);
      const meta = await metadataOf(registry, name);
      if (!meta) continue;
      assertInstallable(meta, registry.name);
      return { registry, meta };
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
    // The next few names' metadata is asked for while this one resolves: a window, not the whole lock at once.
    for (const next of queue.slice(0, METADATA_AHEAD)) prefetch(next.name, lock.packages[next.name]?.source);
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
    plan.set(item.name, { name: item.name, record, registry, meta, ...(locked ? { locked } : {}) });
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

/**
 * Two names never share a directory. The layout is injective (`installDirName`), but a directory can still hold
 * another package: one an earlier aam installed as `scope--name`, which an unscoped name spells, or files put
 * there by hand. Such an install is refused before anything is downloaded.
 */
function assertOwnDirectories(
  target: InstallTarget,
  plan: Map<string, PlannedPackage>,
  lock: Lockfile,
): void {
  for (const p of plan.values()) {
    const dir = installDir(target, p.name);
    const holder = existsSync(dir) ? installedManifest(dir)?.name : undefined;
    // A scoped package in the lock whose old-layout directory is this one (even with its aam.yaml gone).
    const claimant = Object.keys(lock.packages).find(
      (other) => other !== p.name && legacyInstallDir(target, other) === dir,
    );
    const other = holder !== undefined && holder !== p.name ? holder : existsSync(dir) ? claimant : undefined;
    if (other !== undefined)
      throw new AamError(
        'NAME_COLLISION',
        `${p.name} would be installed in ${dir}, which holds ${other}: two packages never share a directory. Remove ${other} first (or install ${other} again to move it to its own directory)`,
        { package: p.name, directory: dir, holder: other },
      );
  }
}

/** How many queued names' metadata is asked for ahead of the one being resolved. */
const METADATA_AHEAD = 8;

/**
 * How many archives may download ahead of the one being judged, and how many bytes of declared sizes they may
 * hold (beyond the first). A version that declares no size counts as the largest archive allowed, so unknown
 * sizes download one at a time. The bound is low on purpose: downloads at once share the link, and each still
 * has the whole request timeout.
 */
const DOWNLOADS_AHEAD = 8;
const DOWNLOAD_BYTES_AHEAD = 16 << 20;

/**
 * The archives of a plan, downloaded ahead of the judging (see DOWNLOADS_AHEAD). The signature documents of
 * each version are asked for beside its archive (registries keep the answer for the judging). A failed download
 * fails when its package's turn comes, as it would have without the window; `stop()` aborts what is still
 * running when the judging ends early.
 */
export class Downloads {
  private readonly started: (Promise<FetchedArchive> | undefined)[] = [];
  private next = 0;
  private inFlight = 0;
  private bytes = 0;
  private readonly abort = new AbortController();
  private readonly signal: AbortSignal;

  constructor(
    private readonly planned: PlannedPackage[],
    private readonly maxArchiveSize: number,
    signal: AbortSignal | undefined,
    private readonly progress: (i: number, received: number) => void,
  ) {
    this.signal = signal ? AbortSignal.any([signal, this.abort.signal]) : this.abort.signal;
    this.fill();
  }

  /** The archive of package i (in plan order), started now if it was not. */
  take(i: number): Promise<FetchedArchive> {
    while (this.next <= i) this.start();
    const p = this.started[i]!;
    this.started[i] = undefined;
    return p.finally(() => this.fill());
  }

  /** Aborts the downloads still running (the judging stopped: a refusal, an error). */
  stop(): void {
    this.abort.abort();
  }

  private sizeOf(i: number): number {
    const size = this.planned[i]!.record.size;
    return typeof size === 'number' && size > 0 ? size : this.maxArchiveSize;
  }

  private fill(): void {
    while (
      this.next < this.planned.length &&
      this.inFlight < DOWNLOADS_AHEAD &&
      (this.bytes === 0 || this.bytes + this.sizeOf(this.next) <= DOWNLOAD_BYTES_AHEAD)
    )
      this.start();
  }

  private start(): void {
    const i = this.next++;
    const { name, record, registry } = this.planned[i]!;
    const size = this.sizeOf(i);
    this.inFlight++;
    this.bytes += size;
    const p = fetchArchive(
      registry,
      name,
      record.version,
      this.maxArchiveSize,
      (n) => this.progress(i, n),
      this.signal,
    ).finally(() => {
      this.inFlight--;
      this.bytes -= size;
    });
    // Not awaited until its turn: a failure must not surface as an unhandled rejection before then.
    p.catch(() => undefined);
    for (const sig of record.signatures ?? [])
      registry.readSignature(name, record.version, sig).catch(() => undefined);
    this.started[i] = p;
  }
}

/**
 * Downloads each planned archive (hashing it as it arrives), judges it, and enforces both the checksums (the
 * host's own Layer 1 rule, whatever the policy says) and the decision. A checksum mismatch stops at once; policy
 * refusals are collected, so that one run shows every package the policy refuses, and then nothing is installed.
 */
async function judgePlan(
  req: InstallRequest,
  target: InstallTarget,
  plan: Map<string, PlannedPackage>,
  limits: ArchiveLimits,
): Promise<JudgedPackage[]> {
  const trust = req.env && !req.trust.env ? { ...req.trust, env: req.env } : req.trust;
  const out: JudgedPackage[] = [];
  const refused: PolicyRefusedError[] = [];
  const planned = [...plan.values()];
  // Downloads run ahead of the judging, a few at once (bounded in number and in bytes), so the network overlaps
  // the checks; packages are still judged, and their events told, one at a time in plan order.
  let current = -1;
  const downloads = new Downloads(planned, limits.maxArchiveSize, req.signal, (i, received) => {
    if (i !== current) return; // only the package being judged shows progress
    const { name, record } = planned[i]!;
    const position = { index: i + 1, total: planned.length };
    req.onEvent?.({
      $case: 'download-progress',
      name,
      version: record.version,
      ...position,
      received,
      size: record.size,
    });
  });
  try {
    for (const [i, p] of planned.entries()) {
      const { name, record, registry, meta, locked } = p;
      const id = `${name}@${record.version}`;
      const { version, size } = record;
      checkAbort(req.signal);
      current = i;
      const position = { index: i + 1, total: planned.length };
      req.onEvent?.({ $case: 'verifying', name, version, ...position, size });
      const archive = await downloads.take(i);
      const judgement = await judge(
        {
          name,
          version: record.version,
          archive,
          expected: record.checksum,
          registry: { registry, record, metadata: meta },
          ...(locked ? { locked } : {}),
        },
        trust,
      );
      const sameVersionLocked = locked?.version === record.version ? locked : undefined;
      assertChecksums(
        id,
        sameVersionLocked ? [sameVersionLocked.checksum, record.checksum] : [record.checksum],
        archive.actual,
      );
      req.onEvent?.({ $case: 'checksum-verified', name, version: record.version, checksum: archive.actual });
      const { facts, decision, attestationsChecked } = judgement;
      req.onEvent?.({
        $case: 'decided',
        name,
        version: record.version,
        facts,
        decision,
        ...(attestationsChecked ? { attestationsChecked: true } : {}),
      });
      if (decision.outcome === 'fail') {
        refused.push(new PolicyRefusedError(id, decision, facts));
        continue;
      }
      out.push({
        ...p,
        bytes: archive.bytes,
        actual: archive.actual,
        judgement,
        action: actionFor(req, target, p, archive.actual),
      });
    }
  } finally {
    downloads.stop(); // what still runs after a refusal or an error
  }
  if (refused.length === 1) throw refused[0]!;
  if (refused.length > 1) throw new InstallRefusedError(refused, plan.size);
  return out;
}

/** What installing this package does: nothing when its directory already holds exactly these bytes. */
function actionFor(
  req: InstallRequest,
  target: InstallTarget,
  p: PlannedPackage,
  actual: Checksum,
): PackageAction {
  // The directory must really hold the locked version: an install killed after its swap leaves newer files
  // under an older lock entry.
  const upToDate =
    p.locked?.version === p.record.version &&
    p.locked.checksum === actual &&
    installedManifest(installDir(target, p.name))?.version === p.record.version;
  const action: PackageAction = upToDate
    ? req.force
      ? 'reinstalled'
      : 'unchanged'
    : p.locked
      ? 'updated'
      : 'installed';
  return req.dryRun && action !== 'unchanged' ? 'would-install' : action;
}

/** The lock after this install: every judged package at its version, bytes, trusted signers and dependencies. */
function nextLock(lock: Lockfile, judged: JudgedPackage[]): Lockfile {
  const next: Lockfile = { ...emptyLock(), packages: { ...lock.packages } };
  const versionOf = new Map(judged.map((p) => [p.name, p.record.version]));
  for (const p of judged) {
    const deps = Object.fromEntries(
      Object.keys(p.record.dependencies ?? {}).map((d) => [d, versionOf.get(d)!]),
    );
    const trusted = trustedSigners(p.judgement.decision, p.judgement.facts);
    const seen = seenSigners(p.judgement.facts);
    next.packages[p.name] = {
      version: p.record.version,
      source: p.registry.name,
      checksum: p.actual,
      // Keep the signer trusted before when nobody is trusted now, so a dropped signature keeps warning.
      signatures: trusted.length > 0 ? trusted : (p.locked?.signatures ?? []),
      ...(seen.length ? { seen_signatures: seen } : {}),
      ...(Object.keys(deps).length ? { dependencies: deps } : {}),
      // Filled in from the extracted files when the package is (re)written.
      file_checksums: p.locked?.file_checksums ?? {},
    };
  }
  return next;
}

function assertFrozen(lock: Lockfile, next: Lockfile, judged: JudgedPackage[]): void {
  if (sameLockedPackages(lock, next, { withSigners: true })) return;
  const changed = judged
    .filter((p) => lock.packages[p.name]?.version !== p.record.version)
    .map((p) => `${p.name}@${p.record.version}`);
  throw new AamError(
    'LOCK_OUT_OF_DATE',
    `--frozen: the lock file would change (${changed.join(', ') || 'entries differ'}); run aam install without --frozen and commit the lock`,
  );
}

function resultOf(
  req: InstallRequest,
  target: InstallTarget,
  judged: JudgedPackage[],
  warnings: string[],
): InstallResult {
  return {
    target,
    lockfile: join(target.aamDir, 'aam-lock.yaml'),
    dryRun: req.dryRun ?? false,
    warnings,
    packages: judged.map((p) => ({
      name: p.name,
      version: p.record.version,
      source: p.registry.name,
      checksum: p.actual,
      action: p.action,
      path: installDir(target, p.name),
      decision: p.judgement.decision,
      // What the text output shows of each signature (who, which key, the log entry), for --json.
      signatures: p.judgement.facts.signatures,
      attestations: p.judgement.facts.attestations,
    })),
  };
}

/**
 * Extracts each archive into a staging directory in `base` (.aam/: the same file system, so the swap is a
 * rename), checks that it holds the package it claims, and records its files' checksums in the next lock.
 */
async function stage(
  base: string,
  toWrite: JudgedPackage[],
  next: Lockfile,
  limits: ArchiveLimits,
): Promise<string> {
  const staging = join(base, `.staging-${randomBytes(6).toString('hex')}`);
  await mkdir(join(staging, 'new'), { recursive: true });
  await mkdir(join(staging, 'old'));
  try {
    for (const p of toWrite) {
      const dir = join(staging, 'new', installDirName(p.name));
      await mkdir(dirname(dir), { recursive: true });
      const { manifest, fileChecksums } = await extractArchive(p.bytes, dir, limits);
      if (manifest.name !== p.name || manifest.version !== p.record.version) {
        throw new AamError(
          'INVALID_ARCHIVE',
          `Archive for ${p.name}@${p.record.version} contains ${manifest.name}@${manifest.version} (identity comes from aam.yaml inside the archive)`,
        );
      }
      // The dependencies were resolved from the registry's listing: it must say what the verified archive says
      // (a registry cannot drop a dependency, or narrow a range to an older version, unseen).
      const listed = dependencyDifference(p.record.dependencies, manifest.dependencies);
      if (listed)
        throw new AamError(
          'INVALID_REGISTRY',
          `Registry '${p.registry.name}' lists other dependencies for ${p.name}@${p.record.version} than its archive's aam.yaml: ${listed}`,
          { package: `${p.name}@${p.record.version}` },
          1,
        );
      next.packages[p.name]!.file_checksums = fileChecksums;
    }
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  return staging;
}

/** Where two dependency lists differ, in words; undefined when they are the same. */
function dependencyDifference(
  listed: Record<string, string> | undefined,
  declared: Record<string, string> | undefined,
): string | undefined {
  const a = Object.entries(listed ?? {});
  const b = new Map(Object.entries(declared ?? {}));
  for (const [dep, range] of a) {
    const d = b.get(dep);
    if (d === undefined) return `${dep}@${range} is not in aam.yaml`;
    if (d !== range) return `${dep}@${range} is ${dep}@${d} in aam.yaml`;
    b.delete(dep);
  }
  const [dep, range] = [...b][0] ?? [];
  return dep === undefined ? undefined : `${dep}@${range} from aam.yaml is not listed`;
}

/**
 * Renames each staged package into place (what was there goes aside into the staging area, as does the
 * directory an earlier aam gave a scoped package), then runs `commit` (the lock write). Any failure puts back
 * exactly what was there: the project is as it was.
 */
async function swapIn(
  target: InstallTarget,
  staging: string,
  toWrite: JudgedPackage[],
  commit: () => Promise<void>,
): Promise<void> {
  const createdPackagesDir = !existsSync(target.packagesDir);
  const moved: { from: string; to: string }[] = [];
  const move = async (from: string, to: string) => {
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    moved.push({ from, to });
  };
  try {
    for (const p of toWrite) {
      const path = installDir(target, p.name);
      const aside = join(staging, 'old', installDirName(p.name));
      if (existsSync(path)) await move(path, aside);
      const legacy = legacyInstallDir(target, p.name);
      if (legacy && installedManifest(legacy)?.name === p.name) await move(legacy, `${aside}.legacy`);
      await move(join(staging, 'new', installDirName(p.name)), path);
    }
    await commit();
  } catch (e) {
    for (const m of moved.reverse()) {
      await rm(m.from, { recursive: true, force: true }).catch(() => undefined);
      await rename(m.to, m.from).catch(() => undefined);
    }
    await rm(staging, { recursive: true, force: true });
    if (createdPackagesDir) await rm(target.packagesDir, { recursive: true, force: true });
    throw e;
  }
  await rm(staging, { recursive: true, force: true });
}

/**
 * Keeps the verified archives so `aam verify` can re-check signatures and policy offline. Best effort: a cache
 * that cannot be written only means verify downloads again.
 */
async function keepArchives(judged: JudgedPackage[], env?: NodeJS.ProcessEnv): Promise<void> {
  for (const p of judged) await cacheArchive(p.bytes, p.actual, env).catch(() => undefined);
}
