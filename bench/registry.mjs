// Benchmark 7: HTTP registry throughput on loopback, aam's registry server against Verdaccio 6, all driven
// by autocannon (programmatic API, 10 connections) from this process, each server in its own process:
//   (a) downloads: GET of one ~20 KB archive (incompressible content) for a fixed time → requests/s;
//   (b) publishes: every request a new version (1.0.N) of one package, archives pre-built in memory →
//       publishes/s, aam writing its audit log in the same durable transaction.
// aam runs three times: on SQLite (synchronous=FULL, WAL), on a throw-away PostgreSQL 15 cluster (fsync on),
// and as three replicas on another PostgreSQL cluster and one SeaweedFS (S3), the load spread over them (one
// autocannon per replica, the connections split), as docs/deploy.md deploys it;
// Verdaccio (npm's publish protocol: PUT /<pkg> with the packument and a base64 attachment) is installed
// into a cache outside the workspace. A server that cannot be installed or started is skipped with the
// reason; the others still run.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { elapsedMs, median } from './lib/measure.mjs';
import { loadCore } from './lib/core.mjs';
import { fixed, formatRatio, printLines, printSection } from './lib/report.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { treeCpuMs } from './lib/proc-cpu.mjs';
import { spawnAamRegistry } from './lib/registry-server.mjs';
import { tarGz } from './lib/tar.mjs';
import { installVerdaccio, startVerdaccio, verdaccioAddUser, verdaccioVersionOf } from './lib/verdaccio.mjs';
import { findWeed, startSeaweedFs } from '../test/support/seaweedfs.mjs';

export const registrySizes = {
  // rounds: the lanes take turns (SQLite, Verdaccio, PostgreSQL, then again); the figures pool all rounds.
  quick: { rounds: 1, downloadSeconds: 1, downloadWarmupSeconds: 0.5, publishes: 60, publishWarmup: 10 },
  full: { rounds: 2, downloadSeconds: 5, downloadWarmupSeconds: 1, publishes: 500, publishWarmup: 50 },
};

export const CONNECTIONS = 10;
/** Incompressible payload per archive: with the manifest and SKILL.md the archive is ~20 KB. */
export const PAYLOAD_BYTES = 19_600;
/** aam downloads must reach this multiple of Verdaccio's rate, publishes at least Verdaccio's. */
const TARGET_DOWNLOADS = 1.5;
const TARGET_PUBLISHES = 1.0;
/** The aam lanes, each compared with Verdaccio: one process on SQLite, one on PostgreSQL, three replicas. */
const AAM_LANES = ['aamSqlite', 'aamPostgres', 'aamReplicas'];

const REPO = fileURLToPath(new URL('..', import.meta.url));
const requireRoot = createRequire(join(REPO, 'package.json'));
const autocannon = requireRoot('autocannon');
const AUTOCANNON_VERSION = requireRoot('autocannon/package.json').version;

const DL = 'bench-dl';
const PUB = 'bench-pub';
const VERSION = '1.0.0';

// ---- archives, built in memory ----------------------------------------------------------------------

/**
 * The aam package `name` (made by initPackageFlow, plus the payload): its directory, its files and the
 * archive `aam pkg pack` makes of it (core.packPackage).
 */
export async function makeAamPackage(core, workDir, name, payload) {
  const dir = join(workDir, 'registry-packages', name);
  await core.initPackageFlow({
    dir,
    name,
    version: VERSION,
    description: `Registry benchmark package ${name}`,
  });
  writeFileSync(join(dir, 'skills', name, 'payload.bin'), payload);
  const out = join(workDir, 'registry-archives');
  mkdirSync(out, { recursive: true });
  const packed = await core.packPackage(dir, { outDir: out, maxArchiveSize: 50 << 20 });
  const files = (await core.collectPackEntries(dir)).map((e) => ({
    path: e.path,
    bytes: readFileSync(e.abs),
  }));
  return { dir, files, archive: readFileSync(packed.file), checksum: packed.checksum };
}

