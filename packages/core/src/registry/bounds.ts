import { AamError } from '../errors.js';

/**
 * What a registry may send, at most. Registry data is untrusted: a registry (or whoever sits in front of it)
 * that sends more is refused at once, before the document is parsed or anything acts on it, with bounded memory.
 */
export const REGISTRY_BOUNDS = {
  /** A JSON document or text answer (package metadata, version lists, audit pages, keys, checkpoints). */
  documentBytes: 16 * 1024 * 1024,
  /** A local registry's `metadata.yaml`. */
  metadataFileBytes: 16 * 1024 * 1024,
  /** Versions of one package. */
  versions: 10_000,
  /** Dist-tags of one package. */
  distTags: 1_000,
  /** Dependencies of one version. */
  dependencies: 1_000,
  /** Signatures (and attestations) of one version. */
  signatures: 16,
  /** One signature document. */
  signatureBytes: 1024 * 1024,
  /** Entries of an audit log a client reads in full (its copy of the log: `require_audit_log`). */
  auditLogEntries: 10_000_000,
} as const;

/** The refusal: what was too large, and the bound it broke (exit 1: the registry sent it, not the user). */
export function tooLarge(registry: string, what: string, bound: string): AamError {
  return new AamError(
    'REGISTRY_TOO_LARGE',
    `Registry '${registry}' sent ${what}: more than ${bound}; refused before it was read further`,
    { registry },
  );
}

/** Reads a response body, refusing it as soon as it passes `max` bytes (never buffering more than that). */
export async function readBoundedText(
  res: Response,
  max: number,
  onTooLarge: () => AamError,
): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw onTooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw onTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
