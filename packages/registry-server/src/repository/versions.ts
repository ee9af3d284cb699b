import type { Query, Row } from '../db.js';

export interface VersionRow extends Row {
  package: string;
  version: string;
  checksum: string;
  size: number;
  description: string;
  dependencies: string | null;
  published_at: string;
  publisher_id: string;
  auth_method: string;
  status: string;
  requested_tag: string;
  yanked: number;
  yank_reason: string | null;
  yanked_at: string | null;
  deprecated: string | null;
  audit_index: number;
}

export interface NewVersionRow {
  package: string;
  version: string;
  checksum: string;
  size: number;
  description: string;
  /** JSON, or null for none. */
  dependencies: string | null;
  publishedAt: string;
  publisherId: string;
  authMethod: string;
  status: string;
  requestedTag: string;
  auditIndex: number;
}

/** The `versions` table: every published version, whatever its approval status; never deleted. */
export class Versions {
  constructor(private readonly q: Query) {}

  async row(pkg: string, ver: string): Promise<VersionRow | undefined> {
    return this.q.get<VersionRow>('SELECT * FROM versions WHERE package = ? AND version = ?', pkg, ver);
  }

  /** A package's versions in publish order. */
  async inPublishOrder(pkg: string): Promise<VersionRow[]> {
    return this.q.all<VersionRow>(
      'SELECT * FROM versions WHERE package = ? ORDER BY published_at, version',
      pkg,
    );
  }

  /** Whether any version (of any status) names this archive: such a blob is never swept. */
  async anyWithChecksum(checksum: string): Promise<boolean> {
    return (
      (await this.q.get('SELECT 1 AS one FROM versions WHERE checksum = ? LIMIT 1', checksum)) !== undefined
    );
  }

  /** A package's versions in no particular order (callers sort them by SemVer). */
  async of(pkg: string): Promise<VersionRow[]> {
    return this.q.all<VersionRow>('SELECT * FROM versions WHERE package = ?', pkg);
  }

  /** How many approved versions the package has (pending and rejected ones aside). */
  async approvedCount(pkg: string): Promise<number> {
    const row = await this.q.get<{ n: number | string } & Row>(
      "SELECT COUNT(*) AS n FROM versions WHERE package = ? AND status = 'approved'",
      pkg,
    );
    return Number(row?.n ?? 0);
  }

  /** Whether any version of the package is approved (visible to everyone). */
  async anyApproved(pkg: string): Promise<boolean> {
    return !!(await this.q.get(
      "SELECT 1 AS x FROM versions WHERE package = ? AND status = 'approved' LIMIT 1",
      pkg,
    ));
  }

  /** The version published as number `core`, with or without build metadata (`1.0.0`, `1.0.0+b`), if any. */
  async withNumber(pkg: string, core: string): Promise<string | undefined> {
    return (
      await this.q.get<{ version: string } & Row>(
        'SELECT version FROM versions WHERE package = ? AND (version = ? OR substr(version, 1, ?) = ?)',
        pkg,
        core,
        core.length + 1,
        `${core}+`,
      )
    )?.version;
  }

  /** Every pending version, oldest first: the approval queue. */
  async pending(): Promise<VersionRow[]> {
    return this.q.all<VersionRow>(
      "SELECT * FROM versions WHERE status = 'pending' ORDER BY published_at, package, version",
    );
  }

  async insert(v: NewVersionRow): Promise<void> {
    await this.q.run(
      `INSERT INTO versions (package, version, checksum, size, description, dependencies, published_at,
         publisher_id, auth_method, status, requested_tag, audit_index)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      v.package,
      v.version,
      v.checksum,
      v.size,
      v.description,
      v.dependencies,
      v.publishedAt,
      v.publisherId,
      v.authMethod,
      v.status,
      v.requestedTag,
      v.auditIndex,
    );
  }

  async setStatus(pkg: string, ver: string, status: string): Promise<void> {
    await this.q.run('UPDATE versions SET status = ? WHERE package = ? AND version = ?', status, pkg, ver);
  }

  async yank(pkg: string, ver: string, reason: string | null, at: string): Promise<void> {
    await this.q.run(
      'UPDATE versions SET yanked = 1, yank_reason = ?, yanked_at = ? WHERE package = ? AND version = ?',
      reason,
      at,
      pkg,
      ver,
    );
  }

  async unyank(pkg: string, ver: string): Promise<void> {
    await this.q.run(
      'UPDATE versions SET yanked = 0, yank_reason = NULL, yanked_at = NULL WHERE package = ? AND version = ?',
      pkg,
      ver,
    );
  }

  async deprecate(pkg: string, ver: string, message: string): Promise<void> {
    await this.q.run(
      'UPDATE versions SET deprecated = ? WHERE package = ? AND version = ?',
      message,
      pkg,
      ver,
    );
  }

  async undeprecate(pkg: string, ver: string): Promise<void> {
    await this.q.run('UPDATE versions SET deprecated = NULL WHERE package = ? AND version = ?', pkg, ver);
  }
}
