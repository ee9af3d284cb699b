import { STYLESHEET, type WebAsset } from './assets.js';
import { markup, type Html, type HtmlValue } from './html.js';

/** Which top-level section a page belongs to (marked `aria-current` in the navigation). */
export type Section = 'packages' | 'audit' | 'keys' | 'other';

export interface Frame {
  /** The registry's name (the site's title). */
  registry: string;
  /** The page's own title (before the registry's name in `<title>`). */
  title: string;
  section: Section;
  /** What the header's search field shows (the search page's query). */
  query?: string;
  /** Scripts the page needs (served from the registry, `defer`). */
  scripts?: WebAsset[];
}

const navLink = (href: string, label: string, current: boolean): Html =>
  markup`<li><a href="${href}"${current ? markup` aria-current="page"` : ''}>${label}</a></li>`;

/**
 * The whole document: a skip link, the header (name, navigation, search), the page in `<main>`, a footer. Readable
 * without JavaScript; no inline style or script (the CSP forbids them), nothing from another origin.
 */
export function layout(frame: Frame, main: HtmlValue): string {
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${frame.title} · ${frame.registry}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET.path}">
${(frame.scripts ?? []).map((s) => markup`<script src="${s.path}" defer></script>\n`)}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<a class="brand" href="/">${frame.registry}</a>
<nav aria-label="Main">
<ul>
${navLink('/', 'Packages', frame.section === 'packages')}
${navLink('/audit', 'Audit log', frame.section === 'audit')}
${navLink('/keys', 'Keys', frame.section === 'keys')}
</ul>
</nav>
<form class="search" role="search" action="/search" method="get">
<label for="q" class="visually-hidden">Search packages</label>
<input id="q" name="q" type="search" value="${frame.query ?? ''}" placeholder="Search packages" autocomplete="off">
<button type="submit">Search</button>
</form>
</header>
<main id="main" tabindex="-1">
${main}
</main>
<footer class="site">
<p>${frame.registry}: an AAM package registry. Machine-readable API under <code>/api/v1</code>; every change is
recorded in the <a href="/audit">audit log</a>.</p>
</footer>
</body>
</html>
`.text;
}

/** A timestamp as `2026-05-14 10:20 UTC`, with the exact value in `datetime`. */
export function when(iso: string | null | undefined): Html {
  if (!iso) return markup``;
  const shown = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso)
    ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
    : iso;
  return markup`<time datetime="${iso}">${shown}</time>`;
}

/** A definition list of facts (rows with no value are left out). */
export function facts(rows: [string, HtmlValue][]): Html {
  const shown = rows.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return markup`<dl class="facts">${shown.map(([k, v]) => markup`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}
