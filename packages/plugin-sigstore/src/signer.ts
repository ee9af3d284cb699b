import { readFile } from 'node:fs/promises';
import {
  errorChain,
  type ArtifactRef,
  type SecurityConfig,
  type SignatureDocument,
  type Signer,
  type SignOptions,
} from '@aam/core/plugin';
import { resolveIdentityToken, type TokenOrigin } from './identity-token.js';
import { commonJs } from './lazy.js';

export const PUBLIC_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const PUBLIC_REKOR_URL = 'https://rekor.sigstore.dev';

export interface SigstoreSignOptions extends SignOptions {
  /** `--identity-token`: an OIDC token for Fulcio; else SIGSTORE_ID_TOKEN, GitHub Actions, or the browser. */
  identityToken?: string;
  /** Progress lines (browser sign-in URL, services contacted). */
  print?: (line: string) => void;
}

type BundleJson = {
  mediaType: string;
  verificationMaterial: {
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    certificate?: { rawBytes: string };
  } & Record<string, unknown>;
} & Record<string, unknown>;

/**
 * @sigstore/sign 4.x always emits a v0.2 bundle (the whole certificate chain). The v0.3 form carries only the
 * leaf: the chain to the root comes from the trusted root, and the tlog entry and timestamp cover the signature,
 * so dropping the intermediates changes nothing a verifier relies on.
 */
function asV03(json: BundleJson, v03: string): BundleJson {
  const chain = json.verificationMaterial.x509CertificateChain;
  if (!chain?.certificates[0]) return json;
  const { x509CertificateChain: _chain, ...rest } = json.verificationMaterial;
  return {
    ...json,
    mediaType: v03,
    verificationMaterial: { ...rest, certificate: { rawBytes: chain.certificates[0].rawBytes } },
  };
}

/** Network time limit for each call to Fulcio, Rekor and the TSA. */
const TIMEOUT_MS = 30_000;

/**
 * Keyless signing (SPEC §7): an ephemeral key, a Fulcio certificate for the OIDC identity, a Rekor entry
 * (and an RFC 3161 timestamp when `tsa_url` is set); the result is a standard v0.3 bundle over the bytes.
 */
export class SigstoreSigner implements Signer {
  readonly type = 'sigstore';
  /** How the last token was obtained, for `--json` output and messages. */
  lastTokenOrigin?: TokenOrigin;

  constructor(private readonly settings: SecurityConfig['sigstore'] = {}) {}

  async sign(artifact: ArtifactRef, opts: SigstoreSignOptions): Promise<SignatureDocument> {
    const s = this.settings ?? {};
    // Before any sign-in (a browser round trip is wasted if there is nothing to sign).
    const data = artifact.bytes
      ? Buffer.from(artifact.bytes.buffer, artifact.bytes.byteOffset, artifact.bytes.byteLength)
      : artifact.path
        ? await readFile(artifact.path)
        : undefined;
    if (!data) throw new Error('Sigstore signing needs the artifact bytes');
    const { token, origin } = await resolveIdentityToken({
      ...(opts.identityToken !== undefined ? { identityToken: opts.identityToken } : {}),
      ...(s.oidc_issuer ? { oidcIssuer: s.oidc_issuer } : {}),
      ...(s.oidc_client_id ? { oidcClientId: s.oidc_client_id } : {}),
      ...(opts.print ? { print: opts.print } : {}),
    });
    this.lastTokenOrigin = origin;
    const [sign, bundleLib] = await Promise.all([
      import('@sigstore/sign').then(commonJs),
      import('@sigstore/bundle').then(commonJs),
    ]);
    const fetchOpts = { timeout: TIMEOUT_MS, retry: { retries: 1 } };
    const fulcio = s.fulcio_url ?? PUBLIC_FULCIO_URL;
    const rekor = s.rekor_url ?? PUBLIC_REKOR_URL;
    const witnesses: import('@sigstore/sign').Witness[] = [
      new sign.RekorWitness({ rekorBaseURL: rekor, fetchOnConflict: true, ...fetchOpts }),
    ];
    if (s.tsa_url) witnesses.push(new sign.TSAWitness({ tsaBaseURL: s.tsa_url, ...fetchOpts }));
    const builder = new sign.MessageSignatureBundleBuilder({
      signer: new sign.FulcioSigner({
        identityProvider: { getToken: () => Promise.resolve(token) },
        fulcioBaseURL: fulcio,
        ...fetchOpts,
      }),
      witnesses,
    });
    let bundle;
    try {
      bundle = await builder.create({ data });
    } catch (e) {
      throw new Error(`Sigstore signing failed (Fulcio ${fulcio}, Rekor ${rekor}): ${errorChain(e)}`);
    }
    const json = asV03(bundleLib.bundleToJSON(bundle) as BundleJson, bundleLib.BUNDLE_V03_MEDIA_TYPE);
    const label = artifact.name ? `${artifact.name}@${artifact.version ?? '?'}` : 'artifact';
    return {
      source: `${label}.sigstore.json`,
      declaredType: 'sigstore',
      bytes: Buffer.from(JSON.stringify(json, null, 2) + '\n', 'utf8'),
    };
  }
}
