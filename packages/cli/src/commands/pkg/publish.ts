import { basename } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { AamError, formatSize, publishFlow, signersOf, verifiersOf, type PublishRequest } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { tlogLine } from '../../render-decision.js';
import { ok, warn } from '../../style.js';

export default class PkgPublish extends AamCommand {
  static override summary = 'Publish a package (directory or .aam archive) to a registry.';
  static override description = `A directory is packed first (reproducibly). The archive is checked with the same
hostile-input rules as install, its identity read from the aam.yaml inside, and its SHA-256 stored in the
registry's metadata.yaml. A published version is immutable: publishing it again is refused.`;
  static override examples = [
    '<%= config.bin %> pkg publish',
    '<%= config.bin %> pkg publish ./my-package --registry local --tag beta',
    '<%= config.bin %> pkg publish my-package-1.0.0.aam --dry-run',
    '<%= config.bin %> pkg publish --sign',
    '<%= config.bin %> pkg publish --sign-type gpg --gpg-key 0123ABCD...',
  ];
  static override args = {
    path: Args.string({ description: 'package directory or .aam archive', default: '.' }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    tag: Flags.string({ char: 't', description: 'dist-tag to point at this version', default: 'latest' }),
    'dry-run': Flags.boolean({ description: 'check everything, write nothing' }),
    sign: Flags.boolean({
      description: 'sign the archive (see --sign-type) and store the signature beside it',
    }),
    'sign-type': Flags.string({
      aliases: ['signing-method'],
      description:
        'signing method: sigstore (default), gpg, or the type of a signer a plugin adds; implies --sign',
    }),
    'gpg-key': Flags.string({
      description: 'GnuPG key to sign with (fingerprint); implies --sign --sign-type gpg',
    }),
    'identity-token': Flags.string({
      description:
        'OIDC identity token for Sigstore signing (implies --sign); default: $SIGSTORE_ID_TOKEN, GitHub Actions OIDC, else a browser sign-in',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(PkgPublish);
    const { config } = this.config_();
    let signing: PublishRequest['signing'];
    // Any signing flag means sign: a signing method given without --sign never publishes unsigned.
    const signType = flags['sign-type'] ?? (flags['gpg-key'] !== undefined ? 'gpg' : 'sigstore');
    const sign =
      flags.sign ||
      flags['sign-type'] !== undefined ||
      flags['gpg-key'] !== undefined ||
      flags['identity-token'] !== undefined;
    if (sign) {
      if (flags['gpg-key'] !== undefined && signType !== 'gpg')
        throw new AamError('USAGE', `--gpg-key is for --sign-type gpg (not ${signType})`);
      if (flags['identity-token'] !== undefined && signType !== 'sigstore')
        throw new AamError('USAGE', `--identity-token is for --sign-type sigstore (not ${signType})`);
      const container = await this.pluginContainer();
      const signer = signersOf(container).find((x) => x.type === signType);
      if (!signer) {
        const installed = signersOf(container).map((x) => x.type);
        throw new AamError(
          'USAGE',
          `No signer for --sign-type ${signType} is installed (installed: ${installed.join(', ') || 'none'})`,
        );
      }
      signing = {
        signer,
        options: {
          ...(flags['gpg-key'] ? { gpgKey: flags['gpg-key'] } : {}),
          ...(flags['identity-token'] !== undefined ? { identityToken: flags['identity-token'] } : {}),
          // The browser sign-in URL goes to stderr, so --json output stays clean.
          print: (line: string) => process.stderr.write(line + '\n'),
        },
        verifiers: verifiersOf(container),
      };
    }
    const r = await publishFlow({
      // A dry run checks that a signer exists, but signs nothing (no agent or pinentry prompt).
      ...(signing && !flags['dry-run'] ? { signing } : {}),
      path: args.path,
      config,
      tag: flags.tag,
      dryRun: flags['dry-run'],
      ...(flags.registry ? { registry: flags.registry } : {}),
    });
    if (r.packed) this.log(ok(`Built ${basename(r.packed.file)} (${formatSize(r.packed.size)})`));
    this.log(`Checksum: ${r.checksum}`);
    if (r.signature) {
      const s = r.signature;
      this.log(
        ok(`Package signed with ${s.type === 'gpg' ? 'GPG' : s.type === 'sigstore' ? 'Sigstore' : s.type}`),
      );
      if (s.identity) this.log(`  Identity: ${s.identity}`);
      if (s.type === 'sigstore' && s.issuer)
        this.log(`  Certificate: ephemeral Fulcio certificate, OIDC issuer ${s.issuer}`);
      if (s.fingerprint) this.log(`  Key: ${s.fingerprint}`);
      if (s.user_ids?.[0]) this.log(`  Signed by: ${s.user_ids[0]}`);
      if (s.tlog) this.log(`  Transparency log: ${tlogLine(s.tlog)}`);
    }
    if (r.dryRun && sign) this.log(`Dry run: would sign with ${signType}`);
    if (r.dryRun)
      this.log(`Dry run: would publish ${r.name}@${r.version} to '${r.registry}' (tag: ${flags.tag})`);
    else if (r.outcome!.status === 'pending' || r.outcome!.status === 'unchanged') {
      this.log(warn(r.outcome!.message ?? `${r.name}@${r.version}: ${r.outcome!.status}`));
      for (const why of r.outcome!.held_by ?? []) this.log(`  ${why}`);
    } else
      this.log(
        ok(`Published ${r.name}@${r.version} to '${r.registry}' (tags: ${r.outcome!.tags.join(', ')})`),
      );
    return {
      name: r.name,
      version: r.version,
      checksum: r.checksum,
      size: r.size,
      registry: r.registry,
      archive: r.archive,
      dry_run: r.dryRun,
      tags: r.outcome?.tags ?? [],
      status: r.dryRun ? 'dry-run' : (r.outcome?.status ?? 'published'),
      signature: r.signature ?? null,
      held_by: r.outcome?.held_by ?? [],
    };
  }
}
