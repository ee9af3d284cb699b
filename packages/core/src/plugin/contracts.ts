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
  /**
   * Scanner settings by scanner name, as the registry was started with them (`aam registry serve --clamd ADDR`
   * gives `{clamav: {address: ADDR}}`); a scanner plugin reads its own entry.
   */
  scanners?: Record<string, Record<string, string>>;
}

/** How bad a scanner's finding is. The default publish policy rejects `critical` and holds the rest for review. */
export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** One thing a scanner found in one file. Never carries a secret's value: only where it is and what it looks like. */
export interface Finding {
  /** The scanner's rule id (`aws-access-key-id`, `bidi-control`, or the malware signature's name). */
  rule: string;
  severity: Severity;
  /** The file inside the package (POSIX, relative to its root). */
  path: string;
  /** 1-based line, when the rule matched text. */
  line?: number;
  message: string;
}

/** One regular file of the archive, held in memory (scans never extract to disk). */
export interface ScanFile {
  path: string;
  /** The tar header's mode bits (an executable bit is a finding for text packages). */
  mode: number;
  bytes: Uint8Array;
}

/** What a scanner looks at: the package's files and its manifest, as the registry read them from the upload. */
export interface ScanTarget {
  name: string;
  version: string;
  /** The manifest (`aam.yaml`) as parsed and validated. */
  manifest: Record<string, unknown>;
  /** The regular files, with their bytes. */
  files: ScanFile[];
  /** Every entry's path: the files, and the symbolic and hard links (which have no bytes of their own). */
  paths: string[];
}

/** What a scan returned: its findings (none: clean) and, for signature-based engines, the database it used. */
export interface ScanReport {
  findings: Finding[];
  /** An identifier of the rules or signatures the scan used (`sha256:<hex>` of the database, or its version). */
  database?: string;
}

/**
 * A scanner of package contents, run by the registry before it accepts a version (one per engine: ClamAV, the
 * secrets rules, agent-package hazards, a company's own). It reports findings and never decides: the registry's
 * publish policy does. It throws when it could not scan (engine down, timed out, aborted): the registry then
 * refuses the publish (503), never passes it. An error whose `code` is `SCAN_TOO_LARGE` says the package is past
 * what the engine scans, so retrying cannot help: the registry refuses it with 413.
 */
/** A scanner's name (`SCANNER_NAME_RE`), as clients name it in `require_scans` and attestations record it. */
export const SCANNER_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface Scanner {
  /**
   * A short stable name, as clients require it (`require_scans: [clamav, secrets]`): lowercase letters, digits,
   * `.`, `_`, `-`, at most 64 characters (`SCANNER_NAME_RE`), unique among the registry's scanners.
   */
  readonly name: string;
  readonly version: string;
  scan(target: ScanTarget, opts: { signal: AbortSignal }): Promise<ScanReport>;
}
