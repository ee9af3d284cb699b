import { statSync } from 'node:fs';
import { AamError } from '../errors.js';
import { REGISTRY_BOUNDS } from './bounds.js';
import { parseChecksum } from '../integrity/checksum.js';
import { assertPackageName, assertVersion, packageDirName } from '../package/name.js';
import { checkSchema, readYamlFile, throwProblems } from '../yaml-file.js';
import type { PackageMetadata } from './types.js';
import { dict } from '../dict.js';

/**
 * Reads a registry's `metadata.yaml`. Registry data is untrusted input: a malformed checksum, a name that
 * is a path, or a version that is not SemVer is refused here, before anything acts on it.
 */
export function readPackageMetadata(file: string, expectedName: string): PackageMetadata {
  // Bounded before it is read: a huge file (or one that expands, see parseYaml) is refused at once.
  const size = statSync(file).size;
  if (size > REGISTRY_BOUNDS.metadataFileBytes)
    throw new AamError(
      'REGISTRY_TOO_LARGE',
      `${file} is ${size} bytes (at most ${REGISTRY_BOUNDS.metadataFileBytes}): refused before it was read`,
      { file },
    );
  const src = readYamlFile(file, 'INVALID_REGISTRY');
  const { errors } = checkSchema(src, 'metadata');
  if (errors.length > 0) throwProblems('INVALID_REGISTRY', `Invalid registry metadata ${file}`, errors);
  const raw = src.value as PackageMetadata;
  assertPackageName(raw.name);
  if (raw.name !== expectedName && packageDirName(raw.name) !== packageDirName(expectedName))
    throw new AamError('INVALID_REGISTRY', `${file} describes '${raw.name}', expected '${expectedName}'`);
  if (raw.name !== expectedName) {
    // `@a/b--c`, `@a--b/c` and `a--b--c` share a local registry directory (SPEC §1's `scope--name`): the
    // directory belongs to whoever published first, and the other names are refused, never confused with it.
    throw new AamError(
      'NAME_COLLISION',
      `${file} describes '${raw.name}', not '${expectedName}': the two names share this registry directory, which belongs to '${raw.name}'`,
      { package: expectedName, holder: raw.name, file },
    );
  }
  const counted = (what: string, n: number, max: number) => {
    if (n > max)
      throw new AamError('REGISTRY_TOO_LARGE', `${file} lists ${n} ${what} (at most ${max})`, { file });
  };
  counted('versions', raw.versions.length, REGISTRY_BOUNDS.versions);
  counted('dist-tags', Object.keys(raw.dist_tags ?? {}).length, REGISTRY_BOUNDS.distTags);
  for (const v of raw.versions) {
    counted(
      `dependencies of ${v.version}`,
      Object.keys(v.dependencies ?? {}).length,
      REGISTRY_BOUNDS.dependencies,
    );
    counted(`signatures of ${v.version}`, (v.signatures ?? []).length, REGISTRY_BOUNDS.signatures);
  }
  const versions = raw.versions.map((v) => {
    assertVersion(v.version);
    return {
      version: v.version,
      published: v.published ?? '',
      checksum: parseChecksum(v.checksum, `checksum of ${raw.name}@${v.version} in ${file}`),
      size: v.size,
      yanked: v.yanked ?? false,
      signatures: v.signatures ?? [],
      ...(v.dependencies ? { dependencies: dict(v.dependencies) } : {}),
    };
  });
  return {
    name: raw.name,
    description: raw.description ?? '',
    dist_tags: dict(raw.dist_tags ?? {}),
    versions,
  };
}
