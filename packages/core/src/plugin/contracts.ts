import type { DependencyContainer } from 'tsyringe';
import type { Checksum } from '../integrity/checksum.js';
import type { RegistryConfig, SecurityConfig } from '../config/types.js';

/** The artifact a signature is about: its bytes (in memory or on disk) and, when known, its package identity. */
export interface ArtifactRef {
  /** The bytes, when the host holds them (install reads each archive once, into memory). */
  bytes?: Uint8Array;
  /** A file holding the bytes, when they are not in memory (`aam verify FILE`). */
  path?: string;
  checksum: Checksum;
  size: number;
  name?: string;
  version?: string;
}

/** A signature document as stored beside an archive or given on the command line. */
export interface SignatureDocument {
  /** Where it came from (file path or URL), for messages. */
  source: string;
  /** The declared type, when the container says (`metadata.yaml` `signatures[].type`). */
  declaredType?: string;
  bytes: Uint8Array;
}

/** What a verifier learned; never a trust decision (that is the policy's job). */
export interface SignatureFact {
  type: string;
  valid: boolean;
  errors: string[];
  identity?: string;
  issuer?: string;
  fingerprint?: string;
  user_ids?: string[];
  tlog?: { log_index?: number; url?: string; integrated_time?: string };
  signed_at?: string;
  registry?: string;
  claims?: Record<string, string>;
  /** When invalid: which check failed (`signature`, `certificate`, `transparency-log`, `timestamp`, `artifact`, ...). */
  check?: string;
}

export interface VerifyContext {
  /** Public keys given on the command line (`--key`), as file contents. */
  keys: Uint8Array[];
  /** Registry the artifact came from, when it came from one. */
  registry?: string;
  offline: boolean;
}

/** One per signature kind. Returns `valid: false` with errors for a bad signature; throws only for bugs. */
export interface SignatureVerifier {
  readonly type: string;
  canVerify(sig: SignatureDocument): boolean;
  verify(artifact: ArtifactRef, sig: SignatureDocument, ctx: VerifyContext): Promise<SignatureFact>;
}

export interface SignOptions {
  /** Backend-specific options (`gpgKey`, `identityToken`, ...). */
  [option: string]: unknown;
}

export interface Signer {
  readonly type: string;
  sign(artifact: ArtifactRef, opts: SignOptions): Promise<SignatureDocument>;
}

/** What an npm package exports to extend aam: it registers signers and verifiers into the container. */
export interface AamPlugin {
  readonly name: string;
  register(container: DependencyContainer): void;
}

/**
 * What plugins may read from the host at registration time (`container.resolve(PLUGIN_SETTINGS)`):
 * the merged `security:` section, with paths in it (`sigstore.trusted_root`) made absolute, and aam's home
 * directory for caches, and the configured registries (with the attestation and checkpoint keys pinned for each).
 */
export interface PluginSettings {
  security: SecurityConfig;
  home: string;
  /** The merged `registries:` list (the registry attestation verifier reads the keys pinned for each). */
  registries?: RegistryConfig[];
}
