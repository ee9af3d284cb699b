import type { AamConfig } from '../config/types.js';
import type { SignatureFact } from '../plugin/contracts.js';
import { registryAttestationFacts, storedSignatureFacts, type TrustContext } from '../policy/gather.js';
import { fetchArchive } from './fetch.js';
import { AamError } from '../errors.js';
import { parsePackageSpec } from '../package/name.js';
import { openRegistry, registriesToSearch } from '../registry/open.js';
import { selectVersion } from '../registry/resolve.js';
import type { PackageMetadata, VersionRecord } from '../registry/types.js';

export interface InfoResult {
  registry: string;
  metadata: PackageMetadata;
  selected: VersionRecord;
  /**
   * With `signatures`: every stored signature of the selected version, verified against its archive, then the
   * registry's own attestations (HTTP registries), verified against the pinned keys and the audit log.
   */
  signatures?: SignatureFact[];
}

/** Looks a package up in the configured registries (first match wins) and selects the requested version. */
export async function infoFlow(
  spec: string,
  config: AamConfig,
  registryName?: string,
  opts: { trust?: TrustContext } = {},
): Promise<InfoResult> {
  const parsed = parsePackageSpec(spec);
  for (const cfg of registriesToSearch(config.registries, registryName)) {
    const registry = openRegistry(cfg);
    const metadata = await registry.metadata(parsed.name);
    if (!metadata) continue;
    const selected = selectVersion(metadata, parsed.selector);
    const result: InfoResult = { registry: registry.name, metadata, selected };
    if (opts.trust) {
      const { bytes, actual } = await fetchArchive(
        registry,
        parsed.name,
        selected.version,
        config.limits.max_archive_size,
      );
      const artifact = {
        bytes,
        checksum: actual,
        size: bytes.length,
        name: parsed.name,
        version: selected.version,
      };
      result.signatures = [
        ...(await storedSignatureFacts(
          opts.trust,
          registry,
          parsed.name,
          selected.version,
          selected.signatures,
          artifact,
        )),
        ...((await registryAttestationFacts(opts.trust, registry, parsed.name, selected.version, artifact)) ??
          []),
      ];
    }
    return result;
  }
  throw new AamError('NOT_FOUND', `Package ${parsed.name} not found in any configured registry`, {
    package: parsed.name,
  });
}
