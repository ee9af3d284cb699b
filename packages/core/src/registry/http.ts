import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { normalizeAttestationKeyId } from '../config/registry-keys.js';
import { AamError, InterruptedError } from '../errors.js';
import { parseChecksum } from '../integrity/checksum.js';
import type {
  CreatedToken,
  CreatedUser,
  MutationReceipt,
  NewTokenRequest,
  OwnershipTransfer,
  RegistryPrincipal,
  TokenInfo,
} from './http-api.js';
import { readBoundedText, REGISTRY_BOUNDS, tooLarge } from './bounds.js';
import { readProblem } from './problem.js';
import { printable } from '../printable.js';
import { backoffMs, networkInterrupt, networkSettings } from './network.js';
import {
  archiveFileName,
  assertPackageName,
  assertTag,
  assertVersion,
  isSemver,
  PACKAGE_NAME_RE,
} from '../package/name.js';
import type {
  PackageMetadata,
  PendingVersion,
  PublishOutcome,
  Registry,
  RegistryAttestation,
  RegistryPublishRequest,
  SearchHit,
  SignatureRecord,
  VersionRecord,
} from './types.js';
import { dict } from '../dict.js';

export interface HttpRegistryOptions {
  /** Bearer token for mutations (reads are anonymous: what installs never depends on who asks). */
  token?: string;
  /** Where the token came from, for error messages (e.g. `AAM_TOKEN`). */
  tokenSource?: string;
  timeoutMs?: number;
  /** Extra attempts for reads (default: `network.retries`). */
  retries?: number;
}

