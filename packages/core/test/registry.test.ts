import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { initPackageFlow } from '../src/flows/init.js';
import { packPackage } from '../src/package/pack.js';
import { initLocalRegistry, LocalRegistry, localRegistryUrl } from '../src/registry/local.js';
import { selectVersion } from '../src/registry/resolve.js';
import type { PackageMetadata } from '../src/registry/types.js';

async function setup(): Promise<{
  root: string;
  registry: LocalRegistry;
  pack: (
    version: string,
    extra?: string,
  ) => Promise<{ file: string; checksum: `sha256:${string}`; size: number }>;
}> {
  const root = mkdtempSync(join(tmpdir(), 'aam-registry-'));
  await initLocalRegistry(join(root, 'reg'));
  const registry = LocalRegistry.open('reg', localRegistryUrl(join(root, 'reg')));
  const pack = async (version: string, extra = '') => {
    const dir = join(root, `pkg-${version}-${extra.length}`);
    mkdirSync(dir);
    await initPackageFlow({ dir, name: '@author/my-package', version });
    if (extra) writeFileSync(join(dir, 'extra.md'), extra);
    return packPackage(dir, { maxArchiveSize: 1 << 20 });
  };
  return { root, registry, pack };
}

const publishReq = (
  r: { file: string; checksum: `sha256:${string}`; size: number },
  version: string,
  tag = 'latest',
) => ({
  bytes: readFileSync(r.file),
  name: '@author/my-package',
  version,
  description: 'd',
  checksum: r.checksum,
  size: r.size,
  tag,
});

