import { createHash } from 'node:crypto';
import type { X509Certificate } from '@sigstore/core';
import type { SignedEntity, Signer, TrustMaterial } from '@sigstore/verify';
import type { CertAuthority } from '@sigstore/verify/dist/trust/trust.types.js';

/** What `@sigstore/verify` keeps internal and the cache needs: the chain builder, and the Verifier's methods. */
export interface ChainLibs {
  Verifier: typeof import('@sigstore/verify').Verifier;
  verifyCertificateChain(timestamp: Date, leaf: X509Certificate, cas: CertAuthority[]): X509Certificate[];
}

/** A leaf certificate whose chain a full verification accepted: the path it built and the CA it anchors in. */
interface VerifiedChain {
  material: TrustMaterial;
  ca: CertAuthority;
  path: X509Certificate[];
  signer: Signer;
}

/** The Verifier's own step (private in its types, a plain method at run time). */
type SigningKeyStep = (entity: SignedEntity, timestamps: Date[]) => Signer;

/**
 * Verified certificate chains, so that 1,000 bundles from 10 signers build and check 10 chains, not 1,000.
 *
 * It cannot fail open, by construction:
 * - An entry is made only after the Verifier's own full step (`verifySigningKey`: chain, path checks, SCTs)
 *   accepted the leaf, the second time it sees that leaf; it holds the path that step builds and the CA that
 *   path ends in.
 * - Its key is the leaf's bytes as the bundle carries them and the trusted root's digest; the entry also holds
 *   the trust material object itself, and a hit requires the same object (a root changed on disk is another).
 * - A hit still checks, against this bundle's own verified timestamps (the Verifier verifies them before this
 *   step and passes them in), that the CA and every certificate of the path are valid at each of them: the only
 *   part of the chain check that depends on the bundle. When any of that fails, the full step runs and decides.
 * - Everything else is checked per bundle by the Verifier as before: timestamps (TSA and log), the signature
 *   over the artifact, the transparency log entries and their proofs, and the identity policy.
 */
export class ChainCache {
  private readonly entries = new Map<string, VerifiedChain>();
  private readonly seenOnce = new Set<string>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly libs: ChainLibs,
    readonly max = 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Forgets every chain (the counters too). */
  clear(): void {
    this.entries.clear();
    this.seenOnce.clear();
    this.hits = 0;
    this.misses = 0;
  }

  /**
   * A Verifier for this trust material whose signing-key step goes through the cache, for one bundle: `leaf` is
   * the leaf certificate's bytes as the bundle carries them (the key; without them, no caching). Raw bytes, not a
   * re-encoding: two encodings of one certificate (a length written long) parse alike and re-encode alike, but the
   * chain check compares names as written, so they may not verify alike.
   */
  verifier(
    material: TrustMaterial,
    rootDigest: string,
    leaf?: Uint8Array,
  ): InstanceType<ChainLibs['Verifier']> {
    const v = new this.libs.Verifier(material);
    const step = v as unknown as { verifySigningKey: SigningKeyStep };
    const full = step.verifySigningKey.bind(v);
    step.verifySigningKey = (entity, timestamps) =>
      this.signingKey(entity, timestamps, material, rootDigest, leaf, full);
    return v;
  }

  private signingKey(
    entity: SignedEntity,
    timestamps: Date[],
    material: TrustMaterial,
    rootDigest: string,
    leafBytes: Uint8Array | undefined,
    full: SigningKeyStep,
  ): Signer {
    if (entity.key.$case !== 'certificate' || timestamps.length === 0 || !leafBytes)
      return full(entity, timestamps);
    const leaf = entity.key.certificate;
    const key = `${rootDigest}:${createHash('sha256').update(leafBytes).digest('hex')}`;
    const hit = this.entries.get(key);
    if (hit && hit.material === material && timestamps.every((t) => validAt(hit, t))) {
      this.hits++;
      // Refresh its place: the least recently used entry goes first when the cache is full.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.signer;
    }
    this.misses++;
    const signer = full(entity, timestamps); // throws when the chain (or an SCT) is refused: nothing cached
    // A leaf seen once is only remembered: building its path for the cache costs a second chain check, which
    // a process verifying one bundle (a cold `aam verify FILE`) would pay for nothing.
    if (!this.seenOnce.has(key)) {
      if (this.seenOnce.size >= this.max) this.seenOnce.delete(this.seenOnce.values().next().value!);
      this.seenOnce.add(key);
      return signer;
    }
    this.seenOnce.delete(key);
    const path = this.libs.verifyCertificateChain(timestamps[0]!, leaf, material.certificateAuthorities);
    const top = path[path.length - 1];
    const ca = material.certificateAuthorities.find((c) => top !== undefined && c.certChain.includes(top));
    // A path that does not end in one of this material's CAs (it always does) is simply not cached.
    if (ca && path[0] === leaf) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { material, ca, path, signer });
    }
    return signer;
  }
}

/** The time-dependent half of the chain check: the CA's window and every certificate's, at this timestamp. */
function validAt(chain: VerifiedChain, t: Date): boolean {
  return (
    chain.ca.validFor.start <= t &&
    chain.ca.validFor.end >= t &&
    chain.path.every((cert) => cert.validForDate(t))
  );
}
