import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArtifactRef } from '@aam/core';
import { loadTrustedRoot, SigstoreVerifier, VENDORED_ROOT } from '../src/index.js';

const FIX = resolve(import.meta.dirname, '../../../test/fixtures/sigstore');
const HELLO = Buffer.from('hello, world!');
const artifact: ArtifactRef = {
  bytes: HELLO,
  checksum: `sha256:${createHash('sha256').update(HELLO).digest('hex')}` as ArtifactRef['checksum'],
  size: HELLO.length,
};
const bundle = {
  source: 'hello.sigstore.json',
  bytes: readFileSync(join(FIX, 'sigstorejs-v03-hashedrekordv002.json')),
};
const ctx = { keys: [], offline: true };
const EPOCH = new Date('2024-01-01T00:00:00Z');

describe('trusted root cache', () => {
  it('notices a replaced root of the same size with its mtime restored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-root-cache-'));
    const file = join(dir, 'trusted_root.json');
    const genuine = readFileSync(VENDORED_ROOT, 'utf8');
    writeFileSync(file, genuine);
    utimesSync(file, EPOCH, EPOCH);
    const verifier = new SigstoreVerifier({ home: dir, trustedRoot: file });
    expect((await verifier.verify(artifact, bundle, ctx)).valid).toBe(true);
    const first = await loadTrustedRoot({ path: file, source: 'configured' });

    // Same length, same mtime: the Rekor v2 log is renamed (its checkpoints then match no trusted log).
    const swapped = genuine.replace(
      'https://log2025-1.rekor.sigstore.dev',
      'https://log2025-1.rekor.sigstore.xyz',
    );
    expect(swapped).not.toBe(genuine);
    expect(swapped.length).toBe(genuine.length);
    const before = statSync(file);
    writeFileSync(file, swapped);
    utimesSync(file, EPOCH, EPOCH);
    const after = statSync(file);
    expect({ size: after.size, mtimeMs: after.mtimeMs }).toEqual({
      size: before.size,
      mtimeMs: before.mtimeMs,
    });

    const second = await loadTrustedRoot({ path: file, source: 'configured' });
    expect(second).not.toBe(first);
    expect(second.material.tlogs.map((t) => t.baseURL)).toContain('https://log2025-1.rekor.sigstore.xyz');
    const f = await verifier.verify(artifact, bundle, ctx);
    expect(f).toMatchObject({ valid: false, check: 'transparency-log' });

    // Unchanged contents: the same trust material, not rebuilt.
    expect(await loadTrustedRoot({ path: file, source: 'configured' })).toBe(second);
  });

  it('a root that disappears is reported missing, even after it was cached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aam-root-cache-'));
    const file = join(dir, 'trusted_root.json');
    writeFileSync(file, readFileSync(VENDORED_ROOT));
    await loadTrustedRoot({ path: file, source: 'configured' });
    const { rmSync } = await import('node:fs');
    rmSync(file);
    await expect(loadTrustedRoot({ path: file, source: 'configured' })).rejects.toThrow(/does not exist/);
  });
});
