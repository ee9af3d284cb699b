import { Flags } from '@oclif/core';
import { AamError } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { storeFlags, storeOptions } from '../../registry-store-flags.js';
import { Progress } from '../../outcome-summary.js';
import { ok } from '../../style.js';

/** `30s`, `15m`, `1h`, `7d` → milliseconds (0s allowed: a publish re-stores a blob it needs under the lock). */
export function parseDuration(value: string): number {
  const m = /^(0|[1-9][0-9]{0,8})(s|m|h|d)$/.exec(value.trim());
  if (!m)
    throw new AamError('USAGE', `--older-than must be a duration such as 30m, 1h or 7d, not '${value}'`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

const size = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / 1024 / 1024).toFixed(1)} MiB`;

export default class RegistryGc extends AamCommand {
  static override summary = 'Remove archives no version names (left by a crash between upload and commit).';
  static override description = `A publish stores its archive first and commits its version second, so a crash, a kill or a
database outage in between leaves an archive nothing names. This sweeps them from the registry's store (a
directory or s3://), never one a committed or pending version needs: each batch is re-checked and deleted under
the same database lock a publish commits under, and a publish whose archive was swept stores it again before it
commits. Only archives older than --older-than are candidates. Safe while the registry runs.`;
  static override examples = [
    '<%= config.bin %> registry gc --storage ./registry-data --dry-run',
    '<%= config.bin %> registry gc --storage s3://aam-archives/prod --s3-endpoint http://seaweedfs:8333 --db postgres://aam@db/aam --keys /etc/aam/keys --older-than 24h',
  ];
  static override flags = {
    ...storeFlags({ storageRequired: true }),
    'dry-run': Flags.boolean({ description: 'list what would be removed; remove nothing' }),
    'older-than': Flags.string({
      description: 'only archives written longer ago than this (30m, 1h, 7d; 0s for all)',
      default: '1h',
    }),
  };

  async run() {
    const { flags } = await this.parse(RegistryGc);
    const olderThanMs = parseDuration(flags['older-than']);
    const store = storeOptions(flags);
    const server = await import('@aam/registry-server');
    // Never create a registry here: the database must already hold one (and its log must verify).
    const opened = await server.openRegistryStore({ ...store, existing: true });
    const blobs = server.openBlobStore(opened.layout.storage, store.s3);
    try {
      const progress = Progress.forTerminal(this.jsonEnabled());
      const what = flags['dry-run'] ? 'Checking archives' : 'Sweeping archives';
      const report = await server.sweepBlobs(opened.db, blobs, {
        olderThan: new Date(Date.now() - olderThanMs),
        dryRun: flags['dry-run'],
        progress: (seen, swept) => progress.update(`${what}: ${seen} seen, ${swept} unnamed...`),
      });
      progress.clear();
      const verb = report.dryRun ? 'Would remove' : 'Removed';
      for (const b of report.swept)
        this.say(`  ${verb.toLowerCase()} sha256:${b.hex} (${size(b.size)}, written ${b.modified})`);
      this.say(
        ok(
          `${verb} ${report.swept.length} unnamed archive${report.swept.length === 1 ? '' : 's'} (${size(report.bytes)}); kept ${report.referenced} named, ${report.recent} younger than ${flags['older-than']}; ${report.scanned} in ${blobs.location}`,
        ),
      );
      return {
        store: blobs.location,
        dry_run: report.dryRun,
        scanned: report.scanned,
        referenced: report.referenced,
        recent: report.recent,
        removed: report.swept,
        removed_bytes: report.bytes,
      };
    } finally {
      await opened.db.close();
      (blobs as { close?: () => void }).close?.();
    }
  }
}
