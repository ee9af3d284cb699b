import { createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  HttpAuditLogSource,
  provePublishEntry,
  verifyAuditLogHead,
  type AuditLogSource,
  type VerifiedHead,
} from '@aam/core/audit';
import type {
  ArtifactRef,
  RegistryConfig,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  VerifyContext,
} from '@aam/core/plugin';
import { HttpRegistry, pinnedKeyPath, readPinnedAttestationKey } from '@aam/core/registry';
import { parseVerifierKey } from '@aam/core/tlog';
import {
  AttestationFormatError,
  looksLikePublishAttestation,
  pae,
  parseEnvelope,
  parseScanEvidence,
  parseStatement,
  type PublishPolicyRecord,
  type PublishStatement,
  type ScanRecord,
} from './format.js';

export const REGISTRY_ATTESTATION = 'registry-attestation';

/** What the verifier learned about one registry attestation (facts/v1 `attestations[]`). */
export interface RegistryAttestationFact extends SignatureFact {
  type: typeof REGISTRY_ATTESTATION;
  registry: string;
  /** `sha256:<hex>` the statement's subject names. */
  subject_digest?: string;
  name?: string;
  version?: string;
  key_id?: string;
  /** The index of the version's `package.publish` entry in the registry's audit log. */
  audit_index?: number;
  /** What the registry's scanners found (absent: it recorded no scans for this version). */
  scans?: ScanRecord[];
  /** The registry's publish policy: its digest and decision (`accept`, or `hold` then approved). */
  publish_policy?: PublishPolicyRecord;
  /** Who approved the version, when the registry waited for an approver. */
  approved_by?: string[];
}

export interface AttestationVerifierOptions {
  /** aam's home: pinned keys are read from `<home>/registry-keys/<registry>/<hex>.pem`. */
  home: string;
  /** The configured registries: each one's pinned `attestation_keys` and `checkpoint_key`. */
  registries: RegistryConfig[];
  /** Environment for the audit-log state (`$AAM_HOME/audit/<registry>/checkpoint`); default: AAM_HOME = home. */
  env?: NodeJS.ProcessEnv;
  /** Where a registry's audit log is read from; default: its HTTP API. */
  logSource?: (registry: RegistryConfig) => AuditLogSource;
}

/** A refusal: which check failed and why. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly check: string,
  ) {
    super(message);
  }
}

interface RegistryLog {
  source: AuditLogSource;
  /** The last checkpoint verified in this process (under the pinned key, consistent with the stored one). */
  head?: Promise<VerifiedHead>;
}

/**
 * Verifies registry attestations: a DSSE envelope (parsed strictly) signed with an ECDSA P-256 key pinned for
 * the registry the package came from, over an in-toto statement whose one subject is these exact bytes and
 * whose publish predicate names this package and version and the audit-log entry of its publish, which must
 * be proven (inclusion proof) in the registry's log as this client verified it. Never decides trust: the
 * policy does (`trust_registry_attestations`, `trusted_registries`).
 */
