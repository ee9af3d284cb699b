import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { must, NO_STACK, REPO, World } from './support/aam.js';

const FAKE_PLUGIN = join(REPO, 'test/fixtures/plugins/aam-plugin-fake-verifier');

describe('config errors through the CLI: file, line, key; exit 2; no stack trace', () => {
  it.each([
    ['bad YAML', 'security:\n  require_signature: [true\n', /config\.yaml:\d+:\d+: invalid YAML/],
    [
      'a wrong type',
      'security:\n  require_signature: 7\n',
      /config\.yaml:2:22: security\.require_signature: must be boolean \(got 7\)/,
    ],
    [
      'require_checksum: false',
      'security:\n  require_checksum: false\n',
      /config\.yaml:2:21: security\.require_checksum: cannot be disabled/,
    ],
    [
      'an unknown on_signature_failure',
      'security:\n  on_signature_failure: maybe\n',
      /config\.yaml:2:25: security\.on_signature_failure: must be one of warn, error, ignore/,
    ],
  ])('%s in the global config', async (_label, yaml, message) => {
    const w = new World();
    writeFileSync(join(w.home, 'config.yaml'), yaml);
    for (const args of [
      ['config', 'validate'],
      ['install', 'x'],
      ['registry', 'list'],
    ]) {
      const r = await w.aam(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(NO_STACK);
    }
  });

  it('the project config is checked too, and overrides the global one', async () => {
    const w = new World();
    mkdirSync(join(w.project, '.aam'));
    writeFileSync(join(w.home, 'config.yaml'), 'security:\n  on_signature_failure: warn\n');
    writeFileSync(
      join(w.project, '.aam', 'config.yaml'),
      'security:\n  on_signature_failure: error\nmystery: 1\n',
    );
    const r = must(await w.aam(['config', 'list', '--json']));
    expect(JSON.parse(r.stdout).config.security.on_signature_failure).toBe('error');
    expect(r.stderr).toMatch(/⚠ .*\.aam\/config\.yaml:3:1: mystery: unknown key \(ignored\)/);
    writeFileSync(join(w.project, '.aam', 'config.yaml'), 'security:\n  trusted_identities: ["*"]\n');
    const bad = await w.aam(['config', 'validate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /\.aam\/config\.yaml:2:24: security\.trusted_identities\.0: '\*' is not an identity pattern/,
    );
  });

  it('AAM_CONFIG points at another global file', async () => {
    const w = new World();
    const other = join(w.root, 'other.yaml');
    writeFileSync(other, 'security:\n  require_signature: true\n');
    const r = must(await w.aam(['config', 'list', '--json'], w.project, { AAM_CONFIG: other }));
    expect(JSON.parse(r.stdout).config.security.require_signature).toBe(true);
  });
});

describe('aam registry', () => {
  it('init, add, list, remove, with the documented errors', async () => {
    const w = new World();
    must(await w.aam(['registry', 'init', w.registry]));
    const added = must(
      await w.aam(['registry', 'add', 'local', pathToFileURL(w.registry).href, '--default']),
    );
    expect(added.stdout).toContain("✓ Added registry 'local'");
    const dup = await w.aam(['registry', 'add', 'local', pathToFileURL(w.registry).href]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe(
      "Error: Registry 'local' already configured. Use 'aam registry remove local' first.\n",
    );
    const missing = await w.aam(['registry', 'add', 'nope', 'file:///definitely/not/here']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('Error: Registry path does not exist: /definitely/not/here\n');
    expect(JSON.parse(must(await w.aam(['registry', 'list', '--json'])).stdout).registries).toEqual([
      { name: 'local', url: pathToFileURL(w.registry).href, default: true },
    ]);
    const again = await w.aam(['registry', 'init', w.registry]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a registry/);
    must(await w.aam(['registry', 'remove', 'local']));
    const gone = await w.aam(['registry', 'remove', 'local']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe(
      "Error: No registries configured. Create a local one with 'aam registry init ./registry --default', or add one with 'aam registry add NAME URL --default'.\n",
    );
    expect(readFileSync(join(w.home, 'config.yaml'), 'utf8')).toContain('registries: []');
  });
});

describe('usage and help', () => {
  it('unknown flags and missing arguments exit 2 with a pointer to --help', async () => {
    const w = new World();
    const r = await w.aam(['install', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown flag: --bogus/);
    expect(r.stderr).toMatch(/See 'aam install --help'/);
    const info = await w.aam(['info']);
    expect(info.code).toBe(2);
    expect(info.stderr).toMatch(/Missing 1 required arg/);
  });

  it('--help explains install and its flags', async () => {
    const r = must(await new World().aam(['install', '--help']));
    for (const s of ['checksum', '--frozen', '--dry-run', '--global', 'NAME@RANGE', 'EXAMPLES'])
      expect(r.stdout).toContain(s);
  });
});

describe('plugins', () => {
  it('a third-party verifier plugin from a separate package is resolved from the container', async () => {
    const w = new World();
    writeFileSync(join(w.home, 'config.yaml'), `plugins:\n  - ${FAKE_PLUGIN}\n`);
    const r = JSON.parse(must(await w.aam(['plugin', 'list', '--json'])).stdout);
    expect(r.plugins).toEqual([
      '@aam/plugin-sigstore',
      '@aam/plugin-gpg',
      '@aam/plugin-attestation',
      'aam-plugin-fake-verifier',
    ]);
    expect(r.verifiers).toEqual(['sigstore', 'gpg', 'registry-attestation', 'fake-kms']);
    expect(r.signers).toEqual(['sigstore', 'gpg', 'fake-kms']);
    // Relative paths resolve from the file that names them; $AAM_PLUGINS works too.
    const viaEnv = JSON.parse(
      must(await w.aam(['plugin', 'list', '--json'], w.project, { AAM_PLUGINS: FAKE_PLUGIN })).stdout,
    );
    expect(viaEnv.verifiers).toEqual(['sigstore', 'gpg', 'registry-attestation', 'fake-kms', 'fake-kms']);
  });

  it('a plugin that is missing or exports no AamPlugin is a clear error, exit 2', async () => {
    const w = new World();
    writeFileSync(join(w.root, 'not-a-plugin.mjs'), 'export const x = 1;\n');
    writeFileSync(join(w.home, 'config.yaml'), `plugins:\n  - ../not-a-plugin.mjs\n`);
    const r = await w.aam(['plugin', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Plugin '\.\.\/not-a-plugin\.mjs' does not export an AamPlugin/);
    writeFileSync(join(w.home, 'config.yaml'), `plugins:\n  - aam-plugin-that-does-not-exist\n`);
    const missing = await w.aam(['plugin', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Plugin 'aam-plugin-that-does-not-exist' not found/);
  });
});
