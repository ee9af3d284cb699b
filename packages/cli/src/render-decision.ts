import { printable, type Decision, type Facts, type Reason, type SignatureFact } from '@aam/core';
import { fail, ok, warn } from './style.js';

const TYPE_LABEL: Record<string, string> = {
  sigstore: 'Sigstore',
  gpg: 'GPG',
  'registry-attestation': 'Registry attestation',
};
const label = (type: string): string => TYPE_LABEL[type] ?? type;

/** `Sigstore signature`, `fake-kms signature`; one no verifier recognised is said so, never "unknown signature". */
const signatureName = (type: string): string =>
  type === 'unknown' ? 'A signature of unrecognised type' : `${label(type)} signature`;

/** An entry URL (Rekor v1) names the entry; a log's base URL (no integrated time: Rekor v2) needs the index. */
export const tlogLine = ({
  url,
  log_index: i,
  integrated_time: t,
}: NonNullable<SignatureFact['tlog']>): string =>
  !url ? `log index ${i ?? '?'}` : i !== undefined && !t ? `${url} (log index ${i})` : url;

/**
 * The seed's verification block (SPEC §6) for one signature fact. An invalid signature's line carries the
 * policy's verdict on it, so the problem prints once. It is softened only when the policy said so (a warning, or
 * another signature it trusts); anything else, a checksum mismatch that suppresses the reason or a bundle policy
 * that never gives one, is ✗.
 */
function signatureLines(
  s: SignatureFact,
  verdict: Reason | undefined,
  opts: { strict: boolean; otherTrusted: boolean },
): string[] {
  if (!s.valid) {
    const why = s.errors.join('; ') || 'no reason given by its verifier';
    const what =
      s.type === 'unknown' ? `Signature not recognised: ${why}` : `${signatureName(s.type)} invalid: ${why}`;
    if (!opts.strict && verdict?.effect === 'warn') return [warn(what)];
    if (!opts.strict && !verdict && opts.otherTrusted)
      return [`  ${what} (not needed: another signature is trusted)`];
    return [fail(what)];
  }
  const lines = [ok(`${signatureName(s.type)} valid`)];
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
  opts: {
    attestationsChecked?: boolean;
    ignoreSignatures?: boolean;
    /** `aam verify FILE`: an invalid signature is never acceptable there, whatever on_signature_failure says. */
    strict?: boolean;
  } = {},
): string[] {
  const lines: string[] = [];
  // Reasons about one invalid signature are shown on that signature's own line.
  const folded = new Set<Reason>();
  const verdictOn = (i: number): Reason | undefined => {
    const r = decision.reasons.find(
      (x) => x.code === 'signature_invalid' && x.kind === 'signature' && x.signature === i,
    );
    if (r) folded.add(r);
    return r;
  };
  // on_signature_failure: ignore means signatures are not judged: no ✗ or ⚠ about them (the lock still
  // records what was seen). A requirement that is not met still fails, below.
  if (decision.evaluated && !opts.ignoreSignatures) {
    facts.signatures.forEach((s, i) => {
      const otherTrusted = decision.reasons.some(
        (r) => r.code === 'trusted' && !(r.kind === 'signature' && r.signature === i),
      );
      lines.push(
        ...signatureLines(s, s.valid ? undefined : verdictOn(i), {
          strict: opts.strict ?? false,
          otherTrusted,
        }),
      );
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
    if (folded.has(r)) continue;
    // A message carries what the facts said (paths, rule names, identities from a registry or a package):
    // control characters are shown, never sent to the terminal.
    const message = printable(r.message);
    if (r.effect === 'warn') lines.push(warn(message));
    else if (r.effect === 'fail' && r.code !== 'checksum_mismatch') lines.push(fail(message));
    else if (r.effect === 'note') lines.push(`  Note: ${message}`);
  }
  return lines;
}

/**
 * What `aam verify FILE --signature SIG` prints: the checksum, the decision's lines, and, when the policy does
 * not call the file verified but nothing failed (a warning would let an install proceed), why it is refused.
 */
export function artifactVerificationLines(decision: Decision, facts: Facts): string[] {
  const lines = [
    ok(`Checksum: ${facts.checksum.actual}`),
    ...decisionLines(decision, facts, { strict: true }),
  ];
  if (!decision.verified && decision.outcome !== 'fail')
    lines.push(
      fail('Not verified: no signature is both valid and trusted by the policy'),
      // Why this fails where `aam verify` of an installed package only warns (docs/verification.md).
      '  aam verify FILE answers one question, "is this file verified?" (as cosign verify-blob): a warning is a no.',
      '  Installing or re-verifying an installed package follows on_signature_failure, which may only warn.',
    );
  return lines;
}
