import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { spkiKeyId } from '@aam/core/plugin';
import { readFile } from 'node:fs/promises';
import type {
  ArtifactRef,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  VerifyContext,
} from '@aam/core/plugin';
import type { Bundle, TransparencyLogEntry } from '@sigstore/bundle';
import type { X509Certificate } from '@sigstore/core';
import type { SignedEntity, TrustMaterial } from '@sigstore/verify';
import { ChainCache } from './chain-cache.js';
import { certificateFacts, type CertificateFacts } from './claims.js';
import { sigstoreLibs, type SigstoreLibs } from './lazy.js';
import { chooseTrustedRoot, loadTrustedRoot, TrustedRootError, type LoadedRoot } from './trusted-root.js';

/** The bundle media types this verifier knows (v0.1 to v0.3); any other version is refused, not guessed. */
export const KNOWN_BUNDLE_TYPES = new Set([
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
]);

const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENTS = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);

export interface SigstoreVerifierOptions {
  /** `security.sigstore.trusted_root`, absolute; else the TUF-refreshed or vendored public-good root. */
  trustedRoot?: string;
  /** aam's home (for the TUF-refreshed root). */
  home: string;
}

/** A failed check: which one, and why (becomes a `valid: false` fact). */
class CheckFailed extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(message);
  }
}

const CHECK_OF_CODE: Record<string, string> = {
  TLOG_ERROR: 'transparency-log',
  TLOG_INCLUSION_PROOF_ERROR: 'transparency-log',
  TLOG_INCLUSION_PROMISE_ERROR: 'transparency-log',
  TLOG_MISSING_INCLUSION_ERROR: 'transparency-log',
  TLOG_BODY_ERROR: 'transparency-log',
  CERTIFICATE_ERROR: 'certificate',
  PUBLIC_KEY_ERROR: 'key',
  SIGNATURE_ERROR: 'signature',
  TIMESTAMP_ERROR: 'timestamp',
};

