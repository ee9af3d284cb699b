import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, mergeConfig } from '../src/config/load.js';
import { addRegistryToConfig, removeRegistryFromConfig } from '../src/config/edit.js';
import { identityPatternKind } from '../src/config/identity-pattern.js';
import { durationSeconds, policyConfig } from '../src/policy/translate.js';

function homeWith(
  global?: string,
  project?: string,
): { env: NodeJS.ProcessEnv; projectDir: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), 'aam-config-'));
  const home = join(root, 'home');
  const projectDir = join(root, 'proj');
  mkdirSync(home, { recursive: true });
  mkdirSync(join(projectDir, '.aam'), { recursive: true });
  if (global !== undefined) writeFileSync(join(home, 'config.yaml'), global);
  if (project !== undefined) writeFileSync(join(projectDir, '.aam', 'config.yaml'), project);
  return { env: { AAM_HOME: home }, projectDir, home };
}

function loadError(global: string): { code?: string; message: string } {
  const { env, projectDir } = homeWith(global);
  try {
    loadConfig({ env, projectDir });
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected the config to be refused');
}

describe('config loading and merging', () => {
  it('uses the defaults when there are no files', () => {
    const { env, projectDir } = homeWith();
    const { config } = loadConfig({ env, projectDir });
    expect(config.security).toMatchObject({
      require_checksum: true,
      require_signature: false,
      on_signature_failure: 'warn',
    });
    expect(config.limits.max_archive_size).toBe(50 * 1024 * 1024);
  });

  it('merges flags > project > global > defaults; objects deep, lists replaced whole', () => {
    const { env, projectDir } = homeWith(
      'security:\n  on_signature_failure: error\n  trusted_keys: ["AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA"]\n  trusted_identities: ["*@corp.example"]\n',
      'security:\n  require_signature: true\n  trusted_identities: ["alice@example.com"]\n',
    );
    const { config, layers } = loadConfig({
      env,
      projectDir,
      overrides: { security: { on_signature_failure: 'warn' } },
    });
    expect(layers.map((l) => l.scope)).toEqual(['global', 'project']);
    expect(config.security.require_signature).toBe(true);
    expect(config.security.trusted_identities).toEqual(['alice@example.com']); // replaced, not unioned
    expect(config.security.trusted_keys).toHaveLength(1); // inherited from global
    expect(config.security.on_signature_failure).toBe('warn'); // flag wins
  });

  it('AAM_CONFIG names the global file instead of AAM_HOME/config.yaml', () => {
    const { env, projectDir, home } = homeWith('security:\n  require_signature: false\n');
    const other = join(home, 'other.yaml');
    writeFileSync(other, 'security:\n  require_signature: true\n');
    expect(
      loadConfig({ env: { ...env, AAM_CONFIG: other }, projectDir }).config.security.require_signature,
    ).toBe(true);
    expect(() => loadConfig({ env: { ...env, AAM_CONFIG: join(home, 'missing.yaml') }, projectDir })).toThrow(
      /does not exist/,
    );
  });

  it('mergeConfig replaces arrays and scalars, merges objects', () => {
    expect(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 2,
    });
  });
});

