import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { collectPackEntries, packPackage } from '../src/package/pack.js';

const MANIFEST = `name: "@author/my-package"
version: 1.0.0
description: A test package
artifacts:
  skills:
    - name: review
      path: skills/review
      description: Reviews code
`;

/** Writes the same package tree, in the given file order, with the given mtime and umask. */
function writeTree(order: string[], mtime: number, umask: number): string {
  const old = process.umask(umask);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'aam-pack-'));
    const files: Record<string, string> = {
      'aam.yaml': MANIFEST,
      'skills/review/SKILL.md': '# Review\n',
      'skills/review/run.sh': '#!/bin/sh\necho hi\n',
      'README.md': 'readme\n',
      'prompts/a.md': 'a\n',
    };
    for (const f of order) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), files[f]!);
      utimesSync(join(dir, f), mtime, mtime);
    }
    chmodSync(join(dir, 'skills/review/run.sh'), 0o775 & ~umask);
    return dir;
  } finally {
    process.umask(old);
  }
}

const ORDER = ['aam.yaml', 'skills/review/SKILL.md', 'skills/review/run.sh', 'README.md', 'prompts/a.md'];
const LIMIT = { maxArchiveSize: 50 * 1024 * 1024 };

async function headers(file: string): Promise<tar.Header[]> {
  const out: tar.Header[] = [];
  const ex = tar.extract();
  const done = (async () => {
    for await (const e of ex) {
      out.push(e.header);
      e.resume();
    }
  })();
  ex.end(gunzipSync(readFileSync(file)));
  await done;
  return out;
}

describe('reproducible packing', () => {
  afterEach(() => {
    delete process.env.SOURCE_DATE_EPOCH;
  });

  it('gives the same bytes whatever the mtimes, umask or file creation order', async () => {
    const a = await packPackage(writeTree(ORDER, 1_000_000, 0o022), LIMIT);
    const b = await packPackage(writeTree([...ORDER].reverse(), 1_700_000_000, 0o002), LIMIT);
    const c = await packPackage(
      writeTree([ORDER[3]!, ORDER[0]!, ORDER[4]!, ORDER[2]!, ORDER[1]!], 5, 0o077),
      LIMIT,
    );
    expect(a.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.checksum).toBe(a.checksum);
    expect(c.checksum).toBe(a.checksum);
    expect(readFileSync(b.file).equals(readFileSync(a.file))).toBe(true);
  });

  it('normalises every header: sorted, uid/gid 0, no owner names, mtime 0, 0644/0755', async () => {
    const r = await packPackage(writeTree(ORDER, 1_234_567, 0o022), LIMIT);
    const hs = await headers(r.file);
    expect(hs.map((h) => h.name)).toEqual([
      'README.md',
      'aam.yaml',
      'prompts/a.md',
      'skills/review/SKILL.md',
      'skills/review/run.sh',
    ]);
    for (const h of hs) {
      expect([h.uid, h.gid, h.uname, h.gname]).toEqual([0, 0, '', '']);
      expect(h.mtime?.getTime()).toBe(0);
    }
    expect(hs.find((h) => h.name.endsWith('run.sh'))!.mode).toBe(0o755);
    expect(hs.find((h) => h.name === 'aam.yaml')!.mode).toBe(0o644);
    // gzip header: magic, deflate, no flags, MTIME = 0.
    expect([...readFileSync(r.file).subarray(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
  });

  it('uses SOURCE_DATE_EPOCH for entry times when set', async () => {
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    const r = await packPackage(writeTree(ORDER, 1, 0o022), LIMIT);
    expect((await headers(r.file))[0]!.mtime?.getTime()).toBe(1_700_000_000_000);
  });

  it('leaves out the always-excluded paths and .aamignore patterns', async () => {
    const dir = writeTree(ORDER, 1, 0o022);
    for (const f of [
      '.git/HEAD',
      'node_modules/x/index.js',
      '__pycache__/a.pyc',
      '.DS_Store',
      'notes.tmp',
      'x.temp',
      'old-1.0.0.aam',
      '.aam/config.yaml',
      'secret/key.pem',
      'drafts/a.md',
    ]) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), 'x');
    }
    writeFileSync(join(dir, '.aamignore'), 'secret/\ndrafts/*.md\n');
    const paths = (await collectPackEntries(dir)).map((e) => e.path);
    expect(paths).toEqual([
      '.aamignore',
      'README.md',
      'aam.yaml',
      'prompts/a.md',
      'skills/review/SKILL.md',
      'skills/review/run.sh',
    ]);
  });

  it('.aamignore negations cannot re-include the always-excluded paths', async () => {
    const dir = writeTree(ORDER, 1, 0o022);
    for (const f of ['.git/HEAD', 'old-1.0.0.aam', 'keep.tmp']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), 'x');
    }
    writeFileSync(join(dir, '.aamignore'), '!.git/\n!*.aam\n!*.tmp\n');
    const paths = (await collectPackEntries(dir)).map((e) => e.path);
    expect(paths.filter((p) => p.startsWith('.git') || p.endsWith('.aam') || p.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to pack a symlink that points outside the package', async () => {
    const dir = writeTree(ORDER, 1, 0o022);
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    await expect(packPackage(dir, LIMIT)).rejects.toThrow(/symlink pointing outside/);
  });

  it('refuses an archive over the size limit with the SPEC message and leaves no file', async () => {
    const dir = writeTree(ORDER, 1, 0o022);
    writeFileSync(join(dir, 'prompts/big.bin'), randomBytes(300_000));
    await expect(packPackage(dir, { maxArchiveSize: 100 * 1024 })).rejects.toThrow(
      /^Archive size exceeds 100 KB limit \(actual: \d+\.\d KB\)$/,
    );
    expect(() => readFileSync(join(dir, 'author-my-package-1.0.0.aam'))).toThrow(/ENOENT/);
  });

  it('validates the manifest before packing', async () => {
    const dir = writeTree(ORDER, 1, 0o022);
    writeFileSync(join(dir, 'aam.yaml'), MANIFEST.replace('version: 1.0.0', 'version: v1.0'));
    await expect(packPackage(dir, LIMIT)).rejects.toThrow(/aam\.yaml:2:10: version: 'v1\.0' is not SemVer/);
  });
});