function libraryFailure(e: unknown): CheckFailed {
  if (e instanceof CheckFailed) return e;
  const code = (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string' && CHECK_OF_CODE[code])
    return new CheckFailed(CHECK_OF_CODE[code], `${message} (${code})`);
  return new CheckFailed('bundle', message);
}

/** ISO 8601 to the second, as the seed prints it (`2026-02-07T14:30:00Z`). */
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function parseJson(doc: SignatureDocument): unknown {
  try {
    return JSON.parse(Buffer.from(doc.bytes).toString('utf8'));
  } catch (e) {
    throw new CheckFailed(
      'bundle',
      `malformed bundle JSON in ${doc.source}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function mediaTypeOf(json: unknown): string | undefined {
  const t = (json as { mediaType?: unknown } | null)?.mediaType;
  return typeof t === 'string' ? t : undefined;
}

let chains: ChainCache | undefined;

/**
 * The process's verified certificate chains (chain-cache.ts), shared by every verifier: one chain check per
 * signer and trusted root, not one per bundle. Undefined until the first certificate-signed bundle.
 */
export function sharedChainCache(libs?: SigstoreLibs): ChainCache | undefined {
  if (!chains && libs)
    chains = new ChainCache({
      Verifier: libs.verify.Verifier,
      verifyCertificateChain: libs.chain.verifyCertificateChain,
    });
  return chains;
}

/** Sigstore bundles (message signatures and DSSE), verified offline against a trusted root. */
export class SigstoreVerifier implements SignatureVerifier {
  readonly type = 'sigstore';
  /** Certificate facts by the leaf's DER digest: one decode per signer, however many packages it signed. */
  private readonly certFacts = new Map<string, CertificateFacts>();

  constructor(private readonly opts: SigstoreVerifierOptions) {}

  canVerify(sig: SignatureDocument): boolean {
    if (sig.declaredType !== undefined) return sig.declaredType === 'sigstore';
    const head = Buffer.from(sig.bytes.subarray(0, 4096)).toString('utf8');
    if (/"mediaType"\s*:\s*"application\/vnd\.dev\.sigstore\.bundle/.test(head)) return true;
    // A file named like a bundle but unreadable is still ours to refuse with a clear reason.
    return /\.sigstore(\.json)?$/.test(sig.source) || /\.aam\.sigstore\.json$/.test(sig.source);
  }

  async verify(artifact: ArtifactRef, sig: SignatureDocument, ctx: VerifyContext): Promise<SignatureFact> {
    try {
      return await this.check(artifact, sig, ctx);
    } catch (e) {
      const f =
        e instanceof TrustedRootError ? new CheckFailed('trusted-root', e.message) : libraryFailure(e);
      return { type: this.type, valid: false, errors: [`${f.check}: ${f.message}`], check: f.check };
    }
  }

  /** Loads (once per process) the trust material this verifier checks against. */
  trustedRoot(): Promise<LoadedRoot> {
    return loadTrustedRoot(chooseTrustedRoot(this.opts.trustedRoot, this.opts.home));
  }

  private async check(
    artifact: ArtifactRef,
    sig: SignatureDocument,
    ctx: VerifyContext,
  ): Promise<SignatureFact> {
    const json = parseJson(sig);
    const mediaType = mediaTypeOf(json);
    if (!mediaType || !KNOWN_BUNDLE_TYPES.has(mediaType))
      throw new CheckFailed(
        'bundle',
        `unknown bundle version ${JSON.stringify(mediaType ?? null)} (known: Sigstore bundle v0.1 to v0.3)`,
      );
    const libs = await sigstoreLibs();
    let bundle: Bundle;
    try {
      bundle = libs.bundle.bundleFromJSON(json);
    } catch (e) {
      throw new CheckFailed('bundle', `invalid bundle: ${e instanceof Error ? e.message : String(e)}`);
    }
    const root = await this.trustedRoot();
    const bytes = artifact.bytes ?? (artifact.path ? await readFile(artifact.path) : undefined);
    if (!bytes) throw new CheckFailed('artifact', 'no artifact bytes to check the bundle against');
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Digests of the bytes are computed here (each at most once), never taken from `artifact.checksum`.
    const digests = new Map<string, string>();
    const digestOf = (alg: string): string => {
      let hex = digests.get(alg);
      if (hex === undefined) digests.set(alg, (hex = createHash(alg).update(data).digest('hex')));
      return hex;
    };
    const content = bundle.content;
    if (content.$case === 'messageSignature') {
      const md = content.messageSignature.messageDigest;
      if (md) {
        const alg = hashName(md.algorithm, libs.protobuf);
        const want = Buffer.from(md.digest).toString('hex');
        const have = digestOf(alg);
        if (want !== have)
          throw new CheckFailed(
            'artifact',
            `the bundle signs another artifact (${alg}:${want}), not this one (${alg}:${have})`,
          );
      }
    } else {
      checkStatementSubject(
        content.dsseEnvelope.payloadType,
        Buffer.from(content.dsseEnvelope.payload),
        digestOf,
      );
    }
    let entity: SignedEntity;
    try {
      entity = libs.verify.toSignedEntity(bundle, content.$case === 'messageSignature' ? data : undefined);
    } catch (e) {
      throw new CheckFailed('bundle', `unreadable bundle: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (content.$case === 'dsseEnvelope') acceptHashedRekordOverDsse(entity, bundle, libs.core);

    let fingerprint: string | undefined;
    if (entity.key.$case === 'public-key') {
      fingerprint = this.verifyWithGivenKeys(entity, root.material, ctx, libs.verify);
    } else {
      sharedChainCache(libs)!.verifier(root.material, root.digest, leafBytes(bundle)).verify(entity);
    }
    return this.fact(bundle, entity, root, libs.core, fingerprint);
  }

  /** A key-signed bundle (public-key hint) verifies only against a key the user gave (`--key`). */
  private verifyWithGivenKeys(
    entity: SignedEntity,
    material: TrustMaterial,
    ctx: VerifyContext,
    verify: typeof import('@sigstore/verify'),
  ): string {
    const keys: KeyObject[] = [];
    let unparsable = 0;
    for (const k of ctx.keys) {
      const text = Buffer.from(k).toString('utf8');
      // Other keys (OpenPGP) are another verifier's; a PEM public key is ours, and must parse.
      if (!text.includes('-----BEGIN PUBLIC KEY-----')) continue;
      try {
        keys.push(createPublicKey(text));
      } catch {
        unparsable++;
      }
    }
    if (keys.length === 0)
      throw new CheckFailed(
        'key',
        unparsable > 0
          ? 'cannot parse the PEM public key given with --key'
          : 'the bundle is signed with a key, not a Fulcio certificate: give its PEM public key with --key',
      );
    let last: unknown;
    for (const key of keys) {
      try {
        new verify.Verifier({
          ...material,
          publicKey: () => ({ publicKey: key, validFor: () => true }),
        }).verify(entity);
        return spkiKeyId(key);
      } catch (e) {
        last = e;
      }
    }
    const failure = libraryFailure(last);
    // None of the keys verifies: a key that could not even be read is the likelier culprit.
    if (unparsable > 0)
      throw new CheckFailed(
        'key',
        `cannot parse the PEM public key given with --key (the other key given fails: ${failure.check}: ${failure.message})`,
      );
    throw failure;
  }

  private fact(
    bundle: Bundle,
    entity: SignedEntity,
    root: LoadedRoot,
    core: typeof import('@sigstore/core'),
    fingerprint?: string,
  ): SignatureFact {
    const fact: SignatureFact = { type: this.type, valid: true, errors: [] };
    if (entity.key.$case === 'certificate') {
      const cf = this.certificateFacts(entity.key.certificate, leafBytes(bundle));
      if (cf.identity !== undefined) fact.identity = cf.identity;
      if (cf.issuer !== undefined) fact.issuer = cf.issuer;
      if (Object.keys(cf.claims).length > 0) fact.claims = { ...cf.claims };
    }
    if (fingerprint) fact.fingerprint = fingerprint;
    const entries = bundle.verificationMaterial.tlogEntries;
    const entry = entries[0];
    if (entry) {
      const tlog = tlogFact(entry, root.material.tlogs, core);
      if (tlog) fact.tlog = tlog;
    }
    // The signing time: the (verified) TSA timestamp, else the integrated time a SET signs; nothing else.
    const tsa = entity.timestamps.find((t) => t.$case === 'timestamp-authority');
    const promised = entries.find((e) => e.inclusionPromise && Number(e.integratedTime) > 0);
    const signedAt =
      tsa?.$case === 'timestamp-authority'
        ? tsa.timestamp.signingTime
        : promised
          ? new Date(Number(promised.integratedTime) * 1000)
          : undefined;
    if (signedAt) fact.signed_at = isoSeconds(signedAt);
    return fact;
  }

  private certificateFacts(cert: X509Certificate, der: Uint8Array | undefined): CertificateFacts {
    // Keyed by the leaf's bytes as the bundle carries them (re-encoding the parsed certificate costs ~0.6 ms).
    if (!der) return certificateFacts(cert);
    const key = createHash('sha256').update(der).digest('hex');
    let hit = this.certFacts.get(key);
    if (!hit) {
      hit = certificateFacts(cert);
      if (this.certFacts.size >= 1024) this.certFacts.clear();
      this.certFacts.set(key, hit);
    }
    return hit;
  }
}

/** A bundle's HashAlgorithm as Node names it, mapped as @sigstore/verify maps it (unknown: SHA-256). */
function hashName(alg: number, protobuf: typeof import('@sigstore/protobuf-specs')): string {
  const H = protobuf.HashAlgorithm;
  switch (alg) {
    case H.SHA2_384:
      return 'sha384';
    case H.SHA2_512:
      return 'sha512';
    case H.SHA3_256:
      return 'sha3-256';
    case H.SHA3_384:
      return 'sha3-384';
    default:
      return 'sha256';
  }
}

/** The DER of the leaf certificate the verifier parsed (the single certificate, or the chain's first). */
function leafBytes(bundle: Bundle): Uint8Array | undefined {
  const c = bundle.verificationMaterial.content;
  if (c.$case === 'certificate') return c.certificate.rawBytes;
  if (c.$case === 'x509CertificateChain') return c.x509CertificateChain.certificates[0]?.rawBytes;
  return undefined;
}

/**
 * A DSSE bundle does not bind to an artifact by itself: an in-toto statement must name the artifact's
 * digest (sha256 or sha512) among its subjects; any other payload must be the artifact itself.
 */
function checkStatementSubject(
  payloadType: string,
  payload: Buffer,
  digestOf: (alg: 'sha256' | 'sha512') => string,
): void {
  if (payloadType !== IN_TOTO_PAYLOAD) {
    if (createHash('sha256').update(payload).digest('hex') !== digestOf('sha256'))
      throw new CheckFailed(
        'artifact',
        `the DSSE payload (${payloadType}) is not this artifact and is not an in-toto statement naming it`,
      );
    return;
  }
  let statement: { _type?: unknown; subject?: unknown };
  try {
    statement = JSON.parse(payload.toString('utf8')) as typeof statement;
  } catch {
    throw new CheckFailed('artifact', 'the DSSE payload is not valid JSON');
  }
  if (typeof statement._type !== 'string' || !IN_TOTO_STATEMENTS.has(statement._type))
    throw new CheckFailed('artifact', `unknown in-toto statement type ${JSON.stringify(statement._type)}`);
  if (!Array.isArray(statement.subject) || statement.subject.length === 0)
    throw new CheckFailed('artifact', 'the in-toto statement names no subject');
  for (const s of statement.subject as { digest?: Record<string, unknown> }[]) {
    const d = s?.digest;
    if (!d || typeof d !== 'object') continue;
    if (typeof d.sha256 === 'string' && d.sha256.toLowerCase() === digestOf('sha256')) return;
    if (typeof d.sha512 === 'string' && d.sha512.toLowerCase() === digestOf('sha512')) return;
  }
  throw new CheckFailed('artifact', 'no in-toto subject digest (sha256 or sha512) matches the artifact');
}

/**
 * Rekor v2's "hashedrekord over DSSE" entries (rekor-v2 spec §6.1.4) log SHA-256(PAE(type, payload))
 * rather than the payload's digest. The library compares every entry's body with one shared digest check,
 * so the PAE digest is accepted only when every tlog entry of the bundle is such an entry: beside an entry
 * of any other kind (whose body must name the payload digest), nothing is widened. The signature itself is
 * still checked over the PAE.
 */
function acceptHashedRekordOverDsse(
  entity: SignedEntity,
  bundle: Bundle,
  core: typeof import('@sigstore/core'),
): void {
  if (bundle.content.$case !== 'dsseEnvelope') return;
  const env = bundle.content.dsseEnvelope;
  const entries = entity.tlogEntries;
  const allHashedRekordV2 =
    entries.length > 0 &&
    entries.every((e) => e.kindVersion.kind === 'hashedrekord' && e.kindVersion.version === '0.0.2');
  if (!allHashedRekordV2) return;
  const pae = core.dsse.preAuthEncoding(env.payloadType, Buffer.from(env.payload));
  const paeDigest = core.crypto.digest('sha256', pae);
  const content = entity.signature;
  const original = content.compareDigest.bind(content);
  Object.defineProperty(content, 'compareDigest', {
    value: (digest: Buffer) => original(digest) || core.crypto.bufferEqual(digest, paeDigest),
  });
}

/** Rekor v2 entry kinds (hashedrekord and dsse 0.0.2): served as tiles, named by their log and index. */
const isRekorV2Entry = (e: TransparencyLogEntry): boolean =>
  (e.kindVersion.kind === 'hashedrekord' || e.kindVersion.kind === 'dsse') &&
  e.kindVersion.version === '0.0.2';

/**
 * What a verified tlog entry says, from covered fields only. A SET (inclusion promise) signs the body,
 * integratedTime, logIndex and logID together; an inclusion proof covers only the body, the proof's own
 * logIndex, and the checkpoint (signed by the log's key). integratedTime and the entry's logIndex/logId
 * outside a SET are checked by nothing, so they are never reported.
 */
function tlogFact(
  entry: TransparencyLogEntry,
  tlogs: TrustMaterial['tlogs'],
  core: typeof import('@sigstore/core'),
): SignatureFact['tlog'] | undefined {
  let logIndex: number;
  let base: string | undefined;
  let integrated: Date | undefined;
  if (entry.inclusionPromise) {
    logIndex = Number(entry.logIndex);
    base = tlogs.find((t) => core.crypto.bufferEqual(t.logID, entry.logId.keyId))?.baseURL;
    const seconds = Number(entry.integratedTime);
    if (seconds > 0) integrated = new Date(seconds * 1000);
  } else if (entry.inclusionProof) {
    logIndex = Number(entry.inclusionProof.logIndex);
    const envelope = entry.inclusionProof.checkpoint?.envelope;
    base = envelope ? checkpointLog(envelope, tlogs, core) : undefined;
  } else {
    return undefined;
  }
  // A Rekor v1 entry is addressable by its leaf hash (the entry UUID, from the covered body); a Rekor v2
  // log serves tiles, not entries, so its base URL and the log index name the entry.
  let url = base;
  if (base && !isRekorV2Entry(entry)) {
    const uuid = createHash('sha256')
      .update(Buffer.from([0]))
      .update(entry.canonicalizedBody)
      .digest('hex');
    url = `${base}/api/v1/log/entries/${uuid}`;
  }
  return {
    log_index: logIndex,
    ...(url ? { url } : {}),
    ...(integrated ? { integrated_time: isoSeconds(integrated) } : {}),
  };
}

/**
 * The trusted log whose key signed the checkpoint of an inclusion proof (as the library matches them: key
 * hint and name), verified again here: the entry's own logId is not what the proof covers.
 */
function checkpointLog(
  envelope: string,
  tlogs: TrustMaterial['tlogs'],
  core: typeof import('@sigstore/core'),
): string | undefined {
  const split = envelope.indexOf('\n\n');
  if (split < 0) return undefined;
  const note = Buffer.from(envelope.slice(0, split + 1), 'utf8');
  for (const [, name, sig] of envelope.slice(split + 2).matchAll(/\u2014 (\S+) (\S+)\n/g)) {
    const bytes = Buffer.from(sig!, 'base64');
    if (bytes.length < 5) continue;
    const hint = bytes.subarray(0, 4);
    for (const t of tlogs) {
      if (
        core.crypto.bufferEqual(t.logID.subarray(0, 4), hint) &&
        t.baseURL.includes(name!) &&
        core.crypto.verify(note, t.publicKey, bytes.subarray(4))
      )
        return t.baseURL;
    }
  }
  return undefined;
}
