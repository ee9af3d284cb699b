import type { Query, Row } from '../db.js';

/** The `users` table: accounts, by id and by name. */
export class Users {
  constructor(private readonly q: Query) {}

  /** Whether any user exists (a registry without one has not been bootstrapped). */
  async any(): Promise<boolean> {
    return !!(await this.q.get('SELECT id FROM users LIMIT 1'));
  }

  async nameOf(id: string): Promise<string | undefined> {
    return (await this.q.get<{ name: string } & Row>('SELECT name FROM users WHERE id = ?', id))?.name;
  }

  async byName(name: string): Promise<{ id: string; name: string } | undefined> {
    return this.q.get<{ id: string; name: string } & Row>('SELECT id, name FROM users WHERE name = ?', name);
  }

  async insert(u: { id: string; name: string; role: string; createdAt: string }): Promise<void> {
    await this.q.run(
      'INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)',
      u.id,
      u.name,
      u.role,
      u.createdAt,
    );
  }
}
