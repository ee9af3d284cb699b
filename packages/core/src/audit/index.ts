/**
 * Client-side verification of an HTTP registry's audit log (audit-log design §3.4, §4.7): the last verified
 * checkpoint per registry, consistency with every new one, inclusion of every entry shown.
 */
export { auditStateDir, checkpointStatePath, readStoredCheckpoint } from './state.js';
export { HttpAuditLogSource, type AuditLogSource, type ServedEntry } from './source.js';
export { verifyAuditLogHead, type HeadRelation, type VerifiedHead, type VerifyHeadRequest } from './head.js';
export {
  canonicalJson,
  encodeAuditEntry,
  MAX_AUDIT_ENTRY_BYTES,
  packageOfTarget,
  parseAuditEntry,
  versionOfTarget,
  versionTarget,
  type AuditEntryBody,
  type AuditEvent,
  type AuditEventName,
} from './format.js';
export { provePublishEntry, type PublishClaim } from './publish-proof.js';
export {
  auditEntrySubject,
  formatAuditTimestamp,
  verifiedPackageEntries,
  type AuditEntry,
  type PackageAuditLog,
} from './entries.js';
export { packageAuditLog, type PackageAuditReport } from './package-log.js';
export { auditLogFact } from './version-fact.js';
export {
  advanceLogView,
  foldEntry,
  readLogView,
  servedStateProblems,
  writeLogView,
  type LogView,
  type PackageState,
  type VersionState,
} from './log-view.js';
