import type { Query, Row } from '../db.js';

/** What a publish reads of the sweeps, before storing its blob and again under the write lock. */
export interface SweepMarker {
  /** The newest sweep's id (0: none ever). */
  last: number;
  /** Sweeps not finished: running, or crashed (until a later sweep closes them as stale). */
  running: number;
}

/**
 * The `blob_sweeps` table: one row per `aam registry gc` run that deletes. Rows are only ever inserted,
 * heartbeated and finished, each under the write lock, so ids grow in commit order and a finished row never runs
 * again. See `sweepBlobs` and `publish` for the protocol.
 */
export class Sweeps {
  constructor(private readonly q: Query) {}

  async marker(): Promise<SweepMarker> {
    const r = await this.q.get<{ last: number; running: number } & Row>(
      'SELECT COALESCE(MAX(id), 0) AS last, COALESCE(SUM(CASE WHEN finished_at IS NULL THEN 1 ELSE 0 END), 0) AS running FROM blob_sweeps',
    );
    return { last: Number(r?.last ?? 0), running: Number(r?.running ?? 0) };
  }

  /** Starts a sweep; returns its id. */
  async start(at: string): Promise<number> {
    await this.q.run('INSERT INTO blob_sweeps (started_at, heartbeat_at) VALUES (?, ?)', at, at);
    const r = await this.q.get<{ id: number } & Row>('SELECT MAX(id) AS id FROM blob_sweeps');
    return Number(r?.id);
  }

  /** Sweeps whose last sign of life is older than `before` are finished (their process is presumed gone). */
  async closeStale(before: string, at: string): Promise<number> {
    return this.q.run(
      'UPDATE blob_sweeps SET finished_at = ? WHERE finished_at IS NULL AND heartbeat_at < ?',
      at,
      before,
    );
  }

  async isRunning(id: number): Promise<boolean> {
    const r = await this.q.get('SELECT 1 AS one FROM blob_sweeps WHERE id = ? AND finished_at IS NULL', id);
    return r !== undefined;
  }

  async heartbeat(id: number, at: string): Promise<void> {
    await this.q.run('UPDATE blob_sweeps SET heartbeat_at = ? WHERE id = ?', at, id);
  }

  async finish(id: number, at: string): Promise<void> {
    await this.q.run('UPDATE blob_sweeps SET finished_at = ? WHERE id = ? AND finished_at IS NULL', at, id);
  }
}

/** Whether a sweep may have run between two markers (or still runs): then a publish re-checks its blob. */
export const sweptSince = (before: SweepMarker, now: SweepMarker): boolean =>
  before.running > 0 || now.running > 0 || now.last !== before.last;
