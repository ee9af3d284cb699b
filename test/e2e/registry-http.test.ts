import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateNoteKey } from '../../packages/core/dist/index.js';
import { AAM_BIN, httpClient, must, NO_STACK, readText, World, type RunResult } from './support/aam.js';
import { createUser } from '../support/registry-http.js';
import {
  openRegistryDb,
  readEntries,
  rewriteLog,
  setEntryBody,
  startServer,
  type RunningServer,
  type SqliteDb,
} from './support/registry-server.js';

const json = <T = Record<string, unknown>>(r: RunResult): T => JSON.parse(r.stdout) as T;

/** A user of the registry: own AAM_HOME, the registry added as default (key pinned), logged in if a token is given. */
const client = (server: RunningServer, token?: string): Promise<World> => httpClient(server.url, token);

/** A new user (as `aam user add` does, with the admin's token); returns the user's token. */
async function addUser(
  server: RunningServer,
  name: string,
  role: 'user' | 'approver' = 'user',
): Promise<string> {
  return (await createUser(server.url, server.adminToken!, name, role)).token;
}

/** Packs (reproducibly: the same README gives the same bytes) and publishes. */
async function publish(
  w: World,
  name: string,
  version: string,
  extra: string[] = [],
  readme = `${name} ${version}\n`,
): Promise<RunResult> {
  const dir = await w.makePackage(name, version, { files: { 'README.md': readme } });
  return w.aam(['pkg', 'publish', dir, ...extra]);
}

/** Setup, not the step under test: publishes in-process (what `aam pkg publish` does), returns the checksum. */
async function published(w: World, name: string, version: string): Promise<string> {
  const dir = await w.makePackage(name, version, { files: { 'README.md': `${name} ${version}\n` } });
  const outcome = await w.publishDir(dir);
  expect(outcome?.status).toBe('published');
  return outcome!.checksum;
}

/** A token with a valid shape and checksum that no registry issued. */
function unknownToken(): string {
  const b62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const body = `aam_${'Q'.repeat(43)}`;
  let n = crc32(body) >>> 0;
  let sum = '';
  while (n > 0) {
    sum = b62[n % 62]! + sum;
    n = Math.floor(n / 62);
  }
  return `${body}_${sum.padStart(6, '0')}`;
}

const checksumOf = (r: RunResult): string => /Checksum: (sha256:[0-9a-f]{64})/.exec(r.stdout)![1]!;

