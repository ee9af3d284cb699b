// An independent TypeScript model of SPEC §4-5, used only by tests to cross-check the Rego/WASM policy.
// Written from the SPEC text, not from the Rego: where they disagree, one of them is wrong. The required
// registry attestation and audit log (the seed's Maximum level) follow docs/policies.md "Required attestation and
// audit log".

export interface ModelConfig {
  require_signature: boolean;
  on_signature_failure: 'warn' | 'error' | 'ignore';
  trusted_identities: (string | { identity: string; issuer?: string })[];
  trusted_keys: string[];
  trust_registry_attestations: boolean;
  trusted_registries: string[];
  require_registry_attestation: boolean;
  require_audit_log: boolean;
  /** Scanners a trusted attestation must record (docs/scanning.md "Requiring scans"); absent: none. */
  require_scans?: string[];
  /** Seconds (as the host passes it), 0 when not set. */
  max_log_age?: number;
}

export interface ModelSignature {
  type: string;
  valid: boolean;
  errors: string[];
  identity?: string;
  issuer?: string;
  fingerprint?: string;
  claims?: Record<string, string>;
}

export interface ModelAttestation {
  type: 'registry-attestation';
  valid: boolean;
  errors: string[];
  registry: string;
  subject_digest?: string;
  name?: string;
  version?: string;
  scans?: {
    name: string;
    version: string;
    database: string | null;
    result: 'clean' | 'findings';
    findings: { rule: string; severity: string; path: string }[];
  }[];
  publish_policy?: { digest: string; decision: 'accept' | 'hold'; reasons: string[] };
  approved_by?: string[];
}

export interface ModelAuditLog {
  registry: string;
  checked: boolean;
  consistent: boolean;
  checkpoint_size?: number;
  checkpoint_age?: number;
  state_problems?: string[];
  error?: string;
}

export interface ModelFacts {
  facts_version: 1;
  package: { name: string; version: string; registry?: string };
  checksum: { expected: string; actual: string };
  signatures: ModelSignature[];
  attestations: ModelAttestation[];
  request: { verify: boolean; require_signature: boolean; no_verify: boolean };
  audit_log?: ModelAuditLog;
  lock?: {
    version: string;
    checksum: string;
    signatures: {
      type: string;
      identity?: string;
      issuer?: string;
      fingerprint?: string;
      registry?: string;
    }[];
  };
}

const GITHUB = 'https://token.actions.githubusercontent.com';
const GITLAB = 'https://gitlab.com';

function githubOwnerRepo(sig: ModelSignature): [string, string?] | undefined {
  const ownerUri = sig.claims?.source_repository_owner_uri;
  if (ownerUri?.startsWith('https://github.com/')) {
    const owner = ownerUri.slice('https://github.com/'.length);
    if (owner.includes('/')) return undefined;
    const repoUri = sig.claims?.source_repository_uri;
    const prefix = `https://github.com/${owner}/`;
    return repoUri?.startsWith(prefix) ? [owner, repoUri.slice(prefix.length)] : [owner];
  }
  const san = sig.identity ?? '';
  if (!san.startsWith('https://github.com/')) return undefined;
  const parts = san.split('/');
  return parts.length >= 5 ? [parts[3]!, parts[4]!] : undefined;
}

/** An email SAN: printable ASCII (no Unicode case folding into a look-alike), never a URI. */
const asEmail = (id: string): string | undefined =>
  !id.includes('://') && /^[\x21-\x7e]+$/.test(id) ? id : undefined;

export function identityMatches(
  entry: ModelConfig['trusted_identities'][number],
  sig: ModelSignature,
): boolean {
  // Identities come from Fulcio certificates: only Sigstore signatures carry them.
  if (sig.type !== 'sigstore') return false;
  const pattern = typeof entry === 'string' ? entry : entry.identity;
  if (typeof entry !== 'string' && entry.issuer !== undefined && entry.issuer !== (sig.issuer ?? ''))
    return false;
  const id = sig.identity ?? '';
  const email = asEmail(id);
  if (pattern.startsWith('*@')) {
    if (email === undefined) return false;
    const at = email.split('@');
    return at.length === 2 && at[0] !== '' && at[1]!.toLowerCase() === pattern.slice(2).toLowerCase();
  }
  if (pattern.startsWith('github:')) {
    if (sig.issuer !== GITHUB) return false;
    const want = pattern.slice('github:'.length).split('/');
    const have = githubOwnerRepo(sig);
    if (!have || have[0].toLowerCase() !== want[0]!.toLowerCase()) return false;
    if (want.length === 1) return true;
    return want.length === 2 && have[1] !== undefined && have[1].toLowerCase() === want[1]!.toLowerCase();
  }
  if (pattern.startsWith('gitlab:')) {
    if (sig.issuer !== GITLAB) return false;
    const prefix = `https://gitlab.com/${pattern.slice('gitlab:'.length)}/`;
    // The repository claim when present (the SAN names a CI file that another project may include).
    const repo = sig.claims?.source_repository_uri || id;
    return `${repo}/`.startsWith(prefix);
  }
  if (pattern.startsWith('https://')) return id === pattern;
  return pattern.includes('@') && email !== undefined && email.toLowerCase() === pattern.toLowerCase();
}

