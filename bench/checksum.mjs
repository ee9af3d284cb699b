// Benchmark 1: SHA-256 throughput of a large file.
//   (a) sha256File from @aam/core, in-process (the call alone is timed)
//   (b) `openssl dgst -sha256 FILE` as a child process (wall clock)
//   (c) sha256File in a cold `node -e` child that imports @aam/core (wall clock), so that the
//       comparison with openssl includes process start-up on both sides.
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { median, runTimed, timeCall } from './lib/measure.mjs';
import { formatMBps, formatMs, formatRatio, printLines, printSection } from './lib/report.mjs';
import { CORE_URL, loadCore } from './lib/core.mjs';

const MiB = 1 << 20;
const BLOCK_SIZE = 16 * MiB;
const TARGET_RATIO = 0.9;

export const checksumSizes = {
  quick: { fileBytes: 64 * MiB, runs: 3 },
  full: { fileBytes: 1024 * MiB, runs: 5 },
};

/** Writes `bytes` of incompressible data: one random 16 MiB block, repeated. */
function writeTestFile(path, bytes) {
  const block = randomBytes(BLOCK_SIZE);
  const fd = openSync(path, 'w');
  try {
    let written = 0;
    while (written < bytes) written += writeSync(fd, block, 0, Math.min(block.length, bytes - written));
  } finally {
    closeSync(fd);
  }
}

/** Reads the whole file once so that every timed run hashes from the page cache. */
async function warmPageCache(path) {
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) bytes += chunk.length;
  return bytes;
}

function hexOf(checksum) {
  return checksum.replace(/^sha256:/, '');
}

async function hashInProcess(sha256File, path) {
  const { ms, value } = await timeCall(() => sha256File(path));
  return { ms, hex: hexOf(value) };
}

function hashWithOpenssl(path) {
  const { ms, stdout } = runTimed('openssl', ['dgst', '-sha256', path]);
  const match = /([0-9a-f]{64})\s*$/i.exec(stdout.trim());
  if (!match) throw new Error(`Cannot read a digest from openssl output: ${stdout}`);
  return { ms, hex: match[1].toLowerCase() };
}

const COLD_HASH_SCRIPT =
  `const { sha256File } = await import(${JSON.stringify(CORE_URL)});` +
  `process.stdout.write(await sha256File(process.argv[1]));`;

function hashInColdNode(path) {
  const { ms, stdout } = runTimed(process.execPath, ['--input-type=module', '-e', COLD_HASH_SCRIPT, path]);
  return { ms, hex: hexOf(stdout.trim()) };
}

function assertSameDigest(expected, actual, who) {
  if (actual !== expected) {
    throw new Error(`Digest mismatch: ${who} gave ${actual}, expected ${expected}`);
  }
}

function mbPerSecond(bytes, ms) {
  return bytes / 1e6 / (ms / 1000);
}

export async function benchChecksum({ workDir, quick }) {
  const { fileBytes, runs } = quick ? checksumSizes.quick : checksumSizes.full;
  const { sha256File } = await loadCore();
  const sizeLabel = `${fileBytes / MiB} MiB`;
  printSection(`Checksum throughput: SHA-256 of a ${sizeLabel} file, ${runs} runs each`);

  const file = join(workDir, 'checksum-input.bin');
  writeTestFile(file, fileBytes);
  await warmPageCache(file);

  const times = { inProcess: [], openssl: [], coldNode: [] };
  let digest;
  for (let i = 0; i < runs; i++) {
    const a = await hashInProcess(sha256File, file);
    const b = hashWithOpenssl(file);
    const c = hashInColdNode(file);
    digest ??= b.hex;
    assertSameDigest(digest, a.hex, 'sha256File (in-process)');
    assertSameDigest(digest, b.hex, 'openssl dgst');
    assertSameDigest(digest, c.hex, 'sha256File (cold node child)');
    times.inProcess.push(a.ms);
    times.openssl.push(b.ms);
    times.coldNode.push(c.ms);
  }

  const medianMs = {
    inProcess: median(times.inProcess),
    openssl: median(times.openssl),
    coldNode: median(times.coldNode),
  };
  const mbps = {
    inProcess: mbPerSecond(fileBytes, medianMs.inProcess),
    openssl: mbPerSecond(fileBytes, medianMs.openssl),
    coldNode: mbPerSecond(fileBytes, medianMs.coldNode),
  };
  const ratios = {
    inProcessVsOpenssl: mbps.inProcess / mbps.openssl,
    coldNodeVsOpenssl: mbps.coldNode / mbps.openssl,
  };

  printLines([
    ['digest (all three agree)', digest],
    ['aam sha256File, in-process', `${formatMBps(mbps.inProcess)}  (median ${formatMs(medianMs.inProcess)})`],
    ['aam sha256File, cold node -e', `${formatMBps(mbps.coldNode)}  (median ${formatMs(medianMs.coldNode)})`],
    ['openssl dgst -sha256 (process)', `${formatMBps(mbps.openssl)}  (median ${formatMs(medianMs.openssl)})`],
    ['cold start + core import (cold - in-process)', formatMs(medianMs.coldNode - medianMs.inProcess)],
    ['ratio in-process / openssl', `${formatRatio(ratios.inProcessVsOpenssl)}  (target >= ${TARGET_RATIO})`],
    ['ratio cold node / openssl', `${formatRatio(ratios.coldNodeVsOpenssl)}  (target >= ${TARGET_RATIO})`],
  ]);

  const target = `>= ${TARGET_RATIO.toFixed(2)}`;
  return {
    json: { fileBytes, runs, digest, timesMs: times, medianMs, mbps, ratios, targetRatio: TARGET_RATIO },
    summary: [
      {
        benchmark: 'checksum',
        measure: `SHA-256 ${sizeLabel}, in-process`,
        aam: formatMBps(mbps.inProcess),
        peer: `openssl ${formatMBps(mbps.openssl)}`,
        ratio: ratios.inProcessVsOpenssl,
        target,
        met: ratios.inProcessVsOpenssl >= TARGET_RATIO,
      },
      {
        benchmark: 'checksum',
        measure: `SHA-256 ${sizeLabel}, cold process`,
        aam: formatMBps(mbps.coldNode),
        peer: `openssl ${formatMBps(mbps.openssl)}`,
        ratio: ratios.coldNodeVsOpenssl,
        target,
        met: ratios.coldNodeVsOpenssl >= TARGET_RATIO,
      },
    ],
  };
}
