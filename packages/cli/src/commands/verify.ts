import { Args, Flags } from '@oclif/core';
import { AamError, verifyArtifactFlow, verifyInstalledFlow, type TrustContext } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { OutcomeTally, outcomeCodes } from '../outcome-summary.js';
import { artifactVerificationLines, decisionLines } from '../render-decision.js';
import { fail, ok, warn } from '../style.js';

export default class Verify extends AamCommand {
  static override summary = 'Re-check installed packages, or verify any file against its signatures.';
  static override description = `aam verify [NAME...]: re-hashes every installed file and compares it with the SHA-256
recorded in aam-lock.yaml at install time (ok, modified, missing or untracked), then re-judges the archive the lock
names (from the archive cache, else downloaded again): checksum, signatures and the trust policy.

aam verify FILE --signature SIG... [--key PUBKEY]: verifies any file, like cosign verify-blob --bundle. SIG may
be a Sigstore bundle (v0.1 to v0.3; message signature or DSSE/in-toto whose subject digest must match FILE), an AAM
GPG envelope, or an ASCII-armored or binary OpenPGP detached signature (with --key). Sigstore bundles verify
offline against the trusted root (security.sigstore.trusted_root, else the refreshed or bundled public-good root);
a key-signed bundle needs its PEM key (--key). Trust comes from the policy (trusted_identities, trusted_keys).
Anything but ok, or a policy failure, exits 1.`;
  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify @author/my-package --json',
    '<%= config.bin %> verify my-package-1.0.0.aam --signature my-package-1.0.0.aam.asc --key author.asc',
    '<%= config.bin %> verify artifact.tgz --signature artifact.sigstore.json',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'installed package name (default: all)' }) };
  static override flags = {
    global: Flags.boolean({ char: 'g', description: 'check ~/.aam (AAM_HOME) instead of ./.aam' }),
    signature: Flags.string({
      char: 's',
      multiple: true,
      description: 'signature file for FILE (repeatable)',
    }),
    key: Flags.string({
      char: 'k',
      multiple: true,
      description: 'public key file (OpenPGP armored/binary or PEM)',
      dependsOn: ['signature'],
    }),
    name: Flags.string({
      description: 'package name FILE claims to be (for attestations)',
      dependsOn: ['signature'],
    }),
    version: Flags.string({ description: 'package version FILE claims to be', dependsOn: ['signature'] }),
  };

  async run() {
    const { argv, flags } = await this.parse(Verify);
    const { config } = this.config_();
    const trust = await this.trustContext({
      verify: true,
      require_signature: config.security.require_signature,
      no_verify: false,
    });
    if (flags.signature)
      return this.verifyFile(argv as string[], flags.signature, flags.key ?? [], trust, flags);
    const { packages: results, interrupted } = await verifyInstalledFlow({
      projectDir: process.cwd(),
      names: argv as string[],
      global: flags.global,
      trust,
      registries: config.registries,
      maxArchiveSize: config.limits.max_archive_size,
    });
    for (const staging of interrupted)
      this.log(
        fail(
          `An install was interrupted (${staging} is left): the next 'aam install' puts the project back as the lock records it`,
        ),
      );
    if (results.length === 0 && interrupted.length === 0) this.log('No packages installed.');
    const tally = new OutcomeTally();
    for (const r of results) {
      const id = `${r.name}@${r.version}`;
      const bad = r.files.filter((f) => f.status !== 'ok');
      tally.record(id, !r.ok ? 'refused' : r.decision?.outcome === 'warn' ? 'warned' : 'ok', [
        ...new Set(bad.map((f) => `file_${f.status}`)),
        ...(r.notes.length ? ['install_interrupted'] : []),
        ...(r.policyError ? ['cannot_judge'] : []),
        ...(r.decision ? outcomeCodes(r.decision) : []),
      ]);
      if (!r.checksumsAvailable) this.log(warn(`${id}: no checksums available`));
      else if (bad.length === 0)
        this.log(ok(`${id}: ${r.files.length} file${r.files.length === 1 ? '' : 's'} ok`));
      else {
        this.log(fail(id));
        for (const f of bad) this.log(`  ${f.status}: ${f.path}`);
      }
      for (const note of r.notes) this.log(fail(`${id}: ${note}`));
      if (r.policyError) this.log(fail(`${id}: cannot judge the archive: ${r.policyError}`));
      if (r.decision && r.facts) {
        const { expected, actual } = r.facts.checksum;
        if (expected.toLowerCase() !== actual.toLowerCase())
          this.log(fail(`Checksum verification failed: expected ${expected}, got ${actual}`));
        // The archive still matching says nothing good about files changed since: no ✓ beside their ✗.
        else if (bad.length > 0)
          this.log(
            `  Archive: still ${actual}, as the lock records; the installed files above differ from it`,
          );
        else this.log(ok(`Checksum verified: ${actual}`));
        for (const line of decisionLines(r.decision, r.facts, {
          attestationsChecked: r.attestationsChecked,
          ignoreSignatures: config.security.on_signature_failure === 'ignore',
        }))
          this.log(line);
      }
    }
    const failed = results.filter((r) => !r.ok);
    const summary = tally.toJson('verified', 'failed');
    if (results.length > 0) {
      const line = tally.line('verified', undefined, 'failed');
      this.log(failed.length > 0 ? fail(line) : line);
    }
    // --json keys are snake_case, as the file formats are.
    const packages = results.map(({ checksumsAvailable, policyError, attestationsChecked, ...r }) => ({
      ...r,
      checksums_available: checksumsAvailable,
      ...(policyError !== undefined ? { policy_error: policyError } : {}),
      ...(attestationsChecked !== undefined ? { attestations_checked: attestationsChecked } : {}),
    }));
    if (failed.length > 0 || interrupted.length > 0) {
      if (this.jsonEnabled()) this.logJson({ ok: false, summary, packages, interrupted });
      this.exit(1);
    }
    return { ok: true, summary, packages, interrupted };
  }

  private async verifyFile(
    argv: string[],
    signatures: string[],
    keys: string[],
    trust: TrustContext,
    flags: { name?: string; version?: string },
  ) {
    if (argv.length !== 1) throw new AamError('USAGE', 'With --signature, give exactly one FILE to verify');
    const { facts, decision } = await verifyArtifactFlow({
      file: argv[0]!,
      signatures,
      keys,
      trust,
      ...(flags.name ? { name: flags.name } : {}),
      ...(flags.version ? { version: flags.version } : {}),
    });
    for (const line of artifactVerificationLines(decision, facts)) this.log(line);
    // The policy answers (its `verified`): some signature is valid AND trusted and nothing fails, as cosign
    // verify-blob means it. A warning that would let an install proceed is not a verification.
    if (!decision.verified) {
      if (this.jsonEnabled()) this.logJson({ ok: false, facts, decision });
      this.exit(1);
    }
    return { ok: true, facts, decision };
  }
}
