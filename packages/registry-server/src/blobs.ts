import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** Content-addressed archive storage: `blobs/sha256/ab/<hex>`, written temp file + fsync + rename. */
export class BlobStore {
  constructor(readonly dir: string) {}

  private path(hex: string): string {
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256 hex digest: ${hex}`);
    return join(this.dir, 'blobs', 'sha256', hex.slice(0, 2), hex);
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

  open(hex: string): Readable {
    return createReadStream(this.path(hex));
  }

  /** Small archives from memory: blobs are immutable (content-addressed), so a cached copy is never stale. */
  private readonly cache = new Map<string, Buffer>();
  private cached = 0;
  static readonly CACHE_ITEM_MAX = 1024 * 1024;
  static readonly CACHE_TOTAL_MAX = 64 * 1024 * 1024;

  async read(hex: string): Promise<Buffer> {
    const hit = this.cache.get(hex);
    if (hit) {
      this.cache.delete(hex);
      this.cache.set(hex, hit);
      return hit;
    }
    const bytes = await readFile(this.path(hex));
    if (bytes.length <= BlobStore.CACHE_ITEM_MAX) {
      this.cache.set(hex, bytes);
      this.cached += bytes.length;
      for (const [k, v] of this.cache) {
        if (this.cached <= BlobStore.CACHE_TOTAL_MAX) break;
        this.cache.delete(k);
        this.cached -= v.length;
      }
    }
    return bytes;
  }
}
