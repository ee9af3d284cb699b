import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Query, Row } from './db.js';
import { RegistryError } from './problem.js';

/** in-toto Statement v1 in a DSSE envelope (the payload type DSSE verifiers expect). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const PUBLISH_PREDICATE = 'https://aam.dev/attestations/publish/v1';

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** DSSE pre-authentication encoding: what is actually signed. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const t = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${t.length} `, 'utf8'),
    t,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** `sha256:<hex of the SPKI DER>`: the key id in envelopes, in /keys, and in clients' pins. */
export function keyIdOf(pub: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

export interface AttestationKey {
  keyid: string;
  status: 'active' | 'retired';
  pem: string;
  created_at: string;
  retired_at: string | null;
}

/**
 * The registry's ECDSA P-256 attestation keys. Public halves live in the database (so every replica lists
 * the same keys, retired ones included, for as long as old attestations must verify); private halves in
 * `<storage>/keys/attestation-<hex>.pem` (0600).
 */
export class AttestationSigner {
  constructor(private readonly keyDir: string) {}

  private privateFile(keyid: string): string {
    return join(this.keyDir, `attestation-${keyid.slice('sha256:'.length)}.pem`);
  }

  /** Generates a key pair and stores its private half; the caller records the public half (in a transaction). */
  generate(): { keyid: string; pem: string } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyid = keyIdOf(publicKey);
    mkdirSync(this.keyDir, { recursive: true, mode: 0o700 });
    writeFileSync(this.privateFile(keyid), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
    return { keyid, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  }

  async active(q: Query): Promise<{ keyid: string; key: KeyObject }> {
    const row = await q.get<{ keyid: string } & Row>(
      "SELECT keyid FROM attestation_keys WHERE status = 'active' ORDER BY created_at DESC LIMIT 1",
    );
    if (!row) throw new RegistryError(503, 'registry_unavailable', 'The registry has no attestation key');
    let pem: string;
    try {
      pem = readFileSync(this.privateFile(row.keyid), 'utf8');
    } catch {
      throw new RegistryError(503, 'registry_unavailable', `The private half of key ${row.keyid} is missing`);
    }
    const key = createPrivateKey(pem);
    if (keyIdOf(createPublicKey(key)) !== row.keyid)
      throw new RegistryError(503, 'registry_unavailable', `The key file for ${row.keyid} holds another key`);
    return { keyid: row.keyid, key };
  }

  /** Signs a statement: DSSE over its exact JSON bytes with the active key. */
  async sign(q: Query, statement: unknown): Promise<DsseEnvelope> {
    const { keyid, key } = await this.active(q);
    const payload = Buffer.from(JSON.stringify(statement), 'utf8');
    const sig = sign('sha256', pae(IN_TOTO_PAYLOAD_TYPE, payload), { key, dsaEncoding: 'der' });
    return {
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: payload.toString('base64'),
      signatures: [{ keyid, sig: sig.toString('base64') }],
    };
  }
}

export async function listAttestationKeys(q: Query): Promise<AttestationKey[]> {
  return (
    await q.all<AttestationKey & Row>(
      'SELECT keyid, status, pem, created_at, retired_at FROM attestation_keys ORDER BY created_at, keyid',
    )
  ).map((r) => ({
    keyid: r.keyid,
    status: r.status,
    pem: r.pem,
    created_at: r.created_at,
    retired_at: r.retired_at,
  }));
}

export interface PublishStatementInput {
  name: string;
  version: string;
  checksum: string;
  registry: { name: string; url?: string };
  publisher: { name: string; auth_method: string };
  signature: { type: string; identity?: string; fingerprint?: string } | null;
  approval: { approvers: string[]; at: string } | null;
  published_at: string;
  audit: { origin: string; index: number };
}

/** The in-toto statement the registry signs for an accepted version (registry-anchors §5.5). */
export function publishStatement(i: PublishStatementInput) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      { name: `pkg:aam/${i.name}@${i.version}`, digest: { sha256: i.checksum.slice('sha256:'.length) } },
    ],
    predicateType: PUBLISH_PREDICATE,
    predicate: {
      registry: i.registry,
      package: { name: i.name, version: i.version },
      publisher: i.publisher,
      checks: {
        archive: 'passed',
        manifest: 'valid',
        checksum: i.checksum,
        author_signature: i.signature,
      },
      approval: i.approval,
      published_at: i.published_at,
      audit_log: i.audit,
    },
  };
}
