/**
 * A throw-away ClamAV daemon for tests: Debian's `clamd` (package clamav-daemon), started in the foreground on a
 * free loopback port with a signature database the tests generate (signature databases cannot be downloaded
 * here, and a private registry ships its own the same way): an MD5 signature (`.hdb`) of the EICAR test file
 * and a body signature (`.ndb`) of a marker string. Nothing is written outside a temporary directory.
 * Plain JavaScript (types in clamd.d.mts): the tests and the benchmark share it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The EICAR anti-virus test file, assembled at run time so no scanner flags this source file. */
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-', 'ANTIVIRUS-TEST-FILE!$H+H*'].join(
  '',
);
/** A marker string the generated body signature (`Aam.Test.Marker`) matches anywhere in a file. */
export const MALWARE_MARKER = ['aam-test-', 'malware-marker'].join('');

export const EICAR_SIGNATURE = 'Aam.Test.EICAR.UNOFFICIAL';
export const MARKER_SIGNATURE = 'Aam.Test.Marker.UNOFFICIAL';

/** `clamd`'s path, or a message saying how to install it. */
export function findClamd() {
  for (const bin of ['/usr/sbin/clamd', '/usr/bin/clamd', '/usr/local/sbin/clamd'])
    if (existsSync(bin)) return { bin };
  const which = spawnSync('sh', ['-c', 'command -v clamd'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return { bin: which.stdout.trim() };
  return { missing: 'clamd not found: install it (Debian/Ubuntu: apt-get install -y clamav-daemon)' };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function ping(port) {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out.startsWith('PONG')));
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('zPING\0'));
    setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 1000);
  });
}

export async function startClamd(limits = {}) {
  const found = findClamd();
  if ('missing' in found) throw new Error(found.missing);
  const dir = mkdtempSync(join(tmpdir(), 'aam-clamd-'));
  const databaseDir = join(dir, 'db');
  mkdirSync(databaseDir);
  const md5 = createHash('md5').update(EICAR).digest('hex');
  writeFileSync(join(databaseDir, 'aam-test.hdb'), `${md5}:${Buffer.byteLength(EICAR)}:Aam.Test.EICAR\n`);
  writeFileSync(
    join(databaseDir, 'aam-test.ndb'),
    `Aam.Test.Marker:0:*:${Buffer.from(MALWARE_MARKER).toString('hex')}\n`,
  );
  const port = await freePort();
  const config = join(dir, 'clamd.conf');
  writeFileSync(
    config,
    [
      `DatabaseDirectory ${databaseDir}`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `LogFile ${join(dir, 'clamd.log')}`,
      // What a registry needs (docs/scanning.md): a file past a limit is a finding, never an unscanned "OK".
      'AlertExceedsMax yes',
      `StreamMaxLength ${limits.streamMaxLength ?? '200M'}`,
      `MaxScanSize ${limits.maxScanSize ?? '400M'}`,
      `MaxFileSize ${limits.maxFileSize ?? '200M'}`,
      '',
    ].join('\n'),
  );
  let child;
  const start = async () => {
    child = spawn(found.bin, [`--config-file=${config}`], { stdio: 'ignore' });
    const exited = new Promise((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`clamd exited (${code}) while starting; see ${dir}/clamd.log`)),
      ),
    );
    exited.catch(() => undefined);
    for (let i = 0; i < 300; i++) {
      if (await Promise.race([ping(port), exited])) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`clamd did not answer PING within 15 s; see ${dir}/clamd.log`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await gone;
  };
  await start();
  return {
    address: `127.0.0.1:${port}`,
    port,
    databaseDir,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
