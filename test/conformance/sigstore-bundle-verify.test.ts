import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { verifyFileInProcess } from '../support/verify-file.js';
import { caseConfig, SUITE } from './support.js';

/**
 * The Sigstore client conformance suite's bundle-verify cases (sigstore/sigstore-conformance, Apache-2.0), all
 * 70, in-process: each case is what `aam verify ARTIFACT --signature bundle.sigstore.json [--key key.pub]` does
 * (test/support/verify-file.ts: the same config loading, plugin container, trust context, verifier and policy
 * engine; only oclif and the process are left out), with a project config trusting the case's expected identity
 * (or key) and, when the case has one, its trusted root. A `_fail` case must be refused by the policy (`verified` false) with its
 * signature fact invalid and the failing check named (a valid signature refused only for its identity would
 * not do); every other case must verify with a valid fact. A few cases also run through the binary
 * (test/e2e/sigstore-conformance.test.ts).
 */
const cases = readdirSync(SUITE)
  .filter((d) => statSync(join(SUITE, d)).isDirectory())
  .sort();

const results: { name: string; ok: boolean }[] = [];

describe('Sigstore conformance: bundle-verify (in-process, every case)', () => {
  const root = mkdtempSync(join(tmpdir(), 'aam-conformance-'));

  it('has the 70 cases of the suite', () => {
    expect(cases).toHaveLength(70);
  });

  it.each(cases)('%s', async (name) => {
    const dir = join(SUITE, name);
    const env = { AAM_HOME: join(root, 'home') };
    const project = join(root, 'cases', name);
    mkdirSync(join(project, '.aam'), { recursive: true });
    writeFileSync(join(project, '.aam', 'config.yaml'), stringify(caseConfig(dir)));
    const keyCase = existsSync(join(dir, 'key.pub'));
    const { facts, decision } = await verifyFileInProcess({
      projectDir: project,
      env,
      file: existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(SUITE, 'a.txt'),
      signatures: [join(dir, 'bundle.sigstore.json')],
      keys: keyCase ? [join(dir, 'key.pub')] : [],
    });
    const fail = name.endsWith('_fail');
    const fact = facts.signatures[0];
    const ok = decision.verified === !fail && fact?.valid === !fail;
    results.push({ name, ok });
    expect({ verified: decision.verified, valid: fact?.valid, errors: ok ? [] : fact?.errors }).toEqual({
      verified: !fail,
      valid: !fail,
      errors: [],
    });
    if (fail) expect(fact?.check).toEqual(expect.any(String));
  });

  afterAll(() => {
    const passed = results.filter((r) => r.ok).length;
    process.stdout.write(
      `Sigstore conformance (bundle-verify): ${passed}/${cases.length} cases as expected\n`,
    );
  });
});
