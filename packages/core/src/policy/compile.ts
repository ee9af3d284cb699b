import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { aamHome } from '../config/paths.js';
import { declaringDir, type ConfigLayer } from '../config/load.js';
import type { AamConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import { opaBuildWasm, opaParsePackage, opaVersion, requireOpa } from './opa.js';
import { configToRego } from './translate.js';

/** Entrypoints every AAM policy bundle exports. */
export const ENTRYPOINTS = ['aam/trust/decision', 'aam/trust/explain'];
/** Enterprise modules may only add rules to this package (deny/warn); they cannot redefine the decision. */
export const CUSTOM_PACKAGE = 'aam.custom';

/** The repository's `policies/` folder (`$AAM_POLICIES_DIR` overrides it). */
export function policiesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AAM_POLICIES_DIR
    ? resolve(env.AAM_POLICIES_DIR)
    : fileURLToPath(new URL('../../../../policies/', import.meta.url));
}

export const prebuiltWasmPath = (env?: NodeJS.ProcessEnv): string =>
  join(policiesDir(env), 'build', 'aam.wasm');
export const capabilitiesPath = (env?: NodeJS.ProcessEnv): string =>
  join(policiesDir(env), 'capabilities.json');

/** The registry's default publish policy (`package aam.publish`): its own WASM, never part of the trust bundle. */
export const publishPolicyDir = (env?: NodeJS.ProcessEnv): string => join(policiesDir(env), 'aam', 'publish');
export const prebuiltPublishWasmPath = (env?: NodeJS.ProcessEnv): string =>
  join(policiesDir(env), 'build', 'publish.wasm');
export const PUBLISH_ENTRYPOINT = 'aam/publish/decision';

/** The default trust policy's Rego files (tests and the registry's publish policy excluded), in a stable order. */
export async function defaultPolicyFiles(env?: NodeJS.ProcessEnv): Promise<string[]> {
  const publish = publishPolicyDir(env);
  return (await regoFilesIn(join(policiesDir(env), 'aam'))).filter((f) => !f.startsWith(publish + sep));
}

/** The default publish policy's Rego files (tests excluded). */
export async function publishPolicyFiles(env?: NodeJS.ProcessEnv): Promise<string[]> {
  return regoFilesIn(publishPolicyDir(env));
}

async function regoFilesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await regoFilesIn(p)));
    else if (e.name.endsWith('.rego') && !e.name.endsWith('_test.rego')) out.push(p);
  }
  return out;
}

export type PolicySource =
  /** The shipped default WASM; the config is passed as data. */
  | { kind: 'prebuilt'; wasm: Buffer; hash: string; configAsData: true; modules: [] }
  /** Compiled here from the default policy and enterprise modules, with the generated config module (or, for
   *  `aam policy test`, without it: the config is then passed as data). */
  | {
      kind: 'compiled';
      wasm: Buffer;
      hash: string;
      configAsData: boolean;
      modules: string[];
      cached: boolean;
      /** Why a cached build was not used (its seal did not verify): it was rebuilt. */
      warning?: string;
    }
  /** A bundle built by `aam policy build` (its config is compiled in). */
  | { kind: 'bundle'; wasm: Buffer; hash: string; configAsData: false; modules: []; path: string };

/**
 * Expands `policy.modules` (files or directories) to Rego files. With `checkPackages`, each must parse and
 * declare `package aam.custom` — read from OPA's own parse tree, so no line break or string can disguise it.
 */
export async function customModuleFiles(
  config: AamConfig,
  layers: ConfigLayer[],
  opts: { checkPackages: boolean; env?: NodeJS.ProcessEnv } = { checkPackages: true },
): Promise<string[]> {
  const base = declaringDir(layers, (v) => v.policy?.modules !== undefined);
  const files: string[] = [];
  for (const m of config.policy.modules) {
    const p = resolve(base, m);
    if (!existsSync(p)) throw new AamError('INVALID_POLICY', `policy.modules: ${p} does not exist`);
    if (statSync(p).isDirectory()) files.push(...(await regoFilesIn(p)));
    else files.push(p);
  }
  if (opts.checkPackages && files.length > 0) {
    const opa = requireOpa('to compile the enterprise modules in policy.modules', opts.env);
    for (const f of files) assertCustomPackage(f, await opaParsePackage(opa, f));
  }
  return files;
}

