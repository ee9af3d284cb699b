import type { Query } from '../db.js';

/** The `approvals` table: each approver's decision on a pending version. */
export class Approvals {
  constructor(private readonly q: Query) {}

  async insert(a: {
    package: string;
    version: string;
    userId: string;
    decision: string;
    comment: string | null;
    at: string;
  }): Promise<void> {
    await this.q.run(
      'INSERT INTO approvals (package, version, user_id, decision, comment, at) VALUES (?, ?, ?, ?, ?, ?)',
      a.package,
      a.version,
      a.userId,
      a.decision,
      a.comment,
      a.at,
    );
  }
}
