import {
  AamError,
  auditEntrySubject,
  formatAuditTimestamp,
  HttpRegistry,
  isHttpRegistry,
  openRegistry,
  packageAuditLog,
  parsePackageSpec,
  registriesToSearch,
  type AamConfig,
  type PackageAuditReport,
  type RegistryConfig,
} from '@aam/core';
import { ok } from './style.js';

/**
 * `aam info SPEC --audit-log`: the seed's table (newest first), every line an entry proven to be in a checkpoint
 * that verified under the pinned key and is consistent with the last one seen. Returns the `--json` object.
 */
export async function showAuditLog(
  spec: string,
  config: AamConfig,
  registryName: string | undefined,
  log: (line: string) => void,
) {
  const { name } = parsePackageSpec(spec);
  const { registry, cfg } = await httpRegistryWith(config, name, registryName);
  const report = await packageAuditLog(registry, cfg, name);
  log(`Audit Log for ${name}:`);
  for (const e of report.entries)
    log([formatAuditTimestamp(e.timestamp), e.actor, e.event, auditEntrySubject(e)].join(' ').trimEnd());
  if (report.entries.length === 0) log('(no entries)');
  const n = report.entries.length;
  log(
    ok(
      `${n} ${n === 1 ? 'entry' : 'entries'} verified against checkpoint ${report.head.checkpoint.size} (${relation(report)})`,
    ),
  );
  if (report.newer > 0)
    log(`  ${report.newer} newer entries were appended after that checkpoint and are not shown`);
  const h = report.head;
  log(
    h.signedAt
      ? `  Checkpoint signed by the registry at ${h.signedAt.toISOString()}`
      : '  The checkpoint carries no signed time: how fresh it is cannot be told',
  );
  return {
    registry: cfg.name,
    name,
    checkpoint: {
      origin: h.origin,
      size: h.checkpoint.size,
      root: h.checkpoint.root.toString('base64'),
      note: h.note,
      signed_at: h.signedAt?.toISOString() ?? null,
    },
    previous_checkpoint: h.previous ?? null,
    relation: h.relation.$case,
    entries: report.entries.map((e) => ({
      index: e.index,
      timestamp: e.timestamp,
      actor: e.actor,
      event: e.event,
      package: e.package,
      metadata: e.metadata,
      subject: auditEntrySubject(e),
      verified: true,
    })),
    newer_entries: report.newer,
  };
}

function relation(r: PackageAuditReport): string {
  const rel = r.head.relation;
  switch (rel.$case) {
    case 'first-use':
      return 'first checkpoint seen from this registry: trusted on first use and stored';
    case 'same':
    case 'extends':
      return `consistent with the last checkpoint seen: ${rel.size}`;
  }
}

/** The first HTTP registry (in search order) that has the package. */
async function httpRegistryWith(
  config: AamConfig,
  name: string,
  registryName: string | undefined,
): Promise<{ registry: HttpRegistry; cfg: RegistryConfig }> {
  const candidates = registriesToSearch(config.registries, registryName).filter(isHttpRegistry);
  if (candidates.length === 0)
    throw new AamError(
      'USAGE',
      registryName !== undefined
        ? `Registry '${registryName}' is a file:// registry: audit logs are kept by HTTP registries only`
        : 'No HTTP registry is configured: audit logs are kept by HTTP registries only (aam registry add NAME https://HOST)',
    );
  for (const cfg of candidates) {
    const registry = openRegistry(cfg) as HttpRegistry;
    if (await registry.metadata(name)) return { registry, cfg };
  }
  throw new AamError(
    'NOT_FOUND',
    `Package ${name} not found in ${candidates.map((c) => `'${c.name}'`).join(', ')}`,
    {
      package: name,
    },
  );
}
