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
  const env = src.env ?? process.env;
  if (src.identityToken !== undefined) {
    if (!src.identityToken.trim()) throw new Error('--identity-token is empty');
    return { token: src.identityToken.trim(), origin: 'flag' };
  }
  if (env.SIGSTORE_ID_TOKEN?.trim()) return { token: env.SIGSTORE_ID_TOKEN.trim(), origin: 'env' };
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
  return body.value;
}