/** Answers worth a retry of a read: rate limited, or a gateway or server briefly unavailable. */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** Failures worth a retry: no answer in time, or the connection cut; never "nothing listens" or a bad host. */
function transient(e: unknown): boolean {
  const err = e as { name?: string; cause?: { code?: string } };
  if (err?.name === 'TimeoutError') return true;
  const code = err?.cause?.code ?? '';
  return [
    'ECONNRESET',
    'EPIPE',
    'ETIMEDOUT',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'EAI_AGAIN',
  ].includes(code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RequestOptions {
  /** JSON body, or a multipart form (publish). */
  json?: unknown;
  form?: FormData;
  /** Send the bearer token. */
  auth?: boolean;
  query?: Record<string, string | number | undefined>;
  /** Resolve to undefined on 404 instead of throwing. */
  notFoundOk?: boolean;
}

/** An attestation key listed at `/api/v1/keys`, as served (not yet checked). */
export interface ServedAttestationKey {
  keyid: string;
  pem: string;
  status: 'active' | 'retired' | 'unknown';
  alg?: string;
  created_at?: string;
  retired_at?: string;
}

const SIGNATURE_TYPE_RE = /^[a-z][a-z0-9-]{0,31}$/;

/** A registry served over HTTP(S): the `/api/v1` API of `aam registry serve`. */
export class HttpRegistry implements Registry {
  readonly kind = 'http' as const;
  private readonly base: string;
  private readonly signatureCache = new Map<string, Promise<{ type: string; content: string }[]>>();

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly opts: HttpRegistryOptions = {},
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AamError('USAGE', `Registry '${name}': '${url}' is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new AamError('USAGE', `Registry '${name}': '${url}' is not an http(s):// URL`);
    this.base = url.replace(/\/+$/, '');
  }

  /** Whether a token will be sent with mutations. */
  get hasToken(): boolean {
    return !!this.opts.token;
  }

  /**
   * The package's metadata; undefined when the registry does not know the name. A name it knows with no version
   * visible to an anonymous reader (pending approval, rejected) is `hidden`: it is not taken from elsewhere.
   */
  async metadata(name: string): Promise<PackageMetadata | undefined> {
    assertPackageName(name);
    let doc: Record<string, unknown>;
    try {
      doc = await this.getJson<Record<string, unknown>>(`/api/v1/packages/${name}`);
    } catch (e) {
      if (!(e instanceof AamError) || e.code !== 'NOT_FOUND') throw e;
      if (e.details.server_code === 'package_not_visible')
        return { name, description: '', dist_tags: dict(), versions: [], hidden: true };
      return undefined;
    }
    return this.toMetadata(name, doc);
  }

  async openArchive(name: string, version: string): Promise<Readable> {
    assertPackageName(name);
    assertVersion(version);
    const res = await this.send('GET', `${versionPath(name, version)}/archive`, {});
    if (!res.body) throw this.invalid(`sent an empty body for ${name}@${version}`);
    return Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>);
  }

  async readSignature(name: string, version: string, record: SignatureRecord): Promise<Uint8Array> {
    assertPackageName(name);
    assertVersion(version);
    const key = `${name}@${version}`;
    let pending = this.signatureCache.get(key);
    if (!pending) {
      pending = this.getJson<{ signatures?: unknown }>(`${versionPath(name, version)}/signatures`).then(
        (doc) => {
          if (!Array.isArray(doc.signatures)) throw this.invalid(`sent no signature list for ${key}`);
          return doc.signatures as { type: string; content: string }[];
        },
      );
      this.signatureCache.set(key, pending);
    }
    const found = (await pending).find((s) => s.type === record.type);
    if (!found || typeof found.content !== 'string')
      throw new AamError('NOT_FOUND', `Registry '${this.name}' has no ${record.type} signature for ${key}`);
    const bytes = Buffer.from(found.content, 'base64');
    if (bytes.length > REGISTRY_BOUNDS.signatureBytes)
      throw tooLarge(
        this.name,
        `a ${record.type} signature of ${key}`,
        `${REGISTRY_BOUNDS.signatureBytes} bytes`,
      );
    return bytes;
  }

  /**
   * `GET .../versions/{version}/attestations`: the registry's DSSE envelopes for a version. A registry that
   * predates attestations (no such route) has none. The list is checked for shape only; each envelope is
   * handed on as JSON for the attestation verifier to judge.
   */
  async readAttestations(name: string, version: string): Promise<RegistryAttestation[]> {
    assertPackageName(name);
    assertVersion(version);
    const id = `${name}@${version}`;
    const doc = await this.getJson<{ attestations?: unknown }>(`${versionPath(name, version)}/attestations`, {
      notFoundOk: true,
    });
    if (doc === undefined) return [];
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.attestations))
      throw this.invalid(`sent no attestation list for ${id}`);
    if (doc.attestations.length > REGISTRY_BOUNDS.signatures)
      throw tooLarge(
        this.name,
        `${doc.attestations.length} attestations of ${id}`,
        `${REGISTRY_BOUNDS.signatures}`,
      );
    return (doc.attestations as unknown[]).map((a, i) => {
      const item = a as Record<string, unknown> | null;
      if (!item || typeof item !== 'object' || !item.envelope || typeof item.envelope !== 'object')
        throw this.invalid(`sent attestation ${i} of ${id} without a DSSE envelope`);
      return {
        ...(typeof item.predicate_type === 'string' ? { predicate_type: item.predicate_type } : {}),
        ...(typeof item.media_type === 'string' ? { media_type: item.media_type } : {}),
        ...(typeof item.keyid === 'string' ? { keyid: item.keyid } : {}),
        envelope: Buffer.from(JSON.stringify(item.envelope), 'utf8'),
      };
    });
  }

  /** `GET /api/v1/keys`, the active checkpoint keys (C2SP verifier keys), as served: not yet parsed. */
  async checkpointKeys(): Promise<string[]> {
    const doc = await this.getJson<{ keys?: unknown }>('/api/v1/keys');
    if (!doc || !Array.isArray(doc.keys)) throw this.invalid('sent no key list at /api/v1/keys');
    return (doc.keys as Record<string, unknown>[])
      .filter(
        (k) =>
          k?.use === 'checkpoint' &&
          (k.status === undefined || k.status === 'active') &&
          typeof k.vkey === 'string',
      )
      .map((k) => k.vkey as string);
  }

  /**
   * `GET /api/v1/keys`, the attestation keys only (ECDSA P-256, PEM), as served: the caller checks that each
   * PEM hashes to its key id before pinning it.
   */
  async attestationKeys(): Promise<ServedAttestationKey[]> {
    const doc = await this.getJson<{ keys?: unknown }>('/api/v1/keys');
    if (!doc || !Array.isArray(doc.keys)) throw this.invalid('sent no key list at /api/v1/keys');
    const out: ServedAttestationKey[] = [];
    for (const k of doc.keys as Record<string, unknown>[]) {
      if (k?.use !== 'attestation') continue;
      if (typeof k.keyid !== 'string' || typeof k.pem !== 'string')
        throw this.invalid('serves an attestation key without a keyid or PEM at /api/v1/keys');
      out.push({
        // Key ids are compared as `sha256:<lowercase hex>` everywhere (config, envelopes, key files).
        keyid: normalizeAttestationKeyId(k.keyid) ?? k.keyid,
        pem: k.pem,
        status: k.status === 'retired' ? 'retired' : k.status === 'active' ? 'active' : 'unknown',
        ...(typeof k.alg === 'string' ? { alg: k.alg } : {}),
        ...(typeof k.created_at === 'string' ? { created_at: k.created_at } : {}),
        ...(typeof k.retired_at === 'string' ? { retired_at: k.retired_at } : {}),
      });
    }
    return out;
  }

  /** `PUT /api/v1/packages/{name}/versions/{version}` (multipart): 201 published, 202 pending, 200 a replay. */
  async publish(req: RegistryPublishRequest): Promise<PublishOutcome> {
    assertPackageName(req.name);
    assertVersion(req.version);
    assertTag(req.tag);
    const form = new FormData();
    form.append(
      'archive',
      new Blob([req.bytes], { type: 'application/gzip' }),
      archiveFileName(req.name, req.version),
    );
    form.append('sha256', req.checksum);
    form.append('tag', req.tag);
    const [signature, ...more] = req.signatures ?? [];
    if (more.length > 0)
      throw new AamError('USAGE', `Registry '${this.name}' stores one signature per version`);
    if (signature) {
      form.append('signature', new Blob([signature.bytes]), signature.record.file);
      form.append('signature_type', signature.record.type);
      if (signature.record.identity) form.append('signature_identity', signature.record.identity);
      if (signature.record.fingerprint) form.append('signature_fingerprint', signature.record.fingerprint);
    }
    const path = versionPath(req.name, req.version);
    const res = await this.send('PUT', path, { form, auth: true });
    const body = await this.readJson<{ status?: string; tags?: unknown; publish_policy?: unknown }>(
      res,
      'PUT',
      path,
    );
    const location = new URL(res.headers.get('location') ?? path, `${this.base}/`).href;
    const base = { name: req.name, version: req.version, checksum: req.checksum, location };
    if (res.status === 202 || body.status === 'pending') {
      const held = heldBy(body.publish_policy);
      return {
        ...base,
        tags: [],
        status: 'pending',
        ...(held.length ? { held_by: held } : {}),
        message: `${req.name}@${req.version} is ${held.length ? `held for review by the publish policy of '${this.name}'` : `waiting for approval on '${this.name}'`}: no tag moves and it cannot be installed until an approver (not you) runs 'aam approve ${req.name}@${req.version}'`,
      };
    }
    if (body.status === 'rejected')
      throw new AamError(
        'REGISTRY_REFUSED',
        `${req.name}@${req.version} was rejected on '${this.name}' by an approver: it can never be installed, and its number is never reused. Publish a new version`,
        { registry: this.name, status: 'rejected' },
        1,
      );
    if (res.status === 200)
      return {
        ...base,
        tags: [],
        status: 'unchanged',
        message: `${req.name}@${req.version} was already published on '${this.name}' with identical content: nothing changed`,
      };
    const tags = Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
    return { ...base, tags, status: 'published' };
  }

  /** `GET /packages?q=`: packages whose name or description contains the query. Untrusted: checked here. */
  async search(query: string, limit: number): Promise<SearchHit[]> {
    const doc = await this.getJson<{ items?: unknown }>('/api/v1/packages', {
      query: { q: query, limit: Math.min(Math.max(limit, 1), 100) },
    });
    if (!doc || !Array.isArray(doc.items)) throw this.invalid('answered a search with no item list');
    const hits: SearchHit[] = [];
    for (const raw of doc.items.slice(0, limit) as {
      name?: unknown;
      description?: unknown;
      latest?: unknown;
    }[]) {
      if (typeof raw?.name !== 'string' || !PACKAGE_NAME_RE.test(raw.name))
        throw this.invalid(`answered a search with an invalid package name ${JSON.stringify(raw?.name)}`);
      const description = typeof raw.description === 'string' ? raw.description.slice(0, 1024) : '';
      hits.push({ name: raw.name, description, ...(isSemver(raw.latest) ? { latest: raw.latest } : {}) });
    }
    return hits;
  }

  // --- the management API: tokens, users, tags, yanks, approvals, owners --------------------------------

  /** Who the token belongs to: name, role, scopes and package limits. */
  async whoami(): Promise<RegistryPrincipal> {
    const me = await this.call<RegistryPrincipal>('GET', '/api/v1/users/me');
    if (typeof me?.name !== 'string' || !Array.isArray(me.scopes) || !Array.isArray(me.packages))
      throw this.invalid('answered /api/v1/users/me oddly');
    return me;
  }

  async tokens(): Promise<TokenInfo[]> {
    return (await this.call<{ items: TokenInfo[] }>('GET', '/api/v1/tokens')).items;
  }

  async createToken(req: NewTokenRequest): Promise<CreatedToken> {
    return this.call<CreatedToken>('POST', '/api/v1/tokens', {
      name: req.name,
      scopes: req.scopes,
      ...(req.packages ? { packages: req.packages } : {}),
      ...(req.expiresInDays !== undefined ? { expires_in_days: req.expiresInDays } : {}),
    });
  }

  async revokeToken(id: string): Promise<void> {
    await this.call('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
  }

  /** Creates a user (admins only); the answer carries the user's first token, shown once. */
  async createUser(name: string, role: string): Promise<CreatedUser> {
    return this.call<CreatedUser>('POST', '/api/v1/users', { name, role });
  }

  /** Yanks a version (`undo`: un-yanks it). */
  async yank(
    name: string,
    version: string,
    opts: { reason?: string; undo?: boolean } = {},
  ): Promise<MutationReceipt> {
    const path = `${versionPath(name, version)}/yank`;
    const r = opts.undo
      ? await this.call<{ changed: boolean; audit_index?: number }>('DELETE', path)
      : await this.call<{ changed: boolean; audit_index?: number }>(
          'PUT',
          path,
          opts.reason !== undefined ? { reason: opts.reason } : {},
        );
    return { changed: r.changed, audit_index: r.audit_index ?? null };
  }

  /** The package's dist-tags (anonymous read). */
  async distTags(name: string): Promise<Record<string, string>> {
    return this.getJson<Record<string, string>>(`${packagePath(name)}/dist-tags`);
  }

  async setDistTag(name: string, tag: string, version: string): Promise<MutationReceipt> {
    assertTag(tag);
    const r = await this.call<{ audit_index?: number }>('PUT', `${packagePath(name)}/dist-tags/${tag}`, {
      version,
    });
    return { changed: true, audit_index: r.audit_index ?? null };
  }

  async removeDistTag(name: string, tag: string): Promise<void> {
    assertTag(tag);
    await this.call('DELETE', `${packagePath(name)}/dist-tags/${tag}`);
  }

  /** Approves or rejects a pending version (approvers only, never the publisher). */
  async decideApproval(
    name: string,
    version: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ): Promise<{ approval_status: string; audit_index: number | null }> {
    const r = await this.call<{ approval_status: string; audit_index?: number }>(
      'POST',
      `${versionPath(name, version)}/approvals`,
      { decision, ...(comment !== undefined ? { comment } : {}) },
    );
    return { approval_status: r.approval_status, audit_index: r.audit_index ?? null };
  }

  /**
   * The versions waiting for an approver (approvers and admins), oldest first, each with why it waits: the
   * publish policy's reason codes and the scanners' findings (`held_by: []` when every publish waits). Untrusted:
   * names checked, text made printable.
   */
  async approvalQueue(): Promise<PendingVersion[]> {
    const doc = await this.call<{ items?: unknown }>('GET', '/api/v1/approvals');
    if (!doc || !Array.isArray(doc.items))
      throw this.invalid('answered the approval queue with no item list');
    return (doc.items as Record<string, unknown>[]).slice(0, 1000).map((i) => {
      if (typeof i?.name !== 'string' || !PACKAGE_NAME_RE.test(i.name) || typeof i.version !== 'string')
        throw this.invalid(`listed a pending version without a valid name: ${JSON.stringify(i?.name)}`);
      const text = (v: unknown) => shownText(v, 300);
      const findings = Array.isArray(i.findings) ? (i.findings as Record<string, unknown>[]) : [];
      return {
        name: i.name,
        version: shownText(i.version, 100),
        checksum: text(i.checksum),
        published_at: text(i.published_at),
        held_by: Array.isArray(i.held_by) ? i.held_by.map(text).filter(Boolean) : [],
        findings: findings.slice(0, 100).map((f) => ({
          scanner: text(f?.scanner),
          rule: text(f?.rule),
          severity: text(f?.severity),
          path: text(f?.path),
          ...(typeof f?.line === 'number' && Number.isSafeInteger(f.line) ? { line: f.line } : {}),
        })),
      };
    });
  }

  /** The package's owners (anonymous read). */
  async owners(name: string): Promise<string[]> {
    return (await this.getJson<{ owners: string[] }>(`${packagePath(name)}/owners`)).owners;
  }

  async addOwner(name: string, user: string): Promise<MutationReceipt> {
    const r = await this.call<{ added?: string; audit_index?: number }>(
      'PUT',
      `${packagePath(name)}/owners/${encodeURIComponent(user)}`,
    );
    return { changed: r.added !== undefined, audit_index: r.audit_index ?? null };
  }

  async removeOwner(name: string, user: string): Promise<void> {
    await this.call('DELETE', `${packagePath(name)}/owners/${encodeURIComponent(user)}`);
  }

  /** Offers the package to another user; they accept or decline it (`answerTransfer`). */
  async offerTransfer(name: string, to: string): Promise<{ id: string; status: string }> {
    return this.call<{ id: string; status: string }>('POST', `${packagePath(name)}/ownership-transfers`, {
      to,
    });
  }

  /** The pending transfers offered to or by this token's user. */
  async transfers(): Promise<OwnershipTransfer[]> {
    return (await this.call<{ items: OwnershipTransfer[] }>('GET', '/api/v1/ownership-transfers')).items;
  }

  async answerTransfer(
    id: string,
    answer: 'accept' | 'decline',
  ): Promise<{ id: string; status: string; package: string | null }> {
    const r = await this.call<{ id: string; status: string; package?: string }>(
      'POST',
      `/api/v1/ownership-transfers/${encodeURIComponent(id)}/${answer}`,
    );
    return { id: r.id, status: r.status, package: r.package ?? null };
  }

  /** An authenticated API call; undefined for 204. Prefer the typed methods above. */
  async call<T = unknown>(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const res = await this.send(method, path, { auth: true, ...(body !== undefined ? { json: body } : {}) });
    if (res.status === 204) return undefined as T;
    return this.readJson<T>(res, method, path);
  }

  /** An anonymous GET of a JSON document. */
  async getJson<T>(
    path: string,
    opts: { query?: RequestOptions['query']; notFoundOk: true },
  ): Promise<T | undefined>;
  async getJson<T>(path: string, opts?: { query?: RequestOptions['query']; notFoundOk?: false }): Promise<T>;
  async getJson<T>(
    path: string,
    opts: { query?: RequestOptions['query']; notFoundOk?: boolean } = {},
  ): Promise<T | undefined> {
    const res = await this.send('GET', path, opts);
    if (res.status === 404) return undefined;
    return this.readJson<T>(res, 'GET', path);
  }

  /** An anonymous GET of a text document (the signed checkpoint). */
  async getText(path: string): Promise<string> {
    const res = await this.send('GET', path, {});
    return this.withTimeout('GET', path, () => this.bodyText(res, 'GET', path));
  }

  /** Sends one request with a timeout; turns network failures and error statuses into AamErrors. */
  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json, */*;q=0.5' };
    if (opts.auth && this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let body: string | FormData | undefined;
    if (opts.form) body = opts.form;
    else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    const timeout = this.timeoutMs();
    // Reads are retried with backoff when the registry timed out, cut the connection or is briefly unavailable;
    // nothing listening (connection refused, unknown host) fails at once; writes are never repeated.
    const retries = method === 'GET' ? (this.opts.retries ?? networkSettings().retries) : 0;
    let res: Response;
    const interrupt = networkInterrupt();
    for (let attempt = 0; ; attempt++) {
      if (interrupt?.aborted) throw new InterruptedError();
      try {
        const deadline = AbortSignal.timeout(timeout);
        res = await fetch(url, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          redirect: 'follow',
          signal: interrupt ? AbortSignal.any([deadline, interrupt]) : deadline,
        });
      } catch (e) {
        if (interrupt?.aborted) throw new InterruptedError();
        if (attempt < retries && transient(e)) {
          await sleep(backoffMs(attempt + 1));
          continue;
        }
        throw this.networkError(method, path, e, attempt + 1);
      }
      if (attempt < retries && RETRY_STATUSES.has(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        await sleep(backoffMs(attempt + 1, res.headers.get('retry-after')));
        continue;
      }
      break;
    }
    if (res.ok) return res;
    if (res.status === 404 && opts.notFoundOk) {
      await res.body?.cancel().catch(() => undefined);
      return res;
    }
    // Not a problem document (a proxy's HTML page): the status alone says enough.
    const problem = readProblem(await this.bodyText(res, method, path).catch(() => ''));
    throw this.problemError(method, path, res.status, problem, !!(opts.auth && this.opts.token));
  }

  /** The body as text, refused past `REGISTRY_BOUNDS.documentBytes`. */
  private bodyText(res: Response, method: string, path: string): Promise<string> {
    return readBoundedText(res, REGISTRY_BOUNDS.documentBytes, () =>
      tooLarge(this.name, `an answer to ${method} ${path}`, `${REGISTRY_BOUNDS.documentBytes} bytes`),
    );
  }

  private async readJson<T>(res: Response, method: string, path: string): Promise<T> {
    const text = await this.withTimeout(method, path, () => this.bodyText(res, method, path));
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.invalid(`answered ${method} ${path} with something that is not JSON`);
    }
  }

  private async withTimeout<T>(method: string, path: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      if (e instanceof AamError) throw e;
      throw this.networkError(method, path, e);
    }
  }

  private timeoutMs(): number {
    return this.opts.timeoutMs ?? networkSettings().timeout * 1000;
  }

  private networkError(method: string, path: string, e: unknown, attempts = 1): AamError {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const timeout = this.timeoutMs();
    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    if (err?.name === 'TimeoutError' || err?.name === 'AbortError')
      return new AamError(
        'NETWORK_ERROR',
        `Registry '${this.name}' (${this.base}) did not answer ${method} ${path} within ${timeout / 1000} s${tries}; network.timeout and network.retries in the config set the wait`,
        { registry: this.name, url: this.base },
      );
    const why = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
    const hint = why === 'ECONNREFUSED' ? ' (nothing listens there: is the registry running?)' : '';
    return new AamError(
      'NETWORK_ERROR',
      `Cannot reach registry '${this.name}' at ${this.base}: ${why}${hint}${tries}`,
      {
        registry: this.name,
        url: this.base,
      },
    );
  }

  /** Maps an error status and the server's stable `code` to an AamError that says what to do. */
  private problemError(
    method: string,
    path: string,
    status: number,
    problem: ReturnType<typeof readProblem>,
    sentToken: boolean,
  ): AamError {
    const serverCode = problem.code;
    // A bare status (a proxy's page, no problem document) is named by its reason phrase, not repeated.
    const detail = problem.detail || problem.title || STATUS_CODES[status] || 'no details given';
    const details = { registry: this.name, status, ...(serverCode ? { server_code: serverCode } : {}) };
    const tail = `(HTTP ${status}${serverCode ? ` ${serverCode}` : ''})`;
    const where = `Registry '${this.name}'`;
    switch (status) {
      case 401:
        return new AamError(
          'UNAUTHORIZED',
          sentToken
            ? `${where} refused the token${this.opts.tokenSource ? ` from ${this.opts.tokenSource}` : ''}: ${detail} ${tail}. Log in again: aam login --registry ${this.name} (or set AAM_TOKEN)`
            : `${where} needs a token for ${method} ${path} ${tail}: run 'aam login --registry ${this.name}' (or set AAM_TOKEN)`,
          details,
        );
      case 403:
        return new AamError(
          'FORBIDDEN',
          serverCode === 'insufficient_scope'
            ? `${where}: the token lacks the scope for this: ${detail} ${tail}. Use a token that has it (aam token create --scope ... --package ...; aam login --registry ${this.name})`
            : `${where} forbids this: ${detail} ${tail}`,
          details,
        );
      case 404:
        return new AamError('NOT_FOUND', `${where}: ${detail} ${tail}`, details);
      case 409:
        return new AamError(
          serverCode === 'version_exists' ? 'VERSION_EXISTS' : 'CONFLICT',
          serverCode === 'version_exists'
            ? `${where}: ${detail}; bump the version ${tail}`
            : `${where}: ${detail} ${tail}`,
          details,
        );
      case 413:
        return new AamError('ARCHIVE_TOO_LARGE', `${where}: ${detail} ${tail}`, details);
      case 422:
        return new AamError('REGISTRY_REFUSED', `${where} refused it: ${detail} ${tail}`, details, 1);
      case 429:
        return new AamError(
          'RATE_LIMITED',
          `${where} is rate limiting this client: ${detail} ${tail}`,
          details,
        );
      default:
        return new AamError(
          'REGISTRY_ERROR',
          `${where} failed ${method} ${path}: ${detail} ${tail}`,
          details,
          status >= 400 && status < 500 ? 2 : 1,
        );
    }
  }

  private invalid(what: string): AamError {
    return new AamError('INVALID_REGISTRY', `Registry '${this.name}' ${what}`, { registry: this.name });
  }

  /** The package document, mapped to what install and info use. Registry data is untrusted: checked here. */
  private toMetadata(name: string, doc: Record<string, unknown>): PackageMetadata {
    if (doc.name !== name) throw this.invalid(`answered for '${String(doc.name)}' when asked for '${name}'`);
    if (!Array.isArray(doc.versions)) throw this.invalid(`sent no version list for ${name}`);
    if (doc.versions.length > REGISTRY_BOUNDS.versions)
      throw tooLarge(this.name, `${doc.versions.length} versions of ${name}`, `${REGISTRY_BOUNDS.versions}`);
    if (
      doc.dist_tags &&
      typeof doc.dist_tags === 'object' &&
      Object.keys(doc.dist_tags).length > REGISTRY_BOUNDS.distTags
    )
      throw tooLarge(this.name, `the dist-tags of ${name}`, `${REGISTRY_BOUNDS.distTags} tags`);
    const versions: VersionRecord[] = [];
    for (const raw of doc.versions as Record<string, unknown>[]) {
      // Pending and rejected versions (shown to owners and approvers) are not installable.
      if (raw?.approval_status !== undefined && raw.approval_status !== 'approved') continue;
      versions.push(this.toVersionRecord(name, raw));
    }
    const tags = dict<string>();
    if (doc.dist_tags && typeof doc.dist_tags === 'object')
      for (const [tag, v] of Object.entries(doc.dist_tags as Record<string, unknown>))
        if (typeof v === 'string') tags[tag] = v;
    return {
      name,
      description: typeof doc.description === 'string' ? doc.description : '',
      dist_tags: tags,
      versions,
    };
  }

  private toVersionRecord(name: string, v: Record<string, unknown>): VersionRecord {
    const version = String(v?.version);
    assertVersion(version);
    const id = `${name}@${version}`;
    const size = v.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      throw this.invalid(`sent an invalid size for ${id}`);
    const signatures: SignatureRecord[] = [];
    const listed = Array.isArray(v.signatures) ? (v.signatures as Record<string, unknown>[]) : [];
    if (listed.length > REGISTRY_BOUNDS.signatures)
      throw tooLarge(this.name, `${listed.length} signatures of ${id}`, `${REGISTRY_BOUNDS.signatures}`);
    for (const s of listed) {
      if (typeof s?.type !== 'string' || !SIGNATURE_TYPE_RE.test(s.type))
        throw this.invalid(`sent an invalid signature type for ${id}`);
      signatures.push({
        type: s.type,
        file: `${version}.aam.${s.type}.json`,
        ...(typeof s.identity === 'string' ? { identity: s.identity } : {}),
        ...(typeof s.fingerprint === 'string' ? { fingerprint: s.fingerprint } : {}),
      });
    }
    const dependencies = dict<string>();
    if (v.dependencies && typeof v.dependencies === 'object') {
      const deps = Object.entries(v.dependencies as Record<string, unknown>);
      if (deps.length > REGISTRY_BOUNDS.dependencies)
        throw tooLarge(this.name, `${deps.length} dependencies of ${id}`, `${REGISTRY_BOUNDS.dependencies}`);
      for (const [dep, range] of deps) {
        if (typeof range !== 'string') throw this.invalid(`sent an invalid dependency ${dep} for ${id}`);
        assertPackageName(dep);
        dependencies[dep] = range;
      }
    }
    const yank = v.yank as { reason?: unknown } | undefined;
    return {
      version,
      published: typeof v.published_at === 'string' ? v.published_at : '',
      checksum: parseChecksum(v.checksum, `checksum of ${id} from registry '${this.name}'`),
      size,
      yanked: v.yanked === true,
      signatures,
      ...(Object.keys(dependencies).length ? { dependencies } : {}),
      ...(v.yanked === true && typeof yank?.reason === 'string' ? { yank_reason: yank.reason } : {}),
      ...(typeof v.audit_index === 'number' && Number.isSafeInteger(v.audit_index)
        ? { audit_index: v.audit_index }
        : {}),
    };
  }
}

/** `/api/v1/packages/{name}`: a scoped name stays two segments (`@scope/name`), as the server routes it. */
export function packagePath(name: string): string {
  assertPackageName(name);
  return `/api/v1/packages/${name}`;
}

export function versionPath(name: string, version: string): string {
  assertVersion(version);
  return `${packagePath(name)}/versions/${encodeURIComponent(version)}`;
}

/** Why the registry's publish policy held a version: its reasons' messages (untrusted text: made printable). */
function heldBy(policy: unknown): string[] {
  const p = policy as { decision?: unknown; reasons?: unknown } | undefined;
  if (!p || p.decision !== 'hold' || !Array.isArray(p.reasons)) return [];
  return p.reasons
    .slice(0, 20)
    .map((r: { message?: unknown }) => shownText(r?.message, 300))
    .filter(Boolean);
}

/** Text a registry sent, as it may be shown: a string made printable and cut at `max`; anything else, ''. */
function shownText(v: unknown, max: number): string {
  return typeof v === 'string' ? printable(v).slice(0, max) : '';
}
