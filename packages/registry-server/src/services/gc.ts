import type { BlobStore } from '../blobs/index.js';
import type { Db } from '../db.js';
import { Repository } from '../repository/index.js';

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
 * publish's blob write and its commit. Each batch is re-checked and deleted inside a write transaction, which
 * takes the same lock as a publish's commit; a publish re-stores its blob under that lock if it is gone
 * (`CheckedBlobs.ensureStored`), so a blob a committed version needs is never lost, whatever the timing.
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
  const flush = async () => {
    const candidates = batch;
    batch = [];
    if (!candidates.length) return;
    // A dry run deletes nothing, so it needs no lock: a read sees the same rows.
    const tx = opts.dryRun ? db.read.bind(db) : db.write.bind(db);
    const gone = await tx(async (q) => {
      const versions = new Repository(q).versions;
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
  for await (const b of store.list()) {
    report.scanned++;
    page.push(b);
    if (page.length >= 1000) await screen();
  }
  await screen();
  await flush();
  opts.progress?.(report.scanned, report.swept.length);
  return report;
}
