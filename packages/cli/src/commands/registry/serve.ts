import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { AamError, checkScannerNames, didYouMean, scannersOf, verifiersOf } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { storeFlags, storeOptions } from '../../registry-store-flags.js';
import { ok, warn } from '../../style.js';

export default class RegistryServe extends AamCommand {
  static override summary = 'Run an HTTP registry with a tamper-evident audit log.';
  static override description = `Serves the /api/v1 API (publish, download, versions, dist-tags, yank, deprecate,
approvals, owners and transfers, tokens) from a database (SQLite by default: no setup; PostgreSQL for several
replicas) and content-addressed blob storage. Every mutation is appended to an RFC 6962 Merkle log in the same
transaction, and a C2SP checkpoint is signed (Ed25519) with it. Each accepted version gets a registry
attestation (in-toto statement in a DSSE envelope, ECDSA P-256) naming the checks it passed, its verified author
signature, approvals and the audit index of its publish event; an author signature that does not verify is refused.
Authors' signatures are checked by the same plugins as the CLI's (built-in, plugins: and $AAM_PLUGINS) with the
config's security settings (security.sigstore.trusted_root, ...).

Before it stores an upload, the registry scans its files in memory (secrets, agent-package hazards, and ClamAV
malware signatures when --clamd names a clamd; scanner plugins add more) and asks its publish policy (Rego:
the shipped one, or --publish-policy FILE), which accepts, holds for an approver, or rejects (422, logged as
version.reject, nothing stored). A scanner that is down or too slow refuses the publish (503), never passes it.
Scan results and the policy's digest and decision go into the version's attestation (docs/scanning.md).

On the first start it creates the 'admin' user and prints a one-time admin token (or takes
$AAM_REGISTRY_ADMIN_TOKEN), and generates the checkpoint key under --keys (default <storage>/keys; or takes
$AAM_REGISTRY_CHECKPOINT_KEY). It refuses to start on a log that does not verify.

Several replicas: run each on one PostgreSQL (--db postgres://...) and one S3-compatible store
(--storage s3://BUCKET/PREFIX, credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, --s3-endpoint for a
self-hosted store), with copies of the same --keys directory (docs/deploy.md). When the database or the store
is down, requests get 503 with Retry-After and service resumes by itself. Operations: /healthz (the process),
/readyz (database, store, and the log head verified), /metrics (Prometheus). Web pages at /.`;
  static override examples = [
    '<%= config.bin %> registry serve --storage ./registry-data',
    '<%= config.bin %> registry serve --port 8080 --db postgres://aam@localhost/aam --storage /srv/aam',
    'AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... <%= config.bin %> registry serve --db postgres://aam@db/aam --storage s3://aam-archives/prod --s3-endpoint http://seaweedfs:8333 --keys /etc/aam/keys',
  ];
  static override flags = {
    port: Flags.integer({ description: 'port to listen on (0: any free port)', default: 4873 }),
    host: Flags.string({ description: 'address to bind', default: '127.0.0.1' }),
    ...storeFlags({ storageRequired: true }),
    name: Flags.string({ description: "the registry's name (fixed at first start)" }),
    origin: Flags.string({
      description: "the audit log's origin line (fixed at first start; default <name>/audit)",
    }),
    'require-approval': Flags.boolean({
      description: 'publishes wait for an approver (never the publisher)',
    }),
    'rate-limit-publish': Flags.integer({ description: 'publishes per minute per token', default: 600 }),
    'rate-limit': Flags.integer({
      description: 'other requests per minute per token or address',
      default: 60000,
    }),
    'max-archive-size': Flags.integer({
      description: 'largest archive accepted, bytes',
      default: 50 * 1024 * 1024,
    }),
    'log-level': Flags.string({
      description:
        'structured request log (JSON lines on stderr; credentials redacted): silent, error, warn, info, debug',
      options: ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'],
      default: 'warn',
    }),
    'publish-policy': Flags.string({
      description:
        'Rego file (package aam.publish) deciding accept, hold or reject for each upload (default: the shipped policy; needs opa)',
    }),
    scan: Flags.string({
      description:
        "scanners to run, comma-separated (default: every one loaded: secrets, hazards, clamav with --clamd, plugins'); 'none' for no scans",
    }),
    clamd: Flags.string({
      description: 'where clamd listens (HOST:PORT or a unix socket path): adds the clamav malware scan',
    }),
    'clamd-database': Flags.string({
      description:
        "clamd's signature directory, to name its digest in attestations (else clamd's database version)",
    }),
    'scan-timeout': Flags.integer({
      description: 'seconds each scanner may take on one upload; past it the publish is refused (503)',
      default: 30,
    }),
    'scan-max-size': Flags.integer({
      description:
        'most unpacked bytes of one upload read into memory and scanned; a larger package is refused (413)',
      default: 256 * 1024 * 1024,
    }),
    'trust-proxy': Flags.string({
      description:
        "behind a reverse proxy: the proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated, e.g. 127.0.0.1,10.0.0.0/8; or a hop count); the client's address then comes from it (rate limits, logs)",
    }),
    'sigstore-trusted-root': Flags.string({
      description:
        "trusted_root.json for checking authors' Sigstore bundles (default: security.sigstore.trusted_root, else the public-good root)",
    }),
  };

