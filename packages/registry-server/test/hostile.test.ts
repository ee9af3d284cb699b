// Hostile uploads, on SQLite and on PostgreSQL: every archive rule of install applies to publish (validated in
// memory, nothing extracted), and so do checksums, name/version, token scope and ownership. Each refusal has
// its status and stable code, and leaves NOTHING behind: no package, owner or version row, no blob (not even a
// temp file) under storage/blobs, no audit entry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, testSeed } from '../../../test/support/seed.js';
import { rawArchive, rawTar, type RawEntry } from '../../core/test/support/archives.js';
import { newTokenSecret, startRegistry, type RunningRegistry } from '../src/index.js';
import { startPostgres, type PostgresCluster } from '../../../test/support/postgres.js';
import {
  blobFiles,
  buildArchive,
  call,
  createToken,
  createUser,
  expectStatus,
  manifestYaml,
  publish,
  sha256hex,
  verifyWholeLog,
  logKey,
  type Problem,
  type PublishOptions,
  type Reply,
} from '../../../test/support/registry-http.js';

type Dialect = 'sqlite' | 'postgres';

const LIMITS = { maxArchiveSize: 64 * 1024, maxUnpackedSize: 1024 * 1024, maxEntries: 50 };
const NAME = '@evil/pkg';
const VERSION = '2.0.0';

/** A well-formed @evil/pkg@2.0.0 plus hostile entries. */
const withEntries = (...extra: RawEntry[]): Promise<Buffer> =>
  rawArchive([
    { name: 'aam.yaml', content: manifestYaml(NAME, VERSION) },
    { name: 'skills/s/SKILL.md', content: '# s\n' },
    ...extra,
  ]);

const random = seededRandom(testSeed('hostile upload noise', 20261207));
const noise = (n: number): Buffer => random.bytes(n);

interface Case {
  label: string;
  archive: () => Promise<Buffer | undefined>;
  status: number;
  code: string;
  /** Who publishes: the owner (default), a token of the owner limited to another package, a non-owner. */
  as?: 'owner' | 'other-package-token' | 'non-owner' | 'scope-stranger' | 'nobody';
  name?: string;
  version?: string;
  opts?: (archive: Buffer | undefined) => PublishOptions;
  /** Send this instead of a multipart form. */
  raw?: { body: string | Buffer; type: string };
}

