import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildFacts, sha256 } from '@aam/core';
import {
  parseScanEvidence,
  RegistryAttestationVerifier,
  type RegistryAttestationFact,
} from '../src/index.js';
import { attest, MemoryLog, p256, pinnedHome, sha256Hex, statement } from './support/fixture.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const evidence = {
  scans: [
    { name: 'clamav', version: '1.4.3', database: `sha256:${'d'.repeat(64)}`, result: 'clean', findings: [] },
    {
      name: 'secrets',
      version: '1.0.0',
      database: null,
      result: 'findings',
      findings: [{ rule: 'aws-access-key-id', severity: 'high', path: 'p.md', line: 3 }],
    },
  ],
  publish_policy: { digest: DIGEST, decision: 'hold', reasons: ['finding_needs_review'] },
};
const predicate = (checks: Record<string, unknown>) => ({ checks: { archive: 'passed', ...checks } });

describe('scan evidence in the publish predicate', () => {
  it('is read field by field', () => {
    expect(parseScanEvidence(predicate(evidence))).toEqual(evidence);
  });

  it('is absent for a version attested before the registry scanned', () => {
    expect(parseScanEvidence(predicate({}))).toBeUndefined();
  });

  // Every malformed shape is refused (the whole attestation is then invalid), never read in part.
  const bad: [string, unknown][] = [
    ['scans not a list', { ...evidence, scans: 'clean' }],
    ['a scanner without a name', { ...evidence, scans: [{ ...evidence.scans[0], name: undefined }] }],
    ['a scanner name with spaces', { ...evidence, scans: [{ ...evidence.scans[0], name: 'clam av' }] }],
    ['a result that is neither', { ...evidence, scans: [{ ...evidence.scans[0], result: 'ok' }] }],
    ['clean with findings', { ...evidence, scans: [{ ...evidence.scans[1], result: 'clean' }] }],
    ['findings without any', { ...evidence, scans: [{ ...evidence.scans[0], result: 'findings' }] }],
    [
      'a finding without a path',
      { ...evidence, scans: [{ ...evidence.scans[1], findings: [{ rule: 'r', severity: 'high' }] }] },
    ],
    ['a scanner twice', { ...evidence, scans: [evidence.scans[0], evidence.scans[0]] }],
    ['no publish policy', { scans: evidence.scans }],
    [
      'a policy digest that is not sha256',
      { ...evidence, publish_policy: { ...evidence.publish_policy, digest: 'md5:x' } },
    ],
    [
      'a reject (never attested)',
      { ...evidence, publish_policy: { ...evidence.publish_policy, decision: 'reject' } },
    ],
    [
      'reasons that are not strings',
      { ...evidence, publish_policy: { ...evidence.publish_policy, reasons: [1] } },
    ],
  ];
  it.each(bad)('refuses %s', (_what, checks) => {
    expect(() => parseScanEvidence(predicate(checks as Record<string, unknown>))).toThrow(/scan evidence/);
  });
});

describe('the verifier reports the scan evidence of a valid attestation, and the facts carry it', () => {
  async function verified(stmt: Record<string, unknown>) {
    const log = new MemoryLog();
    const key = p256();
    const { home, cfg } = await pinnedHome('corp', log, [key]);
    const verifier = new RegistryAttestationVerifier({ home, registries: [cfg], logSource: () => log });
    const bytes = randomBytes(512);
    const index = log.publish('@a/x', '1.0.0', sha256Hex(bytes));
    const s = stmt === undefined ? {} : stmt;
    const full = statement({
      name: '@a/x',
      version: '1.0.0',
      digestHex: sha256Hex(bytes),
      index,
      origin: log.origin,
    });
    const predicate = full.predicate as Record<string, unknown>;
    Object.assign(predicate.checks as Record<string, unknown>, s);
    if ('approval' in s) predicate.approval = s.approval;
    delete (predicate.checks as Record<string, unknown>).approval;
    const fact = (await verifier.verify(
      { bytes, checksum: sha256(bytes), size: bytes.length, name: '@a/x', version: '1.0.0' },
      { source: 't', declaredType: 'registry-attestation', bytes: attest(key, full) },
      { keys: [], registry: 'corp', offline: false },
    )) as RegistryAttestationFact;
    return { fact, bytes };
  }

  it('scans, publish policy and approvers reach facts/v1', async () => {
    const { fact, bytes } = await verified({
      ...evidence,
      approval: { approvers: ['bob'], at: '2026-12-07T00:00:00Z' },
    });
    expect(fact.valid).toBe(true);
    expect(fact.scans).toEqual(evidence.scans);
    expect(fact.publish_policy).toEqual(evidence.publish_policy);
    expect(fact.approved_by).toEqual(['bob']);
    const facts = buildFacts({
      name: '@a/x',
      version: '1.0.0',
      expected: sha256(bytes),
      actual: sha256(bytes),
      signatures: [fact],
      request: { verify: true, require_signature: false, no_verify: false },
    });
    expect(facts.attestations[0]).toMatchObject({
      scans: evidence.scans,
      publish_policy: evidence.publish_policy,
      approved_by: ['bob'],
    });
  });

  it('malformed evidence in a correctly signed statement makes the attestation invalid', async () => {
    const { fact } = await verified({ scans: 'clean', publish_policy: evidence.publish_policy });
    expect(fact.valid).toBe(false);
    expect(fact.errors.join()).toMatch(/scan evidence has no list of scans/);
    expect(fact.check).toBe('statement');
  });
});