const normKey = (k: string): string =>
  k.toLowerCase().startsWith('sha256:') ? k.toLowerCase() : k.replace(/ /g, '').toUpperCase();

export function keyMatches(entry: string, sig: ModelSignature): boolean {
  return (sig.fingerprint ?? '') !== '' && normKey(sig.fingerprint!) === normKey(entry);
}

function attestationTrusted(cfg: ModelConfig, f: ModelFacts, a: ModelAttestation): boolean {
  return (
    cfg.trust_registry_attestations &&
    cfg.trusted_registries.includes(a.registry) &&
    (a.subject_digest ?? '').toLowerCase() === f.checksum.actual.toLowerCase() &&
    a.name === f.package.name &&
    a.version === f.package.version
  );
}

/** Checked, consistent, and the log of the registry the package came from. */
function auditLogVerified(f: ModelFacts): boolean {
  const log = f.audit_log as Partial<ModelAuditLog> | null | undefined;
  if (typeof log !== 'object' || log === null || Array.isArray(log)) return false;
  if (log.checked !== true || log.consistent !== true) return false;
  const from = typeof f.package.registry === 'string' ? f.package.registry : '';
  return from === '' || (typeof log.registry === 'string' ? log.registry : '') === from;
}

export interface ModelDecision {
  outcome: 'install' | 'warn' | 'fail';
  codes: string[];
  /** `aam verify FILE` passes (SPEC §9): nothing fails and some signature or attestation is valid and trusted. */
  verified: boolean;
}

