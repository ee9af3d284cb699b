import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { join } from 'node:path';
import type { Lockfile } from '../lock/lockfile.js';
import { installDirName } from '../package/name.js';
import type { InstallTarget } from './context.js';
import { installDir, installedManifest } from './installed.js';

/**
 * An install killed at any moment leaves the project recoverable: before it moves anything it writes its intent
 * (which packages, which versions) into its staging directory, which also keeps every directory it moved aside.
 * The next install (under the project lock) puts back what the lock records, without the network; `aam verify`
 * says an install was interrupted. The lock file itself is written atomically: it is either the old or the new.
 */
export interface InstallIntent {
  name: string;
  /** The version being installed. */
  version: string;
}

const INTENT_FILE = 'intent.json';

export async function writeInstallIntent(staging: string, items: InstallIntent[]): Promise<void> {
  // Durable before anything moves: a crash right after must still find it whole.
  await writeFileAtomic(join(staging, INTENT_FILE), JSON.stringify(items), { encoding: 'utf8', fsync: true });
}

/** The packages whose directories a killed install moved aside (read from their own aam.yaml). */
function movedAside(staging: string): InstallIntent[] {
  const old = join(staging, 'old');
  if (!existsSync(old)) return [];
  const dirs = readdirSync(old).flatMap((n) =>
    n.startsWith('@') ? readdirSync(join(old, n)).map((m) => join(old, n, m)) : [join(old, n)],
  );
  return dirs.flatMap((d) => {
    const m = installedManifest(d);
    return m?.name && m.version ? [{ name: m.name, version: m.version }] : [];
  });
}

/** The staging directories killed installs left in `.aam/`. */
export function interruptedInstalls(target: InstallTarget): string[] {
  if (!existsSync(target.aamDir)) return [];
  return readdirSync(target.aamDir)
    .filter((n) => n.startsWith('.staging-'))
    .map((n) => join(target.aamDir, n));
}

/**
 * Puts the project back as the lock records it, for every package a killed install was writing: a package
 * whose directory holds another version than the lock gets back the directory moved aside (it holds the locked
 * version), one the lock does not know is removed. Then the staging directory goes. Call with the project lock
 * held (nobody else owns a staging directory then).
 */
export async function recoverInterruptedInstalls(target: InstallTarget, lock: Lockfile): Promise<string[]> {
  const repaired: string[] = [];
  for (const staging of interruptedInstalls(target)) {
    let intent: InstallIntent[] = [];
    try {
      const read = JSON.parse(readFileSync(join(staging, INTENT_FILE), 'utf8')) as unknown;
      if (Array.isArray(read)) intent = read as InstallIntent[];
    } catch {
      // Killed before it wrote its intent (it moved nothing yet), or the intent is unreadable: what was moved
      // aside still says which packages to look at.
    }
    for (const item of [...intent, ...movedAside(staging)]) {
      if (typeof item?.name !== 'string') continue;
      const dir = installDir(target, item.name);
      const locked = lock.packages[item.name];
      const held = installedManifest(dir);
      if (locked ? held?.version === locked.version : held === undefined) continue;
      if (locked) {
        const aside = join(staging, 'old', installDirName(item.name));
        const backup = [aside, `${aside}.legacy`].find(
          (b) => installedManifest(b)?.version === locked.version,
        );
        if (!backup) continue; // nothing to put back: the next install extracts it again
        await rm(dir, { recursive: true, force: true });
        await rename(backup, dir);
      } else if (held?.version === item.version) {
        await rm(dir, { recursive: true, force: true });
      } else continue;
      repaired.push(item.name);
    }
    await rm(staging, { recursive: true, force: true });
  }
  return repaired;
}
