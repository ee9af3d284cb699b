import { AamError, noRegistriesError, unknownRegistryError } from '../errors.js';
import type { AamConfig, RegistryConfig } from '../config/types.js';
import { registryToken } from './credentials.js';
import { HttpRegistry } from './http.js';
import { LocalRegistry } from './local.js';
import type { Registry } from './types.js';

/** Whether a configured registry is served over HTTP(S). */
export function isHttpRegistry(cfg: RegistryConfig): boolean {
  return /^https?:\/\//i.test(cfg.url);
}

/** Opens a configured registry by its URL scheme. */
export function openRegistry(cfg: RegistryConfig, env: NodeJS.ProcessEnv = process.env): Registry {
  if (cfg.url.startsWith('file://')) return LocalRegistry.open(cfg.name, cfg.url);
  if (isHttpRegistry(cfg)) return openHttp(cfg, env);
  throw new AamError(
    'USAGE',
    `Registry '${cfg.name}' (${cfg.url}): unsupported URL scheme; use file://PATH or http(s)://HOST`,
  );
}

function openHttp(cfg: RegistryConfig, env: NodeJS.ProcessEnv): HttpRegistry {
  const token = registryToken(cfg.name, env);
  return new HttpRegistry(cfg.name, cfg.url, {
    ...(token
      ? { token: token.token, ...(token.source === 'AAM_TOKEN' ? { tokenSource: 'AAM_TOKEN' } : {}) }
      : {}),
    ...(cfg.timeout !== undefined ? { timeoutMs: cfg.timeout * 1000 } : {}),
    ...(cfg.retries !== undefined ? { retries: cfg.retries } : {}),
  });
}

/**
 * The HTTP registry a registry-management command acts on: the named one, else the default (else the first).
 * A file:// registry is refused: tokens, tags, yanks, approvals and owners live on an HTTP registry.
 */
export function openHttpRegistry(
  all: RegistryConfig[],
  name: string | undefined,
  action: string,
  env: NodeJS.ProcessEnv = process.env,
): { registry: HttpRegistry; config: RegistryConfig } {
  const [cfg] = registriesToSearch(all, name);
  if (!cfg || !isHttpRegistry(cfg)) {
    throw new AamError(
      'USAGE',
      `Registry '${cfg?.name}' (${cfg?.url}) is a file:// registry: ${action} needs an HTTP registry (aam registry add NAME https://HOST${name === undefined ? ', or pick one with --registry NAME' : ''})`,
    );
  }
  return { registry: openHttp(cfg, env), config: cfg };
}

/**
 * The registries to ask for `pkg`, in order. A package of a scope bound to a registry (`scopes:`) is asked of
 * that registry only, and naming another with `--registry` is refused: a bound scope is never looked up (or
 * published) elsewhere. Otherwise: the named registry only, or the default first and then config order.
 */
export function registriesFor(
  config: Pick<AamConfig, 'registries' | 'scopes'>,
  pkg: string,
  name?: string,
): RegistryConfig[] {
  const { scope, bound } = scopeBinding(config, pkg);
  if (bound === undefined) return registriesToSearch(config.registries, name);
  if (name !== undefined && name !== bound)
    throw new AamError(
      'USAGE',
      `${scope} is bound to registry '${bound}' (scopes: in the config): its packages never come from, or go to, '${name}'`,
      { scope, registry: bound },
    );
  const found = config.registries.find((r) => r.name === bound);
  if (!found)
    throw new AamError(
      'INVALID_CONFIG',
      `scopes: ${scope} is bound to registry '${bound}', which is not in registries`,
      { scope, registry: bound },
    );
  return [found];
}

/** The package's scope, and the registry `scopes:` binds it to (if any). */
export function scopeBinding(
  config: Pick<AamConfig, 'scopes'>,
  pkg: string,
): { scope?: string; bound?: string } {
  if (!pkg.startsWith('@')) return {};
  const scope = pkg.slice(0, pkg.indexOf('/'));
  const scopes = config.scopes ?? {};
  return Object.hasOwn(scopes, scope) ? { scope, bound: scopes[scope]! } : { scope };
}

/** The registries to search, in order: the named one only, or the default first and then config order. */
export function registriesToSearch(all: RegistryConfig[], name?: string): RegistryConfig[] {
  if (name !== undefined) {
    const found = all.find((r) => r.name === name);
    if (!found) throw unknownRegistryError(name, all);
    return [found];
  }
  if (all.length === 0) throw noRegistriesError();
  return [...all.filter((r) => r.default), ...all.filter((r) => !r.default)];
}
