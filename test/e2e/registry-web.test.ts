import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNoteKey, type SignatureVerifier } from '../../packages/core/dist/index.js';
import { startRegistry, type RunningRegistry } from '../../packages/registry-server/src/index.js';
import {
  browserSkipReason,
  launchChromium,
  rewritingProxy,
  type RewritingProxy,
} from '../support/browser.js';
import { buildArchive, call, createUser, expectStatus, publish, REPO } from '../support/registry-http.js';

/**
 * The registry's web pages: server-rendered HTML (search, packages, audit log, keys) with a strict CSP, and the
 * audit page's in-browser verification (the pinned key, the checkpoint's Ed25519 signature, every entry's
 * inclusion proof), in a real Chromium. Screenshots of each page go to test-output/screenshots/.
 */

const SCREENSHOTS = join(REPO, 'test-output', 'screenshots');
const skipBrowser = browserSkipReason();
if (skipBrowser) process.stderr.write(`registry-web: ${skipBrowser}\n`);

const DESCRIPTION = '<script>alert(1)</script> a widget & more';
const YANK_REASON = '<script>alert("yank")</script> broken build';
const SIGNER = '<img src=x onerror=alert(2)> alice@example.com';

/**
 * A stand-in for an author-signature plugin (the registry refuses signatures no verifier accepts): any
 * `test-sig` signature is valid, and its bytes are the identity it names.
 */
const testSignatures: SignatureVerifier = {
  type: 'test-sig',
  canVerify: (sig) => sig.declaredType === 'test-sig',
  verify: async (_artifact, sig) => ({
    type: 'test-sig',
    valid: true,
    errors: [],
    identity: Buffer.from(sig.bytes).toString('utf8'),
    fingerprint: 'SHA256:Jq0dXnU5MYAKyIC4TqhNyZuQLa8sDfAH2gnK1EzDbOo',
  }),
};

let reg: RunningRegistry;
let base = '';
let storage = '';

async function published(
  token: string,
  name: string,
  version: string,
  opts: { tag?: string; description?: string; signer?: string } = {},
): Promise<void> {
  const archive = await buildArchive(name, version, {
    salt: version,
    ...(opts.description ? { description: opts.description } : {}),
  });
  expectStatus(
    await publish(base, token, name, version, archive, {
      ...(opts.tag ? { tag: opts.tag } : {}),
      ...(opts.signer
        ? { fields: { signature_type: 'test-sig' }, files: { signature: Buffer.from(opts.signer, 'utf8') } }
        : {}),
    }),
    201,
  );
}

beforeAll(async () => {
  storage = mkdtempSync(join(tmpdir(), 'aam-web-'));
  reg = await startRegistry({ verifiers: [testSignatures], storage, port: 0 });
  base = reg.url;
  const alice = (await createUser(base, reg.adminToken!, 'alice')).token;
  // More entries (two per user), so that the proofs checked in the browser take many shapes (a 34-leaf tree).
  for (let i = 0; i < 10; i++) await createUser(base, reg.adminToken!, `user${i}`);
  await published(alice, 'web-demo', '1.0.0', { description: 'A demo package for the web pages' });
  await published(alice, 'web-demo', '1.1.0', { description: 'A demo package for the web pages' });
  await published(alice, 'web-demo', '1.2.0', {
    description: 'A demo package for the web pages',
    signer: SIGNER,
  });
  await published(alice, 'web-demo', '2.0.0-beta.1', {
    tag: 'beta',
    description: 'A demo package for the web pages',
  });
  await published(alice, '@acme/widget', '0.1.0', { description: DESCRIPTION, signer: 'bob@example.com' });
  await published(alice, 'other-thing', '3.0.0', { description: 'Unrelated tools' });
  const v = '/api/v1/packages/web-demo/versions';
  expectStatus(
    await call(base, 'PUT', `${v}/1.0.0/yank`, { token: alice, json: { reason: YANK_REASON } }),
    200,
  );
  expectStatus(
    await call(base, 'PUT', `${v}/1.1.0/deprecation`, {
      token: alice,
      json: { message: 'Use 1.2.0 or later' },
    }),
    200,
  );
  expectStatus(
    await call(base, 'PUT', '/api/v1/packages/web-demo/dist-tags/stable', {
      token: alice,
      json: { version: '1.2.0' },
    }),
    200,
  );
}, 60_000);

