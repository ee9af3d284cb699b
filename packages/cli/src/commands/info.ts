import { Args, Flags } from '@oclif/core';
import { formatSize, infoFlow, type SignatureFact } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { bold } from '../style.js';

export default class Info extends AamCommand {
  static override summary =
    'Show a package: checksum, versions, dist-tags, and with --signatures its signatures.';
  static override examples = [
    '<%= config.bin %> info @author/my-package',
    '<%= config.bin %> info @author/my-package@1.0.0 --signatures --json',
  ];
  static override args = { spec: Args.string({ description: 'NAME[@VERSION|@RANGE|@TAG]', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'only look in this registry' }),
    signatures: Flags.boolean({
      description: 'list the signatures of the version, each verified against its archive',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Info);
    const { config } = this.config_();
    const trust = flags.signatures
      ? await this.trustContext({
          verify: true,
          require_signature: config.security.require_signature,
          no_verify: false,
        })
      : undefined;
    const r = await infoFlow(args.spec, config, flags.registry, trust ? { trust } : {});
    const v = r.selected;
    this.log(bold(`${r.metadata.name}@${v.version}`));
    if (r.metadata.description) this.log(`  ${r.metadata.description}`);
    this.log(`Checksum: ${v.checksum}`);
    this.log(`Size: ${formatSize(v.size)}`);
    if (v.published) this.log(`Published: ${v.published}`);
    if (v.yanked) this.log('Yanked: yes');
    this.log(`Registry: ${r.registry}`);
    const tags = Object.entries(r.metadata.dist_tags);
    if (tags.length) this.log(`Dist-tags: ${tags.map(([t, ver]) => `${t}: ${ver}`).join(', ')}`);
    this.log(
      `Versions: ${r.metadata.versions.map((x) => x.version + (x.yanked ? ' (yanked)' : '')).join(', ')}`,
    );
    if (r.signatures) {
      this.log(r.signatures.length ? 'Signatures:' : 'Signatures: none');
      for (const s of r.signatures) for (const line of signatureListing(s)) this.log(line);
    }
    return {
      registry: r.registry,
      name: r.metadata.name,
      description: r.metadata.description,
      selected: v,
      dist_tags: r.metadata.dist_tags,
      versions: r.metadata.versions,
      ...(r.signatures ? { signatures: r.signatures } : {}),
    };
  }
}

/** One entry of the seed's `aam info --signatures` list. */
function signatureListing(s: SignatureFact): string[] {
  const lines = [`  - Type: ${s.type}`];
  if (s.identity) lines.push(`    Identity: ${s.identity}`);
  if (s.fingerprint) lines.push(`    Key: ${s.fingerprint}`);
  if (s.user_ids?.[0]) lines.push(`    Signed by: ${s.user_ids[0]}`);
  if (s.registry) lines.push(`    Registry: ${s.registry}`);
  if (s.signed_at)
    lines.push(`    ${s.type === 'registry-attestation' ? 'Timestamp' : 'Issued'}: ${s.signed_at}`);
  if (s.tlog) lines.push(`    Transparency log: ${s.tlog.url ?? `log index ${s.tlog.log_index ?? '?'}`}`);
  lines.push(`    Status: ${s.valid ? 'Valid ✓' : `Invalid ✗ (${s.errors.join('; ')})`}`);
  return lines;
}
