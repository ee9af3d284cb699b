// Benchmark 5: GPG signature verification. N GPG-signed packages installed in one project, then
//   (a) one `aam verify` CLI process over all of them (checksums, every stored signature through the GPG
//       plugin, i.e. OpenPGP.js in-process, and the trust policy), wall clock / N;
//   (b) an in-process `verifyInstalledFlow` whose GpgVerifier is wrapped to time each verify() call,
//       alternated in blocks of 50 with `gpg --verify SIG FILE` of the same archives and signatures;
//   (c) cold `aam verify FILE --signature SIG --key PUB` of one file, alternated with `gpg --verify`.
// Setup (untimed): a throw-away GNUPGHOME with one Ed25519 key (its gpg-agent killed at the end);
// packages made with initPackageFlow, signed and published with publishFlow (GpgSigner through the
// real `gpg`), installed by installFlow; every decision is install (the key is in trusted_keys).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { elapsedMs, median, percentile, run, runTimed } from './lib/measure.mjs';
import { loadCore, loadGpgPlugin } from './lib/core.mjs';
import { aam, aamEnv } from './lib/tools.mjs';
import { formatMs, formatRatio, fixed, printLines, printSection } from './lib/report.mjs';

export const gpgSizes = {
  quick: { packages: 50, coldRuns: 3 },
  full: { packages: 1_000, coldRuns: 10 },
};

/**
 * Packages per local registry. A local registry rebuilds index.yaml from every metadata.yaml on each
 * publish, so one registry of 1,000 would make the (untimed) setup quadratic; `aam verify` opens only
 * the registry each package came from, whatever the number of registries.
 */
const PACKAGES_PER_REGISTRY = 100;
/** verify() calls between two blocks of `gpg --verify` calls (see verifyAlternated). */
const BLOCK = 50;

/** aam must verify a signature at least this many times faster than one `gpg --verify` call. */
const TARGET_SPEEDUP = 8;
const VERSION = '1.0.0';
const REGISTRY = 'gpg-bench';
const USER_ID = 'Bench <bench@example.org>';

// ---- GnuPG ----------------------------------------------------------------------------------------

/** A throw-away GNUPGHOME (mode 700): its directory and the environment for `gpg` children. */
export function makeGnupgHome(workDir) {
  const home = mkdtempSync(join(workDir, 'gnupg-'));
  chmodSync(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home, LC_ALL: 'C', LANGUAGE: 'C' };
  delete env.GPG_AGENT_INFO;
  return { home, env };
}

/** One Ed25519 signing key (no passphrase, no expiry) in that GNUPGHOME; returns its fingerprint. */
export function generateKey({ home, env }) {
  run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', USER_ID, 'ed25519', 'sign', 'never'], {
    env,
  });
  const colons = run('gpg', ['--batch', '--with-colons', '--list-secret-keys', USER_ID], { env });
  const fingerprints = colons
    .split('\n')
    .filter((l) => l.startsWith('fpr:'))
    .map((l) => l.split(':')[9]);
  if (fingerprints.length !== 1 || !/^[0-9A-F]{40}$/.test(fingerprints[0])) {
    throw new Error(`Expected one new GPG key in ${home}, got:\n${colons}`);
  }
  return fingerprints[0];
}

/** Stops the gpg-agent that key generation and signing started for this GNUPGHOME. */
export function killAgent(env) {
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
}

/**
 * `gpg --verify SIG FILE` (wall clock, process start included). Exit 0 is required (runTimed), and the
 * status output must name a good signature by the bench key.
 */
function gpgVerifyTimed(gnupg, sig, file) {
  const { ms, stdout } = runTimed('gpg', ['--batch', '--status-fd', '1', '--verify', sig, file], {
    env: gnupg.env,
  });
  const valid = stdout.split('\n').find((l) => l.startsWith('[GNUPG:] VALIDSIG '));
  if (!stdout.includes('[GNUPG:] GOODSIG ') || valid?.split(' ')[2] !== gnupg.fingerprint) {
    throw new Error(`gpg --verify ${sig} ${file}: no good signature by ${gnupg.fingerprint}:\n${stdout}`);
  }
  return ms;
}

// ---- setup: signed, published, installed packages ---------------------------------------------------

function writeConfig(aamHome, fingerprint, registries) {
  mkdirSync(aamHome, { recursive: true });
  writeFileSync(
    join(aamHome, 'config.yaml'),
    [
      'security:',
      '  trusted_keys:',
      `    - ${JSON.stringify(fingerprint)}`,
      'registries:',
      ...registries.flatMap((r) => [
        `  - name: ${r.name}`,
        `    url: ${JSON.stringify(r.url)}`,
        ...(r.default ? ['    default: true'] : []),
      ]),
      '',
    ].join('\n'),
  );
}

