import type { Decision, Facts, SignatureFact } from '@aam/core';
import { fail, ok, warn } from './style.js';

const TYPE_LABEL: Record<string, string> = {
  sigstore: 'Sigstore',
  gpg: 'GPG',
  'registry-attestation': 'Registry attestation',
};
const label = (type: string): string => TYPE_LABEL[type] ?? type;

/** An entry URL (Rekor v1) names the entry; a log's base URL (no integrated time: Rekor v2) needs the index. */
export const tlogLine = ({
  url,
  log_index: i,
  integrated_time: t,
}: NonNullable<SignatureFact['tlog']>): string =>
  !url ? `log index ${i ?? '?'}` : i !== undefined && !t ? `${url} (log index ${i})` : url;

/** The seed's verification block (SPEC §6) for one signature fact. */
function signatureLines(s: SignatureFact): string[] {
  if (!s.valid)
    return [fail(`${label(s.type)} signature invalid: ${s.errors.join('; ') || 'unknown error'}`)];
  const lines = [ok(`${label(s.type)} signature valid`)];
  if (s.type === 'gpg') {
    if (s.fingerprint) lines.push(`  Key: ${s.fingerprint}`);
    if (s.user_ids?.[0]) lines.push(`  Signed by: ${s.user_ids[0]}`);
    return lines;
  }
  if (s.identity) lines.push(`  Identity: ${s.identity}`);
  else if (s.fingerprint) lines.push(`  Key: ${s.fingerprint}`);
  if (s.signed_at) lines.push(`  Issued: ${s.signed_at}`);
  if (s.tlog) lines.push(`  Transparency log: ${tlogLine(s.tlog)}`);
  return lines;
}

/**
 * Renders what the policy decided: signature blocks when judged, then every trust, warning and failure.
 * `attestationsChecked`: the registry's attestations were asked for (trust_registry_attestations, HTTP registry),
 * so having none is shown.
 */
export function decisionLines(
  decision: Decision,
  facts: Facts,
  opts: { attestationsChecked?: boolean } = {},
): string[] {
  const lines: string[] = [];
  if (decision.evaluated) {
    facts.signatures.forEach((s, i) => {
      lines.push(...signatureLines(s));
      const trusted = decision.reasons.find(
        (r) => r.code === 'trusted' && r.kind === 'signature' && r.signature === i,
      );
      if (trusted?.matched?.identity !== undefined) lines.push(ok('Identity trusted'));
      else if (trusted?.matched?.key !== undefined) lines.push(ok('Key trusted'));
    });
    facts.attestations.forEach((a, i) => {
      const trusted = decision.reasons.some(
        (r) => r.code === 'trusted' && r.kind === 'attestation' && r.signature === i,
      );
      lines.push(
        a.valid && trusted
          ? ok(`Registry attestation: ${a.registry}`)
          : fail(`Registry attestation: ${a.registry} (${a.valid ? 'not trusted' : a.errors.join('; ')})`),
      );
    });
    if (opts.attestationsChecked && facts.attestations.length === 0)
      lines.push(fail('Registry attestation: MISSING'));
  }
  for (const r of decision.reasons) {
    if (r.effect === 'warn') lines.push(warn(r.message));
    else if (r.effect === 'fail' && r.code !== 'checksum_mismatch') lines.push(fail(r.message));
    else if (r.effect === 'note') lines.push(`  Note: ${r.message}`);
  }
  return lines;
}

/**
 * What `aam verify FILE --signature SIG` prints: the checksum, the decision's lines, and, when the policy does
 * not call the file verified but nothing failed (a warning would let an install proceed), why it is refused.
 */
export function artifactVerificationLines(decision: Decision, facts: Facts): string[] {
  const lines = [ok(`Checksum: ${facts.checksum.actual}`), ...decisionLines(decision, facts)];
  if (!decision.verified && decision.outcome !== 'fail')
    lines.push(fail('No signature is both valid and trusted by the policy'));
  return lines;
}