describe('local registry', () => {
  it('init writes registry.yaml, index.yaml and packages/, and refuses to init twice', async () => {
    const { root } = await setup();
    const info = parse(readFileSync(join(root, 'reg', 'registry.yaml'), 'utf8'));
    expect(info).toMatchObject({ name: 'reg', type: 'local', api_version: 1 });
    expect(new Date(info.created_at).toString()).not.toBe('Invalid Date');
    expect(parse(readFileSync(join(root, 'reg', 'index.yaml'), 'utf8'))).toEqual({ packages: [] });
    expect(existsSync(join(root, 'reg', 'packages'))).toBe(true);
    await expect(initLocalRegistry(join(root, 'reg'))).rejects.toMatchObject({ code: 'REGISTRY_EXISTS' });
  });

  it('publish stores the archive and metadata.yaml with the checksum, and updates index.yaml', async () => {
    const { root, registry, pack } = await setup();
    const p = await pack('1.0.0');
    await registry.publish(publishReq(p, '1.0.0'));
    const dir = join(root, 'reg', 'packages', 'author--my-package');
    expect(readFileSync(join(dir, 'versions', '1.0.0.aam')).equals(readFileSync(p.file))).toBe(true);
    const meta = parse(readFileSync(join(dir, 'metadata.yaml'), 'utf8'));
    expect(meta).toMatchObject({
      name: '@author/my-package',
      dist_tags: { latest: '1.0.0' },
      versions: [{ version: '1.0.0', checksum: p.checksum, size: p.size, yanked: false, signatures: [] }],
    });
    expect(parse(readFileSync(join(root, 'reg', 'index.yaml'), 'utf8')).packages).toEqual([
      { name: '@author/my-package', description: 'd', latest: '1.0.0' },
    ]);
  });

  it('refuses to re-publish a version, with the same or different bytes', async () => {
    const { registry, pack } = await setup();
    const p = await pack('1.0.0');
    await registry.publish(publishReq(p, '1.0.0'));
    await expect(registry.publish(publishReq(p, '1.0.0'))).rejects.toMatchObject({
      code: 'VERSION_EXISTS',
      message: expect.stringMatching(/identical content/),
    });
    const q = await pack('1.0.0', 'different');
    await expect(registry.publish(publishReq(q, '1.0.0'))).rejects.toMatchObject({
      code: 'VERSION_EXISTS',
      message: expect.stringMatching(/different content/),
    });
  });

  it('a non-latest tag leaves latest alone once it exists', async () => {
    const { registry, pack } = await setup();
    await registry.publish(publishReq(await pack('1.0.0'), '1.0.0'));
    await registry.publish(publishReq(await pack('2.0.0-beta.1'), '2.0.0-beta.1', 'beta'));
    expect((await registry.metadata('@author/my-package'))!.dist_tags).toEqual({
      latest: '1.0.0',
      beta: '2.0.0-beta.1',
    });
  });

  it('a malformed metadata.yaml of another package does not fail a publish (the index skips it)', async () => {
    const { root, registry, pack } = await setup();
    mkdirSync(join(root, 'reg', 'packages', 'broken'), { recursive: true });
    writeFileSync(join(root, 'reg', 'packages', 'broken', 'metadata.yaml'), 'name: [unclosed\n');
    await registry.publish(publishReq(await pack('1.0.0'), '1.0.0'));
    expect(
      parse(readFileSync(join(root, 'reg', 'index.yaml'), 'utf8')).packages.map(
        (p: { name: string }) => p.name,
      ),
    ).toEqual(['@author/my-package']);
  });

  it('refuses a metadata.yaml whose checksum is malformed', async () => {
    const { root, registry, pack } = await setup();
    await registry.publish(publishReq(await pack('1.0.0'), '1.0.0'));
    const file = join(root, 'reg', 'packages', 'author--my-package', 'metadata.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/checksum: sha256:[0-9a-f]+/, 'checksum: sha256:abc123'),
    );
    await expect(registry.metadata('@author/my-package')).rejects.toMatchObject({
      code: 'INVALID_CHECKSUM',
      message: expect.stringMatching(/Malformed checksum of @author\/my-package@1\.0\.0/),
    });
  });

  it('refuses a metadata.yaml with a non-SemVer version or another package name', async () => {
    const { root, registry, pack } = await setup();
    await registry.publish(publishReq(await pack('1.0.0'), '1.0.0'));
    const file = join(root, 'reg', 'packages', 'author--my-package', 'metadata.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('version: 1.0.0', 'version: ../../../etc'));
    await expect(registry.metadata('@author/my-package')).rejects.toMatchObject({ code: 'INVALID_VERSION' });
    writeFileSync(file, good.replace('name: "@author/my-package"', 'name: "@other/pkg"'));
    await expect(registry.metadata('@author/my-package')).rejects.toMatchObject({ code: 'INVALID_REGISTRY' });
  });

  it('refuses package names that are paths before touching the file system', async () => {
    const { registry } = await setup();
    await expect(registry.metadata('../../x')).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await expect(registry.openArchive('@author/my-package', '../../1.0.0')).rejects.toMatchObject({
      code: 'INVALID_VERSION',
    });
    await expect(
      registry.readSignature('@author/my-package', '1.0.0', { type: 'gpg', file: '../../../etc/passwd' }),
    ).rejects.toMatchObject({
      code: 'INVALID_REGISTRY',
    });
  });
});

describe('version selection', () => {
  const meta: PackageMetadata = {
    name: 'x',
    description: '',
    dist_tags: { latest: '1.2.0', beta: '2.0.0-beta.1' },
    versions: ['1.0.0', '1.2.0', '1.3.0', '2.0.0-beta.1'].map((version) => ({
      version,
      published: '',
      checksum: `sha256:${'0'.repeat(64)}`,
      size: 1,
      yanked: version === '1.3.0',
      signatures: [],
    })),
  };
  it('picks the highest non-yanked version in a range', () => {
    expect(selectVersion(meta, { $case: 'range', range: '^1.0.0' }).version).toBe('1.2.0');
    expect(selectVersion(meta, { $case: 'range', range: '~1.0' }).version).toBe('1.0.0');
  });
  it('follows tags, and allows an exact yanked version', () => {
    expect(selectVersion(meta, { $case: 'tag', tag: 'beta' }).version).toBe('2.0.0-beta.1');
    expect(selectVersion(meta, { $case: 'version', version: '1.3.0' }).version).toBe('1.3.0');
  });
  it('explains what is available when nothing matches', () => {
    expect(() => selectVersion(meta, { $case: 'range', range: '>=3' })).toThrow(
      /No range >=3 of x \(available: 1\.0\.0, 1\.2\.0, 1\.3\.0 \(yanked\), 2\.0\.0-beta\.1\)/,
    );
    expect(() => selectVersion(meta, { $case: 'tag', tag: 'stable' })).toThrow(/No tag 'stable'/);
  });
});
