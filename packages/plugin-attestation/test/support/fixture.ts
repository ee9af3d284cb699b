/**
 * Hand-made registry attestations for unit tests: a P-256 key that signs DSSE envelopes the way
 * `aam registry serve` does, and an in-memory audit log (RFC 6962 tree, Ed25519 checkpoints) standing in for a
 * registry's `/api/v1/audit` endpoints.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  consistencyProof,
  generateNoteKey,
  inclusionProof,
  leafHash,
  MemoryNodeStore,
  parseSignerKey,
  signCheckpoint,
  spkiKeyId,
  storePinnedAttestationKey,
  encodeAuditEntry,
  type AuditEventName,
  type AuditLogSource,
  type RegistryConfig,
  type ServedEntry,
} from '@aam/core';
import { pae, IN_TOTO_PAYLOAD_TYPE, publishStatement } from '../../src/format.js';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyid: string;
  pem: string;
}

export function p256(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    keyid: spkiKeyId(publicKey),
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A registry's audit log in memory, served through the verifier's log-source interface. */
export class MemoryLog implements AuditLogSource {
  readonly origin: string;
  readonly vkey: string;
  private readonly signer;
  readonly bodies: Buffer[] = [];
  private readonly store = new MemoryNodeStore();
  /** Test hooks: what is served instead. */
  serveEntry?: (index: number, body: Buffer | undefined) => Buffer | undefined;
  serveProof?: (index: number, size: number, proof: Buffer[]) => Buffer[];
  calls = { checkpoint: 0, entry: 0, inclusion: 0 };

  constructor(origin = 'test.example/audit') {
    const k = generateNoteKey(origin);
    this.origin = origin;
    this.vkey = k.vkey;
    this.signer = parseSignerKey(k.skey);
  }

  append(entry: {
    event: string;
    actor?: string;
    package?: string;
    metadata?: Record<string, unknown>;
  }): number {
    // The registry's own encoding (the one owner of the entry format).
    const body = encodeAuditEntry(
      {
        actor: entry.actor ?? 'alice',
        event: entry.event as AuditEventName,
        metadata: entry.metadata ?? {},
        ...(entry.package !== undefined ? { package: entry.package } : {}),
      },
      new Date(Date.UTC(2026, 1, 7, 14, 30, this.bodies.length)).toISOString(),
    );
    this.bodies.push(body);
    this.store.append(leafHash(body));
    return this.bodies.length - 1;
  }

  publish(name: string, version: string, digestHex: string): number {
    return this.append({
      event: 'package.publish',
      package: `${name}@${version}`,
      metadata: { tag: 'latest', checksum: `sha256:${digestHex}`, signature: null, status: 'approved' },
    });
  }

  async checkpoint(): Promise<string> {
    this.calls.checkpoint++;
    const size = this.bodies.length;
    return signCheckpoint({ origin: this.origin, size, root: this.store.root(size) }, this.signer);
  }

  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    return consistencyProof(this.store, from, to);
  }

  async inclusionProof(index: number, size: number): Promise<Buffer[]> {
    this.calls.inclusion++;
    const proof = inclusionProof(this.store, index, size);
    return this.serveProof ? this.serveProof(index, size, proof) : proof;
  }

  async packageEntries(): Promise<ServedEntry[]> {
    throw new Error('not used by the attestation verifier');
  }

  async entry(index: number): Promise<Uint8Array | undefined> {
    this.calls.entry++;
    const body = this.bodies[index];
    return this.serveEntry ? this.serveEntry(index, body) : body;
  }

  async entriesFrom(start: number, limit: number): Promise<{ index: number; bytes: Uint8Array }[]> {
    return this.bodies.slice(start, start + limit).map((bytes, i) => ({ index: start + i, bytes }));
  }
}

export interface StatementInput {
  name: string;
  version: string;
  digestHex: string;
  index: number;
  origin: string;
  publishedAt?: string;
}

/** The statement the registry signs, built by the format's own producer (`publishStatement`). */
export function statement(i: StatementInput): Record<string, unknown> {
  return publishStatement({
    name: i.name,
    version: i.version,
    checksum: `sha256:${i.digestHex}`,
    registry: { name: 'test-registry' },
    publisher: { name: 'alice', auth_method: 'token' },
    signature: null,
    approval: null,
    published_at: i.publishedAt ?? '2026-02-07T14:31:00.000Z',
    audit: { origin: i.origin, index: i.index },
  });
}

/** A DSSE envelope over `payload` (any bytes), signed like the registry signs: ECDSA P-256, DER. */
export function envelopeOf(
  key: TestKey,
  payload: Buffer,
  opts: { payloadType?: string; keyid?: string } = {},
): Record<string, unknown> {
  const type = opts.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
  const sig = sign('sha256', pae(type, payload), { key: key.privateKey, dsaEncoding: 'der' });
  return {
    payloadType: type,
    payload: payload.toString('base64'),
    signatures: [{ keyid: opts.keyid ?? key.keyid, sig: sig.toString('base64') }],
  };
}

export const json = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v), 'utf8');

/** A signed attestation of a statement, as envelope JSON bytes. */
export function attest(key: TestKey, st: Record<string, unknown>): Uint8Array {
  return json(envelopeOf(key, Buffer.from(JSON.stringify(st), 'utf8')));
}

/** A temp aam home with `keys` pinned for registry `name`; the registry's config entry. */
export async function pinnedHome(
  name: string,
  log: MemoryLog,
  keys: TestKey[],
): Promise<{ home: string; cfg: RegistryConfig }> {
  const home = mkdtempSync(join(tmpdir(), 'aam-attest-'));
  for (const k of keys) await storePinnedAttestationKey(name, k.keyid, k.pem, { AAM_HOME: home });
  return {
    home,
    cfg: {
      name,
      url: 'http://127.0.0.1:9',
      checkpoint_key: log.vkey,
      attestation_keys: keys.map((k) => k.keyid),
    },
  };
}
