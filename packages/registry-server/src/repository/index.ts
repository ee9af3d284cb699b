import type { Query } from '../db.js';
import { Approvals } from './approvals.js';
import { AttestationKeys } from './attestation-keys.js';
import { Attestations } from './attestations.js';
import { AuditLogRows } from './audit-log.js';
import { DistTags } from './dist-tags.js';
import { Owners } from './owners.js';
import { Packages } from './packages.js';
import { Scans } from './scans.js';
import { Settings } from './settings.js';
import { Signatures } from './signatures.js';
import { Sweeps } from './sweeps.js';
import { Tokens } from './tokens.js';
import { Transfers } from './transfers.js';
import { Users } from './users.js';
import { Versions } from './versions.js';

export type { EntryFilter, EntryRow } from './audit-log.js';
export type { VersionRow } from './versions.js';
export { sweptSince, type SweepMarker } from './sweeps.js';
export type { AttestationKeys, Tokens };

/**
 * All the registry's SQL, by table, over one connection or transaction (`Db.read`/`Db.write` give the `Query`).
 * Written once with `?` placeholders for SQLite and PostgreSQL alike. The audit log's own tree and head are
 * `AuditLog`'s (audit.ts).
 */
export class Repository {
  readonly users: Users;
  readonly tokens: Tokens;
  readonly packages: Packages;
  readonly owners: Owners;
  readonly versions: Versions;
  readonly signatures: Signatures;
  readonly attestations: Attestations;
  readonly attestationKeys: AttestationKeys;
  readonly distTags: DistTags;
  readonly approvals: Approvals;
  readonly transfers: Transfers;
  readonly auditLog: AuditLogRows;
  readonly settings: Settings;
  readonly scans: Scans;
  readonly sweeps: Sweeps;

  constructor(q: Query) {
    this.users = new Users(q);
    this.tokens = new Tokens(q);
    this.packages = new Packages(q);
    this.owners = new Owners(q);
    this.versions = new Versions(q);
    this.signatures = new Signatures(q);
    this.attestations = new Attestations(q);
    this.attestationKeys = new AttestationKeys(q);
    this.distTags = new DistTags(q);
    this.approvals = new Approvals(q);
    this.transfers = new Transfers(q);
    this.auditLog = new AuditLogRows(q);
    this.settings = new Settings(q);
    this.scans = new Scans(q);
    this.sweeps = new Sweeps(q);
  }
}
