import type { Query, Row } from '../db.js';

export interface PackageRow extends Row {
  name: string;
  description: string;
  created_at: string;
}

/** The `packages` table: one row per package name, created by its first publish. */
export class Packages {
  constructor(private readonly q: Query) {}

  async get(name: string): Promise<PackageRow | undefined> {
    return this.q.get<PackageRow>('SELECT name, description, created_at FROM packages WHERE name = ?', name);
  }

  async exists(name: string): Promise<boolean> {
    return !!(await this.q.get('SELECT name FROM packages WHERE name = ?', name));
  }

  /**
   * Packages with an approved version whose name or description contains `text` (case-insensitively on both
   * databases; `%` and `_` in the text are literal), by name, after `after`: `limit` rows at most, each with the
   * version its `latest` tag points at.
   */
  async search(
    text: string,
    after: string,
    limit: number,
  ): Promise<{ name: string; description: string; latest: string | null }[]> {
    const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.q.all<{ name: string; description: string; latest: string | null } & Row>(
      `SELECT p.name, p.description, t.version AS latest FROM packages p
         LEFT JOIN dist_tags t ON t.package = p.name AND t.tag = 'latest'
        WHERE (LOWER(p.name) LIKE ? ESCAPE '\\' OR LOWER(p.description) LIKE ? ESCAPE '\\') AND p.name > ?
          AND EXISTS (SELECT 1 FROM versions v WHERE v.package = p.name AND v.status = 'approved')
        ORDER BY p.name LIMIT ?`,
      pattern,
      pattern,
      after,
      limit,
    );
  }

  async insert(name: string, description: string, createdAt: string): Promise<void> {
    await this.q.run(
      'INSERT INTO packages (name, description, created_at) VALUES (?, ?, ?)',
      name,
      description,
      createdAt,
    );
  }

  async setDescription(name: string, description: string): Promise<void> {
    await this.q.run('UPDATE packages SET description = ? WHERE name = ?', description, name);
  }
}
