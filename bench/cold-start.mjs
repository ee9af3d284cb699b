// Benchmark 3: cold starts, each a fresh process, against `node -e 0` measured in the same run:
// - `aam --version` (target <= 1.3x node -e 0);
// - `aam verify FILE --signature BUNDLE`, the public-good Sigstore bundle offline (target <= 2x node -e 0), with
//   the ratio to `cosign verify-blob` of the same bundle, offline against the same trusted root;
// - `aam policy eval --input FACTS` (those the verify printed), with the ratio to `opa eval` of the same facts.
// cosign is built with `go install` on first use by a full run ($AAM_BENCH_COSIGN names an existing build; the
// quick smoke run uses one if there is one and builds nothing); without it the row says why and the run goes on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from './lib/core.mjs';
import { COSIGN, goTool } from './lib/go-tools.mjs';
import { aam, aamEnv, opaEvalTimed } from './lib/tools.mjs';
import { median, runTimed } from './lib/measure.mjs';
import { formatMs, formatRatio, printLines, printSection } from './lib/report.mjs';

export const coldStartSizes = { quick: { runs: 5 }, full: { runs: 20 } };

const REPO = fileURLToPath(new URL('..', import.meta.url));
// A public-good bundle (v0.3, Rekor v1 entry) from the Sigstore conformance suite: cosign verifies it offline
// against the vendored root. (The sigstore-js Rekor v2 fixture the Sigstore benchmark uses is refused by cosign
// 3.1.3's inclusion check, so it cannot be the common input.)
const CASE = join(REPO, 'test', 'fixtures', 'sigstore', 'conformance', 'bundle-verify');
const BUNDLE = join(CASE, 'happy-path-v0.3', 'bundle.sigstore.json');
const ARTIFACT = join(CASE, 'a.txt');
const PUBLIC_GOOD_ROOT = join(REPO, 'packages', 'plugin-sigstore', 'trusted-root', 'public-good.json');
const IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const TARGET_VERSION = 1.3;
const TARGET_VERIFY = 2;

function setUp(workDir) {
  const dir = join(workDir, 'cold-start');
  const project = join(dir, 'project');
  mkdirSync(join(project, '.aam'), { recursive: true });
  const security = {
    on_signature_failure: 'error',
    trusted_identities: [{ identity: IDENTITY, issuer: ISSUER }],
  };
  writeFileSync(
    join(project, '.aam', 'config.yaml'),
    `security:\n  on_signature_failure: error\n  trusted_identities:\n    - identity: ${JSON.stringify(IDENTITY)}\n      issuer: ${ISSUER}\n`,
  );
  writeFileSync(join(project, 'hello.txt'), readFileSync(ARTIFACT));
  return { dir, project, security, env: aamEnv(join(dir, 'aam-home')) };
}

function versionTimed(env) {
  const { ms, stdout } = aam(['--version'], { env });
  if (!stdout.startsWith('@aam/cli/')) throw new Error(`Unexpected \`aam --version\` output: ${stdout}`);
  return ms;
}

function verifyTimed(s) {
  const { ms, stdout } = aam(['verify', 'hello.txt', '--signature', BUNDLE, '--json'], {
    env: s.env,
    cwd: s.project,
  });
  const out = JSON.parse(stdout);
  const sig = out.facts?.signatures?.[0];
  if (out.ok !== true || out.decision?.outcome !== 'install' || !sig?.valid || sig.identity !== IDENTITY)
    throw new Error(`aam verify hello.txt --signature: not valid and trusted:\n${stdout}`);
  return { ms, facts: out.facts };
}

function cosignTimed(cosign, s) {
  const { ms } = runTimed(
    cosign,
    [
      'verify-blob',
      join(s.project, 'hello.txt'),
      '--bundle',
      BUNDLE,
      '--trusted-root',
      PUBLIC_GOOD_ROOT,
      '--certificate-identity',
      IDENTITY,
      '--certificate-oidc-issuer',
      ISSUER,
    ],
    { env: { ...process.env, HOME: s.dir, TUF_ROOT: join(s.dir, 'tuf') } },
  );
  return ms;
}

function policyEvalTimed(s, factsFile) {
  const { ms, stdout } = aam(['policy', 'eval', '--input', factsFile, '--json'], {
    env: s.env,
    cwd: s.project,
  });
  const out = JSON.parse(stdout);
  if (out.decision?.outcome !== 'install' && out.outcome !== 'install')
    throw new Error(`aam policy eval: not install:\n${stdout}`);
  return ms;
}

const nodeTimed = () => runTimed(process.execPath, ['-e', '0']).ms;

