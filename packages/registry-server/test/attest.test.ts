import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildArchive,
  call,
  createUser,
  expectStatus,
  publish,
  sha256hex,
} from '../../../test/support/registry-http.js';
import { newTokenSecret, startRegistry, type RunningRegistry } from '../src/index.js';
import { builtinVerifiers } from './support/plugins.js';
import { spkiKeyId } from '@aam/core';
import { pae } from '@aam/plugin-attestation/format';

/**
 * The registry's attestation (issue 7, server side): an in-toto statement in a DSSE envelope, signed with the
 * registry's ECDSA P-256 key after its checks, naming the archive's digest, the package, the publisher, the
 * verified author signature, approvals and the audit index of the publish event.
 */
const open: RunningRegistry[] = [];
afterAll(async () => {
  for (const r of open) await r.close();
});

async function serve(requireApproval = false) {
  const admin = newTokenSecret();
  const storage = mkdtempSync(join(tmpdir(), 'aam-attest-'));
  const r = await startRegistry({
    verifiers: await builtinVerifiers(),
    storage,
    port: 0,
    adminToken: admin,
    requireApproval,
  });
  open.push(r);
  return { r, url: r.url, admin, storage };
}

interface Key {
  keyid: string;
  use: string;
  pem: string;
  status: string;
}
interface Att {
  keyid: string;
  envelope: { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
}

async function keys(url: string): Promise<Key[]> {
  return (await call<{ keys: Key[] }>(url, 'GET', '/api/v1/keys')).body.keys.filter(
    (k) => k.use === 'attestation',
  );
}

async function attestations(url: string, name: string, version: string): Promise<Att[]> {
  const r = await call<{ attestations: Att[] }>(
    url,
    'GET',
    `/api/v1/packages/${name}/versions/${version}/attestations`,
  );
  expectStatus(r, 200);
  return r.body.attestations;
}

/** Verifies an envelope with a listed key and returns its statement. */
function check(att: Att, listed: Key[]) {
  const sig = att.envelope.signatures[0]!;
  const key = listed.find((k) => k.keyid === sig.keyid);
  expect(key, `key ${sig.keyid} is listed`).toBeDefined();
  const pub = createPublicKey(key!.pem);
  expect(spkiKeyId(pub)).toBe(sig.keyid);
  const payload = Buffer.from(att.envelope.payload, 'base64');
  expect(
    verify(
      'sha256',
      pae(att.envelope.payloadType, payload),
      { key: pub, dsaEncoding: 'der' },
      Buffer.from(sig.sig, 'base64'),
    ),
  ).toBe(true);
  return JSON.parse(payload.toString('utf8')) as {
    subject: { name: string; digest: { sha256: string } }[];
    predicateType: string;
    predicate: {
      package: { name: string; version: string };
      publisher: { name: string };
      approval: { approvers: string[] } | null;
      audit_log: { origin: string; index: number };
      checks: { checksum: string };
    };
  };
}

describe('registry attestations (server)', () => {
  it('every accepted version is attested: digest, package, publisher, audit index of its publish event', async () => {
    const { url, admin } = await serve();
    const alice = await createUser(url, admin, 'alice');
    const archive = await buildArchive('@alice/tool', '1.0.0');
    const pub = expectStatus(await publish(url, alice.token, '@alice/tool', '1.0.0', archive), 201);
    const [att] = await attestations(url, '@alice/tool', '1.0.0');
    const st = check(att!, await keys(url));
    expect(st.predicateType).toBe('https://aam.dev/attestations/publish/v1');
    expect(st.subject).toEqual([
      { name: 'pkg:aam/@alice/tool@1.0.0', digest: { sha256: sha256hex(archive) } },
    ]);
    expect(st.predicate.package).toEqual({ name: '@alice/tool', version: '1.0.0' });
    expect(st.predicate.publisher.name).toBe('alice');
    expect(st.predicate.audit_log.index).toBe(pub.body.audit!.index);
    const entry = await call<{ body: string }>(
      url,
      'GET',
      `/api/v1/audit/entries/${st.predicate.audit_log.index}`,
    );
    expect(JSON.parse(entry.body.body)).toMatchObject({
      event: 'package.publish',
      package: '@alice/tool@1.0.0',
      metadata: { checksum: `sha256:${sha256hex(archive)}` },
    });
  });

  it('with approvals, the attestation is made when an approver accepts, and names the approver', async () => {
    const { url, admin } = await serve(true);
    const alice = await createUser(url, admin, 'alice');
    const ann = await createUser(url, admin, 'ann', 'approver');
    expectStatus(
      await publish(url, alice.token, '@alice/x', '1.0.0', await buildArchive('@alice/x', '1.0.0')),
      202,
    );
    expect(await attestations(url, '@alice/x', '1.0.0').catch(() => [])).toEqual([]);
    expectStatus(
      await call(url, 'POST', '/api/v1/packages/@alice/x/versions/1.0.0/approvals', {
        token: ann.token,
        json: { decision: 'approve' },
      }),
      201,
    );
    const [att] = await attestations(url, '@alice/x', '1.0.0');
    expect(check(att!, await keys(url)).predicate.approval?.approvers).toEqual(['ann']);
  });

  it('key rotation: the old key stays listed as retired and its attestations still verify; new ones use the new key', async () => {
    const { url, admin } = await serve();
    const alice = await createUser(url, admin, 'alice');
    expectStatus(
      await publish(url, alice.token, '@alice/r', '1.0.0', await buildArchive('@alice/r', '1.0.0')),
      201,
    );
    const before = await keys(url);
    expect(before.map((k) => k.status)).toEqual(['active']);
    expectStatus(await call(url, 'POST', '/api/v1/keys/rotate', { token: alice.token, json: {} }), 403);
    const rot = await call<{ retired: string; active: string }>(url, 'POST', '/api/v1/keys/rotate', {
      token: admin,
      json: { use: 'attestation' },
    });
    expectStatus(rot, 200);
    expect(rot.body.retired).toBe(before[0]!.keyid);
    const after = await keys(url);
    expect(after.find((k) => k.keyid === before[0]!.keyid)?.status).toBe('retired');
    expect(after.find((k) => k.keyid === rot.body.active)?.status).toBe('active');
    const [old] = await attestations(url, '@alice/r', '1.0.0');
    expect(old!.keyid).toBe(before[0]!.keyid);
    check(old!, after);
    expectStatus(
      await publish(url, alice.token, '@alice/r', '1.1.0', await buildArchive('@alice/r', '1.1.0')),
      201,
    );
    const [fresh] = await attestations(url, '@alice/r', '1.1.0');
    expect(fresh!.keyid).toBe(rot.body.active);
    check(fresh!, after);
    const events = (
      await call<{ items: { body: string }[] }>(url, 'GET', '/api/v1/audit/entries?event=key.rotate')
    ).body.items;
    expect(events.map((e) => JSON.parse(e.body).metadata)).toEqual([
      { use: 'attestation', retired: before[0]!.keyid, active: rot.body.active },
    ]);
  });

  it('an author signature that does not verify is refused (422 signature_invalid) and nothing is stored', async () => {
    const { url, admin, storage } = await serve();
    const alice = await createUser(url, admin, 'alice');
    const archive = await buildArchive('@alice/s', '1.0.0');
    const r = await publish(url, alice.token, '@alice/s', '1.0.0', archive, {
      fields: { signature_type: 'sigstore' },
      files: { signature: Buffer.from('{"mediaType": "not a bundle"}') },
    });
    expectStatus(r, 422, 'signature_invalid');
    expectStatus(await call(url, 'GET', '/api/v1/packages/@alice/s'), 404);
    const hex = sha256hex(archive);
    expect(existsSync(join(storage, 'blobs', 'sha256', hex.slice(0, 2), hex))).toBe(false);
  });
});
