/**
 * Refusals that hold under attack (through the binary): each class of attack refused with exit 1 (exit 2 for bad
 * input), a reason code in `--json`, and nothing written: not to `.aam/`, not to the lock, not to the registry.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { addSignedTime, parseSignerKey } from '../../packages/core/dist/index.js';
import { BASE, MANIFEST, rawArchive } from '../../packages/core/test/support/archives.js';
import { createUser, expectStatus, publish, untimedNote } from '../support/registry-http.js';
import { seededRandom, testSeed } from '../support/seed.js';
import { AAM_BIN, httpClient, must, readText, REPO, snapshot, World, type RunResult } from './support/aam.js';
import { startServer } from './support/registry-server.js';

const json = <T = Record<string, unknown>>(r: RunResult): T => JSON.parse(r.stdout) as T;

/** The refusal's code, from `--json`. */
const codeOf = (r: RunResult): string | undefined => json<{ error?: { code?: string } }>(r).error?.code;

/** Runs `args` with `--json` and expects a refusal: the exit code, the reason code, nothing written in `dirs`. */
async function expectRefusal(
  w: World,
  args: string[],
  expected: { exit: 1 | 2; code: string },
  dirs: string[],
  cwd = w.project,
): Promise<RunResult> {
  const before = dirs.map((d) => snapshot(d));
  const r = await w.aam([...args, '--json'], cwd);
  expect({ exit: r.code, code: codeOf(r) }, r.stdout + r.stderr).toEqual(expected);
  expect(dirs.map((d) => snapshot(d))).toEqual(before);
  return r;
}

/**
 * `@acme/tool` in the default registry and `acme--tool` in a second one (one local registry cannot hold both:
 * they share its `scope--name` directory).
 */
async function twoNames(): Promise<World> {
  const a = await new World().withRegistry();
  await a.publish('@acme/tool', '1.0.0', { files: { 'scoped.md': 'scoped\n' } });
  const b = await new World().withRegistry();
  await b.publish('acme--tool', '2.0.0', { files: { 'plain.md': 'plain\n' } });
  must(await a.aam(['registry', 'add', 'other', `file://${b.registry}`]));
  return a;
}

/** A client of the registry `corp` signed in as alice, a new user there (who publishes). */
async function authorOn(corp: { url: string; adminToken?: string }): Promise<World> {
  return httpClient(corp.url, (await createUser(corp.url, corp.adminToken!, 'alice')).token, 'corp');
}

describe('1. names never share an install directory', () => {
  it('@acme/tool and acme--tool install side by side, each in its own directory', async () => {
    const a = await twoNames();
    must(await a.aam(['install', '@acme/tool', 'acme--tool']));
    const pkgs = join(a.project, '.aam', 'packages');
    expect(readText(join(pkgs, '@acme', 'tool', 'scoped.md'))).toBe('scoped\n');
    expect(readText(join(pkgs, 'acme--tool', 'plain.md'))).toBe('plain\n');
    expect(existsSync(join(pkgs, 'acme--tool', 'scoped.md'))).toBe(false);
    must(await a.aam(['verify']));
  });

  it('refuses a name whose directory holds another installed package (an earlier layout), writing nothing', async () => {
    const w = await twoNames();
    must(await w.aam(['install', '@acme/tool@1.0.0']));
    // As an earlier aam left it: the scoped package in `scope--name`.
    const pkgs = join(w.project, '.aam', 'packages');
    renameSync(join(pkgs, '@acme', 'tool'), join(pkgs, 'acme--tool'));
    rmSync(join(pkgs, '@acme'), { recursive: true });
    const r = await expectRefusal(w, ['install', 'acme--tool'], { exit: 1, code: 'NAME_COLLISION' }, [
      join(w.project, '.aam'),
    ]);
    expect(r.stdout).toContain('holds @acme/tool');
    // verify says where it is and what repairs it; install from the lock moves it to its own directory.
    const v = await w.aam(['verify']);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/installed by an earlier aam in .*acme--tool: run 'aam install' to move it/);
    must(await w.aam(['install']));
    expect(existsSync(join(pkgs, '@acme', 'tool', 'aam.yaml'))).toBe(true);
    expect(existsSync(join(pkgs, 'acme--tool'))).toBe(false);
    must(await w.aam(['verify']));
    // Now the unscoped name has a directory of its own.
    must(await w.aam(['install', 'acme--tool']));
    expect(readText(join(pkgs, 'acme--tool', 'plain.md'))).toBe('plain\n');
    expect(readText(join(pkgs, '@acme', 'tool', 'scoped.md'))).toBe('scoped\n');
  });

  it('a local registry refuses a name whose directory another package owns, at publish and at install', async () => {
    const w = await new World().withRegistry();
    await w.publish('@acme/tool', '1.0.0');
    const dir = await w.makePackage('acme--tool', '9.0.0');
    await expectRefusal(w, ['pkg', 'publish', dir], { exit: 1, code: 'NAME_COLLISION' }, [w.registry]);
    // The registry does not have acme--tool: its directory is @acme/tool's.
    await expectRefusal(w, ['install', 'acme--tool'], { exit: 1, code: 'NOT_FOUND' }, [w.project]);
    const meta = parse(readFileSync(join(w.registry, 'packages', 'acme--tool', 'metadata.yaml'), 'utf8'));
    expect(meta.name).toBe('@acme/tool');
  });
});

