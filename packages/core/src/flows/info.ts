import type { AamConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import { parsePackageSpec } from '../package/name.js';
import { openRegistry, registriesToSearch } from '../registry/open.js';
import { selectVersion } from '../registry/resolve.js';
import type { PackageMetadata, VersionRecord } from '../registry/types.js';

export interface InfoResult {
  registry: string;
  metadata: PackageMetadata;
  selected: VersionRecord;
}

/** Looks a package up in the configured registries (first match wins) and selects the requested version. */
export async function infoFlow(spec: string, config: AamConfig, registryName?: string): Promise<InfoResult> {
  const parsed = parsePackageSpec(spec);
  for (const cfg of registriesToSearch(config.registries, registryName)) {
    const registry = openRegistry(cfg);
    const metadata = await registry.metadata(parsed.name);
    if (metadata)
      return { registry: registry.name, metadata, selected: selectVersion(metadata, parsed.selector) };
  }
  throw new AamError('NOT_FOUND', `Package ${parsed.name} not found in any configured registry`, {
    package: parsed.name,
  });
}
