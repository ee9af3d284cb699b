import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { caseConfig, SUITE } from '../conformance/support.js';
import { World } from './support/aam.js';

/**
 * A few of the Sigstore conformance suite's bundle-verify cases through the binary, as the fixture's README
 * describes: one `aam verify ARTIFACT --signature bundle.sigstore.json` process per case, with `--json`. A
 * `_fail` case must exit 1 with its signature fact invalid, every other case exit 0 with a valid fact. All 70
 * cases run in-process through the same code (test/conformance/sigstore-bundle-verify.test.ts); these show the
 * command itself gives the same verdicts: a happy path, a key-signed bundle, a custom trusted root, Rekor v2,
 * and refusals of each kind (signature, inclusion proof, wrong key, a malformed bundle, an untrusted TSA).
 */
const THROUGH_THE_BINARY = [
  'happy-path-v0.3',
  'managed-key-happy-path',
  'intoto-with-custom-trust-root',
  'rekor2-happy-path',
  'signature-mismatch_fail',
  'invalid-inclusion-proof_fail',
  'managed-key-wrong-key_fail',
  'bundle-malformed-json_fail',
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail',
];
const results: { name: string; ok: boolean }[] = [];

describe('Sigstore conformance: bundle-verify', () => {
  const w = new World();

  it.concurrent.each(THROUGH_THE_BINARY)('%s', async (name) => {
    const dir = join(SUITE, name);
    const file = (f: string) => join(dir, f);
    const project = join(w.root, 'cases', name);
    mkdirSync(join(project, '.aam'), { recursive: true });
    const keyCase = existsSync(file('key.pub'));
    writeFileSync(join(project, '.aam', 'config.yaml'), stringify(caseConfig(dir)));
    const artifact = existsSync(file('artifact')) ? file('artifact') : join(SUITE, 'a.txt');
    const r = await w.aam(
      [
        'verify',
        artifact,
        '--signature',
        file('bundle.sigstore.json'),
        ...(keyCase ? ['--key', file('key.pub')] : []),
        '--json',
      ],
      project,
    );
    const fail = name.endsWith('_fail');
    const expected = fail ? 1 : 0;
    let out: { facts?: { signatures?: { valid?: unknown; check?: unknown; errors?: unknown }[] } } = {};
    try {
      out = JSON.parse(r.stdout) as typeof out;
    } catch {
      // reported below: no JSON result
    }
    const fact = out.facts?.signatures?.[0];
    const ok = r.code === expected && fact?.valid === !fail;
    results.push({ name, ok });
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect({
      code: r.code,
      valid: fact?.valid,
      out: ok ? '' : r.stdout + r.stderr,
    }).toEqual({ code: expected, valid: !fail, out: '' });
    if (fail) expect(fact?.check).toEqual(expect.any(String));
  });

  afterAll(() => {
    const passed = results.filter((r) => r.ok).length;
    process.stdout.write(
      `Sigstore conformance through the binary: ${passed}/${THROUGH_THE_BINARY.length} cases as expected\n`,
    );
  });
});
