import type { FastifyRequest } from 'fastify';
import { packageName, versionNumber } from '../input.js';
import type { RegistryContext } from '../services/context.js';

type Params = { pkg?: string; ver?: string; tag?: string; user?: string; id?: string };

/** A request as the handlers read it: URL parameters by name, single-valued query parameters, a JSON body. */
export type Req = FastifyRequest<{
  Params: Params;
  Querystring: Record<string, string | undefined>;
  Body: unknown;
}>;

/** What each route module is registered with. */
export interface RouteOptions {
  ctx: RegistryContext;
}

/** `:pkg`, a valid package name (`@scope/name` arrives as one parameter: see the URL rewrite in app.ts). */
export const packageParam = (req: Req): string => packageName(req.params.pkg);

/** `:ver`, a valid SemVer version. */
export const versionParam = (req: Req): string => versionNumber(req.params.ver);
