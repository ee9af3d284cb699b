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
   * Packages with an approved version whose name or description contains `text`, by name, after `after`:
   * `limit` rows at most.
   */
  async search(text: string, after: string, limit: number): Promise<{ name: string; description: string }[]> {
    return this.q.all<{ name: string; description: string } & Row>(
      `SELECT p.name, p.description FROM packages p
        WHERE (p.name LIKE ? OR p.description LIKE ?) AND p.name > ?
          AND EXISTS (SELECT 1 FROM versions v WHERE v.package = p.name AND v.status = 'approved')
        ORDER BY p.name LIMIT ?`,
      `%${text}%`,
      `%${text}%`,
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