  async run() {
    const { flags } = await this.parse(RegistryServe);
    const store = storeOptions(flags);
    const trustProxy = parseTrustProxy(flags['trust-proxy']);
    const root = flags['sigstore-trusted-root'];
    // Authors' signatures are checked by the same plugins, settings and trust roots as the CLI's.
    this.config_(root ? { security: { sigstore: { trusted_root: resolve(root) } } } : undefined);
    const clamav = flags.clamd
      ? {
          address: flags.clamd,
          ...(flags['clamd-database'] ? { database: resolve(flags['clamd-database']) } : {}),
        }
      : undefined;
    if (flags['clamd-database'] && !flags.clamd)
      throw new AamError('USAGE', '--clamd-database needs --clamd');
    if (flags['scan-timeout'] < 1) throw new AamError('USAGE', '--scan-timeout must be at least 1 second');
    if (flags['scan-max-size'] < 1024 * 1024)
      throw new AamError('USAGE', '--scan-max-size must be at least 1048576 bytes (1 MB)');
    const container = await this.pluginContainer({ scanners: clamav ? { clamav } : {} });
    const verifiers = verifiersOf(container);
    const scanners = chooseScanners(scannersOf(container), flags.scan);
    const { startRegistry } = await import('@aam/registry-server');
    type LogLevel = NonNullable<Parameters<typeof startRegistry>[0]['logLevel']>;
    const r = await startRegistry({
      verifiers,
      scanners,
      scanTimeoutMs: flags['scan-timeout'] * 1000,
      scanMaxBytes: flags['scan-max-size'],
      ...(flags['publish-policy'] ? { publishPolicy: resolve(flags['publish-policy']) } : {}),
      ...store,
      host: flags.host,
      port: flags.port,
      requireApproval: flags['require-approval'],
      rateLimit: { publish: flags['rate-limit-publish'], other: flags['rate-limit'] },
      limits: { maxArchiveSize: flags['max-archive-size'] },
      ...(trustProxy !== undefined ? { trustProxy } : {}),
      ...(flags['log-level'] !== 'silent' ? { logLevel: flags['log-level'] as LogLevel } : {}),
      ...(flags.name ? { name: flags.name } : {}),
      ...(flags.origin ? { origin: flags.origin } : {}),
    });
    this.log(ok(`Registry listening on ${r.url}`));
    this.log(`  Audit log: ${r.audit.origin}`);
    this.log(`  Archives: ${r.storage}`);
    this.log(`  Checkpoint key: ${r.audit.vkey}`);
    this.log(`  Scans: ${scanners.length ? scanners.map((x) => x.name).join(', ') : 'none'}`);
    this.log(
      `  Publish policy: ${r.publishPolicy.source === 'default' ? 'the shipped default' : r.publishPolicy.source} (${r.publishPolicy.digest})`,
    );
    if (r.adminToken) {
      this.log(warn('Admin token (shown once; keep it secret):'));
      this.log(`  ${r.adminToken}`);
    }
    const stop = () => {
      void r.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise(() => undefined);
  }
}

/** `--trust-proxy`: a hop count, or addresses / CIDRs (never "true": trusting every peer lets clients pick their address). */
export function parseTrustProxy(value: string | undefined): string[] | number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^[1-9][0-9]?$/.test(v)) return Number(v);
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const address = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(?:\/[0-9]{1,3})?$/;
  const bad = items.find((s) => !address.test(s) && !['loopback', 'linklocal', 'uniquelocal'].includes(s));
  if (!items.length || bad !== undefined)
    throw new AamError(
      'USAGE',
      `--trust-proxy takes addresses or CIDRs (127.0.0.1,10.0.0.0/8), loopback, or a hop count, not '${bad ?? value}'`,
    );
  return items;
}

/** The scanners `--scan` names (all loaded ones by default; `none`: none), each loaded, or a usage error. */
export function chooseScanners<T extends { name: string }>(loaded: T[], wanted: string | undefined): T[] {
  // Loaded scanners with a bad or a shared name (a plugin reusing 'secrets') are refused before anything runs.
  checkScannerNames(loaded);
  if (wanted === undefined) return loaded;
  if (wanted.trim() === 'none') return [];
  const names = [
    ...new Set(
      wanted
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
  return names.map((n) => {
    const s = loaded.find((x) => x.name === n);
    if (!s)
      throw new AamError(
        'USAGE',
        `--scan names '${n}', which is not loaded (loaded: ${loaded.map((x) => x.name).join(', ') || 'none'})${didYouMean(
          n,
          loaded.map((x) => x.name),
        )}${n === 'clamav' ? '; the clamav scan needs --clamd HOST:PORT' : ''}`,
      );
    return s;
  });
}