describe('config errors name file, line and key (exit 2)', () => {
  it('bad YAML', () => {
    const e = loadError('security:\n  require_signature: true\n   bad: [\n');
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(/config\.yaml:2:22: invalid YAML: Nested mappings/);
  });

  it('a wrong type', () => {
    const e = loadError('security:\n  require_signature: "yes please"\n');
    expect(e.message).toMatch(
      /config\.yaml:2:22: security\.require_signature: must be boolean \(got "yes please"\)/,
    );
  });

  it('require_checksum: false cannot disable checksums', () => {
    const e = loadError('security:\n  require_checksum: false\n');
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(/config\.yaml:2:21: security\.require_checksum: cannot be disabled/);
  });

  it('an unknown on_signature_failure value', () => {
    const e = loadError('security:\n  on_signature_failure: allow\n');
    expect(e.message).toMatch(
      /config\.yaml:2:25: security\.on_signature_failure: must be one of warn, error, ignore \(got "allow"\)/,
    );
  });

  it('an identity pattern that fits no row of SPEC §4', () => {
    const e = loadError('security:\n  trusted_identities:\n    - "*@example.com"\n    - "alice*"\n');
    expect(e.message).toMatch(
      /config\.yaml:4:7: security\.trusted_identities\.1: 'alice\*' is not an identity pattern/,
    );
  });

  it('a short (key-id) fingerprint in trusted_keys', () => {
    const e = loadError('security:\n  trusted_keys: ["ABCD1234EF567890"]\n');
    expect(e.message).toMatch(
      /security\.trusted_keys\.0: 'ABCD1234EF567890' is not a full OpenPGP fingerprint/,
    );
  });

  it('lists every problem, first line first', () => {
    const e = loadError('security:\n  require_signature: 3\n  on_signature_failure: nope\n');
    expect(e.message.split('\n').slice(1)).toEqual([
      expect.stringMatching(/:2:\d+: security\.require_signature/),
      expect.stringMatching(/:3:\d+: security\.on_signature_failure/),
    ]);
  });

  it('unknown keys are warnings, not errors, outside security:', () => {
    const { env, projectDir } = homeWith('security:\n  require_signature: true\ncolour: blue\nlimts: {}\n');
    const { warnings, config } = loadConfig({ env, projectDir });
    expect(config.security.require_signature).toBe(true);
    expect(warnings).toEqual([
      expect.objectContaining({ key: 'colour', line: 3, message: 'unknown key (ignored)' }),
      expect.objectContaining({
        key: 'limts',
        line: 4,
        message: 'unknown key (ignored) (did you mean `limits`?)',
      }),
    ]);
  });

  it('under security: an unknown key is an error that names the key it should be', () => {
    for (const [text, line, hint] of [
      ['security:\n  requre_signature: true\n', 2, ' (did you mean `require_signature`?)'],
      ['security:\n  colour: blue\n', 2, ''],
      ['security:\n  sigstore:\n    trusted_rot: /x\n', 3, ' (did you mean `trusted_root`?)'],
      [
        'security:\n  trusted_identities:\n    - identity: a@example.com\n      isuer: https://x\n',
        4,
        ' (did you mean `issuer`?)',
      ],
    ] as const) {
      const e = loadError(text);
      expect(e.code, text).toBe('INVALID_CONFIG');
      expect((e as { exitCode?: number }).exitCode).toBe(2);
      expect(e.message).toContain(`config.yaml:${line}:`);
      expect(e.message).toContain(
        `unknown key${hint}: a misspelt security setting would leave the default in force`,
      );
    }
  });
});