/** The package a module declares, e.g. ['aam', 'custom'], as `opa parse` sees it. */
export function assertCustomPackage(file: string, pkg: string[]): void {
  if (pkg.join('.') !== CUSTOM_PACKAGE) {
    throw new AamError(
      'INVALID_POLICY',
      `${file}: package ${pkg.join('.')}: enterprise modules must declare 'package ${CUSTOM_PACKAGE}' (they add deny and warn rules; the default decision cannot be replaced)`,
    );
  }
}

/** Extracts `/policy.wasm` from an `opa build` bundle (.tar.gz). */
export async function wasmFromBundle(bundle: Buffer, label: string): Promise<Buffer> {
  const ex = tar.extract();
  let wasm: Buffer | undefined;
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.name.replace(/^\/+/, '') === 'policy.wasm') wasm = Buffer.concat(chunks);
    }
  })();
  try {
    ex.end(gunzipSync(bundle));
    await done;
  } catch (e) {
    throw new AamError(
      'INVALID_POLICY',
      `${label} is not a policy bundle (.tar.gz from 'aam policy build'): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!wasm)
    throw new AamError('INVALID_POLICY', `${label} has no policy.wasm (build it with 'aam policy build')`);
  return wasm;
}

const sha256 = (parts: (string | Buffer)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p) : p).update('\0');
  return h.digest('hex');
};

export interface ResolveOptions {
  config: AamConfig;
  layers: ConfigLayer[];
  env?: NodeJS.ProcessEnv;
  /** Compile even without enterprise modules. */
  forceCompile?: boolean;
  /** Leave the config out of the compiled policy and pass it as data (one build serves many configs). */
  configAsData?: boolean;
}

/** Which policy decides: a configured bundle, the prebuilt default, or a compiled (cached) one. */
export async function resolvePolicy(opts: ResolveOptions): Promise<PolicySource> {
  const env = opts.env ?? process.env;
  const { config, layers } = opts;
  if (config.policy.bundle) {
    const path = resolve(
      declaringDir(layers, (v) => v.policy?.bundle !== undefined),
      config.policy.bundle,
    );
    if (!existsSync(path)) throw new AamError('INVALID_POLICY', `policy.bundle: ${path} does not exist`);
    const wasm = await wasmFromBundle(await readFile(path), path);
    return { kind: 'bundle', wasm, hash: sha256([wasm]), configAsData: false, modules: [], path };
  }
  const modules = await customModuleFiles(config, layers, { checkPackages: true, env });
  if (modules.length === 0 && !opts.forceCompile) {
    const path = prebuiltWasmPath(env);
    if (!existsSync(path))
      throw new AamError('POLICY_ERROR', `The prebuilt policy ${path} is missing: run 'pnpm build:policy'`);
    const wasm = await readFile(path);
    return { kind: 'prebuilt', wasm, hash: sha256([wasm]), configAsData: true, modules: [] };
  }
  return compilePolicy(config, modules, env, opts.configAsData ?? false);
}

async function compilePolicy(
  config: AamConfig,
  modules: string[],
  env: NodeJS.ProcessEnv,
  configAsData: boolean,
): Promise<PolicySource & { kind: 'compiled' }> {
  const opa = requireOpa(
    modules.length ? 'to compile the enterprise modules in policy.modules' : 'to compile the policy',
    env,
  );
  const generated = configAsData ? '' : configToRego(config.security);
  const defaults = await defaultPolicyFiles(env);
  const caps = capabilitiesPath(env);
  const inputs: (string | Buffer)[] = [
    await opaVersion(opa),
    ENTRYPOINTS.join(','),
    await readFile(caps),
    generated,
  ];
  for (const f of [...defaults, ...modules]) inputs.push(f, await readFile(f));
  const hash = sha256(inputs);
  const cacheDir = join(
    env.AAM_CACHE_DIR ? resolve(env.AAM_CACHE_DIR) : join(aamHome(env), 'cache'),
    'policy',
  );
  const cached = join(cacheDir, `${hash}.wasm`);
  const key = await policyCacheKey(env);
  let warning: string | undefined;
  if (existsSync(cached)) {
    const wasm = await readFile(cached);
    const mac = await readFile(`${cached}.seal`, 'utf8').catch(() => '');
    if (sealVerifies(key, hash, wasm, mac))
      return { kind: 'compiled', wasm, hash, configAsData, modules, cached: true };
    // Replaced, corrupted, or sealed with another key: it never decides. Rebuilt from the sources.
    warning = `The cached policy ${cached} does not match its seal (replaced or corrupted): rebuilt it from the policy sources`;
  }
  const wasm = await opaBuildInTemp(
    opa,
    env,
    configAsData ? undefined : generated,
    [...defaults, ...modules],
    async (bundle) => wasmFromBundle(await readFile(bundle), bundle),
  );
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${cached}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, wasm);
  await writeFile(`${tmp}.seal`, seal(key, hash, wasm));
  await rename(`${tmp}.seal`, `${cached}.seal`);
  await rename(tmp, cached);
  return {
    kind: 'compiled',
    wasm,
    hash,
    configAsData,
    modules,
    cached: false,
    ...(warning ? { warning } : {}),
  };
}

/**
 * The key that seals compiled policies in the cache: 32 random bytes in `$AAM_HOME/keys/policy-cache.key`,
 * readable by this user only (a key others could read is replaced, which voids every seal made with it). A cache
 * entry decides only when its HMAC under this key, over its inputs' hash and its bytes, verifies: anyone who can
 * write to the cache (a shared `$AAM_CACHE_DIR`, another program) cannot make a policy of theirs decide.
 */
async function policyCacheKey(env: NodeJS.ProcessEnv): Promise<Buffer> {
  const dir = join(aamHome(env), 'keys');
  const file = join(dir, 'policy-cache.key');
  try {
    const st = statSync(file);
    const key = (st.mode & 0o077) === 0 ? parseKey(await readFile(file, 'utf8')) : undefined;
    if (key) return key;
    await rm(file, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    // O_EXCL: two processes creating it at once keep one key.
    await writeFile(file, key.toString('hex'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // Another process created it first and may still be writing it.
  for (let i = 0; i < 20; i++) {
    const theirs = parseKey(await readFile(file, 'utf8').catch(() => ''));
    if (theirs) return theirs;
    await new Promise((r) => setTimeout(r, 25));
  }
  // Never a short or empty key: this run seals with its own (its cache entries will not verify later: rebuilt).
  return key;
}

/** A key file's content: exactly 32 bytes in hex, else nothing. */
function parseKey(text: string): Buffer | undefined {
  return /^[0-9a-f]{64}$/.test(text) ? Buffer.from(text, 'hex') : undefined;
}

const seal = (key: Buffer, hash: string, wasm: Buffer): string =>
  createHmac('sha256', key).update(hash).update('\0').update(wasm).digest('hex');

function sealVerifies(key: Buffer, hash: string, wasm: Buffer, mac: string): boolean {
  const want = Buffer.from(seal(key, hash, wasm), 'hex');
  const got = Buffer.from(mac.trim(), 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * `opa build -t wasm` in a temporary directory over the generated config module (when given), the default policy
 * and modules; `use` reads the bundle before the directory is removed.
 */
async function opaBuildInTemp<T>(
  opa: string,
  env: NodeJS.ProcessEnv,
  generated: string | undefined,
  sources: string[],
  use: (bundle: string, files: string[], configFile?: string) => Promise<T>,
): Promise<T> {
  const work = await mkdtemp(join(tmpdir(), 'aam-policy-'));
  try {
    const files = [...sources];
    let configFile: string | undefined;
    if (generated !== undefined) {
      configFile = join(work, 'aam-config.rego');
      await writeFile(configFile, generated);
      files.unshift(configFile);
    }
    const bundle = join(work, 'bundle.tar.gz');
    await opaBuildWasm({
      opa,
      files,
      entrypoints: ENTRYPOINTS,
      capabilities: capabilitiesPath(env),
      output: bundle,
    });
    return await use(bundle, files, configFile);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `aam policy build`: a distributable bundle of the generated config, default policy and modules. */
export async function buildPolicyBundle(
  config: AamConfig,
  layers: ConfigLayer[],
  output: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ output: string; files: string[] }> {
  const opa = requireOpa('to build a policy bundle', env);
  const modules = await customModuleFiles(config, layers, { checkPackages: true, env });
  const defaults = await defaultPolicyFiles(env);
  const target = resolve(output);
  return opaBuildInTemp(
    opa,
    env,
    configToRego(config.security),
    [...defaults, ...modules],
    async (bundle, files, configFile) => {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await readFile(bundle));
      return {
        output: target,
        files: files.map((f) =>
          f === configFile ? '(generated from config.yaml)' : relative(process.cwd(), f),
        ),
      };
    },
  );
}
