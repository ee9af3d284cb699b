import { Args, Flags } from '@oclif/core';
import { formatSize, infoFlow, printable, type AttestationFact, type SignatureFact } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { showAuditLog } from '../render-audit-log.js';
import { tlogLine } from '../render-decision.js';
import { bold } from '../style.js';

export default class Info extends AamCommand {
  static override summary =
    'Show a package: checksum, versions, dist-tags, and with --signatures its signatures.';
  static override description = `With --audit-log (HTTP registries), prints the package's audit log instead, newest
first: time (UTC), actor, event, and the version for version events (publish, yank, approve, ...), TAG=VERSION
for tag.set, the tag for tag.remove, FROM->TO for ownership.transfer, the user for owner.add/owner.remove.
First the registry's signed checkpoint is verified with the key pinned by 'aam registry add' and checked against
the last one seen (stored under $AAM_HOME/audit/<registry>/): a forked, rewritten or shrunk log is a hard failure
that prints both checkpoints. Then each entry is proven to be in that checkpoint's tree (inclusion proof).
A per-package listing cannot prove that no entry was left out.`;
  static override examples = [
    '<%= config.bin %> info @author/my-package',
    '<%= config.bin %> info @author/my-package@1.0.0 --signatures --json',
    '<%= config.bin %> info @author/my-package --audit-log',
  ];
  static override args = { spec: Args.string({ description: 'NAME[@VERSION|@RANGE|@TAG]', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'only look in this registry' }),
    signatures: Flags.boolean({
      description: 'list the signatures of the version, each verified against its archive',
    }),
    'audit-log': Flags.boolean({
      description: "print the package's audit log, verified against the registry's signed checkpoint",
      exclusive: ['signatures'],
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Info);
    const { config } = this.config_();
    if (flags['audit-log']) return showAuditLog(args.spec, config, flags.registry, (l) => this.log(l));
    const trust = flags.signatures
      ? await this.trustContext({
          verify: true,
          require_signature: config.security.require_signature,
          no_verify: false,
        })
      : undefined;
    const r = await infoFlow(args.spec, config, flags.registry, trust ? { trust } : {});
    const v = r.selected;
    const signatures: SignatureFact[] | undefined = r.judgement && [
      ...r.judgement.facts.signatures,
      ...r.judgement.facts.attestations,
    ];
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
    if (signatures) {
      this.log(signatures.length ? 'Signatures:' : 'Signatures: none');
      for (const s of signatures) for (const line of signatureListing(s)) this.log(line);
    }
    return {
      registry: r.registry,
      name: r.metadata.name,
      description: r.metadata.description,
      selected: v,
      dist_tags: r.metadata.dist_tags,
      versions: r.metadata.versions,
      ...(signatures ? { signatures } : {}),
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
  if (s.tlog) lines.push(`    Transparency log: ${tlogLine(s.tlog)}`);
  lines.push(`    Status: ${s.valid ? 'Valid ✓' : `Invalid ✗ (${s.errors.join('; ')})`}`);
  lines.push(...scanListing(s as AttestationFact));
  return lines;
}

/** A registry attestation's scan evidence: one line per scanner, the publish policy and who approved. */
function scanListing(a: AttestationFact): string[] {
  if (a.type !== 'registry-attestation' || !a.valid) return [];
  if (!a.scans || !a.publish_policy) return ['    Scans: none recorded'];
  const lines = ['    Scans:'];
  for (const x of a.scans) {
    const db = x.database ? `, database ${x.database}` : '';
    const what =
      x.result === 'clean'
        ? 'clean ✓'
        : `${x.findings.length} finding${x.findings.length === 1 ? '' : 's'} ⚠ (${x.findings
            .slice(0, 5)
            // Paths come from the package's archive: control characters are shown, never sent to the terminal.
            .map((f) => printable(`${f.rule} in ${f.path}${f.line ? `:${f.line}` : ''}`))
            .join('; ')})`;
    lines.push(`      ${printable(`${x.name} ${x.version}${db}`)}: ${what}`);
  }
  if (a.scans.length === 0) lines.push('      (the registry ran no scanners)');
  const held = a.publish_policy.decision === 'hold';
  lines.push(
    `    Publish policy: ${held ? `held (${a.publish_policy.reasons.join(', ')})` : 'accepted'} (${a.publish_policy.digest})`,
  );
  if (a.approved_by?.length) lines.push(`    Approved by: ${printable(a.approved_by.join(', '))}`);
  return lines;
}
