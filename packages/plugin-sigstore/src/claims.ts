import type { X509Certificate } from '@sigstore/core';

/** Fulcio certificate extensions (OID 1.3.6.1.4.1.57264.1.N), named as Fulcio's OID registry names them. */
const FULCIO_V2: Record<string, string> = {
  '1.3.6.1.4.1.57264.1.9': 'build_signer_uri',
  '1.3.6.1.4.1.57264.1.10': 'build_signer_digest',
  '1.3.6.1.4.1.57264.1.11': 'runner_environment',
  '1.3.6.1.4.1.57264.1.12': 'source_repository_uri',
  '1.3.6.1.4.1.57264.1.13': 'source_repository_digest',
  '1.3.6.1.4.1.57264.1.14': 'source_repository_ref',
  '1.3.6.1.4.1.57264.1.15': 'source_repository_identifier',
  '1.3.6.1.4.1.57264.1.16': 'source_repository_owner_uri',
  '1.3.6.1.4.1.57264.1.17': 'source_repository_owner_identifier',
  '1.3.6.1.4.1.57264.1.18': 'build_config_uri',
  '1.3.6.1.4.1.57264.1.19': 'build_config_digest',
  '1.3.6.1.4.1.57264.1.20': 'build_trigger',
  '1.3.6.1.4.1.57264.1.21': 'run_invocation_uri',
  '1.3.6.1.4.1.57264.1.22': 'source_repository_visibility_at_signing',
};
const ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A v2 Fulcio extension value is a DER UTF8String: tag 0x0c, a minimal definite length covering the rest
 * exactly, valid UTF-8. Anything else is not a claim we can read, and is left out rather than guessed.
 */
export function derUtf8(bytes: Buffer): string | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x0c) return undefined;
  let len = bytes[1]!;
  let off = 2;
  if (len & 0x80) {
    // Long form: n length bytes, big-endian. DER wants it only for lengths over 127, with no leading zero.
    const n = len & 0x7f;
    if (n === 0 || n > 3 || bytes.length < 2 + n || bytes[2] === 0) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!;
    if (len < 0x80) return undefined;
    off = 2 + n;
  }
  if (off + len !== bytes.length) return undefined;
  try {
    return UTF8.decode(bytes.subarray(off));
  } catch {
    return undefined;
  }
}

export interface CertificateFacts {
  identity?: string;
  issuer?: string;
  claims: Record<string, string>;
}

/** SAN (email, else URI), OIDC issuer and the decoded Fulcio claims of a leaf certificate. */
export function certificateFacts(cert: X509Certificate): CertificateFacts {
  const san = cert.extSubjectAltName;
  const identity = san?.rfc822Name ?? san?.uri;
  const v2 = cert.extension(ISSUER_V2);
  const v1 = cert.extension(ISSUER_V1);
  const issuer = (v2 && derUtf8(v2.value)) ?? (v1 ? v1.value.toString('utf8') : undefined);
  const claims: Record<string, string> = {};
  for (const [oid, name] of Object.entries(FULCIO_V2)) {
    const ext = cert.extension(oid);
    const value = ext && derUtf8(ext.value);
    if (value !== undefined) claims[name] = value;
  }
  return {
    ...(identity !== undefined ? { identity } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
    claims,
  };
}
