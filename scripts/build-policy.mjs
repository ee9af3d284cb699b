// Builds the prebuilt default policies with the pinned opa: the client's trust policy (policies/build/aam.wasm)
// and the registry's publish policy (policies/build/publish.wasm), and the capabilities file that restricts
// policies to built-ins native in WASM. `--check` rebuilds each twice into a temp dir and fails if either build
// differs from the committed bytes (CI), so the shipped WASM is what the Rego says.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const core = await import(join(root, 'packages/core/dist/index.js'));
const check = process.argv.includes('--check');
const policies = join(root, 'policies');
const opa = core.requireOpa('to build the default policy');

// Built-ins the JS SDK evaluates in WASM itself. The SDK's own list also has host-implemented ones
// (sprintf, yaml.*, ...) whose JS semantics differ from Go's: those are left out, so using one fails the build.
const HOST_IMPLEMENTED = new Set([
  'sprintf',
  'yaml.marshal',
  'yaml.unmarshal',
  'yaml.is_valid',
  'json.is_valid',
  'regex.split',
  'time.diff',
  'rand.intn',
]);
const sdkMain = createRequire(join(root, 'packages/core/package.json')).resolve(
  '@open-policy-agent/opa-wasm',
);
const sdkCaps = JSON.parse(readFileSync(join(dirname(sdkMain), '..', 'capabilities.json'), 'utf8'));
const allowed = new Set(sdkCaps.builtins.map((b) => b.name).filter((n) => !HOST_IMPLEMENTED.has(n)));
const current = JSON.parse(execFileSync(opa, ['capabilities', '--current'], { encoding: 'utf8' }));
const capabilities = {
  builtins: current.builtins.filter((b) => allowed.has(b.name)).sort((a, b) => (a.name < b.name ? -1 : 1)),
  wasm_abi_versions: current.wasm_abi_versions,
  features: current.features,
};
const capsText = JSON.stringify(capabilities, null, 1) + '\n';
const capsFile = join(root, 'policies/capabilities.json');
const targets = [
  {
    file: join(root, 'policies/build/aam.wasm'),
    sources: () => core.defaultPolicyFiles(),
    entrypoints: core.ENTRYPOINTS,
  },
  {
    file: join(root, 'policies/build/publish.wasm'),
    sources: () => core.publishPolicyFiles(),
    entrypoints: [core.PUBLISH_ENTRYPOINT],
  },
];

async function build(capsPath, target) {
  const work = mkdtempSync(join(tmpdir(), 'aam-policy-build-'));
  try {
    const out = join(work, 'bundle.tar.gz');
    // Relative names from policies/: OPA embeds file names in the WASM, and the bytes must not depend on
    // where the repository is checked out.
    const files = (await target.sources()).map((f) => relative(policies, f));
    await core.opaBuildWasm({
      opa,
      files,
      entrypoints: target.entrypoints,
      capabilities: capsPath,
      output: out,
      cwd: policies,
    });
    return await core.wasmFromBundle(readFileSync(out), out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (check) {
  const problems = [];
  if (readFileSync(capsFile, 'utf8') !== capsText)
    problems.push('policies/capabilities.json differs from what this opa generates');
  for (const target of targets) {
    const name = relative(root, target.file);
    const committed = readFileSync(target.file);
    for (const n of [1, 2]) {
      const wasm = await build(capsFile, target);
      if (!wasm.equals(committed)) problems.push(`build ${n} of ${name} differs from the committed bytes`);
    }
    if (!problems.length)
      console.log(`${name}: rebuilt twice, identical to the committed ${committed.length} bytes`);
  }
  if (problems.length) {
    console.error(
      `policy check failed:\n  ${problems.join('\n  ')}\nRun 'node scripts/build-policy.mjs' and commit the result.`,
    );
    process.exit(1);
  }
} else {
  writeFileSync(capsFile, capsText);
  for (const target of targets) {
    mkdirSync(dirname(target.file), { recursive: true });
    const wasm = await build(capsFile, target);
    writeFileSync(target.file, wasm);
    console.log(`wrote ${relative(root, target.file)} (${wasm.length} bytes)`);
  }
  console.log(`wrote policies/capabilities.json (${capabilities.builtins.length} built-ins)`);
}
