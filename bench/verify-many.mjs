// Benchmark 12: `aam verify` where a project is large, each a fresh CLI process, wall clock and peak RSS:
//   (a) N installed GPG-signed packages (every file's checksum, every stored signature through the GPG
//       plugin, the trust policy, the lock): target N = 10,000 in <= 10 s, with resident memory flat, under
//       300 MB at any size (the run is repeated at a smaller N to show it);
//   (b) one installed package of F files (target F = 100,000): `aam verify NAME` against `sha256sum -c` of
//       a list of the same files' checksums (what the lock holds), as throughput; target >= 0.8x sha256sum.
// Setup (untimed): (a) as the GPG benchmark sets up (real gpg signatures, local registries of 100 packages,
// installFlow); (b) a package of F small files packed, published to a local registry and installed, with
// limits.max_entries raised to hold it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { elapsedMs, median } from './lib/measure.mjs';
import { loadCore, loadGpgPlugin, CLI_BIN } from './lib/core.mjs';
import { aamEnv } from './lib/tools.mjs';
import { formatMs, formatRatio, fixed, printLines, printSection } from './lib/report.mjs';
import { generateKey, killAgent, makeGnupgHome, setUp } from './gpg.mjs';

export const verifyManySizes = {
  quick: { packages: 300, small: 30, files: 10_000, runs: 1 },
  full: { packages: 10_000, small: 300, files: 100_000, runs: 3 },
};

const TARGET_PACKAGES = 10_000;
const TARGET_SECONDS = 10;
const TARGET_RSS_MB = 300;
const TARGET_THROUGHPUT = 0.8;

/** A command's wall clock and peak resident set (GNU time's %M), exit 0 required. */
function timedWithRss(command, args, { env, cwd }) {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', command, ...args], {
    env,
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const ms = elapsedMs(start);
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
  const kb = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1]);
  return { ms, rssMb: kb / 1024, stdout: r.stdout };
}

function aamVerify(projectDir, env, args = []) {
  const r = timedWithRss(process.execPath, [CLI_BIN, 'verify', ...args], { env, cwd: projectDir });
  // Text output: one ✓ line per package and the tally; --json would hold every fact in memory to print it.
  if (!/verified/.test(r.stdout) || /✗/.test(r.stdout))
    throw new Error(`aam verify: not every package verified:\n${r.stdout.slice(-2000)}`);
  return r;
}

// ---- (a) many signed packages ---------------------------------------------------------------------

async function manyPackages({ workDir, core, plugin, gnupg, count, runs }) {
  const dir = join(workDir, `verify-many-${count}`);
  mkdirSync(dir, { recursive: true });
  const env = aamEnv(join(dir, 'home'));
  delete env.AAM_CACHE_DIR;
  const t0 = process.hrtime.bigint();
  const setup = await setUp({ workDir: dir, core, plugin, gnupg, env, count });
  const setupMs = elapsedMs(t0);
  const out = { count, setupMs, ms: [], rssMb: [] };
  // One untimed run: the page cache holds the files, and the lock's parsed copy is made (as after any first
  // read of a new lock).
  aamVerify(setup.projectDir, env);
  for (let i = 0; i < runs; i++) {
    const r = aamVerify(setup.projectDir, env);
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.includes('files ok') || /: \d+ files? ok/.test(l)).length;
    if (lines < count) throw new Error(`aam verify printed ${lines} ok lines for ${count} packages`);
    out.ms.push(r.ms);
    out.rssMb.push(r.rssMb);
  }
  return out;
}

// ---- (b) one package of many files ----------------------------------------------------------------

