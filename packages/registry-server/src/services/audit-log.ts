import { cursorOf, type Page, type PageOf } from '../input.js';
import { badRequest, notFound } from '../problem.js';
import { Repository, type EntryFilter, type EntryRow } from '../repository/index.js';
import type { RegistryContext } from './context.js';

/** An audit entry as served: its canonical JSON body and the leaf hash the tree holds. */
export interface EntryDocument {
  index: number;
  body: string;
  body_base64: string;
  leaf_hash: string;
}

const entryDocument = (r: EntryRow): EntryDocument => ({
  index: Number(r.idx),
  body: Buffer.from(r.body).toString('utf8'),
  // The exact stored bytes (`body` is their UTF-8 reading; evidence needs the bytes themselves).
  body_base64: Buffer.from(r.body).toString('base64'),
  leaf_hash: Buffer.from(r.leaf_hash).toString('base64'),
});

/** The latest signed checkpoint (a C2SP note), with the time it is served at signed on it. */
export async function latestCheckpoint(ctx: RegistryContext): Promise<string> {
  return ctx.audit.withSignedTime((await ctx.db.read((q) => ctx.audit.head(q))).checkpoint);
}

/** The proof that entry `index` is in the tree of `size` entries (RFC 6962). */
export async function inclusionProof(ctx: RegistryContext, index: number, size: number) {
  return ctx.db.read(async (q) => {
    const head = await ctx.audit.head(q);
    if (index >= size || size > head.size)
      throw badRequest(`Need index < tree_size <= ${head.size} (the log's size)`);
    const hashes = await ctx.audit.inclusion(q, index, size);
    return { index, tree_size: size, hashes: hashes.map((h) => h.toString('base64')) };
  });
}

/** The proof that the tree of `from` entries is a prefix of the tree of `to` entries (RFC 6962). */
export async function consistencyProof(ctx: RegistryContext, from: number, to: number) {
  return ctx.db.read(async (q) => {
    const head = await ctx.audit.head(q);
    if (from < 1 || from > to || to > head.size) throw badRequest(`Need 0 < from <= to <= ${head.size}`);
    const hashes = await ctx.audit.consistency(q, from, to);
    return { from, to, hashes: hashes.map((h) => h.toString('base64')) };
  });
}

/** A page of entries, in log order, optionally only a package's, an event's or an actor's. */
export async function auditEntries(
  ctx: RegistryContext,
  filter: Omit<EntryFilter, 'afterIndex'>,
  { limit, after }: Page,
): Promise<PageOf<EntryDocument>> {
  if (after !== null && !/^(0|[1-9][0-9]{0,15})$/.test(after)) throw badRequest('cursor is not valid');
  const rows = await ctx.db.read((q) =>
    new Repository(q).auditLog.entries(
      { ...filter, afterIndex: after === null ? undefined : Number(after) },
      limit + 1,
    ),
  );
  const items = rows.slice(0, limit).map(entryDocument);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last ? cursorOf(String(last.index)) : null };
}

/** One entry by index (404 beyond the log). */
export async function auditEntry(ctx: RegistryContext, index: number): Promise<EntryDocument> {
  const row = await ctx.db.read((q) => new Repository(q).auditLog.entry(index));
  if (!row) throw notFound(`Audit entry ${index}`, 'entry_not_found');
  return entryDocument(row);
}
