import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checksumsEqual,
  parseChecksum,
  sha256,
  sha256File,
  sha256RegularFileHexSync,
} from '../src/integrity/checksum.js';

describe('checksums', () => {
  it('hashes the RFC/NIST "abc" vector', () => {
    expect(sha256(Buffer.from('abc'))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('streams a multi-chunk file to the same digest as a one-shot hash', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const file = join(mkdtempSync(join(tmpdir(), 'aam-sum-')), 'f');
    writeFileSync(file, data);
    expect(await sha256File(file)).toBe(`sha256:${createHash('sha256').update(data).digest('hex')}`);
  });
  it.each([0, 1, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024])(
    'the synchronous file hash of %i bytes equals a one-shot hash (reads around the 1 MiB buffer)',
    (size) => {
      const data = randomBytes(size);
      const file = join(mkdtempSync(join(tmpdir(), 'aam-sum-')), 'f');
      writeFileSync(file, data);
      expect(sha256RegularFileHexSync(file)).toBe(createHash('sha256').update(data).digest('hex'));
    },
  );
  it('the synchronous file hash does not follow a symbolic link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-sum-'));
    writeFileSync(join(dir, 'target'), 'x');
    symlinkSync('target', join(dir, 'link'));
    expect(() => sha256RegularFileHexSync(join(dir, 'link'))).toThrow(/ELOOP/);
  });
  it('the synchronous file hash refuses a FIFO at once (never waits for a writer)', () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'aam-sum-')), 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => sha256RegularFileHexSync(fifo)).toThrow(/not a regular file/);
  });
  it('normalises case and compares case-insensitively', () => {
    const upper = `sha256:${'AB'.repeat(32)}`;
    expect(parseChecksum(upper)).toBe(`sha256:${'ab'.repeat(32)}`);
    expect(checksumsEqual(upper, `sha256:${'ab'.repeat(32)}`)).toBe(true);
    expect(checksumsEqual(`sha256:${'ab'.repeat(32)}`, `sha256:${'ac'.repeat(32)}`)).toBe(false);
  });
  it.each([
    `sha256:${'a'.repeat(63)}`,
    `sha1:${'a'.repeat(64)}`,
    `${'a'.repeat(64)}`,
    `sha256:${'g'.repeat(64)}`,
    42,
    null,
  ])('refuses malformed %j', (v) => {
    expect(() => parseChecksum(v)).toThrow(/Malformed checksum/);
  });
});
