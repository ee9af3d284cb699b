import { AamError } from '../errors.js';
import { escapedName } from '../printable.js';
import { SCANNER_NAME_RE, type Finding, type Scanner, type ScanTarget } from '../plugin/contracts.js';

/** One scanner's result, as the publish policy reads it and the registry attestation records it. */
export interface ScanResult {
  scanner: string;
  version: string;
  /** The database or rule set the scan used, when the scanner names one. */
  database?: string;
  result: 'clean' | 'findings';
  findings: Finding[];
  duration_ms: number;
}

/** At most this many findings per scanner are kept (an archive full of matches must not flood the answer). */
export const MAX_FINDINGS = 100;

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];
const SEVERITIES = new Set(SEVERITY_ORDER);

/** Scanners a registry can run together: each name well-formed and unique (attestations record them by name). */
export function checkScannerNames(scanners: { name: string }[]): void {
  const seen = new Set<string>();
  for (const { name } of scanners) {
    if (typeof name !== 'string' || !SCANNER_NAME_RE.test(name))
      throw new AamError(
        'USAGE',
        `A scanner is named ${JSON.stringify(name)}: scanner names are lowercase letters, digits, '.', '_' and '-' (at most 64)`,
      );
    if (seen.has(name))
      throw new AamError('USAGE', `Two scanners are named '${name}': each name must be unique`);
    seen.add(name);
  }
}

/**
 * Runs every scanner over the target, at once, each within `timeoutMs`. Any scanner that throws, times out or
 * answers something that is not a list of findings makes the whole scan fail (`SCAN_FAILED`): a scan that did
 * not happen is never reported clean. `signal` aborts them all (the request went away).
 */
export async function runScanners(
  scanners: Scanner[],
  target: ScanTarget,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<ScanResult[]> {
  checkScannerNames(scanners);
  return Promise.all(scanners.map((s) => runOne(s, target, opts)));
}

async function runOne(
  scanner: Scanner,
  target: ScanTarget,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<ScanResult> {
  const controller = new AbortController();
  const abort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', abort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timeout'));
      reject(
        new AamError('SCAN_FAILED', `The ${scanner.name} scan did not finish within ${opts.timeoutMs} ms`, {
          scanner: scanner.name,
        }),
      );
    }, opts.timeoutMs);
  });
  const started = performance.now();
  try {
    const report = await Promise.race([scanner.scan(target, { signal: controller.signal }), timedOut]);
    // The most severe first, so that keeping the first MAX_FINDINGS never drops a critical one.
    const findings = checkedFindings(scanner.name, report?.findings).sort(
      (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
    );
    return {
      scanner: scanner.name,
      // Read after the scan: an engine may learn its own version from the daemon it asked.
      version: scanner.version,
      ...(typeof report.database === 'string' && report.database ? { database: report.database } : {}),
      result: findings.length ? 'findings' : 'clean',
      findings: findings.slice(0, MAX_FINDINGS),
      duration_ms: Math.round(performance.now() - started),
    };
  } catch (e) {
    if (e instanceof AamError && e.code === 'SCAN_FAILED') throw e;
    const tooLarge = (e as { code?: unknown } | undefined)?.code === 'SCAN_TOO_LARGE';
    throw new AamError(
      'SCAN_FAILED',
      `The ${scanner.name} scan failed: ${e instanceof Error ? e.message : String(e)}`,
      { scanner: scanner.name, ...(tooLarge ? { too_large: true } : {}) },
    );
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
  }
}

/** A scanner's findings, each checked for shape: a malformed answer is a failed scan, never "no findings". */
function checkedFindings(scanner: string, findings: unknown): Finding[] {
  if (!Array.isArray(findings))
    throw new AamError('SCAN_FAILED', `The ${scanner} scan answered without a list of findings`, {
      scanner,
    });
  return findings.map((f: Partial<Finding>) => {
    if (
      typeof f !== 'object' ||
      f === null ||
      typeof f.rule !== 'string' ||
      !f.rule ||
      !SEVERITIES.has(f.severity as string) ||
      typeof f.path !== 'string' ||
      typeof f.message !== 'string' ||
      (f.line !== undefined && (!Number.isSafeInteger(f.line) || f.line < 1))
    )
      throw new AamError('SCAN_FAILED', `The ${scanner} scan answered a malformed finding`, { scanner });
    // Paths (and what a scanner says about the content) come from the package: shown and stored with control,
    // bidirectional and invisible characters escaped.
    return {
      rule: escapedName(f.rule),
      severity: f.severity!,
      path: escapedName(f.path),
      ...(f.line !== undefined ? { line: f.line } : {}),
      message: escapedName(f.message),
    };
  });
}
