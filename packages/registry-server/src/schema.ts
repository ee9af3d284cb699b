/**
 * Schema migrations for SQLite and PostgreSQL. Written once with `{BLOB}`/`{BIG}` placeholders; ids are
 * random text (no sequences: an audit index must never come from one, and nothing else needs one).
 */
export interface Migration {
  id: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}

const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const V1 = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE TABLE tokens (
     id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), name TEXT NOT NULL,
     token_sha256 TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, scopes TEXT NOT NULL, packages TEXT NOT NULL,
     created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT, last_used_at TEXT)`,
  `CREATE TABLE packages (
     name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE TABLE owners (
     package TEXT NOT NULL REFERENCES packages(name), user_id TEXT NOT NULL REFERENCES users(id),
     PRIMARY KEY (package, user_id))`,
  `CREATE TABLE versions (
     package TEXT NOT NULL REFERENCES packages(name), version TEXT NOT NULL, checksum TEXT NOT NULL,
     size {BIG} NOT NULL, description TEXT NOT NULL, dependencies TEXT, published_at TEXT NOT NULL,
     publisher_id TEXT NOT NULL REFERENCES users(id), auth_method TEXT NOT NULL, status TEXT NOT NULL,
     requested_tag TEXT NOT NULL, yanked INTEGER NOT NULL DEFAULT 0, yank_reason TEXT, yanked_at TEXT,
     deprecated TEXT, audit_index {BIG} NOT NULL,
     PRIMARY KEY (package, version))`,
  `CREATE TABLE signatures (
     package TEXT NOT NULL, version TEXT NOT NULL, type TEXT NOT NULL, content {BLOB} NOT NULL,
     identity TEXT, fingerprint TEXT, PRIMARY KEY (package, version, type),
     FOREIGN KEY (package, version) REFERENCES versions(package, version))`,
  `CREATE TABLE dist_tags (
     package TEXT NOT NULL REFERENCES packages(name), tag TEXT NOT NULL, version TEXT NOT NULL,
     PRIMARY KEY (package, tag))`,
  `CREATE TABLE approvals (
     package TEXT NOT NULL, version TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id),
     decision TEXT NOT NULL, comment TEXT, at TEXT NOT NULL, PRIMARY KEY (package, version, user_id))`,
  `CREATE TABLE transfers (
     id TEXT PRIMARY KEY, package TEXT NOT NULL REFERENCES packages(name), from_user TEXT NOT NULL,
     to_user TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
  `CREATE TABLE audit_entries (
     idx {BIG} PRIMARY KEY, body {BLOB} NOT NULL, leaf_hash {BLOB} NOT NULL, event TEXT NOT NULL,
     package TEXT, actor TEXT NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE INDEX audit_entries_package ON audit_entries (package, idx)`,
  `CREATE TABLE audit_nodes (
     level INTEGER NOT NULL, idx {BIG} NOT NULL, hash {BLOB} NOT NULL, PRIMARY KEY (level, idx))`,
  `CREATE TABLE audit_state (
     id INTEGER PRIMARY KEY, size {BIG} NOT NULL, root {BLOB} NOT NULL, checkpoint TEXT NOT NULL)`,
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

const V2 = [
  `CREATE TABLE attestation_keys (
     keyid TEXT PRIMARY KEY, pem TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, retired_at TEXT)`,
  `CREATE TABLE attestations (
     package TEXT NOT NULL, version TEXT NOT NULL, keyid TEXT NOT NULL, envelope TEXT NOT NULL,
     created_at TEXT NOT NULL, PRIMARY KEY (package, version),
     FOREIGN KEY (package, version) REFERENCES versions(package, version))`,
];

const V3 = [
  `CREATE TABLE version_scans (
     package TEXT NOT NULL, version TEXT NOT NULL, report TEXT NOT NULL, PRIMARY KEY (package, version),
     FOREIGN KEY (package, version) REFERENCES versions(package, version))`,
];

/**
 * The blob sweep (`aam registry gc`): for each stored blob, whether a version names it; and each sweep's row,
 * which publishes read to know whether a sweep may have deleted their blob while they were in flight.
 */
const V4 = (id: string) => [
  'CREATE INDEX versions_by_checksum ON versions (checksum)',
  `CREATE TABLE blob_sweeps (
     id ${id}, started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, finished_at TEXT)`,
];

export const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'registry, owners, approvals, transfers, tokens and the audit log',
    sqlite: [
      ...V1.map((s) => s.replace(/\{BLOB\}/g, 'BLOB').replace(/\{BIG\}/g, 'INTEGER')),
      `INSERT INTO audit_state (id, size, root, checkpoint) VALUES (0, 0, X'${EMPTY_ROOT_HEX}', '')`,
    ],
    postgres: [
      ...V1.map((s) => s.replace(/\{BLOB\}/g, 'BYTEA').replace(/\{BIG\}/g, 'BIGINT')),
      `INSERT INTO audit_state (id, size, root, checkpoint) VALUES (0, 0, decode('${EMPTY_ROOT_HEX}', 'hex'), '')`,
    ],
  },
  { id: 2, name: 'registry attestations and their keys', sqlite: V2, postgres: V2 },
  { id: 3, name: "each version's scan results and publish decision", sqlite: V3, postgres: V3 },
  {
    id: 4,
    name: 'the blob sweep: versions by checksum, sweeps in progress',
    sqlite: V4('INTEGER PRIMARY KEY AUTOINCREMENT'),
    postgres: V4('BIGSERIAL PRIMARY KEY'),
  },
];
