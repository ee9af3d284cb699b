import { describe, expect, it } from 'vitest';
import type { Scanner } from '../src/plugin/contracts.js';
import { runScanners } from '../src/scan/run.js';
import { readArchive } from '../src/package/extract.js';
import { rawArchive } from './support/archives.js';

const target = {
  name: 'p',
  version: '1.0.0',
  manifest: {},
  files: [{ path: 'a.md', mode: 0o644, bytes: Buffer.from('x') }],
  paths: ['a.md'],
};
const scanner = (name: string, scan: Scanner['scan'], version = '1.0.0'): Scanner => ({
  name,
  version,
  scan,
});

describe('runScanners fails closed', () => {
  it('reports clean and findings, with each scanner’s version and database', async () => {
    const r = await runScanners(
      [
        scanner('a', async () => ({ findings: [], database: 'db-1' })),
        scanner('b', async () => ({
          findings: [{ rule: 'r', severity: 'low', path: 'a.md', line: 2, message: 'm' }],
        })),
      ],
      target,
      { timeoutMs: 1000 },
    );
    expect(r.map(({ duration_ms: _d, ...x }) => x)).toEqual([
      { scanner: 'a', version: '1.0.0', database: 'db-1', result: 'clean', findings: [] },
      {
        scanner: 'b',
        version: '1.0.0',
        result: 'findings',
        findings: [{ rule: 'r', severity: 'low', path: 'a.md', line: 2, message: 'm' }],
      },
    ]);
  });

  const broken: [string, Scanner['scan']][] = [
    ['throws', async () => Promise.reject(new Error('engine down'))],
    ['answers no list', async () => ({ findings: 'none' }) as never],
    ['answers nothing', async () => undefined as never],
    [
      'answers an unknown severity',
      async () => ({ findings: [{ rule: 'r', severity: 'fatal', path: 'a', message: 'm' }] }) as never,
    ],
    [
      'answers a finding without a rule',
      async () => ({ findings: [{ severity: 'low', path: 'a', message: 'm' }] }) as never,
    ],
    [
      'answers line 0',
      async () => ({ findings: [{ rule: 'r', severity: 'low', path: 'a', line: 0, message: 'm' }] }),
    ],
  ];
  it.each(broken)('a scanner that %s is a failed scan, never clean', async (_what, scan) => {
    await expect(runScanners([scanner('x', scan)], target, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'SCAN_FAILED',
      details: { scanner: 'x' },
    });
  });

  it('a scanner past its time budget fails, and is told to stop', async () => {
    let aborted = false;
    const slow = scanner('slow', (_t, { signal }) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    await expect(runScanners([slow], target, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'SCAN_FAILED',
      message: 'The slow scan did not finish within 50 ms',
    });
    expect(aborted).toBe(true);
  });

  it('keeps the most severe findings when it cuts: a critical one after 150 low ones is kept', async () => {
    const low = Array.from({ length: 150 }, (_, i) => ({
      rule: 'r',
      severity: 'low' as const,
      path: `f${i}`,
      message: 'm',
    }));
    const critical = { rule: 'malware', severity: 'critical' as const, path: 'evil', message: 'm' };
    const [r] = await runScanners([scanner('m', async () => ({ findings: [...low, critical] }))], target, {
      timeoutMs: 1000,
    });
    expect(r!.findings[0]).toMatchObject({ rule: 'malware', severity: 'critical' });
    expect(r!.findings).toHaveLength(100);
  });

  it('refuses scanners with a bad or a shared name (the attestation names each once)', async () => {
    const ok = async () => ({ findings: [] });
    await expect(
      runScanners([scanner('a', ok), scanner('a', ok)], target, { timeoutMs: 1000 }),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: "Two scanners are named 'a': each name must be unique",
    });
    await expect(runScanners([scanner('Corp Scan', ok)], target, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  it('escapes control characters in what a scanner says (paths come from the package)', async () => {
    const [r] = await runScanners(
      [
        scanner('e', async () => ({
          findings: [{ rule: 'r', severity: 'low', path: 'a\u001b[2Jb', message: 'x\u202ey' }],
        })),
      ],
      target,
      { timeoutMs: 1000 },
    );
    expect(r!.findings[0]).toMatchObject({ path: 'a\\u{1b}[2Jb', message: 'x\\u{202e}y' });
  });

  it('a scanner saying SCAN_TOO_LARGE fails the scan as too large (the registry answers 413, not 503)', async () => {
    const big = scanner('big', async () =>
      Promise.reject(Object.assign(new Error('too big'), { code: 'SCAN_TOO_LARGE' })),
    );
    await expect(runScanners([big], target, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'SCAN_FAILED',
      details: { scanner: 'big', too_large: true },
    });
  });

  it('keeps at most 100 findings per scanner', async () => {
    const many = Array.from({ length: 500 }, (_, i) => ({
      rule: 'r',
      severity: 'low' as const,
      path: `f${i}`,
      message: 'm',
    }));
    const [r] = await runScanners([scanner('m', async () => ({ findings: many }))], target, {
      timeoutMs: 1000,
    });
    expect(r!.findings).toHaveLength(100);
    expect(r!.result).toBe('findings');
  });
});

describe('readArchive keeps every regular file in memory, with its mode', () => {
  it('returns the bytes and modes, and the manifest', async () => {
    const archive = await rawArchive([
      {
        name: 'aam.yaml',
        content:
          'name: p\nversion: 1.0.0\ndescription: d\nartifacts:\n  skills:\n    - {name: s, path: skills/s, description: d}\n',
      },
      { name: 'skills/s/SKILL.md', content: '# s' },
      { name: 'skills/s/run.sh', content: '#!/bin/sh\n', mode: 0o755 },
    ]);
    const r = await readArchive(archive, {
      maxArchiveSize: 1 << 20,
      maxUnpackedSize: 1 << 20,
      maxEntries: 100,
    });
    expect(r.manifest.name).toBe('p');
    expect(r.contents.map((f) => [f.path, f.mode & 0o777, Buffer.from(f.bytes).toString()])).toEqual([
      ['aam.yaml', 0o644, expect.stringContaining('name: p')],
      ['skills/s/SKILL.md', 0o644, '# s'],
      ['skills/s/run.sh', 0o755, '#!/bin/sh\n'],
    ]);
  });
});