export async function manyFiles({ workDir, core, files }) {
  const dir = join(workDir, 'verify-many-files');
  const pkg = join(dir, 'package');
  const env = aamEnv(join(dir, 'home'));
  delete env.AAM_CACHE_DIR;
  await core.initPackageFlow({ dir: pkg, name: 'many-files', version: '1.0.0' });
  // Files of 200 to 4,000 bytes (a skill's prompts and notes), 1,000 to a directory.
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const sub = join(pkg, 'docs', `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    const body = `# note ${i}\n${'lorem ipsum dolor sit amet '.repeat(7 + ((i * 37) % 140))}\n`;
    bytes += body.length;
    writeFileSync(join(sub, `n${i}.md`), body);
  }
  const registryRoot = join(dir, 'registry');
  await core.initLocalRegistry(registryRoot, 'files');
  const limits = { ...core.DEFAULT_CONFIG.limits, max_entries: files + 100, max_unpacked_size: 1 << 30 };
  const config = {
    ...core.DEFAULT_CONFIG,
    limits,
    registries: [{ name: 'files', url: core.localRegistryUrl(registryRoot), default: true }],
  };
  mkdirSync(env.AAM_HOME, { recursive: true });
  writeFileSync(
    join(env.AAM_HOME, 'config.yaml'),
    `limits:\n  max_entries: ${limits.max_entries}\n  max_unpacked_size: ${limits.max_unpacked_size}\n` +
      `registries:\n  - name: files\n    url: ${JSON.stringify(config.registries[0].url)}\n    default: true\n`,
  );
  await core.publishFlow({ path: pkg, config });
  const projectDir = join(dir, 'project');
  mkdirSync(projectDir, { recursive: true });
  const source = await core.resolvePolicy({ config, layers: [], env });
  const engine = await core.PolicyEngine.load(source, config.security);
  await core.installFlow({
    specs: ['many-files'],
    projectDir,
    config,
    env,
    trust: { engine, verifiers: [], request: { verify: false, require_signature: false, no_verify: false } },
  });
  // The peer's input: the lock's per-file checksums as a sha256sum list, paths relative to the package.
  const lock = core.readLock(join(projectDir, '.aam'));
  const entry = lock.packages['many-files'];
  const installed = join(projectDir, '.aam', 'packages', 'many-files');
  const list = join(dir, 'SHA256SUMS');
  writeFileSync(
    list,
    Object.entries(entry.file_checksums)
      .map(([p, hex]) => `${hex}  ${p}\n`)
      .join(''),
  );
  return { projectDir, env, installed, list, files: Object.keys(entry.file_checksums).length, bytes };
}

function sha256sumCheck({ installed, list }) {
  const r = timedWithRss('sha256sum', ['--quiet', '-c', list], { env: process.env, cwd: installed });
  return r.ms;
}

// ---- the benchmark --------------------------------------------------------------------------------

