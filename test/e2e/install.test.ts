import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { must, NO_STACK, snapshot, World } from './support/aam.js';

const SEED_BLOCK = (pkg: string, expected: string, got: string): string =>
  [
    'ERROR: Checksum verification failed',
    `  Package: ${pkg}`,
    `  Expected: ${expected}`,
    `  Got: ${got}`,
    'The package may have been tampered with or corrupted during download.',
    'Suggestions:',
    '  1. Try downloading again (may be a network issue)',
    '  2. Contact package author if problem persists',
    '  3. Check registry integrity',
  ].join('\n');

const archiveIn = (w: World, dir: string, version: string): string =>
  join(w.registry, 'packages', dir, 'versions', `${version}.aam`);

describe('aam install: Layer 1 end to end (separate processes)', () => {
  it('packs, publishes, installs with the checksum verified, and writes the lock', async () => {
    const w = await new World().withRegistry();
    const dir = await w.makePackage('@author/my-package', '1.0.0', {
      files: { 'skills/my-package/extra.md': 'extra\n' },
    });
    must(await w.aam(['pkg', 'validate', dir]));
    const pack = must(await w.aam(['pkg', 'pack', dir]));
    expect(pack.stdout).toMatch(
      /^✓ Built author-my-package-1\.0\.0\.aam \(\d+(\.\d)? (B|KB)\)\nChecksum: sha256:[0-9a-f]{64}\n$/,
    );
    const checksum = /Checksum: (sha256:[0-9a-f]{64})/.exec(pack.stdout)![1]!;
    must(await w.aam(['pkg', 'publish', dir]));

    const r = must(await w.aam(['install', '@author/my-package']));
    expect(r.stdout).toBe(
      [
        'Resolving @author/my-package@1.0.0...',
        `✓ Checksum verified: ${checksum}`,
        'Installing...',
        '✓ Installed @author/my-package@1.0.0',
        'Summary: 1 installed, 0 warned, 0 refused',
        '',
      ].join('\n'),
    );
    const installed = join(w.project, '.aam', 'packages', '@author', 'my-package');
    expect(readFileSync(join(installed, 'skills/my-package/extra.md'), 'utf8')).toBe('extra\n');
    const lock = parse(readFileSync(join(w.project, '.aam', 'aam-lock.yaml'), 'utf8'));
    expect(lock).toMatchObject({
      lockfile_version: 1,
      packages: { '@author/my-package': { version: '1.0.0', source: 'registry', checksum, signatures: [] } },
    });
    expect(Object.keys(lock.packages['@author/my-package'].file_checksums).sort()).toEqual([
      'aam.yaml',
      'skills/my-package/SKILL.md',
      'skills/my-package/extra.md',
    ]);

    const info = must(await w.aam(['info', '@author/my-package']));
    expect(info.stdout).toContain(`Checksum: ${checksum}`);
    expect(info.stdout).toContain('Versions: 1.0.0');
    const infoJson = JSON.parse(must(await w.aam(['info', '@author/my-package', '--json'])).stdout);
    expect(infoJson.selected.checksum).toBe(checksum);
  });

  it('a tampered archive prints the seed error block, exits 1, installs nothing and leaves no lock', async () => {
    const w = await new World().withRegistry();
    await w.publish('@author/my-package', '1.0.0');
    const file = archiveIn(w, 'author--my-package', '1.0.0');
    const expected = /checksum: (sha256:[0-9a-f]{64})/.exec(
      readFileSync(join(w.registry, 'packages/author--my-package/metadata.yaml'), 'utf8'),
    )![1]!;
    const bytes = readFileSync(file);
    bytes[bytes.length - 5]! ^= 0xff;
    writeFileSync(file, bytes);
    const actual = `sha256:${(await import('node:crypto')).createHash('sha256').update(bytes).digest('hex')}`;
    const before = snapshot(w.project);
    const r = await w.aam(['install', '@author/my-package']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(SEED_BLOCK('@author/my-package@1.0.0', expected, actual) + '\n');
    expect(r.stdout).not.toContain('Installing');
    expect(snapshot(w.project)).toEqual(before);
    const json = await w.aam(['install', '@author/my-package', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      expected,
      actual,
      package: '@author/my-package@1.0.0',
    });
  });

  it('installing again from the lock re-verifies; a swapped archive fails and the lock stays byte-identical', async () => {
    const w = await new World().withRegistry();
    await w.publish('@author/my-package', '1.0.0');
    await w.publish('other', '1.0.0');
    must(await w.aam(['install', '@author/my-package', 'other']));
    const lockFile = join(w.project, '.aam', 'aam-lock.yaml');
    const lockBefore = readFileSync(lockFile);
    // From the lock alone (a fresh clone): everything is re-downloaded and re-verified.
    rmSync(join(w.project, '.aam', 'packages'), { recursive: true });
    const again = must(await w.aam(['install']));
    expect(again.stdout.match(/✓ Checksum verified/g)).toHaveLength(2);
    expect(readFileSync(lockFile).equals(lockBefore)).toBe(true);
    // The registry rewrites history: the archive AND its metadata checksum change. The lock still holds.
    const src = await w.makePackage('@author/my-package', '1.0.0', { files: { 'evil.md': 'evil' } });
    const packed = must(await w.aam(['pkg', 'pack', src]));
    const evilSum = /Checksum: (sha256:[0-9a-f]{64})/.exec(packed.stdout)![1]!;
    copyFileSync(join(src, 'author-my-package-1.0.0.aam'), archiveIn(w, 'author--my-package', '1.0.0'));
    const metaFile = join(w.registry, 'packages/author--my-package/metadata.yaml');
    writeFileSync(
      metaFile,
      readFileSync(metaFile, 'utf8').replace(/checksum: sha256:[0-9a-f]{64}/, `checksum: ${evilSum}`),
    );
    const before = snapshot(join(w.project, '.aam'));
    const r = await w.aam(['install']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: Checksum verification failed');
    expect(r.stderr).toContain(`Got: ${evilSum}`);
    expect(readFileSync(lockFile).equals(lockBefore)).toBe(true);
    expect(snapshot(join(w.project, '.aam'))).toEqual(before);
  });

  it('resolves ranges, tags and dependencies, and --frozen refuses a lock change', async () => {
    const w = await new World().withRegistry();
    await w.publish('dep', '1.0.0');
    await w.publish('dep', '1.4.0');
    await w.publish('dep', '2.0.0');
    await w.publish('@a/app', '1.0.0', { dependencies: { dep: '^1.0.0' } });
    await w.publish('@a/app', '1.1.0-beta.1', { tag: 'beta', dependencies: { dep: '~1.0' } });
    const r = must(await w.aam(['install', '@a/app', '--json']));
    const out = JSON.parse(r.stdout);
    expect(out.packages.map((p: { name: string; version: string }) => `${p.name}@${p.version}`)).toEqual([
      '@a/app@1.0.0',
      'dep@1.4.0',
    ]);
    const lock = parse(readFileSync(join(w.project, '.aam', 'aam-lock.yaml'), 'utf8'));
    expect(lock.packages['@a/app'].dependencies).toEqual({ dep: '1.4.0' });

    const frozen = await w.aam(['install', '@a/app@beta', '--frozen']);
    expect(frozen.code).toBe(1);
    expect(frozen.stderr).toMatch(
      /--frozen: the lock file would change \(@a\/app@1\.1\.0-beta\.1, dep@1\.0\.0\)/,
    );
    must(await w.aam(['install', '--frozen']));

    const beta = must(await w.aam(['install', '@a/app@beta']));
    expect(beta.stdout).toContain('✓ Updated @a/app@1.1.0-beta.1');
    expect(beta.stdout).toContain('✓ Updated dep@1.0.0');
    const range = must(await w.aam(['install', 'dep@>=2 <3']));
    expect(range.stdout).toContain('dep@2.0.0');
    const conflict = await w.aam(['install', 'dep@^2.0.0', '@a/app@1.0.0']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(
      /Conflicting versions of dep: 2\.0\.0 is selected, but @a\/app@1\.0\.0 needs \^1\.0\.0/,
    );
  });

  it('--dry-run downloads and verifies but writes nothing', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const r = must(await w.aam(['install', 'x', '--dry-run']));
    expect(r.stdout).toContain('✓ Checksum verified');
    expect(r.stdout).toContain('Dry run: would install x@1.0.0');
    expect(existsSync(join(w.project, '.aam'))).toBe(false);
  });

  it('--global installs into AAM_HOME', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const r = must(await w.aam(['install', 'x', '--global']));
    expect(r.stdout).toContain('Operating in global mode');
    expect(existsSync(join(w.home, 'packages', 'x', 'aam.yaml'))).toBe(true);
    expect(existsSync(join(w.home, 'aam-lock.yaml'))).toBe(true);
    expect(existsSync(join(w.project, '.aam'))).toBe(false);
  });

  it('--force re-extracts and restores modified files', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    must(await w.aam(['install', 'x']));
    const f = join(w.project, '.aam/packages/x/skills/x/SKILL.md');
    const good = readFileSync(f, 'utf8');
    writeFileSync(f, 'tampered');
    expect((await w.aam(['install', 'x'])).stdout).toContain('Everything is up to date');
    must(await w.aam(['install', 'x', '--force']));
    expect(readFileSync(f, 'utf8')).toBe(good);
  });

  it('refuses bad specs with exit 2 and no stack trace', async () => {
    const w = await new World().withRegistry();
    for (const spec of ['../../x', 'x@v1.0.0.0', '@a/../b']) {
      const r = await w.aam(['install', spec]);
      expect(r.code, spec).toBe(2);
      expect(r.stderr).toMatch(/^Error: Invalid package spec/);
      expect(r.stderr).not.toMatch(NO_STACK);
    }
    const missing = await w.aam(['install', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Package nope not found in 'registry'/);
  });
});

describe('aam verify', () => {
  it('reports ok, modified, missing and untracked files', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0', { files: { 'a.md': 'a', 'b.md': 'b' } });
    must(await w.aam(['install', 'x']));
    expect(must(await w.aam(['verify'])).stdout).toMatch(
      /^✓ x@1\.0\.0: 4 files ok\n✓ Checksum verified: sha256:[0-9a-f]{64}\n {2}Note: x@1\.0\.0 is not signed\nSummary: 1 verified, 0 warned, 0 failed\n$/,
    );
    const dir = join(w.project, '.aam/packages/x');
    writeFileSync(join(dir, 'a.md'), 'changed');
    rmSync(join(dir, 'b.md'));
    writeFileSync(join(dir, 'new.md'), 'new');
    const r = await w.aam(['verify', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^✗ x@1\.0\.0\n {2}modified: a\.md\n {2}missing: b\.md\n {2}untracked: new\.md\n {2}Archive: still sha256:[0-9a-f]{64}, as the lock records; the installed files above differ from it\n/,
    );
    // The archive matching its lock is no ✓ beside files that do not.
    expect(r.stdout).not.toContain('✓');
    const json = JSON.parse((await w.aam(['verify', '--json'])).stdout);
    expect(json.packages[0].files).toEqual(
      expect.arrayContaining([
        { path: 'a.md', status: 'modified' },
        { path: 'b.md', status: 'missing' },
        { path: 'new.md', status: 'untracked' },
        { path: 'aam.yaml', status: 'ok' },
      ]),
    );
    const unknown = await w.aam(['verify', 'not-installed']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not-installed is not installed/);
  });
});

describe('install robustness', () => {
  it('re-extracts a package whose directory does not hold the locked version, and clears stale staging', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0', { files: { 'a.md': 'a' } });
    must(await w.aam(['install', 'x']));
    // As if an install were killed after swapping in other files but before writing the lock.
    const manifest = join(w.project, '.aam/packages/x/aam.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('version: 1.0.0', 'version: 9.9.9'));
    const stale = join(w.project, '.aam', '.staging-deadbeef');
    (await import('node:fs')).mkdirSync(join(stale, 'old', 'x'), { recursive: true });
    const r = must(await w.aam(['install']));
    expect(r.stdout).not.toContain('Everything is up to date');
    expect(readFileSync(manifest, 'utf8')).toContain('version: 1.0.0');
    expect(existsSync(stale)).toBe(false);
  });

  it('two installs at once into one project both end up in the lock', async () => {
    const w = await new World().withRegistry();
    await w.publish('a', '1.0.0');
    await w.publish('b', '1.0.0');
    await w.publish('c', '1.0.0');
    const runs = await Promise.all([
      w.aam(['install', 'a']),
      w.aam(['install', 'b']),
      w.aam(['install', 'c']),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const lock = parse(readFileSync(join(w.project, '.aam', 'aam-lock.yaml'), 'utf8'));
    expect(Object.keys(lock.packages).sort()).toEqual(['a', 'b', 'c']);
    must(await w.aam(['verify']));
  });
});
