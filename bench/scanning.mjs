// Benchmark 11: the registry's scans. (a) publishes/s with every scanner on (secrets, hazards, and ClamAV through
// a real clamd with a generated signature database) against the same aam server with scanning off and against
// Verdaccio, all in this run, all on SQLite/disk, ~20 KB archives, autocannon with 10 connections (as the
// registry benchmark); (b) scanning one 50 MB package (read into memory from its archive, then all three
// scanners), median of repeats, against clamd scanning the same archive as one stream (INSTREAM, what a plain
// ClamAV integration does). Target: the 50 MB scan within 2 s. Without clamd the ClamAV parts are skipped with the
// reason and the rest still runs.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadCore } from './lib/core.mjs';
import { elapsedMs, median } from './lib/measure.mjs';
import { fixed, formatRatio, printLines, printSection } from './lib/report.mjs';
import { spawnAamRegistry } from './lib/registry-server.mjs';
import { installVerdaccio, startVerdaccio, verdaccioAddUser, verdaccioVersionOf } from './lib/verdaccio.mjs';
import { tarGz } from './lib/tar.mjs';
import {
  aamLane,
  aamVersionArchives,
  CONNECTIONS,
  makeAamPackage,
  npmTarball,
  PAYLOAD_BYTES,
  publishes,
  send,
  verdaccioLane,
} from './registry.mjs';
import { findClamd, startClamd } from '../test/support/clamd.mjs';

export const scanningSizes = {
  quick: { rounds: 1, publishes: 40, publishWarmup: 10, bigRepeats: 2, bigMB: 10 },
  full: { rounds: 2, publishes: 300, publishWarmup: 30, bigRepeats: 5, bigMB: 50 },
};

/** The 50 MB package must be scanned (read into memory and every scanner run) within this many ms. */
const TARGET_BIG_SCAN_MS = 2000;
/** Scanning costs publishes: they must stay at or above this fraction of Verdaccio's rate. */
const TARGET_PUBLISHES_VS_VERDACCIO = 1.0;

const PUB = 'bench-pub';
const VERSION = '1.0.0';

/**
 * A package of about `mb` MB, unpacked: mostly incompressible assets (images, models) and some markdown, so
 * that its archive is about as large as it is unpacked (the registry's archive limit is 50 MiB).
 */
async function bigPackage(core, mb) {
  const manifest = [
    'name: bench-big',
    `version: ${VERSION}`,
    'description: A large package for the scanning benchmark',
    'artifacts:',
    '  skills:',
    '    - {name: big, path: skills/big, description: assets and docs}',
    '',
  ].join('\n');
  const line =
    'The agent reads this skill and follows https://docs.example.org/guide with care; the token lives in the vault.\n';
  const docs = Array.from({ length: 20 }, (_, i) => ({
    path: `skills/big/doc-${i}.md`,
    bytes: Buffer.from(line.repeat(Math.ceil((mb * 0.04 * 1024 * 1024) / 20 / line.length))),
  }));
  const assetBytes = Math.floor((mb * 0.96 * 1024 * 1024) / 8);
  const assets = Array.from({ length: 8 }, (_, i) => ({
    path: `skills/big/asset-${i}.dat`,
    bytes: randomBytes(assetBytes),
  }));
  const files = [{ path: 'aam.yaml', bytes: Buffer.from(manifest) }, ...docs, ...assets];
  const archive = await tarGz(files);
  return { archive, unpacked: files.reduce((n, f) => n + f.bytes.length, 0), core };
}

/** One in-memory scan of an archive, as the registry does it at upload: read, then every scanner. */
async function scanOnce(core, scanners, archive) {
  const t0 = process.hrtime.bigint();
  const limits = { maxArchiveSize: 64 << 20, maxUnpackedSize: 512 << 20, maxEntries: 10_000 };
  const { manifest, contents, files } = await core.readArchive(archive, limits);
  const readMs = elapsedMs(t0);
  const results = await core.runScanners(
    scanners,
    { name: manifest.name, version: manifest.version, manifest, files: contents, paths: files },
    { timeoutMs: 60_000 },
  );
  return { ms: elapsedMs(t0), readMs, results };
}

