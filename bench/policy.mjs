// Benchmark 4: the trust policy (OPA Rego compiled to WASM, evaluated in-process by the opa-wasm SDK).
//   (a) warm decision latency: one prebuilt engine, many `decide(facts)` calls, each timed;
//   (b) policy load: a cold `opa build` (cache miss), a load from the policy cache and a load of the
//       prebuilt WASM, each in a fresh `node -e` child that times only resolvePolicy + PolicyEngine.load;
//   (c) the decision inside a real `verifyInstalledFlow` run over many installed packages, against
//       `opa eval` of the same facts spawned once per package (the policy evaluated the way a script
//       without the SDK would), whose outcome must agree with aam's.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { elapsedMs, median, percentile, runTimed } from './lib/measure.mjs';
import { CORE_URL, loadCore } from './lib/core.mjs';
import { aamEnv, opaEvalTimed } from './lib/tools.mjs';
import { formatMs, formatRatio, formatUs, fixed, printLines, printSection } from './lib/report.mjs';

export const policySizes = {
  quick: { decisions: 2_000, warmUp: 500, coldBuilds: 1, loads: 3, packages: 50, peerPackages: 10 },
  full: { decisions: 10_000, warmUp: 2_000, coldBuilds: 3, loads: 10, packages: 500, peerPackages: 50 },
};

const TARGET_MEDIAN_US = 20;
const VERSION = '1.0.0';
const SHA_A = `sha256:${'a1'.repeat(32)}`;
const SHA_B = `sha256:${'b2'.repeat(32)}`;
const GPG_TRUSTED = '7D3A 9F1C 42E8 B6A0 5C19  D4E7 2B8F 0A63 91CE 5D27';
const GPG_OTHER = '0123456789ABCDEF0123456789ABCDEF01234567';

/** A config.yaml security section an organisation might have: a few trusted identities and keys. */
function realisticSecurity(DEFAULT_CONFIG, extraIdentity) {
  return {
    ...DEFAULT_CONFIG.security,
    on_signature_failure: 'warn',
    trusted_identities: [
      '*@example.org',
      'release-bot@corp.example',
      {
        identity: 'https://github.com/corp/skills/.github/workflows/release.yml@refs/heads/main',
        issuer: 'https://token.actions.githubusercontent.com',
      },
      'github:corp',
      ...(extraIdentity ? [extraIdentity] : []),
    ],
    trusted_keys: [GPG_TRUSTED, `sha256:${'c3'.repeat(32)}`],
  };
}

const sigstore = (identity, issuer = 'https://accounts.google.com', valid = true) => ({
  type: 'sigstore',
  valid,
  errors: valid ? [] : ['signature does not verify'],
  identity,
  issuer,
  tlog: { log_index: 123456789, integrated_time: '2025-01-01T00:00:00Z' },
});
const gpg = (fingerprint) => ({
  type: 'gpg',
  valid: true,
  errors: [],
  fingerprint: fingerprint.replace(/\s+/g, ''),
  user_ids: ['Release <release@corp.example>'],
});

/** Facts with one or two signatures, judged (--verify), and the outcome the default policy gives them. */
function realisticFacts() {
  const base = (name, signatures, lock) => ({
    facts_version: 1,
    package: { name, version: VERSION, registry: 'corp' },
    checksum: { expected: SHA_A, actual: SHA_A },
    signatures,
    attestations: [],
    request: { verify: true, require_signature: false, no_verify: false },
    ...(lock ? { lock } : {}),
  });
  return [
    { expect: 'install', facts: base('@corp/one-signature', [sigstore('alice@example.org')]) },
    {
      expect: 'install',
      facts: base('@corp/two-signatures', [sigstore('mallory@evil.example'), gpg(GPG_TRUSTED)]),
    },
    {
      expect: 'install',
      facts: base('@corp/locked', [gpg(GPG_TRUSTED)], {
        version: '0.9.0',
        checksum: SHA_B,
        signatures: [{ type: 'gpg', fingerprint: GPG_TRUSTED.replace(/\s+/g, '') }],
      }),
    },
    {
      expect: 'warn',
      facts: base('@other/untrusted', [sigstore('mallory@evil.example'), gpg(GPG_OTHER)]),
    },
  ];
}

// ---- (a) warm decision latency ----------------------------------------------------------------

