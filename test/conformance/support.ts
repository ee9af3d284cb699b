import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The Sigstore conformance suite's bundle-verify cases, and the config each runs with. */
export const SUITE = resolve(import.meta.dirname, '../fixtures/sigstore/conformance/bundle-verify');
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

const text = (f: string): string => readFileSync(f, 'utf8').trim();

/** The project config a case runs with: its identity (or key) trusted, its trusted root when it has one. */
export function caseConfig(dir: string): Record<string, unknown> {
  const file = (f: string) => join(dir, f);
  const security: Record<string, unknown> = {
    on_signature_failure: 'error',
    trusted_identities: [
      {
        identity: existsSync(file('identity')) ? text(file('identity')) : DEFAULT_IDENTITY,
        issuer: existsSync(file('issuer')) ? text(file('issuer')) : DEFAULT_ISSUER,
      },
    ],
  };
  if (existsSync(file('key.pub'))) {
    // Trust the case's key by its SPKI digest (SPEC §4); a key Node cannot even parse is trusted by nothing.
    let der: Buffer | undefined;
    try {
      der = createPublicKey(readFileSync(file('key.pub'))).export({ type: 'spki', format: 'der' });
    } catch {
      der = undefined;
    }
    security.trusted_keys = der ? [`sha256:${createHash('sha256').update(der).digest('hex')}`] : [];
  }
  if (existsSync(file('trusted_root.json'))) security.sigstore = { trusted_root: file('trusted_root.json') };
  return { security };
}