export async function setUp({ workDir, core, plugin, gnupg, env, count }) {
  const registries = [];
  for (let r = 1; r <= Math.ceil(count / PACKAGES_PER_REGISTRY); r++) {
    const root = join(workDir, 'gpg-registries', `${REGISTRY}-${r}`);
    await core.initLocalRegistry(root, `${REGISTRY}-${r}`);
    registries.push({ name: `${REGISTRY}-${r}`, url: core.localRegistryUrl(root), root, default: r === 1 });
  }
  writeConfig(env.AAM_HOME, gnupg.fingerprint, registries);
  const security = { ...core.DEFAULT_CONFIG.security, trusted_keys: [gnupg.fingerprint] };
  const config = {
    ...core.DEFAULT_CONFIG,
    security,
    registries: registries.map(({ name, url, default: isDefault }) => ({ name, url, default: isDefault })),
  };
  const signing = {
    signer: new plugin.GpgSigner(),
    options: { env: gnupg.env, gpgKey: gnupg.fingerprint },
    verifiers: [new plugin.GpgVerifier()],
  };
  // Registries are filled 4 at a time (each by one worker: a local registry's index is rewritten on every
  // publish, so one registry never takes two publishes at once); packages keep their order.
  const packages = new Array(count);
  let nextRegistry = 0;
  const fillOne = async (r) => {
    for (let i = r * PACKAGES_PER_REGISTRY + 1; i <= Math.min(count, (r + 1) * PACKAGES_PER_REGISTRY); i++) {
      const name = `gpg-pkg-${i}`;
      const dir = join(workDir, 'gpg-packages', name);
      await core.initPackageFlow({ dir, name, version: VERSION });
      writeFileSync(join(dir, 'README.md'), `# ${name}\n\nA GPG-signed benchmark package.\n`);
      const registry = registries[r];
      const published = await core.publishFlow({ path: dir, config, registry: registry.name, signing });
      if (published.signature?.fingerprint !== gnupg.fingerprint) {
        throw new Error(
          `publishFlow ${name}: signed by ${published.signature?.fingerprint}, not the bench key`,
        );
      }
      packages[i - 1] = {
        name,
        checksum: published.checksum,
        registry: registry.name,
        registryRoot: registry.root,
      };
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(4, registries.length) }, async () => {
      while (nextRegistry < registries.length) await fillOne(nextRegistry++);
    }),
  );

  const source = await core.resolvePolicy({ config, layers: [], env });
  const engine = await core.PolicyEngine.load(source, security);
  const projectDir = join(workDir, 'gpg-project');
  mkdirSync(projectDir, { recursive: true });
  const installed = await core.installFlow({
    specs: packages.map((p) => p.name),
    projectDir,
    config,
    env,
    trust: {
      engine,
      verifiers: [new plugin.GpgVerifier()],
      request: { verify: false, require_signature: false, no_verify: false },
    },
  });
  if (
    installed.packages.length !== count ||
    installed.packages.some((p) => p.action !== 'installed' || p.decision.outcome !== 'install') ||
    installed.packages.some((p) => p.source !== packages.find((q) => q.name === p.name)?.registry)
  ) {
    throw new Error(`installFlow installed ${installed.packages.length} of ${count} signed packages`);
  }

  // The peer's inputs: the very archive files `aam verify` reads (the archive cache), and each
  // envelope's armored detached signature as a .asc file; the public key for `aam verify FILE --key`.
  const peerDir = join(workDir, 'gpg-peer');
  mkdirSync(peerDir, { recursive: true });
  const cacheDir = core.archiveCacheDir(env);
  for (const p of packages) {
    const envelopeFile = join(p.registryRoot, 'packages', p.name, 'versions', `${VERSION}.aam.gpg.json`);
    const envelope = JSON.parse(readFileSync(envelopeFile, 'utf8'));
    if (envelope.type !== 'gpg' || !envelope.signature?.includes('-----BEGIN PGP SIGNATURE-----')) {
      throw new Error(`${envelopeFile} holds no armored GPG signature`);
    }
    p.archive = join(cacheDir, `${p.checksum.slice('sha256:'.length)}.aam`);
    p.sig = join(peerDir, `${p.name}.aam.asc`);
    writeFileSync(p.sig, envelope.signature);
  }
  const publicKey = join(peerDir, 'bench-key.asc');
  writeFileSync(
    publicKey,
    run('gpg', ['--batch', '--armor', '--export', gnupg.fingerprint], { env: gnupg.env }),
  );
  return { config, engine, projectDir, packages, publicKey, registries: registries.length };
}

