// @sigstore/core is patched (patches/@sigstore__core@3.2.1.patch): ASN1Obj.toDER() concatenates at exact sizes
// instead of growing 1 KiB streams. The patch must not change a byte: every certificate of the fixtures (trusted
// roots, bundles' leaves and chains) re-encodes to exactly the bytes it was parsed from, and so does its
// to-be-signed part (what signature checks hash).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ASN1Obj, X509Certificate } from '@sigstore/core';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const jsonFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? jsonFiles(p) : f.endsWith('.json') ? [p] : [];
  });

/** Every base64 `rawBytes` in a JSON document (certificates in bundles and trusted roots). */
function rawBytesIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) rawBytesIn(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'rawBytes' && typeof x === 'string') out.push(x);
      else rawBytesIn(x, out);
    }
  return out;
}

describe('ASN.1 re-encoding (the patched toDER)', () => {
  const certs = new Map<string, Buffer<ArrayBuffer>>();
  for (const file of [
    ...jsonFiles(join(ROOT, 'test/fixtures/sigstore')),
    join(ROOT, 'packages/plugin-sigstore/trusted-root/public-good.json'),
  ]) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // the malformed-JSON conformance case
    }
    for (const b64 of rawBytesIn(json)) {
      const der = Buffer.from(b64, 'base64');
      try {
        X509Certificate.parse(der);
        certs.set(der.toString('hex'), der);
      } catch {
        // not a certificate (a key, a signature): not what this test is about
      }
    }
  }

  it('finds the fixtures’ certificates', () => {
    expect(certs.size).toBeGreaterThan(20);
  });

  it('every certificate, and its to-be-signed part, re-encodes to the bytes it came from', () => {
    for (const der of certs.values()) {
      const cert = X509Certificate.parse(der);
      expect(cert.root.toDER().equals(der)).toBe(true);
      const tbs = cert.tbsCertificate.toDER();
      expect(der.includes(tbs)).toBe(true);
      expect(cert.equals(X509Certificate.parse(Buffer.from(der)))).toBe(true);
    }
  });

  it('long lengths (over 127 and over 65,535 bytes) encode as DER says', () => {
    // A SEQUENCE holding one OCTET STRING of n bytes, built by hand, parsed and re-encoded.
    for (const n of [0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000]) {
      const body = Buffer.alloc(n, 0xab);
      const len = (l: number): Buffer => {
        if (l < 128) return Buffer.of(l);
        const hex = l.toString(16);
        const bytes = Buffer.from(hex.padStart(hex.length + (hex.length % 2), '0'), 'hex');
        return Buffer.concat([Buffer.of(0x80 | bytes.length), bytes]);
      };
      const octet = Buffer.concat([Buffer.of(0x04), len(n), body]);
      const seq = Buffer.concat([Buffer.of(0x30), len(octet.length), octet]);
      expect(ASN1Obj.parseBuffer(seq).toDER().equals(seq), `length ${n}`).toBe(true);
    }
  });
});
