/** The EICAR anti-virus test file (assembled at run time). */
export declare const EICAR: string;
/** A marker string the generated body signature (`Aam.Test.Marker`) matches anywhere in a file. */
export declare const MALWARE_MARKER: string;
export declare const EICAR_SIGNATURE: string;
export declare const MARKER_SIGNATURE: string;

export interface Clamd {
  /** `127.0.0.1:PORT` */
  address: string;
  port: number;
  databaseDir: string;
  /** Stops the daemon (SIGTERM, waits for it to exit). */
  stop(): Promise<void>;
  /** Starts it again on the same port and database (after `stop`). */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  close(): Promise<void>;
}

/** `clamd`'s path, or a message saying how to install it. */
export declare function findClamd(): { bin: string } | { missing: string };
/**
 * Starts clamd on a free loopback port with a generated signature database and `AlertExceedsMax yes`; resolves once
 * it answers PING. Limits in clamd.conf's size notation (`200M`); defaults 200M, 400M and 200M.
 */
export declare function startClamd(limits?: {
  streamMaxLength?: string;
  maxScanSize?: string;
  maxFileSize?: string;
}): Promise<Clamd>;
