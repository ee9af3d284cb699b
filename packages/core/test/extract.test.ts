import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractArchive, inspectArchive } from '../src/package/extract.js';
import type { ArchiveLimits } from '../src/package/archive-rules.js';
import { BASE, rawArchive, rawTar, type RawEntry } from './support/archives.js';

const LIMITS: ArchiveLimits = { maxArchiveSize: 50 << 20, maxUnpackedSize: 8 << 20, maxEntries: 100 };

function sandbox(): { root: string; target: string } {
  const root = mkdtempSync(join(tmpdir(), 'aam-extract-'));
  mkdirSync(join(root, 'out'));
  return { root, target: join(root, 'out', 'pkg') };
}

/** Extracts and expects a refusal; then checks nothing at all was left in the sandbox. */
async function expectRefused(archive: Buffer, message: RegExp, limits = LIMITS): Promise<void> {
  const { root, target } = sandbox();
  const outDir = join(root, 'out');
  await expect(extractArchive(archive, target, limits)).rejects.toMatchObject({
    code: 'INVALID_ARCHIVE',
    message: expect.stringMatching(message),
  });
  expect(existsSync(target)).toBe(false);
  expect(readdirSync(outDir)).toEqual([]);
  expect(readdirSync(root)).toEqual(['out']);
  // And the validate-only path (used by publish and the server) refuses the same archive.
  await expect(inspectArchive(archive, limits)).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
}

const withEntry = (...extra: RawEntry[]): Promise<Buffer> => rawArchive([...BASE, ...extra]);

