// Running the `aam` CLI and `npm` as separate processes, each with an isolated environment.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTimed } from './measure.mjs';
import { CLI_BIN } from './core.mjs';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Environment for `aam` children: a private AAM_HOME, and no config or plugins from the caller. */
export function aamEnv(aamHome) {
  const env = { ...process.env, AAM_HOME: aamHome, NO_COLOR: '1' };
  delete env.AAM_CONFIG;
  delete env.AAM_PLUGINS;
  return env;
}

/** Runs `aam ARGS` (the real CLI, a fresh node process); returns `{ ms, stdout }`. */
export function aam(args, { env, cwd } = {}) {
  return runTimed(process.execPath, [CLI_BIN, ...args], { env, cwd });
}

/**
 * Environment for `npm` children: a private cache and an empty user config (so nothing from
 * ~/.npmrc applies), no update check, audit or funding messages.
 */
export function npmEnv(workDir) {
  const userconfig = join(workDir, 'npmrc');
  const cache = join(workDir, 'npm-cache');
  writeFileSync(userconfig, '');
  mkdirSync(cache, { recursive: true });
  return {
    ...process.env,
    npm_config_userconfig: userconfig,
    npm_config_cache: cache,
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_loglevel: 'error',
  };
}

/** Runs `npm ARGS`; returns `{ ms, stdout }`. */
export function npm(args, { env, cwd } = {}) {
  return runTimed(NPM, args, { env, cwd });
}

/**
 * `opa eval` of one facts file against the trust policy (wall clock, process start included); returns ms and
 * the decision (a missing one fails the run).
 */
export function opaEvalTimed(opa, policyDir, configFile, factsFile) {
  const { ms, stdout } = runTimed(opa, [
    'eval',
    '--format=json',
    '-d',
    policyDir,
    '-d',
    configFile,
    '-i',
    factsFile,
    'data.aam.trust.decision',
  ]);
  const decision = JSON.parse(stdout).result?.[0]?.expressions?.[0]?.value;
  if (!decision) throw new Error(`opa eval gave no decision for ${factsFile}: ${stdout}`);
  return { ms, decision };
}
