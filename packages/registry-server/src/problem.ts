import { problemDocument, type Problem } from '@aam/core';

/** An API error, answered as RFC 9457 problem details (`@aam/core`'s `Problem`) with a stable `code`. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function problemOf(e: RegistryError, instance?: string): Problem {
  return problemDocument(e.status, e.code, e.message, e.extra, instance);
}

export const notFound = (what: string, code = 'not_found') =>
  new RegistryError(404, code, `${what} not found`);
export const badRequest = (detail: string) => new RegistryError(400, 'bad_request', detail);
export const forbidden = (detail: string, code = 'forbidden') => new RegistryError(403, code, detail);
export const conflict = (detail: string, code = 'conflict') => new RegistryError(409, code, detail);