// ---- (a) one `aam verify` process over the project -------------------------------------------------

/** Every package ok: files, one valid GPG signature by the bench key, trusted (outcome install). */
function checkVerified(results, packages, fingerprint, who) {
  const bad = results.filter((r) => {
    const sigs = r.facts?.signatures ?? [];
    return (
      !r.ok ||
      r.decision?.outcome !== 'install' ||
      sigs.length !== 1 ||
      sigs[0].type !== 'gpg' ||
      !sigs[0].valid ||
      sigs[0].fingerprint !== fingerprint
    );
  });
  if (results.length !== packages.length || bad.length > 0) {
    const show = (r) =>
      `${r.name} (${r.policyError ?? r.decision?.outcome ?? 'files'}: ${JSON.stringify(r.facts?.signatures ?? [])})`;
    throw new Error(
      `${who}: ${results.length} results for ${packages.length} packages; not ok: ` +
        bad.slice(0, 5).map(show).join(', ') +
        (bad.length > 5 ? ` and ${bad.length - 5} more` : ''),
    );
  }
}

function aamVerifyRunTimed({ projectDir, env, packages, fingerprint }) {
  const { ms, stdout } = aam(['verify', '--json'], { env, cwd: projectDir });
  const out = JSON.parse(stdout);
  if (out.ok !== true) throw new Error(`aam verify --json: ok is ${out.ok}`);
  checkVerified(out.packages, packages, fingerprint, 'aam verify');
  return ms;
}

// ---- (b) verify() per signature in a verify run, alternated with gpg --verify ----------------------

/** The GPG verifier with each verify() timed; after each, `afterEach(artifact)` (untimed). */
function timedVerifier(inner, calls, afterEach) {
  return {
    type: inner.type,
    canVerify: (doc) => inner.canVerify(doc),
    async verify(artifact, doc, ctx) {
      const start = process.hrtime.bigint();
      const fact = await inner.verify(artifact, doc, ctx);
      calls.push({ ms: elapsedMs(start), name: artifact.name, fact });
      afterEach(artifact);
      return fact;
    },
  };
}

/**
 * One in-process verifyInstalledFlow (what `aam verify` runs) with each verify() timed; after every
 * BLOCK verify() calls, `gpg --verify` of those same BLOCK archives, each call timed. Blocks rather than
 * one gpg call after each verify(): a child process started from this process makes its next few
 * milliseconds slower (measured: a verify() right after a spawn takes ~0.7 ms longer), which would be
 * charged to aam. The flow's time minus the gpg blocks is the in-process verify run.
 */
async function verifyAlternated({ core, plugin, gnupg, env, setup }) {
  const byName = new Map(setup.packages.map((p) => [p.name, p]));
  const calls = [];
  const gpgMs = [];
  let pending = [];
  let gpgBlocksMs = 0;
  const gpgBlock = () => {
    const start = process.hrtime.bigint();
    for (const p of pending) gpgMs.push(gpgVerifyTimed(gnupg, p.sig, p.archive));
    pending = [];
    gpgBlocksMs += elapsedMs(start);
  };
  const verifier = timedVerifier(new plugin.GpgVerifier(), calls, (artifact) => {
    const p = byName.get(artifact.name);
    if (!p || artifact.checksum !== p.checksum) throw new Error(`Unexpected artifact ${artifact.name}`);
    pending.push(p);
    if (pending.length === BLOCK) gpgBlock();
  });
  const start = process.hrtime.bigint();
  const { packages: results } = await core.verifyInstalledFlow({
    projectDir: setup.projectDir,
    env,
    trust: {
      engine: setup.engine,
      verifiers: [verifier],
      request: { verify: true, require_signature: false, no_verify: false },
    },
    registries: setup.config.registries,
    maxArchiveSize: setup.config.limits.max_archive_size,
  });
  const flowMs = elapsedMs(start) - gpgBlocksMs;
  if (pending.length) gpgBlock();
  checkVerified(results, setup.packages, gnupg.fingerprint, 'verifyInstalledFlow');
  const invalid = calls.filter((c) => !c.fact.valid || c.fact.fingerprint !== gnupg.fingerprint);
  if (calls.length !== setup.packages.length || gpgMs.length !== calls.length || invalid.length) {
    throw new Error(
      `verifyInstalledFlow: ${calls.length} verify() calls, ${gpgMs.length} gpg --verify calls for ` +
        `${setup.packages.length} packages; ${invalid.length} not valid by the bench key`,
    );
  }
  return { verifyMs: calls.map((c) => c.ms), gpgMs, flowMs };
}

