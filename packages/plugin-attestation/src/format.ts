/**
 * The registry attestation format (registry-anchors §5.5): an in-toto Statement v1 with the aam publish
 * predicate, in a DSSE envelope signed with the registry's ECDSA P-256 key. The one owner of the format: the
 * registry builds and signs with `publishStatement` and `signStatement`, clients parse with `parseEnvelope` and
 * `parseStatement`. Parsed strictly: an envelope that is not exactly what the producer writes (fields,
 * encodings, one signature) is refused, never repaired. Import it as `@aam/plugin-attestation/format`.
 */
import { sign, type KeyObject } from 'node:crypto';
import { SCANNER_NAME_RE, type PublishPolicyFact, type ScanFact } from '@aam/core/plugin';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const PUBLISH_PREDICATE = 'https://aam.dev/attestations/publish/v1';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** Envelopes larger than this are refused before parsing (a publish attestation is about 1 KiB). */
export const MAX_ENVELOPE_BYTES = 1 << 20;

/** A refusal with the reason and which check it is (`envelope`, `statement`). */
export class AttestationFormatError extends Error {
  constructor(
    message: string,
    readonly check: 'envelope' | 'statement',
  ) {
    super(message);
    this.name = 'AttestationFormatError';
  }
}

/** A DSSE envelope as the registry writes and serves it. */
export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of the statement's JSON bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export interface ParsedEnvelope {
  payloadType: string;
  /** The payload bytes (what the signature covers, inside the PAE). */
  payload: Buffer;
  keyid: string;
  /** The DER-encoded ECDSA signature. */
  sig: Buffer;
}

/** DSSE pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(payload)> <payload>` (lengths in bytes). */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_ID_RE = /^sha256:[0-9a-f]{64}$/;

/**
 * Standard base64 with padding, in its one canonical spelling: no whitespace, no URL-safe alphabet, no
 * non-zero padding bits. Anything else was re-encoded (or cut) on the way, and is refused.
 */
