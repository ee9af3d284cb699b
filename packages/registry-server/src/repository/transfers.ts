import type { Query, Row } from '../db.js';

export interface TransferRow extends Row {
  package: string;
  from_user: string;
  to_user: string;
  status: string;
  expires_at: string;
}

/** A pending transfer with both users' names, as its parties list it. */
export interface PendingTransferRow extends Row {
  id: string;
  package: string;
  status: string;
  expires_at: string;
  from_name: string;
  to_name: string;
}

/** The `transfers` table: ownership offers, from an owner to another user, answered once. */
export class Transfers {
  constructor(private readonly q: Query) {}

  async get(id: string): Promise<TransferRow | undefined> {
    return this.q.get<TransferRow>(
      'SELECT package, from_user, to_user, status, expires_at FROM transfers WHERE id = ?',
      id,
    );
  }

  /** The pending offers a user made or received, oldest first. */
  async pendingFor(userId: string): Promise<PendingTransferRow[]> {
    return this.q.all<PendingTransferRow>(
      `SELECT t.id, t.package, t.status, t.expires_at, f.name AS from_name, u.name AS to_name
         FROM transfers t JOIN users f ON f.id = t.from_user JOIN users u ON u.id = t.to_user
        WHERE (t.to_user = ? OR t.from_user = ?) AND t.status = 'pending' ORDER BY t.created_at`,
      userId,
      userId,
    );
  }

  async insert(t: {
    id: string;
    package: string;
    fromUser: string;
    toUser: string;
    createdAt: string;
    expiresAt: string;
  }): Promise<void> {
    await this.q.run(
      'INSERT INTO transfers (id, package, from_user, to_user, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      t.id,
      t.package,
      t.fromUser,
      t.toUser,
      'pending',
      t.createdAt,
      t.expiresAt,
    );
  }

  async setStatus(id: string, status: 'accepted' | 'declined' | 'cancelled'): Promise<void> {
    await this.q.run('UPDATE transfers SET status = ? WHERE id = ?', status, id);
  }

  /** Cancels the pending offers a user made for a package (a removed owner's offers are void). */
  async cancelOffersFrom(pkg: string, userId: string): Promise<void> {
    await this.q.run(
      "UPDATE transfers SET status = 'cancelled' WHERE package = ? AND from_user = ? AND status = 'pending'",
      pkg,
      userId,
    );
  }
}
