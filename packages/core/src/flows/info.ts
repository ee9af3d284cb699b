import type { AamConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import { judge, type Judgement } from '../facts/judge.js';
import type { TrustContext } from '../facts/gather.js';
import { parsePackageSpec } from '../package/name.js';
import { openRegistry, registriesFor } from '../registry/open.js';
import { assertInstallable, selectVersion } from '../registry/resolve.js';
import type { PackageMetadata, VersionRecord } from '../registry/types.js';
import { fetchArchive } from './fetch.js';

export interface InfoResult {
  registry: string;
  metadata: PackageMetadata;
  selected: VersionRecord;
  /**
   * With `trust`: the selected version judged — every stored signature verified against its archive, and the
   * registry's own attestations (HTTP registries), verified against the pinned keys and the audit log.
   */
  judgement?: Judgement;
}

/** Looks a package up in the configured registries (first match wins) and selects the requested version. */
export async function infoFlow(
  spec: string,
  config: AamConfig,
  registryName?: string,
  opts: { trust?: TrustContext } = {},
): Promise<InfoResult> {
  const parsed = parsePackageSpec(spec);
  for (const cfg of registriesFor(config, parsed.name, registryName)) {
    const registry = openRegistry(cfg);
    const metadata = await registry.metadata(parsed.name);
    if (!metadata) continue;
    assertInstallable(metadata, registry.name);
    const selected = selectVersion(metadata, parsed.selector);
    const result: InfoResult = { registry: registry.name, metadata, selected };
    if (opts.trust) {
      const archive = await fetchArchive(
        registry,
        parsed.name,
        selected.version,
        config.limits.max_archive_size,
      );
      // The listing shows the registry's attestations whatever trust_registry_attestations says.
      result.judgement = await judge(
        {
          name: parsed.name,
          version: selected.version,
          archive,
          expected: selected.checksum,
          registry: { registry, record: selected, metadata },
        },
        { ...opts.trust, attestations: true },
      );
    }
    return result;
  }
  throw new AamError('NOT_FOUND', `Package ${parsed.name} not found in any configured registry`, {
    package: parsed.name,
  });
}
