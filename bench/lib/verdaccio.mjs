// Verdaccio 6, the registry benchmark's peer: installed with npm once into a throw-away cache outside the
// workspace ($TMPDIR/aam-bench-cache/verdaccio-VERSION, reused by later runs), started as a separate node
// process with a minimal config (storage in the bench's scratch directory, htpasswd auth, no uplinks, logs
// at `fatal`, 127.0.0.1 on a free port, max_body_size 60mb).
//
// verdaccio 6.9+ needs Node 22; the newest 6.x whose engines allow Node 20 is 6.8.0 (6.7.x as a fallback).
// Its dependency tree installs on Node 20 only with `node-fetch` overridden to 2.7.0 (npm `overrides` in the
// throw-away package.json).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForHttp } from './net.mjs';

export const VERDACCIO_VERSIONS = ['6.8.0', '6.7.4'];
const BENCH_CACHE = join(tmpdir(), 'aam-bench-cache');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const firstLine = (text) =>
  String(text ?? '')
    .trim()
    .split('\n')
    .filter((l) => !/^npm (warn|WARN)/.test(l))[0] ?? '';

function execFileAsync(command, args, options) {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 << 20, ...options }, (error, stdout, stderr) =>
      resolve({ error, code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function binOf(dir) {
  return join(dir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
}

/** Installs (or finds cached) one version; returns `{ version, bin, cached }` or `{ reason }`. */
async function installVersion(version) {
  const dir = join(BENCH_CACHE, `verdaccio-${version}`);
  if (existsSync(binOf(dir))) return { version, bin: binOf(dir), cached: true };
  mkdirSync(BENCH_CACHE, { recursive: true });
  const staging = mkdtempSync(join(BENCH_CACHE, `.verdaccio-${version}-`));
  writeFileSync(
    join(staging, 'package.json'),
    JSON.stringify({ private: true, overrides: { 'node-fetch': '2.7.0' } }, null, 2) + '\n',
  );
  const r = await execFileAsync(
    NPM,
    [
      'install',
      '--prefix',
      staging,
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--prefer-offline',
      '--fetch-retries=1',
      '--fetch-retry-mintimeout=2000',
      '--fetch-retry-maxtimeout=5000',
      '--loglevel=error',
      `verdaccio@${version}`,
    ],
    { timeout: 300_000, env: { ...process.env, npm_config_update_notifier: 'false' } },
  );
  if (r.code !== 0 || !existsSync(binOf(staging))) {
    rmSync(staging, { recursive: true, force: true });
    return { reason: `npm install verdaccio@${version}: ${firstLine(r.stderr) || r.code}` };
  }
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run installed it meanwhile
  }
  return { version, bin: binOf(dir), cached: false };
}

/** The first of VERDACCIO_VERSIONS that installs: `{ version, bin, cached }` or `{ reason }`. */
export async function installVerdaccio() {
  const reasons = [];
  for (const v of VERDACCIO_VERSIONS) {
    const r = await installVersion(v);
    if (r.bin) return reasons.length ? { ...r, fellBackFrom: reasons } : r;
    reasons.push(r.reason);
  }
  return { reason: reasons.join('; ') };
}

/**
 * Starts Verdaccio with storage under `dir`; returns `{ url, pid, stop() }` or `{ reason }`.
 */
export async function startVerdaccio({ bin, dir, jwt = true }) {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
      '    max_users: 100',
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      // API tokens as JWTs (Verdaccio's documented setting): the legacy default token is the encrypted
      // password, checked against htpasswd's bcrypt hash (bcryptjs, 10 rounds) on every authenticated request.
      ...(jwt ? ['security:', '  api:', '    jwt:', '      sign:', '        expiresIn: 7d'] : []),
      'max_body_size: 60mb',
      'log: { type: stdout, format: json, level: fatal }',
      `listen: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [bin, '--config', config], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = () =>
    new Promise((resolve) => {
      process.removeListener('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const url = `http://127.0.0.1:${port}`;
  const notReady = await waitForHttp(`${url}/-/ping`, {
    timeoutMs: 60_000,
    alive: () => child.exitCode === null && child.signalCode === null,
  });
  if (notReady) {
    await stop();
    const useful = stderr
      .split('\n')
      .filter((l) => l.trim() && !/superuser privileges|trace-warnings/.test(l));
    const why = (useful.find((l) => /Error\b/.test(l)) ?? useful.slice(-1)[0] ?? '').trim();
    return { reason: `verdaccio did not start: ${notReady}${why ? ` (${why})` : ''}` };
  }
  return { url, pid: child.pid, stop };
}

/** Creates a user (PUT /-/user/org.couchdb.user:NAME, what `npm adduser` sends); returns its token. */
export async function verdaccioAddUser(url, name, password) {
  const r = await fetch(`${url}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] }),
  });
  const body = await r.json().catch(() => ({}));
  if (r.status !== 201 || typeof body.token !== 'string')
    throw new Error(`verdaccio adduser ${name}: HTTP ${r.status} ${JSON.stringify(body)}`);
  return body.token;
}

export function verdaccioVersionOf(bin) {
  try {
    return JSON.parse(readFileSync(join(bin, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}
