/**
 * Everyday use (issue 13), each through the binary: a registry start that fails never locks its admin out, any
 * signing flag signs, typos are caught with suggestions (never weakening security), exit codes follow the rule
 * (2: what the user typed, 1: what the world refused).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AAM_BIN, NO_STACK, World, httpClient, must, readText } from './support/aam.js';
import { startServer, type RunningServer } from './support/registry-server.js';

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** A TCP port held by someone else for the duration of `fn`. */
async function withBusyPort<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const blocker: Server = createServer();
  const port = await onLoopback(blocker);
  try {
    return await fn(port);
  } finally {
    await new Promise<void>((ok) => blocker.close(() => ok()));
  }
}

/** Listens on a free loopback port; resolves to the port. */
async function onLoopback(server: {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): unknown;
}): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return (server.address() as { port: number }).port;
}

/** The world's global config: one default registry at a loopback port, after optional other settings. */
function oneRegistry(w: World, name: string, port: number, before = '', after = ''): void {
  writeFileSync(
    join(w.home, 'config.yaml'),
    `${before}registries:\n  - name: ${name}\n    url: http://127.0.0.1:${port}\n    default: true\n${after}`,
  );
}

describe('registry first start', () => {
  it('a busy port says which port and suggests --port, and leaves no first-start state behind', async () => {
    const w = new World();
    const storage = join(w.root, 'registry-data');
    await withBusyPort(async (port) => {
      const r = await w.aam(['registry', 'serve', '--storage', storage, '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
      expect(r.stderr).toContain('already in use');
      expect(r.stderr).toContain('--port');
      expect(r.stderr).not.toMatch(NO_STACK);
    });
    // Nothing was created: the next start is a first start, and shows the admin token.
    expect(existsSync(join(storage, 'registry.db'))).toBe(false);
    const s = await startServer({ storage });
    servers.push(s);
    expect(s.adminToken).toMatch(/^aam_/);
    await s.stop();
  });

  it('a token made with `registry admin-token` is taken as AAM_REGISTRY_ADMIN_TOKEN', async () => {
    const w = new World();
    const made = must(await w.aam(['registry', 'admin-token']));
    const token = made.stdout.trim();
    expect(token).toMatch(/^aam_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
    const s = await startServer({ env: { AAM_REGISTRY_ADMIN_TOKEN: token } });
    servers.push(s);
    expect(s.adminToken).toBeUndefined();
    const me = await fetch(`${s.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { role: string }).role).toBe('admin');
    await s.stop();
  });

  it('whoever holds the storage mints a new admin token, recorded in the audit log; a wrong env token says how', async () => {
    const w = new World();
    const first = await startServer();
    servers.push(first);
    await first.stop();
    // The first admin token was lost. A token from elsewhere is refused, and the message says what to do.
    const other = must(await w.aam(['registry', 'admin-token'])).stdout.trim();
    const refused = await w.aam(['registry', 'serve', '--storage', first.storage, '--port', '0'], w.project, {
      AAM_REGISTRY_ADMIN_TOKEN: other,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('aam registry admin-token --storage');
    expect(refused.stderr).not.toContain(other);

    const minted = await w.aam(['registry', 'admin-token', '--storage', first.storage, '--json']);
    must(minted);
    const doc = JSON.parse(minted.stdout) as { token: string; stored: boolean; user: string };
    expect(doc).toMatchObject({ stored: true, user: 'admin' });
    const s = await startServer({ storage: first.storage, env: { AAM_REGISTRY_ADMIN_TOKEN: doc.token } });
    servers.push(s);
    const me = await fetch(`${s.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${doc.token}` } });
    expect(me.status).toBe(200);
    const entries = (await (await fetch(`${s.url}/api/v1/audit/entries`)).json()) as {
      items: { body: string }[];
    };
    const events = entries.items.map((e) => JSON.parse(e.body) as { event: string; actor: string });
    expect(events.at(-1)).toMatchObject({ event: 'token.create', actor: 'storage-operator' });
    await s.stop();
  });

  it('admin-token never makes a registry of its own: wrong database, missing or wrong checkpoint key', async () => {
    const w = new World();
    const first = await startServer();
    servers.push(first);
    await first.stop();
    const other = join(w.root, 'other.db');
    const wrongDb = await w.aam([
      'registry',
      'admin-token',
      '--storage',
      first.storage,
      '--db',
      `sqlite:${other}`,
    ]);
    expect(wrongDb.code).toBe(2);
    expect(wrongDb.stderr).toContain(`${other} holds no registry`);
    expect(existsSync(other)).toBe(false);
    const { generateNoteKey } = await import('../../packages/core/dist/index.js');
    const wrongKey = await w.aam(['registry', 'admin-token', '--storage', first.storage], w.project, {
      AAM_REGISTRY_CHECKPOINT_KEY: generateNoteKey(first.origin).skey,
    });
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.stderr).toContain("The audit log's checkpoint is not signed by this checkpoint key");
    const { renameSync } = await import('node:fs');
    renameSync(join(first.storage, 'keys/checkpoint.skey'), join(first.storage, 'keys/moved.skey'));
    const noKey = await w.aam(['registry', 'admin-token', '--storage', first.storage]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('checkpoint.skey does not exist');
    expect(existsSync(join(first.storage, 'keys/checkpoint.skey'))).toBe(false);
    // None of these added anything to the log: the registry starts as it was.
    renameSync(join(first.storage, 'keys/moved.skey'), join(first.storage, 'keys/checkpoint.skey'));
    const again = await startServer({ storage: first.storage });
    servers.push(again);
    const entries = (await (await fetch(`${again.url}/api/v1/audit/entries`)).json()) as { items: unknown[] };
    expect(entries.items).toHaveLength(3);
    await again.stop();
  });

  it('admin-token on a directory that holds no registry is a usage error', async () => {
    const w = new World();
    const r = await w.aam(['registry', 'admin-token', '--storage', join(w.root, 'nothing-here')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds no registry');
  });
});

describe('publish signing flags', () => {
  it('--sign-type without --sign signs (or fails): never publishes unsigned', async () => {
    const w = await new World().withRegistry();
    const dir = await w.makePackage('signed-only', '1.0.0');
    // An empty GnuPG home: signing must fail, so nothing may be published.
    const gnupg = join(w.root, 'gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    const r = await w.aam(['pkg', 'publish', dir, '--sign-type', 'gpg'], w.project, { GNUPGHOME: gnupg });
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('Published');
    const info = await w.aam(['info', 'signed-only']);
    expect(info.code).not.toBe(0);
    // An unknown signing method alone is refused as such.
    const bad = await w.aam(['pkg', 'publish', dir, '--sign-type', 'nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('No signer for --sign-type nosuch');
    // --gpg-key with another method is a contradiction.
    const both = await w.aam(['pkg', 'publish', dir, '--sign-type', 'sigstore', '--gpg-key', 'ABCD']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--gpg-key is for --sign-type gpg');
  });
});

describe('typos never weaken security', () => {
  it('an unknown key under security: is an error (exit 2) with the key it should be', async () => {
    const w = await new World().withRegistry();
    mkdirSync(join(w.project, '.aam'), { recursive: true });
    writeFileSync(join(w.project, '.aam/config.yaml'), 'security:\n  requre_signature: true\n');
    for (const args of [
      ['install', 'anything'],
      ['config', 'validate'],
    ]) {
      const r = await w.aam(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('security.requre_signature');
      expect(r.stderr).toContain('did you mean `require_signature`?');
    }
    // Nested security sections too.
    writeFileSync(join(w.project, '.aam/config.yaml'), 'security:\n  sigstore:\n    trusted_rot: x\n');
    const nested = await w.aam(['config', 'validate']);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('did you mean `trusted_root`?');
  });

  it('elsewhere an unknown key stays a warning, with the suggestion', async () => {
    const w = await new World().withRegistry();
    mkdirSync(join(w.project, '.aam'), { recursive: true });
    writeFileSync(join(w.project, '.aam/config.yaml'), 'limts:\n  max_archive_size: 10\n');
    const r = await w.aam(['config', 'validate']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('limts: unknown key (ignored) (did you mean `limits`?)');
  });

  it('unknown commands and flags get suggestions and exit 2', async () => {
    const w = new World();
    const cmd = await w.aam(['instal', 'foo']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("'instal' is not an aam command. Did you mean 'aam install'?");
    const sub = await w.aam(['registry', 'lsit']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("Did you mean 'aam registry list'?");
    const flag = await w.aam(['install', 'foo', '--verifyy']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Unknown flag: --verifyy (did you mean --verify?)');
    const json = await w.aam(['install', 'foo', '--dryrun', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'USAGE', message: 'Unknown flag: --dryrun (did you mean --dry-run?)' },
    });
  });
});

describe('exit codes: 2 for what the user typed, 1 for what the world refused', () => {
  it('no registry configured: exit 2, and the hint starts with registry init', async () => {
    const w = new World();
    const r = await w.aam(['install', 'foo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No registries configured\. Create a local one with 'aam registry init/);
  });

  it('a registry name nobody configured: exit 2 with the closest name', async () => {
    const w = await new World().withRegistry();
    const name = (await w.aam(['registry', 'list', '--json'])).stdout;
    const configured = (JSON.parse(name) as { registries: { name: string }[] }).registries[0]!.name;
    const typo = configured.slice(0, -1) + 'x';
    for (const args of [
      ['install', 'foo', '--registry', typo],
      ['registry', 'remove', typo],
    ]) {
      const r = await w.aam(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`Registry '${typo}' is not configured (did you mean '${configured}'?)`);
    }
  });

  it('a registry answering HTML, or not at all: exit 1', async () => {
    const html = await import('node:http').then(({ createServer: http }) =>
      http((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Welcome to nginx!</body></html>');
      }),
    );
    const port = await onLoopback(html);
    try {
      const w = new World();
      oneRegistry(w, 'proxy', port, '', '  - name: gone\n    url: http://127.0.0.1:1\n');
      const r = await w.aam(['install', 'foo']);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(NO_STACK);
      const gone = await w.aam(['install', 'foo', '--registry', 'gone']);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain("Cannot reach registry 'gone'");
    } finally {
      html.close();
    }
  });
});

describe('secrets never reach output or logs', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  // An identity token the signing library refuses (no subject): it used to print it whole in its error.
  const JWT = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iss: 'https://issuer.example', aud: 'sigstore' })}.c2lnbmF0dXJlLXNlY3JldC1wYXJ0`;
  const payload = JWT.split('.')[1]!;
  const leaks = (r: { stdout: string; stderr: string }, secret: string) =>
    `${r.stdout}\n${r.stderr}`.includes(secret);

  it('a refused Sigstore identity token is not printed, from a flag or the environment, in text or --json', async () => {
    const w = await new World().withRegistry();
    const dir = await w.makePackage('redact-me', '1.0.0');
    const runs = [
      await w.aam(['pkg', 'publish', dir, '--sign', '--identity-token', JWT]),
      await w.aam(['pkg', 'publish', dir, '--sign', `--identity-token=${JWT}`, '--json']),
      await w.aam(['pkg', 'publish', dir, '--sign'], w.project, { SIGSTORE_ID_TOKEN: JWT }),
    ];
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(leaks(r, payload), r.stdout + r.stderr).toBe(false);
      expect(r.stdout + r.stderr).toContain('[redacted]');
    }
    expect(JSON.parse(runs[1]!.stdout)).toMatchObject({ error: { code: 'SIGNING_FAILED' } });
  });

  it('a GPG passphrase (and the key it opens) never shows, in text or --json', async () => {
    const openpgp = await import('openpgp');
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'CI Bot', email: 'ci@example.org' }],
      passphrase: 'the-right-passphrase',
      format: 'armored',
    });
    const w = await new World().withRegistry();
    const secret = 'wrong-passphrase-1234';
    // The key sits in a folder named like the passphrase, so the error (which names the key file) would carry
    // the passphrase if redaction did not take it out.
    mkdirSync(join(w.root, secret));
    const keyFile = join(w.root, secret, 'ci-key.asc');
    writeFileSync(keyFile, privateKey);
    const dir = await w.makePackage('pass-pkg', '1.0.0');
    for (const extra of [[], ['--json']]) {
      const r = await w.aam(['pkg', 'publish', dir, '--sign-type', 'gpg', ...extra], w.project, {
        AAM_GPG_KEY_FILE: keyFile,
        AAM_GPG_PASSPHRASE: secret,
      });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('Cannot use the key in AAM_GPG_KEY_FILE');
      expect(r.stdout + r.stderr).toContain('[redacted]');
      expect(leaks(r, secret)).toBe(false);
      expect(leaks(r, privateKey.split('\n')[3]!)).toBe(false);
    }
  });

  it('registry tokens (flag, AAM_TOKEN, credentials file) and the admin token stay out of every message and the server log', async () => {
    const s = await startServer({ args: ['--log-level', 'info'] });
    servers.push(s);
    const w = await httpClient(s.url);
    const stranger = must(await w.aam(['registry', 'admin-token'])).stdout.trim();
    const runs = [
      await w.aam(['login', '--token', stranger]),
      await w.aam(['login', '--token', stranger, '--json']),
      await w.aam(['pkg', 'publish', await w.makePackage('x', '1.0.0')], w.project, { AAM_TOKEN: stranger }),
      await w.aam(['token', 'list', '--json'], w.project, { AAM_TOKEN: stranger }),
    ];
    for (const r of runs) {
      expect(r.code).not.toBe(0);
      expect(leaks(r, stranger), r.stdout + r.stderr).toBe(false);
    }
    // The admin's own token, used for real work, never shows either, nor does it in the server's log.
    const admin = must(await w.aam(['login', '--token', s.adminToken!]));
    expect(leaks(admin, s.adminToken!)).toBe(false);
    const list = await w.aam(['token', 'list']);
    expect(leaks(list, s.adminToken!)).toBe(false);
    await s.stop();
    const log = s.stderr();
    expect(log).toContain('"url":"/api/v1/users/me"');
    expect(log.includes(stranger)).toBe(false);
    expect(log.includes(s.adminToken!)).toBe(false);
  });
});

describe('many packages at once', () => {
  it('each verification block names its package, and the install ends with one summary', async () => {
    const w = await new World().withRegistry();
    for (const n of ['pa', 'pb', 'pc']) await w.publish(n, '1.0.0');
    const r = must(await w.aam(['install', 'pa', 'pb', 'pc', '--verify']));
    expect(r.stdout).toMatch(
      /pa@1\.0\.0 \(1\/3\)\n {2}✓ Checksum verified: sha256:[0-9a-f]{64}\n {4}Note: pa@1\.0\.0 is not signed\npb@1\.0\.0 \(2\/3\)\n/,
    );
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Summary: 3 installed, 0 warned, 0 refused');
    // A single package keeps the documented layout: no header, no indent.
    const one = must(await w.aam(['install', 'pa', '--force']));
    expect(one.stdout).toMatch(/^Resolving pa@1\.0\.0\.\.\.\n✓ Checksum verified: /);
    const json = JSON.parse(must(await w.aam(['install', 'pa', 'pb', '--force', '--json'])).stdout) as {
      summary: Record<string, unknown>;
    };
    expect(json.summary).toMatchObject({ installed: 2, warned: 0, refused: 0 });
  });

  it('every refused package is shown once, the summary counts the reasons, and nothing is installed', async () => {
    const w = await new World().withRegistry();
    for (const n of ['qa', 'qb', 'qc']) await w.publish(n, '1.0.0');
    const r = await w.aam(['install', 'qa', 'qb', 'qc', '--require-signature']);
    expect(r.code).toBe(1);
    for (const n of ['qa', 'qb', 'qc']) {
      const out = r.stdout + r.stderr;
      // One ✗ line per refused package: never repeated in a final error.
      expect(out.split(`${n}@1.0.0 is not signed`).length - 1).toBe(1);
    }
    expect(r.stderr.trim()).toBe(
      '✗ Summary: 0 passed, 0 warned, 3 refused (unsigned ×3); nothing was installed',
    );
    expect(existsSync(join(w.project, '.aam/packages'))).toBe(false);
    const json = await w.aam(['install', 'qa', 'qb', '--require-signature', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'POLICY_REFUSED', summary: { refused: 2, reasons: { refused: { unsigned: 2 } } } },
    });
  });

  it('progress shows on a terminal only: never on a pipe or under --json', async () => {
    const w = await new World().withRegistry();
    await w.publish('big', '1.0.0', { files: { 'skills/big/data.md': 'x'.repeat(200_000) } });
    const piped = must(await w.aam(['install', 'big']));
    expect(piped.stdout + piped.stderr).not.toContain('Downloading');
    // `script` gives the command a terminal.
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(
      'script',
      ['-qec', `${process.execPath} ${JSON.stringify(AAM_BIN)} install big --force`, '/dev/null'],
      { cwd: w.project, env: { ...process.env, ...w.env, NO_COLOR: '1' }, encoding: 'utf8' },
    );
    expect(out).toContain('Downloading big@1.0.0');
    expect(out).toContain('✓ Installed big@1.0.0');
    const json = execFileSync(
      'script',
      ['-qec', `${process.execPath} ${JSON.stringify(AAM_BIN)} install big --force --json`, '/dev/null'],
      { cwd: w.project, env: { ...process.env, ...w.env, NO_COLOR: '1' }, encoding: 'utf8' },
    );
    expect(json).not.toContain('Downloading');
  });

  it('aam verify of a modified file does not also say the checksum verified, and ends with a summary', async () => {
    const w = await new World().withRegistry();
    await w.publish('mv', '1.0.0');
    await w.publish('mw', '1.0.0');
    must(await w.aam(['install', 'mv', 'mw']));
    writeFileSync(join(w.project, '.aam/packages/mv/aam.yaml'), 'changed: true\n', { flag: 'a' });
    const r = await w.aam(['verify']);
    expect(r.code).toBe(1);
    const block = r.stdout.split('✗ mv@1.0.0')[1]!.split('✓ mw@1.0.0')[0]!;
    expect(block).toContain('modified: aam.yaml');
    expect(block).not.toContain('✓');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      '✗ Summary: 1 verified, 0 warned, 1 failed (file_modified ×1)',
    );
  });
});