describe('safe extraction of hostile archives', () => {
  it('extracts a well-formed archive and records per-file checksums', async () => {
    const { target } = sandbox();
    const r = await extractArchive(
      await withEntry({ name: 'skills/s/run.sh', content: 'echo', mode: 0o4755 }),
      target,
      LIMITS,
    );
    expect(r.manifest.name).toBe('@evil/pkg');
    expect(Object.keys(r.fileChecksums).sort()).toEqual(['aam.yaml', 'skills/s/SKILL.md', 'skills/s/run.sh']);
    expect(readFileSync(join(target, 'skills/s/SKILL.md'), 'utf8')).toBe('# s\n');
    // setuid and other special bits never survive extraction.
    expect(statSync(join(target, 'skills/s/run.sh')).mode & 0o7777).toBe(0o755);
  });

  it('refuses an absolute entry path', async () => {
    await expectRefused(await withEntry({ name: '/tmp/aam-pwned', content: 'x' }), /absolute path/);
  });

  it('refuses an entry that escapes the target with ..', async () => {
    await expectRefused(await withEntry({ name: '../../aam-pwned', content: 'x' }), /escapes the target/);
    await expectRefused(await withEntry({ name: 'skills/../../x', content: 'x' }), /escapes the target/);
  });

  it('refuses a backslash path (a Windows escape)', async () => {
    await expectRefused(await withEntry({ name: '..\\..\\x', content: 'x' }), /backslash/);
  });

  it('refuses a symlink pointing outside, absolute or relative', async () => {
    await expectRefused(
      await withEntry({ name: 'evil', type: 'symlink', linkname: '/etc/passwd' }),
      /symlink evil points outside/,
    );
    await expectRefused(
      await withEntry({ name: 'skills/evil', type: 'symlink', linkname: '../../..' }),
      /points outside/,
    );
  });

  it('refuses a file written through a symlink, even one that points inside', async () => {
    await expectRefused(
      await withEntry(
        { name: 'dir-link', type: 'symlink', linkname: 'skills' },
        { name: 'dir-link/x', content: 'x' },
      ),
      /passes through the symlink/,
    );
  });

  it('refuses a chain of links that escapes although each link alone stays inside', async () => {
    await expectRefused(
      await withEntry(
        { name: 'd/e/up', type: 'symlink', linkname: '..' },
        { name: 'escape', type: 'symlink', linkname: 'd/e/up/../..' },
      ),
      /symlink escape points outside the package through other links/,
    );
    await expectRefused(
      await withEntry(
        { name: 'a', type: 'symlink', linkname: 'b' },
        { name: 'b', type: 'symlink', linkname: 'a' },
      ),
      /through other links/,
    );
  });

  it('refuses a path through a link whose name differs only in case (macOS, Windows)', async () => {
    await expectRefused(
      await withEntry(
        { name: 'd/e/l', type: 'symlink', linkname: '..' },
        { name: 'x', type: 'symlink', linkname: 'd' },
        { name: 'X/pwned', content: 'outside?' },
      ),
      /passes through the symlink X/,
    );
    // Chains are followed case-insensitively too.
    await expectRefused(
      await withEntry(
        { name: 'd/e/l', type: 'symlink', linkname: '..' },
        { name: 'y', type: 'symlink', linkname: 'D/E/L/../..' },
      ),
      /through other links/,
    );
  });

  it('creates symlinks only after every file, and records them for verify', async () => {
    const { target } = sandbox();
    const r = await extractArchive(
      await withEntry(
        { name: 'a-link', type: 'symlink', linkname: 'skills/s/SKILL.md' },
        { name: 'z.md', content: 'z' },
      ),
      target,
      LIMITS,
    );
    expect(r.fileChecksums['a-link']).toBe('link:skills/s/SKILL.md');
    expect(readFileSync(join(target, 'a-link'), 'utf8')).toBe('# s\n');
  });

  it('keeps a symlink that points inside the package', async () => {
    const { target } = sandbox();
    await extractArchive(
      await withEntry({ name: 'readme-link', type: 'symlink', linkname: 'skills/s/SKILL.md' }),
      target,
      LIMITS,
    );
    expect(readlinkSync(join(target, 'readme-link'))).toBe('skills/s/SKILL.md');
  });

  it('refuses a hardlink escaping the target or to a file not in the archive', async () => {
    await expectRefused(
      await withEntry({ name: 'hl', type: 'link', linkname: '../../../etc/passwd' }),
      /escapes the target|points outside/,
    );
    await expectRefused(
      await withEntry({ name: 'hl', type: 'link', linkname: '/etc/passwd' }),
      /absolute path|points outside/,
    );
    await expectRefused(
      await withEntry({ name: 'hl', type: 'link', linkname: 'not-there' }),
      /earlier regular file/,
    );
  });

  it('copies a hardlink to an earlier file in the archive', async () => {
    const { target } = sandbox();
    const r = await extractArchive(
      await withEntry({ name: 'copy.md', type: 'link', linkname: 'skills/s/SKILL.md' }),
      target,
      LIMITS,
    );
    expect(readFileSync(join(target, 'copy.md'), 'utf8')).toBe('# s\n');
    expect(r.fileChecksums['copy.md']).toBe(r.fileChecksums['skills/s/SKILL.md']);
  });

  it.each(['character-device', 'block-device', 'fifo'] as const)('refuses a %s entry', async (type) => {
    await expectRefused(await withEntry({ name: 'dev', type }), new RegExp(`is a ${type}`));
  });

  it('refuses duplicate entries', async () => {
    await expectRefused(await withEntry({ name: 'skills/s/SKILL.md', content: 'second' }), /duplicate entry/);
    await expectRefused(await withEntry({ name: './aam.yaml', content: 'x' }), /duplicate entry/);
  });

  it('refuses names that collide after case folding', async () => {
    await expectRefused(
      await withEntry({ name: 'skills/s/skill.md', content: 'x' }),
      /collide on a case-insensitive/,
    );
    // NFC vs NFD spellings of the same name collide on macOS too.
    await expectRefused(
      await withEntry({ name: 'caf\u00e9.md', content: '1' }, { name: 'cafe\u0301.md', content: '2' }),
      /collide/,
    );
  });

  it('refuses a file below another file', async () => {
    await expectRefused(await withEntry({ name: 'aam.yaml/x', content: 'x' }), /below the file/);
  });

  it('refuses a gzip bomb: unpacked bytes are capped while inflating', async () => {
    const bomb = await withEntry({ name: 'zeros.bin', content: Buffer.alloc(64 << 20) });
    expect(bomb.length).toBeLessThan(200_000);
    await expectRefused(bomb, /more than 8388608 bytes/);
  });

  it('refuses an archive with too many entries', async () => {
    const many: RawEntry[] = Array.from({ length: 150 }, (_, i) => ({ name: `f/${i}`, content: '' }));
    await expectRefused(await withEntry(...many), /more than 100 entries/);
  });

  it('refuses a truncated archive and leaves nothing behind', async () => {
    const good = await withEntry({ name: 'big.txt', content: 'y'.repeat(200_000) });
    await expectRefused(good.subarray(0, Math.floor(good.length / 2)), /truncated|corrupt|not a valid/);
  });

  it('refuses a tar cut off after a header (gzip intact)', async () => {
    const tarBytes = await rawTar([...BASE, { name: 'big.txt', content: 'z'.repeat(10_000) }]);
    await expectRefused(
      gzipSync(tarBytes.subarray(0, 1536 + 512 + 100)),
      /truncated|corrupt|not a valid|no aam.yaml/,
    );
  });

  it('refuses bytes that are not gzip at all', async () => {
    await expectRefused(Buffer.from('definitely not a gzip file'), /not a valid gzip|truncated|corrupt/);
  });

  it('refuses an archive without aam.yaml at its root', async () => {
    await expectRefused(await rawArchive([{ name: 'pkg/aam.yaml', content: 'x' }]), /no aam.yaml/);
  });

  it('refuses an archive whose manifest names a path as the package', async () => {
    const manifest = String(BASE[0]!.content).replace('"@evil/pkg"', '"../../x"');
    await expect(
      inspectArchive(await rawArchive([{ name: 'aam.yaml', content: manifest }, BASE[1]!]), LIMITS),
    ).rejects.toMatchObject({
      code: 'INVALID_MANIFEST',
    });
  });

  it('refuses an archive whose artifact path is missing', async () => {
    await expectRefused(await rawArchive([BASE[0]!]), /not in the archive/);
  });
});
