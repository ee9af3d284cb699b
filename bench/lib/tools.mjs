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
