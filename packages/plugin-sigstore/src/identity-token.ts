import { AamError, registerSecret } from '@aam/core/plugin';

export const DEFAULT_OIDC_ISSUER = 'https://oauth2.sigstore.dev/auth';
export const DEFAULT_OIDC_CLIENT_ID = 'sigstore';

export interface TokenSources {
  /** `--identity-token` */
  identityToken?: string;
  env?: NodeJS.ProcessEnv;
  oidcIssuer?: string;
  oidcClientId?: string;
  /** Where the browser sign-in prints its URL (default stderr). */
  print?: (line: string) => void;
}

export type TokenOrigin = 'flag' | 'env' | 'github-actions' | 'browser';

/** The OIDC identity token for Fulcio (SPEC §7), from the first source that has one, in this order. */
export async function resolveIdentityToken(
  src: TokenSources,
): Promise<{ token: string; origin: TokenOrigin }> {
  const found = await findIdentityToken(src);
  // Whatever happens next (a refusal from Fulcio, a parse error in the signing library), the token is never
  // printed.
  registerSecret(found.token);
  return found;
}

async function findIdentityToken(src: TokenSources): Promise<{ token: string; origin: TokenOrigin }> {
  const env = src.env ?? process.env;
  if (src.identityToken !== undefined) {
    const token = src.identityToken.trim();
    if (!token) throw new AamError('USAGE', '--identity-token is empty');
    checkJwtShape(token, '--identity-token');
    return { token, origin: 'flag' };
  }
  const fromEnv = env.SIGSTORE_ID_TOKEN?.trim();
  if (fromEnv) {
    checkJwtShape(fromEnv, 'SIGSTORE_ID_TOKEN');
    return { token: fromEnv, origin: 'env' };
  }
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    return { token: await githubActionsToken(env), origin: 'github-actions' };
  }
  if (env.CI && env.CI !== 'false' && env.CI !== '0') {
    throw new Error(
      'no identity token for Sigstore signing in CI: pass --identity-token, set SIGSTORE_ID_TOKEN, or grant the job `id-token: write` (GitHub Actions)',
    );
  }
  const { interactiveLogin } = await import('./oidc-login.js');
  const token = await interactiveLogin({
    issuer: src.oidcIssuer ?? DEFAULT_OIDC_ISSUER,
    clientId: src.oidcClientId ?? DEFAULT_OIDC_CLIENT_ID,
    ...(src.print ? { print: src.print } : {}),
  });
  return { token, origin: 'browser' };
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Whether a base64url segment decodes to a JSON object. */
function jsonObjectOf(segment: string): boolean {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * A token the user gave must be shaped like a JWT (`header.payload.signature`, base64url, header and payload
 * JSON objects) before it is sent anywhere: otherwise the signing library fails with a bare JSON parse error.
 * Bad input, so a usage error (exit 2). The issuer and Fulcio still judge whether the token is any good.
 */
export function checkJwtShape(token: string, what: string): void {
  const parts = token.split('.');
  const why =
    parts.length !== 3
      ? `it has ${parts.length} dot-separated segment${parts.length === 1 ? '' : 's'}`
      : !SEGMENT.test(parts[0]!) || !SEGMENT.test(parts[1]!) || !(parts[2] === '' || SEGMENT.test(parts[2]!))
        ? 'a segment is not base64url'
        : !jsonObjectOf(parts[0]!)
          ? 'its header is not a JSON object'
          : !jsonObjectOf(parts[1]!)
            ? 'its payload is not a JSON object'
            : undefined;
  if (why)
    throw new AamError(
      'USAGE',
      `${what} is not an OIDC identity token: expected a JWT (three base64url segments, header.payload.signature), but ${why}`,
    );
}

/** GitHub Actions' ambient OIDC token (audience `sigstore`), as the runner hands it out. */
async function githubActionsToken(env: NodeJS.ProcessEnv): Promise<string> {
  const url = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL!);
  url.searchParams.set('audience', 'sigstore');
  const res = await fetch(url, {
    headers: { Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`GitHub Actions OIDC token request failed: HTTP ${res.status}`);
  const body = (await res.json()) as { value?: unknown };
  if (typeof body.value !== 'string' || !body.value)
    throw new Error('GitHub Actions OIDC token response has no token');
  try {
    checkJwtShape(body.value, 'the GitHub Actions OIDC token');
  } catch (e) {
    throw new Error((e as Error).message); // the runner's answer, not the user's input: not a usage error
  }
  return body.value;
}