const CASES: Case[] = [
  {
    label: 'a ../ traversal entry',
    archive: () => withEntries({ name: '../../../aam-pwned', content: 'x' }),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'an absolute path',
    archive: () => withEntries({ name: '/tmp/aam-pwned-abs', content: 'x' }),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'a symlink escaping the package',
    archive: () => withEntries({ name: 'l', type: 'symlink', linkname: '../../../../etc' }),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'an absolute symlink',
    archive: () => withEntries({ name: 'l', type: 'symlink', linkname: '/etc/passwd' }),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'a hardlink escaping the package',
    archive: () => withEntries({ name: 'h', type: 'link', linkname: '../../etc/passwd' }),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'a character device',
    archive: () => withEntries({ name: 'tty', type: 'character-device' }),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'a gzip bomb (unpacks past maxUnpackedSize)',
    archive: async () =>
      gzipSync(
        await rawTar([
          { name: 'aam.yaml', content: manifestYaml(NAME, VERSION) },
          { name: 'skills/s/SKILL.md', content: '# s\n' },
          { name: 'zeros', content: Buffer.alloc(8 << 20) },
        ]),
        { level: 9 },
      ),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'an entry bomb (more than maxEntries)',
    archive: () => withEntries(...Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, content: '' }))),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'bytes that are not gzip',
    archive: async () => noise(2000),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'an uncompressed tar',
    archive: () =>
      rawTar([
        { name: 'aam.yaml', content: manifestYaml(NAME, VERSION) },
        { name: 'skills/s/SKILL.md', content: '# s\n' },
      ]),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'a truncated archive',
    archive: async () => (await withEntries({ name: 'big', content: noise(20_000) })).subarray(0, 3000),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'an archive without aam.yaml',
    archive: () => rawArchive([{ name: 'skills/s/SKILL.md', content: '# s\n' }]),
    status: 422,
    code: 'invalid_archive',
  },
  {
    label: 'an invalid manifest',
    archive: () =>
      rawArchive([
        { name: 'aam.yaml', content: `name: "${NAME}"\nversion: ${VERSION}\nartifacts: [not, a, map\n` },
        { name: 'skills/s/SKILL.md', content: '# s\n' },
      ]),
    status: 422,
    code: 'invalid_manifest',
  },
  {
    label: 'an oversize body (archive over maxArchiveSize)',
    archive: () => withEntries({ name: 'noise.bin', content: noise(96 * 1024) }),
    status: 413,
    code: 'archive_too_large',
  },
  {
    label: 'a wrong sha256 part',
    archive: () => withEntries(),
    opts: () => ({ sha256: `sha256:${'0'.repeat(64)}` }),
    status: 422,
    code: 'checksum_mismatch',
  },
  {
    label: 'a sha256 part that is not even hex',
    archive: () => withEntries(),
    opts: () => ({ sha256: 'nonsense' }),
    status: 422,
    code: 'checksum_mismatch',
  },
  {
    label: 'an archive for another name than the URL',
    archive: () => buildArchive('@evil/other', VERSION),
    status: 422,
    code: 'name_mismatch',
  },
  {
    label: 'an archive for another version than the URL',
    archive: () => buildArchive(NAME, '2.0.1'),
    status: 422,
    code: 'name_mismatch',
  },
  {
    label: 'a token limited to another package',
    archive: () => withEntries(),
    as: 'other-package-token',
    status: 403,
    code: 'insufficient_scope',
  },
  {
    label: 'a token limited to another package, via POST /packages',
    archive: () => withEntries(),
    as: 'other-package-token',
    opts: () => ({ via: 'post' }),
    status: 403,
    code: 'insufficient_scope',
  },
  {
    label: 'a valid archive by someone who does not own the package',
    archive: () => withEntries(),
    as: 'non-owner',
    status: 403,
    code: 'forbidden',
  },
  {
    label: "a new package in someone else's scope",
    archive: () => buildArchive('@evil/fresh', VERSION),
    name: '@evil/fresh',
    as: 'scope-stranger',
    status: 403,
    code: 'scope_forbidden',
  },
  { label: 'no token', archive: () => withEntries(), as: 'nobody', status: 401, code: 'unauthorized' },
  {
    label: 'a JSON body instead of multipart',
    archive: async () => undefined,
    raw: { body: JSON.stringify({ name: NAME, version: VERSION }), type: 'application/json' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    label: 'a raw gzip body instead of multipart',
    archive: async () => undefined,
    raw: { body: gzipSync('x'), type: 'application/gzip' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    label: 'a form without the archive part',
    archive: () => withEntries(),
    opts: () => ({ noArchive: true, fields: { tag: 'latest' } }),
    status: 400,
    code: 'bad_request',
  },
  {
    label: 'an unexpected file part',
    archive: () => withEntries(),
    opts: () => ({ files: { payload: Buffer.from('x') } }),
    status: 400,
    code: 'bad_request',
  },
  {
    label: 'an invalid tag',
    archive: () => withEntries(),
    opts: () => ({ tag: '1.2.3' }),
    status: 422,
    code: 'invalid_tag',
  },
];

let cluster: PostgresCluster | undefined;
const dirs: string[] = [];

afterAll(async () => {
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each<Dialect>(['sqlite', 'postgres'])(
  'hostile publishes on %s: refused, nothing stored',
  (dialect) => {
    let reg: RunningRegistry;
    let storage: string;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      storage = mkdtempSync(join(tmpdir(), 'aam-hostile-'));
      dirs.push(storage);
      let db = `sqlite:${join(storage, 'registry.db')}`;
      if (dialect === 'postgres') {
        cluster ??= await startPostgres();
        db = await cluster.createDatabase('hostile');
      }
      const admin = newTokenSecret();
      reg = await startRegistry({
        verifiers: [],
        storage,
        db,
        port: 0,
        adminToken: admin,
        limits: LIMITS,
      });
      const eve = await createUser(reg.url, admin, 'eve');
      tokens.owner = eve.token;
      tokens['other-package-token'] = expectStatus(
        await createToken(reg.url, eve.token, { scopes: ['read', 'publish'], packages: ['@evil/other'] }),
        201,
      ).body.token;
      tokens['non-owner'] = (await createUser(reg.url, admin, 'mallory')).token;
      tokens['scope-stranger'] = (await createUser(reg.url, admin, 'trudy')).token;
      // The package exists (1.0.0, by eve): the hostile publishes aim at 2.0.0.
      expectStatus(await publish(reg.url, eve.token, NAME, '1.0.0', await buildArchive(NAME, '1.0.0')), 201);
    });
    afterAll(async () => {
      await reg?.close();
    });

    /** Everything a publish could have stored. */
    async function state() {
      const rows = await reg.db.read(async (q) => ({
        packages: (await q.all('SELECT name FROM packages ORDER BY name')).map((r) => r.name),
        owners: (await q.all('SELECT package, user_id FROM owners ORDER BY package, user_id')).length,
        versions: (await q.all('SELECT package, version FROM versions ORDER BY package, version')).map(
          (r) => `${String(r.package)}@${String(r.version)}`,
        ),
        tags: (await q.all('SELECT package, tag, version FROM dist_tags ORDER BY package, tag')).length,
        entries: Number((await q.get('SELECT COUNT(*) AS n FROM audit_entries'))?.n),
        head: await reg.audit.head(q),
      }));
      return {
        ...rows,
        head: { size: rows.head.size, checkpoint: rows.head.checkpoint },
        blobs: blobFiles(storage),
      };
    }

    it.each(CASES.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
      const before = await state();
      expect(before.versions).toEqual([`${NAME}@1.0.0`]);
      const archive = await c.archive();
      const name = c.name ?? NAME;
      const version = c.version ?? VERSION;
      const who = c.as ?? 'owner';
      const token = who === 'nobody' ? undefined : tokens[who];
      let r: Reply<Problem>;
      if (c.raw) {
        r = await call(reg.url, 'PUT', `/api/v1/packages/${name}/versions/${version}`, {
          ...(token ? { token } : {}),
          body: c.raw.body,
          headers: { 'content-type': c.raw.type },
        });
      } else {
        r = await publish(reg.url, token, name, version, archive, c.opts?.(archive) ?? {});
      }
      expect(r.status, r.text).toBe(c.status);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status: c.status, code: c.code });
      expect(r.body.detail).not.toMatch(/\n\s+at /); // no stack trace
      // Nothing stored: no row, no audit entry, no new file under blobs/ (the blob of these bytes included).
      expect(await state()).toEqual(before);
      if (archive) {
        const hex = sha256hex(archive);
        expect(
          before.blobs.includes(`sha256/${hex.slice(0, 2)}/${hex}`) ||
            !blobFiles(storage).some((f) => f.includes(hex)),
        ).toBe(true);
      }
    });

    /** A registry of its own with alice and mallory (scope ownership tests). */
    async function scopeRegistry() {
      const admin = newTokenSecret();
      const s2 = mkdtempSync(join(tmpdir(), 'aam-hostile-scope-'));
      dirs.push(s2);
      const db =
        dialect === 'postgres' ? await cluster!.createDatabase('scope') : `sqlite:${join(s2, 'registry.db')}`;
      const r2 = await startRegistry({ verifiers: [], storage: s2, db, port: 0, adminToken: admin });
      const alice = (await createUser(r2.url, admin, 'alice')).token;
      const mallory = (await createUser(r2.url, admin, 'mallory')).token;
      const pub = async (token: string, name: string) =>
        publish(r2.url, token, name, '1.0.0', await buildArchive(name, '1.0.0'));
      return { r2, alice, mallory, pub };
    }

    it("an underscore in a scope is no wildcard: owning @axb gives no way into alice's @a_b", async () => {
      const { r2, alice, mallory, pub } = await scopeRegistry();
      try {
        expectStatus(await pub(alice, '@a_b/one'), 201);
        expectStatus(await pub(mallory, '@axb/x'), 201); // mallory's own scope, which `@a_b/%` matches
        const r = await pub(mallory, '@a_b/two');
        expect(r.status, r.text).toBe(403);
        expect(r.body.code).toBe('scope_forbidden');
      } finally {
        await r2.close();
      }
    });

    it('an underscore in a scope is no wildcard: owning @cxd blocks nobody from a fresh @c_d', async () => {
      const { r2, alice, mallory, pub } = await scopeRegistry();
      try {
        expectStatus(await pub(mallory, '@cxd/z'), 201);
        expectStatus(await pub(alice, '@c_d/one'), 201);
      } finally {
        await r2.close();
      }
    });

    it('the registry is unharmed: a good publish still works and the log verifies', async () => {
      const good = await withEntries();
      expectStatus(
        await publish(reg.url, tokens.owner, NAME, VERSION, good, { sha256: sha256hex(good) }),
        201,
      );
      expect((await state()).versions).toEqual([`${NAME}@1.0.0`, `${NAME}@${VERSION}`]);
      const log = await verifyWholeLog(reg.url, await logKey(reg.url));
      expect(log.bodies.filter((b) => b.event === 'package.publish')).toHaveLength(2);
    });
  },
);
