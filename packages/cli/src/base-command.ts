import { resolve } from 'node:path';
import { Command, Errors } from '@oclif/core';
import {
  aamHome,
  attestationConfigWarnings,
  ChecksumMismatchError,
  createPluginContainer,
  formatProblem,
  declaringDir,
  importPlugin,
  isAamError,
  loadConfig,
  PolicyEngine,
  PolicyRefusedError,
  resolvePolicy,
  verifiersOf,
  type AamPlugin,
  type LoadedConfig,
  type PluginSettings,
  type TrustContext,
} from '@aam/core';
import type { DependencyContainer } from 'tsyringe';
import { red, warn } from './style.js';

/** Shared behaviour: config loading, plugin container, and errors rendered without stack traces. */
export abstract class AamCommand extends Command {
  static override enableJsonFlag = true;

  private loaded?: LoadedConfig;

  /** Merged config (global < project), warnings for unknown keys printed once to stderr. */
  protected config_(overrides?: unknown): LoadedConfig {
    if (!this.loaded) {
      this.loaded = loadConfig({
        projectDir: process.cwd(),
        ...(overrides !== undefined ? { overrides } : {}),
      });
      for (const w of this.loaded.warnings) process.stderr.write(warn(formatProblem(w)) + '\n');
    }
    return this.loaded;
  }

  /** Built-in plugins, then `plugins:` from config (relative to the file naming them), then `$AAM_PLUGINS`. */
  protected async pluginContainer(): Promise<DependencyContainer> {
    const loaded = this.config_();
    const builtins = await Promise.all([
      import('@aam/plugin-sigstore'),
      import('@aam/plugin-gpg'),
      import('@aam/plugin-attestation'),
    ]);
    const plugins: AamPlugin[] = builtins.map((m) => m.plugin);
    const base = declaringDir(loaded.layers, (v) => v.plugins !== undefined);
    for (const spec of loaded.config.plugins) {
      plugins.push(await importPlugin(spec, base));
    }
    for (const spec of (process.env.AAM_PLUGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      plugins.push(await importPlugin(spec, resolve('.')));
    }
    return createPluginContainer(plugins, { settings: pluginSettings(loaded) });
  }

  /**
   * What a judging command needs: the signature verifiers from the plugins, the trust policy (prebuilt,
   * compiled with enterprise modules, or a bundle) loaded once, and the request flags as facts.
   */
  protected async trustContext(request: TrustContext['request']): Promise<TrustContext> {
    const loaded = this.config_();
    const [container, source] = await Promise.all([
      this.pluginContainer(),
      resolvePolicy({ config: loaded.config, layers: loaded.layers }),
    ]);
    const engine = await PolicyEngine.load(source, loaded.config.security);
    // Registry attestations only exist on HTTP registries: say so when the config trusts another kind.
    for (const w of attestationConfigWarnings(loaded.config)) process.stderr.write(warn(w) + '\n');
    return {
      engine,
      verifiers: verifiersOf(container),
      request,
      attestations: loaded.config.security.trust_registry_attestations === true,
      ...(loaded.config.security.require_audit_log === true
        ? { auditLog: { registries: loaded.config.registries } }
        : {}),
    };
  }

  /** Prints a line unless `--json` is on. */
  protected say(line = ''): void {
    this.log(line);
  }

  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const json = this.jsonEnabled();
    if (isAamError(err)) {
      if (json) {
        this.logJson({ error: { code: err.code, message: err.message, ...err.details } });
      } else if (err instanceof ChecksumMismatchError) {
        process.stderr.write(checksumMismatchBlock(err));
      } else if (err instanceof PolicyRefusedError) {
        process.stderr.write(`${red('✗')} ${err.message}\n`);
      } else {
        process.stderr.write(`${red('Error:')} ${err.message}\n`);
      }
      this.exit(err.exitCode);
    }
    // oclif's own parse/usage errors: message only, exit 2.
    if (err instanceof Errors.CLIError || err.oclif?.exit !== undefined) {
      const exit = err.oclif?.exit ?? 2;
      if (exit === 0) throw err;
      if (json) this.logJson({ error: { code: 'USAGE', message: err.message } });
      else
        process.stderr.write(
          `${red('Error:')} ${err.message}\nSee '${this.config.bin} ${this.id?.replace(/:/g, ' ') ?? ''} --help'.\n`,
        );
      this.exit(exit === 1 ? 2 : exit);
    }
    const message = err instanceof Error ? err.message : String(err);
    if (json) this.logJson({ error: { code: 'INTERNAL', message } });
    else
      process.stderr.write(
        `${red('Error:')} internal error: ${message}\n${process.env.AAM_DEBUG ? (err.stack ?? '') + '\n' : 'Run with AAM_DEBUG=1 for details.\n'}`,
      );
    this.exit(1);
  }
}

/**
 * The `security:` section for plugins, with `sigstore.trusted_root` made absolute (relative to the file setting
 * it), aam's home, and the registries (their pinned keys, for the registry attestation verifier).
 */
export function pluginSettings(loaded: LoadedConfig): PluginSettings {
  const security = loaded.config.security;
  const registries = loaded.config.registries;
  const root = security.sigstore?.trusted_root;
  if (!root) return { security, home: aamHome(), registries };
  const base = declaringDir(loaded.layers, (v) => v.security?.sigstore?.trusted_root !== undefined);
  return {
    security: { ...security, sigstore: { ...security.sigstore, trusted_root: resolve(base, root) } },
    home: aamHome(),
    registries,
  };
}

/** The seed's checksum-mismatch block (SPEC §6), verbatim. */
export function checksumMismatchBlock(err: ChecksumMismatchError): string {
  return [
    `${red('ERROR:')} Checksum verification failed`,
    `  Package: ${err.packageId}`,
    `  Expected: ${err.expected}`,
    `  Got: ${err.actual}`,
    'The package may have been tampered with or corrupted during download.',
    'Suggestions:',
    '  1. Try downloading again (may be a network issue)',
    '  2. Contact package author if problem persists',
    '  3. Check registry integrity',
    '',
  ].join('\n');
}
