import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { must, NO_STACK, REPO, snapshot, World } from './support/aam.js';

const FAKE_PLUGIN = join(REPO, 'test/fixtures/plugins/aam-plugin-fake-verifier');
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const CORP = join(REPO, 'policies/examples/corp');

function globalConfig(w: World, extra: Record<string, unknown>): void {
  const file = join(w.home, 'config.yaml');
  writeFileSync(file, stringify({ ...parse(readFileSync(file, 'utf8')), ...extra }));
}

/** Attaches a signature made by the test plugin's "KMS" key to a published version, as a signer would. */
function signWithFakeKms(w: World, dir: string, version: string, keyId: string, forChecksum?: string): void {
  const metaFile = join(w.registry, 'packages', dir, 'metadata.yaml');
  const meta = parse(readFileSync(metaFile, 'utf8'));
  const entry = meta.versions.find((v: { version: string }) => v.version === version);
  const file = `${version}.aam.fake-kms.json`;
  writeFileSync(
    join(w.registry, 'packages', dir, 'versions', file),
    `FAKE-KMS:${keyId}:${forChecksum ?? entry.checksum}`,
  );
  entry.signatures = [{ type: 'fake-kms', file, fingerprint: `sha256:${keyId}` }];
  writeFileSync(metaFile, stringify(meta));
}

describe('install decides through the trust policy', () => {
  it('require_signature: an unsigned package fails (exit 1), nothing installed; --no-verify is refused', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    globalConfig(w, { security: { require_signature: true } });
    const before = snapshot(w.project);
    const r = await w.aam(['install', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ x@1.0.0 is not signed, and require_signature is true');
    // The reason is printed once; the command ends with the summary, not the reason again.
    expect(r.stderr).toBe('✗ Summary: 0 passed, 0 warned, 1 refused (unsigned ×1); nothing was installed\n');
    expect(snapshot(w.project)).toEqual(before);
    const bypass = await w.aam(['install', 'x', '--no-verify']);
    expect(bypass.code).toBe(2);
    expect(bypass.stderr).toMatch(/--no-verify is refused: require_signature is true/);
    const json = JSON.parse((await w.aam(['install', 'x', '--json'])).stdout);
    expect(json.error).toMatchObject({
      code: 'POLICY_REFUSED',
      decision: { outcome: 'fail', reasons: [expect.objectContaining({ code: 'unsigned' })] },
    });
  });

  it('--require-signature on the command line does the same; --verify only notes an unsigned package', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    expect((await w.aam(['install', 'x', '--require-signature'])).code).toBe(1);
    const r = must(await w.aam(['install', 'x', '--verify']));
    expect(r.stdout).toContain('  Note: x@1.0.0 is not signed');
    const both = await w.aam(['install', 'x', '--require-signature', '--no-verify']);
    expect(both.code).toBe(2);
  });

  it('a plugin-verified signature from a trusted key installs, and the signer is recorded in the lock', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    signWithFakeKms(w, 'x', '1.0.0', KEY_A);
    globalConfig(w, {
      plugins: [FAKE_PLUGIN],
      security: { require_signature: true, on_signature_failure: 'error', trusted_keys: [`sha256:${KEY_A}`] },
    });
    const r = must(await w.aam(['install', 'x']));
    expect(r.stdout).toContain('✓ fake-kms signature valid');
    expect(r.stdout).toContain(`  Key: sha256:${KEY_A}`);
    expect(r.stdout).toContain('✓ Key trusted');
    const lock = parse(readFileSync(join(w.project, '.aam', 'aam-lock.yaml'), 'utf8'));
    expect(lock.packages.x.signatures).toEqual([{ type: 'fake-kms', fingerprint: `sha256:${KEY_A}` }]);
    must(await w.aam(['verify']));
  });

  it('an untrusted key, or a signature over other bytes, follows on_signature_failure', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    signWithFakeKms(w, 'x', '1.0.0', KEY_B);
    globalConfig(w, {
      plugins: [FAKE_PLUGIN],
      security: { require_signature: true, on_signature_failure: 'warn', trusted_keys: [`sha256:${KEY_A}`] },
    });
    const warned = must(await w.aam(['install', 'x']));
    expect(warned.stdout).toMatch(/⚠ fake-kms signature by sha256:b+ is valid but not trusted/);
    globalConfig(w, {
      security: { require_signature: true, on_signature_failure: 'error', trusted_keys: [`sha256:${KEY_A}`] },
    });
    signWithFakeKms(w, 'x', '1.0.0', KEY_A, `sha256:${'0'.repeat(64)}`);
    const refused = await w.aam(['install', 'x', '--force']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/✗ fake-kms signature invalid: digest does not match the artifact/);
  });

  it('trust on first use: a later version signed by another key warns with signer_changed', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    signWithFakeKms(w, 'x', '1.0.0', KEY_A);
    globalConfig(w, {
      plugins: [FAKE_PLUGIN],
      security: { trusted_keys: [`sha256:${KEY_A}`, `sha256:${KEY_B}`] },
    });
    must(await w.aam(['install', 'x', '--verify']));
    await w.publish('x', '1.1.0');
    signWithFakeKms(w, 'x', '1.1.0', KEY_B);
    const r = must(await w.aam(['install', 'x@1.1.0', '--verify']));
    expect(r.stdout).toMatch(
      /⚠ x@1\.1\.0 was installed before with a trusted signer that no longer signs it/,
    );
    globalConfig(w, {
      security: { on_signature_failure: 'error', trusted_keys: [`sha256:${KEY_A}`, `sha256:${KEY_B}`] },
    });
    await w.publish('x', '1.2.0');
    expect((await w.aam(['install', 'x@1.2.0'])).code).toBe(1); // unsigned now, under error
  });

  it('a verifier-less signature type is an invalid signature, never a pass', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    signWithFakeKms(w, 'x', '1.0.0', KEY_A);
    globalConfig(w, {
      security: { require_signature: true, on_signature_failure: 'error', trusted_keys: [`sha256:${KEY_A}`] },
    });
    const r = await w.aam(['install', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /✗ fake-kms signature invalid: no installed verifier recognises this fake-kms signature/,
    );
  });
});

