import { createHash } from 'node:crypto';
import { STYLE_CSS } from './style.js';
import { VERIFY_JS } from './verify-script.js';

/** A static file of the web pages, served from `/-/web/<file>` (its content hash in the name). */
export interface WebAsset {
  /** `app.<hash>.css`: a new build with other content gets a new URL, so it can be cached for a year. */
  file: string;
  path: string;
  type: string;
  body: Buffer;
  etag: string;
}

function asset(base: string, ext: string, type: string, text: string): WebAsset {
  const body = Buffer.from(text, 'utf8');
  const digest = createHash('sha256').update(body).digest();
  const file = `${base}.${digest.toString('hex').slice(0, 16)}.${ext}`;
  return { file, path: `/-/web/${file}`, type, body, etag: `"sha256-${digest.toString('base64')}"` };
}

export const STYLESHEET = asset('app', 'css', 'text/css; charset=utf-8', STYLE_CSS);
export const VERIFY_SCRIPT = asset('verify', 'js', 'text/javascript; charset=utf-8', VERIFY_JS);

/** The assets by file name. */
export const ASSETS: ReadonlyMap<string, WebAsset> = new Map(
  [STYLESHEET, VERIFY_SCRIPT].map((a) => [a.file, a]),
);
