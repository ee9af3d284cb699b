/**
 * Credentials never reach output or logs. Two nets:
 * - every credential this process was given (registry tokens, identity tokens, passphrases, from flags,
 *   environment or credential files) is registered here and replaced wherever it appears;
 * - anything shaped like a credential (a JWT, an aam token, a bearer header, a private key block) is replaced
 *   in messages about failures, where nothing secret ever belongs.
 */
const given = new Set<string>();

/** Names of environment variables that hold credentials. */
export const SECRET_ENV_VARS = [
  'AAM_TOKEN',
  'AAM_REGISTRY_ADMIN_TOKEN',
  'AAM_REGISTRY_CHECKPOINT_KEY',
  'AAM_GPG_PASSPHRASE',
  'SIGSTORE_ID_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
] as const;

/** A flag whose value is a credential (`--token`, `--identity-token`, `--passphrase`, ...). */
export const isSecretFlag = (name: string): boolean => /(^|-)(token|passphrase|password|secret)$/.test(name);

/**
 * Remembers a credential so that it is redacted wherever it appears. Values under 6 characters are too common
 * to hunt (they would blank out ordinary words); no credential aam issues or accepts is that short.
 */
export function registerSecret(value: string | undefined | null): void {
  const v = value?.trim();
  if (v && v.length >= 6) given.add(v);
}

/** Registers the credentials in the environment (AAM_TOKEN, AAM_TOKEN_<REGISTRY>, SIGSTORE_ID_TOKEN, ...). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(env))
    if ((SECRET_ENV_VARS as readonly string[]).includes(k) || /^AAM_TOKEN_/.test(k)) registerSecret(v);
}

const REDACTED = '[redacted]';

/** Replaces every registered credential. Cheap enough for every line written. */
export function redactGiven(text: string): string {
  if (given.size === 0 || text.length < 6) return text;
  let out = text;
  for (const s of given) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

const SHAPES: [RegExp, string][] = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|$)/g,
    `${REDACTED} private key`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, `${REDACTED} JWT`],
  [/\baam_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b/g, `aam_${REDACTED}`],
  // A C2SP note signer key (the registry's checkpoint key): PRIVATE+KEY+<name>+<hash>+<base64>.
  [/PRIVATE\+KEY\+[^\s+]+\+[0-9a-fA-F]{8}\+[A-Za-z0-9+/=]+/g, `${REDACTED} signer key`],
];

/** For failure messages and logs: registered credentials and anything shaped like one. */
export function redact(text: string): string {
  let out = redactGiven(text);
  for (const [re, by] of SHAPES) out = out.replace(re, by);
  return out;
}

/** `redact` applied to every string in a JSON-like value (error documents, log records). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
