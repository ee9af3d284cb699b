import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { AamError } from '../errors.js';
import { sha256 } from '../integrity/checksum.js';
import type { Decision, Facts } from '../policy/facts.js';
import { buildFacts, verifySignature, type TrustContext } from '../policy/gather.js';

export interface VerifyArtifactRequest {
  file: string;
  signatures: string[];
  /** Public keys (`--key`): OpenPGP (armored or binary) or PEM. */
  keys?: string[];
  name?: string;
  version?: string;
  trust: TrustContext;
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new AamError(
      'USAGE',
      `Cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

/**
 * `aam verify FILE --signature SIG...`: any artifact, like `cosign verify-blob`. Each signature goes to the
 * plugin that recognises it; the facts are judged by the same trust policy as an install (signatures judged).
 */
export async function verifyArtifactFlow(
  req: VerifyArtifactRequest,
): Promise<{ facts: Facts; decision: Decision }> {
  const bytes = await readInput(req.file, 'file');
  const keys = await Promise.all((req.keys ?? []).map((k) => readInput(k, 'key')));
  const checksum = sha256(bytes);
  const artifact = {
    bytes,
    path: req.file,
    checksum,
    size: bytes.length,
    ...(req.name ? { name: req.name } : {}),
    ...(req.version ? { version: req.version } : {}),
  };
  const signatures = [];
  for (const path of req.signatures) {
    const doc = { source: path, bytes: await readInput(path, 'signature') };
    signatures.push(
      await verifySignature(req.trust.verifiers, artifact, doc, { keys, offline: true }, req.trust.timeoutMs),
    );
  }
  const facts = buildFacts({
    name: req.name ?? basename(req.file),
    version: req.version ?? '0.0.0',
    expected: checksum,
    actual: checksum,
    signatures,
    request: { ...req.trust.request, verify: true },
  });
  return { facts, decision: req.trust.engine.decide(facts) };
}
