import {
  AamError,
  HttpAuditLogSource,
  HttpRegistry,
  type AuditLogSource,
  type RegistryConfig,
  type ServedEntry,
} from '@aam/core';

/** The audit log of a registry as the attestation verifier reads it: the client's API plus one entry by index. */
export interface AttestationLogSource extends AuditLogSource {
  /** The exact bytes of the entry at `index` (what its leaf hashes), or undefined when the log has none there. */
  entry(index: number): Promise<Uint8Array | undefined>;
}

/** `GET /api/v1/audit/...` of `aam registry serve`, anonymously (what a log proves never depends on who asks). */
export class HttpAttestationLogSource implements AttestationLogSource {
  private readonly registry: HttpRegistry;
  private readonly audit: HttpAuditLogSource;

  constructor(cfg: RegistryConfig) {
    this.registry = new HttpRegistry(cfg.name, cfg.url);
    this.audit = new HttpAuditLogSource(this.registry);
  }

  checkpoint(): Promise<string> {
    return this.audit.checkpoint();
  }

  consistencyProof(from: number, to: number): Promise<Buffer[]> {
    return this.audit.consistencyProof(from, to);
  }

  inclusionProof(index: number, size: number): Promise<Buffer[]> {
    return this.audit.inclusionProof(index, size);
  }

  packageEntries(name: string): Promise<ServedEntry[]> {
    return this.audit.packageEntries(name);
  }

  async entry(index: number): Promise<Uint8Array | undefined> {
    const doc = await this.registry.getJson<Record<string, unknown>>(`/api/v1/audit/entries/${index}`, {
      notFoundOk: true,
    });
    if (doc === undefined) return undefined;
    if (doc?.index !== index)
      throw new AamError(
        'INVALID_REGISTRY',
        `Registry '${this.registry.name}' answered for audit entry ${String(doc?.index)} when asked for ${index}`,
      );
    // The exact stored bytes when the registry sends them; else their UTF-8 reading (the same for JSON text).
    if (typeof doc.body_base64 === 'string') return Buffer.from(doc.body_base64, 'base64');
    if (typeof doc.body === 'string') return Buffer.from(doc.body, 'utf8');
    throw new AamError(
      'INVALID_REGISTRY',
      `Registry '${this.registry.name}' sent audit entry ${index} without its body`,
    );
  }
}