function benchWarmDecisions(engine, variants, { decisions, warmUp }) {
  const check = (i, d) => {
    const want = variants[i % variants.length].expect;
    if (d.outcome !== want) throw new Error(`Decision ${i}: outcome ${d.outcome}, expected ${want}`);
  };
  for (let i = 0; i < warmUp; i++) check(i, engine.decide(variants[i % variants.length].facts));
  const us = new Array(decisions);
  for (let i = 0; i < decisions; i++) {
    const facts = variants[i % variants.length].facts;
    const start = process.hrtime.bigint();
    const d = engine.decide(facts);
    us[i] = Number(process.hrtime.bigint() - start) / 1e3;
    check(i, d);
  }
  return us;
}

// ---- (b) policy load ----------------------------------------------------------------------------

/** Child: resolvePolicy + PolicyEngine.load (including configure), timed inside; one decision as a check. */
const LOAD_SCRIPT = `
const { readFileSync } = await import('node:fs');
const { resolvePolicy, PolicyEngine } = await import(${JSON.stringify(CORE_URL)});
const { config, facts, forceCompile } = JSON.parse(readFileSync(process.argv[1], 'utf8'));
const t0 = process.hrtime.bigint();
const source = await resolvePolicy({ config, layers: [], forceCompile, env: process.env });
const t1 = process.hrtime.bigint();
const engine = await PolicyEngine.load(source, config.security);
const t2 = process.hrtime.bigint();
const outcome = engine.decide(facts).outcome;
process.stdout.write(JSON.stringify({
  kind: source.kind, cached: source.cached, hash: source.hash, outcome,
  resolveMs: Number(t1 - t0) / 1e6, loadMs: Number(t2 - t1) / 1e6,
}));`;

function loadInChild(jobFile, env, want) {
  const { ms, stdout } = runTimed(process.execPath, ['--input-type=module', '-e', LOAD_SCRIPT, jobFile], {
    env,
  });
  const r = JSON.parse(stdout);
  if (
    r.kind !== want.kind ||
    (want.cached !== undefined && r.cached !== want.cached) ||
    r.outcome !== want.outcome
  ) {
    throw new Error(`Policy load child (${jobFile}): got ${stdout.trim()}, expected ${JSON.stringify(want)}`);
  }
  return { ...r, totalMs: r.resolveMs + r.loadMs, wallMs: ms };
}

function benchLoad({ workDir, core, env, sizes, probe }) {
  const dir = join(workDir, 'policy-load');
  mkdirSync(dir, { recursive: true });
  const job = (name, security, forceCompile) => {
    const file = join(dir, `${name}.json`);
    const config = { ...core.DEFAULT_CONFIG, security };
    writeFileSync(file, JSON.stringify({ config, facts: probe.facts, forceCompile }));
    return file;
  };
  // Distinct configs compile to distinct cache keys: every cold build is a miss. Build 0's config is
  // the one later loaded from the cache.
  const coldJobs = Array.from({ length: sizes.coldBuilds }, (_, i) =>
    job(`cold-${i}`, realisticSecurity(core.DEFAULT_CONFIG, `build-${i}@corp.example`), true),
  );
  const cachedJob = coldJobs[0];
  const prebuiltJob = job('prebuilt', realisticSecurity(core.DEFAULT_CONFIG), false);
  const expect = { outcome: probe.expect };

  loadInChild(prebuiltJob, env, { ...expect, kind: 'prebuilt' }); // untimed: warms the file caches
  const runs = { cold: [], cached: [], prebuilt: [] };
  for (let i = 0; i < Math.max(sizes.loads, sizes.coldBuilds); i++) {
    if (i < sizes.coldBuilds)
      runs.cold.push(loadInChild(coldJobs[i], env, { ...expect, kind: 'compiled', cached: false }));
    if (i < sizes.loads) {
      runs.cached.push(loadInChild(cachedJob, env, { ...expect, kind: 'compiled', cached: true }));
      runs.prebuilt.push(loadInChild(prebuiltJob, env, { ...expect, kind: 'prebuilt' }));
    }
  }
  const coldHashes = new Set(runs.cold.map((r) => r.hash));
  if (coldHashes.size !== runs.cold.length || runs.cached.some((r) => r.hash !== runs.cold[0].hash)) {
    throw new Error('Policy cache keys: the cold builds must differ and the cache hits must equal build 0');
  }
  return runs;
}

