// What clients send, checked: names, versions, tags, numbers, JSON bodies and pages (400 or 422 problems).
import { assertPackageName, assertTag, isSemver } from '@aam/core';
import { badRequest, RegistryError } from './problem.js';

/** The most items one page holds, whatever `limit` asks for. */
export const MAX_PAGE_SIZE = 200;

/** A page request: how many items, and the cursor's key to continue after (null: from the start). */
export interface Page {
  limit: number;
  after: string | null;
}

/** A page of a list, and the cursor of the next one (null: this is the last). */
export interface PageOf<T> {
  items: T[];
  next_cursor: string | null;
}

/** A valid package name (`name` or `@scope/name`), else 400. */
export function packageName(value: string | undefined): string {
  const name = value ?? '';
  try {
    assertPackageName(name);
  } catch {
    throw badRequest(`'${name}' is not a valid package name`);
  }
  return name;
}

/** A valid SemVer version, else 400. */
export function versionNumber(value: string | undefined): string {
  const v = value ?? '';
  if (!isSemver(v)) throw badRequest(`'${v}' is not a valid version`);
  return v;
}

/** A valid dist-tag name, else 422 `invalid_tag`. */
export function tagName(tag: string): string {
  try {
    assertTag(tag);
  } catch {
    throw new RegistryError(422, 'invalid_tag', `'${tag.slice(0, 40)}' is not a valid tag`);
  }
  return tag;
}

/** A non-negative integer written plainly (no sign, no leading zeros), else 400. */
export function wholeNumber(value: string | undefined, what: string): number {
  if (value === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(value))
    throw badRequest(`${what} must be a whole number`);
  return Number(value);
}

/** A JSON request body as an object; no body reads as `{}`. */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object');
  return body as Record<string, unknown>;
}

/** `?limit=&cursor=`: the cursor is the base64url of the last key seen, opaque to clients. */
export function pageRequest(query: Record<string, string | undefined>, defaultLimit: number): Page {
  const limit = query.limit === undefined ? defaultLimit : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  let after: string | null = null;
  if (query.cursor !== undefined) {
    after = /^[A-Za-z0-9_-]{1,200}$/.test(query.cursor)
      ? Buffer.from(query.cursor, 'base64url').toString('utf8')
      : '';
    if (after === '') throw badRequest('cursor is not valid');
  }
  return { limit, after };
}

/** The cursor that continues after `key`. */
export const cursorOf = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');
