import type { Query, Row } from '../db.js';

export interface EntryRow extends Row {
  idx: number;
  body: Buffer;
  leaf_hash: Buffer;
}

/** Which entries to list: all filters optional, `afterIndex` for the next page. */
export interface EntryFilter {
  package?: string | undefined;
  event?: string | undefined;
  actor?: string | undefined;
  afterIndex?: number | undefined;
}

/**
 * The audit log's tables as readers see them: entries for listing and the start-up self-check. Appending and
 * proofs are `AuditLog`'s (audit.ts), which owns the tree.
 */
export class AuditLogRows {
  constructor(private readonly q: Query) {}

  /** Entries matching the filter, by index: `limit` rows at most. */
  async entries(filter: EntryFilter, limit: number): Promise<EntryRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.package) {
      where.push('package = ?');
      params.push(filter.package);
    }
    if (filter.event) {
      where.push('event = ?');
      params.push(filter.event);
    }
    if (filter.actor) {
      where.push('actor = ?');
      params.push(filter.actor);
    }
    if (filter.afterIndex !== undefined) {
      where.push('idx > ?');
      params.push(filter.afterIndex);
    }
    return this.q.all<EntryRow>(
      `SELECT idx, body, leaf_hash FROM audit_entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY idx LIMIT ?`,
      ...params,
      limit,
    );
  }

  async entry(index: number): Promise<EntryRow | undefined> {
    return this.q.get<EntryRow>('SELECT idx, body, leaf_hash FROM audit_entries WHERE idx = ?', index);
  }

  /** Entries `from` ≤ index < `to`, each with its level-0 tree node (null when missing). */
  async entriesWithLeafNodes(from: number, to: number): Promise<(EntryRow & { node: Buffer | null })[]> {
    return this.q.all<EntryRow & { node: Buffer | null }>(
      `SELECT e.idx, e.body, e.leaf_hash, n.hash AS node FROM audit_entries e
         LEFT JOIN audit_nodes n ON n.level = 0 AND n.idx = e.idx
        WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx`,
      from,
      to,
    );
  }

  async entryCount(): Promise<number> {
    return Number((await this.q.get('SELECT COUNT(*) AS n FROM audit_entries'))?.n ?? 0);
  }

  /** Stores the head's checkpoint (the empty log's, signed at the first start). */
  async storeCheckpoint(checkpoint: string): Promise<void> {
    await this.q.run('UPDATE audit_state SET checkpoint = ? WHERE id = 0', checkpoint);
  }
}