describe("the required registry attestation and audit log (the seed's Maximum level)", () => {
  it('both default to false and take booleans only', () => {
    const { env, projectDir } = homeWith();
    expect(loadConfig({ env, projectDir }).config.security).toMatchObject({
      require_registry_attestation: false,
      require_audit_log: false,
    });
    const e = loadError('security:\n  require_registry_attestation: true\n  require_audit_log: "yes"\n');
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(/config\.yaml:3:22: security\.require_audit_log: must be boolean/);
  });

  it('max_log_age takes whole seconds or 30m/24h/7d; anything else is refused, never read as "no limit"', () => {
    for (const [value, seconds] of [
      ['90', 90],
      ['"45s"', 45],
      ['"30m"', 1800],
      ['"24h"', 86_400],
      ['"7d"', 604_800],
    ] as const) {
      const { env, projectDir } = homeWith(`security:\n  max_log_age: ${value}\n`);
      const sec = loadConfig({ env, projectDir }).config.security;
      expect(durationSeconds(sec.max_log_age), value).toBe(seconds);
      expect(policyConfig(sec).max_log_age).toBe(seconds);
    }
    for (const bad of ['0', '-5', '1.5', '"24"', '"1w"', '"0h"', '"24 h"', '""', 'true'])
      expect(loadError(`security:\n  max_log_age: ${bad}\n`), bad).toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringMatching(/security\.max_log_age/),
      });
    // Unset: no limit (0 in the policy's data).
    expect(durationSeconds(undefined)).toBe(0);
    // Past the schema (a config built in code): a value that is not a duration is an error, not 0.
    expect(() => durationSeconds('soon')).toThrow(/max_log_age/);
    expect(() => durationSeconds(-1)).toThrow(/max_log_age/);
  });

  it('a complete Maximum config with an HTTP registry loads without warnings', () => {
    const { env, projectDir } = homeWith(
      [
        'security:',
        '  require_signature: true',
        '  on_signature_failure: error',
        '  trusted_identities: ["*@corp.example"]',
        '  trust_registry_attestations: true',
        '  trusted_registries: [corp]',
        '  require_registry_attestation: true',
        '  require_audit_log: true',
        'registries:',
        '  - {name: corp, url: "https://registry.corp.example", default: true}',
        '',
      ].join('\n'),
    );
    const { config, warnings } = loadConfig({ env, projectDir });
    expect(warnings).toEqual([]);
    expect(config.security.require_registry_attestation).toBe(true);
    expect(config.security.require_audit_log).toBe(true);
  });

  it('warns, at the key of the file that set it, when no attestation can satisfy the requirement', () => {
    const { env, projectDir } = homeWith(
      'security:\n  trust_registry_attestations: true\n  trusted_registries: [corp]\n',
      'security:\n  require_registry_attestation: true\n  trust_registry_attestations: false\n',
    );
    const { warnings } = loadConfig({ env, projectDir });
    expect(warnings).toEqual([
      expect.objectContaining({
        file: join(projectDir, '.aam', 'config.yaml'),
        key: 'security.require_registry_attestation',
        line: 2,
        message: expect.stringMatching(/trust_registry_attestations is false: every package fails/),
      }),
    ]);
  });

  it('says clearly that local (file://) registries have no attestations and no audit log', () => {
    const { env, projectDir } = homeWith(
      [
        'registries:',
        '  - {name: local, url: "file:///srv/aam", default: true}',
        '  - {name: corp, url: "https://registry.corp.example"}',
        'security:',
        '  require_audit_log: true',
        '',
      ].join('\n'),
    );
    const { warnings } = loadConfig({ env, projectDir });
    expect(warnings.map((w) => [w.key, w.line, w.message])).toEqual([
      [
        'registries.0.url',
        2,
        "'local' is a local (file://) registry: it has no attestations and no audit log, so under require_audit_log its packages fail",
      ],
    ]);
    // Without the requirements, a local registry is fine.
    const plain = homeWith('registries:\n  - {name: local, url: "file:///srv/aam"}\n');
    expect(loadConfig(plain).warnings).toEqual([]);
  });
});

describe('identity patterns', () => {
  it.each([
    ['alice@example.com', 'email'],
    ['*@example.com', 'email-domain'],
    ['github:torvalds', 'github'],
    ['github:sigstore/cosign', 'github'],
    ['gitlab:group/sub/project', 'gitlab'],
    ['https://github.com/o/r/.github/workflows/release.yml@refs/heads/main', 'uri'],
  ])('%s is %s', (p, kind) => expect(identityPatternKind(p)).toBe(kind));
  it.each([
    '*',
    '*@*',
    'alice',
    'github:',
    'github:a/b/c',
    'http://insecure.example/x',
    '*.example.com',
    'a*@example.com',
  ])('%s is refused', (p) => {
    expect(identityPatternKind(p)).toBeUndefined();
  });
});

describe('editing the global config', () => {
  it('adds and removes registries, keeping comments; one default at a time', async () => {
    const { home } = homeWith('# my settings\nsecurity:\n  require_signature: false # keep\n');
    const file = join(home, 'config.yaml');
    await addRegistryToConfig(file, { name: 'a', url: 'file:///tmp/a', default: true });
    await addRegistryToConfig(file, { name: 'b', url: 'file:///tmp/b', default: true });
    await expect(addRegistryToConfig(file, { name: 'b', url: 'file:///tmp/c' })).rejects.toThrow(
      /already configured/,
    );
    const { config } = loadConfig({ env: { AAM_HOME: home } });
    expect(config.registries).toEqual([
      { name: 'a', url: 'file:///tmp/a' },
      { name: 'b', url: 'file:///tmp/b', default: true },
    ]);
    await removeRegistryFromConfig(file, 'a');
    await expect(removeRegistryFromConfig(file, 'a')).rejects.toThrow(/Registry 'a' is not configured/);
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    expect(text).toContain('# my settings');
    expect(text).toContain('# keep');
  });
});
