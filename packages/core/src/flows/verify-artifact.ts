import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { AamError } from '../errors.js';
import { judge, type Judgement } from '../facts/judge.js';
import type { TrustContext } from '../facts/gather.js';
import { sha256 } from '../integrity/checksum.js';

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
 * plugin that recognises it; the facts are judged by the same trust policy as an install (signatures judged),
 * and the decision's `verified` is the answer.
 */
export async function verifyArtifactFlow(req: VerifyArtifactRequest): Promise<Judgement> {
  const bytes = await readInput(req.file, 'file');
  const keys = await Promise.all((req.keys ?? []).map((k) => readInput(k, 'key')));
  const docs = [];
  for (const path of req.signatures) docs.push({ source: path, bytes: await readInput(path, 'signature') });
  const checksum = sha256(bytes);
  const claimed = {
    ...(req.name ? { name: req.name } : {}),
    ...(req.version ? { version: req.version } : {}),
  };
  return judge(
    {
      name: req.name ?? basename(req.file),
      version: req.version ?? '0.0.0',
      archive: { bytes, actual: checksum },
      expected: checksum,
      documents: { docs, keys, path: req.file, claimed },
    },
    { ...req.trust, request: { ...req.trust.request, verify: true } },
  );
}
