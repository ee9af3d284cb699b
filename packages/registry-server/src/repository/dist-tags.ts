import type { Query, Row } from '../db.js';

/** The `dist_tags` table: named pointers (`latest`, `beta`) to a package's versions. */
export class DistTags {
  constructor(private readonly q: Query) {}

  /** A package's tags, by name. */
  async of(pkg: string): Promise<{ tag: string; version: string }[]> {
    return this.q.all<{ tag: string; version: string } & Row>(
      'SELECT tag, version FROM dist_tags WHERE package = ? ORDER BY tag',
      pkg,
    );
  }

  /** The version a tag points at, if the tag exists. */
  async versionOf(pkg: string, tag: string): Promise<string | undefined> {
    return (
      await this.q.get<{ version: string } & Row>(
        'SELECT version FROM dist_tags WHERE package = ? AND tag = ?',
        pkg,
        tag,
      )
    )?.version;
  }

  /** Points the tag at the version, creating the tag if needed. */
  async set(pkg: string, tag: string, version: string): Promise<void> {
    const changed = await this.q.run(
      'UPDATE dist_tags SET version = ? WHERE package = ? AND tag = ?',
      version,
      pkg,
      tag,
    );
    if (changed === 0)
      await this.q.run('INSERT INTO dist_tags (package, tag, version) VALUES (?, ?, ?)', pkg, tag, version);
  }

  async remove(pkg: string, tag: string): Promise<void> {
    await this.q.run('DELETE FROM dist_tags WHERE package = ? AND tag = ?', pkg, tag);
  }
}
