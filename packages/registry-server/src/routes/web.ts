import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { packageName, pageRequest, versionNumber, wholeNumber } from '../input.js';
import { notFound, RegistryError } from '../problem.js';
import { auditEntries, latestCheckpoint } from '../services/audit-log.js';
import { registryKeys } from '../services/keys.js';
import { attestationDocuments, packageDocument, searchPackages } from '../services/packages.js';
import { ASSETS, VERIFY_SCRIPT } from '../web/assets.js';
import { auditPage, type AuditView } from '../web/audit-page.js';
import type { Html } from '../web/html.js';
import { layout, type Frame } from '../web/layout.js';
import { defaultVersion, packagePage } from '../web/package-page.js';
import { errorPage, homePage, keysPage, searchPage } from '../web/pages.js';
import type { RouteOptions } from './request.js';

/** Scripts and styles only from the registry itself, nothing inline, no other origin, no framing. */
export const WEB_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

type WebReq = FastifyRequest<{
  Querystring: Record<string, string | undefined>;
  Params: { file?: string };
}>;

/** A rendered page: its status, its frame (title, section) and its `<main>`. */
interface Page {
  status?: number;
  /** e.g. `retry-after` when the database or the store is down (503). */
  headers?: Record<string, string>;
  frame: Omit<Frame, 'registry'>;
  main: Html;
}

function secured(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', WEB_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff');
}

const HEADINGS: Record<number, string> = {
  400: 'Bad request',
  403: 'Forbidden',
  404: 'Not found',
  429: 'Too many requests',
};

/** An error as a page: the registry's own errors say what they say; anything else is logged and not shown. */
function errorOf(e: unknown, log: FastifyBaseLogger): Page {
  if (!(e instanceof RegistryError) || e.status >= 500) log.error(e);
  const status = e instanceof RegistryError ? e.status : 500;
  const detail = e instanceof RegistryError && status < 500 ? e.message : 'Internal error';
  const unavailable = e instanceof RegistryError && status === 503;
  const heading =
    HEADINGS[status] ??
    (unavailable ? 'Temporarily unavailable' : status >= 500 ? 'Something went wrong' : 'Error');
  return {
    status,
    ...(e instanceof RegistryError ? { headers: e.headers } : {}),
    frame: { title: heading, section: 'other' },
    // A part that is down is said as such (it is temporary); other server errors stay unexplained.
    main: errorPage(status, heading, unavailable ? e.message : detail),
  };
}

/** The package name in `/packages/<name>` (`@scope/name` as two path segments, or with `%2F`). */
function packageFromPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  let rest: string;
  try {
    rest = decodeURIComponent(path.slice('/packages/'.length));
  } catch {
    rest = '';
  }
  return packageName(rest.replace(/\/+$/, ''));
}

/**
 * The registry's web pages: server-rendered HTML at `/` (search, packages, the audit log with its in-browser
 * verification, the keys), readable without JavaScript. Data comes from the same services as the JSON API, read
 * anonymously (so what is visible is exactly what the API shows an anonymous client). Every page gets a strict
 * CSP; the stylesheet and the audit page's script are served from `/-/web/` under content-hashed names.
 */
export const webRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  const send = (reply: FastifyReply, page: Page): string => {
    void secured(reply)
      .headers(page.headers ?? {})
      .code(page.status ?? 200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache');
    return layout({ registry: ctx.name, ...page.frame }, page.main);
  };

  /** A page handler: its errors become error pages (HTML), not problem documents. */
  const page =
    (render: (req: WebReq) => Promise<Page>) =>
    async (req: WebReq, reply: FastifyReply): Promise<string> => {
      let result: Page;
      try {
        result = await render(req);
      } catch (e) {
        result = errorOf(e, req.log);
      }
      return send(reply, result);
    };

  app.get(
    '/',
    page(async () => ({
      frame: { title: 'Packages', section: 'packages' },
      main: homePage(ctx.name, await searchPackages(ctx, '', { limit: 50, after: null })),
    })),
  );

  app.get(
    '/search',
    page(async (req) => {
      const q = req.query.q ?? '';
      const results = await searchPackages(ctx, q, pageRequest(req.query, 20));
      return {
        frame: { title: q ? `Search: ${q}` : 'All packages', section: 'packages', query: q },
        main: searchPage(q, results),
      };
    }),
  );

  app.get('/packages', async (_req, reply) => reply.redirect('/'));

  app.get(
    '/packages/*',
    page(async (req) => {
      const pkg = packageFromPath(req.url);
      const wanted = req.query.version === undefined ? undefined : versionNumber(req.query.version);
      const doc = await packageDocument(ctx, undefined, pkg);
      const chosen =
        wanted === undefined ? defaultVersion(doc) : doc.versions.find((v) => v.version === wanted);
      if (!chosen) throw notFound(`${pkg}@${wanted ?? ''}`, 'version_not_found');
      const attestations = (await attestationDocuments(ctx, undefined, pkg, chosen.version)).attestations;
      return {
        frame: { title: `${pkg}@${chosen.version}`, section: 'packages' },
        main: packagePage(doc, chosen, attestations),
      };
    }),
  );

  app.get(
    '/audit',
    page(async (req) => {
      const { package: pkg, event, actor, from, cursor, limit } = req.query;
      const view: AuditView = { package: pkg, event, actor, from, cursor, limit };
      // As `GET /api/v1/audit/entries`: `from=N` starts at index N, else the cursor continues a page.
      const paging = pageRequest(req.query, 50);
      if (from !== undefined && paging.after === null) {
        const start = wholeNumber(from, 'from');
        if (start > 0) paging.after = String(start - 1);
      }
      const entries = await auditEntries(ctx, { package: pkg, event, actor }, paging);
      const checkpoint = await latestCheckpoint(ctx);
      return {
        frame: { title: 'Audit log', section: 'audit', scripts: [VERIFY_SCRIPT] },
        main: auditPage({ view, entries: entries.items, nextCursor: entries.next_cursor, checkpoint }),
      };
    }),
  );

  app.get(
    '/keys',
    page(async () => ({
      frame: { title: 'Keys', section: 'keys' },
      main: keysPage((await registryKeys(ctx)).keys),
    })),
  );

  app.get('/-/web/:file', async (req: WebReq, reply) => {
    const asset = ASSETS.get(req.params.file ?? '');
    if (!asset) return send(reply, errorOf(notFound('This file'), req.log));
    void secured(reply)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', asset.etag)
      .type(asset.type);
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });

  // Any other GET: an HTML 404 for web paths; `/api/...` keeps the API's problem+json 404 (the app's handler).
  app.get('/*', async (req: WebReq, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (path === '/api' || path.startsWith('/api/')) return reply.callNotFound();
    return send(reply, errorOf(notFound(`The page ${path}`, 'page_not_found'), req.log));
  });
};
