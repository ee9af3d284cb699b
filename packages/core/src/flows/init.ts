import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { AamError } from '../errors.js';
import { MANIFEST_FILE, type Manifest } from '../package/manifest.js';
import { assertPackageName, assertVersion } from '../package/name.js';

export interface InitRequest {
  dir: string;
  name?: string;
  version?: string;
  description?: string;
  force?: boolean;
}

/** Writes a starter `aam.yaml` and one example skill, so `aam pkg pack` works straight away. */
export async function initPackageFlow(
  req: InitRequest,
): Promise<{ manifestPath: string; manifest: Manifest; created: string[] }> {
  const dir = resolve(req.dir);
  const manifestPath = join(dir, MANIFEST_FILE);
  if (existsSync(manifestPath) && !req.force) {
    throw new AamError('USAGE', `${manifestPath} already exists (use --force to overwrite it)`);
  }
  const name =
    req.name ??
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
  assertPackageName(name);
  const version = req.version ?? '0.1.0';
  assertVersion(version);
  const skill = name.split('/').pop()!;
  const manifest: Manifest = {
    name,
    version,
    description: req.description ?? `The ${skill} package`,
    artifacts: { skills: [{ name: skill, path: `skills/${skill}`, description: `What ${skill} does` }] },
  };
  const created: string[] = [];
  const skillFile = join(dir, 'skills', skill, 'SKILL.md');
  if (!existsSync(skillFile)) {
    await mkdir(join(dir, 'skills', skill), { recursive: true });
    await writeFile(skillFile, `# ${skill}\n\nDescribe the skill here.\n`);
    created.push(skillFile);
  }
  await writeFile(manifestPath, stringify(manifest));
  created.unshift(manifestPath);
  return { manifestPath, manifest, created };
}
