// An install's archives download ahead of the judging: several at once, never more than the window, never more
// bytes than the budget, and a failure surfaces at its package's turn (never as an unhandled rejection).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Downloads, type PlannedPackage } from '../src/flows/install.js';
import type { Registry } from '../src/registry/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A registry whose archives take `ms` to arrive; it counts the downloads in flight. */
function slowRegistry(ms: number, failing = new Set<string>()) {
  const stats = { inFlight: 0, most: 0, opened: [] as string[], signatures: 0 };
  const registry = {
    name: 'slow',
    async openArchive(name: string) {
      stats.opened.push(name);
      stats.inFlight++;
      stats.most = Math.max(stats.most, stats.inFlight);
      await sleep(ms);
      stats.inFlight--;
      if (failing.has(name)) throw new Error(`${name}: connection reset`);
      return Readable.from([Buffer.from(`archive of ${name}`)]);
    },
    async readSignature() {
      stats.signatures++;
      return new Uint8Array();
    },
  } as unknown as Registry;
  return { registry, stats };
}

const plan = (registry: Registry, n: number, size = 1000): PlannedPackage[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `p${i}`,
    registry,
    meta: {} as PlannedPackage['meta'],
    record: {
      version: '1.0.0',
      size,
      checksum: 'sha256:' as never,
      signatures: [{ file: 'x.sig', type: 'gpg' }],
    } as unknown as PlannedPackage['record'],
  }));

describe('the download window of an install', () => {
  it('downloads up to 8 at once, in plan order, each archive whole and hashed', async () => {
    const { registry, stats } = slowRegistry(30);
    const planned = plan(registry, 20);
    const d = new Downloads(planned, 1 << 20, undefined, () => undefined);
    const t0 = Date.now();
    for (let i = 0; i < planned.length; i++) {
      const a = await d.take(i);
      expect(a.bytes.toString()).toBe(`archive of p${i}`);
      expect(a.actual).toBe(`sha256:${createHash('sha256').update(`archive of p${i}`).digest('hex')}`);
    }
    expect(stats.most).toBe(8);
    expect(stats.opened).toEqual(planned.map((p) => p.name));
    expect(stats.signatures).toBe(20); // each version's signatures asked for beside its archive
    // 20 downloads of 30 ms, 8 at a time: about 3 rounds, far from 20 in a row.
    expect(Date.now() - t0).toBeLessThan(20 * 30);
  });

  it('holds no more than 16 MiB of declared sizes ahead (one archive at least)', async () => {
    const { registry, stats } = slowRegistry(10);
    const planned = plan(registry, 6, 9 << 20);
    const d = new Downloads(planned, 1 << 30, undefined, () => undefined);
    for (let i = 0; i < planned.length; i++) await d.take(i);
    expect(stats.most).toBe(1);
  });

  it('a version that declares no size downloads alone (it counts as the largest archive allowed)', async () => {
    const { registry, stats } = slowRegistry(10);
    const planned = plan(registry, 4, 0);
    const d = new Downloads(planned, 50 << 20, undefined, () => undefined);
    for (let i = 0; i < planned.length; i++) await d.take(i);
    expect(stats.most).toBe(1);
  });

  it('stop() aborts the downloads still running', async () => {
    const aborted: string[] = [];
    const registry = {
      name: 'hanging',
      openArchive: (name: string) =>
        Promise.resolve(
          new Readable({
            read() {
              // never sends a byte
            },
            destroy(err, cb) {
              aborted.push(name);
              cb(err);
            },
          }),
        ),
      readSignature: async () => new Uint8Array(),
    } as unknown as Registry;
    const d = new Downloads(plan(registry, 3), 1 << 20, undefined, () => undefined);
    await sleep(20);
    d.stop();
    await sleep(20);
    expect(aborted.sort()).toEqual(['p0', 'p1', 'p2']);
  });

  it('a failed download fails at its turn, and the others still arrive', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { registry } = slowRegistry(5, new Set(['p2']));
      const planned = plan(registry, 5);
      const d = new Downloads(planned, 1 << 20, undefined, () => undefined);
      await sleep(50); // p2 has failed by now, long before anyone asks for it
      await expect(d.take(0)).resolves.toBeDefined();
      await expect(d.take(1)).resolves.toBeDefined();
      await expect(d.take(2)).rejects.toThrow(/p2/);
      await expect(d.take(3)).resolves.toBeDefined();
      await sleep(10);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
