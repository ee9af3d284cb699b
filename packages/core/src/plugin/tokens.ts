import type { InjectionToken } from 'tsyringe';
import type { AamPlugin, PluginSettings, Scanner, SignatureVerifier, Signer } from './contracts.js';

/** Every `SignatureVerifier` is registered under this token; resolve them with `resolveAll`. */
export const SIGNATURE_VERIFIER: InjectionToken<SignatureVerifier> = Symbol.for('aam.SignatureVerifier');
/** Every `Signer` is registered under this token. */
export const SIGNER: InjectionToken<Signer> = Symbol.for('aam.Signer');
/** The plugins that were loaded, in order, for `aam plugin list`. */
export const LOADED_PLUGINS: InjectionToken<AamPlugin> = Symbol.for('aam.Plugin');
/** The host's settings for plugins (registered before any plugin's `register` runs). */
export const PLUGIN_SETTINGS: InjectionToken<PluginSettings> = Symbol.for('aam.PluginSettings');
/** Every `Scanner` (the registry's content scans) is registered under this token. */
export const SCANNER: InjectionToken<Scanner> = Symbol.for('aam.Scanner');
