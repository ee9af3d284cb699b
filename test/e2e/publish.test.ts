import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { must, NO_STACK, snapshot, World } from './support/aam.js';

describe('aam pkg init / validate / pack', () => {
  it('validate reports every manifest problem with file, line and key, exit 2', async () => {
    const w = new World();
    const dir = await w.makePackage('x', '1.0.0');
    writeFileSync(
      join(dir, 'aam.yaml'),
      'name: ../../x\nversion: v1.0\ndescription: ""\nartifacts:\n  skills:\n    - {name: s, path: ../outside, description: d}\n',
    );
    const r = await w.aam(['pkg', 'validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(NO_STACK);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^Error: Invalid manifest .*aam\.yaml:$/);
    expect(lines.slice(1, 3)).toEqual([
      expect.stringMatching(/aam\.yaml:1:7: name: must be 'name' or '@scope\/name'/),
      expect.stringMatching(/aam\.yaml:3:14: description: must NOT have fewer than 1 characters/),
    ]);
  });

  it('validate checks SemVer and artifact paths once the shape is right', async () => {
    const w = new World();
    const dir = await w.makePackage('x', '1.0.0');
    writeFileSync(
      join(dir, 'aam.yaml'),
      readFileSync(join(dir, 'aam.yaml'), 'utf8')
        .replace('version: 1.0.0', 'version: v1.0.0')
        .replace('path: skills/x', 'path: ../x'),
    );
    const r = await w.aam(['pkg', 'validate', dir, '--json']);
    expect(r.code).toBe(2);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe('INVALID_MANIFEST');
    expect(err.problems.map((p: { key: string }) => p.key)).toEqual(['version', 'artifacts.skills.0.path']);
  });

  it('pack refuses an archive over 50 MB with the SPEC message and writes no file', async () => {
    const w = new World();
    const dir = await w.makePackage('big', '1.0.0', {});
    writeFileSync(join(dir, 'skills', 'big', 'blob.bin'), randomBytes(52 * 1024 * 1024));
    const before = snapshot(dir);
    const r = await w.aam(['pkg', 'pack', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Archive size exceeds 50 MB limit \(actual: 52\.0 MB\)\n$/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('aam pkg publish to a local registry', () => {
  it('refuses to re-publish a version (exit 1), and --dry-run writes nothing', async () => {
    const w = await new World().withRegistry();
    const dir = await w.makePackage('x', '1.0.0');
    const dry = must(await w.aam(['pkg', 'publish', dir, '--dry-run']));
    expect(dry.stdout).toContain("Dry run: would publish x@1.0.0 to 'registry' (tag: latest)");
    expect(parse(readFileSync(join(w.registry, 'index.yaml'), 'utf8')).packages).toEqual([]);
    must(await w.aam(['pkg', 'publish', dir]));
    const before = snapshot(w.registry);
    const again = await w.aam(['pkg', 'publish', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /x@1\.0\.0 is already published in 'registry' \(with identical content\); published versions are immutable/,
    );
    expect((await w.aam(['pkg', 'publish', dir, '--dry-run'])).code).toBe(1);
    expect(snapshot(w.registry)).toEqual(before);
  });

  it('two (and more) publishes at once all land intact', async () => {
    const w = await new World().withRegistry();
    const versions = ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0', '3.0.0'];
    const dirs = await Promise.all(
      versions.map((v) => w.makePackage('@team/pkg', v, { files: { 'v.txt': v } })),
    );
    const other = await w.makePackage('@team/other', '1.0.0');
    const runs = await Promise.all([...dirs, other].map((d) => w.aam(['pkg', 'publish', d, '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const meta = parse(readFileSync(join(w.registry, 'packages', 'team--pkg', 'metadata.yaml'), 'utf8'));
    expect(meta.versions.map((v: { version: string }) => v.version).sort()).toEqual(versions);
    const published = runs
      .slice(0, versions.length)
      .map((r) => JSON.parse(r.stdout) as { version: string; checksum: string });
    for (const p of published)
      expect(meta.versions.find((v: { version: string }) => v.version === p.version).checksum).toBe(
        p.checksum,
      );
    const index = parse(readFileSync(join(w.registry, 'index.yaml'), 'utf8'));
    expect(index.packages.map((p: { name: string }) => p.name)).toEqual(['@team/other', '@team/pkg']);
    // Every archive installs, i.e. its bytes match the checksum recorded for it.
    for (const v of versions) must(await w.aam(['install', `@team/pkg@${v}`, '--dry-run']));
  });

  it('--tag sets a dist-tag that install resolves', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    await w.publish('x', '2.0.0-rc.1', { tag: 'next' });
    const info = JSON.parse(must(await w.aam(['info', 'x', '--json'])).stdout);
    expect(info.dist_tags).toEqual({ latest: '1.0.0', next: '2.0.0-rc.1' });
    expect(must(await w.aam(['install', 'x@next'])).stdout).toContain('Resolving x@2.0.0-rc.1...');
    const bad = await w.aam(['pkg', 'publish', await w.makePackage('x', '3.0.0'), '--tag', '1.0.0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid tag name '1\.0\.0'/);
  });

  it('publishing with no registry configured says how to add one', async () => {
    const w = new World();
    const r = await w.aam(['pkg', 'publish', await w.makePackage('x', '1.0.0')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /No registries configured\. Create a local one with 'aam registry init \.\/registry --default', or add one with 'aam registry add NAME URL --default'\./,
    );
  });
});
