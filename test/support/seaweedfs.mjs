/**
 * A throw-away SeaweedFS (`weed server -s3`, Apache-2.0) on loopback: the S3-compatible object store the
 * registry's replica tests and benchmarks run against. The binary is built by scripts/install-seaweedfs.sh
 * (cached under `$(go env GOPATH)/bin/weed-<version>`), or given in `$AAM_WEED_BIN`. S3 access needs the
 * credentials written to its identities file (`accessKey` / `secretKey` here); anonymous requests are refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3BlobStore } from '../../packages/registry-server/dist/index.js';

/** Where the pinned `weed` binary is, or why there is none. */
export function findWeed() {
  if (process.env.AAM_WEED_BIN) {
    return existsSync(process.env.AAM_WEED_BIN)
      ? { bin: process.env.AAM_WEED_BIN }
      : { missing: `AAM_WEED_BIN=${process.env.AAM_WEED_BIN} does not exist` };
  }
  const gopath = spawnSync('go', ['env', 'GOPATH'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `/usr/local/go/bin:${process.env.PATH ?? ''}` },
  }).stdout?.trim();
  const bin = gopath ? join(gopath, 'bin', 'weed-v0.0.0-20261109003541-7506e5f91cd6') : '';
  if (bin && existsSync(bin)) return { bin };
  return { missing: 'SeaweedFS is not built: run bash scripts/install-seaweedfs.sh (or set AAM_WEED_BIN)' };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** SeaweedFS derives gRPC ports as HTTP port + 10000: pick HTTP ports whose gRPC twin is free too. */
async function portPair() {
  for (;;) {
    const p = await freePort();
    if (p + 10_000 > 65_535) continue;
    const probe = createServer();
    const free = await new Promise((ok) => {
      probe.once('error', () => ok(false));
      probe.listen(p + 10_000, '127.0.0.1', () => probe.close(() => ok(true)));
    });
    if (free) return p;
  }
}

async function waitForS3(endpoint, proc, log, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`weed exited (${proc.exitCode}):\n${log()}`);
    try {
      // Unsigned: S3 answers 403 (AccessDenied) once it is up, which is all this asks.
      const r = await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 403 || r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`SeaweedFS S3 did not answer at ${endpoint} within ${ms} ms:\n${log()}`);
}

export async function startSeaweedFs() {
  const found = findWeed();
  if ('missing' in found) throw new Error(found.missing);
  const dir = mkdtempSync(join(tmpdir(), 'aam-weed-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const accessKey = 'aamtestaccesskey';
  const secretKey = 'aam-test-secret-key-0123456789';
  const s3config = join(dir, 's3.json');
  writeFileSync(
    s3config,
    JSON.stringify({
      identities: [
        {
          name: 'aam',
          credentials: [{ accessKey, secretKey }],
          actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
        },
      ],
    }),
  );
  const [master, volume, filer, s3] = [
    await portPair(),
    await portPair(),
    await portPair(),
    await portPair(),
  ];
  const s3grpc = await freePort();
  const args = [
    'server',
    `-dir=${data}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${master}`,
    `-volume.port=${volume}`,
    `-filer.port=${filer}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3grpc}`,
    `-s3.config=${s3config}`,
    // Its other services stay off: they would take fixed ports, and two test files run side by side.
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    // Each bucket is a collection with volumes of its own: room for many, small and sparse.
    '-volume.max=200',
    '-master.volumeSizeLimitMB=32',
  ];
  const endpoint = `http://127.0.0.1:${s3}`;
  let proc;
  let output = '';
  const start = async () => {
    output = '';
    proc = spawn(found.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b) => {
      output = (output + b.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    await waitForS3(endpoint, proc, () => output);
    await writable();
  };
  const bucket = 'aam-test';
  const store = (prefix) =>
    new S3BlobStore({
      bucket,
      prefix: prefix ? `${prefix.replace(/\/+$/, '')}/` : '',
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    });
  /** S3 answering is not enough: a write needs the volume server registered with the master. */
  const writable = async () => {
    const probe = store('readiness');
    const deadline = Date.now() + 60_000;
    try {
      for (;;) {
        try {
          await probe.ensureBucket();
          const b = Buffer.from(`probe ${Date.now()}`);
          const hex = createHash('sha256').update(b).digest('hex');
          await probe.put(hex, b);
          await probe.delete(hex);
          return;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`SeaweedFS never took a write: ${String(e)}\n${output}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      probe.close();
    }
  };
  const kill = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };
  await start();
  const onExit = () => proc.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    endpoint,
    accessKey,
    secretKey,
    bucket,
    store,
    get pid() {
      return proc.pid;
    },
    env: () => ({
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: endpoint,
    }),
    pause: kill,
    resume: start,
    async stop() {
      process.removeListener('exit', onExit);
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Why the SeaweedFS tests are skipped, or undefined when they run. Only a missing build outside CI skips them:
 * in CI (`$CI` set) they run and fail at start, so a runner without SeaweedFS cannot pass unnoticed.
 */
export function seaweedSkipReason() {
  const found = findWeed();
  if ('bin' in found || process.env.CI) return undefined;
  return found.missing;
}
