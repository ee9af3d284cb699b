import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { checksumFromDigest, type Checksum } from './checksum.js';

/** A pass-through stream that hashes and counts what flows through it: hash while copying or downloading. */
export class Sha256Tap extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;
  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      cb(new RangeError(`more than ${this.maxBytes} bytes`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  /** Call once, after the stream has finished. */
  checksum(): Checksum {
    return checksumFromDigest(this.hash.digest());
  }
}