export function decodeCanonicalBase64(text: string): Buffer | undefined {
  if (text.length === 0 || !BASE64_RE.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Exactly these fields: names the extra and the missing ones. */
function exactFields(obj: Record<string, unknown>, fields: string[], what: string): void {
  const extra = Object.keys(obj).filter((k) => !fields.includes(k));
  const missing = fields.filter((k) => !(k in obj));
  if (extra.length)
    throw new AttestationFormatError(
      `${what} has unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}`,
      'envelope',
    );
  if (missing.length)
    throw new AttestationFormatError(
      `${what} lacks ${missing.map((k) => JSON.stringify(k)).join(', ')}`,
      'envelope',
    );
}

/** Parses a DSSE envelope exactly as the registry writes it: `{payloadType, payload, signatures: [{keyid, sig}]}`. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES)
    throw new AttestationFormatError(
      `the DSSE envelope is ${bytes.length} bytes (at most ${MAX_ENVELOPE_BYTES})`,
      'envelope',
    );
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new AttestationFormatError(
      `the DSSE envelope is not JSON (truncated?): ${e instanceof Error ? e.message : String(e)}`,
      'envelope',
    );
  }
  if (!isPlainObject(doc))
    throw new AttestationFormatError('the DSSE envelope is not a JSON object', 'envelope');
  exactFields(doc, ['payloadType', 'payload', 'signatures'], 'the DSSE envelope');
  if (doc.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new AttestationFormatError(
      `the DSSE payloadType is ${JSON.stringify(doc.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
      'envelope',
    );
  const payload = typeof doc.payload === 'string' ? decodeCanonicalBase64(doc.payload) : undefined;
  if (!payload)
    throw new AttestationFormatError(
      'the DSSE payload is not canonical base64 (the envelope was truncated or re-encoded)',
      'envelope',
    );
  if (!Array.isArray(doc.signatures))
    throw new AttestationFormatError('the DSSE signatures are not a list', 'envelope');
  if (doc.signatures.length !== 1)
    throw new AttestationFormatError(
      `the DSSE envelope has ${doc.signatures.length} signatures; a registry attestation has exactly one`,
      'envelope',
    );
  const s = doc.signatures[0] as unknown;
  if (!isPlainObject(s))
    throw new AttestationFormatError('the DSSE signature is not a JSON object', 'envelope');
  exactFields(s, ['keyid', 'sig'], 'the DSSE signature');
  if (typeof s.keyid !== 'string' || !KEY_ID_RE.test(s.keyid))
    throw new AttestationFormatError(
      `the DSSE signature's keyid ${JSON.stringify(s.keyid)} is not sha256:<64 lowercase hex>`,
      'envelope',
    );
  const sig = typeof s.sig === 'string' ? decodeCanonicalBase64(s.sig) : undefined;
  if (!sig)
    throw new AttestationFormatError(
      'the DSSE signature is not canonical base64 (the envelope was truncated or re-encoded)',
      'envelope',
    );
  return { payloadType: doc.payloadType, payload, keyid: s.keyid, sig };
}

/** What the publish statement says, once its shape is checked (its content is judged by the verifier). */
export interface PublishStatement {
  subject: { name: string; sha256: string };
  package: { name: string; version: string };
  publishedAt: string;
  audit: { origin: string; index: number };
  registryName?: string;
  predicate: Record<string, unknown>;
}

/** Parses the signed payload: an in-toto Statement v1, one subject, the aam publish predicate. */
export function parseStatement(payload: Uint8Array): PublishStatement {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (e) {
    throw new AttestationFormatError(
      `the signed payload is not JSON: ${e instanceof Error ? e.message : String(e)}`,
      'statement',
    );
  }
  const bad = (why: string): AttestationFormatError => new AttestationFormatError(why, 'statement');
  if (!isPlainObject(doc)) throw bad('the signed statement is not a JSON object');
  const extra = Object.keys(doc).filter(
    (k) => !['_type', 'subject', 'predicateType', 'predicate'].includes(k),
  );
  if (extra.length) throw bad(`the in-toto statement has unexpected field(s) ${extra.join(', ')}`);
  if (doc._type !== IN_TOTO_STATEMENT_V1)
    throw bad(`the statement's _type is ${JSON.stringify(doc._type)}, not ${IN_TOTO_STATEMENT_V1}`);
  if (doc.predicateType !== PUBLISH_PREDICATE)
    throw bad(
      `the statement's predicateType is ${JSON.stringify(doc.predicateType)}, not ${PUBLISH_PREDICATE}`,
    );
  if (!Array.isArray(doc.subject) || doc.subject.length !== 1)
    throw bad(
      `the statement has ${Array.isArray(doc.subject) ? doc.subject.length : 'no'} subjects; a publish attestation has exactly one`,
    );
  const subject = doc.subject[0] as unknown;
  if (!isPlainObject(subject) || typeof subject.name !== 'string' || !isPlainObject(subject.digest))
    throw bad('the statement subject has no name or digest');
  const sha = subject.digest.sha256;
  if (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha))
    throw bad('the statement subject has no sha256 digest (64 lowercase hex)');
  const p = doc.predicate;
  if (!isPlainObject(p)) throw bad('the statement has no predicate');
  const pkg = p.package;
  if (!isPlainObject(pkg) || typeof pkg.name !== 'string' || typeof pkg.version !== 'string')
    throw bad('the predicate does not name the package and version');
  if (typeof p.published_at !== 'string') throw bad('the predicate has no published_at');
  const audit = p.audit_log;
  if (
    !isPlainObject(audit) ||
    typeof audit.origin !== 'string' ||
    typeof audit.index !== 'number' ||
    !Number.isSafeInteger(audit.index) ||
    audit.index < 0
  )
    throw bad('the predicate has no audit_log {origin, index}');
  if (subject.name !== `pkg:aam/${pkg.name}@${pkg.version}`)
    throw bad(
      `the statement's subject ${JSON.stringify(subject.name)} is not the predicate's package pkg:aam/${pkg.name}@${pkg.version}`,
    );
  const registry =
    isPlainObject(p.registry) && typeof p.registry.name === 'string' ? p.registry.name : undefined;
  return {
    subject: { name: subject.name, sha256: sha },
    package: { name: pkg.name, version: pkg.version },
    publishedAt: p.published_at,
    audit: { origin: audit.origin, index: audit.index },
    ...(registry !== undefined ? { registryName: registry } : {}),
    predicate: p,
  };
}

/** Whether bytes look like an aam publish attestation (for `canVerify` when no type is declared). */
export function looksLikePublishAttestation(bytes: Uint8Array): boolean {
  if (bytes.length > MAX_ENVELOPE_BYTES) return false;
  try {
    const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    if (!isPlainObject(doc) || doc.payloadType !== IN_TOTO_PAYLOAD_TYPE || typeof doc.payload !== 'string')
      return false;
    const statement = JSON.parse(Buffer.from(doc.payload, 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    return isPlainObject(statement) && statement.predicateType === PUBLISH_PREDICATE;
  } catch {
    return false;
  }
}

/**
 * One scanner's result, as the publish attestation records it (`predicate.checks.scans[]`), and the publish policy
 * that decided (`predicate.checks.publish_policy`): exactly what the client's facts carry (facts/v1).
 */
export type ScanRecord = ScanFact;
export type PublishPolicyRecord = PublishPolicyFact;

/** What the registry's scans and publish policy said about a version: kept with it, and attested. */
export interface ScanEvidence {
  scans: ScanRecord[];
  publish_policy: PublishPolicyRecord;
}

/**
 * The scan evidence of a publish predicate: undefined when the registry recorded none (it did not scan when it
 * accepted this version), else checked field by field. Anything malformed is refused, never half-read.
 */
export function parseScanEvidence(predicate: Record<string, unknown>): ScanEvidence | undefined {
  const bad = (why: string): AttestationFormatError =>
    new AttestationFormatError(`the predicate's scan evidence ${why}`, 'statement');
  const checks = predicate.checks;
  if (!isPlainObject(checks) || (checks.scans === undefined && checks.publish_policy === undefined))
    return undefined;
  const { scans, publish_policy: policy } = checks;
  if (!Array.isArray(scans)) throw bad('has no list of scans');
  const records = scans.map((x: unknown): ScanRecord => {
    if (!isPlainObject(x) || typeof x.name !== 'string' || !SCANNER_NAME_RE.test(x.name))
      throw bad('names a scanner badly');
    if (typeof x.version !== 'string') throw bad(`gives no version for ${x.name}`);
    if (x.database !== null && typeof x.database !== 'string')
      throw bad(`gives a bad database for ${x.name}`);
    if (x.result !== 'clean' && x.result !== 'findings') throw bad(`gives ${x.name} no result`);
    if (!Array.isArray(x.findings)) throw bad(`gives ${x.name} no findings list`);
    const findings = x.findings.map((f: unknown) => {
      if (
        !isPlainObject(f) ||
        typeof f.rule !== 'string' ||
        typeof f.severity !== 'string' ||
        typeof f.path !== 'string' ||
        (f.line !== undefined && !Number.isSafeInteger(f.line))
      )
        throw bad(`has a malformed finding of ${x.name}`);
      return {
        rule: f.rule,
        severity: f.severity,
        path: f.path,
        ...(typeof f.line === 'number' ? { line: f.line } : {}),
      };
    });
    if ((x.result === 'clean') !== (findings.length === 0))
      throw bad(`says ${x.name} is ${x.result} with ${findings.length} findings`);
    return { name: x.name, version: x.version, database: x.database, result: x.result, findings };
  });
  if (new Set(records.map((r) => r.name)).size !== records.length) throw bad('names a scanner twice');
  if (
    !isPlainObject(policy) ||
    typeof policy.digest !== 'string' ||
    !/^sha256:[0-9a-f]{64}$/.test(policy.digest) ||
    (policy.decision !== 'accept' && policy.decision !== 'hold') ||
    !Array.isArray(policy.reasons) ||
    !policy.reasons.every((r) => typeof r === 'string')
  )
    throw bad('has no valid publish_policy {digest, decision, reasons}');
  return {
    scans: records,
    publish_policy: { digest: policy.digest, decision: policy.decision, reasons: policy.reasons as string[] },
  };
}

/** What the registry knows about an accepted version, for its publish statement. */
export interface PublishStatementInput {
  name: string;
  version: string;
  /** `sha256:<hex>` of the archive. */
  checksum: string;
  registry: { name: string; url?: string };
  publisher: { name: string; auth_method: string };
  /** The author signature the registry verified, or null when the version is unsigned. */
  signature: { type: string; identity?: string; fingerprint?: string } | null;
  approval: { approvers: string[]; at: string } | null;
  published_at: string;
  /** The audit log's origin and the index of the version's `package.publish` entry. */
  audit: { origin: string; index: number };
  /** The scans and publish decision, when the registry recorded them for this version. */
  evidence?: ScanEvidence;
}

/** The in-toto statement the registry signs for an accepted version (registry-anchors §5.5). */
export function publishStatement(i: PublishStatementInput) {
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [
      { name: `pkg:aam/${i.name}@${i.version}`, digest: { sha256: i.checksum.slice('sha256:'.length) } },
    ],
    predicateType: PUBLISH_PREDICATE,
    predicate: {
      registry: i.registry,
      package: { name: i.name, version: i.version },
      publisher: i.publisher,
      checks: {
        archive: 'passed',
        manifest: 'valid',
        checksum: i.checksum,
        author_signature: i.signature,
        ...(i.evidence ? { scans: i.evidence.scans, publish_policy: i.evidence.publish_policy } : {}),
      },
      approval: i.approval,
      published_at: i.published_at,
      audit_log: i.audit,
    },
  };
}

/**
 * Signs a statement: DSSE over its exact JSON bytes, ECDSA P-256 with SHA-256 (DER signature), one signature
 * named by the key's id (`sha256:<hex of the SPKI DER>`, `spkiKeyId` in @aam/core).
 */
export function signStatement(
  statement: unknown,
  key: { keyid: string; privateKey: KeyObject },
): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const sig = sign('sha256', pae(IN_TOTO_PAYLOAD_TYPE, payload), { key: key.privateKey, dsaEncoding: 'der' });
  return {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }],
  };
}
