// The blob contract, on both its implementations: a directory (FileBlobStore) and an S3-compatible object
// store (S3BlobStore against a real SeaweedFS on loopback). Plus CheckedBlobs: no byte is served unchecked,
// and a store that is down is a 503 with Retry-After, never a pass or a 500.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seaweedSkipReason, startSeaweedFs, type SeaweedFs } from '../../../test/support/seaweedfs.mjs';
import { CheckedBlobs, FileBlobStore, RegistryError, S3BlobStore, type BlobStore } from '../dist/index.js';

const hexOf = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const readAll = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const contentsBytes = async (c: Buffer | Readable) => (Buffer.isBuffer(c) ? c : readAll(c));

let weed: SeaweedFs;
const dirs: string[] = [];
const s3Stores: S3BlobStore[] = [];

const skipS3 = seaweedSkipReason();
if (skipS3) process.stderr.write(`S3 blob tests skipped: ${skipS3}\n`);

beforeAll(async () => {
  if (!skipS3) weed = await startSeaweedFs();
}, 120_000);

afterAll(async () => {
  for (const s of s3Stores) s.close();
  await weed?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let prefixN = 0;
async function s3Store(prefix = 'registry'): Promise<S3BlobStore> {
  const s = weed.store(`${prefix}-${++prefixN}`);
  s3Stores.push(s);
  return s;
}

function fileStore(): FileBlobStore {
  const d = mkdtempSync(join(tmpdir(), 'aam-blobs-'));
  dirs.push(d);
  return new FileBlobStore(d);
}

const implementations: [string, () => Promise<BlobStore>][] = [
  ['directory', () => Promise.resolve(fileStore())],
  ...(skipS3 ? [] : [['S3 (SeaweedFS)', () => s3Store()] as [string, () => Promise<BlobStore>]]),
];

describe.each(implementations)('the blob contract: %s', (_name, make) => {
  it('put, has, get, stream, list, delete; a second put of the same key is a no-op', async () => {
    const store = await make();
    const a = randomBytes(3000);
    const b = randomBytes(2 * 1024 * 1024 + 17);
    const [ha, hb] = [hexOf(a), hexOf(b)];
    expect(await store.has(ha)).toBe(false);
    expect(await store.get(ha)).toBeUndefined();
    expect(await store.stream(ha)).toBeUndefined();
    await store.put(ha, a);
    await store.put(ha, a);
    await store.put(hb, b);
    expect(await store.has(ha)).toBe(true);
    expect((await store.get(ha))!.equals(a)).toBe(true);
    expect((await readAll((await store.stream(hb))!)).equals(b)).toBe(true);
    const listed = [];
    for await (const x of store.list()) listed.push(x);
    expect(listed.map((x) => x.hex).sort()).toEqual([ha, hb].sort());
    expect(listed.find((x) => x.hex === hb)!.size).toBe(b.length);
    for (const x of listed) expect(Date.now() - x.modified.getTime()).toBeLessThan(10 * 60_000);
    await store.delete(ha);
    await store.delete(ha);
    expect(await store.has(ha)).toBe(false);
    await store.ping();
  });

  it('refuses a key that is not a sha256 hex digest (no path or key injection)', async () => {
    const store = await make();
    for (const bad of ['../../etc/passwd', 'ab/..', 'A'.repeat(64), `${'a'.repeat(63)}/`, ''])
      await expect(store.put(bad, Buffer.from('x'))).rejects.toThrow(/not a sha256 hex digest/);
  });
});

describe.skipIf(skipS3)('S3BlobStore', () => {
  it('lists past one page (over 1,000 objects) and only its own prefix', async () => {
    const store = await s3Store('a');
    const other = new S3BlobStore({ ...store.opts, prefix: `${store.opts.prefix}b/` });
    s3Stores.push(other);
    const N = 1_005;
    const hexes: string[] = [];
    for (let i = 0; i < N; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, async (_, k) => {
          const bytes = Buffer.from(`blob ${i + k}`);
          hexes.push(hexOf(bytes));
          await store.put(hexOf(bytes), bytes);
        }),
      );
    await other.put(hexOf(Buffer.from('other')), Buffer.from('other'));
    const listed: string[] = [];
    for await (const x of store.list()) listed.push(x.hex);
    expect(listed.length).toBe(N);
    expect(new Set(listed)).toEqual(new Set(hexes));
  }, 120_000);

  it('without credentials, or with wrong ones, every call fails (never an anonymous write)', async () => {
    const good = await s3Store();
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    try {
      // From the standard variables (the SDK's chain), wrong: refused.
      process.env.AWS_ACCESS_KEY_ID = weed.accessKey;
      process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret';
      const { credentials: _, ...noCredentials } = good.opts;
      const bad = new S3BlobStore(noCredentials);
      s3Stores.push(bad);
      await expect(bad.ping()).rejects.toBeTruthy();
      await expect(bad.put(hexOf(Buffer.from('z')), Buffer.from('z'))).rejects.toBeTruthy();
      // Right ones from the same variables: accepted.
      process.env.AWS_SECRET_ACCESS_KEY = weed.secretKey;
      const right = new S3BlobStore(noCredentials);
      s3Stores.push(right);
      await right.ping();
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
    expect(await good.has(hexOf(Buffer.from('z')))).toBe(false);
  });
});

describe('CheckedBlobs', () => {
  it('a directory store whose file was replaced: refused at the first read, never streamed', async () => {
    const store = fileStore();
    const good = randomBytes(CheckedBlobs.CACHE_ITEM_MAX + 10);
    const hex = hexOf(good);
    const checked = new CheckedBlobs(store);
    await checked.put(hex, good);
    const path = join(store.dir, 'blobs', 'sha256', hex.slice(0, 2), hex);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, randomBytes(good.length));
    for (let i = 0; i < 2; i++)
      expect(((await checked.contents(hex).catch((e: unknown) => e)) as RegistryError).code).toBe(
        'archive_corrupt',
      );
  });

  it.skipIf(skipS3)(
    'serves nothing whose sha256 it has not checked: bytes swapped in the store are refused',
    async () => {
      const raw = await s3Store();
      const good = randomBytes(5000);
      const hex = hexOf(good);
      // An attacker with write access to the bucket puts other bytes under the key.
      await (
        raw as unknown as {
          client: { send(c: unknown): Promise<unknown> };
          s3: typeof import('@aws-sdk/client-s3');
        }
      ).client.send(
        new (raw as unknown as { s3: typeof import('@aws-sdk/client-s3') }).s3.PutObjectCommand({
          Bucket: raw.opts.bucket,
          Key: `${raw.opts.prefix}blobs/sha256/${hex.slice(0, 2)}/${hex}`,
          Body: randomBytes(5000),
        }),
      );
      const checked = new CheckedBlobs(raw);
      const err = await checked.contents(hex).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).code).toBe('archive_corrupt');
      expect(((await checked.contents(hex).catch((e: unknown) => e)) as RegistryError).code).toBe(
        'archive_corrupt',
      );
      // A publish of the right bytes writes them again (S3 puts never skip), which puts the key right.
      await checked.put(hex, good);
      expect((await contentsBytes(await checked.contents(hex))).equals(good)).toBe(true);
    },
  );

  it('checks a large blob once, then streams it', async () => {
    const store = fileStore();
    const checked = new CheckedBlobs(store);
    const big = randomBytes(CheckedBlobs.CACHE_ITEM_MAX + 1);
    const hex = hexOf(big);
    await store.put(hex, big);
    const first = await checked.contents(hex);
    expect(Buffer.isBuffer(first)).toBe(true);
    const second = await checked.contents(hex);
    expect(Buffer.isBuffer(second)).toBe(false);
    expect((await contentsBytes(second)).equals(big)).toBe(true);
  });

  it.skipIf(skipS3)(
    'a store that is down is a 503 with Retry-After, and works again when it is back',
    async () => {
      const store = await s3Store();
      const checked = new CheckedBlobs(store);
      const bytes = randomBytes(1000);
      const hex = hexOf(bytes);
      await weed.pause();
      try {
        const err = (await checked.put(hex, bytes).catch((e: unknown) => e)) as RegistryError;
        expect(err).toBeInstanceOf(RegistryError);
        expect(err.status).toBe(503);
        expect(err.code).toBe('storage_unavailable');
        expect(err.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
        expect(((await checked.contents(hex).catch((e: unknown) => e)) as RegistryError).status).toBe(503);
        await expect(checked.ping()).rejects.toBeTruthy();
      } finally {
        await weed.resume();
      }
      // Nothing restarted on this side: the same objects work again.
      await checked.put(hex, bytes);
      expect((await contentsBytes(await checked.contents(hex))).equals(bytes)).toBe(true);
    },
    120_000,
  );

  it('refuses to store bytes under another digest', async () => {
    const checked = new CheckedBlobs(fileStore());
    await expect(checked.put(hexOf(Buffer.from('a')), Buffer.from('b'))).rejects.toThrow(/do not hash/);
  });
});
