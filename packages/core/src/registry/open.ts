import { AamError } from '../errors.js';
import type { RegistryConfig } from '../config/types.js';
import { LocalRegistry } from './local.js';
import type { Registry } from './types.js';

/** Opens a configured registry by its URL scheme. */
export function openRegistry(cfg: RegistryConfig): Registry {
  if (cfg.url.startsWith('file://')) return LocalRegistry.open(cfg.name, cfg.url);
  throw new AamError(
    'INVALID_REGISTRY',
    `Registry '${cfg.name}' (${cfg.url}): HTTP registries are not supported by this build yet; use a file:// registry`,
  );
}

/** The registries to search, in order: the named one only, or the default first and then config order. */
export function registriesToSearch(all: RegistryConfig[], name?: string): RegistryConfig[] {
  if (name !== undefined) {
    const found = all.find((r) => r.name === name);
    if (!found) {
      throw new AamError(
        'NOT_FOUND',
        `Registry '${name}' not found. Run 'aam registry list' to see configured registries.`,
      );
    }
    return [found];
  }
  if (all.length === 0) {
    throw new AamError(
      'NOT_FOUND',
      "No registries configured. Add one with 'aam registry add NAME file://PATH --default'.",
    );
  }
  return [...all.filter((r) => r.default), ...all.filter((r) => !r.default)];
}
