import type { Query, Row } from '../db.js';

/** The `settings` table: values fixed at the first start (the registry's name, the log's origin). */
export class Settings {
  constructor(private readonly q: Query) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.q.get<{ value: string } & Row>('SELECT value FROM settings WHERE key = ?', key);
    return row ? String(row.value) : undefined;
  }

  async insert(key: string, value: string): Promise<void> {
    await this.q.run('INSERT INTO settings (key, value) VALUES (?, ?)', key, value);
  }
}
