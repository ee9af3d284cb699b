import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadSecretRules, SecretsScanner } from '../src/secrets.js';
import { scanTarget, signal } from './support.js';

// Secrets are assembled at run time from random characters (never committed, never a real credential).
const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number, alphabet = alnum) =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const upper32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Every rule of rules/secrets.json: a text that must trigger it, and a near miss that must not. */
const CASES: Record<string, { hit: string; miss: string }> = {
  'private-key': {
    hit: `-----BEGIN ${'RSA '}PRIVATE KEY-----\n${rand(64)}\n`,
    miss: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n',
  },
  'aws-access-key-id': {
    hit: `export AWS_ACCESS_KEY_ID=${'AKIA'}${rand(16, upper32)}`,
    miss: `the documented example ${'AKIA'}IOSFODNN7EXAMPLE and AKIA-short`,
  },
  'aws-secret-access-key': {
    hit: `aws_secret_access_key = ${rand(40, alnum + '/+')}`,
    miss: `aws_secret_access_key = ${'x'.repeat(40)}`,
  },
  'github-token': { hit: `token ${'ghp_'}${rand(36)}`, miss: `ghp_${rand(10)} is too short` },
  'github-fine-grained-token': {
    hit: `${'github_pat_'}${rand(82, alnum + '_')}`,
    miss: `github_pat_${rand(20)}`,
  },
  'npm-token': { hit: `//registry.npmjs.org/:_authToken=${'npm_'}${rand(36)}`, miss: `npm_${rand(12)}` },
  'aam-token': { hit: `AAM_TOKEN=${'aam_'}${rand(43)}_${rand(6)}`, miss: `aam_${rand(20)}_abc` },
  'google-api-key': { hit: `key=${'AIza'}${rand(35, alnum + '_-')}`, miss: `AIza${rand(10)}` },
  'slack-token': { hit: `${'xoxb-'}${rand(12, '0123456789')}-${rand(24)}`, miss: 'xoxb-short' },
  'stripe-live-key': { hit: `${'sk_live_'}${rand(24)}`, miss: `sk_test_${rand(24)}` },
  'high-entropy-assignment': {
    hit: `api_key: "${rand(32, alnum + '+/')}"`,
    miss: `api_key: "${'a'.repeat(32)}" and password: "<your password here>"`,
  },
};

describe('the secrets rule set', () => {
  const rules = loadSecretRules();
  const scanner = new SecretsScanner(rules);

  it('has a test for every rule, and no test without a rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(rules.rules.map((r) => r.id).sort());
  });

  it.each(Object.entries(CASES))('%s: the text that must trigger it does', (id, c) => {
    const found = scanner.scanText('prompts/p.md', `line one\n${c.hit}\n`);
    expect(found.map((f) => f.rule)).toContain(id);
    const f = found.find((x) => x.rule === id)!;
    expect(f.line).toBe(2);
    expect(f.path).toBe('prompts/p.md');
  });

  it.each(Object.entries(CASES))('%s: the near miss does not', (id, c) => {
    expect(scanner.scanText('prompts/p.md', c.miss).map((f) => f.rule)).not.toContain(id);
  });

  it('never puts the secret itself in a finding', () => {
    const key = `${'AKIA'}${rand(16, upper32)}`;
    const gh = `${'ghp_'}${rand(36)}`;
    const found = scanner.scanText('a.md', `${key}\n${gh}\n`);
    expect(found).toHaveLength(2);
    for (const part of [key, key.slice(4), gh, gh.slice(4, 20)])
      expect(JSON.stringify(found)).not.toContain(part);
  });

  it('reads binary files too (a key pasted into an image is still found)', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0, 1, 2, 0xff]),
      Buffer.from(`${'AKIA'}${rand(16, upper32)}`),
      Buffer.from([0]),
    ]);
    const r = await scanner.scan(scanTarget({ 'img.png': bytes }), { signal: signal() });
    expect(r.findings.map((f) => f.rule)).toEqual(['aws-access-key-id']);
    expect(r.database).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a clean package has no findings', async () => {
    const text = '# My skill\n\nUse the https://example.org API with your own token (set `TOKEN`).\n';
    const r = await scanner.scan(scanTarget({ 'SKILL.md': text }), { signal: signal() });
    expect(r.findings).toEqual([]);
  });

  // Hostile input must not make a rule backtrack for minutes: a file is scanned in one go, and while a regular
  // expression runs, no timer (the registry's scan budget) can stop it. Each text is 1 MB.
  it.each([
    ['a long name before no assignment', 'token'.repeat(200_000)],
    ['names and separators, never a value', 'secret_key = '.repeat(80_000)],
    ['aws and secret, never a value', 'aws secret '.repeat(90_000)],
    ['an endless slack-like token', `xoxb-${'a-'.repeat(500_000)}`],
  ])('stays linear on %s', (_what, text) => {
    expect(Array.isArray(scanner.scanText('a.md', text))).toBe(true);
  });

  it('refuses a rule set with a broken pattern or an unknown severity', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'aam-rules-'));
    const bad = (rule: object) => {
      const f = join(dir, `r${Math.random()}.json`);
      writeFileSync(f, JSON.stringify({ version: '1', allow: [], rules: [rule] }));
      return f;
    };
    expect(() => loadSecretRules(bad({ id: 'x', severity: 'high', description: 'd', pattern: '(' }))).toThrow(
      /secrets rule x/,
    );
    expect(() => loadSecretRules(bad({ id: 'x', severity: 'huge', description: 'd', pattern: 'a' }))).toThrow(
      /severity/,
    );
  });
});
