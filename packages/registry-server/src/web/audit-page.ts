import { packageOfTarget, parseAuditEntry, type AuditEventName } from '@aam/core';
import type { EntryDocument } from '../services/audit-log.js';
import { markup, packagePath, query, type Html } from './html.js';

/** The events a registry records, for the filter's choices. */
const EVENTS: readonly AuditEventName[] = [
  'package.publish',
  'version.yank',
  'version.unyank',
  'version.deprecate',
  'tag.set',
  'tag.remove',
  'version.approve',
  'version.reject',
  'ownership.transfer',
  'owner.add',
  'owner.remove',
  'token.create',
  'token.revoke',
  'user.create',
  'key.create',
  'key.rotate',
];

/** What the audit page lists: the API's filters and paging (`/api/v1/audit/entries`). */
export interface AuditView {
  package?: string | undefined;
  event?: string | undefined;
  actor?: string | undefined;
  /** `from=N`: entries from index N on. */
  from?: string | undefined;
  cursor?: string | undefined;
  limit?: string | undefined;
}

export interface AuditPageData {
  view: AuditView;
  entries: EntryDocument[];
  nextCursor: string | null;
  /** The checkpoint note the server serves now (shown as its claim; the script verifies its own fetch). */
  checkpoint: string;
}

const NOT_VERIFIED = 'not verified (needs JavaScript)';

/** The size line of a checkpoint note (0 if it cannot be read: only used for the "newest entries" link). */
function sizeOf(checkpoint: string): number {
  const line = checkpoint.split('\n')[1] ?? '';
  return /^(0|[1-9][0-9]*)$/.test(line) ? Number(line) : 0;
}

/**
 * One entry: every shown field straight from its body (the script checks that the cells' text is the body's
 * own, so no whitespace inside a `data-field` cell), and the body bytes themselves in `data-body` for the script
 * to hash: it never uses the server's leaf hash.
 */
function entryRow(e: EntryDocument): Html {
  const body = parseAuditEntry(e.body);
  const pkg = body?.package;
  const cells = body
    ? markup`<td data-field="timestamp"><time datetime="${body.timestamp}">${body.timestamp}</time></td>
<td data-field="event">${body.event}</td>
<td data-field="actor"><a href="/audit${query({ actor: body.actor })}">${body.actor}</a></td>
<td data-field="package">${pkg === undefined ? '' : markup`<a href="${packagePath(packageOfTarget(pkg))}">${pkg}</a>`}</td>
<td class="meta" data-field="metadata"><code>${JSON.stringify(body.metadata)}</code></td>`
    : markup`<td data-field="timestamp"></td><td data-field="event"></td><td data-field="actor"></td><td data-field="package"></td>
<td class="meta" data-field="metadata"><code>${e.body}</code> <span class="muted">(not an entry of the usual shape)</span></td>`;
  return markup`<tr id="entry-${e.index}" data-index="${e.index}" data-body="${e.body_base64}">
<th scope="row" data-field="index">${e.index}</th>
${cells}
<td class="verify" data-state="nojs">${NOT_VERIFIED}</td>
</tr>
`;
}

function filtersForm(view: AuditView): Html {
  const events =
    view.event && !EVENTS.includes(view.event as AuditEventName) ? [...EVENTS, view.event] : EVENTS;
  return markup`<form class="filters" action="/audit" method="get" aria-label="Filter entries">
<div><label for="f-package">Package</label><input id="f-package" name="package" type="text" value="${view.package ?? ''}" placeholder="@scope/name" autocomplete="off"></div>
<div><label for="f-event">Event</label><select id="f-event" name="event">
<option value="">any event</option>
${events.map((ev) => markup`<option value="${ev}"${ev === view.event ? markup` selected` : ''}>${ev}</option>\n`)}</select></div>
<div><label for="f-actor">Actor</label><input id="f-actor" name="actor" type="text" value="${view.actor ?? ''}" placeholder="user name" autocomplete="off"></div>
<div><button type="submit">Filter</button></div>
<div><a href="/audit">Clear filters</a></div>
</form>`;
}