afterAll(async () => {
  await reg?.close();
  if (storage) rmSync(storage, { recursive: true, force: true });
});

const PAGES = ['/', '/search?q=widget', '/packages/web-demo', '/packages/@acme/widget', '/audit', '/keys'];
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

async function get(path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(new URL(path, base));
  return { status: r.status, headers: r.headers, text: await r.text() };
}

describe('registry web pages over HTTP', () => {
  it('every page is HTML with a strict CSP, nosniff and no-referrer', async () => {
    for (const path of PAGES) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy'), path).toBe(CSP);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(r.text, path).toMatch(/^<!doctype html>/);
      expect(r.text, path).toMatch(/<h1>[^<]+/);
    }
  });

  it('pages name no other origin and hold no inline script, style or event handler', async () => {
    for (const path of [...PAGES, '/no-such-page']) {
      const { text } = await get(path);
      const urls = [...text.matchAll(/\s(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]!);
      expect(urls.length, path).toBeGreaterThan(5);
      for (const u of urls) {
        const external = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(u) && !u.startsWith(base) && u !== 'data:,';
        expect(external, `${path}: ${u}`).toBe(false);
      }
      // No attribute names another origin (text such as an in-toto predicate type may be a URL: it is not loaded).
      expect(text, path).not.toMatch(/=\s*"?(?:https?:)?\/\/(?!127\.0\.0\.1[:/])/i);
      // Every <script> has a src from /-/web/; no <style>, no style= or on...= attribute.
      for (const m of text.matchAll(/<script\b([^>]*)>/g))
        expect(m[1], path).toMatch(/ src="\/-\/web\/verify\./);
      expect(text, path).not.toMatch(/<style\b|<[a-z][^>]*\s(?:style|on[a-z]+)=/i);
    }
  });

  it("what clients wrote is escaped: a description, a yank reason and a signer's identity render as text", async () => {
    const widget = (await get('/packages/@acme/widget')).text;
    expect(widget).toContain('&lt;script&gt;alert(1)&lt;/script&gt; a widget &amp; more');
    const demo = (await get('/packages/web-demo?version=1.0.0')).text;
    expect(demo).toContain('&lt;script&gt;alert(&quot;yank&quot;)&lt;/script&gt; broken build');
    const signed = (await get('/packages/web-demo?version=1.2.0')).text;
    expect(signed).toContain('&lt;img src=x onerror=alert(2)&gt; alice@example.com');
    const audit = (await get('/audit')).text;
    expect(audit).toContain('&lt;script&gt;alert(\\&quot;yank\\&quot;)&lt;/script&gt;');
    for (const text of [widget, demo, signed, audit]) {
      expect(text).not.toMatch(/<script>alert|<img src=x/);
    }
  });

  it('the stylesheet and script are served by the registry, content-hashed, cached for a year, with an ETag', async () => {
    const page = (await get('/audit')).text;
    const css = /href="(\/-\/web\/app\.[0-9a-f]{16}\.css)"/.exec(page)?.[1];
    const js = /src="(\/-\/web\/verify\.[0-9a-f]{16}\.js)"/.exec(page)?.[1];
    expect(css && js).toBeTruthy();
    for (const [path, type] of [
      [css!, 'text/css; charset=utf-8'],
      [js!, 'text/javascript; charset=utf-8'],
    ] as const) {
      const r = await fetch(new URL(path, base));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      const etag = r.headers.get('etag')!;
      expect(etag).toMatch(/^"sha256-/);
      expect((await fetch(new URL(path, base), { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    expect((await get('/-/web/app.0000000000000000.css')).status).toBe(404);
  });

  it('unknown pages, packages and versions are HTML errors; unknown /api/v1 routes keep problem+json', async () => {
    const cases: [string, number, string][] = [
      ['/no-such-page', 404, 'Not found'],
      ['/packages/no-such-package', 404, 'Package no-such-package not found'],
      ['/packages/@acme/nothing', 404, 'Package @acme/nothing not found'],
      ['/packages/web-demo?version=9.9.9', 404, 'web-demo@9.9.9 not found'],
      ['/packages/Not_A_Name', 400, 'is not a valid package name'],
      ['/audit?limit=0', 400, 'limit must be a whole number'],
    ];
    for (const [path, status, text] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(status);
      expect(r.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy'), path).toBe(CSP);
      expect(r.text, path).toContain(text);
    }
    const api = await get('/api/v1/no-such-route');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(api.text)).toMatchObject({ status: 404, code: 'route_not_found' });
    // The scoped name also works as one encoded segment, as in the API.
    expect((await get('/packages/@acme%2Fwidget')).status).toBe(200);
  });
});

// --- in Chromium ------------------------------------------------------------------------------------------

type Mark = { state: string | null; text: string };
type Focused = { tag: string; id: string; href: string; text: string; outline: string };

describe.skipIf(skipBrowser !== undefined)('registry web pages in Chromium', () => {
  let browser: Browser;
  let proxy: RewritingProxy;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    proxy = await rewritingProxy(base);
  }, 60_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await proxy?.close();
  });

  /** A fresh page (own storage) that fails the test on a CSP violation, a dialog or a request elsewhere. */
  async function newPage(opts: { javaScriptEnabled?: boolean; origin?: string } = {}): Promise<Page> {
    const context = await browser.newContext({
      javaScriptEnabled: opts.javaScriptEnabled ?? true,
      viewport: { width: 1200, height: 900 },
    });
    contexts.push(context);
    const page = await context.newPage();
    const origin = opts.origin ?? base;
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`request: ${r.url()}`);
    });
    (page as Page & { problems: string[] }).problems = problems;
    return page;
  }
  const problemsOf = (page: Page): string[] => (page as Page & { problems: string[] }).problems;

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  async function open(page: Page, path: string, origin = base): Promise<number> {
    const r = await page.goto(new URL(path, origin).href);
    return r?.status() ?? 0;
  }

  const h1 = (page: Page) => page.locator('h1').innerText();

  /** Pins `key` in the audit page's field, submits, and waits until the check has finished. */
  async function pinAndVerify(page: Page, key: string): Promise<void> {
    await page.fill('#pinned-key', key);
    await page.click('#pin-form button[type=submit]');
    await finished(page);
  }

  /** Waits until the audit page's check has finished (its summary says ✓, ✗ or unverified). */
  async function finished(page: Page): Promise<void> {
    await page.waitForSelector(
      ['ok', 'bad', 'unverified'].map((s) => `#verify-summary[data-state="${s}"]`).join(', '),
    );
  }

  const markOf = async (l: Locator): Promise<Mark> => ({
    state: await l.getAttribute('data-state'),
    text: (await l.textContent()) ?? '',
  });

  /** The audit page's marks: the checkpoint's, the summary's and each entry row's. */
  async function marks(
    page: Page,
  ): Promise<{ checkpoint: Mark; summary: Mark; entries: (Mark & { index: number })[] }> {
    const entries: (Mark & { index: number })[] = [];
    for (const row of await page.locator('tr[data-index]').all())
      entries.push({
        index: Number(await row.getAttribute('data-index')),
        ...(await markOf(row.locator('td.verify'))),
      });
    return {
      checkpoint: await markOf(page.locator('#checkpoint-status')),
      summary: await markOf(page.locator('#verify-summary')),
      entries,
    };
  }

  it('every page renders: headings and content, no CSP violation, nothing from elsewhere; screenshots', async () => {
    const page = await newPage();
    expect(await open(page, '/')).toBe(200);
    expect(await h1(page)).toBe(reg.audit.origin.replace(/\/audit$/, ''));
    const listed = await page.locator('ul.results a.name').allInnerTexts();
    expect(listed).toEqual(['@acme/widget', 'other-thing', 'web-demo']);
    await shot(page, 'home');

    expect(await open(page, '/packages/web-demo')).toBe(200);
    expect(await h1(page)).toBe('web-demo');
    const rows = await page.locator('#versions-h + table tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split(/\s/)[0])).toEqual(['2.0.0-beta.1', '1.2.0', '1.1.0', '1.0.0']);
    expect(rows[0]).toContain('beta');
    expect(rows[1]).toMatch(/latest/);
    expect(rows[1]).toMatch(/stable/);
    expect(rows[2]).toMatch(/deprecated[\s\S]*Deprecated: Use 1\.2\.0 or later/);
    expect(rows[3]).toMatch(/yanked[\s\S]*<script>alert\("yank"\)<\/script> broken build/);
    const main = await page.locator('main').innerText();
    expect(main).toContain('Version 1.2.0');
    expect(main).toMatch(/Checksum\s+sha256:[0-9a-f]{64}/);
    expect(main).toContain(SIGNER);
    expect(main).toContain('SHA256:Jq0dXnU5MYAKyIC4TqhNyZuQLa8sDfAH2gnK1EzDbOo');
    expect(main).toContain('https://aam.dev/attestations/publish/v1');
    expect(main).toMatch(/Key id\s+sha256:[0-9a-f]{64}/);
    expect(main).toMatch(
      /Author signature\s+test-sig, identity <img src=x onerror=alert\(2\)> alice@example.com/,
    );
    expect(main).toMatch(/Archive check\s+passed/);
    expect(main).toMatch(/Publish policy\s+accept/);
    await shot(page, 'package');

    expect(await open(page, '/packages/web-demo?version=1.0.0')).toBe(200);
    expect(await page.locator('main').innerText()).toMatch(
      /Yanked .*: <script>alert\("yank"\)<\/script> broken build/,
    );
    expect(await page.locator('main').innerText()).toContain('Unsigned: the author sent no signature');

    expect(await open(page, '/packages/@acme/widget')).toBe(200);
    expect(await h1(page)).toBe('@acme/widget');
    expect(await page.locator('p.lead').innerText()).toBe(DESCRIPTION);
    await shot(page, 'package-scoped');

    expect(await open(page, '/keys')).toBe(200);
    expect(await h1(page)).toBe('Keys');
    const keys = await page.locator('main').innerText();
    expect(keys).toContain(reg.audit.vkey);
    expect(keys).toContain('the server says');
    await shot(page, 'keys');

    expect(await open(page, '/no-such-page')).toBe(404);
    expect(await h1(page)).toBe('Not found');
    await shot(page, 'not-found');
    expect(problemsOf(page).filter((p) => !/404/.test(p))).toEqual([]);
  });

  it('search finds a package and not a non-match', async () => {
    const page = await newPage();
    await open(page, '/');
    await page.fill('#q', 'widget');
    await Promise.all([page.waitForURL(/\/search\?q=widget$/), page.press('#q', 'Enter')]);
    expect(await h1(page)).toBe('Packages matching “widget”');
    expect(await page.locator('ul.results a.name').allInnerTexts()).toEqual(['@acme/widget']);
    expect(await page.inputValue('#q')).toBe('widget');
    await shot(page, 'search');
    // By description too; and a query that matches nothing says so.
    await open(page, '/search?q=unrelated');
    expect(await page.locator('ul.results a.name').allInnerTexts()).toEqual(['other-thing']);
    await open(page, '/search?q=zzz-nothing');
    expect(await page.locator('ul.results').count()).toBe(0);
    expect(await page.locator('main').innerText()).toContain('No package matches “zzz-nothing”');
    expect(problemsOf(page)).toEqual([]);
  });

  it('with JavaScript off every page is readable and the audit page says it needs JavaScript', async () => {
    const page = await newPage({ javaScriptEnabled: false });
    for (const path of PAGES) {
      expect(await open(page, path), path).toBe(200);
      expect((await h1(page)).length, path).toBeGreaterThan(0);
    }
    await open(page, '/audit');
    const m = await marks(page);
    expect(m.checkpoint.text).toBe('Checkpoint: not verified (needs JavaScript)');
    expect(m.entries.length).toBeGreaterThan(10);
    for (const e of m.entries) expect(e.text).toBe('not verified (needs JavaScript)');
    expect(await page.locator('main pre').innerText()).toMatch(/^aam-registry\/audit\n\d+\n/);
    await shot(page, 'audit-no-js');
    // The search form works without script too.
    await open(page, '/');
    await page.fill('#q', 'demo');
    await Promise.all([page.waitForURL(/\/search\?q=demo$/), page.press('#q', 'Enter')]);
    expect(await page.locator('ul.results a.name').allInnerTexts()).toEqual(['web-demo']);
  });

  it('the audit page, with the right key pinned, verifies the checkpoint ✓ and every entry ✓, and keeps the key', async () => {
    const page = await newPage();
    expect(await open(page, '/audit')).toBe(200);
    // Nothing pinned yet: never the server's key.
    await finished(page);
    expect(await page.inputValue('#pinned-key')).toBe('');
    let m = await marks(page);
    expect(m.checkpoint.state).toBe('bad');
    expect(m.checkpoint.text).toContain('no key is pinned');
    for (const e of m.entries) expect(e.state).toBe('unverified');

    await pinAndVerify(page, reg.audit.vkey);
    m = await marks(page);
    expect(m.checkpoint.state).toBe('ok');
    expect(m.checkpoint.text).toMatch(/^✓ Checkpoint verified: signed by the pinned key aam-registry\/audit/);
    expect(m.checkpoint.text).toMatch(/signed at \d{4}-/);
    expect(m.entries.length).toBeGreaterThan(30);
    for (const e of m.entries) {
      expect(e.state, `entry ${e.index}`).toBe('ok');
      expect(e.text).toMatch(/^✓ in the log/);
    }
    expect(m.summary.text).toBe(
      `✓ ${m.entries.length} of ${m.entries.length} entries shown verified, 0 failed.`,
    );
    await shot(page, 'audit');

    // Reloaded: the key comes back from localStorage and the check runs by itself.
    await page.reload();
    await finished(page);
    expect(await page.inputValue('#pinned-key')).toBe(reg.audit.vkey);
    expect((await marks(page)).checkpoint.state).toBe('ok');

    // Filters and paging as the API's, verified the same way.
    await open(page, '/audit?event=version.yank');
    await finished(page);
    m = await marks(page);
    expect(m.entries).toHaveLength(1);
    expect(m.entries[0]!.state).toBe('ok');
    await open(page, '/audit?limit=5');
    await finished(page);
    expect((await marks(page)).entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    await Promise.all([page.waitForURL(/cursor=/), page.click('a[rel=next]')]);
    await finished(page);
    m = await marks(page);
    expect(m.entries.map((e) => e.index)).toEqual([5, 6, 7, 8, 9]);
    expect(m.entries.every((e) => e.state === 'ok')).toBe(true);
    expect(problemsOf(page)).toEqual([]);
  });

  it('a wrong or malformed pinned key: checkpoint ✗ and no entry verified', async () => {
    const page = await newPage();
    await open(page, '/audit');
    await finished(page);
    const other = generateNoteKey('aam-registry/audit').vkey;
    await pinAndVerify(page, other);
    let m = await marks(page);
    expect(m.checkpoint.state).toBe('bad');
    expect(m.checkpoint.text).toMatch(/^✗ Checkpoint not verified: no signature by the pinned key/);
    expect(m.summary.state).toBe('bad');
    for (const e of m.entries) expect(e.state).toBe('unverified');
    await shot(page, 'audit-wrong-key');

    // The server's key with its key hash changed: refused before anything is fetched.
    const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(reg.audit.vkey)!;
    const badId = ((parseInt(id!, 16) ^ 1) >>> 0).toString(16).padStart(8, '0');
    await pinAndVerify(page, `${name}+${badId}+${key}`);
    m = await marks(page);
    expect(m.checkpoint.state).toBe('bad');
    expect(m.checkpoint.text).toContain('key hash does not match its name and public key');
    for (const e of m.entries) expect(e.state).toBe('unverified');
  });

  it('through a rewriting proxy: an altered inclusion proof marks that entry ✗, the others ✓', async () => {
    const target = 5;
    proxy.rewrite = (path, body) => {
      if (!path.startsWith(`/api/v1/audit/proof/inclusion?index=${target}&`)) return undefined;
      const doc = JSON.parse(body.toString('utf8')) as { hashes: string[] };
      const h = Buffer.from(doc.hashes[0]!, 'base64');
      h[7]! ^= 0x01;
      doc.hashes[0] = h.toString('base64');
      return Buffer.from(JSON.stringify(doc));
    };
    try {
      const page = await newPage({ origin: proxy.url });
      await open(page, '/audit', proxy.url);
      await pinAndVerify(page, reg.audit.vkey);
      const m = await marks(page);
      expect(proxy.rewritten).toBeGreaterThan(0);
      expect(m.checkpoint.state).toBe('ok');
      for (const e of m.entries) {
        if (e.index === target) {
          expect(e.state).toBe('bad');
          expect(e.text).toBe("✗ not verified: the inclusion proof does not lead to the checkpoint's root");
        } else expect(e.state, `entry ${e.index}`).toBe('ok');
      }
      expect(m.summary.text).toMatch(/^✗ \d+ of \d+ entries shown verified, 1 failed\.$/);
      await shot(page, 'audit-tampered-proof');
    } finally {
      proxy.rewrite = undefined;
    }
  });

  it('through a rewriting proxy: an altered checkpoint root or signature marks the checkpoint ✗', async () => {
    const alter: Record<string, (lines: string[]) => void> = {
      root: (lines) => {
        const root = Buffer.from(lines[2]!, 'base64');
        root[0]! ^= 0x80;
        lines[2] = root.toString('base64');
      },
      signature: (lines) => {
        const at = lines.findIndex((l) => l.startsWith('— '));
        const [dash, name, blob] = lines[at]!.split(' ') as [string, string, string];
        const bytes = Buffer.from(blob, 'base64');
        bytes[20]! ^= 0x01;
        lines[at] = `${dash} ${name} ${bytes.toString('base64')}`;
      },
    };
    const page = await newPage({ origin: proxy.url });
    try {
      for (const [what, change] of Object.entries(alter)) {
        proxy.rewrite = (path, body) => {
          if (path.split('?')[0] !== '/api/v1/audit/checkpoint') return undefined;
          const lines = body.toString('utf8').split('\n');
          change(lines);
          return Buffer.from(lines.join('\n'), 'utf8');
        };
        await open(page, '/audit', proxy.url);
        await pinAndVerify(page, reg.audit.vkey);
        const m = await marks(page);
        expect(m.checkpoint.state, what).toBe('bad');
        expect(m.checkpoint.text, what).toMatch(
          /^✗ Checkpoint not verified: the signature by the pinned key does not verify/,
        );
        for (const e of m.entries) expect(e.state, `${what}: entry ${e.index}`).toBe('unverified');
        await shot(page, `audit-tampered-checkpoint-${what}`);
      }
    } finally {
      proxy.rewrite = undefined;
    }
  });

  it('through a rewriting proxy: a row that shows something else than its entry is ✗', async () => {
    // The page claims entry 1 was made by "mallory" (the body, and so the proof, are left alone).
    proxy.rewrite = (path, body) => {
      if (path.split('?')[0] !== '/audit') return undefined;
      const text = body.toString('utf8');
      const row = text.indexOf('id="entry-1"');
      const at = text.indexOf('>registry</a>', row);
      return Buffer.from(
        `${text.slice(0, at)}>mallory</a>${text.slice(at + '>registry</a>'.length)}`,
        'utf8',
      );
    };
    try {
      const page = await newPage({ origin: proxy.url });
      await open(page, '/audit', proxy.url);
      await pinAndVerify(page, reg.audit.vkey);
      const m = await marks(page);
      expect(m.checkpoint.state).toBe('ok');
      expect(m.entries.find((e) => e.index === 1)).toMatchObject({
        state: 'bad',
        text: "✗ not verified: the row shows a actor that is not the entry's own",
      });
      expect(m.entries.filter((e) => e.state === 'ok')).toHaveLength(m.entries.length - 1);
    } finally {
      proxy.rewrite = undefined;
    }
  });

  it('keyboard only: skip link, Tab to search, type, Enter; Tab to a result, Enter', async () => {
    const page = await newPage();
    await open(page, '/');
    // What has the focus, and whether it is drawn (a string: the test build has no DOM types).
    const focused = () =>
      page.evaluate<Focused>(`(() => {
        const el = document.activeElement;
        const style = el ? getComputedStyle(el) : null;
        return {
          tag: el ? el.tagName : '',
          id: el ? el.id : '',
          href: (el && el.getAttribute('href')) || '',
          text: ((el && el.textContent) || '').trim(),
          outline: style ? style.outlineStyle + ' ' + style.outlineWidth : '',
        };
      })()`);

    // The first Tab reaches the skip link (visibly focused); Enter moves focus to the main content.
    await page.keyboard.press('Tab');
    let f = await focused();
    expect(f).toMatchObject({ tag: 'A', href: '#main', text: 'Skip to content' });
    expect(f.outline).not.toMatch(/^none|0px$/);
    await page.keyboard.press('Enter');
    expect((await focused()).id).toBe('main');

    // From the top again: Tab through the header to the search field.
    await open(page, '/');
    const path: string[] = [];
    for (let i = 0; i < 10 && f.id !== 'q'; i++) {
      await page.keyboard.press('Tab');
      f = await focused();
      expect(['A', 'INPUT', 'BUTTON'], `${i}: ${JSON.stringify(f)}`).toContain(f.tag);
      expect(f.outline).not.toMatch(/^none|0px$/);
      path.push(f.href || f.id);
    }
    expect(f.id).toBe('q');
    expect(path).toEqual(['#main', '/', '/', '/audit', '/keys', 'q']);
    await page.keyboard.type('widget');
    await Promise.all([page.waitForURL(/\/search\?q=widget$/), page.keyboard.press('Enter')]);
    expect(await h1(page)).toBe('Packages matching “widget”');

    for (let i = 0; i < 15 && f.href !== '/packages/@acme/widget'; i++) {
      await page.keyboard.press('Tab');
      f = await focused();
      expect(f.tag).not.toBe('BODY');
    }
    expect(f).toMatchObject({ tag: 'A', href: '/packages/@acme/widget', text: '@acme/widget' });
    await Promise.all([page.waitForURL(/\/packages\/@acme\/widget$/), page.keyboard.press('Enter')]);
    expect(await h1(page)).toBe('@acme/widget');
    await shot(page, 'keyboard-package');
    expect(problemsOf(page)).toEqual([]);
  });
});
