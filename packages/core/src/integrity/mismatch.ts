import { AamError } from '../errors.js';
import type { Checksum } from './checksum.js';

/** A downloaded archive whose SHA-256 differs from the registry's record: always fatal. */
export class ChecksumMismatchError extends AamError {
  readonly packageId: string;
  readonly expected: Checksum;
  readonly actual: Checksum;
  constructor(packageId: string, expected: Checksum, actual: Checksum) {
    super('CHECKSUM_MISMATCH', `Checksum verification failed for ${packageId}`, {
      package: packageId,
      expected,
      actual,
    });
    this.packageId = packageId;
    this.expected = expected;
    this.actual = actual;
  }
}