describe('enterprise modules (policy.modules)', () => {
  it('the example module denies a @corp package with fewer than two trusted signers', async () => {
    const w = await new World().withRegistry();
    await w.publish('@corp/tool', '1.0.0');
    globalConfig(w, { policy: { modules: [CORP] } });
    const r = await w.aam(['install', '@corp/tool']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ @corp/tool needs 2 distinct trusted signers, has 0');
    must(
      await w
        .aam(['install', '@corp/tool', '--json'], w.project, { AAM_HOME: w.home })
        .then(() => w.aam(['policy', 'test', join(CORP, 'cases')])),
    );
  });

  it('a Rego syntax error is reported with its file and line, exit 2', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const mod = join(w.root, 'broken.rego');
    writeFileSync(
      mod,
      'package aam.custom\n\nimport rego.v1\n\ndeny contains "x" if {\n  input.package.name ==\n}\n',
    );
    globalConfig(w, { policy: { modules: [mod] } });
    const r = await w.aam(['install', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${mod.replace(/[.]/g, '\\.')}:7: rego_parse_error: `));
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('a module outside package aam.custom is refused, exit 2', async () => {
    const w = await new World().withRegistry();
    const mod = join(w.root, 'override.rego');
    writeFileSync(
      mod,
      '# sneaky\npackage aam.trust\n\nimport rego.v1\n\nreasons contains {"code": "x", "effect": "pass"} if true\n',
    );
    globalConfig(w, { policy: { modules: [mod] } });
    const r = await w.aam(['policy', 'show']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /override\.rego: package aam\.trust: enterprise modules must declare 'package aam\.custom'/,
    );
    // A line break after `package`, and a decoy declaration in a raw string, do not hide the real package.
    writeFileSync(
      mod,
      'package\naam.trust\n\nimport rego.v1\n\ndecoy := `\npackage aam.custom\n`\n\nchecksum_ok if true\n',
    );
    const sneaky = await w.aam(['policy', 'show']);
    expect(sneaky.code).toBe(2);
    expect(sneaky.stderr).toMatch(/package aam\.trust: enterprise modules must declare/);
  });

  it('without opa, compiling modules says exactly how to install it', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    globalConfig(w, { policy: { modules: [CORP] } });
    const r = await w.aam(['install', 'x'], w.project, {
      AAM_OPA: join(w.root, 'no-opa-here'),
      AAM_HOME: w.home,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /The 'opa' binary is needed to compile the enterprise modules in policy\.modules but was not found: install it with: CGO_ENABLED=0 go install github\.com\/open-policy-agent\/opa@v1\.22\.3/,
    );
  });

  it('policy build writes a bundle that policy.bundle then uses', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    globalConfig(w, { security: { require_signature: true } });
    const bundle = join(w.root, 'corp-policy.tar.gz');
    must(await w.aam(['policy', 'build', '-o', bundle]));
    expect(existsSync(bundle)).toBe(true);
    // The bundle carries its config (require_signature: true) even when config.yaml says otherwise.
    globalConfig(w, { security: { require_signature: false }, policy: { bundle } });
    const r = await w.aam(['install', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('is not signed, and require_signature is true');
    // --require-signature tightens a bundle whose own config does not require signatures.
    globalConfig(w, { security: { require_signature: false }, policy: {} });
    const lax = join(w.root, 'lax.tar.gz');
    must(await w.aam(['policy', 'build', '-o', lax]));
    globalConfig(w, { policy: { bundle: lax } });
    must(await w.aam(['install', 'x']));
    expect((await w.aam(['install', 'x', '--require-signature', '--force'])).code).toBe(1);
  });
});

describe('aam policy eval / test / init / show', () => {
  const facts = {
    facts_version: 1,
    package: { name: '@a/x', version: '1.0.0' },
    checksum: { expected: `sha256:${'a'.repeat(64)}`, actual: `sha256:${'a'.repeat(64)}` },
    signatures: [
      {
        type: 'sigstore',
        valid: true,
        errors: [],
        identity: 'a@sub.example.com',
        issuer: 'https://accounts.google.com',
      },
    ],
    attestations: [],
    request: { verify: true, require_signature: false, no_verify: false },
  };

  it('eval --explain says which entry matched and why the others did not', async () => {
    const w = new World();
    writeFileSync(
      join(w.home, 'config.yaml'),
      'security:\n  trusted_identities: ["*@example.com", "github:sigstore"]\n  on_signature_failure: error\n',
    );
    const input = join(w.root, 'facts.json');
    writeFileSync(input, JSON.stringify(facts));
    const r = await w.aam(['policy', 'eval', '--input', input, '--explain']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Outcome: fail');
    expect(r.stdout).toContain(
      '✗ identity "*@example.com": email a@sub.example.com is not in domain example.com (subdomains do not count)',
    );
    expect(r.stdout).toContain(
      '✗ identity "github:sigstore": issuer https://accounts.google.com is not https://token.actions.githubusercontent.com',
    );
    const json = JSON.parse((await w.aam(['policy', 'eval', '--input', input, '--json'])).stdout);
    expect(json.decision.reasons[0]).toMatchObject({
      code: 'signer_untrusted',
      effect: 'fail',
      rule: 'aam.trust.signer_untrusted',
      signature: 0,
    });
  });

  it('eval --explain replays a require_scans decision from the attestation facts alone', async () => {
    const w = new World();
    writeFileSync(
      join(w.home, 'config.yaml'),
      'security:\n  trust_registry_attestations: true\n  trusted_registries: [corp]\n  require_scans: [clamav, secrets]\n',
    );
    const digest = `sha256:${'a'.repeat(64)}`;
    const attested = {
      ...facts,
      package: { ...facts.package, registry: 'corp' },
      signatures: [],
      attestations: [
        {
          type: 'registry-attestation',
          valid: true,
          errors: [],
          registry: 'corp',
          subject_digest: digest,
          name: '@a/x',
          version: '1.0.0',
          scans: [{ name: 'clamav', version: '1.4.3', database: null, result: 'clean', findings: [] }],
          publish_policy: { digest: `sha256:${'c'.repeat(64)}`, decision: 'accept', reasons: [] },
        },
      ],
    };
    const input = join(w.root, 'facts.json');
    writeFileSync(input, JSON.stringify(attested));
    const r = await w.aam(['policy', 'eval', '--input', input, '--explain']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '✓ scan_clean (aam.trust.scan_clean): registry corp attests a clean clamav scan (1.4.3, database none)',
    );
    expect(r.stdout).toContain(
      '✗ scan_missing (aam.trust.scan_missing): @a/x@1.0.0 from registry corp has no secrets scan on record, and require_scans names it (its trusted attestation records clamav)',
    );
    expect(r.stdout).toContain('Required scans: clamav clean, secrets missing');
    // What a registry signed is still shown, not obeyed: an escape sequence in a rule name reaches no terminal.
    const hostile = structuredClone(attested);
    hostile.attestations[0]!.scans = [
      {
        name: 'secrets',
        version: '1.0.0',
        database: null,
        result: 'findings',
        findings: [{ rule: 'r\u001b]0;owned\u0007', severity: 'high', path: 'p.md' }],
      },
    ] as never;
    writeFileSync(input, JSON.stringify(hostile));
    const h = await w.aam(['policy', 'eval', '--input', input]);
    expect(h.stdout).toContain('scan_not_clean');
    expect(h.stdout).toContain('r\ufffd]0;owned\ufffd');
    expect(h.stdout.includes('\u001b]0;')).toBe(false);
  });

  it('eval refuses facts that do not fit facts/v1, naming the line (exit 2)', async () => {
    const w = new World();
    const input = join(w.root, 'facts.yaml');
    writeFileSync(input, stringify({ ...facts, request: { verify: 'yes' } }));
    const r = await w.aam(['policy', 'eval', '--input', input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/facts\.yaml:\d+:\d+: request/);
  });

  it('test runs a folder of cases and fails on a wrong expectation', async () => {
    const w = new World();
    const dir = join(w.root, 'cases');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'ok.yaml'),
      stringify({
        name: 'subdomain is untrusted',
        config: { trusted_identities: ['*@example.com'] },
        facts,
        expect: { outcome: 'warn', codes: ['signer_untrusted'] },
      }),
    );
    expect(must(await w.aam(['policy', 'test', dir])).stdout).toBe(
      '✓ subdomain is untrusted\n1 passed, 0 failed\n',
    );
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ name: 'wrong', facts, expect: { outcome: 'install' } }),
    );
    const r = await w.aam(['policy', 'test', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ wrong (');
    expect(r.stdout).toContain('expected install, got warn [signer_untrusted]');
    expect(r.stdout).toContain('1 passed, 1 failed');
  });

  it('init --level writes the preset into the project config, keeping other keys', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    mkdirSync(join(w.project, '.aam'));
    writeFileSync(
      join(w.project, '.aam', 'config.yaml'),
      '# team policy\nsecurity:\n  trusted_identities: ["*@corp.example"]\n',
    );
    const r = must(await w.aam(['policy', 'init', '--level', 'strict']));
    expect(r.stdout).toContain('Next: list who you trust');
    const text = readFileSync(join(w.project, '.aam', 'config.yaml'), 'utf8');
    expect(text).toContain('# team policy');
    expect(parse(text).security).toEqual({
      trusted_identities: ['*@corp.example'],
      require_signature: true,
      on_signature_failure: 'error',
    });
    expect((await w.aam(['install', 'x'])).code).toBe(1);
    must(await w.aam(['policy', 'init', '--level', 'minimal']));
    must(await w.aam(['install', 'x']));
    const bad = await w.aam(['policy', 'init', '--level', 'paranoid']);
    expect(bad.code).toBe(2);
  });

  it('init --level maximum requires signatures, a trusted registry attestation and a consistent audit log', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const r = must(await w.aam(['policy', 'init', '--level', 'maximum']));
    expect(r.stdout).toContain('security.require_registry_attestation: true');
    expect(r.stdout).toContain('security.require_audit_log: true');
    expect(r.stdout).toContain('security.max_log_age: "24h"');
    expect(r.stdout).toMatch(/Next: list who you trust .*security\.trusted_registries/);
    expect(parse(readFileSync(join(w.project, '.aam', 'config.yaml'), 'utf8')).security).toEqual({
      require_signature: true,
      on_signature_failure: 'error',
      trust_registry_attestations: true,
      require_registry_attestation: true,
      require_audit_log: true,
      max_log_age: '24h',
    });
    // The test registry is local (file://): no attestation, no audit log, so the install is refused.
    const install = await w.aam(['install', 'x']);
    expect(install.code).toBe(1);
    expect(install.stderr).toMatch(/local \(file:\/\/\) registry: it has no attestations and no audit log/);
    expect(install.stdout).toMatch(/has no valid attestation from a trusted registry/);
  });

  it('show prints the generated module', async () => {
    const w = new World();
    writeFileSync(join(w.home, 'config.yaml'), 'security:\n  trusted_identities: ["alice@example.com"]\n');
    const r = must(await w.aam(['policy', 'show']));
    expect(r.stdout).toContain('package aam.config');
    expect(r.stdout).toContain('"alice@example.com"');
  });
});