// ---- (c) cold `aam verify FILE --signature SIG --key PUB` -------------------------------------------

function aamVerifyFileTimed({ file, sig, publicKey, env, cwd, fingerprint }) {
  const { ms, stdout } = aam(['verify', file, '--signature', sig, '--key', publicKey, '--json'], {
    env,
    cwd,
  });
  const out = JSON.parse(stdout);
  const s = out.facts?.signatures ?? [];
  if (
    out.ok !== true ||
    out.decision?.outcome !== 'install' ||
    s.length !== 1 ||
    !s[0].valid ||
    s[0].fingerprint !== fingerprint
  ) {
    throw new Error(`aam verify ${file} --signature ${sig}: not a trusted valid signature:\n${stdout}`);
  }
  return ms;
}

function benchColdFile({ gnupg, env, setup, runs, cwd }) {
  const [p] = setup.packages;
  const args = {
    file: p.archive,
    sig: p.sig,
    publicKey: setup.publicKey,
    env,
    cwd,
    fingerprint: gnupg.fingerprint,
  };
  aamVerifyFileTimed(args); // one untimed run of each: both start with warm file caches
  gpgVerifyTimed(gnupg, p.sig, p.archive);
  const times = { aamVerifyFile: [], gpgVerify: [] };
  for (let i = 0; i < runs; i++) {
    times.aamVerifyFile.push(aamVerifyFileTimed(args));
    times.gpgVerify.push(gpgVerifyTimed(gnupg, p.sig, p.archive));
  }
  return times;
}

// ---- the benchmark ------------------------------------------------------------------------------

/** "6.8x faster" or, below 1, "1.1x slower": speedUp is peer time / aam time. */
function faster(speedUp) {
  return speedUp >= 1 ? `${fixed(speedUp, 1)}x faster` : `${fixed(1 / speedUp, 1)}x slower`;
}

