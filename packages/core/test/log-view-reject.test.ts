import { describe, expect, it } from 'vitest';
import { foldEntry, type PackageState } from '../src/audit/log-view.js';
import type { AuditEntryBody } from '../src/audit/format.js';

const entry = (event: string, pkg: string, metadata: Record<string, unknown>): AuditEntryBody =>
  ({ event, actor: 'alice', package: pkg, timestamp: '2026-12-07T00:00:00Z', metadata }) as AuditEntryBody;

describe('a publish the registry policy rejected changes no state a client compares', () => {
  it('leaves an accepted version of the same number as it is (a racing upload was rejected)', () => {
    const packages: Record<string, PackageState> = {};
    foldEntry(
      packages,
      entry('package.publish', '@a/x@1.0.0', { tag: 'latest', checksum: 'sha256:aa', status: 'approved' }),
    );
    foldEntry(
      packages,
      entry('version.reject', '@a/x@1.0.0', {
        stage: 'publish',
        checksum: 'sha256:bb',
        reasons: ['critical_finding'],
      }),
    );
    expect(packages['@a/x']!.versions['1.0.0']!.status).toBe('approved');
  });

  it('creates no package for a first publish that was rejected', () => {
    const packages: Record<string, PackageState> = {};
    foldEntry(
      packages,
      entry('version.reject', '@a/new@1.0.0', { stage: 'publish', reasons: ['critical_finding'] }),
    );
    expect(packages).toEqual({});
  });

  it('an approver’s rejection of a pending version still rejects it', () => {
    const packages: Record<string, PackageState> = {};
    foldEntry(
      packages,
      entry('package.publish', '@a/x@1.0.0', { tag: 'latest', checksum: 'sha256:aa', status: 'pending' }),
    );
    foldEntry(packages, entry('version.reject', '@a/x@1.0.0', { comment: null }));
    expect(packages['@a/x']!.versions['1.0.0']!.status).toBe('rejected');
  });
});
