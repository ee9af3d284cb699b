import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceDecision, type ModelConfig, type ModelFacts } from './reference-model.js';
import { TRUST_LEVELS } from '../../packages/core/src/policy/levels.js';
import { prebuiltEngine, security, summary } from './support.js';
import { testSeed } from '../support/seed.js';
import { durationSeconds } from '../../packages/core/src/policy/translate.js';

// Small pools, so that random pairs often hit matches, look-alikes and edge cases.
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const FP1 = 'AAAABBBBCCCCDDDDEEEEFFFF0000111122223333';
const FP2 = '9999999999999999999999990000111122223333';
const GH = 'https://token.actions.githubusercontent.com';
const GOOGLE = 'https://accounts.google.com';

const pattern = fc.constantFrom(
  'alice@example.com',
  'Alice@Example.com',
  '*@example.com',
  '*@sub.example.com',
  'github:sigstore',
  'github:sigstore/cosign',
  'github:sig',
  'gitlab:alice',
  'gitlab:alice/proj',
  'https://github.com/sigstore/cosign/.github/workflows/release.yml@refs/heads/main',
);
const identityEntry = fc.oneof(
  pattern,
  fc.record({ identity: pattern, issuer: fc.constantFrom(GH, GOOGLE, 'https://gitlab.com') }),
  fc.record({ identity: pattern }),
);
const key = fc.constantFrom(
  FP1,
  FP2,
  'aaaa bbbb cccc dddd eeee ffff 0000 1111 2222 3333',
  `sha256:${'c'.repeat(64)}`,
);

const mostlyFalse = fc.oneof(
  { arbitrary: fc.constant(false), weight: 3 },
  { arbitrary: fc.constant(true), weight: 1 },
);

const config: fc.Arbitrary<ModelConfig> = fc.record({
  require_signature: fc.boolean(),
  on_signature_failure: fc.constantFrom('warn', 'error', 'ignore'),
  trusted_identities: fc.array(identityEntry, { maxLength: 3 }),
  trusted_keys: fc.array(key, { maxLength: 2 }),
  trust_registry_attestations: fc.boolean(),
  trusted_registries: fc.array(fc.constantFrom('corp', 'aam-central'), { maxLength: 2 }),
  // Mostly off, so that every outcome stays common: each one makes signatures judged and can only fail.
  require_registry_attestation: mostlyFalse,
  require_audit_log: mostlyFalse,
  // Mostly unset (no limit) for the same reason.
  max_log_age: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: fc.constantFrom(60, 3600), weight: 1 },
  ),
  // Mostly none, for the same reason.
  require_scans: fc.oneof(
    { arbitrary: fc.constant([] as string[]), weight: 3 },
    { arbitrary: fc.constantFrom(['secrets'], ['clamav', 'secrets']).map((x) => [...x]), weight: 1 },
  ),
});

// What a registry attestation may record about its scans: some scanners, clean or not, held and approved or not.
const scanRecord = fc.record({
  name: fc.constantFrom('clamav', 'secrets', 'hazards'),
  version: fc.constant('1.0.0'),
  database: fc.constant(null as string | null),
  result: fc.constantFrom('clean', 'findings'),
  findings: fc.constantFrom([] as { rule: string; severity: string; path: string }[], [
    { rule: 'aws-access-key-id', severity: 'high', path: 'a.md' },
  ]),
});
const scanEvidence = fc.record(
  {
    scans: fc.array(scanRecord, { maxLength: 3 }),
    publish_policy: fc.record({
      digest: fc.constant(`sha256:${'c'.repeat(64)}`),
      decision: fc.constantFrom('accept', 'hold'),
      reasons: fc.constant([] as string[]),
    }),
    approved_by: fc.constantFrom([] as string[], ['bob']),
  },
  { requiredKeys: [] },
);

