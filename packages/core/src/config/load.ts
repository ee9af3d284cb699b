import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AamError } from '../errors.js';
import { schemaPath } from '../schemas.js';
import {
  checkSchema,
  parseYaml,
  problemAt,
  readYamlFile,
  throwProblems,
  type SourceProblem,
  type YamlSource,
} from '../yaml-file.js';
import { identityPatternKind } from './identity-pattern.js';
import { aamHome, globalConfigPath, projectConfigPath } from './paths.js';
import { DEFAULT_CONFIG, type AamConfig } from './types.js';

/** The published JSON Schema (`@aam/core/schema/config.schema.json`), for editors. */
export const CONFIG_SCHEMA_PATH: string = schemaPath('config');

export interface ConfigLayer {
  file: string;
  scope: 'global' | 'project';
  value: Partial<AamConfig>;
}

export interface LoadedConfig {
  config: AamConfig;
  layers: ConfigLayer[];
  warnings: SourceProblem[];
}

function semanticProblems(src: YamlSource): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const sec = (src.value as { security?: { trusted_identities?: unknown[] } } | null)?.security;
  sec?.trusted_identities?.forEach((entry, i) => {
    const pattern = typeof entry === 'string' ? entry : (entry as { identity?: unknown })?.identity;
    if (typeof pattern === 'string' && identityPatternKind(pattern) === undefined) {
      const path =
        typeof entry === 'string'
          ? ['security', 'trusted_identities', i]
          : ['security', 'trusted_identities', i, 'identity'];
      problems.push(
        problemAt(
          src,
          path,
          `'${pattern}' is not an identity pattern: use alice@example.com, *@example.com, github:OWNER[/REPO], gitlab:OWNER[/PROJECT] or a full https:// URI`,
        ),
      );
    }
  });
  const keys = (src.value as { security?: { trusted_keys?: unknown[] } } | null)?.security?.trusted_keys;
  keys?.forEach((k, i) => {
    if (typeof k !== 'string') return;
    const hex = k.replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(hex) && !/^sha256:[0-9a-fA-F]{64}$/.test(k)) {
      problems.push(
        problemAt(
          src,
          ['security', 'trusted_keys', i],
          `'${k}' is not a full OpenPGP fingerprint (40 or 64 hex digits) nor sha256:<64 hex>`,
        ),
      );
    }
  });
  const regs = (src.value as { registries?: { name?: unknown }[] } | null)?.registries;
  const names = new Set<unknown>();
  regs?.forEach((r, i) => {
    if (names.has(r?.name))
      problems.push(
        problemAt(src, ['registries', i, 'name'], `duplicate registry name '${String(r?.name)}'`),
      );
    names.add(r?.name);
  });
  return problems;
}

/** Parses and validates one config file; throws INVALID_CONFIG naming file, line and key. */
export function loadConfigFile(file: string): { value: Partial<AamConfig>; warnings: SourceProblem[] } {
  return validateConfigSource(readYamlFile(file, 'INVALID_CONFIG'));
}

const isLocalUrl = (url: unknown): boolean => typeof url === 'string' && url.startsWith('file://');

/**
 * Warnings about the merged config that no single file shows: a required registry attestation that nothing can
 * satisfy, and, under require_registry_attestation or require_audit_log, each local (file://) registry, which has
 * no attestations and no audit log. Each points at the key in the highest file that set it.
 */
function requirementWarnings(config: AamConfig, sources: { src: YamlSource; value: Partial<AamConfig> }[]) {
  const out: SourceProblem[] = [];
  const at = (path: (string | number)[], has: (v: Partial<AamConfig>) => boolean, message: string) => {
    const layer = [...sources].reverse().find((l) => has(l.value));
    if (layer) out.push(problemAt(layer.src, path, message));
  };
  const sec = config.security;
  const setsSecurity = (key: string) => (v: Partial<AamConfig>) =>
    (v.security as Record<string, unknown> | undefined)?.[key] !== undefined;
  if ((sec.require_scans ?? []).length > 0 && !sec.trust_registry_attestations) {
    at(
      ['security', 'require_scans'],
      setsSecurity('require_scans'),
      'scan results come in registry attestations, and none is trusted while trust_registry_attestations is false: every package fails (scan_missing)',
    );
  }
  if (sec.require_registry_attestation && !sec.trust_registry_attestations) {
    at(
      ['security', 'require_registry_attestation'],
      setsSecurity('require_registry_attestation'),
      'no attestation can be trusted while trust_registry_attestations is false: every package fails (attestation_missing)',
    );
  }
  // (What is wrong with trusted_registries itself is attestationConfigWarnings' part, config/registry-keys.ts.)
  const required = [
    ...(sec.require_registry_attestation ? ['require_registry_attestation'] : []),
    ...(sec.require_audit_log ? ['require_audit_log'] : []),
    ...((sec.require_scans ?? []).length > 0 ? ['require_scans'] : []),
  ];
  if (required.length > 0) {
    config.registries.forEach((r, i) => {
      if (isLocalUrl(r.url))
        at(
          ['registries', i, 'url'],
          (v) => v.registries !== undefined,
          `'${r.name}' is a local (file://) registry: it has no attestations and no audit log, so under ${required.join(' and ')} its packages fail`,
        );
    });
  }
  return out;
}