/** SPEC §5, rule by rule. */
export function referenceDecision(cfg: ModelConfig, f: ModelFacts): ModelDecision {
  const effects: { code: string; effect: 'fail' | 'warn' | 'note' | 'pass' }[] = [];
  const onFailure = cfg.on_signature_failure === 'error' ? 'fail' : 'warn';
  // 1. Checksum mismatch (or a lock that recorded other bytes for this version) always fails.
  const mismatch =
    !f.checksum.expected ||
    !f.checksum.actual ||
    f.checksum.expected.toLowerCase() !== f.checksum.actual.toLowerCase() ||
    (f.lock !== undefined &&
      f.lock.version === f.package.version &&
      f.lock.checksum.toLowerCase() !== f.checksum.actual.toLowerCase());
  if (mismatch) return { outcome: 'fail', codes: ['checksum_mismatch'], verified: false };

  const trustedSigs = f.signatures.filter(
    (s) =>
      s.valid &&
      s.type !== 'registry-attestation' &&
      (cfg.trusted_identities.some((e) => identityMatches(e, s)) ||
        cfg.trusted_keys.some((k) => keyMatches(k, s))),
  );
  const trustedAtts = f.attestations.filter((a) => a.valid && attestationTrusted(cfg, f, a));

  // Trust on first use: a recorded trusted signer must be among the current trusted ones.
  const who = (id: string): string => (id.includes('@') && !id.includes('://') ? id.toLowerCase() : id);
  const key = (s: {
    type: string;
    identity?: string;
    issuer?: string;
    fingerprint?: string;
    registry?: string;
  }): string =>
    [s.type, who(s.identity ?? ''), s.issuer ?? '', normKey(s.fingerprint ?? ''), s.registry ?? ''].join('|');
  const recorded = new Set((f.lock?.signatures ?? []).map(key));
  const current = new Set([...trustedSigs.map(key), ...trustedAtts.map((a) => key(a))]);
  // A recorded signer that still signs validly but is no longer trusted is told apart from a changed signer.
  const stillSigning = new Set([
    ...f.signatures.filter((s) => s.valid).map(key),
    ...f.attestations.filter((a) => a.valid).map((a) => key(a)),
  ]);
  if (
    recorded.size > 0 &&
    cfg.on_signature_failure !== 'ignore' &&
    ![...recorded].some((r) => current.has(r))
  ) {
    effects.push({
      code: [...recorded].some((r) => stillSigning.has(r)) ? 'signer_no_longer_trusted' : 'signer_changed',
      effect: onFailure,
    });
  }

  // 2. Signatures are judged when required or asked for.
  // --require-signature can only tighten config.yaml. Each explicit requirement also makes them judged.
  const required = cfg.require_signature || f.request.require_signature;
  const requireAttestation = cfg.require_registry_attestation;
  const requireAuditLog = cfg.require_audit_log;
  const maxLogAge = cfg.max_log_age ?? 0;
  const requiredScans = cfg.require_scans ?? [];
  const evaluate =
    required ||
    requireAttestation ||
    requireAuditLog ||
    maxLogAge > 0 ||
    requiredScans.length > 0 ||
    (f.request.verify && !f.request.no_verify);
  if (evaluate) {
    // Under require_registry_attestation the signature rules judge the author's signatures alone: the
    // attestation is required on top of them.
    const evidence = requireAttestation ? f.signatures : [...f.signatures, ...f.attestations];
    const trustedEvidence = trustedSigs.length + (requireAttestation ? 0 : trustedAtts.length) > 0;
    const unsigned = evidence.length === 0;
    if (unsigned) {
      // 3. No signature.
      effects.push({ code: 'unsigned', effect: required ? 'fail' : 'note' });
    } else if (cfg.on_signature_failure === 'ignore') {
      // 4. Not judged.
    } else if (trustedEvidence) {
      // 5. Some signature valid and trusted.
      effects.push({ code: 'trusted', effect: 'pass' });
    } else {
      // 6. Invalid or untrusted.
      for (const s of evidence) {
        effects.push({ code: s.valid ? 'signer_untrusted' : 'signature_invalid', effect: onFailure });
      }
    }
    // A trusted attestation is still reported as trusted (and recorded for trust on first use).
    if (requireAttestation && cfg.on_signature_failure !== 'ignore' && trustedAtts.length > 0) {
      effects.push({ code: 'trusted', effect: 'pass' });
    }
    // The requirements fail whatever on_signature_failure says.
    if (requireAttestation && trustedAtts.length === 0) {
      effects.push({ code: 'attestation_missing', effect: 'fail' });
    }
    if (requireAuditLog && !auditLogVerified(f)) {
      effects.push({ code: 'audit_log_unverified', effect: 'fail' });
    }
    // What the proven log says and what the registry serves must agree (the host compares; any difference fails).
    const problems = (f.audit_log as Partial<ModelAuditLog> | undefined)?.state_problems;
    if (Array.isArray(problems) && problems.some((p) => typeof p === 'string')) {
      effects.push({ code: 'registry_state_mismatch', effect: 'fail' });
    }
    // max_log_age: a verified log whose signed time is no older than that, and at most 300 s in the future.
    const age = (f.audit_log as Partial<ModelAuditLog> | undefined)?.checkpoint_age;
    if (
      maxLogAge > 0 &&
      !(auditLogVerified(f) && typeof age === 'number' && age >= -300 && age <= maxLogAge)
    ) {
      effects.push({ code: 'audit_log_stale', effect: 'fail' });
    }
    // Required scans: recorded by a trusted attestation; clean passes, findings pass only when the registry held
    // them and an approver is named (a warning), anything else fails.
    for (const name of requiredScans) {
      const records = trustedAtts.flatMap((a) =>
        (Array.isArray(a.scans) ? a.scans : []).filter((x) => x?.name === name).map((x) => ({ x, a })),
      );
      const reviewed = (a: ModelAttestation) =>
        a.publish_policy?.decision === 'hold' && (a.approved_by ?? []).some((p) => typeof p === 'string');
      if (records.some(({ x }) => x.result === 'clean')) effects.push({ code: 'scan_clean', effect: 'pass' });
      else if (records.some(({ x, a }) => x.result === 'findings' && reviewed(a)))
        effects.push({ code: 'scan_findings_approved', effect: 'warn' });
      else if (records.length > 0) effects.push({ code: 'scan_not_clean', effect: 'fail' });
      else effects.push({ code: 'scan_missing', effect: 'fail' });
    }
  }
  const outcome = effects.some((e) => e.effect === 'fail')
    ? 'fail'
    : effects.some((e) => e.effect === 'warn')
      ? 'warn'
      : 'install';
  const verified = outcome !== 'fail' && effects.some((e) => e.code === 'trusted' && e.effect === 'pass');
  return { outcome, codes: [...new Set(effects.map((e) => e.code))].sort(), verified };
}
