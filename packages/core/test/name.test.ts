import { describe, expect, it } from 'vitest';
import {
  archiveFileName,
  assertPackageName,
  assertTag,
  assertVersion,
  packageDirName,
  parsePackageSpec,
} from '../src/package/name.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('package names', () => {
  it.each(['my-package', '@author/my-package', '@my_org/x', 'a', '@a/b1-2'])('accepts %s', (n) => {
    expect(code(() => assertPackageName(n))).toBeUndefined();
  });
  it.each([
    '../../x',
    '@scope/../x',
    '/etc/passwd',
    'My-Package',
    '@scope/name/extra',
    '-x',
    'a_b',
    '@/x',
    '',
    'x'.repeat(65),
    '@a/b\\c',
  ])('refuses %j', (n) => {
    expect(code(() => assertPackageName(n))).toBe('INVALID_NAME');
  });
  it('maps scoped names to scope--name and archive names without @', () => {
    expect(packageDirName('@author/my-package')).toBe('author--my-package');
    expect(packageDirName('plain')).toBe('plain');
    expect(archiveFileName('@author/my-package', '1.0.0')).toBe('author-my-package-1.0.0.aam');
    expect(() => packageDirName('../../x')).toThrow(/Invalid package name/);
  });
});

describe('versions and tags', () => {
  it.each(['1.0.0', '0.0.1-alpha.1', '1.2.3+build.5'])('accepts version %s', (v) =>
    expect(code(() => assertVersion(v))).toBeUndefined(),
  );
  it.each(['v1.0.0', '1.0', '01.0.0', '1.0.0.0', 'latest', ' 1.0.0'])('refuses version %j', (v) => {
    expect(code(() => assertVersion(v))).toBe('INVALID_VERSION');
  });
  it('refuses tags that look like versions or are reserved', () => {
    expect(code(() => assertTag('beta'))).toBeUndefined();
    for (const t of ['1.0.0', 'all', 'true', 'Beta', 'a b', 'x'.repeat(33)])
      expect(code(() => assertTag(t))).toBe('INVALID_SPEC');
  });
});

describe('package specs', () => {
  it('parses names, versions, ranges and tags', () => {
    expect(parsePackageSpec('@a/x').selector).toEqual({ $case: 'tag', tag: 'latest' });
    expect(parsePackageSpec('@a/x@1.2.3').selector).toEqual({ $case: 'version', version: '1.2.3' });
    expect(parsePackageSpec('x@^1.2.0').selector).toEqual({ $case: 'range', range: '^1.2.0' });
    expect(parsePackageSpec('x@~1.2').selector).toEqual({ $case: 'range', range: '~1.2' });
    expect(parsePackageSpec('x@>=1 <2').selector).toEqual({ $case: 'range', range: '>=1 <2' });
    expect(parsePackageSpec('@a/x@beta').selector).toEqual({ $case: 'tag', tag: 'beta' });
    expect(parsePackageSpec('@a/x@beta').name).toBe('@a/x');
  });
  it.each(['../../x', '@a/x@', 'x@not a range!', '@a/../x@1.0.0', 'x@v1.0.0.0'])(
    'refuses %j with INVALID_SPEC',
    (s) => {
      expect(code(() => parsePackageSpec(s))).toBe('INVALID_SPEC');
    },
  );
});
