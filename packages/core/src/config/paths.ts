import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `~/.aam`, or `$AAM_HOME`. */
export function aamHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.AAM_HOME ? resolve(env.AAM_HOME) : join(homedir(), '.aam');
}

/** The global config file: `$AAM_CONFIG`, else `<aamHome>/config.yaml`. */
export function globalConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AAM_CONFIG ? resolve(env.AAM_CONFIG) : join(aamHome(env), 'config.yaml');
}

export function projectConfigPath(projectDir: string): string {
  return join(projectDir, '.aam', 'config.yaml');
}
