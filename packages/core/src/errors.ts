import { didYouMean } from './suggest.js';

/** Stable error codes; the CLI maps them to exit codes and `--json` output. */
export type AamErrorCode =
  | 'USAGE'
  | 'INVALID_NAME'
  | 'INVALID_VERSION'
  | 'INVALID_SPEC'
  | 'INVALID_MANIFEST'
  | 'INVALID_CONFIG'
  | 'INVALID_CHECKSUM'
  | 'INVALID_ARCHIVE'
  | 'INVALID_LOCK'
  | 'INVALID_REGISTRY'
  | 'ARCHIVE_TOO_LARGE'
  | 'CHECKSUM_MISMATCH'
  | 'NOT_FOUND'
  | 'VERSION_EXISTS'
  | 'NAME_COLLISION'
  | 'NOT_INSTALLABLE'
  | 'SCOPE_BOUND'
  | 'REGISTRY_EXISTS'
  | 'NO_MATCHING_VERSION'
  | 'LOCK_OUT_OF_DATE'
  | 'LOCK_BUSY'
  | 'PLUGIN_ERROR'
  | 'IO_ERROR'
  | 'OPA_MISSING'
  | 'INVALID_POLICY'
  | 'INVALID_FACTS'
  | 'POLICY_ERROR'
  | 'POLICY_REFUSED'
  | 'SIGNING_FAILED'
  | 'AUDIT_LOG_BAD_PROOF'
  | 'AUDIT_LOG_INCLUSION_FAILED'
  | 'AUDIT_LOG_BAD_RANGE'
  | 'AUDIT_LOG_STORE_CORRUPT'
  | 'AUDIT_LOG_BAD_KEY'
  | 'AUDIT_LOG_BAD_NOTE'
  | 'AUDIT_LOG_BAD_SIGNATURE'
  | 'AUDIT_LOG_BAD_CHECKPOINT'
  | 'AUDIT_LOG_ORIGIN_MISMATCH'
  | 'AUDIT_LOG_FORK'
  | 'AUDIT_LOG_ROLLBACK'
  | 'AUDIT_ENTRY_MISMATCH'
  | 'AUDIT_LOG_NOT_CONFIGURED'
  | 'AUDIT_LOG_BAD_STATE'
  | 'CHECKPOINT_KEY_MISMATCH'
  | 'ATTESTATION_KEY_MISMATCH'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'REGISTRY_REFUSED'
  | 'REGISTRY_ERROR'
  | 'REGISTRY_TOO_LARGE'
  | 'NETWORK_ERROR'
  | 'TRUST_ROOT_UPDATE_FAILED'
  | 'SCAN_FAILED'
  | 'INTERRUPTED';

/** Codes that mean "the input was bad" (exit 2) rather than "the check refused" (exit 1). */
const BAD_INPUT: ReadonlySet<AamErrorCode> = new Set([
  'USAGE',
  'INVALID_NAME',
  'INVALID_VERSION',
  'INVALID_SPEC',
  'INVALID_MANIFEST',
  'INVALID_CONFIG',
  'INVALID_CHECKSUM',
  'INVALID_LOCK',
  'PLUGIN_ERROR',
  'OPA_MISSING',
  'INVALID_POLICY',
  'INVALID_FACTS',
]);

/** The one error type of the engine: a stable `code`, a message saying what was expected and found. */
export class AamError extends Error {
  readonly code: AamErrorCode;
  readonly details: Record<string, unknown>;
  private readonly exit?: 1 | 2;
  constructor(code: AamErrorCode, message: string, details: Record<string, unknown> = {}, exit?: 1 | 2) {
    super(message);
    this.name = 'AamError';
    this.code = code;
    this.details = details;
    if (exit !== undefined) this.exit = exit;
  }

  /** 2 for bad input or usage, 1 for a refusal or failure (a caller may say which when the code alone cannot). */
  get exitCode(): 1 | 2 {
    return this.exit ?? (BAD_INPUT.has(this.code) ? 2 : 1);
  }

  /** The same error, reported as bad input (exit 2): e.g. a hostile archive the user asked to publish. */
  asBadInput(): AamError {
    return new AamError(this.code, this.message, this.details, 2);
  }
}

export function isAamError(e: unknown): e is AamError {
  return e instanceof AamError;
}

/** An error and its causes, one clause each (libraries wrap the reason a network call failed). */
export function errorChain(e: unknown): string {
  const parts: string[] = [];
  for (let cur = e, depth = 0; cur && depth < 4; depth++) {
    const msg = cur instanceof Error ? cur.message : String(cur);
    if (msg && !parts.includes(msg)) parts.push(msg);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(': ') || 'unknown error';
}

/** A registry name the user typed that no config file defines: their input, so exit 2, with the closest name. */
export function unknownRegistryError(name: string, configured: readonly { name: string }[]): AamError {
  if (configured.length === 0) return noRegistriesError();
  const hint = didYouMean(
    name,
    configured.map((r) => r.name),
  );
  return new AamError(
    'USAGE',
    `Registry '${name}' is not configured${hint}. Configured: ${configured.map((r) => r.name).join(', ')} ('aam registry list').`,
    { registry: name },
  );
}

/** Nothing to install from: the user's setup, so exit 2; the hint starts with the command that makes one. */
export function noRegistriesError(): AamError {
  return new AamError(
    'USAGE',
    "No registries configured. Create a local one with 'aam registry init ./registry --default', or add one with 'aam registry add NAME URL --default'.",
  );
}

/** An install interrupted (Ctrl-C) before anything was written: the project is as it was. Exit 130. */
export class InterruptedError extends AamError {
  constructor() {
    super('INTERRUPTED', 'interrupted: nothing changed');
  }
}
