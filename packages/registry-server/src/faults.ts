/** A point in the registry's code where a test may inject a fault. */
export type FaultPoint = 'publish:after-version-insert' | 'publish:after-blob-put';

/**
 * Fault injection for crash tests, passed to `startRegistry`/`buildApp` by a test harness (never by `aam
 * registry serve`): `reached` is called at each point, inside whatever transaction is open there, so a harness
 * can kill the process exactly where a real crash would hurt most. Absent, nothing is called.
 */
export interface FaultPoints {
  reached(point: FaultPoint): void | Promise<void>;
}