// ---- (c) decisions in a verify run, and opa eval ------------------------------------------------

/** The engine's methods, with every decide() timed and its facts and decision kept. */
function timedEngine(engine, calls) {
  return {
    source: engine.source,
    configure: (security) => engine.configure(security),
    explain: (facts) => engine.explain(facts),
    decide(facts) {
      const start = process.hrtime.bigint();
      const decision = engine.decide(facts);
      calls.push({ us: Number(process.hrtime.bigint() - start) / 1e3, facts, decision });
      return decision;
    },
  };
}

async function setUpProject({ workDir, core, security, count }) {
  const registryRoot = join(workDir, 'policy-registry');
  await core.initLocalRegistry(registryRoot, 'policy-bench');
  const config = {
    ...core.DEFAULT_CONFIG,
    security,
    registries: [{ name: 'policy-bench', url: core.localRegistryUrl(registryRoot), default: true }],
  };
  const names = [];
  for (let i = 1; i <= count; i++) {
    const name = `policy-pkg-${i}`;
    const dir = join(workDir, 'policy-packages', name);
    await core.initPackageFlow({ dir, name, version: VERSION });
    writeFileSync(join(dir, 'README.md'), `# ${name}\n\nA benchmark package.\n`);
    await core.publishFlow({ path: dir, config });
    names.push(name);
  }
  const projectDir = join(workDir, 'policy-project');
  mkdirSync(projectDir, { recursive: true });
  return { config, names, projectDir };
}

const codesOf = (decision) =>
  decision.reasons
    .map((r) => `${r.effect}:${r.code}`)
    .sort()
    .join(',');

async function benchVerifyRun({ workDir, core, env, engine, security, opa, sizes }) {
  const { config, names, projectDir } = await setUpProject({
    workDir,
    core,
    security,
    count: sizes.packages,
  });
  const request = { verify: true, require_signature: security.require_signature, no_verify: false };
  const installed = await core.installFlow({
    specs: names,
    projectDir,
    config,
    env,
    trust: { engine, verifiers: [], request },
  });
  if (
    installed.packages.length !== names.length ||
    installed.packages.some((p) => p.action !== 'installed')
  ) {
    throw new Error(`installFlow installed ${installed.packages.length} of ${names.length} packages`);
  }

  const calls = [];
  const start = process.hrtime.bigint();
  const { packages: verified } = await core.verifyInstalledFlow({
    projectDir,
    env,
    trust: { engine: timedEngine(engine, calls), verifiers: [], request },
    registries: config.registries,
    maxArchiveSize: config.limits.max_archive_size,
  });
  const verifyMs = elapsedMs(start);
  const bad = verified.filter((r) => !r.ok || !r.decision);
  if (verified.length !== names.length || bad.length > 0 || calls.length !== names.length) {
    throw new Error(
      `verifyInstalledFlow: ${verified.length} results, ${calls.length} decisions for ${names.length} packages; ` +
        `not ok: ${bad.map((r) => `${r.name} (${r.policyError ?? r.decision?.outcome ?? 'files'})`).join(', ')}`,
    );
  }

  // Peer: the captured facts through `opa eval`, alternating with aam deciding the same facts again.
  const peerDir = join(workDir, 'policy-opa-eval');
  mkdirSync(peerDir, { recursive: true });
  const configFile = join(peerDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ aam: { config: { security: core.policyConfig(security) } } }));
  const policyDir = join(core.policiesDir(env), 'aam');
  const peer = { opaEvalMs: [], aamUs: [] };
  for (let i = 0; i < Math.min(sizes.peerPackages, calls.length); i++) {
    const { facts, decision } = calls[i];
    const factsFile = join(peerDir, `facts-${i}.json`);
    writeFileSync(factsFile, JSON.stringify(facts));
    const evaluated = opaEvalTimed(opa, policyDir, configFile, factsFile);
    const again = process.hrtime.bigint();
    const aamDecision = engine.decide(facts);
    peer.aamUs.push(Number(process.hrtime.bigint() - again) / 1e3);
    peer.opaEvalMs.push(evaluated.ms);
    for (const [who, d] of [
      ['opa eval', evaluated.decision],
      ['aam (again)', aamDecision],
    ]) {
      if (d.outcome !== decision.outcome || codesOf(d) !== codesOf(decision)) {
        throw new Error(
          `${facts.package.name}: ${who} decided ${d.outcome} [${codesOf(d)}], aam's verify run ` +
            `${decision.outcome} [${codesOf(decision)}]`,
        );
      }
    }
  }
  return {
    decisionUs: calls.map((c) => c.us),
    outcomes: countBy(calls.map((c) => c.decision.outcome)),
    verifyMs,
    peer,
  };
}

