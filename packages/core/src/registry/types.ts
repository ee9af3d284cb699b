import type { Readable } from 'node:stream';
import type { Checksum } from '../integrity/checksum.js';

export interface SignatureRecord {
  type: string;
  file: string;
  identity?: string;
  fingerprint?: string;
}

/** One entry of `metadata.yaml` `versions` (SPEC §1). */
export interface VersionRecord {
  version: string;
  published: string;
  checksum: Checksum;
  size: number;
  yanked: boolean;
  signatures: SignatureRecord[];
  dependencies?: Record<string, string>;
  /** Why it was yanked, when the registry says (HTTP registries). */
  yank_reason?: string;
  /** HTTP registries: the index of its `package.publish` entry in the registry's audit log. */
  audit_index?: number;
}

export interface PackageMetadata {
  name: string;
  description: string;
  dist_tags: Record<string, string>;
  versions: VersionRecord[];
  /**
   * The registry has the name but shows no installable version (pending approval, rejected, hidden from this
   * reader): the name is taken there, and never taken from another registry.
   */
  hidden?: boolean;
}

export interface RegistryPublishRequest {
  /** The archive exactly as it was inspected and hashed (one read: nothing can change in between). */
  bytes: Buffer;
  name: string;
  version: string;
  description: string;
  checksum: Checksum;
  size: number;
  dependencies?: Record<string, string>;
  tag: string;
  signatures?: { record: SignatureRecord; bytes: Uint8Array }[];
}

export interface PublishOutcome {
  name: string;
  version: string;
  checksum: Checksum;
  tags: string[];
  location: string;
  /**
   * `published` (the default when absent), `pending`: stored but waiting for an approver (no tag moved, not
   * installable yet), or `unchanged`: the identical bytes were already published (a safe retry).
   */
  status?: 'published' | 'pending' | 'unchanged';
  /** What the registry said, for the user (set for `pending` and `unchanged`). */
  message?: string;
  /** Why the registry's publish policy held it for review (the findings), when it did. */
  held_by?: string[];
}

/**
 * A registry attestation as an HTTP registry serves it (`GET .../versions/{ver}/attestations`): the DSSE
 * envelope, re-serialised as JSON, plus what the listing says about it. Nothing here is trusted: the
 * attestation verifier checks the envelope itself.
 */
export interface RegistryAttestation {
  predicate_type?: string;
  media_type?: string;
  keyid?: string;
  /** The DSSE envelope (`{payloadType, payload, signatures}`) as JSON bytes. */
  envelope: Uint8Array;
}

/** A place packages come from. Implementations: local directory (`file://`), HTTP (`http(s)://`). */
export interface Registry {
  readonly name: string;
  readonly url: string;
  readonly kind: 'local' | 'http';
  /** The package's metadata, or undefined if the registry does not have it. */
  metadata(name: string): Promise<PackageMetadata | undefined>;
  /** The archive bytes as a stream; the caller hashes them as they arrive. */
  openArchive(name: string, version: string): Promise<Readable>;
  /** The signature documents stored beside an archive. */
  readSignature(name: string, version: string, record: SignatureRecord): Promise<Uint8Array>;
  publish(req: RegistryPublishRequest): Promise<PublishOutcome>;
  /**
   * The registry's own attestations of a version (HTTP registries; local registries have none and do not
   * implement it). An empty list when the version has none.
   */
  readAttestations?(name: string, version: string): Promise<RegistryAttestation[]>;
  /** Packages whose name or description contains `query` (case-insensitive), at most `limit`. */
  search(query: string, limit: number): Promise<SearchHit[]>;
}

/** One package a registry's search found. `latest` when the registry's listing says it. */
export interface SearchHit {
  name: string;
  description: string;
  latest?: string;
}

/** A version in a registry's approval queue, and why it waits (`aam approvals`). */
export interface PendingVersion {
  name: string;
  version: string;
  checksum: string;
  published_at: string;
  /** The publish policy's reason codes when it held the version; empty when every publish waits. */
  held_by: string[];
  /** What the scanners found: where and which rule, never a matched value. */
  findings: { scanner: string; rule: string; severity: string; path: string; line?: number }[];
}