/** A fresh project directory inside a world (installs there do not share a lock file). */
function project(w: World, name: string): string {
  const dir = join(w.root, 'projects', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function blobPath(storage: string, checksum: string): string {
  const hex = checksum.slice('sha256:'.length);
  return join(storage, 'blobs', 'sha256', hex.slice(0, 2), hex);
}

// The CLI flows run on SQLite (the default); that the server behaves the same on PostgreSQL is the database
// parity suite's job (packages/registry-server/test/repository.test.ts and hostile.test.ts run on both).

describe('HTTP registry (SQLite): publish, install, tags, yank, owners, tokens (separate processes)', () => {
  let server: RunningServer;
  let admin: World;
  let alice: World;
  let bob: World;
  let consumer: World;
  let aliceToken: string;

  beforeAll(async () => {
    server = await startServer();
    expect(server.adminToken).toMatch(/^aam_/);
    admin = await client(server, server.adminToken);
    aliceToken = await addUser(server, 'alice');
    alice = await client(server, aliceToken);
    bob = await client(server, await addUser(server, 'bob'));
    consumer = await client(server);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('registry add pins the checkpoint key from /api/v1/keys and prints its fingerprint', async () => {
    const w = new World();
    const r = must(await w.aam(['registry', 'add', 'corp', server.url, '--default']));
    const keyId = server.vkey.split('+')[1];
    expect(r.stdout).toContain(`Checkpoint key: ${server.vkey}`);
    expect(r.stdout).toContain(`Fingerprint: ${server.origin}+${keyId}`);
    const cfg = parse(readText(join(w.home, 'config.yaml'))) as { registries: Record<string, unknown>[] };
    expect(cfg.registries).toEqual([
      {
        name: 'corp',
        url: server.url,
        default: true,
        checkpoint_key: server.vkey,
        // The registry's attestation keys are pinned too (test/e2e/attestation.test.ts).
        attestation_keys: [expect.stringMatching(/^sha256:[0-9a-f]{64}$/)],
      },
    ]);
    // A key known in advance: accepted when the registry serves it, refused (exit 1, nothing added) otherwise.
    must(await w.aam(['registry', 'add', 'known', server.url, '--checkpoint-key', server.vkey]));
    const other = generateNoteKey(server.origin).vkey;
    const bad = await w.aam(['registry', 'add', 'spoofed', server.url, '--checkpoint-key', other]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('does not serve the checkpoint key');
    expect(bad.stderr).toContain(other);
    expect(readText(join(w.home, 'config.yaml'))).not.toContain('spoofed');
    // Not a key at all: bad input.
    const garbage = await w.aam(['registry', 'add', 'garbage', server.url, '--checkpoint-key', 'nope']);
    expect(garbage.code).toBe(2);
    // Nobody listening: a clear network error, exit 1, no stack.
    const down = await w.aam(['registry', 'add', 'down', 'http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Cannot reach registry 'down' at http:\/\/127\.0\.0\.1:9/);
    expect(down.stderr).not.toMatch(NO_STACK);
  });

  it('login checks the token with the registry and stores it with mode 0600; logout forgets it', async () => {
    const w = await client(server);
    const bad = await w.aam(['login', '--token', 'not-a-token']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not an aam token');
    // A mistyped token (its checksum does not match) is refused before it is sent anywhere.
    const typo = aliceToken.slice(0, 10) + (aliceToken[10] === 'x' ? 'y' : 'x') + aliceToken.slice(11);
    expect((await w.aam(['login', '--token', typo])).code).toBe(2);
    // Well-formed but unknown to the registry: 401, nothing stored.
    const r401 = await w.aam(['login', '--token', unknownToken()]);
    expect(r401.code).toBe(1);
    expect(r401.stderr).toContain(
      "Registry 'main' refused the token: The token is not known to this registry",
    );
    expect(existsSync(join(w.home, 'credentials.yaml'))).toBe(false);
    const good = must(await w.aam(['login', '--token', aliceToken, '--json']));
    expect(json(good)).toMatchObject({ registry: 'main', user: 'alice', role: 'user' });
    const file = join(w.home, 'credentials.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parse(readText(file))).toEqual({ main: aliceToken });
    must(await w.aam(['logout']));
    expect(parse(readText(file))).toEqual({});
    // The token can come on standard input (kept out of shell history and process lists).
    const piped = spawnSync(process.execPath, [AAM_BIN, 'login', '--registry', 'main'], {
      cwd: w.project,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...w.env },
      input: `${aliceToken}\n`,
      encoding: 'utf8',
    });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toContain("Logged in to 'main' as alice");
    expect(parse(readText(file))).toEqual({ main: aliceToken });
  });

  it('publishes over HTTP and installs with checksum verification', async () => {
    const p1 = must(await publish(alice, '@acme/tool', '1.0.0'));
    expect(p1.stdout).toContain("Published @acme/tool@1.0.0 to 'main' (tags: latest)");
    const p2 = must(await publish(alice, '@acme/tool', '1.1.0'));
    const dir = project(consumer, 'install');
    const r = must(await consumer.aam(['install', '@acme/tool'], dir));
    expect(r.stdout).toContain(`✓ Checksum verified: ${checksumOf(p2)}`);
    expect(r.stdout).toContain('Installed @acme/tool@1.1.0');
    expect(readText(join(dir, '.aam/packages/@acme/tool/README.md'))).toBe('@acme/tool 1.1.0\n');
    const lock = parse(readText(join(dir, '.aam/aam-lock.yaml'))) as {
      packages: Record<string, { source: string; checksum: string }>;
    };
    expect(lock.packages['@acme/tool']).toMatchObject({ source: 'main', checksum: checksumOf(p2) });
    // The same bytes again is a safe retry; different bytes for a published version are refused.
    const retry = must(await publish(alice, '@acme/tool', '1.0.0'));
    expect(retry.stdout).toContain("was already published on 'main' with identical content: nothing changed");
    const again = await publish(alice, '@acme/tool', '1.0.0', [], 'other bytes\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already published');
    expect(again.stderr).toContain('version_exists');
    expect(json(must(await consumer.aam(['info', '@acme/tool@1.0.0', '--json'])))).toMatchObject({
      registry: 'main',
      selected: { version: '1.0.0', checksum: checksumOf(p1), yanked: false },
      dist_tags: { latest: '1.1.0' },
    });
  });

  // The registry checks an archive's sha256 before it first serves it: bytes swapped on its disk are refused there
  // (500 archive_corrupt), and the install fails with nothing installed. (A registry that serves other bytes
  // anyway is refused by the client's own checksum check: install.test.ts, demo.test.ts.)
  it("an archive swapped on the registry's disk is refused by the registry itself; nothing is installed", async () => {
    const checksum = await published(alice, '@acme/blob', '1.0.0');
    const blob = blobPath(server.storage, checksum);
    const original = readFileSync(blob);
    const tampered = Buffer.from(original);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
    writeFileSync(blob, tampered);
    try {
      const dir = project(consumer, 'tampered-blob');
      const r = await consumer.aam(['install', '@acme/blob'], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `The stored archive sha256:${checksum.replace(/^sha256:/, '')} does not match its checksum`,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, '.aam/packages'))).toBe(false);
    } finally {
      writeFileSync(blob, original);
    }
  });

  it('a GPG signature is published with the archive and verifies when read back', async () => {
    const gnupg = mkdtempSync(join(tmpdir(), 'aam-gnupg-'));
    chmodSync(gnupg, 0o700);
    const gpg = (args: string[]) =>
      execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
        env: { ...process.env, GNUPGHOME: gnupg },
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    try {
      gpg(['--quick-gen-key', 'Alice <alice@example.org>', 'ed25519', 'sign', 'never']);
      const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--fingerprint']))![1]!;
      const dir = await alice.makePackage('@acme/signed', '1.0.0');
      const p = must(
        await alice.aam(['pkg', 'publish', dir, '--sign', '--sign-type', 'gpg'], alice.project, {
          GNUPGHOME: gnupg,
        }),
      );
      expect(p.stdout).toContain("Published @acme/signed@1.0.0 to 'main'");
      const info = json<{ selected: { signatures: unknown[] }; signatures: Record<string, unknown>[] }>(
        // A client of its own: verifying the registry's attestation checks (and stores) the audit log's
        // checkpoint, and the audit-log test below wants consumer's first visit.
        must(await (await client(server)).aam(['info', '@acme/signed', '--signatures', '--json'])),
      );
      expect(info.selected.signatures).toEqual([
        { type: 'gpg', file: '1.0.0.aam.gpg.json', fingerprint: fpr },
      ]);
      expect(info.signatures).toEqual([
        expect.objectContaining({ type: 'gpg', valid: true, fingerprint: fpr }),
        // The registry's own attestation, which records the verified author signature.
        expect.objectContaining({ type: 'registry-attestation', valid: true, registry: 'main' }),
      ]);
    } finally {
      try {
        execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg } });
      } catch {
        // no agent running
      }
      rmSync(gnupg, { recursive: true, force: true });
    }
  });

  it('dist-tag add, ls and rm', async () => {
    must(await alice.aam(['dist-tag', 'add', '@acme/tool@1.0.0', 'stable']));
    const ls = json<{ dist_tags: Record<string, string> }>(
      must(await consumer.aam(['dist-tag', 'ls', '@acme/tool', '--json'])),
    );
    expect(ls.dist_tags).toEqual({ latest: '1.1.0', stable: '1.0.0' });
    const dir = project(consumer, 'tag');
    expect(must(await consumer.aam(['install', '@acme/tool@stable'], dir)).stdout).toContain(
      'Installed @acme/tool@1.0.0',
    );
    must(await alice.aam(['dist-tag', 'rm', '@acme/tool', 'stable']));
    expect(must(await consumer.aam(['dist-tag', 'ls', '@acme/tool'])).stdout).toBe('latest: 1.1.0\n');
    // Only owners move tags; 'latest' cannot be removed.
    const notOwner = await bob.aam(['dist-tag', 'add', '@acme/tool@1.0.0', 'stable']);
    expect(notOwner.code).toBe(1);
    expect(notOwner.stderr).toContain('Only an owner');
    expect((await alice.aam(['dist-tag', 'rm', '@acme/tool', 'latest'])).code).toBe(1);
  });

  it('a yanked version is not resolved by a range or a tag, installs by exact version with a warning, and --undo restores it', async () => {
    await published(alice, '@acme/yanky', '1.0.0');
    await published(alice, '@acme/yanky', '1.1.0');
    must(await alice.aam(['dist-tag', 'add', '@acme/yanky@1.1.0', 'beta']));
    const y = must(await alice.aam(['yank', '@acme/yanky@1.1.0', '--reason', 'breaks on Windows']));
    expect(y.stdout).toContain("Yanked @acme/yanky@1.1.0 on 'main'");
    expect(must(await consumer.aam(['info', '@acme/yanky'])).stdout).toContain(
      'Versions: 1.0.0, 1.1.0 (yanked)',
    );

    const range = must(await consumer.aam(['install', '@acme/yanky@^1.0.0'], project(consumer, 'y-range')));
    expect(range.stdout).toContain('Installed @acme/yanky@1.0.0');
    // `latest` points at the yanked version: the highest version not yanked is used instead.
    const latest = must(await consumer.aam(['install', '@acme/yanky'], project(consumer, 'y-latest')));
    expect(latest.stdout).toContain('Installed @acme/yanky@1.0.0');
    const beta = await consumer.aam(['install', '@acme/yanky@beta'], project(consumer, 'y-beta'));
    expect(beta.code).toBe(1);
    expect(beta.stderr).toMatch(/No tag 'beta' \(it points to 1\.1\.0, which is yanked\) of @acme\/yanky/);

    const exactDir = project(consumer, 'y-exact');
    const exact = must(await consumer.aam(['install', '@acme/yanky@1.1.0'], exactDir));
    expect(exact.stdout).toContain(
      '⚠ @acme/yanky@1.1.0 is yanked (breaks on Windows); installing it because that exact version was asked for',
    );
    expect(exact.stdout).toContain('Installed @acme/yanky@1.1.0');
    const exactJson = json<{ warnings: string[] }>(
      must(await consumer.aam(['install', '@acme/yanky@1.1.0', '--force', '--json'], exactDir)),
    );
    expect(exactJson.warnings).toEqual([expect.stringContaining('@acme/yanky@1.1.0 is yanked')]);

    expect(must(await alice.aam(['yank', '@acme/yanky@1.1.0', '--undo'])).stdout).toContain('Un-yanked');
    const undone = must(await consumer.aam(['install', '@acme/yanky@^1.0.0'], project(consumer, 'y-undo')));
    expect(undone.stdout).toContain('Installed @acme/yanky@1.1.0');
    expect(undone.stdout).not.toContain('yanked');
    // Yanking is for owners.
    expect((await bob.aam(['yank', '@acme/yanky@1.0.0'])).code).toBe(1);
  });

  it('owners: add, ls, rm, and a transfer offered by one owner and accepted by the recipient', async () => {
    await published(alice, '@acme/owned', '1.0.0');
    must(await alice.aam(['owner', 'add', '@acme/owned', 'bob']));
    expect(json(must(await consumer.aam(['owner', 'ls', '@acme/owned', '--json'])))).toMatchObject({
      owners: ['alice', 'bob'],
    });
    must(await alice.aam(['owner', 'rm', '@acme/owned', 'bob']));
    expect(must(await consumer.aam(['owner', 'ls', '@acme/owned'])).stdout).toBe('alice\n');
    const lastOwner = await alice.aam(['owner', 'rm', '@acme/owned', 'alice']);
    expect(lastOwner.code).toBe(1);
    expect(lastOwner.stderr).toContain('last owner');

    const offer = json<{ id: string }>(
      must(await alice.aam(['owner', 'transfer', '@acme/owned', 'bob', '--json'])),
    );
    // Nothing moves until bob accepts; bob sees the offer (also under the ls-transfers alias).
    expect(must(await consumer.aam(['owner', 'ls', '@acme/owned'])).stdout).toBe('alice\n');
    expect(must(await bob.aam(['owner', 'transfers'])).stdout).toContain(
      `${offer.id}  @acme/owned  alice -> bob`,
    );
    expect(must(await bob.aam(['owner', 'ls-transfers'])).stdout).toContain(offer.id);
    // Only the recipient can accept.
    expect((await alice.aam(['owner', 'accept', offer.id])).code).toBe(1);
    expect(must(await bob.aam(['owner', 'accept', offer.id])).stdout).toContain(
      "You now own @acme/owned on 'main'",
    );
    expect(must(await consumer.aam(['owner', 'ls', '@acme/owned'])).stdout).toBe('bob\n');
    const formerOwner = await alice.aam(['yank', '@acme/owned@1.0.0']);
    expect(formerOwner.code).toBe(1);
    expect(formerOwner.stderr).toContain('forbids this');
    must(await bob.aam(['yank', '@acme/owned@1.0.0']));
  });

  it('token scopes: read-only, revoked, other package and missing tokens are refused with 403/401', async () => {
    const dir = await alice.makePackage('@acme/scoped', '1.0.0');
    const publishWith = (w: World, token?: string) =>
      w.aam(['pkg', 'publish', dir], w.project, token ? { AAM_TOKEN: token } : {});

    const ro = json<{ token: string; scopes: string[] }>(
      must(await alice.aam(['token', 'create', '--name', 'ro', '--scope', 'read', '--json'])),
    );
    expect(ro.scopes).toEqual(['read']);
    const readOnly = await publishWith(alice, ro.token);
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toContain('insufficient_scope');
    expect(readOnly.stderr).toContain("lacks the 'publish' scope");

    const other = json<{ token: string }>(
      must(
        await alice.aam(['token', 'create', '--scope', 'read,publish', '--package', '@other/*', '--json']),
      ),
    );
    const wrongPackage = await publishWith(alice, other.token);
    expect(wrongPackage.code).toBe(1);
    expect(wrongPackage.stderr).toContain('HTTP 403 insufficient_scope');
    expect(wrongPackage.stderr).toContain('does not cover @acme/scoped');

    const revoked = json<{ id: string; token: string }>(
      must(await alice.aam(['token', 'create', '--scope', 'publish', '--json'])),
    );
    must(await alice.aam(['token', 'revoke', revoked.id]));
    const list = json<{ tokens: { id: string; status: string }[] }>(
      must(await alice.aam(['token', 'list', '--json'])),
    );
    expect(list.tokens.find((t) => t.id === revoked.id)?.status).toBe('revoked');
    const withRevoked = await publishWith(alice, revoked.token);
    expect(withRevoked.code).toBe(1);
    expect(withRevoked.stderr).toContain('refused the token from AAM_TOKEN');
    expect(withRevoked.stderr).toContain('HTTP 401');
    expect(withRevoked.stderr).toContain('revoked');
    expect(withRevoked.stderr).toContain('aam login');

    const missing = await publishWith(consumer);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/needs a token .*HTTP 401 unauthorized.*aam login --registry main/);
    expect(missing.stderr).not.toMatch(NO_STACK);

    // Only an admin creates users; the new user's token is printed once and works.
    const notAdmin = await alice.aam(['user', 'add', 'mallory']);
    expect(notAdmin.code).toBe(1);
    const carol = json<{ name: string; role: string; token: string }>(
      must(await admin.aam(['user', 'add', 'carol', '--role', 'approver', '--json'])),
    );
    expect(carol).toMatchObject({ name: 'carol', role: 'approver', token: expect.stringMatching(/^aam_/) });
    expect(
      json(must(await (await client(server)).aam(['login', '--token', carol.token, '--json']))),
    ).toMatchObject({
      user: 'carol',
      role: 'approver',
    });
    // None of those published anything; alice's own token still does.
    expect((await consumer.aam(['info', '@acme/scoped'])).code).toBe(1);
    must(await publishWith(alice));
  });

  it('registry commands refuse a file:// registry with a clear message (exit 2)', async () => {
    const w = new World();
    await w.withRegistry();
    for (const args of [
      ['token', 'list'],
      ['yank', '@acme/tool@1.0.0'],
      ['dist-tag', 'ls', '@acme/tool'],
      ['login', '--token', aliceToken],
    ]) {
      const r = await w.aam(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is a file:// registry');
    }
    const audit = await w.aam(['info', '@acme/tool', '--audit-log']);
    expect(audit.code).toBe(2);
    expect(audit.stderr).toContain('HTTP registries only');
  });

  it('info --audit-log prints the seed table, every entry proven against a checkpoint consistent with the last one', async () => {
    const first = must(await consumer.aam(['info', '@acme/yanky', '--audit-log']));
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Audit Log for @acme/yanky:');
    const row = (actor: string, event: string, subject: string) =>
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${actor} ${event.replace('.', '\\.')} ${subject}$`,
      );
    // Newest first.
    const expected = [
      row('alice', 'version.unyank', '1\\.1\\.0'),
      row('alice', 'version.yank', '1\\.1\\.0'),
      row('alice', 'tag.set', 'beta=1\\.1\\.0'),
      row('alice', 'package.publish', '1\\.1\\.0'),
      row('alice', 'package.publish', '1\\.0\\.0'),
    ];
    expect(lines.slice(1, 6)).toEqual(expected.map((re) => expect.stringMatching(re)));
    expect(lines[6]).toMatch(
      /^✓ 5 entries verified against checkpoint \d+ \(first checkpoint seen from this registry: trusted on first use and stored\)$/,
    );
    // The registry signs the time it serves the checkpoint at (max_log_age reads it).
    const signedAt = /^ {2}Checkpoint signed by the registry at (\S+)$/.exec(lines[7]!)?.[1];
    expect(Math.abs(Date.now() - Date.parse(signedAt!))).toBeLessThan(120_000);
    const size1 = Number(/checkpoint (\d+)/.exec(lines[6]!)![1]);
    expect(existsSync(join(consumer.home, 'audit/main/checkpoint'))).toBe(true);

    must(await alice.aam(['dist-tag', 'add', '@acme/yanky@1.0.0', 'stable']));
    const second = json<{
      checkpoint: { size: number; note: string; signed_at: string };
      previous_checkpoint: { size: number };
      entries: { event: string; subject: string; verified: boolean }[];
    }>(must(await consumer.aam(['info', '@acme/yanky', '--audit-log', '--json'])));
    expect(second.previous_checkpoint.size).toBe(size1);
    expect(Date.parse(second.checkpoint.signed_at)).toBeGreaterThanOrEqual(Date.parse(signedAt!));
    expect(second.checkpoint.size).toBeGreaterThan(size1);
    expect(second.entries[0]).toMatchObject({ event: 'tag.set', subject: 'stable=1.0.0', verified: true });
    expect(readText(join(consumer.home, 'audit/main/checkpoint'))).toBe(second.checkpoint.note);
    const third = must(await consumer.aam(['info', '@acme/yanky', '--audit-log']));
    expect(third.stdout).toContain(
      `✓ 6 entries verified against checkpoint ${second.checkpoint.size} (consistent with the last checkpoint seen: ${second.checkpoint.size})`,
    );
    // Ownership events name who gave the package to whom.
    expect(must(await consumer.aam(['info', '@acme/owned', '--audit-log'])).stdout).toMatch(
      / bob ownership\.transfer alice->bob\n/,
    );
  });
});

describe('HTTP registry (SQLite): approvals (--require-approval)', () => {
  let server: RunningServer;
  let pat: World;
  let ann: World;
  let uma: World;
  let consumer: World;

  beforeAll(async () => {
    server = await startServer({ args: ['--require-approval'] });
    pat = await client(server, await addUser(server, 'pat', 'approver'));
    ann = await client(server, await addUser(server, 'ann', 'approver'));
    uma = await client(server, await addUser(server, 'uma'));
    consumer = await client(server);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a publish waits for an approver other than the publisher before it can be installed', async () => {
    const pending = must(await publish(pat, '@team/lib', '1.0.0'));
    expect(pending.stdout).toContain('@team/lib@1.0.0 is waiting for approval');
    expect(pending.stdout).not.toContain('Published');
    const dir = project(consumer, 'pending');
    const notYet = await consumer.aam(['install', '@team/lib'], dir);
    expect(notYet.code).toBe(1);
    // The name is taken (never looked for elsewhere), with nothing installable yet.
    expect(notYet.stderr).toContain("@team/lib exists in registry 'main' with no installable version");

    const self = await pat.aam(['approve', '@team/lib@1.0.0', '--json']);
    expect(self.code).toBe(1);
    expect(json<{ error: Record<string, unknown> }>(self).error).toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
      server_code: 'self_approval',
    });
    // A plain user's role can never hold the approve scope: the message says so, and suggests no token.
    const user = await uma.aam(['approve', '@team/lib@1.0.0']);
    expect(user.code).toBe(1);
    expect(user.stderr).toContain("'approve' is for admins and approvers; uma is a user");
    expect(user.stderr).toContain('role_lacks_scope');
    expect(user.stderr).not.toContain('aam token create');

    expect(must(await ann.aam(['approve', '@team/lib@1.0.0', '--comment', 'reviewed'])).stdout).toContain(
      "Approved @team/lib@1.0.0 on 'main'",
    );
    expect(must(await consumer.aam(['install', '@team/lib'], dir)).stdout).toContain(
      'Installed @team/lib@1.0.0',
    );
  });

  it('a rejected version is never installable; the approved one stays latest', async () => {
    const r = json<{ status: string; tags: string[] }>(
      must(await publish(pat, '@team/lib', '1.1.0', ['--json'])),
    );
    expect(r).toMatchObject({ status: 'pending', tags: [] });
    must(await ann.aam(['reject', '@team/lib@1.1.0', '--comment', 'unreviewed binary']));
    const exact = await consumer.aam(['install', '@team/lib@1.1.0'], project(consumer, 'rejected'));
    expect(exact.code).toBe(1);
    expect(
      must(await consumer.aam(['install', '@team/lib'], project(consumer, 'after-reject'))).stdout,
    ).toContain('Installed @team/lib@1.0.0');
    const again = await ann.aam(['approve', '@team/lib@1.1.0']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already rejected');
    // Publishing the rejected bytes again is not "nothing changed": it was rejected, and stays so.
    const republish = await publish(pat, '@team/lib', '1.1.0');
    expect(republish.code).toBe(1);
    expect(republish.stderr).toContain(
      "@team/lib@1.1.0 was rejected on 'main' by an approver: it can never be installed",
    );
    expect(republish.stdout + republish.stderr).not.toContain('identical content');
    const log = must(await consumer.aam(['info', '@team/lib', '--audit-log'])).stdout;
    expect(log).toMatch(/ ann version\.reject 1\.1\.0\n/);
    expect(log).toMatch(/ ann version\.approve 1\.0\.0\n/);
  });
});

describe('HTTP registry: the client detects a tampered, rewritten or shrunk audit log', () => {
  let server: RunningServer;
  let admin: World;
  const auditState = (w: World) => join(w.home, 'audit/main/checkpoint');

  /** Stops the server, runs `fn` on its database, restarts it on the same port (where clients expect it). */
  async function withStoppedServer<T>(fn: (db: SqliteDb) => T): Promise<T> {
    await server.stop();
    const db = openRegistryDb(server.storage);
    let out: T;
    try {
      out = fn(db);
    } finally {
      db.close();
    }
    server = await startServer({ storage: server.storage, port: server.port });
    return out;
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await client(server, server.adminToken);
    await published(admin, '@acme/audited', '1.0.0');
    await published(admin, '@acme/audited', '1.1.0');
    must(await admin.aam(['dist-tag', 'add', '@acme/audited@1.0.0', 'stable']));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('an entry whose stored bytes were changed fails its inclusion proof (AUDIT_ENTRY_MISMATCH)', async () => {
    const viewer = await client(server);
    must(await viewer.aam(['info', '@acme/audited', '--audit-log']));
    const before = readText(auditState(viewer));
    // The log grows, so the next visit would store a newer checkpoint, unless an entry fails.
    must(await admin.aam(['dist-tag', 'add', '@acme/audited@1.1.0', 'beta']));
    // Edited under the running server (its start-up self-check would refuse the edited store, see below):
    // it keeps serving the edited bytes, and the client's own leaf hash catches them.
    const db = openRegistryDb(server.storage);
    const e = readEntries(db).find((x) => x.body.includes('"package.publish"') && x.body.includes('@1.0.0'))!;
    const at = e.body.indexOf('"checksum":"sha256:') + '"checksum":"sha256:'.length;
    setEntryBody(db, e.idx, e.body.slice(0, at) + (e.body[at] === '0' ? '1' : '0') + e.body.slice(at + 1));
    db.close();

    const r = await viewer.aam(['info', '@acme/audited', '--audit-log']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`entry ${e.idx} does not verify against checkpoint`);
    expect(r.stderr).not.toMatch(NO_STACK);
    const j = json<{ error: { code: string; index: number } }>(
      await viewer.aam(['info', '@acme/audited', '--audit-log', '--json']),
    );
    expect(j.error).toMatchObject({ code: 'AUDIT_ENTRY_MISMATCH', index: e.idx });
    expect(readText(auditState(viewer))).toBe(before);

    // The server itself refuses to start on it; with the bytes put back it starts and the log verifies again.
    await server.stop();
    await expect(startServer({ storage: server.storage, port: server.port })).rejects.toThrow(
      /does not match its leaf hash/,
    );
    await withStoppedServer((db2) => setEntryBody(db2, e.idx, e.body));
    must(await viewer.aam(['info', '@acme/audited', '--audit-log']));
  });

  it('a history rewritten and re-signed by an insider is a FORK, with both checkpoints printed', async () => {
    const a = await client(server);
    const b = await client(server);
    must(await a.aam(['info', '@acme/audited', '--audit-log']));
    must(await b.aam(['info', '@acme/audited', '--audit-log']));
    const seenA = readText(auditState(a));
    const seenB = readText(auditState(b));
    const size = Number(seenA.split('\n')[1]);
    // With a power-of-two old size a proof cannot show *where* trees differ (design §3.4): keep this case provable.
    expect(size & (size - 1)).not.toBe(0);

    const rewritten = await withStoppedServer((db) => {
      const bodies = readEntries(db).map((e) => e.body);
      const k = bodies.findIndex((b) => b.includes('"package.publish"') && b.includes('@1.0.0'));
      bodies[k] = bodies[k]!.replace(
        /"checksum":"sha256:[0-9a-f]{64}"/,
        `"checksum":"sha256:${'0'.repeat(64)}"`,
      );
      return rewriteLog(db, server.storage, bodies);
    });

    // Same size, another root: the two signed notes are the proof.
    const sameSize = await b.aam(['info', '@acme/audited', '--audit-log']);
    expect(sameSize.code).toBe(1);
    expect(sameSize.stderr).toContain(
      `audit log FORK on registry 'main': the registry signed two different trees of the same size ${size}`,
    );
    expect(sameSize.stderr).toContain(seenB.trimEnd());
    expect(sameSize.stderr).toContain(rewritten.trimEnd());
    expect(readText(auditState(b))).toBe(seenB);

    // The log grows on top of the rewrite: the consistency proof shows the old prefix is not there any more.
    must(await admin.aam(['dist-tag', 'add', '@acme/audited@1.1.0', 'next']));
    const grown = await a.aam(['info', '@acme/audited', '--audit-log', '--json']);
    expect(grown.code).toBe(1);
    const err = json<{
      error: {
        code: string;
        old_checkpoint: string;
        new_checkpoint: string;
        proof: string[];
        evidence_file: string;
      };
    }>(grown).error;
    expect(err.code).toBe('AUDIT_LOG_FORK');
    expect(err.old_checkpoint).toBe(seenA);
    expect(err.new_checkpoint.split('\n')[1]).toBe(String(size + 1));
    expect(err.proof.length).toBeGreaterThan(0);
    expect(readText(err.evidence_file)).toContain(seenA.trimEnd());
    expect(readText(auditState(a))).toBe(seenA);
    const text = await a.aam(['info', '@acme/audited', '--audit-log']);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('history was rewritten');
    expect(text.stderr).toContain(`Last verified checkpoint (${auditState(a)}):\n${seenA.trimEnd()}`);
    // The note served to this run carries another signed time: the checkpoint and its signature are the same.
    const untimed = err.new_checkpoint.slice(0, err.new_checkpoint.lastIndexOf('— '));
    expect(text.stderr).toContain(`Checkpoint served now:\n${untimed}`);
    expect(readdirSync(join(a.home, 'audit/main')).filter((f) => f.startsWith('evidence-')).length).toBe(2);

    // The documented limit of trust on first use: a client that never saw the old log accepts the new one.
    const fresh = await client(server);
    expect(must(await fresh.aam(['info', '@acme/audited', '--audit-log'])).stdout).toContain(
      'trusted on first use',
    );
  });

  it('a shrunk log is a ROLLBACK, with both checkpoints printed and the stored one kept', async () => {
    const c = await client(server);
    must(await c.aam(['info', '@acme/audited', '--audit-log']));
    const seen = readText(auditState(c));
    const size = Number(seen.split('\n')[1]);
    const shrunk = await withStoppedServer((db) =>
      rewriteLog(
        db,
        server.storage,
        readEntries(db)
          .map((e) => e.body)
          .slice(0, size - 2),
      ),
    );
    const r = await c.aam(['info', '@acme/audited', '--audit-log']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `audit log ROLLBACK on registry 'main': the log shrank from ${size} to ${size - 2} entries`,
    );
    expect(r.stderr).toContain(seen.trimEnd());
    expect(r.stderr).toContain(shrunk.trimEnd());
    const j = json<{ error: Record<string, unknown> }>(
      await c.aam(['info', '@acme/audited', '--audit-log', '--json']),
    );
    expect(j.error).toMatchObject({
      code: 'AUDIT_LOG_ROLLBACK',
      old_checkpoint: seen,
      // As served: the insider's checkpoint, with the time it was served at signed on it.
      new_checkpoint: expect.stringMatching(/\n— \S+ \S+\n$/),
    });
    expect((j.error.new_checkpoint as string).startsWith(shrunk)).toBe(true);
    expect(readText(auditState(c))).toBe(seen);
  });

  it('refuses to check a log whose key was never pinned', async () => {
    const w = new World();
    mkdirSync(w.home, { recursive: true });
    writeFileSync(
      join(w.home, 'config.yaml'),
      `registries:\n  - name: main\n    url: ${server.url}\n    default: true\n`,
    );
    const r = await w.aam(['info', '@acme/audited', '--audit-log']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no pinned checkpoint key');
    expect(r.stderr).toContain('aam registry add main');
  });
});
