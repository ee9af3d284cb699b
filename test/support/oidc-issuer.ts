/**
 * A tiny but real OpenID Connect issuer on loopback, for tests: discovery, an auto-approving `/authorize`, a
 * `/token` endpoint that enforces PKCE S256, and ES256-signed ID tokens verifiable through `/jwks`.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcIssuerOptions {
  /** Extra (or overriding) ID token claims. */
  claims?: Record<string, unknown>;
  /** Default `signer@example.test`. */
  email?: string;
  /** Redirect back with a state that is not the one the client sent. */
  tamperState?: boolean;
  /** Put a nonce in the ID token that is not the one the client sent. */
  wrongNonce?: boolean;
  /** Redirect back with `error=<this>` instead of a code. */
  errorParam?: string;
  /** Sign the ID token with a key that is not in the JWKS. */
  badSignature?: boolean;
}

export interface OidcIssuer {
  /** The issuer identifier, e.g. `http://127.0.0.1:43123` (discovery at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  close(): Promise<void>;
  /** Query of the latest `/authorize` request. */
  lastAuthorizeParams?: URLSearchParams;
  /** Form body of the latest `/token` request. */
  lastTokenParams?: URLSearchParams;
  /** The `error` of the latest refused `/token` request. */
  lastTokenError?: string;
  tokenRequests: number;
  /** ID tokens handed out by `/token`, oldest first. */
  idTokens: string[];
}

interface Grant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
}

const base64url = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');
const newKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

export async function startOidcIssuer(opts: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const signingKey = newKey();
  const kid = base64url(randomBytes(8));
  const grants = new Map<string, Grant>();
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      json(res, 500, { error: 'server_error', error_description: String(err) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const state: OidcIssuer = {
    issuer,
    tokenRequests: 0,
    idTokens: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  function idToken(clientId: string, nonce: string | null): string {
    const now = Math.floor(Date.now() / 1000);
    const email = opts.email ?? 'signer@example.test';
    const claims = {
      iss: issuer,
      aud: clientId,
      sub: `sub-${email}`,
      email,
      email_verified: true,
      ...(nonce === null ? {} : { nonce: opts.wrongNonce ? `not-${nonce}` : nonce }),
      iat: now,
      exp: now + 600,
      ...opts.claims,
    };
    const input = `${base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }))}.${base64url(JSON.stringify(claims))}`;
    const key = opts.badSignature ? newKey() : signingKey;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          code_challenge_methods_supported: ['S256'],
          scopes_supported: ['openid', 'email'],
          token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
        });
      case 'GET /jwks': {
        const jwk = signingKey.export({ format: 'jwk' });
        return json(res, 200, {
          keys: [{ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' }],
        });
      }
      case 'GET /authorize':
        return authorize(url.searchParams, res);
      case 'POST /token':
        return token(new URLSearchParams(await body(req)), res);
      default:
        return json(res, 404, { error: 'not_found' });
    }
  }

  function authorize(params: URLSearchParams, res: ServerResponse): void {
    state.lastAuthorizeParams = params;
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri');
    const codeChallenge = params.get('code_challenge');
    if (!clientId || !redirectUri || !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(redirectUri)) {
      return json(res, 400, { error: 'invalid_request', error_description: 'bad client_id or redirect_uri' });
    }
    const back = new URL(redirectUri);
    const clientState = params.get('state');
    if (clientState !== null)
      back.searchParams.set('state', opts.tamperState ? `tampered-${clientState}` : clientState);
    if (opts.errorParam) {
      back.searchParams.set('error', opts.errorParam);
      back.searchParams.set('error_description', 'the user said no');
    } else if (
      params.get('response_type') !== 'code' ||
      params.get('code_challenge_method') !== 'S256' ||
      !codeChallenge
    ) {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'response_type=code with PKCE S256 is required');
    } else {
      const code = base64url(randomBytes(16));
      grants.set(code, { clientId, redirectUri, codeChallenge, nonce: params.get('nonce') });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href }).end();
  }

  function token(params: URLSearchParams, res: ServerResponse): void {
    state.tokenRequests++;
    state.lastTokenParams = params;
    const refuse = (error: string, description: string) => {
      state.lastTokenError = error;
      json(res, 400, { error, error_description: description });
    };
    if (params.get('grant_type') !== 'authorization_code')
      return refuse('unsupported_grant_type', 'code only');
    const code = params.get('code') ?? '';
    const grant = grants.get(code);
    grants.delete(code); // single use
    if (!grant) return refuse('invalid_grant', 'unknown or used code');
    if (params.get('client_id') !== grant.clientId) return refuse('invalid_client', 'client_id mismatch');
    if (params.get('redirect_uri') !== grant.redirectUri)
      return refuse('invalid_grant', 'redirect_uri mismatch');
    const verifier = params.get('code_verifier') ?? '';
    if (base64url(createHash('sha256').update(verifier).digest()) !== grant.codeChallenge) {
      return refuse('invalid_grant', 'PKCE verification failed');
    }
    const id_token = idToken(grant.clientId, grant.nonce);
    state.idTokens.push(id_token);
    json(res, 200, {
      access_token: base64url(randomBytes(16)),
      token_type: 'Bearer',
      expires_in: 600,
      id_token,
    });
  }

  return state;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The claims of a JWT, unverified (for assertions). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
