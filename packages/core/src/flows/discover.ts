// Finding packages: `aam search` across the configured registries, and `aam outdated` for what is installed.
import semver from 'semver';
import type { AamConfig } from '../config/types.js';
import { readLock } from '../lock/lockfile.js';
import { openRegistry, registriesToSearch } from '../registry/open.js';
import { selectVersion } from '../registry/resolve.js';
import type { SearchHit } from '../registry/types.js';
import { printable } from '../printable.js';
import { installTarget } from './context.js';

export interface SearchResult extends SearchHit {
  registry: string;
}

/**
 * Searches every configured registry (or the one named), in search order, and reports the ones that could not
 * answer instead of failing the whole search. A name found in several registries is listed once per registry:
 * which one an install takes is the install's rule (first registry that has it), shown by `aam info`.
 */
export async function searchFlow(req: {
  config: AamConfig;
  query: string;
  registry?: string;
  limit?: number;
}): Promise<{
  results: SearchResult[];
  failures: { registry: string; error: string }[];
  /** How many registries were asked (all of them failing means the search failed). */
  searched: number;
}> {
  const limit = req.limit ?? 20;
  const registries = registriesToSearch(req.config.registries, req.registry);
  const answers = await Promise.all(
    registries.map(async (cfg) => {
      try {
        const hits = await openRegistry(cfg).search(req.query, limit);
        return { registry: cfg.name, hits };
      } catch (e) {
        return { registry: cfg.name, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
  const results: SearchResult[] = [];
  const failures: { registry: string; error: string }[] = [];
  for (const a of answers) {
    if ('error' in a) failures.push({ registry: a.registry, error: a.error! });
    // Registry text, shown on a terminal: no control characters.
    else
      results.push(
        ...a.hits.map((h) => ({
          name: h.name,
          description: printable(h.description),
          ...(h.latest !== undefined ? { latest: printable(h.latest) } : {}),
          registry: a.registry,
        })),
      );
  }
  return { results, failures, searched: registries.length };
}

export interface OutdatedPackage {
  name: string;
  /** Installed (the lock's version). */
  current: string;
  /** What `latest` resolves to now (skipping yanked versions), and whether it is newer. */
  latest: string;
  registry: string;
  /** A newer version is available; `major` when it is outside the installed version's major line. */
  update: 'none' | 'minor' | 'major';
  /** The installed version was yanked since. */
  yanked?: boolean;
}

/** Installed packages whose registry now has a newer `latest`; every locked package is listed with its status. */
export async function outdatedFlow(req: {
  config: AamConfig;
  projectDir: string;
  global?: boolean;
  env?: NodeJS.ProcessEnv;
}): Promise<{ packages: OutdatedPackage[]; failures: { name: string; error: string }[] }> {
  const target = installTarget(req.projectDir, req.global ?? false, req.env);
  const lock = readLock(target.aamDir, req.env);
  const opened = new Map<string, ReturnType<typeof openRegistry>>();
  const registryNamed = (name: string) => {
    const cfg = req.config.registries.find((r) => r.name === name);
    if (!cfg) return undefined;
    if (!opened.has(name)) opened.set(name, openRegistry(cfg));
    return opened.get(name);
  };
  const packages: OutdatedPackage[] = [];
  const failures: { name: string; error: string }[] = [];
  await Promise.all(
    Object.entries(lock.packages).map(async ([name, locked]) => {
      // One package that cannot be checked (its registry gone, unreadable, unreachable) is reported alone.
      try {
        const registry = registryNamed(locked.source);
        if (!registry) {
          failures.push({ name, error: `its registry '${locked.source}' is not configured` });
          return;
        }
        const meta = await registry.metadata(name);
        if (!meta || meta.hidden) {
          failures.push({ name, error: `'${locked.source}' no longer lists it` });
          return;
        }
        const latest = selectVersion(meta, { $case: 'tag', tag: 'latest' }).version;
        const mine = meta.versions.find((v) => v.version === locked.version);
        const newer = semver.gt(latest, locked.version);
        packages.push({
          name,
          current: locked.version,
          latest,
          registry: locked.source,
          update: !newer ? 'none' : semver.major(latest) !== semver.major(locked.version) ? 'major' : 'minor',
          ...(mine?.yanked ? { yanked: true } : {}),
        });
      } catch (e) {
        failures.push({ name, error: e instanceof Error ? e.message : String(e) });
      }
    }),
  );
  packages.sort((a, b) => a.name.localeCompare(b.name));
  failures.sort((a, b) => a.name.localeCompare(b.name));
  return { packages, failures };
}
