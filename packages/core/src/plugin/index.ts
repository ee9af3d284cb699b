/**
 * `@aam/core/plugin`: what a plugin needs from the host and nothing more — the contracts (`SignatureVerifier`,
 * `Signer`, `AamPlugin`), the container tokens and settings, the one error type, and the key id format plugins
 * report keys in. Loading it loads no engine, registry or policy code.
 */
export { SCANNER_NAME_RE } from './contracts.js';
export type {
  AamPlugin,
  ArtifactRef,
  Finding,
  ScanFile,
  Scanner,
  ScanReport,
  ScanTarget,
  Severity,
  PluginSettings,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  Signer,
  SignOptions,
  VerifyContext,
} from './contracts.js';
export type { ScanFact, PublishPolicyFact } from '../policy/facts.js';
export { LOADED_PLUGINS, PLUGIN_SETTINGS, SCANNER, SIGNATURE_VERIFIER, SIGNER } from './tokens.js';
export { AamError, errorChain, isAamError, type AamErrorCode } from '../errors.js';
export { spkiKeyId } from '../integrity/key-id.js';
/** A plugin that handles a credential registers it, so that it never reaches output or logs. */
export { registerSecret } from '../redact.js';
export { aamHome } from '../config/paths.js';
/** For scanners: which characters make a file name unsafe to show (the host escapes them in findings). */
export { UNSAFE_NAME_CHARACTER } from '../printable.js';
export type { RegistryConfig, SecurityConfig } from '../config/types.js';
/** For plugins that work through many files or documents: a bounded number of them at once. */
export { mapBounded } from '../bounded.js';
