import semver from 'semver';
import { AamError } from '../errors.js';
import type { VersionSelector } from '../package/name.js';
import type { PackageMetadata, VersionRecord } from './types.js';

/**
 * A registry that knows the name but shows no installable version (pending approval, rejected, hidden) holds
 * the name: the install stops there rather than take it from another registry (dependency confusion).
 */
export function assertInstallable(meta: PackageMetadata, registry: string): void {
  if (meta.hidden)
    throw new AamError(
      'NOT_INSTALLABLE',
      `${meta.name} exists in registry '${registry}' with no installable version (pending approval, rejected or hidden): it is not taken from any other registry`,
      { package: meta.name, registry },
    );
}

/**
 * Picks the version a selector means: an exact version (even if yanked, as npm does: the caller warns), the
 * highest non-yanked version in a range, or the version a dist-tag points at unless it was yanked since
 * (`latest` then falls back to the highest non-yanked version; any other tag is refused).
 */
export function selectVersion(meta: PackageMetadata, selector: VersionSelector): VersionRecord {
  const byVersion = new Map(meta.versions.map((v) => [v.version, v]));
  switch (selector.$case) {
    case 'version': {
      const v = byVersion.get(selector.version);
      if (!v) throw noMatch(meta, `version ${selector.version}`);
      return v;
    }
    case 'tag': {
      const target = Object.hasOwn(meta.dist_tags, selector.tag) ? meta.dist_tags[selector.tag] : undefined;
      if (target === undefined) {
        if (selector.tag === 'latest') return highest(meta, '*');
        throw noMatch(meta, `tag '${selector.tag}'`);
      }
      const v = byVersion.get(target);
      if (!v)
        throw new AamError(
          'INVALID_REGISTRY',
          `Tag '${selector.tag}' of ${meta.name} points to ${target}, which is not published`,
        );
      if (v.yanked) {
        if (selector.tag === 'latest') return highest(meta, '*');
        throw noMatch(meta, `tag '${selector.tag}' (it points to ${target}, which is yanked)`);
      }
      return v;
    }
    case 'range':
      return highest(meta, selector.range);
  }
}

function highest(meta: PackageMetadata, range: string): VersionRecord {
  const candidates = meta.versions.filter((v) => !v.yanked).map((v) => v.version);
  const best = semver.maxSatisfying(candidates, range);
  if (best === null) throw noMatch(meta, range === '*' ? 'any version' : `range ${range}`);
  return meta.versions.find((v) => v.version === best)!;
}

function noMatch(meta: PackageMetadata, what: string): AamError {
  const available = meta.versions.map((v) => v.version + (v.yanked ? ' (yanked)' : '')).join(', ') || 'none';
  return new AamError('NO_MATCHING_VERSION', `No ${what} of ${meta.name} (available: ${available})`, {
    package: meta.name,
  });
}
