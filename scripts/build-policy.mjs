// Builds the prebuilt default policy (policies/build/aam.wasm) with the pinned opa, and the capabilities
// file that restricts policies to built-ins native in WASM. `--check` rebuilds twice into a temp dir and
// fails if either build differs from the committed bytes (CI), so the shipped WASM is what the Rego says.
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
const target = join(root, 'policies/build/aam.wasm');

async function build(capsPath) {
  const work = mkdtempSync(join(tmpdir(), 'aam-policy-build-'));
  try {
    const out = join(work, 'bundle.tar.gz');
    // Relative names from policies/: OPA embeds file names in the WASM, and the bytes must not depend on
    // where the repository is checked out.
    const files = (await core.defaultPolicyFiles()).map((f) => relative(policies, f));
    await core.opaBuildWasm({
      opa,
      files,
      entrypoints: core.ENTRYPOINTS,
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
  const committed = readFileSync(target);
  for (const n of [1, 2]) {
    const wasm = await build(capsFile);
    if (!wasm.equals(committed))
      problems.push(`build ${n} of policies/build/aam.wasm differs from the committed bytes`);
  }
  if (problems.length) {
    console.error(
      `policy check failed:\n  ${problems.join('\n  ')}\nRun 'node scripts/build-policy.mjs' and commit the result.`,
    );
    process.exit(1);
  }
  console.log(`policies/build/aam.wasm: rebuilt twice, identical to the committed ${committed.length} bytes`);
} else {
  writeFileSync(capsFile, capsText);
  mkdirSync(dirname(target), { recursive: true });
  const wasm = await build(capsFile);
  writeFileSync(target, wasm);
  console.log(
    `wrote policies/capabilities.json (${capabilities.builtins.length} built-ins) and policies/build/aam.wasm (${wasm.length} bytes)`,
  );
}
