import semver from 'semver';
import { AamError } from '../errors.js';

export const PACKAGE_NAME_RE = /^(@[a-z0-9][a-z0-9_-]{0,63}\/)?[a-z0-9][a-z0-9-]{0,63}$/;
/** SemVer 2.0.0's own regular expression (semver.org), so build metadata is kept and a `v` prefix refused. */
export const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function isSemver(v: unknown): v is string {
  return typeof v === 'string' && SEMVER_RE.test(v);
}

/** Dist-tag names: lowercase letters, digits and hyphens, at most 32, and never a version. */
export const TAG_RE = /^[a-z][a-z0-9-]{0,31}$/;
const RESERVED_TAGS = new Set(['all', 'true', 'false']);

/** Throws INVALID_NAME unless `name` is `@scope/name` or `name` per SPEC §1. */
export function assertPackageName(name: string): void {
  if (!PACKAGE_NAME_RE.test(name)) {
    throw new AamError(
      'INVALID_NAME',
      `Invalid package name '${name}': expected 'name' or '@scope/name' (lowercase letters, digits, '-'; scope may also use '_')`,
      { name },
    );
  }
}

/** Throws INVALID_VERSION unless `version` is SemVer 2.0 without a leading `v`. */
export function assertVersion(version: string): void {
  if (!isSemver(version)) {
    throw new AamError(
      'INVALID_VERSION',
      `Invalid version '${String(version)}': expected SemVer 2.0 such as 1.2.3 (no 'v' prefix)`,
      { version },
    );
  }
}

export function assertTag(tag: string): void {
  if (!TAG_RE.test(tag) || RESERVED_TAGS.has(tag) || isSemver(tag)) {
    throw new AamError(
      'INVALID_SPEC',
      `Invalid tag name '${tag}': use lowercase letters, digits and '-', at most 32 characters, not a version`,
      { tag },
    );
  }
}

/**
 * `@scope/name` -> `scope--name`: a package's directory in a local registry (SPEC §1). Not injective (`@a/b--c`,
 * `@a--b/c` and `a--b--c` all map to `a--b--c`), so a local registry checks whose directory it is before it
 * reads or writes one; installs use `installDirName`.
 */
export function packageDirName(name: string): string {
  assertPackageName(name);
  return name.startsWith('@') ? name.slice(1).replace('/', '--') : name;
}

/**
 * Where an installed package lives under `.aam/packages/`: `name`, or `@scope/name` (a folder per scope, as npm
 * does). Injective: an unscoped name never holds `@` or `/`, and a scope never `/`, so two names never share a
 * directory.
 */
export function installDirName(name: string): string {
  assertPackageName(name);
  return name;
}

/**
 * The install directory an earlier aam gave a scoped package (`scope--name`, like the registry's): it may still
 * hold that package, and an unscoped name can be spelled to land on it.
 */
export function legacyInstallDirName(name: string): string | undefined {
  return name.startsWith('@') ? packageDirName(name) : undefined;
}

/** `@scope/name` + `1.0.0` -> `scope-name-1.0.0.aam`. */
export function archiveFileName(name: string, version: string): string {
  assertPackageName(name);
  const flat = name.startsWith('@') ? name.slice(1).replace('/', '-') : name;
  return `${flat}-${version}.aam`;
}

export type VersionSelector =
  { $case: 'version'; version: string } | { $case: 'range'; range: string } | { $case: 'tag'; tag: string };

export interface PackageSpec {
  name: string;
  selector: VersionSelector;
  raw: string;
}

/** Parses `NAME`, `NAME@VERSION`, `NAME@RANGE` or `NAME@TAG` (SPEC §1). A bare name means tag `latest`. */
export function parsePackageSpec(raw: string): PackageSpec {
  const at = raw.lastIndexOf('@');
  const hasSelector = at > 0;
  const name = hasSelector ? raw.slice(0, at) : raw;
  const sel = hasSelector ? raw.slice(at + 1).trim() : '';
  try {
    assertPackageName(name);
  } catch {
    throw new AamError(
      'INVALID_SPEC',
      `Invalid package spec '${raw}': '${name}' is not a package name ('name' or '@scope/name')`,
      { spec: raw },
    );
  }
  if (!hasSelector) return { name, selector: { $case: 'tag', tag: 'latest' }, raw };
  if (sel === '') throw new AamError('INVALID_SPEC', `Invalid package spec '${raw}': nothing after '@'`);
  if (isSemver(sel)) return { name, selector: { $case: 'version', version: sel }, raw };
  if (TAG_RE.test(sel) && semver.validRange(sel) === null) {
    return { name, selector: { $case: 'tag', tag: sel }, raw };
  }
  if (semver.validRange(sel) !== null) return { name, selector: { $case: 'range', range: sel }, raw };
  throw new AamError(
    'INVALID_SPEC',
    `Invalid package spec '${raw}': '${sel}' is neither a version, a range (^1.2.0, ~1.2, >=1 <2) nor a tag`,
    { spec: raw },
  );
}

/** SemVer precedence (build metadata ignored), for sorting versions. */
export function compareSemver(a: string, b: string): number {
  return semver.compare(a, b);
}
