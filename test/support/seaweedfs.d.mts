import type { S3BlobStore } from '../../packages/registry-server/dist/index.js';

export interface SeaweedFs {
  /** `http://127.0.0.1:PORT`: the S3 endpoint. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** A bucket created at start (`aam-test`); tests give each store its own prefix in it. */
  readonly bucket: string;
  /** The running `weed` process (its CPU is the store's work). */
  readonly pid: number | undefined;
  /** An S3BlobStore on `s3://<bucket>/<prefix>`. */
  store(prefix: string): S3BlobStore;
  /** The AWS variables a client (the registry) needs to reach it. */
  env(): Record<string, string>;
  /** Stops the server (SIGKILL: as a crashed store), keeping its data. */
  pause(): Promise<void>;
  /** Starts it again on the same ports with the same data; resolves once S3 answers. */
  resume(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

/** Where the pinned `weed` binary is, or why there is none. */
export declare function findWeed(): { bin: string } | { missing: string };

/** Starts SeaweedFS (master, volume, filer, S3) on free loopback ports; resolves once it takes writes. */
export declare function startSeaweedFs(): Promise<SeaweedFs>;

/** Why the SeaweedFS tests are skipped (outside CI, not built), or undefined when they run. */
export declare function seaweedSkipReason(): string | undefined;
