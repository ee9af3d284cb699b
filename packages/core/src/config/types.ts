export type OnSignatureFailure = 'warn' | 'error' | 'ignore';

export type TrustedIdentity = string | { identity: string; issuer?: string };

export interface RegistryConfig {
  name: string;
  url: string;
  default?: boolean;
  attestation_keys?: string[];
  /**
   * HTTP registries: the audit log's checkpoint verifier key (C2SP `<name>+<hex8>+<base64>`), pinned by
   * `aam registry add`. Its key name is the log's origin.
   */
  checkpoint_key?: string;
  /** Seconds to wait for one request (default: network.timeout). */
  timeout?: number;
  /** Extra attempts for reads (default: network.retries). */
  retries?: number;
}

export interface SecurityConfig {
  require_checksum: true;
  require_signature: boolean;
  on_signature_failure: OnSignatureFailure;
  trusted_identities: TrustedIdentity[];
  trusted_keys: string[];
  trust_registry_attestations: boolean;
  trusted_registries: string[];
  /**
   * When signatures are judged (this setting makes them judged), a package must carry a valid attestation from a
   * registry the policy trusts (trust_registry_attestations + trusted_registries), else it fails
   * `attestation_missing`, whatever on_signature_failure says. Author signatures are then judged on their own.
   */
  require_registry_attestation: boolean;
  /**
   * When signatures are judged (this setting makes them judged), the package's registry audit log must have been
   * checked and found consistent (facts `audit_log`), else it fails `audit_log_unverified`, whatever
   * on_signature_failure says. Local (file://) registries have no audit log.
   */
  require_audit_log: boolean;
  /**
   * Scanners whose clean result a trusted registry attestation must record (`[clamav, secrets]`): a missing
   * scan fails `scan_missing`, findings nobody approved fail `scan_not_clean`, findings an approver reviewed
   * warn `scan_findings_approved`. Makes signatures judged.
   */
  require_scans: string[];
  /**
   * The oldest a registry's checkpoint may be (seconds, or `30m`, `24h`, `7d`): older, or without a signed time,
   * fails `audit_log_stale`. Makes the audit log checked and signatures judged.
   */
  max_log_age?: number | string;
  sigstore?: {
    trusted_root?: string;
    fulcio_url?: string;
    rekor_url?: string;
    tsa_url?: string;
    oidc_issuer?: string;
    oidc_client_id?: string;
  };
}

export interface LimitsConfig {
  max_archive_size: number;
  max_unpacked_size: number;
  max_entries: number;
}

/** The merged configuration (SPEC §3). */
export interface AamConfig {
  security: SecurityConfig;
  policy: { modules: string[]; bundle?: string };
  registries: RegistryConfig[];
  /** Scopes bound to one registry (`{"@acme": "corp"}`): only that registry is asked for their packages. */
  scopes?: Record<string, string>;
  plugins: string[];
  limits: LimitsConfig;
  /** How long to wait for registries and how often to retry reads (see registry/network.ts). */
  network: { timeout: number; retries: number };
}

export const MB = 1024 * 1024;

export const DEFAULT_CONFIG: AamConfig = {
  security: {
    require_checksum: true,
    require_signature: false,
    on_signature_failure: 'warn',
    trusted_identities: [],
    trusted_keys: [],
    trust_registry_attestations: false,
    trusted_registries: [],
    require_registry_attestation: false,
    require_audit_log: false,
    require_scans: [],
  },
  policy: { modules: [] },
  registries: [],
  plugins: [],
  limits: { max_archive_size: 50 * MB, max_unpacked_size: 512 * MB, max_entries: 10_000 },
  network: { timeout: 30, retries: 2 },
};
