import { randomUUID } from 'node:crypto';
import { mkdir, open, opendir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { checkKey, SHA256_HEX, type BlobInfo, type BlobStore } from './contract.js';

const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** Archives in a directory: `blobs/sha256/ab/<hex>`, written temp file + fsync + rename + directory fsync. */
export class FileBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  private path(hex: string): string {
    return join(this.dir, 'blobs', 'sha256', checkKey(hex).slice(0, 2), hex);
  }

  async has(hex: string): Promise<boolean> {
    try {
      return (await stat(this.path(hex))).isFile();
    } catch {
      return false;
    }
  }

  /** Idempotent: the same bytes always land at the same key; a crash leaves at most a temp file. */
  async put(hex: string, bytes: Buffer): Promise<void> {
    const dest = this.path(hex);
    if (await this.has(hex)) return;
    await mkdir(join(dest, '..'), { recursive: true });
    const tmp = `${dest}.${process.pid}.${randomUUID()}.tmp`;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    // The rename itself must survive a power loss before the version that names this blob commits.
    const dir = await open(join(dest, '..'), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async get(hex: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(hex));
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  }

  async stream(hex: string): Promise<Readable | undefined> {
    const path = this.path(hex);
    // Opened before it is handed out, so an absent blob is undefined rather than a stream that errors later.
    const fh = await open(path, 'r').catch((e: unknown) => {
      if (missing(e)) return undefined;
      throw e;
    });
    return fh?.createReadStream();
  }

  async *list(): AsyncIterable<BlobInfo> {
    const root = join(this.dir, 'blobs', 'sha256');
    let fans;
    try {
      fans = await opendir(root);
    } catch (e) {
      if (missing(e)) return;
      throw e;
    }
    for await (const fan of fans) {
      if (!fan.isDirectory() || !/^[0-9a-f]{2}$/.test(fan.name)) continue;
      for await (const f of await opendir(join(root, fan.name))) {
        // Temp files of a write in progress (or a crashed one) are not blobs: their name says so.
        if (!f.isFile() || !SHA256_HEX.test(f.name) || f.name.slice(0, 2) !== fan.name) continue;
        const s = await stat(join(root, fan.name, f.name)).catch(() => undefined);
        if (s) yield { hex: f.name, size: s.size, modified: s.mtime };
      }
    }
  }

  async delete(hex: string): Promise<void> {
    await rm(this.path(hex), { force: true });
  }

  async ping(): Promise<void> {
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await stat(join(this.dir, 'blobs', 'sha256'));
  }
}
