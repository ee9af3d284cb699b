import { existsSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { AamError } from '../errors.js';
import {
  checkSchema,
  problemAt,
  parseYaml,
  readYamlFile,
  throwProblems,
  type SourceProblem,
  type YamlSource,
} from '../yaml-file.js';
import { isSemver, PACKAGE_NAME_RE } from './name.js';

export const MANIFEST_FILE = 'aam.yaml';
export const ARTIFACT_KINDS = ['agents', 'skills', 'prompts', 'instructions'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export interface ManifestArtifact {
  name: string;
  path: string;
  description: string;
}

/** `aam.yaml` (SPEC §1). */
export interface Manifest {
  name: string;
  version: string;
  description: string;
  artifacts: Partial<Record<ArtifactKind, ManifestArtifact[]>>;
  author?: string;
  license?: string;
  repository?: string;
  keywords?: string[];
  dependencies?: Record<string, string>;
}

function isInside(rel: string): boolean {
  if (rel.startsWith('/') || rel.startsWith('\\') || /^[A-Za-z]:/.test(rel)) return false;
  return !rel.split(/[\\/]+/).some((seg) => seg === '..');
}

function semanticProblems(src: YamlSource, root?: string): SourceProblem[] {
  const m = src.value as Manifest;
  const problems: SourceProblem[] = [];
  if (!isSemver(m.version)) {
    problems.push(
      problemAt(
        src,
        ['version'],
        `'${m.version}' is not SemVer 2.0 (MAJOR.MINOR.PATCH[-PRE][+BUILD], no 'v')`,
      ),
    );
  }
  let count = 0;
  for (const kind of ARTIFACT_KINDS) {
    (m.artifacts[kind] ?? []).forEach((a, i) => {
      count++;
      if (!isInside(a.path)) {
        problems.push(
          problemAt(
            src,
            ['artifacts', kind, i, 'path'],
            `'${a.path}' must be a relative path inside the package`,
          ),
        );
      } else if (root && !existsSync(join(root, a.path))) {
        problems.push(
          problemAt(src, ['artifacts', kind, i, 'path'], `'${a.path}' does not exist in the package`),
        );
      }
    });
  }
  if (count === 0)
    problems.push(
      problemAt(
        src,
        ['artifacts'],
        'declare at least one artifact (agents, skills, prompts or instructions)',
      ),
    );
  for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
    if (!PACKAGE_NAME_RE.test(dep))
      problems.push(problemAt(src, ['dependencies', dep], `'${dep}' is not a package name`));
    else if (semver.validRange(range) === null)
      problems.push(problemAt(src, ['dependencies', dep], `'${range}' is not a version range`));
  }
  return problems;
}

/** Validates manifest YAML; with `root`, also checks that artifact paths exist. Throws INVALID_MANIFEST. */
export function validateManifestSource(src: YamlSource, root?: string): Manifest {
  if (typeof src.value !== 'object' || src.value === null || Array.isArray(src.value)) {
    throwProblems('INVALID_MANIFEST', 'Invalid manifest', [
      problemAt(src, [], 'the manifest must be a YAML mapping'),
    ]);
  }
  // Unknown manifest keys are errors too: a typo in `dependencies` must not pass silently.
  const { errors, warnings } = checkSchema(src, 'manifest');
  const all = [...errors, ...warnings.map((w) => ({ ...w, message: 'unknown key' }))];
  if (all.length === 0) all.push(...semanticProblems(src, root));
  if (all.length > 0) throwProblems('INVALID_MANIFEST', `Invalid manifest ${src.file}`, all);
  return src.value as Manifest;
}

/** Reads and validates `<dir>/aam.yaml`. */
export function loadManifest(dir: string): Manifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new AamError('INVALID_MANIFEST', `No ${MANIFEST_FILE} in ${dir}: run 'aam pkg init' to create one`);
  }
  return validateManifestSource(readYamlFile(file, 'INVALID_MANIFEST'), dir);
}

/** Validates manifest text read from inside an archive (artifact paths checked against its entries). */
export function parseManifestText(text: string, label: string): Manifest {
  return validateManifestSource(parseYaml(text, label, 'INVALID_MANIFEST'));
}