export async function benchVerifyMany({ workDir, quick }) {
  const sizes = quick ? verifyManySizes.quick : verifyManySizes.full;
  const small = sizes.small;
  printSection(
    `Verify at size: aam verify of ${sizes.packages} (and ${small}) GPG-signed installed packages; ` +
      `one package of ${sizes.files} files vs sha256sum -c`,
  );
  const [core, plugin] = await Promise.all([loadCore(), loadGpgPlugin()]);
  const gnupg = makeGnupgHome(workDir);
  let large;
  let smaller;
  try {
    gnupg.fingerprint = generateKey(gnupg);
    smaller = await manyPackages({ workDir, core, plugin, gnupg, count: small, runs: sizes.runs });
    large = await manyPackages({ workDir, core, plugin, gnupg, count: sizes.packages, runs: sizes.runs });
  } finally {
    killAgent(gnupg.env);
  }
  const filesSetup = await manyFiles({ workDir, core, files: sizes.files });
  const times = { aam: [], sha256sum: [] };
  aamVerify(filesSetup.projectDir, filesSetup.env, ['many-files']); // warm the page cache, both read the same files
  sha256sumCheck(filesSetup);
  for (let i = 0; i < Math.max(3, sizes.runs); i++) {
    times.aam.push(aamVerify(filesSetup.projectDir, filesSetup.env, ['many-files']).ms);
    times.sha256sum.push(sha256sumCheck(filesSetup));
  }

  const perPackage = median(large.ms) / large.count;
  const projected = (perPackage * TARGET_PACKAGES) / 1000;
  const rss = Math.max(...large.rssMb, ...smaller.rssMb);
  const throughput = median(times.sha256sum) / median(times.aam); // aam's throughput / sha256sum's
  const mbps = (ms) => (filesSetup.bytes / 1e6 / (ms / 1000)).toFixed(0);
  const ok = (b) => (b ? 'ok' : 'MISSED');
  printLines([
    [
      `setup (untimed): ${small} and ${large.count} packages signed, published, installed`,
      `${formatMs(smaller.setupMs + large.setupMs)}`,
    ],
    [
      `aam verify, ${smaller.count} packages`,
      `${formatMs(median(smaller.ms))}, peak RSS ${fixed(Math.max(...smaller.rssMb), 0)} MB`,
    ],
    [
      `aam verify, ${large.count} packages`,
      `${formatMs(median(large.ms))} (${formatMs(perPackage)} per package), peak RSS ${fixed(Math.max(...large.rssMb), 0)} MB`,
    ],
    [
      `  ${TARGET_PACKAGES} packages`,
      `${large.count === TARGET_PACKAGES ? 'measured' : 'projected'} ${fixed(projected, 1)} s ` +
        `(target <= ${TARGET_SECONDS} s: ${ok(projected <= TARGET_SECONDS)}); RSS ${fixed(rss, 0)} MB at most ` +
        `(target < ${TARGET_RSS_MB} MB: ${ok(rss < TARGET_RSS_MB)})`,
    ],
    [
      `aam verify many-files (${filesSetup.files} files, ${fixed(filesSetup.bytes / 1e6, 0)} MB)`,
      `${formatMs(median(times.aam))} (${mbps(median(times.aam))} MB/s)`,
    ],
    [
      'sha256sum --quiet -c (the same files)',
      `${formatMs(median(times.sha256sum))} (${mbps(median(times.sha256sum))} MB/s)`,
    ],
    [
      'throughput aam / sha256sum',
      `${formatRatio(throughput)} (target >= ${TARGET_THROUGHPUT}x: ${ok(throughput >= TARGET_THROUGHPUT)})`,
    ],
  ]);
  return {
    json: {
      sizes,
      smaller,
      large,
      projectedSeconds: projected,
      maxRssMb: rss,
      files: { ...times, count: filesSetup.files, bytes: filesSetup.bytes },
      throughput,
    },
    summary: [
      {
        benchmark: 'verify at size',
        measure: `aam verify, ${large.count} signed packages`,
        aam: `${formatMs(median(large.ms))} (${TARGET_PACKAGES}: ${fixed(projected, 1)} s)`,
        peer: '-',
        ratio: undefined,
        target: `${TARGET_PACKAGES} in <= ${TARGET_SECONDS} s`,
        met: projected <= TARGET_SECONDS,
      },
      {
        benchmark: 'verify at size',
        measure: `peak RSS (${smaller.count} / ${large.count} packages)`,
        aam: `${fixed(Math.max(...smaller.rssMb), 0)} / ${fixed(Math.max(...large.rssMb), 0)} MB`,
        peer: '-',
        ratio: undefined,
        target: `< ${TARGET_RSS_MB} MB`,
        met: rss < TARGET_RSS_MB,
      },
      {
        benchmark: 'verify at size',
        measure: `${filesSetup.files} files in one package (throughput)`,
        aam: `${formatMs(median(times.aam))}`,
        peer: `sha256sum -c ${formatMs(median(times.sha256sum))}`,
        ratio: 1 / throughput,
        target: `>= ${TARGET_THROUGHPUT}x sha256sum`,
        met: throughput >= TARGET_THROUGHPUT,
      },
    ],
  };
}
