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

/** Seconds a client is told to wait when a part of the registry is down. */
export const RETRY_AFTER_S = 5;

/** A part the registry depends on (database, object store) cannot be reached: 503 with Retry-After. */
export function unavailable(part: 'database' | 'storage', cause?: unknown): RegistryError {
  const what = part === 'database' ? 'The database' : 'The archive store';
  const e = new RegistryError(
    503,
    `${part}_unavailable`,
    `${what} cannot be reached right now. Retry in ${RETRY_AFTER_S} s (a publish is all or nothing, and a retried one of the same archive is answered with its receipt)`,
    { retry_after: RETRY_AFTER_S },
    { 'retry-after': String(RETRY_AFTER_S) },
  );
  if (cause !== undefined) (e as { cause?: unknown }).cause = cause;
  return e;
}
