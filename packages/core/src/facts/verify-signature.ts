import type {
  ArtifactRef,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  VerifyContext,
} from '../plugin/contracts.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** An invalid signature fact: the one shape every failure to verify takes. */
export function failedFact(type: string, error: string): SignatureFact {
  return { type, valid: false, errors: [error] };
}

/**
 * Verifies one signature document with the first plugin that recognises it. Any failure (no verifier, a
 * verifier that throws, answers nothing or times out) is a fact, `valid: false` with the error, never a throw
 * and never a pass.
 */
export async function verifySignature(
  verifiers: SignatureVerifier[],
  artifact: ArtifactRef,
  doc: SignatureDocument,
  ctx: VerifyContext,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<SignatureFact> {
  const type = doc.declaredType ?? 'unknown';
  const verifier = verifiers.find((v) => {
    try {
      return v.canVerify(doc);
    } catch {
      return false;
    }
  });
  if (!verifier)
    return failedFact(
      type,
      doc.declaredType
        ? `no installed verifier recognises this ${type} signature (${doc.source})`
        : `no installed verifier recognises ${doc.source} (not a Sigstore bundle, GPG envelope or OpenPGP signature, nor a type a plugin adds)`,
    );
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`verification timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    const fact = await Promise.race([verifier.verify(artifact, doc, ctx), timeout]);
    if (typeof fact?.valid !== 'boolean')
      return failedFact(verifier.type, `verifier ${verifier.type} returned no verdict`);
    return { ...fact, errors: fact.errors ?? [] };
  } catch (e) {
    return failedFact(
      verifier.type,
      `verifier ${verifier.type} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