export async function benchScanning({ workDir, quick }) {
  const sizes = quick ? scanningSizes.quick : scanningSizes.full;
  printSection(
    `Registry scans: publishes/s with every scanner on vs scanning off vs Verdaccio (${CONNECTIONS} connections, ` +
      `${sizes.rounds} x ${sizes.publishes} publishes each), and one ${sizes.bigMB} MB package scanned in memory`,
  );
  const core = await loadCore();
  const scan = await import(new URL('../packages/plugin-scan/dist/index.js', import.meta.url).href);
  const skipped = {};
  const stops = [];
  try {
    // clamd with a generated database (signatures cannot be downloaded here).
    let clamd;
    const found = findClamd();
    if ('missing' in found) skipped.clamav = found.missing;
    else {
      clamd = await startClamd();
      stops.push(() => clamd.close());
    }

    // Servers: aam scanning everything, aam scanning nothing, Verdaccio.
    const [scanning, plain, verdaccioSide] = await Promise.all([
      spawnAamRegistry({
        storage: join(workDir, 'scan-on'),
        db: `sqlite:${join(workDir, 'scan-on.db')}`,
        scan: clamd ? { clamd: clamd.address, clamdDatabase: clamd.databaseDir } : {},
      }),
      spawnAamRegistry({ storage: join(workDir, 'scan-off'), db: `sqlite:${join(workDir, 'scan-off.db')}` }),
      (async () => {
        const installed = await installVerdaccio();
        if (installed.reason) return { reason: installed.reason };
        const v = await startVerdaccio({ bin: installed.bin, dir: join(workDir, 'scan-verdaccio') });
        if (v.reason) return { reason: v.reason };
        return { ...v, version: verdaccioVersionOf(installed.bin) };
      })(),
    ]);
    stops.push(scanning.stop, plain.stop);
    if (verdaccioSide.stop) stops.push(verdaccioSide.stop);
    const lanes = [
      aamLane('scanOn', `aam, scans on (secrets, hazards${clamd ? ', clamav' : ''})`, scanning),
      aamLane('scanOff', 'aam, scans off', plain),
    ];
    if (verdaccioSide.reason) skipped.verdaccio = verdaccioSide.reason;
    else {
      const token = await verdaccioAddUser(
        verdaccioSide.url,
        'bench',
        `bench-${randomBytes(8).toString('hex')}`,
      );
      lanes.push(verdaccioLane(verdaccioSide, token));
    }

    // The same ~20 KB package as the registry benchmark; version 1.0.0 first (untimed), then new versions.
    const payload = randomBytes(PAYLOAD_BYTES);
    // Its own directory: the registry benchmark may have made a package of the same name in this run.
    const pkg = await makeAamPackage(core, join(workDir, 'scanning'), PUB, payload);
    const total =
      sizes.publishWarmup + sizes.rounds * sizes.publishes + (sizes.rounds + 1) * CONNECTIONS * 2 + 10;
    const versions = await aamVersionArchives(pkg, total);
    const pools = {};
    for (const lane of lanes) {
      const npm = lane.key === 'verdaccio';
      const first = npm ? await npmTarball(PUB, VERSION, payload) : pkg.archive;
      const r = await send(lane.url, lane.publishRequest(PUB, VERSION, first));
      if (r.status !== 201)
        throw new Error(`${lane.label}: publish ${PUB}@${VERSION} → ${r.status} ${r.body}`);
      const items = [];
      for (const v of versions) {
        const bytes = npm ? await npmTarball(PUB, v.version, payload) : v.archive;
        const { method, path, headers, body } = lane.publishRequest(PUB, v.version, bytes);
        items.push({ method, path, headers, body });
      }
      pools[lane.key] = { next: 0, items };
    }
    // Scans really ran: the scanning server's attestation of 1.0.0 names them.
    const att = await fetch(`${scanning.url}/api/v1/packages/${PUB}/versions/${VERSION}/attestations`);
    const { envelope } = (await att.json()).attestations[0];
    const predicate = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')).predicate;
    const attested = predicate.checks.scans.map((x) => x.name).sort();
    const expected = ['hazards', 'secrets', ...(clamd ? ['clamav'] : [])].sort();
    if (JSON.stringify(attested) !== JSON.stringify(expected))
      throw new Error(
        `the scanning server attests scans ${attested.join(', ')}, expected ${expected.join(', ')}`,
      );

    for (const lane of lanes) await publishes(lane, pools[lane.key], sizes.publishWarmup);
    const runs = Object.fromEntries(lanes.map((l) => [l.key, []]));
    for (let r = 0; r < sizes.rounds; r++)
      for (const lane of lanes) runs[lane.key].push(await publishes(lane, pools[lane.key], sizes.publishes));
    const figures = {};
    for (const lane of lanes) {
      const p = runs[lane.key];
      const n = p.reduce((s, x) => s + x.responses, 0);
      figures[lane.key] = {
        label: lane.label,
        publishesPerSecond: n / (p.reduce((s, x) => s + x.ms, 0) / 1000),
        p50Ms: median(p.map((x) => x.latencyP50Ms)),
        p99Ms: Math.max(...p.map((x) => x.latencyP99Ms)),
        publishes: n,
      };
    }

    // The big package, in this process: the same read and scanners the registry runs.
    const big = await bigPackage(core, sizes.bigMB);
    const scanners = [
      new scan.SecretsScanner(),
      new scan.HazardsScanner(),
      ...(clamd
        ? [
            new scan.ClamAvScanner(
              new scan.ClamdClient(scan.parseClamdAddress(clamd.address)),
              clamd.databaseDir,
            ),
          ]
        : []),
    ];
    await scanOnce(core, scanners, big.archive); // warm-up
    const bigRuns = [];
    const clamdWhole = [];
    const client = clamd ? new scan.ClamdClient(scan.parseClamdAddress(clamd.address), 60_000) : undefined;
    for (let i = 0; i < sizes.bigRepeats; i++) {
      bigRuns.push(await scanOnce(core, scanners, big.archive));
      if (client) {
        const t0 = process.hrtime.bigint();
        const sig = await client.scan(big.archive);
        if (sig) throw new Error(`clamd found ${sig} in the benchmark package`);
        clamdWhole.push(elapsedMs(t0));
      }
    }
    const findings = bigRuns[0].results.flatMap((r) => r.findings);
    if (findings.length) throw new Error(`the big package is not clean: ${JSON.stringify(findings[0])}`);
    const bigMs = median(bigRuns.map((r) => r.ms));
    const perScanner = Object.fromEntries(
      scanners.map((s) => [
        s.name,
        median(bigRuns.map((r) => r.results.find((x) => x.scanner === s.name).duration_ms)),
      ]),
    );
    const wholeMs = clamdWhole.length ? median(clamdWhole) : undefined;

    const on = figures.scanOn;
    const off = figures.scanOff;
    const peer = figures.verdaccio;
    const lines = [
      [
        'clamd',
        clamd
          ? `${scanners.at(-1).version} on ${clamd.address}, generated database`
          : `skipped: ${skipped.clamav}`,
      ],
      ['Verdaccio', peer ? verdaccioSide.version : `skipped: ${skipped.verdaccio}`],
      ...lanes.map((l) => [
        `publishes/s, ${figures[l.key].label}`,
        `${fixed(figures[l.key].publishesPerSecond, 1)}/s; latency p50 ${fixed(figures[l.key].p50Ms, 1)} ms, p99 ${fixed(figures[l.key].p99Ms, 1)} ms`,
      ]),
      ['ratio publishes, scans on / scans off', formatRatio(on.publishesPerSecond / off.publishesPerSecond)],
      ...(peer
        ? [
            [
              'ratio publishes, scans on / Verdaccio',
              `${formatRatio(on.publishesPerSecond / peer.publishesPerSecond)}  (target >= ${fixed(TARGET_PUBLISHES_VS_VERDACCIO, 1)}x: ${on.publishesPerSecond / peer.publishesPerSecond >= TARGET_PUBLISHES_VS_VERDACCIO ? 'ok' : 'MISSED'})`,
            ],
          ]
        : []),
      [
        `${sizes.bigMB} MB package (${fixed(big.unpacked / 1048576, 1)} MiB unpacked, archive ${fixed(big.archive.length / 1048576, 1)} MiB)`,
        `scanned in ${fixed(bigMs, 0)} ms median of ${sizes.bigRepeats} (read ${fixed(median(bigRuns.map((r) => r.readMs)), 0)} ms; ` +
          `${Object.entries(perScanner)
            .map(([n, ms]) => `${n} ${fixed(ms, 0)} ms`)
            .join(', ')}; scanners run at once)` +
          (sizes.bigMB >= 50
            ? `  (target <= ${TARGET_BIG_SCAN_MS} ms: ${bigMs <= TARGET_BIG_SCAN_MS ? 'ok' : 'MISSED'})`
            : ''),
      ],
      ...(wholeMs !== undefined
        ? [
            [
              'peer: clamd INSTREAM of the whole archive',
              `${fixed(wholeMs, 0)} ms median; ratio aam / clamd ${formatRatio(bigMs / wholeMs)}`,
            ],
          ]
        : []),
    ];
    printLines(lines);
    const bench = 'scanning';
    const summary = [
      {
        benchmark: bench,
        measure: 'publishes/s, every scanner on (SQLite)',
        aam: `${fixed(on.publishesPerSecond, 1)}/s`,
        peer: peer ? `Verdaccio ${fixed(peer.publishesPerSecond, 1)}/s` : 'none: Verdaccio skipped',
        ratio: peer ? on.publishesPerSecond / peer.publishesPerSecond : undefined,
        ...(peer
          ? {
              target: `>= ${fixed(TARGET_PUBLISHES_VS_VERDACCIO, 2)}`,
              met: on.publishesPerSecond / peer.publishesPerSecond >= TARGET_PUBLISHES_VS_VERDACCIO,
            }
          : {}),
      },
      {
        benchmark: bench,
        measure: 'publishes/s, scans on vs off (same server)',
        aam: `${fixed(on.publishesPerSecond, 1)}/s`,
        peer: `scans off ${fixed(off.publishesPerSecond, 1)}/s`,
        ratio: on.publishesPerSecond / off.publishesPerSecond,
      },
      {
        benchmark: bench,
        measure: `scan of a ${sizes.bigMB} MB package, median`,
        aam: `${fixed(bigMs, 0)} ms`,
        peer: wholeMs !== undefined ? `clamd whole archive ${fixed(wholeMs, 0)} ms` : 'none: clamd skipped',
        ratio: wholeMs !== undefined ? bigMs / wholeMs : undefined,
        ...(sizes.bigMB >= 50
          ? { target: `<= ${TARGET_BIG_SCAN_MS} ms`, met: bigMs <= TARGET_BIG_SCAN_MS }
          : {}),
      },
    ];
    return {
      json: {
        sizes,
        skipped,
        figures,
        big: {
          ms: bigMs,
          perScanner,
          clamdWholeMs: wholeMs,
          archiveBytes: big.archive.length,
          unpackedBytes: big.unpacked,
          runs: bigRuns.map((r) => ({ ms: r.ms, readMs: r.readMs })),
        },
      },
      summary,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
