#!/usr/bin/env node
// Runs every benchmark (or those named with --only) and prints a summary table.
//   node bench/run.mjs [--quick] [--json FILE] [--only NAME[,NAME...]]
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
import { benchPolicy } from './policy.mjs';
import { benchGpg } from './gpg.mjs';
import { benchSigstore } from './sigstore.mjs';
import { benchRegistry } from './registry.mjs';
import { benchAuditLog } from './audit-log.mjs';
import { benchAttestation } from './attestation.mjs';
import { benchInstallChecks } from './install-checks.mjs';
import { benchScanning } from './scanning.mjs';
import { benchVerifyMany } from './verify-many.mjs';

/** The benchmarks in running order: --only name, key in the results and the --json output, function. */
const BENCHMARKS = [
  { name: 'checksum', key: 'checksum', run: benchChecksum },
  { name: 'pack-publish-install', key: 'packPublishInstall', run: benchPackPublishInstall },
  { name: 'cold-start', key: 'coldStart', run: benchColdStart },
  { name: 'policy', key: 'policy', run: benchPolicy },
  { name: 'gpg', key: 'gpg', run: benchGpg },
  { name: 'sigstore', key: 'sigstore', run: benchSigstore },
  { name: 'registry', key: 'registry', run: benchRegistry },
  { name: 'audit-log', key: 'auditLog', run: benchAuditLog },
  { name: 'attestation', key: 'attestation', run: benchAttestation },
  { name: 'install-checks', key: 'installChecks', run: benchInstallChecks },
  { name: 'scanning', key: 'scanning', run: benchScanning },
  { name: 'verify-many', key: 'verifyMany', run: benchVerifyMany },
];
const NAMES = BENCHMARKS.map((b) => b.name);

const USAGE = `Usage: node bench/run.mjs [--quick] [--json FILE] [--only NAME[,NAME...]]
  --quick       small sizes and few repeats (CI smoke run, under a minute)
  --json FILE   also write all figures (raw times, medians, ratios) to FILE
  --only NAMES  run only these benchmarks (repeatable): ${NAMES.join(', ')}`;

function parseArgs(argv) {
  const options = { quick: false, jsonFile: undefined, only: [] };
  const only = (list) => {
    for (const name of list.split(',').filter(Boolean)) {
      if (!NAMES.includes(name)) {
        console.error(`Unknown benchmark: ${name} (one of ${NAMES.join(', ')})\n${USAGE}`);
        process.exit(2);
      }
      options.only.push(name);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json' && argv[i + 1]) options.jsonFile = resolve(argv[++i]);
    else if (arg.startsWith('--json=')) options.jsonFile = resolve(arg.slice('--json='.length));
    else if (arg === '--only' && argv[i + 1]) only(argv[++i]);
    else if (arg.startsWith('--only=')) only(arg.slice('--only='.length));
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
  const { quick, jsonFile, only } = parseArgs(process.argv.slice(2));
  const selected = only.length ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
  assertBuilt();
  const env = environment(quick);
  if (only.length) env.only = selected.map((b) => b.name);
  console.log(
    `aam benchmarks (${env.mode}${only.length ? `, only ${env.only.join(', ')}` : ''}) — node ${env.node}, npm ${env.npm}, ${env.openssl}, ${env.cpu}`,
  );

  const started = process.hrtime.bigint();
  const { workDir, cleanUp } = makeWorkDir();
  const results = {};
  try {
    for (const b of selected) {
      const t0 = process.hrtime.bigint();
      results[b.key] = await b.run({ workDir, quick });
      console.log(`  (${b.name}: ${(elapsedMs(t0) / 1000).toFixed(1)} s)`);
    }
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
