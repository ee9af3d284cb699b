import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type * as S3 from '@aws-sdk/client-s3';
import { AamError } from '@aam/core';
import { checkKey, SHA256_HEX, type BlobInfo, type BlobStore } from './contract.js';

const require = createRequire(import.meta.url);

/** Where an S3-compatible store is and how to talk to it. Unset fields come from the standard AWS variables. */
export interface S3Options {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending in '/'). */
  prefix: string;
  /** e.g. `http://127.0.0.1:8333` (default: `$AWS_ENDPOINT_URL_S3`, `$AWS_ENDPOINT_URL`, else AWS itself). */
  endpoint?: string;
  /** Default `$AWS_REGION`, `$AWS_DEFAULT_REGION`, else us-east-1. */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), as self-hosted stores need; default: on when an endpoint is given. */
  forcePathStyle?: boolean;
  /** Milliseconds for one request (default 10 s) and for connecting (default 3 s): a store that hangs is down. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Explicit credentials (tests); default: the SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** `s3://BUCKET[/PREFIX]` → bucket and prefix; undefined when the spec is not an s3 URL. */
export function parseS3Url(spec: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(spec);
  if (!m) return undefined;
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new AamError('USAGE', `--storage s3://${bucket}: '${bucket}' is not an S3 bucket name`);
  let prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix.split('/').some((p) => p === '' || p === '.' || p === '..') && prefix !== '')
    throw new AamError(
      'USAGE',
      `--storage s3://${bucket}/${prefix}: not a key prefix (empty, '.' or '..' segments)`,
    );
  if (prefix) prefix += '/';
  return { bucket, prefix };
}

type S3Module = typeof S3;

/**
 * Archives in an S3-compatible object store (AWS S3, SeaweedFS, Ceph RGW, ...): `<prefix>blobs/sha256/ab/<hex>`.
 * A PUT is atomic in S3 (an object is never visible half-written), so a crashed write leaves nothing; keys are
 * digests, so a second write of the same key writes the same bytes. The SDK's own payload checksums are turned
 * off (not every self-hosted store speaks them); the bytes are checked against their key by `CheckedBlobs`.
 */
export class S3BlobStore implements BlobStore {
  private readonly s3: S3Module;
  private readonly client: S3.S3Client;

  constructor(readonly opts: S3Options) {
    // The pinned SDK runs on Node 20; its notice that later versions will need Node 22 is for whoever upgrades
    // it (package.json pins it), not for every registry start.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    // Loaded only when an s3:// store is configured: the SDK is large, and the default store does not need it.
    this.s3 = require('@aws-sdk/client-s3') as S3Module;
    const endpoint = opts.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    this.client = new this.s3.S3Client({
      region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: opts.forcePathStyle ?? endpoint !== undefined,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // One retry: a store that is down must turn into a 503 quickly, not after a long backoff.
      maxAttempts: 2,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        requestTimeout: opts.requestTimeoutMs ?? 10_000,
        connectionTimeout: opts.connectTimeoutMs ?? 3_000,
      },
    });
  }

  get location(): string {
    return `s3://${this.opts.bucket}/${this.opts.prefix}`;
  }

  private key(hex: string): string {
    return `${this.opts.prefix}blobs/sha256/${checkKey(hex).slice(0, 2)}/${hex}`;
  }

  async has(hex: string): Promise<boolean> {
    try {
      await this.client.send(new this.s3.HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.key(hex) }));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw e;
    }
  }

  /**
   * Always written, never skipped on a HEAD: one request instead of two, and an object someone replaced with
   * other bytes is put right by the next publish of the real ones.
   */
  async put(hex: string, bytes: Buffer): Promise<void> {
    await this.client.send(
      new this.s3.PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: this.key(hex),
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: 'application/octet-stream',
      }),
    );
  }

  private async object(hex: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(
        new this.s3.GetObjectCommand({ Bucket: this.opts.bucket, Key: this.key(hex) }),
      );
      if (!(out.Body instanceof Readable)) throw new Error(`GetObject ${hex}: no body stream`);
      return out.Body;
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async get(hex: string): Promise<Buffer | undefined> {
    const body = await this.object(hex);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  stream(hex: string): Promise<Readable | undefined> {
    return this.object(hex);
  }

  async *list(): AsyncIterable<BlobInfo> {
    const Prefix = `${this.opts.prefix}blobs/sha256/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new this.s3.ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix, ContinuationToken }),
      );
      for (const o of page.Contents ?? []) {
        const rest = (o.Key ?? '').slice(Prefix.length).split('/');
        const hex = rest[1] ?? '';
        if (rest.length !== 2 || !SHA256_HEX.test(hex) || rest[0] !== hex.slice(0, 2)) continue;
        yield { hex, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async delete(hex: string): Promise<void> {
    await this.client.send(new this.s3.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.key(hex) }));
  }

  async ping(): Promise<void> {
    await this.client.send(new this.s3.HeadBucketCommand({ Bucket: this.opts.bucket }));
  }

  /** Creates the bucket if it does not exist (tests, first deployments). */
  async ensureBucket(): Promise<void> {
    try {
      await this.ping();
    } catch (e) {
      if (!notFound(e)) throw e;
      await this.client.send(new this.s3.CreateBucketCommand({ Bucket: this.opts.bucket }));
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function notFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err.name === 'NotFound' ||
    err.name === 'NoSuchKey' ||
    err.name === 'NoSuchBucket' ||
    err.$metadata?.httpStatusCode === 404
  );
}
