import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { DependencyContainer } from 'tsyringe';
import { declaringDir, type LoadedConfig } from '../config/load.js';
import { aamHome } from '../config/paths.js';
import { AamError } from '../errors.js';
import type { AamPlugin, PluginSettings, Scanner, SignatureVerifier, Signer } from './contracts.js';
import { LOADED_PLUGINS, PLUGIN_SETTINGS, SCANNER, SIGNATURE_VERIFIER, SIGNER } from './tokens.js';

function isPlugin(v: unknown): v is AamPlugin {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as AamPlugin).name === 'string' &&
    typeof (v as AamPlugin).register === 'function'
  );
}

/** Imports a third-party plugin (npm package name or path) and checks it exports an `AamPlugin`. */
export async function importPlugin(specifier: string, baseDir: string): Promise<AamPlugin> {
  let url: string;
  try {
    // Paths may name a file or a package directory (its package.json "main"); names resolve like require().
    const target =
      specifier.startsWith('.') || isAbsolute(specifier) ? resolve(baseDir, specifier) : specifier;
    url = pathToFileURL(createRequire(resolve(baseDir, 'noop.js')).resolve(target)).href;
  } catch {
    throw new AamError(
      'PLUGIN_ERROR',
      `Plugin '${specifier}' not found (looked from ${baseDir}): install it or fix the 'plugins' entry`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new AamError(
      'PLUGIN_ERROR',
      `Plugin '${specifier}' failed to load: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const candidate = mod.default ?? mod.plugin;
  if (!isPlugin(candidate)) {
    throw new AamError(
      'PLUGIN_ERROR',
      `Plugin '${specifier}' does not export an AamPlugin ({ name, register(container) }) as default or 'plugin'`,
    );
  }
  return candidate;
}

/**
 * A child container holding every plugin's signers and verifiers; built-ins first, then third-party.
 * tsyringe (and its reflect polyfill) load only here, so commands that need no plugin start faster.
 */
export async function createPluginContainer(
  plugins: AamPlugin[],
  opts: { settings?: PluginSettings; parent?: DependencyContainer } = {},
): Promise<DependencyContainer> {
  await import('reflect-metadata');
  const { container: rootContainer } = await import('tsyringe');
  const c = (opts.parent ?? rootContainer).createChildContainer();
  if (opts.settings) c.register(PLUGIN_SETTINGS, { useValue: opts.settings });
  for (const plugin of plugins) {
    try {
      plugin.register(c);
    } catch (e) {
      throw new AamError(
        'PLUGIN_ERROR',
        `Plugin '${plugin.name}' failed to register: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    c.register(LOADED_PLUGINS, { useValue: plugin });
  }
  return c;
}

function resolveAllOrEmpty<T>(c: DependencyContainer, token: symbol): T[] {
  return c.isRegistered(token, true) ? c.resolveAll<T>(token) : [];
}

export const verifiersOf = (c: DependencyContainer): SignatureVerifier[] =>
  resolveAllOrEmpty(c, SIGNATURE_VERIFIER as symbol);
export const signersOf = (c: DependencyContainer): Signer[] => resolveAllOrEmpty(c, SIGNER as symbol);
export const scannersOf = (c: DependencyContainer): Scanner[] => resolveAllOrEmpty(c, SCANNER as symbol);
export const pluginsOf = (c: DependencyContainer): AamPlugin[] =>
  resolveAllOrEmpty(c, LOADED_PLUGINS as symbol);

/**
 * The plugins a command runs with: the built-ins it passes, then `plugins:` from the config (relative to the
 * file naming them), then `$AAM_PLUGINS` (comma-separated, relative to `cwd`).
 */
export async function loadPlugins(
  loaded: LoadedConfig,
  builtins: AamPlugin[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<AamPlugin[]> {
  const plugins = [...builtins];
  const base = declaringDir(loaded.layers, (v) => v.plugins !== undefined);
  for (const spec of loaded.config.plugins) plugins.push(await importPlugin(spec, base));
  for (const spec of (opts.env ?? process.env).AAM_PLUGINS?.split(',') ?? []) {
    if (spec.trim()) plugins.push(await importPlugin(spec.trim(), resolve(opts.cwd ?? '.')));
  }
  return plugins;
}

/**
 * The settings plugins read (`PLUGIN_SETTINGS`): the `security:` section with `sigstore.trusted_root` made
 * absolute (relative to the file setting it), aam's home, and the registries (their pinned keys, for the
 * registry attestation verifier).
 */
export function pluginSettings(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): PluginSettings {
  const security = loaded.config.security;
  const registries = loaded.config.registries;
  const root = security.sigstore?.trusted_root;
  if (!root) return { security, home: aamHome(env), registries };
  const base = declaringDir(loaded.layers, (v) => v.security?.sigstore?.trusted_root !== undefined);
  return {
    security: { ...security, sigstore: { ...security.sigstore, trusted_root: resolve(base, root) } },
    home: aamHome(env),
    registries,
  };
}