function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

// ---- the benchmark ------------------------------------------------------------------------------

export async function benchPolicy({ workDir, quick }) {
  const sizes = quick ? policySizes.quick : policySizes.full;
  const core = await loadCore();
  printSection(
    `Trust policy: ${sizes.decisions} warm decisions; ${sizes.coldBuilds} cold opa build${sizes.coldBuilds === 1 ? '' : 's'}, ${sizes.loads} loads; ` +
      `verify of ${sizes.packages} packages, ${sizes.peerPackages} vs opa eval`,
  );
  const env = aamEnv(join(workDir, 'policy-home'));
  delete env.AAM_CACHE_DIR;
  // A private copy of policies/ (Rego, capabilities, prebuilt WASM): files rewritten in the checkout
  // during the run cannot turn a cache hit into a miss or change what opa eval reads.
  const policies = join(workDir, 'policies');
  cpSync(core.policiesDir(process.env), policies, { recursive: true });
  env.AAM_POLICIES_DIR = policies;
  const opa = core.findOpa(env);
  if (!opa) throw new Error(`The policy benchmark needs the 'opa' binary: ${core.OPA_INSTALL_HINT}`);
  env.AAM_OPA = opa;
  const opaVersion = await core.opaVersion(opa);

  // (a) warm decisions with the prebuilt engine.
  const security = realisticSecurity(core.DEFAULT_CONFIG);
  const source = await core.resolvePolicy({ config: { ...core.DEFAULT_CONFIG, security }, layers: [], env });
  if (source.kind !== 'prebuilt') throw new Error(`Expected the prebuilt policy, got ${source.kind}`);
  const engine = await core.PolicyEngine.load(source, security);
  const variants = realisticFacts();
  const warmUs = benchWarmDecisions(engine, variants, sizes);

  // (b) loads in fresh processes.
  const loads = benchLoad({ workDir, core, env, sizes, probe: variants[0] });

  // (c) a verify run over installed packages, and opa eval of the same facts.
  const verify = await benchVerifyRun({ workDir, core, env, engine, security, opa, sizes });

  const warm = { medianUs: median(warmUs), p99Us: percentile(warmUs, 99) };
  warm.p99OverMedian = warm.p99Us / warm.medianUs;
  const pick = (runs, key) => median(runs.map((r) => r[key]));
  const load = {
    coldBuildMs: pick(loads.cold, 'totalMs'),
    coldBuildResolveMs: pick(loads.cold, 'resolveMs'),
    cachedMs: pick(loads.cached, 'totalMs'),
    cachedResolveMs: pick(loads.cached, 'resolveMs'),
    cachedLoadMs: pick(loads.cached, 'loadMs'),
    prebuiltMs: pick(loads.prebuilt, 'totalMs'),
    prebuiltResolveMs: pick(loads.prebuilt, 'resolveMs'),
    prebuiltLoadMs: pick(loads.prebuilt, 'loadMs'),
  };
  const run = {
    decisionMedianUs: median(verify.decisionUs),
    decisionP99Us: percentile(verify.decisionUs, 99),
    verifyPerPackageMs: verify.verifyMs / sizes.packages,
    peerAamMedianUs: median(verify.peer.aamUs),
    opaEvalMedianMs: median(verify.peer.opaEvalMs),
  };
  const ratios = {
    decisionVsOpaEval: run.peerAamMedianUs / 1e3 / run.opaEvalMedianMs,
    verifyPerPackageVsOpaEval: run.verifyPerPackageMs / run.opaEvalMedianMs,
    cachedVsPrebuilt: load.cachedMs / load.prebuiltMs,
  };
  const met = warm.medianUs < TARGET_MEDIAN_US;
  const n = sizes.packages;
  const m = verify.peer.opaEvalMs.length;

  printLines([
    ['opa', `${opa} (${opaVersion})`],
    [
      `warm decide(), prebuilt WASM (n=${sizes.decisions})`,
      `median ${formatUs(warm.medianUs)}, p99 ${formatUs(warm.p99Us)}, p99/median ${formatRatio(warm.p99OverMedian)}  ` +
        `(target median < ${TARGET_MEDIAN_US} µs: ${met ? 'ok' : 'MISSED'})`,
    ],
    [
      `cold opa build + load, fresh process (median of ${sizes.coldBuilds})`,
      `${formatMs(load.coldBuildMs)}  (resolvePolicy ${formatMs(load.coldBuildResolveMs)})`,
    ],
    [
      `load from the policy cache, fresh process (median of ${sizes.loads})`,
      `${formatMs(load.cachedMs)}  (resolvePolicy ${formatMs(load.cachedResolveMs)} + PolicyEngine.load ${formatMs(load.cachedLoadMs)})`,
    ],
    [
      `load the prebuilt WASM, fresh process (median of ${sizes.loads})`,
      `${formatMs(load.prebuiltMs)}  (resolvePolicy ${formatMs(load.prebuiltResolveMs)} + PolicyEngine.load ${formatMs(load.prebuiltLoadMs)})`,
    ],
    [
      `verify run, ${n} packages`,
      `${formatMs(verify.verifyMs)} total, ${formatMs(run.verifyPerPackageMs)} per package  ` +
        `(outcomes: ${Object.entries(verify.outcomes)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')})`,
    ],
    [
      `decide() per package in the verify run (n=${n})`,
      `median ${formatUs(run.decisionMedianUs)}, p99 ${formatUs(run.decisionP99Us)}`,
    ],
    [`aam decide(), same facts, alternated (n=${m})`, `median ${formatUs(run.peerAamMedianUs)}`],
    [`opa eval per package, same facts (n=${m}, all ${m} agree)`, `median ${formatMs(run.opaEvalMedianMs)}`],
    ['ratio aam decide / opa eval', formatRatio(ratios.decisionVsOpaEval)],
    ['ratio aam verify per package / opa eval', formatRatio(ratios.verifyPerPackageVsOpaEval)],
  ]);

  const bench = 'policy';
  return {
    json: {
      sizes,
      opa: { path: opa, version: opaVersion },
      warmDecision: { timesUs: warmUs, ...warm, targetMedianUs: TARGET_MEDIAN_US, met },
      load: { runs: loads, medianMs: load },
      verifyRun: {
        packages: n,
        verifyMs: verify.verifyMs,
        outcomes: verify.outcomes,
        decisionUs: verify.decisionUs,
        peerPackages: m,
        peer: verify.peer,
        ...run,
      },
      ratios,
    },
    summary: [
      {
        benchmark: bench,
        measure: `warm decide(), median (n=${sizes.decisions})`,
        aam: `${formatUs(warm.medianUs)} (p99 ${formatUs(warm.p99Us)} = ${fixed(warm.p99OverMedian, 1)}x)`,
        target: `median < ${TARGET_MEDIAN_US} µs`,
        met,
      },
      {
        benchmark: bench,
        measure: `cold opa build + load (n=${sizes.coldBuilds})`,
        aam: formatMs(load.coldBuildMs),
      },
      {
        benchmark: bench,
        measure: `load from cache, fresh process (n=${sizes.loads})`,
        aam: formatMs(load.cachedMs),
      },
      {
        benchmark: bench,
        measure: `load prebuilt, fresh process (n=${sizes.loads})`,
        aam: formatMs(load.prebuiltMs),
      },
      {
        benchmark: bench,
        measure: `decide() in verify, median (n=${n})`,
        aam: `${formatUs(run.decisionMedianUs)} (p99 ${formatUs(run.decisionP99Us)})`,
      },
      {
        benchmark: bench,
        measure: `decide() vs opa eval, same facts (n=${m})`,
        aam: formatUs(run.peerAamMedianUs),
        peer: `opa eval ${formatMs(run.opaEvalMedianMs)}`,
        ratio: ratios.decisionVsOpaEval,
      },
      {
        benchmark: bench,
        measure: `verify run, per package (n=${n})`,
        aam: formatMs(run.verifyPerPackageMs),
        peer: `opa eval ${formatMs(run.opaEvalMedianMs)}`,
        ratio: ratios.verifyPerPackageVsOpaEval,
      },
    ],
  };
}
