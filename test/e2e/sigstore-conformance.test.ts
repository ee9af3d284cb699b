import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { REPO, World } from './support/aam.js';

/**
 * The Sigstore client conformance suite's bundle-verify cases (sigstore/sigstore-conformance, Apache-2.0),
 * run as the fixture's README describes: one `aam verify ARTIFACT --signature bundle.sigstore.json` process
 * per case, with a project config trusting the case's expected identity (or key) and, when the case has one,
 * its trusted root. Each runs with `--json`: a `_fail` case must exit 1 with its signature fact invalid (a
 * valid signature refused only for its identity would not do), every other case exit 0 with a valid fact.
 */
const SUITE = join(REPO, 'test/fixtures/sigstore/conformance/bundle-verify');
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

const cases = readdirSync(SUITE)
  .filter((d) => statSync(join(SUITE, d)).isDirectory())
  .sort();

const text = (f: string): string => readFileSync(f, 'utf8').trim();
const results: { name: string; ok: boolean }[] = [];

describe('Sigstore conformance: bundle-verify', () => {
  const w = new World();

  it('has the 70 cases of the suite', () => {
    expect(cases).toHaveLength(70);
  });

  it.concurrent.each(cases)('%s', async (name) => {
    const dir = join(SUITE, name);
    const file = (f: string) => join(dir, f);
    const project = join(w.root, 'cases', name);
    mkdirSync(join(project, '.aam'), { recursive: true });
    const keyCase = existsSync(file('key.pub'));
    const security: Record<string, unknown> = {
      on_signature_failure: 'error',
      trusted_identities: [
        {
          identity: existsSync(file('identity')) ? text(file('identity')) : DEFAULT_IDENTITY,
          issuer: existsSync(file('issuer')) ? text(file('issuer')) : DEFAULT_ISSUER,
        },
      ],
    };
    if (keyCase) {
      // Trust the case's key by its SPKI digest (SPEC §4); a key Node cannot even parse is trusted by nothing.
      let der: Buffer | undefined;
      try {
        der = createPublicKey(readFileSync(file('key.pub'))).export({ type: 'spki', format: 'der' });
      } catch {
        der = undefined;
      }
      security.trusted_keys = der ? [`sha256:${createHash('sha256').update(der).digest('hex')}`] : [];
    }
    if (existsSync(file('trusted_root.json')))
      security.sigstore = { trusted_root: file('trusted_root.json') };
    writeFileSync(join(project, '.aam', 'config.yaml'), stringify({ security }));
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
      `Sigstore conformance (bundle-verify): ${passed}/${cases.length} cases as expected\n`,
    );
  });
});