const sigstoreSig = fc.record({
  type: fc.constant('sigstore'),
  valid: fc.boolean(),
  errors: fc.constant([] as string[]),
  identity: fc.constantFrom(
    'alice@example.com',
    'ALICE@example.com',
    'bob@example.com',
    'a@sub.example.com',
    'alice@example.com.evil.org',
    'https://github.com/sigstore/cosign/.github/workflows/release.yml@refs/heads/main',
    'https://github.com/sigstore/cosign-evil/.github/workflows/release.yml@refs/heads/main',
    'https://github.com/sigstoreevil/cosign/.github/workflows/x.yml@refs/heads/main',
    'https://gitlab.com/alice/proj//.gitlab-ci.yml@refs/heads/main',
    'https://gitlab.com/alicex/proj//.gitlab-ci.yml@refs/heads/main',
    'https://alice@example.com',
    'a@\u212Aexample.com',
    'alice@EXAMPLE.com',
  ),
  issuer: fc.constantFrom(GH, GOOGLE, 'https://gitlab.com'),
  claims: fc.option(
    fc.record({
      source_repository_uri: fc.constantFrom(
        'https://gitlab.com/alice/proj',
        'https://gitlab.com/evil/proj',
        'https://github.com/sigstore/cosign',
      ),
      source_repository_owner_uri: fc.constantFrom('https://github.com/sigstore', 'https://github.com/evil'),
    }),
    { nil: undefined },
  ),
});
const gpgSig = fc.record({
  type: fc.constant('gpg'),
  valid: fc.boolean(),
  errors: fc.constant([] as string[]),
  fingerprint: fc.constantFrom(FP1, FP2, FP1.toLowerCase()),
  // A GPG user ID is not a verified identity: trusted_identities must never match it.
  identity: fc.constantFrom('alice@example.com', 'bob@example.com'),
});
/** A valid attestation of @a/x@1.0.0 with checksum A by the trusted registry `corp`. */
const RIGHT_ATTESTATION = {
  type: 'registry-attestation' as const,
  valid: true,
  errors: [] as string[],
  registry: 'corp',
  subject_digest: A,
  name: '@a/x',
  version: '1.0.0',
};
const attestation = fc.oneof(
  fc.record({
    type: fc.constant('registry-attestation' as const),
    valid: fc.boolean(),
    errors: fc.constant([] as string[]),
    registry: fc.constantFrom('corp', 'aam-central', 'evil'),
    subject_digest: fc.constantFrom(A, B),
    name: fc.constantFrom('@a/x', '@a/y'),
    version: fc.constantFrom('1.0.0', '1.0.1'),
  }),
  // The right one with scan evidence.
  scanEvidence.map((e) => ({ ...RIGHT_ATTESTATION, ...e })),
  // The right one, often: otherwise a required attestation is almost never satisfied.
  fc.constant(RIGHT_ATTESTATION),
);
const auditLog = fc.oneof(
  fc.record(
    {
      registry: fc.constantFrom('corp', 'local'),
      checked: fc.boolean(),
      consistent: fc.boolean(),
      checkpoint_size: fc.nat(100),
      checkpoint_age: fc.constantFrom(-301, -299, 0, 59, 60, 61, 3600, 86400),
      state_problems: fc.constantFrom([] as string[], [
        "tag 'latest' of @a/x is served as 1.0.0, but the log sets it to 1.1.0",
      ]),
      error: fc.constantFrom('local registries have no audit log', 'not consistent', ''),
    },
    { requiredKeys: ['registry', 'checked', 'consistent'] },
  ),
  // Checked and consistent, often: the only shape that satisfies require_audit_log (and, fresh, max_log_age).
  fc.constantFrom(
    { registry: 'corp', checked: true, consistent: true, checkpoint_size: 7 },
    {
      registry: 'corp',
      checked: true,
      consistent: true,
      checkpoint_size: 7,
      checkpoint_age: 5,
      state_problems: [] as string[],
    },
    { registry: 'local', checked: true, consistent: true },
  ),
);
const recorded = fc.oneof(
  fc.record({
    type: fc.constant('sigstore'),
    identity: fc.constantFrom('alice@example.com', 'ALICE@example.com', 'bob@example.com'),
    issuer: fc.constantFrom(GOOGLE, GH),
  }),
  fc.record({ type: fc.constant('gpg'), fingerprint: fc.constantFrom(FP1, FP2) }),
);