/**
 * `count` archives of versions 1.0.1, 1.0.2, ... of the package (only aam.yaml's version line differs),
 * built in memory like packPackage builds them; the one for 1.0.0 must equal packPackage's byte for byte.
 */
export async function aamVersionArchives(pkg, count) {
  const manifest = pkg.files.find((f) => f.path === 'aam.yaml');
  const text = manifest.bytes.toString('utf8');
  if (!text.includes(`\nversion: ${VERSION}\n`)) throw new Error(`Unexpected aam.yaml:\n${text}`);
  const build = (version) =>
    tarGz(
      pkg.files.map((f) =>
        f === manifest
          ? {
              path: f.path,
              bytes: Buffer.from(text.replace(`\nversion: ${VERSION}\n`, `\nversion: ${version}\n`)),
            }
          : f,
      ),
    );
  const same = await build(VERSION);
  if (!same.equals(pkg.archive))
    throw new Error('The in-memory packer does not reproduce packPackage (aam pkg pack) byte for byte');
  const out = [];
  for (let i = 1; i <= count; i++) out.push({ version: `1.0.${i}`, archive: await build(`1.0.${i}`) });
  return out;
}

/** An npm tarball (package/package.json + the same payload). */
export function npmTarball(name, version, payload) {
  const pj = { name, version, description: `Registry benchmark package ${name}`, license: 'Apache-2.0' };
  return tarGz([
    { path: 'package/package.json', bytes: Buffer.from(JSON.stringify(pj, null, 2) + '\n') },
    { path: 'package/payload.bin', bytes: payload },
  ]);
}

// ---- request bodies ---------------------------------------------------------------------------------

const BOUNDARY = '----aam-bench-boundary-7MA4YWxkTrZu0gW';