export async function benchGpg({ workDir, quick }) {
  const sizes = quick ? gpgSizes.quick : gpgSizes.full;
  const n = sizes.packages;
  const c = sizes.coldRuns;
  printSection(
    `GPG signatures: aam verify of ${n} signed packages vs ${n} x gpg --verify; ` +
      `${c} cold aam verify FILE --signature`,
  );
  const [core, plugin] = await Promise.all([loadCore(), loadGpgPlugin()]);
  const gpgVersion = run('gpg', ['--version']).split('\n')[0];
  const gnupg = makeGnupgHome(workDir);
  try {
    gnupg.fingerprint = generateKey(gnupg);
    const env = aamEnv(join(workDir, 'gpg-home'));
    delete env.AAM_CACHE_DIR;
    const setupStart = process.hrtime.bigint();
    const setup = await setUp({ workDir, core, plugin, gnupg, env, count: n });
    const setupMs = elapsedMs(setupStart);

    // Alternated: the whole `aam verify` process; the in-process verify run with blocks of gpg --verify
    // of the same files; the cold single-file verifies, each followed by one gpg --verify.
    const aamVerifyMs = aamVerifyRunTimed({
      projectDir: setup.projectDir,
      env,
      packages: setup.packages,
      fingerprint: gnupg.fingerprint,
    });
    const alternated = await verifyAlternated({ core, plugin, gnupg, env, setup });
    const cold = benchColdFile({ gnupg, env, setup, runs: c, cwd: join(workDir, 'gpg-peer') });

    const figures = {
      aamVerifyMs,
      aamVerifyPerPackageMs: aamVerifyMs / n,
      inProcessVerifyMs: alternated.flowMs,
      inProcessPerPackageMs: alternated.flowMs / n,
      verifyMedianMs: median(alternated.verifyMs),
      verifyP99Ms: percentile(alternated.verifyMs, 99),
      gpgVerifyMedianMs: median(alternated.gpgMs),
      gpgVerifyP99Ms: percentile(alternated.gpgMs, 99),
      coldAamVerifyFileMedianMs: median(cold.aamVerifyFile),
      coldGpgVerifyMedianMs: median(cold.gpgVerify),
    };
    // ratio = aam / peer, as everywhere in the summary; speedUp = peer / aam, the target's terms.
    const ratios = {
      perSignature: figures.verifyMedianMs / figures.gpgVerifyMedianMs,
      perPackage: figures.aamVerifyPerPackageMs / figures.gpgVerifyMedianMs,
      coldFile: figures.coldAamVerifyFileMedianMs / figures.coldGpgVerifyMedianMs,
    };
    const speedUp = {
      perSignature: 1 / ratios.perSignature,
      perPackage: 1 / ratios.perPackage,
      coldFile: 1 / ratios.coldFile,
    };
    const met = speedUp.perSignature >= TARGET_SPEEDUP;

    printLines([
      ['gpg', `${gpgVersion}, key ${gnupg.fingerprint} (ed25519)`],
      [
        `setup (untimed): ${n} packages signed with gpg, published, installed`,
        `${formatMs(setupMs)}  (${setup.registries} local registr${setup.registries === 1 ? 'y' : 'ies'})`,
      ],
      [
        `aam verify, one process, ${n} packages`,
        `${formatMs(aamVerifyMs)} total, ${formatMs(figures.aamVerifyPerPackageMs)} per package  (all ${n} ok, install)`,
      ],
      [
        `verifyInstalledFlow in-process, ${n} packages`,
        `${formatMs(figures.inProcessVerifyMs)} total, ${formatMs(figures.inProcessPerPackageMs)} per package`,
      ],
      [
        `verify() per signature in that run (n=${n})`,
        `median ${formatMs(figures.verifyMedianMs)}, p99 ${formatMs(figures.verifyP99Ms)}`,
      ],
      [
        `gpg --verify per signature, alternated (n=${n}, all exit 0)`,
        `median ${formatMs(figures.gpgVerifyMedianMs)}, p99 ${formatMs(figures.gpgVerifyP99Ms)}`,
      ],
      [
        'ratio aam verify() / gpg --verify',
        `${formatRatio(ratios.perSignature)}  (aam ${faster(speedUp.perSignature)}; ` +
          `target >= ${TARGET_SPEEDUP}x faster: ${met ? 'ok' : 'MISSED'})`,
      ],
      [
        'ratio aam verify per package / gpg --verify',
        `${formatRatio(ratios.perPackage)}  (aam ${faster(speedUp.perPackage)})`,
      ],
      [
        `cold aam verify FILE --signature SIG --key PUB (median of ${c})`,
        formatMs(figures.coldAamVerifyFileMedianMs),
      ],
      [`gpg --verify SIG FILE, alternated (median of ${c})`, formatMs(figures.coldGpgVerifyMedianMs)],
      [
        'ratio cold aam verify FILE / gpg --verify',
        `${formatRatio(ratios.coldFile)}  (aam ${faster(speedUp.coldFile)})`,
      ],
    ]);

    const bench = 'gpg';
    return {
      json: {
        sizes,
        gpg: { version: gpgVersion, fingerprint: gnupg.fingerprint },
        registries: setup.registries,
        setupMs,
        timesMs: {
          aamVerify: aamVerifyMs,
          inProcessVerify: alternated.flowMs,
          verifyPerSignature: alternated.verifyMs,
          gpgVerifyPerSignature: alternated.gpgMs,
          coldAamVerifyFile: cold.aamVerifyFile,
          coldGpgVerify: cold.gpgVerify,
        },
        figuresMs: figures,
        ratios,
        speedUp,
        targetSpeedUp: TARGET_SPEEDUP,
        met,
      },
      summary: [
        {
          benchmark: bench,
          measure: `verify() per signature, median (n=${n})`,
          aam: `${formatMs(figures.verifyMedianMs)} (${faster(speedUp.perSignature)})`,
          peer: `gpg --verify ${formatMs(figures.gpgVerifyMedianMs)}`,
          ratio: ratios.perSignature,
          target: `<= ${fixed(1 / TARGET_SPEEDUP, 3)} (${TARGET_SPEEDUP}x faster)`,
          met,
        },
        {
          benchmark: bench,
          measure: `aam verify run, per package (n=${n})`,
          aam: `${formatMs(figures.aamVerifyPerPackageMs)} (${faster(speedUp.perPackage)})`,
          peer: `gpg --verify ${formatMs(figures.gpgVerifyMedianMs)}`,
          ratio: ratios.perPackage,
        },
        {
          benchmark: bench,
          measure: `cold aam verify FILE --signature (n=${c})`,
          aam: formatMs(figures.coldAamVerifyFileMedianMs),
          peer: `gpg --verify ${formatMs(figures.coldGpgVerifyMedianMs)}`,
          ratio: ratios.coldFile,
        },
      ],
    };
  } finally {
    killAgent(gnupg.env);
  }
}
