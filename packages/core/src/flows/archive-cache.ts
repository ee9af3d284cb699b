import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { aamHome } from '../config/paths.js';
import { sha256, type Checksum } from '../integrity/checksum.js';

/** `$AAM_CACHE_DIR/archives` (default `$AAM_HOME/cache/archives`): verified archives by SHA-256, for `aam verify`. */
export function archiveCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.AAM_CACHE_DIR ? resolve(env.AAM_CACHE_DIR) : join(aamHome(env), 'cache'), 'archives');
}

const fileFor = (checksum: Checksum, env?: NodeJS.ProcessEnv): string =>
  join(archiveCacheDir(env), `${checksum.slice('sha256:'.length)}.aam`);

/** Stores a verified archive under its checksum (temp file + rename; a second writer is harmless). */
export async function cacheArchive(
  bytes: Buffer,
  checksum: Checksum,
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  const file = fileFor(checksum, env);
  if (existsSync(file)) return;
  await mkdir(archiveCacheDir(env), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

/**
 * The cached archive, re-hashed: a cache entry whose bytes changed is reported as its actual checksum. Read
 * synchronously (archives are small, and `aam verify` reads one per installed package in turn).
 */
export function readCachedArchive(
  checksum: Checksum,
  env?: NodeJS.ProcessEnv,
): { bytes: Buffer; actual: Checksum } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(fileFor(checksum, env));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return { bytes, actual: sha256(bytes) };
}
