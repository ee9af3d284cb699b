import type { SecurityConfig } from '../config/types.js';

/** The seed's trust levels (security.txt "Trust Levels") as config presets. */
export type TrustLevel = 'minimal' | 'moderate' | 'strict' | 'maximum';

export const TRUST_LEVELS: Record<
  TrustLevel,
  { summary: string; security: Partial<SecurityConfig>; todo?: string }
> = {
  minimal: {
    summary: 'Checksums only (development, testing)',
    security: { require_signature: false, on_signature_failure: 'ignore' },
  },
  moderate: {
    summary: 'Checksums + optional signatures, warnings on bad ones (general use, open source)',
    security: { require_signature: false, on_signature_failure: 'warn' },
  },
  strict: {
    summary: 'Required signatures from trusted identities or keys (production, corporate)',
    security: { require_signature: true, on_signature_failure: 'error' },
    todo: 'list who you trust in security.trusted_identities and/or security.trusted_keys',
  },
  maximum: {
    summary:
      'Strict + a trusted registry attestation + a consistent, fresh registry audit log whose state the registry serves (high-security environments)',
    security: {
      require_signature: true,
      on_signature_failure: 'error',
      trust_registry_attestations: true,
      require_registry_attestation: true,
      require_audit_log: true,
      max_log_age: '24h',
    },
    todo: 'list who you trust in security.trusted_identities and/or security.trusted_keys, and the registries whose attestations you trust in security.trusted_registries (HTTP registries added with `aam registry add`; local file:// registries have no attestations and no audit log, so their packages fail)',
  },
};