/** Validates config text (e.g. an edit about to be written) exactly as a file on disk would be. */
export function validateConfigText(
  text: string,
  file: string,
): { value: Partial<AamConfig>; warnings: SourceProblem[] } {
  return validateConfigSource(parseYaml(text, file, 'INVALID_CONFIG'));
}

function validateConfigSource(src: YamlSource): { value: Partial<AamConfig>; warnings: SourceProblem[] } {
  const file = src.file;
  if (src.value === null || src.value === undefined) return { value: {}, warnings: [] };
  // security: (the trust settings), policy: (the enterprise modules or bundle that judge) and registries: (the
  // keys pinned for each) hold what a typo must never quietly switch off.
  const { errors, warnings } = checkSchema(src, 'config', {
    strictSections: ['security', 'policy', 'registries'],
  });
  if (errors.length === 0) errors.push(...semanticProblems(src));
  if (errors.length > 0) throwProblems('INVALID_CONFIG', `Invalid configuration in ${file}`, errors);
  return { value: src.value as Partial<AamConfig>, warnings };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects deep-merge; lists and scalars from `over` replace `base` whole (SPEC §3). */
export function mergeConfig<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeConfig(out[k], v) : v;
  return out as T;
}

export interface LoadConfigOptions {
  projectDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence: values from command-line flags. */
  overrides?: unknown;
}

/** The directory of the highest config layer that set a key (relative paths resolve from there), else the cwd. */
export function declaringDir(layers: ConfigLayer[], has: (v: Partial<AamConfig>) => boolean): string {
  const layer = [...layers].reverse().find((l) => has(l.value));
  return layer ? dirname(layer.file) : process.cwd();
}

/** Loads defaults < global (`$AAM_CONFIG` or `$AAM_HOME/config.yaml`) < project (`.aam/config.yaml`) < flags. */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const layers: ConfigLayer[] = [];
  const warnings: SourceProblem[] = [];
  const home = aamHome(env);
  if (existsSync(home) && !statSync(home).isDirectory())
    throw new AamError(
      'INVALID_CONFIG',
      `${env.AAM_HOME ? 'AAM_HOME' : 'The aam home'} (${home}) is a file, not a directory: point AAM_HOME at a directory (it holds config.yaml, credentials and caches)`,
    );
  const globalFile = globalConfigPath(env);
  if (env.AAM_CONFIG && !existsSync(globalFile)) {
    throw new AamError('INVALID_CONFIG', `AAM_CONFIG names ${globalFile}, which does not exist`);
  }
  const sources: { src: YamlSource; value: Partial<AamConfig> }[] = [];
  const candidates: [string, ConfigLayer['scope']][] = [[globalFile, 'global']];
  if (opts.projectDir) candidates.push([projectConfigPath(opts.projectDir), 'project']);
  let config: AamConfig = DEFAULT_CONFIG;
  for (const [file, scope] of candidates) {
    if (!existsSync(file)) continue;
    const src = readYamlFile(file, 'INVALID_CONFIG');
    const loaded = validateConfigSource(src);
    warnings.push(...loaded.warnings);
    layers.push({ file, scope, value: loaded.value });
    sources.push({ src, value: loaded.value });
    config = mergeConfig(config, loaded.value);
  }
  if (opts.overrides !== undefined) config = mergeConfig(config, opts.overrides);
  warnings.push(...requirementWarnings(config, sources));
  return { config, layers, warnings };
}