export class RegistryAttestationVerifier implements SignatureVerifier {
  readonly type = REGISTRY_ATTESTATION;
  private readonly keys = new Map<string, KeyObject>();
  private readonly logs = new Map<string, RegistryLog>();
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly opts: AttestationVerifierOptions) {
    this.env = opts.env ?? { ...process.env, AAM_HOME: opts.home };
  }

  canVerify(sig: SignatureDocument): boolean {
    if (sig.declaredType !== undefined) return sig.declaredType === REGISTRY_ATTESTATION;
    return looksLikePublishAttestation(sig.bytes);
  }

  async verify(artifact: ArtifactRef, sig: SignatureDocument, ctx: VerifyContext): Promise<SignatureFact> {
    const fact: RegistryAttestationFact = {
      type: REGISTRY_ATTESTATION,
      valid: false,
      errors: [],
      registry: ctx.registry ?? '',
    };
    try {
      await this.check(artifact, sig, ctx, fact);
      return { ...fact, valid: true, errors: [] };
    } catch (e) {
      const check = e instanceof Refusal || e instanceof AttestationFormatError ? e.check : 'attestation';
      return {
        ...fact,
        valid: false,
        errors: [e instanceof Error ? e.message : String(e)],
        check,
      };
    }
  }

  /** Every check, in order; throws a Refusal (or a format error) for the first that fails. Fills `fact`. */
  private async check(
    artifact: ArtifactRef,
    sig: SignatureDocument,
    ctx: VerifyContext,
    fact: RegistryAttestationFact,
  ): Promise<void> {
    // 1. The envelope, exactly as the registry writes it.
    const envelope = parseEnvelope(sig.bytes);
    fact.key_id = envelope.keyid;
    // 2. The registry the package came from, and the key it pinned.
    const registryName = ctx.registry;
    if (!registryName)
      throw new Refusal(
        'a registry attestation is checked only for a package that came from a registry (none given)',
        'registry',
      );
    const cfg = this.opts.registries.find((r) => r.name === registryName);
    if (!cfg) throw new Refusal(`registry '${registryName}' is not configured`, 'registry');
    if (!/^https?:\/\//i.test(cfg.url))
      throw new Refusal(
        `registry '${registryName}' is a local (file://) registry: registry attestations exist only for HTTP registries`,
        'registry',
      );
    const key = this.pinnedKey(cfg, envelope.keyid);
    // 3. The signature, over the DSSE pre-authentication encoding.
    let ok: boolean;
    try {
      ok = verifySignature(
        'sha256',
        pae(envelope.payloadType, envelope.payload),
        { key, dsaEncoding: 'der' },
        envelope.sig,
      );
    } catch (e) {
      throw new Refusal(
        `the DSSE signature is malformed: ${e instanceof Error ? e.message : String(e)}`,
        'signature',
      );
    }
    if (!ok)
      throw new Refusal(
        `the DSSE signature does not verify under the pinned key ${envelope.keyid} (the attestation was altered, or signed by another key)`,
        'signature',
      );
    // 4. The statement: only now is its content read.
    const statement = parseStatement(envelope.payload);
    fact.subject_digest = `sha256:${statement.subject.sha256}`;
    fact.name = statement.package.name;
    fact.version = statement.package.version;
    fact.signed_at = statement.publishedAt;
    fact.audit_index = statement.audit.index;
    const evidence = parseScanEvidence(statement.predicate);
    if (evidence) {
      fact.scans = evidence.scans;
      fact.publish_policy = evidence.publish_policy;
    }
    const approval = statement.predicate.approval as { approvers?: unknown } | null | undefined;
    if (approval && Array.isArray(approval.approvers))
      fact.approved_by = approval.approvers.filter((a): a is string => typeof a === 'string');
    const actual = await artifactDigest(artifact);
    if (statement.subject.sha256 !== actual)
      throw new Refusal(
        `the attestation's subject digest sha256:${statement.subject.sha256} is not the archive's sha256:${actual}: it attests other bytes`,
        'artifact',
      );
    if (artifact.name === undefined || artifact.version === undefined)
      throw new Refusal(
        `the archive's package name and version are unknown, so the attestation of ${statement.package.name}@${statement.package.version} cannot be matched to it`,
        'artifact',
      );
    if (statement.package.name !== artifact.name || statement.package.version !== artifact.version)
      throw new Refusal(
        `the attestation is for ${statement.package.name}@${statement.package.version}, not ${artifact.name}@${artifact.version}`,
        'artifact',
      );
    // 5. The publish it attests must be in the registry's audit log, as this client verified it.
    await this.checkAuditEntry(cfg, statement, actual);
  }

  /** The pinned key `keyid` of a registry (cached); a Refusal when it is not pinned or its file is wrong. */
  private pinnedKey(cfg: RegistryConfig, keyid: string): KeyObject {
    const cacheKey = `${cfg.name}\0${keyid}`;
    const cached = this.keys.get(cacheKey);
    if (cached) return cached;
    if (!(cfg.attestation_keys ?? []).includes(keyid))
      throw new Refusal(
        `signed by key ${keyid}, which is not pinned for registry ${cfg.name}: run aam registry trust-key ${cfg.name} ${keyid}`,
        'key',
      );
    let key: KeyObject | undefined;
    try {
      key = readPinnedAttestationKey(this.opts.home, cfg.name, keyid);
    } catch (e) {
      throw new Refusal(e instanceof Error ? e.message : String(e), 'key');
    }
    if (!key)
      throw new Refusal(
        `key ${keyid} is pinned for registry ${cfg.name} but its key material is missing (${pinnedKeyPath(this.opts.home, cfg.name, keyid)}): run aam registry trust-key ${cfg.name} ${keyid}`,
        'key',
      );
    this.keys.set(cacheKey, key);
    return key;
  }

  private logOf(cfg: RegistryConfig): RegistryLog {
    let log = this.logs.get(cfg.name);
    if (!log) {
      log = {
        source: this.opts.logSource?.(cfg) ?? new HttpAuditLogSource(new HttpRegistry(cfg.name, cfg.url)),
      };
      this.logs.set(cfg.name, log);
    }
    return log;
  }

  /**
   * The registry's checkpoint, verified under the pinned checkpoint key and against the last one this client
   * stored (a fork or a shrunk log fails): once per process, again when an attestation names a newer entry.
   */
  private async verifiedHead(cfg: RegistryConfig, vkey: string, atLeast: number): Promise<VerifiedHead> {
    const log = this.logOf(cfg);
    const fetch = (): Promise<VerifiedHead> => {
      const p = verifyAuditLogHead({ registry: cfg.name, vkey, source: log.source, env: this.env });
      log.head = p;
      // A misbehaving log (fork, rollback, bad proof) stays refused for the run; a network failure is retried.
      p.catch((e: unknown) => {
        if (log.head === p && (e as { code?: string })?.code === 'NETWORK_ERROR') log.head = undefined;
      });
      return p;
    };
    const refused = (e: unknown): never => {
      throw new Refusal(
        `the audit log of registry ${cfg.name} cannot be verified: ${firstLine(e)}`,
        'audit-log',
      );
    };
    let head = await (log.head ?? fetch()).catch(refused);
    if (atLeast >= head.checkpoint.size) {
      // Published after the checkpoint this process verified: look again.
      head = await fetch().catch(refused);
    }
    return head;
  }

  private async checkAuditEntry(cfg: RegistryConfig, st: PublishStatement, digest: string): Promise<void> {
    const index = st.audit.index;
    if (!cfg.checkpoint_key)
      throw new Refusal(
        `registry ${cfg.name} has no pinned checkpoint key, so the attestation's audit index ${index} cannot be checked: add the registry again (aam registry remove ${cfg.name}; aam registry add ${cfg.name} ${cfg.url})`,
        'audit-log',
      );
    let origin: string;
    try {
      origin = parseVerifierKey(cfg.checkpoint_key).name;
    } catch (e) {
      throw new Refusal(
        `the pinned checkpoint key of ${cfg.name} is malformed: ${firstLine(e)}`,
        'audit-log',
      );
    }
    if (st.audit.origin !== origin)
      throw new Refusal(
        `the attestation names the audit log ${JSON.stringify(st.audit.origin)}, not ${cfg.name}'s log ${JSON.stringify(origin)}`,
        'audit-log',
      );
    const head = await this.verifiedHead(cfg, cfg.checkpoint_key, index);
    try {
      await provePublishEntry(
        this.logOf(cfg).source,
        head.checkpoint,
        { index, name: st.package.name, version: st.package.version, checksum: `sha256:${digest}` },
        { registry: cfg.name, subject: "the attestation's audit index" },
      );
    } catch (e) {
      throw new Refusal(firstLine(e), 'audit-log');
    }
  }
}

/** The SHA-256 (hex) of the artifact's bytes, computed here: never taken from the caller's checksum. */
async function artifactDigest(artifact: ArtifactRef): Promise<string> {
  if (artifact.bytes) return createHash('sha256').update(artifact.bytes).digest('hex');
  if (artifact.path) {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(artifact.path)) h.update(chunk as Buffer);
    return h.digest('hex');
  }
  throw new Refusal('the archive bytes are not available to check the attestation against', 'artifact');
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n', 1)[0] ?? text;
}
