#!/usr/bin/env node
// Runs every benchmark and prints a summary table.
//   node bench/run.mjs [--quick] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { assertBuilt } from './lib/core.mjs';
import { elapsedMs } from './lib/measure.mjs';
import { printSection, printSummary } from './lib/report.mjs';
import { benchChecksum } from './checksum.mjs';
import { benchPackPublishInstall } from './pack-publish-install.mjs';
import { benchColdStart } from './cold-start.mjs';

const USAGE = `Usage: node bench/run.mjs [--quick] [--json FILE]
  --quick       small sizes and few repeats (CI smoke run, under a minute)
  --json FILE   also write all figures (raw times, medians, ratios) to FILE`;

function parseArgs(argv) {
  const options = { quick: false, jsonFile: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json' && argv[i + 1]) options.jsonFile = resolve(argv[++i]);
    else if (arg.startsWith('--json=')) options.jsonFile = resolve(arg.slice('--json='.length));
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`Unknown or incomplete argument: ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

function toolVersion(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : 'unavailable';
}

function environment(quick) {
  return {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    node: process.version,
    npm: toolVersion(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['--version']),
    openssl: toolVersion('openssl', ['version']).split(' (')[0],
    platform: `${process.platform}-${process.arch}`,
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  };
}

/** Creates the scratch directory and makes sure it is removed however the run ends. */
function makeWorkDir() {
  const workDir = mkdtempSync(join(tmpdir(), 'aam-bench-'));
  const cleanUp = () => rmSync(workDir, { recursive: true, force: true });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      cleanUp();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
  return { workDir, cleanUp };
}

async function main() {
  const { quick, jsonFile } = parseArgs(process.argv.slice(2));
  assertBuilt();
  const env = environment(quick);
  console.log(`aam benchmarks (${env.mode}) — node ${env.node}, npm ${env.npm}, ${env.openssl}, ${env.cpu}`);

  const started = process.hrtime.bigint();
  const { workDir, cleanUp } = makeWorkDir();
  const results = {};
  try {
    results.checksum = await benchChecksum({ workDir, quick });
    results.packPublishInstall = await benchPackPublishInstall({ workDir, quick });
    results.coldStart = benchColdStart({ workDir, quick });
  } finally {
    cleanUp();
  }
  const totalSeconds = elapsedMs(started) / 1000;

  printSection(`Summary (${env.mode}, ${totalSeconds.toFixed(1)} s; ratio = aam / peer)`);
  const summary = Object.values(results).flatMap((r) => r.summary);
  printSummary(summary);

  if (jsonFile) {
    const figures = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r.json]));
    writeFileSync(
      jsonFile,
      JSON.stringify({ environment: env, totalSeconds, results: figures, summary }, null, 2) + '\n',
    );
    console.log(`\nWrote ${jsonFile}`);
  }
}

main().catch((err) => {
  console.error(`\nBenchmark failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
