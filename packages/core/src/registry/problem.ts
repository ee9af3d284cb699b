/**
 * RFC 9457 problem details, as `aam registry serve` answers every error and the HTTP client reads them. The one
 * definition both sides import: `code` is the stable slug clients key on, `type` is derived from it.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  /** Extension members (`retry_after`, `rule`, ...). */
  [extension: string]: unknown;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

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

/** The problem document for an error status and stable code. */
export function problemDocument(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
  instance?: string,
): Problem {
  return {
    type: `https://aam.dev/problems/${code.replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(instance ? { instance } : {}),
    ...extra,
  };
}

/**
 * What a client may take from an error body it received: only string `code`, `detail` and `title` (a proxy's
 * HTML page or a hostile body yields nothing, and the status alone speaks).
 */
export function readProblem(text: string): Partial<Pick<Problem, 'code' | 'detail' | 'title'>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const p = parsed as Record<string, unknown>;
  const out: Partial<Pick<Problem, 'code' | 'detail' | 'title'>> = {};
  if (typeof p.code === 'string') out.code = p.code;
  if (typeof p.detail === 'string') out.detail = p.detail;
  if (typeof p.title === 'string') out.title = p.title;
  return out;
}
