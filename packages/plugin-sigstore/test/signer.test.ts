import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArtifactRef } from '@aam/core';
import { startOidcIssuer, type OidcIssuer } from '../../../test/support/oidc-issuer.js';
import { SigstoreSigner } from '../src/index.js';

let issuer: OidcIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await issuer?.close();
});

describe('SigstoreSigner', () => {
  it('refuses an artifact without bytes before any browser sign-in starts', async () => {
    // No token anywhere and not CI: the next step would be the browser sign-in.
    vi.stubEnv('CI', '');
    vi.stubEnv('SIGSTORE_ID_TOKEN', '');
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', '');
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', '');
    vi.stubEnv('BROWSER', 'none');
    const lines: string[] = [];
    const signer = new SigstoreSigner({ oidc_issuer: issuer.issuer, oidc_client_id: 'sigstore' });
    const noBytes = { checksum: `sha256:${'0'.repeat(64)}`, size: 0 } as ArtifactRef;
    const outcome = await Promise.race([
      signer.sign(noBytes, { print: (l) => lines.push(l) }).then(
        () => 'signed',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      ),
      new Promise<string>((r) => setTimeout(() => r('still waiting for a sign-in'), 3000)),
    ]);
    expect(outcome).toBe('Sigstore signing needs the artifact bytes');
    expect(lines).toEqual([]);
    expect(issuer.lastAuthorizeParams).toBeUndefined();
  });
});
