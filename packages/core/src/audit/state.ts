import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { aamHome } from '../config/paths.js';
import { lockDirectory } from '../directory-lock.js';

/**
 * What a client remembers of a registry's audit log: the last checkpoint it verified, as the raw signed note
 * (`$AAM_HOME/audit/<registry name>/checkpoint`). It only ever moves forward, and only after a verified
 * consistency proof; a failure leaves it untouched.
 */
export function auditStateDir(registry: string, env: NodeJS.ProcessEnv = process.env): string {
  // Registry names are `[A-Za-z0-9][A-Za-z0-9._-]*` (config schema): a plain directory name.
  return join(aamHome(env), 'audit', registry);
}

export function checkpointStatePath(registry: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(auditStateDir(registry, env), 'checkpoint');
}

/** The stored checkpoint note, or undefined before the first verified visit. */
export function readStoredCheckpoint(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const file = checkpointStatePath(registry, env);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export interface CheckpointState {
  /** The stored note, read under the lock. */
  stored: string | undefined;
  path: string;
  /** Replaces the stored note atomically (temp file + fsync + rename). */
  write(note: string): Promise<void>;
}

/**
 * Runs `fn` with the registry's checkpoint state locked, so two aam processes verifying at once cannot lose an
 * update or move the state backwards: each reads the other's result before comparing.
 */
export async function withCheckpointState<T>(
  registry: string,
  env: NodeJS.ProcessEnv,
  fn: (state: CheckpointState) => Promise<T>,
): Promise<T> {
  const dir = auditStateDir(registry, env);
  mkdirSync(dir, { recursive: true });
  const release = await lockDirectory(
    dir,
    '.lock',
    `Another aam is checking the audit log of '${registry}'`,
    60_000,
  );
  try {
    const path = checkpointStatePath(registry, env);
    return await fn({
      stored: existsSync(path) ? readFileSync(path, 'utf8') : undefined,
      path,
      write: (note) => writeFileAtomic(path, note, { encoding: 'utf8', mode: 0o644, fsync: true }),
    });
  } finally {
    await release().catch(() => undefined);
  }
}

/** Keeps the evidence of a misbehaving log beside the state (best effort); returns the file written. */
export async function saveEvidence(
  registry: string,
  env: NodeJS.ProcessEnv,
  text: string,
): Promise<string | undefined> {
  const file = join(
    auditStateDir(registry, env),
    `evidence-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`,
  );
  try {
    await writeFile(file, text, { encoding: 'utf8', mode: 0o644, flag: 'wx' });
    return file;
  } catch {
    return undefined;
  }
}
