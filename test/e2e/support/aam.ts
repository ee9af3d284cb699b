import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addRegistry,
  addRegistryToConfig,
  globalConfigPath,
  initLocalRegistry,
  initPackageFlow,
  loadConfig,
  localRegistryUrl,
  publishFlow,
  setConfigKeys,
  TRUST_LEVELS,
  type PublishOutcome,
  storeRegistryToken,
} from '../../../packages/core/dist/index.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const AAM_BIN = join(REPO, 'packages/cli/bin/run.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `aam` as a user would: a separate process, its own cwd and AAM_HOME. */
export function runAam(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [AAM_BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** A throw-away world: an AAM_HOME, a project directory, and helpers bound to them. */
export class World {
  readonly root = mkdtempSync(join(tmpdir(), 'aam-e2e-'));
  readonly home = join(this.root, 'home');
  readonly project = join(this.root, 'project');
  readonly registry = join(this.root, 'registry');
  private made = 0;

  constructor() {
    mkdirSync(this.home);
    mkdirSync(this.project);
  }

  get env(): NodeJS.ProcessEnv {
    return { AAM_HOME: this.home };
  }

  aam(args: string[], cwd = this.project, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return runAam(args, { cwd, env: { ...this.env, ...env } });
  }

  // Fixtures are built in-process, through the same core calls the commands make (`aam registry init
  // --default`, `aam pkg init`, `aam pkg publish` are one core call each): a test spawns `aam` only for the
  // step it tests.

  /** What `aam registry init PATH --default` does. */
  async withRegistry(): Promise<this> {
    const { root, info } = await initLocalRegistry(this.registry);
    await addRegistryToConfig(globalConfigPath(this.env), {
      name: info.name,
      url: localRegistryUrl(root),
      default: true,
    });
    return this;
  }

  /** Creates a package directory as `aam pkg init` does, plus extra files and dependencies. */
  async makePackage(
    name: string,
    version: string,
    opts: { files?: Record<string, string>; dependencies?: Record<string, string> } = {},
  ): Promise<string> {
    const dir = join(this.root, 'src', `${name.replace(/[@/]/g, '_')}-${version}-${++this.made}`);
    mkdirSync(dir, { recursive: true });
    await initPackageFlow({ dir, name, version });
    for (const [f, body] of Object.entries(opts.files ?? {})) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), body);
    }
    if (opts.dependencies) {
      const deps = Object.entries(opts.dependencies)
        .map(([d, r]) => `  "${d}": "${r}"`)
        .join('\n');
      writeFileSync(join(dir, 'aam.yaml'), `${readText(join(dir, 'aam.yaml'))}dependencies:\n${deps}\n`);
    }
    return dir;
  }

  async publish(
    name: string,
    version: string,
    opts: Parameters<World['makePackage']>[2] & { tag?: string } = {},
  ): Promise<void> {
    const dir = await this.makePackage(name, version, opts);
    await this.publishDir(dir, opts.tag);
  }

  /** What `aam policy init --level LEVEL --global` does (the level's preset into the global config). */
  async globalLevel(level: 'minimal' | 'moderate' | 'strict' | 'maximum'): Promise<void> {
    const preset = TRUST_LEVELS[level].security;
    await setConfigKeys(
      globalConfigPath(this.env),
      Object.entries(preset).map(([k, v]) => [['security', k], v]),
    );
  }

  /** What `aam pkg publish DIR [--tag TAG]` does, with this world's config and credentials (unsigned). */
  async publishDir(dir: string, tag?: string): Promise<PublishOutcome | undefined> {
    const { config } = loadConfig({ projectDir: this.project, env: this.env });
    return (await publishFlow({ path: dir, config, env: this.env, ...(tag ? { tag } : {}) })).outcome;
  }
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

export function must(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`aam exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Every path under dir (files and directories), for "nothing changed" assertions. */
export function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string): void => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = statSync(p);
      out[p] = st.isDirectory() ? -1 : st.size;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

export const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

/**
 * A user of an HTTP registry, set up as `aam registry add NAME URL --default` (keys pinned on first use) and
 * `aam login --token TOKEN` would: in-process, through the same core calls. The commands themselves are
 * tested where they are the step under test.
 */
export async function httpClient(url: string, token?: string, name = 'main'): Promise<World> {
  const w = new World();
  await addRegistry({ name, url, default: true, env: w.env });
  if (token) await storeRegistryToken(name, token, w.env);
  return w;
}
