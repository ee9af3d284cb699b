import { Command, Errors } from '@oclif/core';
import {
  ChecksumMismatchError,
  configureNetwork,
  createPluginContainer,
  didYouMean,
  formatProblem,
  isAamError,
  isSecretFlag,
  redact,
  redactDeep,
  redactGiven,
  registerEnvSecrets,
  registerSecret,
  loadConfig,
  loadPlugins,
  pluginSettings,
  PolicyRefusedError,
  trustContextFor,
  verifiersOf,
  type LoadedConfig,
  type PluginSettings,
  type TrustContext,
} from '@aam/core';
import type { DependencyContainer } from 'tsyringe';
import { red, warn } from './style.js';

/** Bytes pass through untouched unless they hold a credential (latin1 keeps every byte as it is). */
function redactBytes(chunk: unknown): unknown {
  if (!(chunk instanceof Uint8Array)) return chunk;
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
  const out = redactGiven(text);
  return out === text ? chunk : Buffer.from(out, 'latin1');
}

let filtering = false;
/** Wraps stdout and stderr once per process so that no registered credential is ever written. */
function filterOutput(): void {
  if (filtering) return;
  filtering = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(
        typeof chunk === 'string' ? redactGiven(chunk) : redactBytes(chunk),
        ...rest,
      )) as typeof stream.write;
  }
}

const reported = new WeakSet<Error>();
/** The command already showed this failure in full (its ✗ lines and summary): the exit code is what remains. */
export function markReported(err: Error): void {
  reported.add(err);
}

/** Shared behaviour: config loading, plugin container, and errors rendered without stack traces. */
export abstract class AamCommand extends Command {
  static override enableJsonFlag = true;

  private loaded?: LoadedConfig;

  /**
   * Credentials given to this process (environment, secret flags, credential files, identity tokens) are
   * replaced in everything written to stdout and stderr, oclif's own messages included.
   */
  override async init(): Promise<void> {
    registerEnvSecrets();
    // The values of secret flags (`--token X`, `--identity-token=X`), read from argv before parsing, so that
    // even a parse error cannot echo one.
    this.argv.forEach((arg, i) => {
      const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
      const value = m?.[2] ?? this.argv[i + 1];
      // `--token --json` gives no value: never register a flag as a secret.
      if (m && isSecretFlag(m[1]!) && value !== undefined && (m[2] !== undefined || !value.startsWith('-')))
        registerSecret(value);
    });
    filterOutput();
    await super.init();
  }

  /** Merged config (global < project), warnings for unknown keys printed once to stderr. */
  protected config_(overrides?: unknown): LoadedConfig {
    if (!this.loaded) {
      this.loaded = loadConfig({
        projectDir: process.cwd(),
        ...(overrides !== undefined ? { overrides } : {}),
      });
      for (const w of this.loaded.warnings) process.stderr.write(warn(formatProblem(w)) + '\n');
      configureNetwork(this.loaded.config.network);
    }
    return this.loaded;
  }

  /**
   * Built-in plugins, then `plugins:` from config (relative to the file naming them), then `$AAM_PLUGINS`.
   * The registry server also loads the built-in scanners, with their settings (`scanners`).
   */
  protected async pluginContainer(
    opts: { scanners?: NonNullable<PluginSettings['scanners']> } = {},
  ): Promise<DependencyContainer> {
    const loaded = this.config_();
    const builtins = await Promise.all([
      import('@aam/plugin-sigstore'),
      import('@aam/plugin-gpg'),
      import('@aam/plugin-attestation'),
      ...(opts.scanners ? [import('@aam/plugin-scan')] : []),
    ]);
    const plugins = await loadPlugins(
      loaded,
      builtins.map((m) => m.plugin),
    );
    const settings = pluginSettings(loaded);
    return createPluginContainer(plugins, {
      settings: opts.scanners ? { ...settings, scanners: opts.scanners } : settings,
    });
  }

  /**
   * What a judging command needs: the signature verifiers from the plugins, the trust policy (prebuilt,
   * compiled with enterprise modules, or a bundle) loaded once, and the request flags as facts.
   */
  protected async trustContext(request: TrustContext['request']): Promise<TrustContext> {
    const verifiers = this.pluginContainer().then(verifiersOf);
    const { trust, warnings } = await trustContextFor(this.config_(), verifiers, request);
    for (const w of warnings) process.stderr.write(warn(w) + '\n');
    return trust;
  }

  /** Prints a line unless `--json` is on. */
  protected say(line = ''): void {
    this.log(line);
  }

  /** `Unknown flag --verifyy (did you mean --verify?)`, from the command's own flags and their aliases. */
  private unknownFlagsMessage(typed: string[]): string {
    const flags = Object.entries(this.ctor.flags ?? {}).flatMap(([name, f]) => [
      `--${name}`,
      ...((f as { aliases?: string[] }).aliases ?? []).map((a) => `--${a}`),
    ]);
    const parts = typed.map((t) => `${t}${didYouMean(t.split('=')[0]!, flags, '')}`);
    return `Unknown flag${typed.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
  }

  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const json = this.jsonEnabled();
    // A failure message never carries a credential, whatever produced it (a library echoing a token). Read into
    // a local: some errors' `message` cannot be assigned (DOMException, frozen errors).
    let message = redact(String(err?.message ?? err));
    if (isAamError(err)) {
      if (reported.has(err) && !json) this.exit(err.exitCode);
      if (json) {
        this.logJson(redactDeep({ error: { code: err.code, ...err.details, message } }));
      } else if (err instanceof ChecksumMismatchError) {
        process.stderr.write(checksumMismatchBlock(err));
      } else if (err instanceof PolicyRefusedError) {
        process.stderr.write(`${red('✗')} ${message}\n`);
      } else {
        process.stderr.write(`${red('Error:')} ${message}\n`);
      }
      this.exit(err.exitCode);
    }
    // oclif's own parse/usage errors: message only, exit 2.
    if (err instanceof Errors.CLIError || err.oclif?.exit !== undefined) {
      const exit = err.oclif?.exit ?? 2;
      if (exit === 0) throw err;
      const unknownFlags = (err as { flags?: unknown }).flags;
      if (err.constructor.name === 'NonExistentFlagsError' && Array.isArray(unknownFlags))
        message = redact(this.unknownFlagsMessage(unknownFlags as string[]));
      if (json) this.logJson({ error: { code: 'USAGE', message } });
      else
        process.stderr.write(
          `${red('Error:')} ${message}\nSee '${this.config.bin} ${this.id?.replace(/:/g, ' ') ?? ''} --help'.\n`,
        );
      this.exit(exit === 1 ? 2 : exit);
    }
    if (json) this.logJson({ error: { code: 'INTERNAL', message } });
    else
      process.stderr.write(
        `${red('Error:')} internal error: ${message}\n${process.env.AAM_DEBUG ? redact(err.stack ?? '') + '\n' : 'Run with AAM_DEBUG=1 for details.\n'}`,
      );
    this.exit(1);
  }
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
