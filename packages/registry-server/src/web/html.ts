/**
 * HTML built only through the `markup` tagged template: every interpolated value is escaped unless it is itself
 * `Html` (the output of another `markup` template). (Named `markup`, not `html`, so that Prettier leaves the
 * templates' whitespace alone: the audit page's script compares cell text exactly.) There is no way to insert a raw string, so anything a client
 * sent (a package description, a yank reason, an audit entry) reaches the page as text. Attribute values are
 * always written in double quotes by the templates, and `"` and `'` are escaped too, so a value is safe in an
 * attribute as well as in text.
 */

/** Held only by this module: no other code can make `Html` out of a raw string. */
const MINT = Symbol('html');

/** A piece of HTML that was built by `markup` (and so holds nothing unescaped but the templates' own markup). */
export class Html {
  constructor(
    mint: symbol,
    readonly text: string,
  ) {
    if (mint !== MINT) throw new TypeError('Html is made by the markup template only');
  }

  toString(): string {
    return this.text;
  }
}

/** What a template may interpolate: text (escaped), numbers, Html, lists of these; null, undefined, booleans: nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text escaped for HTML text and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(v: HtmlValue): string {
  if (v instanceof Html) return v.text;
  if (v === null || v === undefined || typeof v === 'boolean') return '';
  if (typeof v === 'number') return escapeHtml(String(v));
  if (typeof v === 'string') return escapeHtml(v);
  return v.map(render).join('');
}

/** The tagged template: `markup\`<p>${text}</p>\`` escapes `text`. */
export function markup(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(MINT, out);
}

/** A URL query string from parameters (unset and empty ones left out), with its `?` (or '' when none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The web path of a package's page: `/packages/name` or `/packages/@scope/name` (each part URL-encoded). */
export function packagePath(name: string): string {
  return `/packages/${name
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/^%40/, '@'))
    .join('/')}`;
}
