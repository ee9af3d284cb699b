import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { mapBounded, type Finding, type Scanner, type ScanReport, type ScanTarget } from '@aam/core/plugin';

/** Where clamd listens: `HOST:PORT`, `tcp://HOST:PORT`, or a unix socket path (`/run/clamav/clamd.ctl`, `unix:PATH`). */
export type ClamdAddress = { host: string; port: number } | { path: string };

export function parseClamdAddress(text: string): ClamdAddress {
  const t = text.trim();
  if (t.startsWith('unix:')) return { path: t.slice(5) };
  if (t.startsWith('/')) return { path: t };
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(t);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
    throw new Error(
      `clamd address ${JSON.stringify(text)} is not HOST:PORT, tcp://HOST:PORT or a socket path`,
    );
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** Bytes sent per INSTREAM chunk. */
const CHUNK = 256 * 1024;

/**
 * A client of clamd's own protocol (the `z`-prefixed, NUL-terminated commands): PING, VERSION and INSTREAM,
 * which streams bytes in length-prefixed chunks so nothing is written to disk on either side. Every call has a
 * deadline and an abort signal; any error, timeout or unexpected answer rejects (a scan that did not happen is
 * never clean).
 */
export class ClamdClient {
  constructor(
    readonly address: ClamdAddress,
    private readonly timeoutMs = 30_000,
  ) {}

  /** One command on a fresh connection: writes the command (and data), returns the reply without its NUL. */
  private command(name: string, data?: Uint8Array, signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      signal?.throwIfAborted();
      const socket: Socket =
        'path' in this.address ? connect(this.address.path) : connect(this.address.port, this.address.host);
      const chunks: Buffer[] = [];
      /** What clamd answered so far, without its NUL terminator. */
      const replyText = () => Buffer.concat(chunks).toString('utf8').replace(/\0$/, '');
      let settled = false;
      let connected = false;
      const where = 'path' in this.address ? this.address.path : `${this.address.host}:${this.address.port}`;
      const finish = (e: Error | undefined, reply?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        if (e) reject(e);
        else resolve(reply!);
      };
      const onAbort = () => finish(new Error(`clamd ${name} aborted`));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () => finish(new Error(`clamd at ${where} did not answer ${name} within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      socket.on('error', (e: NodeJS.ErrnoException) => {
        // clamd may answer and close while the rest of a stream is still being written (a size limit): its
        // answer is what counts. The close can also reset the connection before the answer is read.
        const reply = replyText();
        if (reply) finish(undefined, reply);
        else if (connected && (e.code === 'ECONNRESET' || e.code === 'EPIPE'))
          finish(
            Object.assign(new Error(`clamd at ${where} closed the connection during ${name}`), {
              midStream: true,
            }),
          );
        else finish(new Error(`clamd at ${where} is unreachable (${e.code ?? e.message})`));
      });
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('end', () => {
        const reply = replyText();
        if (!reply)
          finish(
            Object.assign(new Error(`clamd at ${where} closed the connection without answering ${name}`), {
              midStream: true,
            }),
          );
        else finish(undefined, reply);
      });
      socket.on('connect', () => {
        connected = true;
        socket.write(`z${name}\0`);
        if (data) {
          for (let off = 0; off < data.length; off += CHUNK) {
            const part = data.subarray(off, Math.min(off + CHUNK, data.length));
            const len = Buffer.alloc(4);
            len.writeUInt32BE(part.length);
            socket.write(len);
            socket.write(part);
          }
          socket.write(Buffer.alloc(4));
        }
      });
    });
  }

  async ping(signal?: AbortSignal): Promise<void> {
    const r = await this.command('PING', undefined, signal);
    if (r !== 'PONG') throw new Error(`clamd answered PING with ${JSON.stringify(r.slice(0, 100))}`);
  }

  /** `ClamAV 1.4.3` or `ClamAV 1.4.3/27432/<date>` (with the official database's version). */
  async version(signal?: AbortSignal): Promise<{ engine: string; database?: string }> {
    const r = await this.command('VERSION', undefined, signal);
    const m = /^ClamAV ([^/\s]+)(?:\/(\d+))?/.exec(r);
    if (!m) throw new Error(`clamd answered VERSION with ${JSON.stringify(r.slice(0, 100))}`);
    return { engine: m[1]!, ...(m[2] ? { database: m[2] } : {}) };
  }

  /** Scans bytes: undefined when clean, else the signature's name. */
  async scan(bytes: Uint8Array, signal?: AbortSignal): Promise<string | undefined> {
    let r: string;
    try {
      r = await this.command('INSTREAM', bytes, signal);
    } catch (e) {
      // A clamd that still answers PING but dropped the stream refused its length (StreamMaxLength), with its
      // answer lost in the reset; a clamd that does not answer is down.
      if (!(e as { midStream?: boolean }).midStream) throw e;
      await this.ping(signal);
      throw Object.assign(
        new Error(`clamd dropped a stream of ${bytes.length} bytes (past its StreamMaxLength)`),
        {
          code: 'SCAN_TOO_LARGE',
        },
      );
    }
    if (r === 'stream: OK') return undefined;
    const found = /^stream: (.+) FOUND$/.exec(r);
    if (found) return found[1]!;
    // Past clamd's StreamMaxLength: no retry will help, the registry refuses the package as too large.
    if (/size limit exceeded/i.test(r))
      throw Object.assign(new Error(`a file is larger than clamd's StreamMaxLength (${r.slice(0, 100)})`), {
        code: 'SCAN_TOO_LARGE',
      });
    throw new Error(`clamd could not scan: ${r.slice(0, 200)}`);
  }
}

/** How long clamd's VERSION answer is reused. */
const VERSION_TTL_MS = 30_000;

/** Files scanned at once (each its own clamd connection). */
const PARALLEL = 4;

/**
 * Malware scanning with ClamAV's daemon: every file of the package streamed to clamd (INSTREAM), in memory. A
 * signature match is a critical finding. The database is named by the sha256 of the signature files when the
 * registry is told where they are (`--clamd-database DIR`, as a private registry that ships its own signatures
 * is), else by the official database version clamd reports.
 */
export class ClamAvScanner implements Scanner {
  readonly name = 'clamav';
  private engine = 'unknown';
  /** clamd's VERSION answer, asked again after VERSION_TTL_MS (it changes only when clamd is upgraded). */
  private versionSeen?: { at: number; v: { engine: string; database?: string } };
  private dbCache?: { stamp: string; digest: string };

  constructor(
    private readonly client: ClamdClient,
    private readonly databaseDir?: string,
  ) {}

  get version(): string {
    return this.engine;
  }

  async scan(target: ScanTarget, opts: { signal: AbortSignal }): Promise<ScanReport> {
    const v = await this.daemonVersion(opts.signal);
    this.engine = v.engine;
    const findings: Finding[] = [];
    await mapBounded(target.files, PARALLEL, async (file) => {
      const signature = await this.client.scan(file.bytes, opts.signal);
      if (signature)
        findings.push({
          rule: signature,
          severity: 'critical',
          path: file.path,
          message: `ClamAV signature ${signature} matched`,
        });
    });
    findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const database = this.databaseDir
      ? this.databaseDigest(this.databaseDir)
      : v.database
        ? `clamav-db:${v.database}`
        : undefined;
    return { findings, ...(database ? { database } : {}) };
  }

  private async daemonVersion(signal: AbortSignal): Promise<{ engine: string; database?: string }> {
    if (this.versionSeen && Date.now() - this.versionSeen.at < VERSION_TTL_MS) return this.versionSeen.v;
    const v = await this.client.version(signal);
    this.versionSeen = { at: Date.now(), v };
    return v;
  }

  /** sha256 over the signature files (name and bytes, sorted by name); recomputed only when one changed. */
  private databaseDigest(dir: string): string {
    const names = readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort();
    const stamp = names
      .map((n) => {
        const st = statSync(join(dir, n));
        return `${n}:${st.size}:${st.mtimeMs}`;
      })
      .join('|');
    if (this.dbCache?.stamp === stamp) return this.dbCache.digest;
    const h = createHash('sha256');
    for (const n of names) {
      const st = statSync(join(dir, n));
      if (!st.isFile()) continue;
      h.update(`${n}\0${st.size}\0`).update(readFileSync(join(dir, n)));
    }
    const digest = `sha256:${h.digest('hex')}`;
    this.dbCache = { stamp, digest };
    return digest;
  }
}
