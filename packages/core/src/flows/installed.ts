import { join } from 'node:path';
import { installDirName, legacyInstallDirName } from '../package/name.js';
import { readYamlFile } from '../yaml-file.js';
import type { InstallTarget } from './context.js';

/** Where a package is installed: `.aam/packages/<name>` or `.aam/packages/@scope/name`. */
export const installDir = (target: InstallTarget, name: string): string =>
  join(target.packagesDir, installDirName(name));

/** Where an earlier aam installed a scoped package (`.aam/packages/scope--name`), if it is scoped. */
export function legacyInstallDir(target: InstallTarget, name: string): string | undefined {
  const legacy = legacyInstallDirName(name);
  return legacy === undefined ? undefined : join(target.packagesDir, legacy);
}

/** The name and version an installed package directory really holds (its own aam.yaml), if readable. */
export function installedManifest(dir: string): { name?: string; version?: string } | undefined {
  try {
    const v = readYamlFile(join(dir, 'aam.yaml'), 'INVALID_MANIFEST').value as Record<string, unknown> | null;
    if (!v || typeof v !== 'object') return {};
    return {
      ...(typeof v.name === 'string' ? { name: v.name } : {}),
      ...(typeof v.version === 'string' ? { version: v.version } : {}),
    };
  } catch {
    return undefined;
  }
}
