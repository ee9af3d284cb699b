import type { BlobStore } from '../blobs/index.js';
import type { Db } from '../db.js';
import { Repository } from '../repository/index.js';
import { now } from './context.js';

/** A sweep that has shown no sign of life for this long is presumed dead, and closed by the next one. */
const STALE_SWEEP_MS = 15 * 60_000;

export interface SweepOptions {
  /** Only blobs written before this instant are candidates (a publish in flight has just written its blob). */
  olderThan: Date;
  /** List what would be removed, remove nothing. */
  dryRun: boolean;
  /** Called after each batch: blobs seen so far, and swept (or, dry, sweepable) so far. */
  progress?: (seen: number, swept: number) => void;
}

export interface SweepReport {
  /** Blobs in the store. */
  scanned: number;
  /** Blobs some version names (kept). */
  referenced: number;
  /** Unnamed blobs younger than the cut-off (kept). */
  recent: number;
  /** Unnamed blobs removed (or, with dryRun, that would be). */
  swept: { hex: string; size: number; modified: string }[];
  bytes: number;
  dryRun: boolean;
}

const BATCH = 200;

/**
 * `aam registry gc`: removes blobs no version names, left by a crash (or a refused database write) between a
 * publish's blob write and its commit. The protocol with publishes, so that a blob a committed version needs is
 * never lost, whatever the timing:
 * - the sweep records itself (a `blob_sweeps` row, running) before it deletes anything, and deletes only inside
 *   write transactions (the lock a publish commits under) that first check that row is still running;
 * - a publish reads the sweeps' marker before it stores its blob and again under the lock: if any sweep ran, or
 *   runs, in between, it checks its blob and stores it again if it is gone (`CheckedBlobs.ensureStored`).
 * A sweep that crashed stays "running" (publishes then always check) until a later sweep closes it as stale; a
 * sweep closed while it was only slow finds its row finished at its next batch and stops before deleting.
 */
export async function sweepBlobs(db: Db, store: BlobStore, opts: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = {
    scanned: 0,
    referenced: 0,
    recent: 0,
    swept: [],
    bytes: 0,
    dryRun: opts.dryRun,
  };
  let batch: { hex: string; size: number; modified: Date }[] = [];
  // A dry run deletes nothing: no sweep row, no lock (a read sees the same rows).
  let sweep: number | undefined;
  const begin = async () => {
    if (opts.dryRun || sweep !== undefined) return;
    sweep = await db.write(async (q) => {
      const sweeps = new Repository(q).sweeps;
      await sweeps.closeStale(new Date(Date.now() - STALE_SWEEP_MS).toISOString(), now());
      return sweeps.start(now());
    });
  };
  const flush = async () => {
    const candidates = batch;
    batch = [];
    if (!candidates.length) return;
    await begin();
    const tx = opts.dryRun ? db.read.bind(db) : db.write.bind(db);
    const gone = await tx(async (q) => {
      const repo = new Repository(q);
      const versions = repo.versions;
      if (sweep !== undefined) {
        if (!(await repo.sweeps.isRunning(sweep)))
          throw new Error(
            `blob sweep ${sweep} was closed as stale by another sweep while it paused; stopped before deleting`,
          );
        await repo.sweeps.heartbeat(sweep, now());
      }
      const out: typeof candidates = [];
      for (const b of candidates) {
        if (await versions.anyWithChecksum(`sha256:${b.hex}`)) {
          report.referenced++;
          continue;
        }
        if (!opts.dryRun) await store.delete(b.hex);
        out.push(b);
      }
      return out;
    });
    for (const b of gone) {
      report.swept.push({ hex: b.hex, size: b.size, modified: b.modified.toISOString() });
      report.bytes += b.size;
    }
    opts.progress?.(report.scanned, report.swept.length);
  };
  // Named blobs are the common case: one read per page of the listing filters them out before any lock.
  let page: { hex: string; size: number; modified: Date }[] = [];
  const screen = async () => {
    const listed = page;
    page = [];
    const named = await db.read(async (q) => {
      const versions = new Repository(q).versions;
      const hits = new Set<string>();
      for (const b of listed) if (await versions.anyWithChecksum(`sha256:${b.hex}`)) hits.add(b.hex);
      return hits;
    });
    for (const b of listed) {
      if (named.has(b.hex)) report.referenced++;
      else if (b.modified >= opts.olderThan) report.recent++;
      else batch.push(b);
      if (batch.length >= BATCH) await flush();
    }
  };
  try {
    for await (const b of store.list()) {
      report.scanned++;
      page.push(b);
      if (page.length >= 1000) await screen();
    }
    await screen();
    await flush();
  } finally {
    // Done (or failed): this sweep deletes nothing more, so publishes need not check for it. If the database
    // is down this fails too, and a later sweep closes the row as stale.
    if (sweep !== undefined) {
      const id = sweep;
      await db.write((q) => new Repository(q).sweeps.finish(id, now())).catch(() => undefined);
    }
  }
  opts.progress?.(report.scanned, report.swept.length);
  return report;
}