const facts: fc.Arbitrary<ModelFacts> = fc
  .record({
    mismatch: fc.nat(9),
    signatures: fc.array(fc.oneof(sigstoreSig, gpgSig), { maxLength: 3 }),
    attestations: fc.array(attestation, { maxLength: 2 }),
    verify: fc.boolean(),
    no_verify: fc.boolean(),
    require_flag: fc.boolean(),
    registry: fc.option(fc.constantFrom('corp', 'local', ''), { nil: undefined }),
    audit_log: fc.option(auditLog, { nil: undefined }),
    lock: fc.option(
      fc.record({
        version: fc.constantFrom('1.0.0', '0.9.0'),
        checksum: fc.constantFrom(A, B),
        signatures: fc.array(recorded, { maxLength: 2 }),
      }),
      { nil: undefined },
    ),
  })
  .map((r) => ({
    facts_version: 1 as const,
    package: {
      name: '@a/x',
      version: '1.0.0',
      ...(r.registry !== undefined ? { registry: r.registry } : {}),
    },
    checksum: {
      expected: A,
      actual: r.mismatch === 0 ? B : r.mismatch === 1 ? A.toUpperCase().replace('SHA256', 'sha256') : A,
    },
    signatures: r.signatures,
    attestations: r.attestations,
    request: { verify: r.verify, require_signature: r.require_flag, no_verify: r.no_verify },
    ...(r.audit_log ? { audit_log: r.audit_log } : {}),
    ...(r.lock ? { lock: r.lock } : {}),
  }));

describe('the WASM policy agrees with the TypeScript reference model of SPEC §5', () => {
  it('on 10,000 random (config, facts) pairs (seeded, reproducible)', async () => {
    const engine = await prebuiltEngine();
    let seen = 0;
    const outcomes = { install: 0, warn: 0, fail: 0 };
    const codes = new Map<string, number>();
    fc.assert(
      fc.property(config, facts, (cfg, f) => {
        engine.configure(security(cfg));
        const got = summary(engine.decide(f));
        const want = referenceDecision(cfg, f);
        seen++;
        outcomes[got.outcome as keyof typeof outcomes]++;
        for (const c of got.codes) codes.set(c, (codes.get(c) ?? 0) + 1);
        expect(got).toEqual(want);
      }),
      { seed: testSeed('policy vs reference model', 20261126), numRuns: 10_000, endOnFailure: true },
    );
    expect(seen).toBe(10_000);
    // The generators must exercise every outcome, or the comparison proves little.
    for (const n of Object.values(outcomes)) expect(n).toBeGreaterThan(500);
    // ... and so must the required attestation and audit log.
    expect(codes.get('attestation_missing')).toBeGreaterThan(500);
    expect(codes.get('audit_log_unverified')).toBeGreaterThan(500);
  });

  // The random facts, with what Maximum asks for added often: a trusted key's signature, the right
  // attestation, a consistent audit log of the package's registry.
  const maximumFacts = fc
    .tuple(facts, fc.boolean(), fc.boolean(), fc.boolean())
    .map(([f, sig, att, log]) => ({
      ...f,
      signatures: sig
        ? [...f.signatures, { type: 'gpg', valid: true, errors: [], fingerprint: FP1 }]
        : f.signatures,
      attestations: att
        ? [
            ...f.attestations,
            {
              type: 'registry-attestation' as const,
              valid: true,
              errors: [],
              registry: 'corp',
              subject_digest: A,
              name: '@a/x',
              version: '1.0.0',
            },
          ]
        : f.attestations,
      ...(log
        ? {
            audit_log: {
              registry: f.package.registry || 'corp',
              checked: true,
              consistent: true,
              checkpoint_age: 5,
              state_problems: [],
            },
          }
        : {}),
    }));

  it('on 3,000 random facts under the Maximum preset (aam policy init --level maximum)', async () => {
    const engine = await prebuiltEngine();
    const outcomes = { install: 0, warn: 0, fail: 0 };
    const lists = fc.record({
      trusted_identities: fc.array(identityEntry, { maxLength: 2 }),
      trusted_keys: fc.array(key, { minLength: 1, maxLength: 2 }),
      trusted_registries: fc.constantFrom(['corp'], ['corp', 'local'], ['aam-central'], []),
    });
    fc.assert(
      fc.property(lists, maximumFacts, (trust, f) => {
        const sec = security({
          ...TRUST_LEVELS.maximum.security,
          ...trust,
          trusted_registries: [...trust.trusted_registries],
        });
        engine.configure(sec);
        const got = summary(engine.decide(f));
        outcomes[got.outcome as keyof typeof outcomes]++;
        // The model reads the policy's view of the config: max_log_age in seconds.
        const cfg = { ...sec, max_log_age: durationSeconds(sec.max_log_age) } as unknown as ModelConfig;
        expect(got).toEqual(referenceDecision(cfg, f));
        expect(got.outcome).not.toBe('warn');
      }),
      { seed: testSeed('policy under the maximum preset', 20261127), numRuns: 3_000, endOnFailure: true },
    );
    expect(outcomes.install).toBeGreaterThan(100);
  });
});

