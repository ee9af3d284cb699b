// Runs every test: the Rego unit tests (`opa test policies/`) and the vitest suites (unit, WASM policy,
// property, end-to-end). Ends with the plain summary line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
const args = process.argv.slice(2);

if (!args.length) {
  const opa = spawnSync('bash', ['scripts/install-opa.sh'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const bin = opa.stdout.trim().split('\n').pop();
  const run = spawnSync(bin, ['test', 'policies/', '--format=json'], { encoding: 'utf8' });
  let results = [];
  try {
    results = JSON.parse(run.stdout);
  } catch {
    console.error(run.stdout, run.stderr);
  }
  const bad = results.filter((r) => r.fail || r.error);
  for (const r of bad)
    console.error(`FAIL (opa test): ${r.package}.${r.name} ${r.error ? JSON.stringify(r.error) : ''}`);
  console.log(`opa test policies/: ${results.length - bad.length} passed, ${bad.length} failed`);
  passed += results.length - bad.length;
  failed += bad.length + (results.length === 0 || (run.status !== 0 && bad.length === 0) ? 1 : 0);
}

const report = join(mkdtempSync(join(tmpdir(), 'aam-test-')), 'vitest.json');
const vitestArgs = [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...args,
];
const vitest = spawnSync('pnpm', vitestArgs, { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  if (r.numTotalTests === 0) failed += 1; // a run that ran nothing is a failure
} catch {
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(vitest.status !== 0 || failed > 0 ? 1 : 0);