export async function benchColdStart({ workDir, quick }) {
  const { runs } = quick ? coldStartSizes.quick : coldStartSizes.full;
  printSection(
    `Cold start, ${runs} runs each, alternated with node -e 0: aam --version, aam verify FILE --signature BUNDLE ` +
      `(vs cosign verify-blob), aam policy eval (vs opa eval)`,
  );
  const core = await loadCore();
  const s = setUp(workDir);
  const cosign = goTool(COSIGN, { build: !quick });
  const opa = core.findOpa(s.env);
  // The peers' inputs: the facts aam verify printed, and the policy config as opa reads it.
  const { facts } = verifyTimed(s);
  const factsFile = join(s.dir, 'facts.json');
  writeFileSync(factsFile, JSON.stringify(facts));
  const configFile = join(s.dir, 'opa-config.json');
  writeFileSync(configFile, JSON.stringify({ aam: { config: { security: core.policyConfig(s.security) } } }));
  const policyDir = join(core.policiesDir(s.env), 'aam');

  const lanes = {
    nodeBare: nodeTimed,
    aamVersion: () => versionTimed(s.env),
    aamVerify: () => verifyTimed(s).ms,
    aamPolicyEval: () => policyEvalTimed(s, factsFile),
    ...(cosign.path ? { cosignVerifyBlob: () => cosignTimed(cosign.path, s) } : {}),
    ...(opa
      ? {
          opaEval: () => {
            const { ms, decision } = opaEvalTimed(opa, policyDir, configFile, factsFile);
            if (decision.outcome !== 'install') throw new Error(`opa eval: ${decision.outcome}, not install`);
            return ms;
          },
        }
      : {}),
  };
  const times = Object.fromEntries(Object.keys(lanes).map((k) => [k, []]));
  for (const run of Object.values(lanes)) run(); // one untimed run each: warm file caches
  for (let i = 0; i < runs; i++) for (const [k, run] of Object.entries(lanes)) times[k].push(run());
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const ratio = {
    version: m.aamVersion / m.nodeBare,
    verify: m.aamVerify / m.nodeBare,
    verifyCosign: m.cosignVerifyBlob ? m.aamVerify / m.cosignVerifyBlob : undefined,
    policyEval: m.aamPolicyEval / m.nodeBare,
    policyOpa: m.opaEval ? m.aamPolicyEval / m.opaEval : undefined,
  };
  const verdict = (r, t) => `(target <= ${t}x: ${r <= t ? 'ok' : 'MISSED'})`;
  printLines([
    ['node -e 0', formatMs(m.nodeBare)],
    [
      'aam --version',
      `${formatMs(m.aamVersion)}  ${formatRatio(ratio.version)} node ${verdict(ratio.version, TARGET_VERSION)}`,
    ],
    [
      'aam verify FILE --signature BUNDLE',
      `${formatMs(m.aamVerify)}  ${formatRatio(ratio.verify)} node ${verdict(ratio.verify, TARGET_VERIFY)}`,
    ],
    [
      'cosign verify-blob (same bundle, offline)',
      cosign.path
        ? `${formatMs(m.cosignVerifyBlob)}  (cosign ${cosign.version}; aam / cosign ${formatRatio(ratio.verifyCosign)})`
        : `unavailable: ${cosign.unavailable}`,
    ],
    ['aam policy eval --input FACTS', `${formatMs(m.aamPolicyEval)}  ${formatRatio(ratio.policyEval)} node`],
    [
      'opa eval (same facts and policy)',
      opa
        ? `${formatMs(m.opaEval)}  (aam / opa ${formatRatio(ratio.policyOpa)})`
        : 'unavailable: no opa binary',
    ],
  ]);

  const row = (measure, aamMs, peer, r, target) => ({
    benchmark: 'cold start',
    measure: `${measure} (n=${runs})`,
    aam: formatMs(aamMs),
    peer,
    ratio: r,
    ...(target ? { target: `<= ${target}x`, met: r <= target } : {}),
  });
  const summary = [
    row('aam --version', m.aamVersion, `node -e 0 ${formatMs(m.nodeBare)}`, ratio.version, TARGET_VERSION),
    row(
      'verify FILE --signature BUNDLE',
      m.aamVerify,
      `node -e 0 ${formatMs(m.nodeBare)}`,
      ratio.verify,
      TARGET_VERIFY,
    ),
  ];
  if (cosign.path)
    summary.push(
      row(
        'verify FILE vs cosign verify-blob',
        m.aamVerify,
        `cosign ${formatMs(m.cosignVerifyBlob)}`,
        ratio.verifyCosign,
      ),
    );
  if (opa)
    summary.push(
      row('policy eval vs opa eval', m.aamPolicyEval, `opa eval ${formatMs(m.opaEval)}`, ratio.policyOpa),
    );
  return {
    json: {
      runs,
      timesMs: times,
      medianMs: m,
      ratio,
      cosign: cosign.path ? cosign.version : cosign.unavailable,
    },
    summary,
  };
}
