// The aam registry server (`startRegistry` from the built @aam/registry-server) in its own node process, as
// Verdaccio runs in its own: the load generator (autocannon, in the benchmark's process) then costs both the
// same. Run as a script, this file is that child: it starts the registry on 127.0.0.1 with the options given
// as JSON in argv[2], prints `{ url, adminToken, auditSize }` as one JSON line, and closes the registry on
// SIGTERM. Imported, `spawnAamRegistry` starts such a child and waits for that line.
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REGISTRY_SERVER_URL = new URL('../../packages/registry-server/dist/index.js', import.meta.url)
  .href;
const SELF = fileURLToPath(import.meta.url);

/**
 * Starts a registry child: `{ storage, db, scan?, keys?, s3?, env? }` (db: `sqlite:PATH` or `postgres://...`;
 * storage: a directory or `s3://BUCKET/PREFIX`, with `keys` (a directory) and `s3` (`startRegistry`'s options)
 * and the AWS variables in `env`; scan: the built-in scanners `{ clamd?: ADDRESS, clamdDatabase?: DIR }`, none
 * when absent). Returns
 * `{ url, adminToken, pid, stop() }`; throws with the child's stderr if it does not come up within 60 s.
 */
export function spawnAamRegistry({ storage, db, scan, keys, s3, env = {} }) {
  // AAM_BENCH_SERVER_NODE_ARGS: extra node options for the server, e.g. `--cpu-prof --cpu-prof-dir=DIR`.
  const nodeArgs = (process.env.AAM_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, SELF, JSON.stringify({ storage, db, scan, keys, s3 })],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, NODE_ENV: 'production' },
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
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
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`aam registry (${db}) did not start within 60 s\n--- stderr ---\n${stderr}`));
    }, 60_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const info = JSON.parse(out.slice(0, nl));
        resolve({ ...info, pid: child.pid, stop, stderr: () => stderr });
      } catch {
        kill();
        reject(new Error(`aam registry (${db}) printed ${out.slice(0, nl)}\n--- stderr ---\n${stderr}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`aam registry (${db}) exited (${code ?? signal})\n--- stderr ---\n${stderr}`));
    });
  });
}

/** The scanners `aam registry serve --clamd ADDR --clamd-database DIR` runs: secrets, hazards, clamav. */
async function builtinScanners({ clamd, clamdDatabase }) {
  const scan = await import(new URL('../../packages/plugin-scan/dist/index.js', import.meta.url).href);
  return [
    new scan.SecretsScanner(),
    new scan.HazardsScanner(),
    ...(clamd
      ? [new scan.ClamAvScanner(new scan.ClamdClient(scan.parseClamdAddress(clamd)), clamdDatabase)]
      : []),
  ];
}

async function main() {
  const { storage, db, scan, keys, s3 } = JSON.parse(process.argv[2]);
  const { startRegistry } = await import(REGISTRY_SERVER_URL);
  const reg = await startRegistry({
    verifiers: [],
    ...(scan ? { scanners: await builtinScanners(scan) } : {}),
    storage,
    db,
    ...(keys ? { keys } : {}),
    ...(s3 ? { s3 } : {}),
    host: '127.0.0.1',
    port: 0,
    name: 'bench-registry',
    // The default per-token publish limit (600/min) would cap the benchmark: effectively no limit.
    rateLimit: { publish: 1e9, other: 1e9 },
    log: () => undefined,
  });
  const head = await reg.db.read((q) => reg.audit.head(q));
  process.stdout.write(
    JSON.stringify({ url: reg.url, adminToken: reg.adminToken, auditSize: head.size }) + '\n',
  );
  let closing = false;
  process.on('SIGTERM', () => {
    if (closing) return;
    closing = true;
    reg.close().then(
      () => process.exit(0),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
