import type { Query, Row } from '../db.js';
import type { ScanEvidence } from '@aam/plugin-attestation/format';

/** The `version_scans` table: what the scanners found in a version and what the publish policy decided. */
export class Scans {
  constructor(private readonly q: Query) {}

  async insert(pkg: string, ver: string, report: ScanEvidence): Promise<void> {
    await this.q.run(
      'INSERT INTO version_scans (package, version, report) VALUES (?, ?, ?)',
      pkg,
      ver,
      JSON.stringify(report),
    );
  }

  /** A version's report, or undefined for a version published before the registry scanned. */
  async of(pkg: string, ver: string): Promise<ScanEvidence | undefined> {
    const row = await this.q.get<Row & { report: string }>(
      'SELECT report FROM version_scans WHERE package = ? AND version = ?',
      pkg,
      ver,
    );
    return row ? (JSON.parse(row.report) as ScanEvidence) : undefined;
  }
}
