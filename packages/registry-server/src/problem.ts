/** An API error, answered as RFC 9457 problem details with a stable `code` the CLI keys on. */
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

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

export function problemOf(e: RegistryError, instance?: string): Problem {
  return {
    type: `https://aam.dev/problems/${e.code.replace(/_/g, '-')}`,
    title: TITLES[e.status] ?? 'Error',
    status: e.status,
    detail: e.message,
    code: e.code,
    ...(instance ? { instance } : {}),
    ...e.extra,
  };
}

export const notFound = (what: string, code = 'not_found') =>
  new RegistryError(404, code, `${what} not found`);
export const badRequest = (detail: string) => new RegistryError(400, 'bad_request', detail);
export const forbidden = (detail: string, code = 'forbidden') => new RegistryError(403, code, detail);
export const conflict = (detail: string, code = 'conflict') => new RegistryError(409, code, detail);