describe('the WASM policy fails closed on malformed facts', () => {
  it('never installs without two equal checksums, whatever else the facts hold (3,000 random documents)', async () => {
    const engine = await prebuiltEngine();
    const anything = fc.jsonValue({ maxDepth: 3 });
    const sig = fc.oneof(
      anything,
      fc.record({
        type: anything,
        valid: fc.constantFrom(true, false, 'true', 1),
        errors: anything,
        identity: anything,
      }),
    );
    const doc = fc.record(
      {
        facts_version: anything,
        package: anything,
        checksum: fc.oneof(
          anything,
          fc.record(
            { expected: fc.constantFrom(A, B, 1, null), actual: fc.constantFrom(A, B, 1, null) },
            { requiredKeys: [] },
          ),
        ),
        signatures: fc.oneof(anything, fc.array(sig, { maxLength: 3 })),
        attestations: fc.oneof(anything, fc.array(sig, { maxLength: 2 })),
        request: anything,
        audit_log: fc.oneof(anything, auditLog),
        lock: anything,
      },
      { requiredKeys: [] },
    );
    // What was checked, counted: a test that returned early on every error would prove nothing.
    const seen = { decided: 0, policyErrors: 0, mismatched: 0 };
    fc.assert(
      fc.property(config, doc, (cfg, facts) => {
        engine.configure(security(cfg));
        let outcome: string;
        try {
          outcome = engine.decide(facts as Record<string, unknown>).outcome;
        } catch (e) {
          // An evaluation error is a normalised failure, never a pass.
          expect((e as { code?: string }).code).toBe('POLICY_ERROR');
          seen.policyErrors++;
          return;
        }
        seen.decided++;
        const cs = (facts as { checksum?: { expected?: unknown; actual?: unknown } }).checksum;
        const equal =
          typeof cs?.expected === 'string' &&
          typeof cs?.actual === 'string' &&
          cs.expected.toLowerCase() === cs.actual.toLowerCase();
        if (!equal) {
          seen.mismatched++;
          expect(outcome).toBe('fail');
        }
      }),
      { seed: testSeed('policy fails closed on malformed facts', 4242), numRuns: 3_000 },
    );
    process.stdout.write(`fail-closed property: ${JSON.stringify(seen)}\n`);
    // The engine decided (rather than errored on) most documents, and many of them lacked equal checksums.
    expect(seen.decided).toBeGreaterThan(2_000);
    expect(seen.mismatched).toBeGreaterThan(1_000);
  });
});
