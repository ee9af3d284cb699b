import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AamError } from '../errors.js';
import { sha256FileHex } from '../integrity/checksum.js';
import { readLock } from '../lock/lockfile.js';
import { packageDirName } from '../package/name.js';
import { installTarget } from './context.js';

export type FileStatus = 'ok' | 'modified' | 'missing' | 'untracked';

export interface PackageVerification {
  name: string;
  version: string;
  /** false when the lock has no per-file checksums (older installs): reported, not an error. */
  checksumsAvailable: boolean;
  files: { path: string; status: FileStatus }[];
  ok: boolean;
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(root, rel));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const st = await lstat(join(root, path));
    if (st.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out;
}

/** Re-hashes installed files against the lock's `file_checksums`: ok, modified, missing, untracked. */
export async function verifyInstalledFlow(opts: {
  projectDir: string;
  names?: string[];
  global?: boolean;
  env?: NodeJS.ProcessEnv;
}): Promise<PackageVerification[]> {
  const target = installTarget(opts.projectDir, opts.global ?? false, opts.env);
  const lock = readLock(target.aamDir);
  const names = opts.names?.length ? opts.names : Object.keys(lock.packages).sort();
  const out: PackageVerification[] = [];
  for (const name of names) {
    const entry = lock.packages[name];
    if (!entry)
      throw new AamError(
        'NOT_FOUND',
        `${name} is not installed (not in ${join(target.aamDir, 'aam-lock.yaml')})`,
      );
    const dir = join(target.packagesDir, packageDirName(name));
    const expected = entry.file_checksums;
    const checksumsAvailable = Object.keys(expected).length > 0;
    const onDisk = await listFiles(dir);
    const files: PackageVerification['files'] = [];
    for (const path of Object.keys(expected).sort()) {
      if (!onDisk.includes(path)) {
        files.push({ path, status: 'missing' });
        continue;
      }
      const st = await lstat(join(dir, path));
      const actual = st.isFile() ? await sha256FileHex(join(dir, path)) : '';
      files.push({ path, status: actual === expected[path] ? 'ok' : 'modified' });
    }
    if (checksumsAvailable) {
      for (const path of onDisk) if (!(path in expected)) files.push({ path, status: 'untracked' });
    }
    out.push({
      name,
      version: entry.version,
      checksumsAvailable,
      files,
      ok: files.every((f) => f.status === 'ok'),
    });
  }
  return out;
}