describe('a registry that does not answer', () => {
  /** Accepts connections and never answers. */
  async function silentServer(): Promise<Server> {
    const held: import('node:net').Socket[] = [];
    const s = createServer((sock) => held.push(sock));
    s.on('close', () => held.forEach((c) => c.destroy()));
    await onLoopback(s);
    return s;
  }

  it('times out after network.timeout, retries reads with backoff, and says so', async () => {
    const silent = await silentServer();
    try {
      const w = new World();
      const { port } = silent.address() as { port: number };
      oneRegistry(w, 'slow', port, 'network:\n  timeout: 0.4\n  retries: 1\n');
      const started = Date.now();
      const r = await w.aam(['install', 'foo']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("Registry 'slow'");
      expect(r.stderr).toMatch(/did not answer GET \S+ within 0\.4 s \(2 attempts\)/);
      expect(Date.now() - started).toBeLessThan(20_000);
      // A registry's own timeout wins over network.timeout.
      oneRegistry(w, 'slow', port, 'network:\n  retries: 0\n', '    timeout: 0.3\n');
      const own = await w.aam(['install', 'foo']);
      expect(own.stderr).toMatch(/within 0\.3 s;/);
    } finally {
      silent.close();
    }
  });

  it('nothing listening fails at once, without retries', async () => {
    const w = new World();
    // A port that was free a moment ago: nothing listens there.
    const port = await withBusyPort(async (p) => p);
    oneRegistry(w, 'down', port, 'network:\n  retries: 5\n');
    const r = await w.aam(['install', 'foo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Cannot reach registry 'down' at http://127.0.0.1:${port}: ECONNREFUSED (nothing listens there`,
    );
    expect(r.stderr).not.toContain('attempts');
  });

  it('a read answered 503 once is retried, and the install succeeds', async () => {
    const s = await startServer();
    servers.push(s);
    const author = await httpClient(s.url, s.adminToken);
    await author.publish('flaky', '1.0.0');
    // A proxy that answers each path 503 the first time, then passes requests through.
    const http = await import('node:http');
    const seen = new Set<string>();
    let refusedOnce = 0;
    const proxy = http.createServer((req, res) => {
      if (req.method === 'GET' && !seen.has(req.url!)) {
        seen.add(req.url!);
        refusedOnce++;
        res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' });
        res.end('busy');
        return;
      }
      const up = http.request(`${s.url}${req.url}`, { method: req.method, headers: req.headers }, (u) => {
        res.writeHead(u.statusCode!, u.headers);
        u.pipe(res);
      });
      req.pipe(up);
    });
    const port = await onLoopback(proxy);
    try {
      const w = new World();
      oneRegistry(w, 'main', port);
      must(await w.aam(['install', 'flaky']));
      expect(refusedOnce).toBeGreaterThan(1);
      expect(existsSync(join(w.project, '.aam/packages/flaky/aam.yaml'))).toBe(true);
    } finally {
      proxy.close();
    }
  });
});

describe('messages that say what happened', () => {
  it('AAM_HOME pointing at a file is said so (exit 2), not "No registries configured"', async () => {
    const w = new World();
    const file = join(w.root, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await w.aam(['install', 'foo'], w.project, { AAM_HOME: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`AAM_HOME (${file}) is a file, not a directory`);
    expect(r.stderr).not.toContain('No registries configured');
  });

  it('a bare error status is named once: never "HTTP 404 (HTTP 404)"', async () => {
    const http = await import('node:http');
    const bare = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>nope</h1>');
    });
    const port = await onLoopback(bare);
    try {
      const w = new World();
      oneRegistry(w, 'web', port);
      const r = await w.aam(['token', 'list'], w.project, {
        AAM_TOKEN: must(await w.aam(['registry', 'admin-token'])).stdout.trim(),
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Not Found (HTTP 404)');
      expect(r.stderr).not.toContain('HTTP 404 (HTTP 404)');
    } finally {
      bare.close();
    }
  });

  it('a signature no verifier recognises is said so, not "unknown signature invalid"', async () => {
    const w = new World();
    const file = join(w.root, 'f.txt');
    writeFileSync(file, 'hello\n');
    writeFileSync(`${file}.sig`, 'garbage\n');
    const r = await w.aam(['verify', file, '--signature', `${file}.sig`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ Signature not recognised: no installed verifier recognises ${file}.sig`);
    expect(r.stdout).not.toContain('unknown signature');
    // And verify FILE says why it fails where an installed package would only warn.
    expect(r.stdout).toContain('aam verify FILE answers one question');
  });
});

/** `aam install SPEC` as a separate process, to be interrupted: its exit code and what it printed on stderr. */
function installInBackground(w: World, spec: string) {
  const child = spawn(process.execPath, [AAM_BIN, 'install', spec], {
    cwd: w.project,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return { child, exited, stderr: () => stderr };
}

describe('Ctrl-C mid-install', () => {
  it('also while a registry has not answered yet: the request is abandoned at once, nothing retried', async () => {
    let connected: (() => void) | undefined;
    const inFlight = new Promise<void>((ok) => (connected = ok));
    const held: import('node:net').Socket[] = [];
    const silent = createServer((sock) => {
      held.push(sock);
      connected!();
    });
    const port = await onLoopback(silent);
    try {
      const w = new World();
      oneRegistry(w, 'slow', port);
      const install = installInBackground(w, 'anything');
      await inFlight;
      const sent = Date.now();
      install.child.kill('SIGINT');
      expect(await install.exited).toBe(130);
      // Not the 30 s timeout, nor its retries.
      expect(Date.now() - sent).toBeLessThan(5_000);
      expect(install.stderr()).toBe('interrupted: nothing changed\n');
      expect(existsSync(join(w.project, '.aam'))).toBe(false);
    } finally {
      held.forEach((c) => c.destroy());
      silent.close();
    }
  });

  it('prints "interrupted: nothing changed", exits 130, and leaves neither .aam/ nor a staging folder', async () => {
    const s = await startServer();
    servers.push(s);
    const author = await httpClient(s.url, s.adminToken);
    await author.publish('slow-one', '1.0.0', { files: { 'skills/slow/big.md': 'y'.repeat(300_000) } });
    // A proxy that passes everything through, but sends an archive's first bytes and then stalls.
    const http = await import('node:http');
    let stalled: (() => void) | undefined;
    const archiveStarted = new Promise<void>((ok) => (stalled = ok));
    const held: import('node:http').ServerResponse[] = [];
    const proxy = http.createServer((req, res) => {
      const up = http.request(`${s.url}${req.url}`, { method: req.method, headers: req.headers }, (u) => {
        res.writeHead(u.statusCode!, u.headers);
        if (!req.url!.endsWith('/archive')) return void u.pipe(res);
        u.once('data', (first: Buffer) => {
          res.write(first.subarray(0, 1024));
          held.push(res);
          u.destroy();
          stalled!();
        });
      });
      req.pipe(up);
    });
    const port = await onLoopback(proxy);
    try {
      const w = new World();
      oneRegistry(w, 'main', port);
      const install = installInBackground(w, 'slow-one');
      await archiveStarted;
      install.child.kill('SIGINT');
      expect(await install.exited).toBe(130);
      expect(install.stderr()).toBe('interrupted: nothing changed\n');
      expect(existsSync(join(w.project, '.aam'))).toBe(false);
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(w.project)).toEqual([]);
    } finally {
      held.forEach((r) => r.destroy());
      proxy.close();
    }
  });
});

describe('shell completion', () => {
  const has = (shell: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${shell}`]);
      return true;
    } catch {
      return false;
    }
  };
  // CI installs zsh and fish (scripts/bootstrap.sh): there a missing shell is a failure, not a skip.
  const required = process.env.CI === 'true';

  it('bash completes commands, topics and flags', async () => {
    const w = new World();
    const script = join(w.root, 'aam.bash');
    writeFileSync(script, must(await w.aam(['completion', 'bash'])).stdout);
    const complete = (...words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${JSON.stringify(script)}; COMP_WORDS=(${words.map((x) => JSON.stringify(x)).join(' ')}); COMP_CWORD=${words.length - 1}; _aam_complete; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete('aam', 'ins')).toBe('install');
    expect(complete('aam', 'registry', 'a')).toBe('add admin-token');
    expect(complete('aam', 'install', '--ver')).toBe('--verify');
    expect(complete('aam', 'config', 'set', '--g')).toBe('--global');
    expect(complete('aam', '--json', 'outd')).toBe('outdated');
  });

  it.runIf(required || has('zsh'))(
    'zsh loads it (through bashcompinit) and offers the same words',
    async () => {
      const w = new World();
      const script = join(w.root, '_aam');
      writeFileSync(script, must(await w.aam(['completion', 'zsh'])).stdout);
      const out = execFileSync(
        'zsh',
        [
          '-fc',
          `autoload -U compinit && compinit -u -D; source ${JSON.stringify(script)}; emulate sh; setopt kshglob noshglob braceexpand; COMP_WORDS=(aam registry a); COMP_CWORD=2; _aam_complete; print -l -- "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      );
      // zsh filters by the typed prefix itself (compadd): the candidates are registry's sub-commands.
      expect(out.split('\n')).toEqual(expect.arrayContaining(['add', 'admin-token', 'serve']));
      expect(out).not.toContain('install');
    },
  );

  it.runIf(required || has('fish'))('fish completes commands with their summaries, and flags', async () => {
    const w = new World();
    const script = join(w.root, 'aam.fish');
    writeFileSync(script, must(await w.aam(['completion', 'fish'])).stdout);
    const complete = (line: string) =>
      execFileSync(
        'fish',
        ['--no-config', '-c', `source ${JSON.stringify(script)}; complete -C ${JSON.stringify(line)}`],
        {
          encoding: 'utf8',
        },
      );
    expect(complete('aam ins')).toBe('install\tInstall packages, verifying every SHA-256 checksum.\n');
    const sub = complete('aam registry a');
    expect(sub).toContain('add\t');
    expect(sub).toContain('admin-token\t');
    expect(sub).not.toContain('install');
    expect(complete('aam install --ver')).toContain('--verify\tjudge signatures with the trust policy');
  });
});

describe('aam config get | set', () => {
  it('sets project and --global keys keeping comments, reads the value in force with its file, unsets', async () => {
    const w = new World();
    writeFileSync(
      join(w.home, 'config.yaml'),
      '# team defaults\nsecurity:\n  # reviewed 2026-11\n  require_signature: false\n',
    );
    must(await w.aam(['config', 'set', 'security.require_signature', 'true', '--global']));
    const global = readText(join(w.home, 'config.yaml'));
    expect(global).toContain('# team defaults');
    expect(global).toContain('# reviewed 2026-11');
    expect(global).toContain('require_signature: true');
    must(
      await w.aam(['config', 'set', 'security.trusted_identities', '[alice@example.org, "*@example.com"]']),
    );
    const got = JSON.parse(
      must(await w.aam(['config', 'get', 'security.trusted_identities', '--json'])).stdout,
    );
    expect(got).toEqual({
      key: 'security.trusted_identities',
      value: ['alice@example.org', '*@example.com'],
      source: join(w.project, '.aam/config.yaml'),
    });
    expect(must(await w.aam(['config', 'get', 'security.require_signature'])).stdout).toBe('true\n');
    must(await w.aam(['config', 'set', 'security.require_signature', '--unset', '--global']));
    expect(must(await w.aam(['config', 'get', 'security.require_signature'])).stdout).toBe('false\n');
    expect(readText(join(w.home, 'config.yaml'))).toContain('# team defaults');
  });

  it('a key the schema does not have, or a value it refuses, changes nothing (exit 2)', async () => {
    const w = new World();
    const r = await w.aam(['config', 'set', 'security.requre_signature', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "Unknown config key 'security.requre_signature' (did you mean 'require_signature'?)",
    );
    const bad = await w.aam(['config', 'set', 'network.timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('network.timeout: must be number');
    expect(existsSync(join(w.project, '.aam/config.yaml'))).toBe(false);
    const get = await w.aam(['config', 'get', 'limits.max_size']);
    expect(get.code).toBe(2);
    expect(get.stderr).toContain("Unknown config key 'limits.max_size'");
  });
});

describe('aam search and aam outdated', () => {
  it('search finds by name and description in every registry, and says which registry could not answer', async () => {
    const w = await new World().withRegistry();
    const dir = await w.makePackage('code-review', '1.0.0');
    writeFileSync(
      join(dir, 'aam.yaml'),
      readText(join(dir, 'aam.yaml')).replace(/description: .*/, 'description: Reviews pull requests'),
    );
    await w.publishDir(dir);
    await w.publish('other-thing', '1.0.0');
    const s = await startServer();
    servers.push(s);
    const author = await httpClient(s.url, s.adminToken);
    await author.publish('review-helper', '2.0.0');
    await w.aam(['registry', 'add', 'corp', s.url]).then(must);
    const r = must(await w.aam(['search', 'review']));
    expect(r.stdout).toMatch(/code-review@1\.0\.0 \(\S+\)\n {2}Reviews pull requests/);
    expect(r.stdout).toContain('review-helper@2.0.0 (corp)');
    // Case does not matter, and % or _ are plain characters.
    expect(must(await w.aam(['search', 'REVIEW-H', '--registry', 'corp'])).stdout).toContain('review-helper');
    expect(must(await w.aam(['search', '%', '--registry', 'corp'])).stdout).toContain('No packages match');
    expect(r.stdout).not.toContain('other-thing');
    const byDescription = JSON.parse(must(await w.aam(['search', 'PULL', '--json'])).stdout) as {
      results: { name: string }[];
    };
    expect(byDescription.results.map((x) => x.name)).toEqual(['code-review']);
    await s.stop();
    const partial = must(await w.aam(['search', 'review']));
    expect(partial.stdout).toContain('code-review');
    expect(partial.stderr).toContain("Registry 'corp' could not search");
    const none = await w.aam(['search', 'review', '--registry', 'corp']);
    expect(none.code).toBe(1);
  });

  it('outdated lists installed packages with newer versions, minor and major apart', async () => {
    const w = await new World().withRegistry();
    await w.publish('lib-a', '1.0.0');
    await w.publish('lib-b', '1.0.0');
    await w.publish('lib-c', '1.0.0');
    must(await w.aam(['install', 'lib-a', 'lib-b', 'lib-c']));
    expect(must(await w.aam(['outdated'])).stdout).toBe('✓ Everything is up to date\n');
    await w.publish('lib-a', '1.2.0');
    await w.publish('lib-b', '2.0.0');
    const r = must(await w.aam(['outdated']));
    expect(r.stdout).toMatch(/^Package\s+Current\s+Latest\s+Registry\n/);
    expect(r.stdout).toMatch(/lib-a\s+1\.0\.0\s+1\.2\.0\s+\S+\s+update\n/);
    expect(r.stdout).toMatch(/lib-b\s+1\.0\.0\s+2\.0\.0\s+\S+\s+major update\n/);
    expect(r.stdout).not.toContain('lib-c');
    const json = JSON.parse(must(await w.aam(['outdated', '--json'])).stdout) as { outdated: string[] };
    expect(json.outdated).toEqual(['lib-a', 'lib-b']);
  });
});

describe('aam doctor', () => {
  it('a working setup is all ✓; a dead registry and a missing gpg say what to do; ✗ exits 1', async () => {
    const w = await new World().withRegistry();
    const good = must(await w.aam(['doctor']));
    expect(good.stdout).toMatch(/✓ .*config\.yaml \(global\) is valid/);
    expect(good.stdout).toMatch(/✓ Registry '\S+' \(default, file:\/\/\S+\) is a readable local registry/);
    expect(good.stdout).toContain('✓ Decides: the built-in policy (prebuilt WASM)');
    expect(good.stdout).toMatch(/✓ GnuPG: gpg \(GnuPG\)/);
    expect(good.stdout).toMatch(/0 failed/);
    // An HTTP registry that is gone, and a PATH without gpg or opa.
    const port = await withBusyPort(async (p) => p);
    writeFileSync(
      join(w.home, 'config.yaml'),
      `${readText(join(w.home, 'config.yaml'))}  - name: gone\n    url: http://127.0.0.1:${port}\n`,
    );
    const nodeOnly = join(w.root, 'bin');
    mkdirSync(nodeOnly);
    const { symlinkSync } = await import('node:fs');
    symlinkSync(process.execPath, join(nodeOnly, 'node'));
    const bad = await w.aam(['doctor'], w.project, { PATH: nodeOnly, GOPATH: join(w.root, 'no-go') });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /✗ Registry 'gone' \(http:\/\/127\.0\.0\.1:\d+\): Cannot reach registry 'gone'/,
    );
    expect(bad.stdout).toContain('    fix: start it, check the URL');
    expect(bad.stdout).toContain("⚠ 'gone': no audit-log checkpoint key pinned");
    expect(bad.stdout).toContain('⚠ GnuPG (gpg) not found');
    expect(bad.stdout).toContain('⚠ opa not found (only needed for policy.modules');
    const json = JSON.parse((await w.aam(['doctor', '--json'], w.project, { PATH: nodeOnly })).stdout) as {
      ok: boolean;
      checks: { area: string; status: string }[];
    };
    expect(json.ok).toBe(false);
    expect(json.checks.filter((c) => c.status === 'fail').map((c) => c.area)).toEqual(['registry']);
  });
});
