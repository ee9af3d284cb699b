import { join } from 'node:path';
import { aamHome } from '../config/paths.js';
import type { LimitsConfig } from '../config/types.js';
import type { ArchiveLimits } from '../package/archive-rules.js';

/** Where a flow works: the project's `.aam/` or, with `--global`, `~/.aam/`. */
export interface InstallTarget {
  aamDir: string;
  packagesDir: string;
  global: boolean;
}

export function installTarget(
  projectDir: string,
  global: boolean,
  env: NodeJS.ProcessEnv = process.env,
): InstallTarget {
  const aamDir = global ? aamHome(env) : join(projectDir, '.aam');
  return { aamDir, packagesDir: join(aamDir, 'packages'), global };
}

export function archiveLimits(limits: LimitsConfig): ArchiveLimits {
  return {
    maxArchiveSize: limits.max_archive_size,
    maxUnpackedSize: limits.max_unpacked_size,
    maxEntries: limits.max_entries,
  };
}
