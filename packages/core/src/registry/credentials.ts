import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { registerSecret } from '../redact.js';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import writeFileAtomic from 'write-file-atomic';
import { isMap, parseDocument, stringify } from 'yaml';
import { aamHome } from '../config/paths.js';
import { lockDirectory } from '../directory-lock.js';
import { AamError } from '../errors.js';

/**
 * Registry tokens: `$AAM_HOME/credentials.yaml`, a mapping of registry name → token, mode 0600, written through
 * a temp file + rename. `AAM_TOKEN` overrides it for every HTTP registry (CI).
 */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(aamHome(env), 'credentials.yaml');
}

export interface RegistryToken {
  token: string;
  source: 'AAM_TOKEN' | 'credentials';
}

const HEADER =
  '# aam registry tokens (registry name: token). Written by aam login; keep this file private (mode 0600).\n';

/** The stored tokens; a missing file is none. */
export function readCredentials(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const file = credentialsPath(env);
  if (!existsSync(file)) return {};
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents)))
    throw new AamError('INVALID_CONFIG', `${file} is not a mapping of registry name to token`);
  const out: Record<string, string> = {};
  for (const [name, token] of Object.entries((doc.toJS() ?? {}) as Record<string, unknown>)) {
    if (typeof token !== 'string' || token === '')
      throw new AamError('INVALID_CONFIG', `${file}: the token of '${name}' is not a string`);
    out[name] = token;
  }
  return out;
}

/** The token to send to a registry: `$AAM_TOKEN`, else the one `aam login` stored. */
export function registryToken(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): RegistryToken | undefined {
  if (env.AAM_TOKEN) {
    registerSecret(env.AAM_TOKEN);
    return { token: env.AAM_TOKEN.trim(), source: 'AAM_TOKEN' };
  }
  const token = readCredentials(env)[registry];
  registerSecret(token);
  return token === undefined ? undefined : { token, source: 'credentials' };
}

/**
 * Whether a string has the shape of an aam registry token: `aam_` + 43 base62 + `_` + the base62 CRC32 of the
 * rest, so a mistyped or truncated token is refused before it is sent anywhere.
 */
export function tokenLooksValid(token: string): boolean {
  const m = /^(aam_[0-9A-Za-z]{43})_([0-9A-Za-z]{6})$/.exec(token);
  if (!m) return false;
  let n = crc32(m[1]!) >>> 0;
  let sum = '';
  const b62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  while (n > 0) {
    sum = b62[n % 62]! + sum;
    n = Math.floor(n / 62);
  }
  return sum.padStart(6, '0') === m[2];
}

async function editCredentials(
  env: NodeJS.ProcessEnv,
  change: (tokens: Record<string, string>) => void,
): Promise<void> {
  const home = aamHome(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const release = await lockDirectory(
    home,
    '.credentials.lock',
    'Another aam login/logout is running',
    10_000,
  );
  try {
    const tokens = readCredentials(env);
    change(tokens);
    const body = Object.keys(tokens).length ? stringify(tokens, { lineWidth: 0 }) : '{}\n';
    await writeFileAtomic(credentialsPath(env), HEADER + body, {
      encoding: 'utf8',
      mode: 0o600,
      fsync: true,
    });
  } finally {
    await release();
  }
}

/** Stores (or replaces) a registry's token. */
export async function storeRegistryToken(
  registry: string,
  token: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  await editCredentials(env, (tokens) => {
    tokens[registry] = token;
  });
}

/** Forgets a registry's token; false if none was stored. */
export async function removeRegistryToken(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  if (!(registry in readCredentials(env))) return false;
  let removed = false;
  await editCredentials(env, (tokens) => {
    removed = registry in tokens;
    delete tokens[registry];
  });
  return removed;
}
