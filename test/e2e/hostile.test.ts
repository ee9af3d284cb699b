import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  MANIFEST,
  rawArchive,
  rawTar,
  type RawEntry,
} from '../../packages/core/test/support/archives.js';
import { must, NO_STACK, snapshot, World } from './support/aam.js';

/**
 * A registry that serves hostile bytes under a *matching* checksum: the checksum passes, so only the
 * archive rules stand between the bytes and the disk.
 */
async function serveHostile(w: World, archive: Buffer): Promise<void> {
  await w.publish('@evil/pkg', '1.0.0');
  const dir = join(w.registry, 'packages', 'evil--pkg');
  writeFileSync(join(dir, 'versions', '1.0.0.aam'), archive);
  const sum = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
  const metaFile = join(dir, 'metadata.yaml');
  writeFileSync(
    metaFile,
    readFileSync(metaFile, 'utf8')
      .replace(/checksum: sha256:[0-9a-f]{64}/, `checksum: ${sum}`)
      .replace(/size: \d+/, `size: ${archive.length}`),
  );
}

async function expectInstallRefused(w: World, message: RegExp): Promise<void> {
  const before = snapshot(w.root);
  const r = await w.aam(['install', '@evil/pkg']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(NO_STACK);
  expect(r.stdout).toContain('✓ Checksum verified'); // the checksum passed: the archive rules refused it
  expect(snapshot(w.root)).toEqual(before); // nothing installed, no lock, no staging left, nothing outside
  expect(existsSync(join(w.project, '.aam', 'aam-lock.yaml'))).toBe(false);
  expect(readdirSync(w.root).sort()).toEqual(['home', 'project', 'registry', 'src']);
}

const withEntry = (...extra: RawEntry[]): Promise<Buffer> => rawArchive([...BASE, ...extra]);

describe('aam install refuses hostile archives and leaves no partial state', () => {
  it.each<[string, () => Promise<Buffer>, RegExp]>([
    ['an absolute path', () => withEntry({ name: '/tmp/aam-pwned-abs', content: 'x' }), /absolute path/],
    [
      'a .. entry',
      () => withEntry({ name: '../../../aam-pwned-dotdot', content: 'x' }),
      /escapes the target/,
    ],
    [
      'a symlink escaping the target',
      () => withEntry({ name: 'l', type: 'symlink', linkname: '../../../../../etc' }),
      /points outside/,
    ],
    [
      'a hardlink escaping the target',
      () => withEntry({ name: 'h', type: 'link', linkname: '../../../../etc/passwd' }),
      /escapes the target|points outside/,
    ],
    [
      'a character device',
      () => withEntry({ name: 'tty', type: 'character-device' }),
      /is a character-device/,
    ],
    ['a FIFO', () => withEntry({ name: 'pipe', type: 'fifo' }), /is a fifo/],
    ['a duplicate path', () => withEntry({ name: 'aam.yaml', content: MANIFEST }), /duplicate entry/],
    [
      'a case-fold collision',
      () => withEntry({ name: 'AAM.yaml', content: 'x' }),
      /collide on a case-insensitive/,
    ],
    [
      'a truncated archive',
      async () => (await withEntry({ name: 'big', content: 'q'.repeat(100_000) })).subarray(0, 300),
      /truncated|corrupt/,
    ],
    [
      'an archive for another package',
      async () =>
        rawArchive([{ name: 'aam.yaml', content: MANIFEST.replace('@evil/pkg', '@evil/other') }, BASE[1]!]),
      /contains @evil\/other@1\.0\.0/,
    ],
  ])('%s', async (_label, build, message) => {
    const w = await new World().withRegistry();
    await serveHostile(w, await build());
    await expectInstallRefused(w, message);
    expect(existsSync('/tmp/aam-pwned-abs')).toBe(false);
  });

  it('a gzip bomb: unpacked bytes are capped (limits.max_unpacked_size)', async () => {
    const w = await new World().withRegistry();
    writeFileSync(
      join(w.home, 'config.yaml'),
      `${readFileSync(join(w.home, 'config.yaml'), 'utf8')}limits:\n  max_unpacked_size: 4194304\n`,
    );
    const bomb = gzipSync(await rawTar([...BASE, { name: 'zeros', content: Buffer.alloc(48 << 20) }]), {
      level: 9,
    });
    expect(bomb.length).toBeLessThan(100_000);
    await serveHostile(w, bomb);
    await expectInstallRefused(w, /unpacks to more than/);
  });

  it('a gzip bomb of many entries is capped (limits.max_entries)', async () => {
    const w = await new World().withRegistry();
    writeFileSync(
      join(w.home, 'config.yaml'),
      `${readFileSync(join(w.home, 'config.yaml'), 'utf8')}limits:\n  max_entries: 50\n`,
    );
    await serveHostile(
      w,
      await withEntry(...Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, content: '' }))),
    );
    await expectInstallRefused(w, /more than 50 entries/);
  });

  it('a metadata.yaml whose checksum is malformed is refused with exit 2', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const metaFile = join(w.registry, 'packages', 'x', 'metadata.yaml');
    writeFileSync(
      metaFile,
      readFileSync(metaFile, 'utf8').replace(/checksum: sha256:[0-9a-f]{64}/, 'checksum: md5:abc'),
    );
    const before = snapshot(w.project);
    const r = await w.aam(['install', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^Error: Malformed checksum of x@1\.0\.0 in .*metadata\.yaml: expected 'sha256:' followed by 64 hex digits, got "md5:abc"/,
    );
    expect(snapshot(w.project)).toEqual(before);
  });

  it('a version in metadata.yaml that is not SemVer is refused', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const metaFile = join(w.registry, 'packages', 'x', 'metadata.yaml');
    writeFileSync(
      metaFile,
      readFileSync(metaFile, 'utf8').replace('version: 1.0.0', 'version: ../../../../tmp/x'),
    );
    const r = await w.aam(['install', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Invalid version '\.\.\/\.\.\/\.\.\/\.\.\/tmp\/x'/);
  });

  it('publish refuses a hostile archive before storing it', async () => {
    const w = await new World().withRegistry();
    const file = join(w.root, 'evil-pkg-1.0.0.aam');
    writeFileSync(file, await withEntry({ name: '../escape', content: 'x' }));
    const before = snapshot(w.registry);
    const r = await w.aam(['pkg', 'publish', file]);
    expect(r.code).toBe(2); // the user's own input: bad input, not a refusal
    expect(r.stderr).toMatch(/escapes the target/);
    expect((await w.aam(['pkg', 'publish', join(w.root, 'missing.aam')])).code).toBe(2);
    expect(snapshot(w.registry)).toEqual(before);
  });

  it('publish reads identity from aam.yaml inside, never from the file name', async () => {
    const w = await new World().withRegistry();
    const file = join(w.root, 'innocent-9.9.9.aam');
    writeFileSync(file, await rawArchive(BASE));
    must(await w.aam(['pkg', 'publish', file]));
    expect(existsSync(join(w.registry, 'packages', 'evil--pkg', 'versions', '1.0.0.aam'))).toBe(true);
    expect(existsSync(join(w.registry, 'packages', 'innocent'))).toBe(false);
  });
});
