import type { Query, Row } from '../db.js';

/** The `owners` table: who may publish, tag, yank and hand over each package. */
export class Owners {
  constructor(private readonly q: Query) {}

  /** The owners' user ids (none: no such package). */
  async of(pkg: string): Promise<string[]> {
    return (
      await this.q.all<{ user_id: string } & Row>('SELECT user_id FROM owners WHERE package = ?', pkg)
    ).map((r) => r.user_id);
  }

  /** The owners' user names, sorted. */
  async namesOf(pkg: string): Promise<string[]> {
    return (
      await this.q.all<{ name: string } & Row>(
        'SELECT u.name FROM owners o JOIN users u ON u.id = o.user_id WHERE o.package = ? ORDER BY u.name',
        pkg,
      )
    ).map((r) => r.name);
  }

  /** The user ids owning any package in `scope` (`@acme/`). */
  async ofScope(scope: string): Promise<string[]> {
    // An exact prefix comparison: LIKE would read '_' in a scope name as a wildcard.
    return (
      await this.q.all<{ user_id: string } & Row>(
        'SELECT DISTINCT o.user_id FROM owners o WHERE substr(o.package, 1, ?) = ?',
        scope.length,
        scope,
      )
    ).map((r) => r.user_id);
  }

  async add(pkg: string, userId: string): Promise<void> {
    await this.q.run('INSERT INTO owners (package, user_id) VALUES (?, ?)', pkg, userId);
  }

  async remove(pkg: string, userId: string): Promise<void> {
    await this.q.run('DELETE FROM owners WHERE package = ? AND user_id = ?', pkg, userId);
  }
}