function pager(data: AuditPageData): Html {
  const { view } = data;
  const filters = { package: view.package, event: view.event, actor: view.actor, limit: view.limit };
  const limit = view.limit ? Number(view.limit) : 50;
  const newest = Math.max(0, sizeOf(data.checkpoint) - limit);
  return markup`<nav class="pager" aria-label="Entry pages"><ul>
<li><a href="/audit${query(filters)}">First entries</a></li>
${data.nextCursor ? markup`<li><a href="/audit${query({ ...filters, cursor: data.nextCursor })}" rel="next">Next entries</a></li>` : ''}
<li><a href="/audit${query({ ...filters, from: newest })}">Newest entries</a></li>
</ul></nav>`;
}

/**
 * The audit log: the browser check (pinned key field, checkpoint status, summary), the checkpoint as served, and
 * the entries with filters and pages. Without JavaScript everything is readable and says it is not verified.
 */
export function auditPage(data: AuditPageData): Html {
  const { view } = data;
  const filtered = !!(view.package || view.event || view.actor);
  return markup`<h1>Audit log</h1>
<p>Every change to this registry (publishes, yanks, tags, owners, tokens, keys) is an entry in an append-only
Merkle tree log, whose head (the checkpoint) the registry signs.</p>
<section aria-labelledby="verify-h">
<h2 id="verify-h">Verify in your browser</h2>
<p>This page checks the log itself and trusts nothing the server says: it verifies the checkpoint's Ed25519
signature with the key <em>you</em> pin below, then recomputes the hash of every entry shown from its bytes and
checks its inclusion proof against that checkpoint.</p>
<form id="pin-form" class="pin" action="/audit" method="get">
${(['package', 'event', 'actor', 'from', 'cursor', 'limit'] as const).map((k) =>
  view[k] ? markup`<input type="hidden" name="${k}" value="${view[k]}">\n` : '',
)}<label for="pinned-key">Pinned checkpoint key</label>
<div class="row"><input id="pinned-key" class="key" type="text" autocomplete="off" spellcheck="false" aria-describedby="pinned-key-help" placeholder="name+1a2b3c4d+base64key"><button type="submit">Verify</button></div>
<p id="pinned-key-help" class="muted">The registry's checkpoint verifier key
(<code>&lt;name&gt;+&lt;key hash&gt;+&lt;base64 key&gt;</code>) from a source you trust, for example the key
<code>aam registry add</code> pinned, or your administrator's. It is kept in this browser only (localStorage);
an empty field forgets it. The key the server claims is listed on the <a href="/keys">Keys</a> page, and is not
used here.</p>
</form>
<p id="checkpoint-status" class="status" data-state="nojs" aria-live="polite">Checkpoint: ${NOT_VERIFIED}</p>
<p id="verify-summary" data-state="nojs" aria-live="polite">Entries: ${NOT_VERIFIED}</p>
</section>
<section aria-labelledby="checkpoint-h">
<h2 id="checkpoint-h">Current checkpoint</h2>
<p class="muted">As the server sent it with this page: a signed note (origin, size, root hash, then signature
lines). The check above fetches its own copy.</p>
<pre>${data.checkpoint}</pre>
</section>
<section aria-labelledby="entries-h">
<h2 id="entries-h">Entries${filtered ? ' (filtered)' : ''}</h2>
${filtersForm(view)}
${
  data.entries.length
    ? markup`<table>
<caption class="visually-hidden">Audit log entries, oldest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Package</th><th scope="col">Details</th><th scope="col">Verification</th></tr></thead>
<tbody>
${data.entries.map(entryRow)}</tbody>
</table>`
    : markup`<p>No entries${filtered ? ' match these filters' : ' here'}.</p>`
}
${pager(data)}
</section>`;
}