/** aam's publish: multipart/form-data with one `archive` file part. */
function aamPublishBody(name, version, archive) {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="archive"; filename="${name}-${version}.aam"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    archive,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** npm's publish: the packument with one version and the tarball as a base64 attachment. */
export function npmPublishBody(url, name, version, tarball) {
  const file = `${name}-${version}.tgz`;
  return Buffer.from(
    JSON.stringify({
      _id: name,
      name,
      description: `Registry benchmark package ${name}`,
      'dist-tags': { latest: version },
      versions: {
        [version]: {
          name,
          version,
          description: `Registry benchmark package ${name}`,
          license: 'Apache-2.0',
          _id: `${name}@${version}`,
          dist: {
            integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
            shasum: createHash('sha1').update(tarball).digest('hex'),
            tarball: `${url}/${name}/-/${file}`,
          },
        },
      },
      access: null,
      _attachments: {
        [file]: {
          content_type: 'application/octet-stream',
          data: tarball.toString('base64'),
          length: tarball.length,
        },
      },
    }),
  );
}

// ---- the servers ---------------------------------------------------------------------------------------

/** One server under test: how to publish to it and where its download lives. */
export function aamLane(key, label, reg, extraPids = [], replicas = [reg]) {
  const auth = { authorization: `Bearer ${reg.adminToken}` };
  return {
    key,
    label,
    url: reg.url,
    /** Several replicas: the load is spread over all of them (`load`). */
    ...(replicas.length > 1 ? { urls: replicas.map((r) => r.url) } : {}),
    /**
     * The processes doing the servers' work: the registries, and for PostgreSQL the postmaster's tree, for the
     * object store SeaweedFS.
     */
    cpuPids: [...replicas.map((r) => r.pid), ...extraPids],
    stop: reg.stop,
    downloadPath: `/api/v1/packages/${DL}/versions/${VERSION}/archive`,
    publishRequest: (name, version, archive) => ({
      method: 'PUT',
      path: `/api/v1/packages/${name}/versions/${version}`,
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: aamPublishBody(name, version, archive),
    }),
    /** Publishes recorded so far: the audit log's size (every publish appends one entry). */
    async published() {
      const r = await fetch(`${reg.url}/api/v1`);
      if (!r.ok) throw new Error(`${label}: GET /api/v1 → ${r.status}`);
      return (await r.json()).audit.size;
    },
  };
}

export function verdaccioLane(v, token) {
  return {
    key: 'verdaccio',
    label: `Verdaccio ${v.version}`,
    url: v.url,
    cpuPids: [v.pid],
    stop: v.stop,
    downloadPath: `/${DL}/-/${DL}-${VERSION}.tgz`,
    publishRequest: (name, version, tarball) => ({
      method: 'PUT',
      path: `/${name}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: npmPublishBody(v.url, name, version, tarball),
    }),
    /** Versions of the publish package in its packument. */
    async published() {
      const r = await fetch(`${v.url}/${PUB}`);
      if (r.status === 404) return 0;
      if (!r.ok) throw new Error(`Verdaccio: GET /${PUB} → ${r.status}`);
      return Object.keys((await r.json()).versions ?? {}).length;
    },
  };
}

/** One request outside the timing (setup and checks), with fetch. */
export async function send(url, req) {
  const r = await fetch(url + req.path, { method: req.method, headers: req.headers, body: req.body });
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body };
}

// ---- load --------------------------------------------------------------------------------------------

/**
 * One autocannon run. `requests` as autocannon takes them; `seconds` or `amount`. Counts every response
 * (time of the last one, 1-second buckets from the start) on the side, since autocannon's own duration ends
 * at its next sample after the last response. Fails on any error, timeout or non-2xx status, or when the
 * responses carry fewer than `minBytes` bytes each on average (headers included).
 */
async function load(lane, what, { path, requests, seconds, amount, minBytes = 0 }) {
  const buckets = [];
  let responses = 0;
  let last = 0n;
  /** Every response's latency (ms): exact percentiles, also across the replicas' separate load generators. */
  const latencies = [];
  // A lane of several replicas: one autocannon per replica, the connections (and a fixed amount) split
  // between them, as a load balancer in front of them would; one server: one autocannon.
  const urls = lane.urls ?? [lane.url];
  const share = (n, i) => Math.floor(n / urls.length) + (i < n % urls.length ? 1 : 0);
  const cpu0 = treeCpuMs(lane.cpuPids);
  const start = process.hrtime.bigint();
  const instances = urls.map((url, i) => {
    const instance = autocannon({
      url: url + (path ?? ''),
      connections: share(CONNECTIONS, i),
      pipelining: 1,
      timeout: 30,
      // autocannon notices the end of a run (time up, or `amount` answered) only at its next sample: sample
      // every 100 ms so that a run ends promptly (the 1-second counts are kept here, from the responses).
      sampleInt: 100,
      ...(amount ? { amount: share(amount, i) } : { duration: seconds }),
      ...(requests ? { requests } : {}),
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      last = process.hrtime.bigint();
      responses++;
      latencies.push(responseTime);
      const b = Math.floor(Number(last - start) / 1e9);
      buckets[b] = (buckets[b] ?? 0) + 1;
    });
    return instance;
  });
  const results = await Promise.all(instances);
  const cpu1 = treeCpuMs(lane.cpuPids);
  const sum = (k) => results.reduce((s, r) => s + r[k], 0);
  const ok = sum('2xx');
  const [errors, timeouts, non2xx] = [sum('errors'), sum('timeouts'), sum('non2xx')];
  if (errors || timeouts || non2xx || ok === 0) {
    throw new Error(
      `${lane.label} ${what}: ${ok} 2xx, ${non2xx} non-2xx (${JSON.stringify(results.map((r) => r.statusCodeStats))}), ` +
        `${errors} errors, ${timeouts} timeouts`,
    );
  }
  const bytes = results.reduce((s, r) => s + r.throughput.total, 0);
  if (bytes < minBytes * responses)
    throw new Error(`${lane.label} ${what}: ${bytes} bytes for ${responses} responses of >= ${minBytes}`);
  const ms = elapsedMs(start, last);
  // Whole seconds only (a run's last bucket is cut short by the stop).
  const full = seconds ? Math.floor(Math.min(seconds, ms / 1000)) : Math.floor(ms / 1000);
  const perSecond = Array.from({ length: full }, (_, i) => buckets[i] ?? 0);
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    responses,
    ms,
    rate: responses / (ms / 1000),
    perSecond,
    latencyP50Ms: pct(50),
    latencyP99Ms: pct(99),
    bytes,
    serverCpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
  };
}

async function downloads(lane, seconds) {
  return load(lane, 'downloads', { path: lane.downloadPath, seconds, minBytes: lane.downloadBytes });
}

/** `count` publishes, each a new version from `pool` (shared cursor: every request takes the next one). */
export async function publishes(lane, pool, count) {
  if (pool.next + count + CONNECTIONS > pool.items.length)
    throw new Error(
      `${lane.label}: only ${pool.items.length - pool.next} pre-built publishes left for ${count}`,
    );
  const before = await lane.published();
  const setupRequest = (req) => {
    const item = pool.items[pool.next++];
    if (!item) return null; // never reached: the pool holds more than `count` + one per connection
    return { ...req, ...item };
  };
  const r = await load(lane, 'publishes', { amount: count, requests: [{ setupRequest }] });
  const after = await lane.published();
  if (after - before !== r.responses)
    throw new Error(
      `${lane.label}: ${r.responses} publishes answered 2xx, but ${after - before} were recorded`,
    );
  // Requests built for connections that had reached their share are never sent: skip nothing, the next run
  // starts after them (versions need not be consecutive, only new).
  return r;
}

// ---- the benchmark ------------------------------------------------------------------------------------

const perSec = (x) => `${fixed(x, 0)}/s`;
const cpuText = (ms) => (ms === undefined ? 'n/a' : `${fixed(ms, 2)} ms`);

export async function benchRegistry({ workDir, quick }) {
  const sizes = quick ? registrySizes.quick : registrySizes.full;
  const { rounds } = sizes;
  printSection(
    `Registry throughput on loopback (autocannon ${AUTOCANNON_VERSION}, ${CONNECTIONS} connections): ` +
      `aam on SQLite, on PostgreSQL and as 3 replicas on PostgreSQL + SeaweedFS vs Verdaccio 6; ${rounds} x ${sizes.downloadSeconds} s of downloads, ` +
      `${rounds} x ${sizes.publishes} publishes per server`,
  );
  const core = await loadCore();
  const loadAvg = loadavg()[0];
  const setupStart = process.hrtime.bigint();

  // Packages and archives (untimed). One payload for everything: archives and tarballs are all ~20 KB.
  const payload = randomBytes(PAYLOAD_BYTES);
  const dlPkg = await makeAamPackage(core, workDir, DL, payload);
  const pubPkg = await makeAamPackage(core, workDir, PUB, payload);
  const totalPublishes = sizes.publishWarmup + rounds * sizes.publishes;
  const poolSize = totalPublishes + (rounds + 1) * CONNECTIONS * 2 + 10;
  const aamVersions = await aamVersionArchives(pubPkg, poolSize);
  const npmDl = await npmTarball(DL, VERSION, payload);

  // Servers, started side by side: PostgreSQL (then aam on it), aam on SQLite, Verdaccio (installed first).
  const skipped = {};
  const lanes = [];
  const stops = [];
  try {
    const settled = await Promise.allSettled([
      spawnAamRegistry({
        storage: join(workDir, 'registry-sqlite'),
        db: `sqlite:${join(workDir, 'registry-sqlite.db')}`,
      }),
      (async () => {
        const pg = await startPostgres();
        if (pg.reason) return { reason: pg.reason };
        stops.push(async () => pg.stop());
        try {
          const reg = await spawnAamRegistry({ storage: join(workDir, 'registry-pg'), db: pg.url });
          return { pg, reg };
        } catch (e) {
          return { reason: `aam registry on PostgreSQL did not start: ${e.message.split('\n')[0]}` };
        }
      })(),
      (async () => {
        // Three replicas on one PostgreSQL (a cluster of their own) and one SeaweedFS, as docs/deploy.md sets up.
        const weedFound = findWeed();
        if ('missing' in weedFound) return { reason: weedFound.missing };
        const pg = await startPostgres();
        if (pg.reason) return { reason: pg.reason };
        stops.push(async () => pg.stop());
        let weed;
        try {
          weed = await startSeaweedFs();
        } catch (e) {
          return { reason: `SeaweedFS did not start: ${e.message.split('\n')[0]}` };
        }
        stops.push(() => weed.stop());
        const opts = {
          storage: `s3://${weed.bucket}/bench`,
          db: pg.url,
          keys: join(workDir, 'registry-replicas-keys'),
          s3: { endpoint: weed.endpoint },
          env: weed.env(),
        };
        const regs = [];
        try {
          // The first creates the schema and the keys; the other two start on them.
          regs.push(await spawnAamRegistry(opts));
          regs.push(...(await Promise.all([spawnAamRegistry(opts), spawnAamRegistry(opts)])));
        } catch (e) {
          for (const r of regs) await r.stop();
          return { reason: `aam replicas did not start: ${e.message.split('\n')[0]}` };
        }
        return { pg, weed, regs, version: pg.version };
      })(),
      (async () => {
        const installed = await installVerdaccio();
        if (installed.reason) return { reason: installed.reason };
        const v = await startVerdaccio({ bin: installed.bin, dir: join(workDir, 'verdaccio') });
        if (v.reason) return { reason: v.reason };
        return {
          ...v,
          version: verdaccioVersionOf(installed.bin),
          cached: installed.cached,
          fellBackFrom: installed.fellBackFrom,
        };
      })(),
    ]);
    // Whatever started is stopped at the end, also when another server failed.
    for (const s of settled) if (s.status === 'fulfilled' && s.value.stop) stops.unshift(s.value.stop);
    for (const s of settled.slice(1))
      if (s.status === 'fulfilled' && s.value.reg) stops.unshift(s.value.reg.stop);
    for (const s of settled)
      if (s.status === 'fulfilled' && s.value.regs) for (const r of s.value.regs) stops.unshift(r.stop);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [sqliteReg, pgSide, replicaSide, verdaccioSide] = settled.map((s) => s.value);
    lanes.push(aamLane('aamSqlite', 'aam on SQLite', sqliteReg));
    let pgVersion;
    if (pgSide.reason) skipped.aamPostgres = pgSide.reason;
    else {
      pgVersion = pgSide.pg.version;
      lanes.push(
        aamLane('aamPostgres', 'aam on PostgreSQL', pgSide.reg, pgSide.pg.pid ? [pgSide.pg.pid] : []),
      );
    }
    if (replicaSide.reason) skipped.aamReplicas = replicaSide.reason;
    else {
      const { regs, pg, weed } = replicaSide;
      // Every replica answers with the first one's admin token (one database).
      lanes.push(
        aamLane(
          'aamReplicas',
          'aam, 3 replicas on PostgreSQL + SeaweedFS',
          regs[0],
          [pg.pid, weed.pid].filter(Boolean),
          regs,
        ),
      );
    }
    let verdaccio;
    if (verdaccioSide.reason) skipped.verdaccio = verdaccioSide.reason;
    else {
      verdaccio = verdaccioSide;
      const token = await verdaccioAddUser(verdaccio.url, 'bench', `bench-${randomBytes(8).toString('hex')}`);
      // The peer goes second: the rounds alternate aam and Verdaccio.
      lanes.splice(1, 0, verdaccioLane(verdaccio, token));
    }

    // Each lane: the download package, and version 1.0.0 of the publish package (creates the package: the
    // timed publishes are all new versions of an existing one). Checked by fetching the archive back.
    const npmPub0 = await npmTarball(PUB, VERSION, payload);
    for (const lane of lanes) {
      const isAam = lane.key !== 'verdaccio';
      for (const [name, bytes] of isAam
        ? [
            [DL, dlPkg.archive],
            [PUB, pubPkg.archive],
          ]
        : [
            [DL, npmDl],
            [PUB, npmPub0],
          ]) {
        const r = await send(lane.url, lane.publishRequest(name, VERSION, bytes));
        if (r.status !== 201)
          throw new Error(`${lane.label}: publish ${name}@${VERSION} → ${r.status} ${r.body}`);
      }
      const got = await send(lane.url, { method: 'GET', path: lane.downloadPath });
      const want = isAam ? dlPkg.archive : npmDl;
      lane.downloadBytes = want.length;
      if (got.status !== 200 || !got.body.equals(want))
        throw new Error(
          `${lane.label}: GET ${lane.downloadPath} → ${got.status}, ${got.body.length} bytes, not the archive`,
        );
      if (isAam && got.headers.get('etag') !== `"${dlPkg.checksum}"`)
        throw new Error(`${lane.label}: ETag ${got.headers.get('etag')}, expected "${dlPkg.checksum}"`);
    }

    // Publish bodies, per lane, all built before anything is timed.
    const npmVersions = lanes.some((l) => l.key === 'verdaccio')
      ? await Promise.all(
          aamVersions.map(async (v) => ({
            version: v.version,
            archive: await npmTarball(PUB, v.version, payload),
          })),
        )
      : [];
    const pools = Object.fromEntries(
      lanes.map((lane) => [
        lane.key,
        {
          next: 0,
          items: (lane.key === 'verdaccio' ? npmVersions : aamVersions).map((v) => {
            const { method, path, headers, body } = lane.publishRequest(PUB, v.version, v.archive);
            return { method, path, headers, body };
          }),
        },
      ]),
    );
    const setupMs = elapsedMs(setupStart);

    // Warm-up (untimed): a short download run and a few publishes on each server.
    for (const lane of lanes) {
      await downloads(lane, sizes.downloadWarmupSeconds);
      await publishes(lane, pools[lane.key], sizes.publishWarmup);
    }

    const runs = Object.fromEntries(lanes.map((l) => [l.key, { downloads: [], publishes: [] }]));
    for (let r = 0; r < rounds; r++)
      for (const lane of lanes) runs[lane.key].downloads.push(await downloads(lane, sizes.downloadSeconds));
    for (let r = 0; r < rounds; r++)
      for (const lane of lanes)
        runs[lane.key].publishes.push(await publishes(lane, pools[lane.key], sizes.publishes));

    // Figures: downloads/s = median of the 1-second counts of all rounds (and the mean: all responses / time);
    // publishes/s = all publishes / their time (a run of `amount` requests has few whole seconds).
    const figures = {};
    const cpuPer = (xs) =>
      xs.some((x) => x.serverCpuMs === undefined)
        ? undefined
        : xs.reduce((s, x) => s + x.serverCpuMs, 0) / xs.reduce((s, x) => s + x.responses, 0);
    for (const lane of lanes) {
      const d = runs[lane.key].downloads;
      const p = runs[lane.key].publishes;
      const dCount = d.reduce((s, x) => s + x.responses, 0);
      const dMs = d.reduce((s, x) => s + x.ms, 0);
      const pCount = p.reduce((s, x) => s + x.responses, 0);
      const pMs = p.reduce((s, x) => s + x.ms, 0);
      figures[lane.key] = {
        label: lane.label,
        downloadsPerSecondMedian: median(d.flatMap((x) => x.perSecond)),
        downloadsPerSecondMean: dCount / (dMs / 1000),
        downloadLatencyP50Ms: median(d.map((x) => x.latencyP50Ms)),
        downloadLatencyP99Ms: Math.max(...d.map((x) => x.latencyP99Ms)),
        downloadBytesPerResponse: d.reduce((s, x) => s + x.bytes, 0) / dCount,
        downloads: dCount,
        publishesPerSecond: pCount / (pMs / 1000),
        publishesPerSecondRounds: p.map((x) => x.rate),
        publishLatencyP50Ms: median(p.map((x) => x.latencyP50Ms)),
        publishLatencyP99Ms: Math.max(...p.map((x) => x.latencyP99Ms)),
        publishes: pCount,
        // Server CPU time per request (ms): all the server's processes, summed over the runs.
        cpuPerDownloadMs: cpuPer(d),
        cpuPerPublishMs: cpuPer(p),
      };
    }
    const peer = figures.verdaccio;
    const ratios = {};
    for (const key of AAM_LANES) {
      if (!figures[key] || !peer) continue;
      ratios[key] = {
        downloads: figures[key].downloadsPerSecondMedian / peer.downloadsPerSecondMedian,
        publishes: figures[key].publishesPerSecond / peer.publishesPerSecond,
        // CPU per request, aam / Verdaccio: lower is better.
        cpuPerDownload: figures[key].cpuPerDownloadMs / peer.cpuPerDownloadMs,
        cpuPerPublish: figures[key].cpuPerPublishMs / peer.cpuPerPublishMs,
      };
    }

    const lines = [
      [
        'archive (download)',
        `${dlPkg.archive.length} bytes aam, ${npmDl.length} bytes npm tarball (${PAYLOAD_BYTES} random bytes each)`,
      ],
      [
        'archive (publish, each a new version)',
        `${aamVersions[0].archive.length} bytes aam, ${npmVersions[0]?.archive.length ?? '-'} bytes npm (+ base64 in the JSON body)`,
      ],
      ['PostgreSQL', pgVersion ?? `skipped: ${skipped.aamPostgres}`],
      [
        '3 replicas',
        skipped.aamReplicas
          ? `skipped: ${skipped.aamReplicas}`
          : 'aam registry x3 on one PostgreSQL (own cluster, fsync on) and one SeaweedFS (S3), load spread evenly; server CPU includes PostgreSQL and SeaweedFS',
      ],
      [
        'Verdaccio',
        verdaccio
          ? `${verdaccio.version} (${verdaccio.cached ? 'cached' : 'installed'} in $TMPDIR/aam-bench-cache${verdaccio.fellBackFrom ? `; ${verdaccio.fellBackFrom.join('; ')}` : ''})`
          : `skipped: ${skipped.verdaccio}`,
      ],
      [
        'load average (1 min) at start; cores',
        `${fixed(loadAvg, 2)}; ${availableParallelism()} (client, servers and anything else share them)`,
      ],
      [
        'setup (untimed): packages, archives, servers',
        `${fixed(setupMs / 1000, 1)} s, ${poolSize} versions pre-built`,
      ],
    ];
    for (const lane of lanes) {
      const f = figures[lane.key];
      lines.push([
        `downloads/s, ${lane.label} (${f.downloads} GETs)`,
        `median ${perSec(f.downloadsPerSecondMedian)}, mean ${perSec(f.downloadsPerSecondMean)}; ` +
          `latency p50 ${fixed(f.downloadLatencyP50Ms, 1)} ms, p99 ${fixed(f.downloadLatencyP99Ms, 1)} ms; ` +
          `server CPU ${cpuText(f.cpuPerDownloadMs)} per download`,
      ]);
    }
    for (const lane of lanes) {
      const f = figures[lane.key];
      lines.push([
        `publishes/s, ${lane.label} (${f.publishes} new versions)`,
        `${fixed(f.publishesPerSecond, 1)}/s (rounds: ${f.publishesPerSecondRounds.map((x) => fixed(x, 1)).join(', ')}); ` +
          `latency p50 ${fixed(f.publishLatencyP50Ms, 1)} ms, p99 ${fixed(f.publishLatencyP99Ms, 1)} ms; ` +
          `server CPU ${cpuText(f.cpuPerPublishMs)} per publish`,
      ]);
    }
    for (const [key, r] of Object.entries(ratios)) {
      const name = figures[key].label;
      lines.push([
        `ratio downloads ${name} / Verdaccio`,
        `${formatRatio(r.downloads)}  (target >= ${fixed(TARGET_DOWNLOADS, 1)}x: ${r.downloads >= TARGET_DOWNLOADS ? 'ok' : 'MISSED'})`,
      ]);
      lines.push([
        `ratio publishes ${name} / Verdaccio`,
        `${formatRatio(r.publishes)}  (target >= ${fixed(TARGET_PUBLISHES, 1)}x: ${r.publishes >= TARGET_PUBLISHES ? 'ok' : 'MISSED'})`,
      ]);
      lines.push([
        `ratio server CPU per request ${name} / Verdaccio`,
        `downloads ${formatRatio(r.cpuPerDownload)}, publishes ${formatRatio(r.cpuPerPublish)} (lower is better)`,
      ]);
    }
    printLines(lines);

    const bench = 'registry';
    const summary = [];
    for (const key of AAM_LANES) {
      const f = figures[key];
      const db = { aamSqlite: 'SQLite', aamPostgres: 'PostgreSQL', aamReplicas: '3 replicas' }[key];
      if (!f) {
        summary.push({
          benchmark: bench,
          measure: `aam, ${db}: skipped (${skipped[key] ?? 'reason above'})`,
          aam: '-',
        });
        continue;
      }
      const r = ratios[key];
      summary.push({
        benchmark: bench,
        measure: `downloads/s, 20 KB, ${db}, median`,
        aam: perSec(f.downloadsPerSecondMedian),
        peer: peer
          ? `Verdaccio ${perSec(peer.downloadsPerSecondMedian)}`
          : 'none: Verdaccio skipped (reason above)',
        ratio: r?.downloads,
        ...(r ? { target: `>= ${fixed(TARGET_DOWNLOADS, 2)}`, met: r.downloads >= TARGET_DOWNLOADS } : {}),
      });
      summary.push({
        benchmark: bench,
        measure: `publishes/s (new versions), ${db}`,
        aam: `${fixed(f.publishesPerSecond, 1)}/s`,
        peer: peer
          ? `Verdaccio ${fixed(peer.publishesPerSecond, 1)}/s`
          : 'none: Verdaccio skipped (reason above)',
        ratio: r?.publishes,
        ...(r ? { target: `>= ${fixed(TARGET_PUBLISHES, 2)}`, met: r.publishes >= TARGET_PUBLISHES } : {}),
      });
      for (const [what, mine, theirs] of [
        ['download', f.downloadLatencyP99Ms, peer?.downloadLatencyP99Ms],
        ['publish', f.publishLatencyP99Ms, peer?.publishLatencyP99Ms],
      ])
        summary.push({
          benchmark: bench,
          measure: `p99 latency per ${what}, ${db} (lower is better)`,
          aam: `${fixed(mine, 1)} ms`,
          peer: peer ? `Verdaccio ${fixed(theirs, 1)} ms` : '-',
          ratio: peer && theirs > 0 ? mine / theirs : undefined,
        });
      for (const [what, mine, theirs, ratio] of [
        ['download', f.cpuPerDownloadMs, peer?.cpuPerDownloadMs, r?.cpuPerDownload],
        ['publish', f.cpuPerPublishMs, peer?.cpuPerPublishMs, r?.cpuPerPublish],
      ])
        summary.push({
          benchmark: bench,
          measure: `server CPU per ${what}, ${db} (lower is better)`,
          aam: cpuText(mine),
          peer: peer ? `Verdaccio ${cpuText(theirs)}` : '-',
          ratio: Number.isFinite(ratio) ? ratio : undefined,
        });
    }
    return {
      json: {
        sizes,
        connections: CONNECTIONS,
        autocannon: AUTOCANNON_VERSION,
        archiveBytes: { aam: dlPkg.archive.length, npm: npmDl.length, payload: PAYLOAD_BYTES },
        postgres: pgVersion ?? null,
        verdaccio: verdaccio ? verdaccio.version : null,
        skipped,
        loadAverage: loadAvg,
        setupMs,
        runs,
        figures,
        ratios,
        targets: { downloads: TARGET_DOWNLOADS, publishes: TARGET_PUBLISHES },
      },
      summary,
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}