describe('1b. names and paths that Object.prototype knows are data, not inherited properties', () => {
  it('a package named constructor installs and verifies; an added file named toString is untracked', async () => {
    const w = await new World().withRegistry();
    await w.publish('constructor', '1.0.0', { files: { 'a.md': 'a\n' } });
    must(await w.aam(['install', 'constructor']));
    must(await w.aam(['verify']));
    must(await w.aam(['install']));
    const dir = join(w.project, '.aam', 'packages', 'constructor');
    writeFileSync(join(dir, 'toString'), 'added\n');
    writeFileSync(join(dir, '__proto__'), 'added\n');
    const v = await w.aam(['verify', '--json']);
    expect(v.code).toBe(1);
    const files = json<{ packages: { files: { path: string; status: string }[] }[] }>(v).packages[0]!.files;
    expect(files).toEqual(
      expect.arrayContaining([
        { path: 'toString', status: 'untracked' },
        { path: '__proto__', status: 'untracked' },
      ]),
    );
  });
});

/** A YAML "billion laughs": seven levels of ten aliases each. */
const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
  ...'bcdefg'.split('').map((l, i) => {
    const prev = 'abcdef'[i]!;
    return `${l}: &${l} [${Array.from({ length: 10 }, () => `*${prev}`).join(',')}]`;
  }),
  '',
].join('\n');

/** A registry on loopback that answers every request with `body` (a registry gone wrong, or an attacker). */
function lyingRegistry(body: (path: string) => string | Buffer): Promise<LoopbackServer> {
  return onLoopback((req, res) => {
    const b = body(req.url ?? '/');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(b);
  });
}

interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (any free port) answering with `handler`. */
async function onLoopback(handler: RequestListener): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('6. bounds on what a registry sends, and on what the user and an uploader give', () => {
  it('an alias bomb in the config is bad input (exit 2, INVALID_CONFIG), not an internal error', async () => {
    const w = new World();
    writeFileSync(join(w.home, 'config.yaml'), ALIAS_BOMB);
    for (const args of [
      ['config', 'validate'],
      ['install', 'x'],
    ]) {
      const r = await expectRefusal(w, args, { exit: 2, code: 'INVALID_CONFIG' }, [w.root]);
      expect(r.stdout).toContain('aliases expand to too much');
    }
  });

  it('a huge or over-long metadata.yaml in a local registry is refused before it is read', async () => {
    const w = await new World().withRegistry();
    await w.publish('big', '1.0.0');
    const file = join(w.registry, 'packages', 'big', 'metadata.yaml');
    writeFileSync(file, `${readText(file)}# ${'x'.repeat(20 * 1024 * 1024)}\n`);
    await expectRefusal(w, ['install', 'big'], { exit: 1, code: 'REGISTRY_TOO_LARGE' }, [w.project]);
  });

  it('an HTTP registry that sends a huge document, or 20,001 versions, is refused (exit 1)', async () => {
    const huge = await lyingRegistry(
      () => `{"name":"x","versions":[],"pad":"${'x'.repeat(40 * 1024 * 1024)}"}`,
    );
    const many = await lyingRegistry(() =>
      JSON.stringify({
        name: 'x',
        dist_tags: {},
        versions: Array.from({ length: 20_001 }, (_, i) => ({ version: `1.0.${i}` })),
      }),
    );
    try {
      for (const [reg, what] of [
        [huge, 'an answer to GET /api/v1/packages/x'],
        [many, '20001 versions of x'],
      ] as const) {
        const w = new World();
        writeFileSync(
          join(w.home, 'config.yaml'),
          `registries:\n  - {name: evil, url: "${reg.url}", default: true}\n`,
        );
        const r = await expectRefusal(w, ['install', 'x'], { exit: 1, code: 'REGISTRY_TOO_LARGE' }, [
          w.project,
        ]);
        expect(r.stdout).toContain(what);
      }
    } finally {
      await huge.close();
      await many.close();
    }
  });

  it('the server answers 422 for an alias bomb in an uploaded manifest and for paths too long for Linux', async () => {
    const server = await startServer();
    try {
      const user = await createUser(server.url, server.adminToken!, 'up');
      const bomb = await rawArchive([{ name: 'aam.yaml', content: ALIAS_BOMB }]);
      const r1 = await publish(server.url, user.token, 'bomb', '1.0.0', bomb);
      expectStatus(r1, 422, 'invalid_manifest');
      expect(r1.body.detail).toContain('aliases expand to too much');
      const long = (segment: string) => rawArchive([...BASE, { name: `skills/s/${segment}`, content: 'x' }]);
      for (const archive of [
        await long('n'.repeat(256)),
        await long(`${'d'.repeat(200)}/`.repeat(6) + 'f'),
      ]) {
        const r = await publish(server.url, user.token, '@evil/pkg', '1.0.0', archive);
        expectStatus(r, 422, 'invalid_archive');
        expect(r.body.detail).toMatch(/has a (name|path) of \d+ bytes/);
      }
      // Nothing stored: no version, no package.
      expect((await fetch(`${server.url}/api/v1/packages/@evil/pkg`)).status).toBe(404);
      expect((await fetch(`${server.url}/api/v1/packages/bomb`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

describe('5. a replaced compiled policy in the cache never decides', () => {
  it('a cached WASM swapped for a permissive one is rebuilt (with a warning); the real policy decides', async () => {
    const w = await new World().withRegistry();
    await w.publish('@corp/tool', '1.0.0');
    writeFileSync(
      join(w.home, 'config.yaml'),
      `${readText(join(w.home, 'config.yaml'))}policy:\n  modules: ["${join(REPO, 'policies/examples/corp')}"]\n`,
    );
    const first = await w.aam(['install', '@corp/tool']);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('needs 2 distinct trusted signers');
    const cacheDir = join(w.home, 'cache', 'policy');
    const [entry] = readdirSync(cacheDir).filter((f) => f.endsWith('.wasm'));
    expect(entry).toBeDefined();
    // The shipped default policy, which knows nothing of the corp rule, in its place (and a seal from another key).
    const permissive = readFileSync(join(REPO, 'policies/build/aam.wasm'));
    /** The permissive WASM in the entry's place, sealed (as the cache seals) under `key`. */
    const plant = (key: Buffer) => {
      writeFileSync(join(cacheDir, entry!), permissive);
      const mac = createHmac('sha256', key).update(entry!.slice(0, -5)).update('\0').update(permissive);
      writeFileSync(join(cacheDir, `${entry}.seal`), mac.digest('hex'));
    };
    plant(randomBytes(32));
    const r = await expectRefusal(w, ['install', '@corp/tool'], { exit: 1, code: 'POLICY_REFUSED' }, [
      w.project,
    ]);
    expect(r.stdout).toContain('needs 2 distinct trusted signers');
    expect(r.stderr).toMatch(
      /The cached policy .* does not match its seal \(replaced or corrupted\): rebuilt it/,
    );
    // Rebuilt and sealed again: the next run uses it without a warning.
    expect(readFileSync(join(cacheDir, entry!)).equals(permissive)).toBe(false);
    const again = await w.aam(['install', '@corp/tool']);
    expect(again.code).toBe(1);
    expect(again.stderr).not.toContain('does not match its seal');

    // A key file that is not 32 bytes of hex (cut short, garbage) is no key: never an empty HMAC key.
    const keyFile = join(w.home, 'keys', 'policy-cache.key');
    writeFileSync(keyFile, 'z'.repeat(64), { mode: 0o600 });
    plant(Buffer.alloc(0));
    const garbage = await expectRefusal(w, ['install', '@corp/tool'], { exit: 1, code: 'POLICY_REFUSED' }, [
      w.project,
    ]);
    expect(garbage.stdout).toContain('needs 2 distinct trusted signers');
    expect(readText(keyFile)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('8. a dry run runs every check the install runs', () => {
  /** Serves `archive` as x@1.0.0 under a matching checksum: only the checks after download can refuse it. */
  async function serving(archive: Buffer): Promise<World> {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const dir = join(w.registry, 'packages', 'x');
    writeFileSync(join(dir, 'versions', '1.0.0.aam'), archive);
    const meta = join(dir, 'metadata.yaml');
    writeFileSync(
      meta,
      readText(meta)
        .replace(
          /checksum: sha256:[0-9a-f]{64}/,
          `checksum: sha256:${createHash('sha256').update(archive).digest('hex')}`,
        )
        .replace(/size: \d+/, `size: ${archive.length}`),
    );
    return w;
  }
  const manifest = (name: string) => MANIFEST.replace('name: "@evil/pkg"', `name: "${name}"`);

  it.each([
    [
      'an archive that escapes its directory',
      [
        { name: 'aam.yaml', content: manifest('x') },
        { name: 'skills/s/SKILL.md', content: '#' },
        { name: 'l', type: 'symlink' as const, linkname: '../../../../etc' },
      ],
      'INVALID_ARCHIVE',
    ],
    [
      'an archive that holds another package',
      [
        { name: 'aam.yaml', content: manifest('other') },
        { name: 'skills/s/SKILL.md', content: '#' },
      ],
      'INVALID_ARCHIVE',
    ],
  ])('%s: the dry run refuses it as the install does, and writes nothing', async (_what, entries, code) => {
    const w = await serving(await rawArchive(entries));
    const dry = await expectRefusal(w, ['install', 'x', '--dry-run'], { exit: 1, code }, [w.project, w.home]);
    const real = await expectRefusal(w, ['install', 'x'], { exit: 1, code }, [w.project]);
    expect(json<{ error: { message: string } }>(dry).error.message).toBe(
      json<{ error: { message: string } }>(real).error.message,
    );
  });
});

describe('7. crashes: kill -9 at any moment of an install', () => {
  it('a lock left by a killed process is stale at once: the next install takes it over', async () => {
    const w = await new World().withRegistry();
    await w.publish('x', '1.0.0');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    mkdirSync(join(w.project, '.aam'), { recursive: true });
    writeFileSync(
      join(w.project, '.aam', '.install.lock'),
      JSON.stringify({
        pid: Number(dead.stdout),
        host: hostname(),
        nonce: 'x',
        at: new Date().toISOString(),
      }),
    );
    // A live holder would make it wait a minute and fail with LOCK_BUSY; a dead one is taken over now.
    must(await w.aam(['install', 'x']));
    expect(existsSync(join(w.project, '.aam', '.install.lock'))).toBe(false);
  });

  it('after a kill at a random moment the lock and the files agree, or the next install repairs them', async () => {
    const rand = seededRandom(testSeed('install kill points', 20261207));
    const w = await new World().withRegistry();
    const names = ['p0', 'p1', 'p2'];
    const files = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`docs/f${i}.md`, `${i}\n`]));
    for (const n of names) for (const v of ['1.0.0', '2.0.0']) await w.publish(n, v, { files });
    must(await w.aam(['install', ...names.map((n) => `${n}@1.0.0`)]));
    const t0 = Date.now();
    must(await w.aam(['install', ...names.map((n) => `${n}@2.0.0`)]));
    const full = Date.now() - t0;
    let interrupted = 0;
    let inconsistent = 0;
    // Five kills by default (each costs four CLI runs); AAM_TEST_KILLS=50 AAM_TEST_SEED=random for a long hunt.
    const kills = Number(process.env.AAM_TEST_KILLS ?? 5);
    for (let k = 0; k < kills; k++) {
      // The other version than the lock records, so that every run has something to write.
      const locked = parse(readText(join(w.project, '.aam', 'aam-lock.yaml'))).packages.p0.version;
      const version = locked === '1.0.0' ? '2.0.0' : '1.0.0';
      const child = spawn(process.execPath, [AAM_BIN, 'install', ...names.map((n) => `${n}@${version}`)], {
        cwd: w.project,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...w.env },
        stdio: 'ignore',
      });
      let gone = false;
      const exited = new Promise((r) => child.on('exit', r)).then(() => (gone = true));
      // Once it starts writing (its staging directory appears), at a random moment of what follows: the
      // extraction, the swap, the lock write. A kill earlier than that finds nothing written.
      const aamDir = join(w.project, '.aam');
      while (!gone && !readdirSync(aamDir).some((f) => f.startsWith('.staging-')))
        await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, rand.next() * 0.3 * full));
      child.kill('SIGKILL');
      await exited;
      const v = await w.aam(['verify', '--json']);
      if (v.code !== 0) {
        // It says which: an interrupted install, or files that are not the locked version.
        const out = json<{
          interrupted: string[];
          packages: { notes: string[]; files: { status: string }[] }[];
        }>(v);
        const says = out.interrupted.length > 0 || out.packages.some((p) => p.notes.length > 0);
        expect(says, v.stdout).toBe(true);
        if (out.interrupted.length > 0) interrupted++;
        else inconsistent++;
      }
      // The next install (from the lock) puts everything back as the lock records it.
      must(await w.aam(['install']));
      must(await w.aam(['verify']));
      expect(readdirSync(join(w.project, '.aam')).filter((f) => f.startsWith('.staging-'))).toEqual([]);
    }
    process.stdout.write(
      `install kills: ${interrupted} left an interrupted install, ${inconsistent} other\n`,
    );
    // Some kills did land mid-install (else this proved nothing).
    expect(interrupted + inconsistent).toBeGreaterThan(0);
    // About 32 s beside the other files on two cores: a budget for a hung run, not a speed target.
  }, 180_000);

  for (const intent of ['whole', 'damaged'] as const)
    it(`an install killed after it swapped the files in, before it wrote the lock, is put back by the next (intent ${intent})`, async () => {
      const w = await new World().withRegistry();
      await w.publish('x', '1.0.0', { files: { 'v.md': 'one\n' } });
      await w.publish('x', '2.0.0', { files: { 'v.md': 'two\n' } });
      await w.publish('y', '1.0.0');
      must(await w.aam(['install', 'x@1.0.0']));
      const lockBefore = readText(join(w.project, '.aam', 'aam-lock.yaml'));
      // What the install of x@2.0.0 and y@1.0.0 leaves when killed between its swap and its lock write: the new
      // files in place, the old ones aside in its staging directory with its intent, the lock untouched.
      const aam = join(w.project, '.aam');
      const staging = join(aam, '.staging-killed');
      mkdirSync(join(staging, 'old'), { recursive: true });
      renameSync(join(aam, 'packages', 'x'), join(staging, 'old', 'x'));
      const other = new World();
      must(await other.aam(['registry', 'add', 'main', `file://${w.registry}`, '--default']));
      must(await other.aam(['install', 'x@2.0.0', 'y@1.0.0']));
      renameSync(join(other.project, '.aam', 'packages', 'x'), join(aam, 'packages', 'x'));
      renameSync(join(other.project, '.aam', 'packages', 'y'), join(aam, 'packages', 'y'));
      const text = JSON.stringify([
        { name: 'x', version: '2.0.0' },
        { name: 'y', version: '1.0.0' },
      ]);
      // Damaged: cut short (a file system that lost it): what was moved aside still says what to put back.
      writeFileSync(join(staging, 'intent.json'), intent === 'whole' ? text : text.slice(0, 7));
      const v = await w.aam(['verify']);
      expect(v.code).toBe(1);
      expect(v.stdout).toContain('An install was interrupted');
      expect(v.stdout).toContain(
        'holds version 2.0.0, but the lock records 1.0.0: an install was interrupted',
      );
      // Any install first puts the project back as the lock records it (from what the killed one moved aside:
      // nothing is extracted again).
      const r = await w.aam(['install', 'x@1.0.0']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Everything is up to date');
      expect(readText(join(aam, 'packages', 'x', 'v.md'))).toBe('one\n');
      // Only the intent names y, which the lock does not know: without it, y's directory stays (untracked).
      expect(existsSync(join(aam, 'packages', 'y'))).toBe(intent === 'damaged');
      expect(existsSync(staging)).toBe(false);
      expect(readText(join(aam, 'aam-lock.yaml'))).toBe(lockBefore);
      must(await w.aam(['verify']));
    });
});

describe('3. dependency confusion: a name is taken from the first registry that knows it, or its bound one', () => {
  it('a name the preferred registry holds only as a pending version is never taken from another registry', async () => {
    const corp = await startServer({ args: ['--require-approval'] });
    try {
      const author = await authorOn(corp);
      const dir = await author.makePackage('@acme/tool', '1.0.0');
      expect((await author.publishDir(dir))?.status).toBe('pending');
      // The attacker's package of the same name in another registry.
      const evil = await new World().withRegistry();
      await evil.publish('@acme/tool', '6.6.6', { files: { 'payload.md': 'evil\n' } });
      const w = await httpClient(corp.url, undefined, 'corp');
      must(await w.aam(['registry', 'add', 'public', `file://${evil.registry}`]));
      const r = await expectRefusal(w, ['install', '@acme/tool'], { exit: 1, code: 'NOT_INSTALLABLE' }, [
        w.project,
      ]);
      expect(r.stdout).toContain("exists in registry 'corp' with no installable version");
      // The same for info: the name is corp's.
      await expectRefusal(w, ['info', '@acme/tool'], { exit: 1, code: 'NOT_INSTALLABLE' }, [w.project]);
    } finally {
      await corp.stop();
    }
  });

  it('a bound scope asks no other registry, not even the default; --registry elsewhere is refused', async () => {
    let asked = 0;
    const lying = await lyingRegistry(() => {
      asked++;
      return JSON.stringify({ name: '@acme/tool', dist_tags: {}, versions: [] });
    });
    try {
      const w = new World();
      const corp = await new World().withRegistry();
      await corp.publish('@acme/tool', '1.0.0', { files: { 'good.md': 'good\n' } });
      writeFileSync(
        join(w.home, 'config.yaml'),
        [
          'registries:',
          `  - {name: public, url: "${lying.url}", default: true}`,
          `  - {name: corp, url: "file://${corp.registry}"}`,
          'scopes: {"@acme": corp}',
          '',
        ].join('\n'),
      );
      must(await w.aam(['install', '@acme/tool']));
      expect(readText(join(w.project, '.aam', 'packages', '@acme', 'tool', 'good.md'))).toBe('good\n');
      expect(asked).toBe(0);
      await expectRefusal(w, ['install', '@acme/tool', '--registry', 'public'], { exit: 2, code: 'USAGE' }, [
        w.project,
      ]);
      const dir = await w.makePackage('@acme/secret', '1.0.0');
      await expectRefusal(w, ['pkg', 'publish', dir, '--registry', 'public'], { exit: 2, code: 'USAGE' }, [
        w.project,
      ]);
      expect(asked).toBe(0);
      // Unbound, the default is asked first (what the binding prevents).
      writeFileSync(
        join(w.home, 'config.yaml'),
        readText(join(w.home, 'config.yaml')).replace(/scopes:.*\n/, ''),
      );
      await w.aam(['install', '@acme/other']);
      expect(asked).toBeGreaterThan(0);
    } finally {
      await lying.close();
    }
  });
});

describe('4. a revoked GPG key stays revoked, whatever older copy an envelope carries', () => {
  it('once a revocation is seen, packages whose envelopes carry the old key are refused', async () => {
    const w = await new World().withRegistry();
    const { privateKey } = await openpgp.generateKey({
      userIDs: [{ name: 'Author', email: 'author@example.org' }],
      format: 'object',
    });
    const fpr = privateKey.getFingerprint().toUpperCase();
    writeFileSync(join(w.root, 'author.key'), privateKey.armor());
    const dir = await w.makePackage('signed', '1.0.0');
    must(
      await w.aam(['pkg', 'publish', dir, '--sign', '--sign-type', 'gpg'], w.project, {
        AAM_GPG_KEY_FILE: join(w.root, 'author.key'),
      }),
    );
    writeFileSync(
      join(w.home, 'config.yaml'),
      `${readText(join(w.home, 'config.yaml'))}security:\n  require_signature: true\n  on_signature_failure: error\n  trusted_keys: ["${fpr}"]\n`,
    );
    must(await w.aam(['install', 'signed']));

    // The author revokes the key; this client sees the revocation once (aam verify FILE --key).
    const { publicKey: revoked } = await openpgp.revokeKey({
      key: privateKey,
      reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyCompromised, string: 'stolen' },
      format: 'armored',
    });
    writeFileSync(join(w.root, 'revoked.asc'), revoked);
    const versions = join(w.registry, 'packages', 'signed', 'versions');
    const once = await w.aam([
      'verify',
      join(versions, '1.0.0.aam'),
      '--signature',
      join(versions, '1.0.0.aam.gpg.json'),
      '--key',
      join(w.root, 'revoked.asc'),
    ]);
    expect(once.code).toBe(1);
    expect(once.stdout).toContain(`key ${fpr} is revoked`);

    // The registry still serves the envelope with the old copy of the key: refused from now on.
    const fresh = join(w.root, 'fresh');
    mkdirSync(fresh);
    const r = await expectRefusal(
      w,
      ['install', 'signed'],
      { exit: 1, code: 'POLICY_REFUSED' },
      [fresh],
      fresh,
    );
    expect(r.stdout).toContain(`key ${fpr} is revoked`);
    const v = await w.aam(['verify']);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('is revoked');
  });
});

/**
 * A proxy on loopback in front of a real registry: every request forwarded, and each answer handed to `rewrite`
 * (by path), which may return other bytes: what a registry that lies, or anyone between it and the client, serves.
 */
function rewritingProxy(
  target: string,
  rewrite: (path: string, body: Buffer) => Buffer | undefined,
): Promise<LoopbackServer> {
  return onLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const url = new URL(req.url ?? '/', target);
      fetch(url, { method: req.method, headers, ...(body ? { body } : {}) })
        .then(async (up) => {
          const got = Buffer.from(await up.arrayBuffer());
          const out = (up.ok ? rewrite(url.pathname, got) : undefined) ?? got;
          res.writeHead(up.status, {
            'content-type': up.headers.get('content-type') ?? 'application/octet-stream',
          });
          res.end(out);
        })
        .catch((e: Error) => {
          res.writeHead(502);
          res.end(e.message);
        });
    });
  });
}

/** Adds `security` settings to a world's global config. */
function secure(w: World, security: Record<string, unknown>): void {
  const file = join(w.home, 'config.yaml');
  const cfg = parse(readFileSync(file, 'utf8')) as { security?: Record<string, unknown> };
  cfg.security = { ...cfg.security, ...security };
  writeFileSync(file, stringify(cfg));
}

describe('2. a registry cannot move a tag back, hide a yank, or freeze its log unseen', () => {
  it('metadata that departs from the proven log (a tag moved back, a yank hidden) is refused', async () => {
    const corp = await startServer();
    let lie:
      | ((meta: {
          dist_tags: Record<string, string>;
          versions: { version: string; yanked: boolean }[];
        }) => void)
      | undefined;
    const proxy = await rewritingProxy(corp.url, (path, body) => {
      if (!lie || path !== '/api/v1/packages/x') return undefined;
      const meta = JSON.parse(body.toString('utf8'));
      lie(meta);
      return Buffer.from(JSON.stringify(meta));
    });
    try {
      const author = await authorOn(corp);
      for (const v of ['1.0.0', '1.1.0', '1.2.0'])
        await author.publishDir(await author.makePackage('x', v, { files: { 'v.md': `${v}\n` } }));
      // 1.2.0 turns out bad: its author yanks it. The latest installable version is 1.1.0.
      must(await author.aam(['yank', 'x@1.2.0', '--reason', 'leaks tokens']));

      const w = await httpClient(proxy.url, undefined, 'corp');
      secure(w, { require_audit_log: true });
      // Honest answers install 1.1.0; the client keeps its copy of the log (view.json) beside the checkpoint.
      must(await w.aam(['install', 'x']));
      expect(readText(join(w.project, '.aam', 'packages', 'x', 'v.md'))).toBe('1.1.0\n');
      expect(existsSync(join(w.home, 'audit', 'corp', 'view.json'))).toBe(true);

      // The yank hidden: 1.2.0 served as not yanked, so that `latest` leads to it.
      lie = (m) => {
        for (const v of m.versions) if (v.version === '1.2.0') v.yanked = false;
      };
      const fresh = join(w.root, 'fresh');
      mkdirSync(fresh);
      let r = await expectRefusal(w, ['install', 'x'], { exit: 1, code: 'POLICY_REFUSED' }, [fresh], fresh);
      expect(r.stdout).toContain('registry_state_mismatch');
      expect(r.stdout).toContain('x@1.2.0 is served as not yanked, but the log yanked it');

      // The tag moved back to an older version (one with a known flaw, say).
      lie = (m) => {
        m.dist_tags.latest = '1.0.0';
      };
      r = await expectRefusal(w, ['install', 'x'], { exit: 1, code: 'POLICY_REFUSED' }, [fresh], fresh);
      expect(r.stdout).toContain("tag 'latest' of x is served as 1.0.0, but the log sets it to 1.2.0");
      // Even an exact version is refused from a registry caught lying about the package.
      await expectRefusal(w, ['install', 'x@1.0.0'], { exit: 1, code: 'POLICY_REFUSED' }, [fresh], fresh);

      // Honest again: installs.
      lie = undefined;
      must(await w.aam(['install', 'x'], fresh));
      expect(readText(join(fresh, '.aam', 'packages', 'x', 'v.md'))).toBe('1.1.0\n');
    } finally {
      await proxy.close();
      await corp.stop();
    }
  });

  it('a dependency list that departs from the archive (a range narrowed to an old version) is refused', async () => {
    const corp = await startServer();
    let lie = false;
    const proxy = await rewritingProxy(corp.url, (path, body) => {
      if (!lie || path !== '/api/v1/packages/app') return undefined;
      const meta = JSON.parse(body.toString('utf8')) as {
        versions: { dependencies?: Record<string, string> }[];
      };
      for (const v of meta.versions) v.dependencies = { lib: '1.0.0' };
      return Buffer.from(JSON.stringify(meta));
    });
    try {
      const author = await authorOn(corp);
      for (const v of ['1.0.0', '1.1.0'])
        await author.publishDir(await author.makePackage('lib', v, { files: { 'v.md': `${v}\n` } }));
      await author.publishDir(await author.makePackage('app', '1.0.0', { dependencies: { lib: '^1.1.0' } }));
      // The default level: no audit log required. The archive's aam.yaml is the word that counts.
      const w = await httpClient(proxy.url, undefined, 'corp');
      lie = true;
      const r = await expectRefusal(w, ['install', 'app'], { exit: 1, code: 'INVALID_REGISTRY' }, [
        w.project,
      ]);
      expect(r.stdout).toContain('lib@1.0.0 is lib@^1.1.0 in aam.yaml');
      await expectRefusal(w, ['install', 'app', '--dry-run'], { exit: 1, code: 'INVALID_REGISTRY' }, [
        w.project,
      ]);
      lie = false;
      must(await w.aam(['install', 'app']));
      expect(readText(join(w.project, '.aam', 'packages', 'lib', 'v.md'))).toBe('1.1.0\n');
    } finally {
      await proxy.close();
      await corp.stop();
    }
  });

  it('a checkpoint replayed after max_log_age, with no signed time, or with a forged or future one is refused', async () => {
    const corp = await startServer();
    const signer = parseSignerKey(readFileSync(join(corp.storage, 'keys', 'checkpoint.skey'), 'utf8').trim());
    const bare = (note: string) => untimedNote(note, corp.vkey);
    const now = () => Math.floor(Date.now() / 1000);
    let serve: ((note: string) => string) | undefined;
    const proxy = await rewritingProxy(corp.url, (path, body) =>
      serve && path === '/api/v1/audit/checkpoint' ? Buffer.from(serve(body.toString('utf8'))) : undefined,
    );
    try {
      const author = await authorOn(corp);
      await author.publishDir(await author.makePackage('x', '1.0.0'));
      const w = await httpClient(proxy.url, undefined, 'corp');
      secure(w, { max_log_age: '1h' });
      const attempt = async (name: string, expectCode: 0 | 1) => {
        const dir = join(w.root, name);
        mkdirSync(dir);
        if (expectCode === 0) return must(await w.aam(['install', 'x'], dir));
        return expectRefusal(w, ['install', 'x'], { exit: 1, code: 'POLICY_REFUSED' }, [dir], dir);
      };
      // The registry signs the time it serves the checkpoint at: fresh.
      await attempt('honest', 0);

      // The same checkpoint as it was served two days ago (what a frozen mirror or a replaying attacker has).
      serve = (note) => addSignedTime(bare(note), signer, now() - 2 * 86_400);
      let r = await attempt('replayed', 1);
      expect(r.stdout).toContain('audit_log_stale');
      expect(r.stdout).toMatch(/its checkpoint was signed 1728\d\d s ago; max_log_age is 3600 s/);

      // No signed time at all (a registry from before signed times, or one that stripped it).
      serve = bare;
      r = await attempt('unsigned-time', 1);
      expect(r.stdout).toContain('its checkpoint carries no signed time');

      // A signed time whose signature does not verify: the checkpoint is not the registry's.
      serve = (note) => {
        const lines = addSignedTime(bare(note), signer, now()).split('\n');
        const last = lines.length - 2;
        const blob = Buffer.from(lines[last]!.split(' ').pop()!, 'base64');
        blob[20] = blob[20]! ^ 1;
        lines[last] = `${lines[last]!.slice(0, lines[last]!.lastIndexOf(' '))} ${blob.toString('base64')}`;
        return lines.join('\n');
      };
      r = await attempt('forged-time', 1);
      expect(r.stdout).toMatch(/it was not verified: .*signed time on the checkpoint .* does not verify/);

      // A time signed in advance (a day ahead), to be replayed later as fresh.
      serve = (note) => addSignedTime(bare(note), signer, now() + 86_400);
      r = await attempt('future-time', 1);
      expect(r.stdout).toMatch(/signed 86[34]\d\d s ahead of this machine's clock/);

      serve = undefined;
      await attempt('honest-again', 0);
    } finally {
      await proxy.close();
      await corp.stop();
    }
  });
});
