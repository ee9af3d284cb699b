import type { registryKeys } from '../services/keys.js';
import type { searchPackages } from '../services/packages.js';
import { markup, packagePath, query, type Html } from './html.js';
import { facts, when } from './layout.js';

export type SearchResults = Awaited<ReturnType<typeof searchPackages>>;
export type RegistryKeys = Awaited<ReturnType<typeof registryKeys>>['keys'];

function resultList(results: SearchResults): Html {
  return markup`<ul class="results">
${results.items.map(
  (p) =>
    markup`<li><a class="name" href="${packagePath(p.name)}">${p.name}</a>${
      p.latest ? markup` <span class="muted">${p.latest}</span>` : ''
    }${p.description ? markup`<div>${p.description}</div>` : ''}</li>
`,
)}</ul>`;
}

/** The home page: what the registry is, and its packages (by name, a page at a time). */
export function homePage(registry: string, packages: SearchResults): Html {
  return markup`<h1>${registry}</h1>
<p>An AAM package registry. Search for a package above, browse the packages below, or check the
<a href="/audit">audit log</a> in your browser against a key you trust.</p>
<section aria-labelledby="packages-h">
<h2 id="packages-h">Packages</h2>
${packages.items.length ? resultList(packages) : markup`<p>No package has been published yet.</p>`}
${packages.next_cursor ? markup`<p><a href="/search${query({ cursor: packages.next_cursor })}">More packages</a></p>` : ''}
</section>`;
}

/** Search results for `q` (name or description contains it), with a link to the next page. */
export function searchPage(q: string, results: SearchResults): Html {
  const more = results.next_cursor ? ' or more' : '';
  return markup`<h1>${q ? markup`Packages matching “${q}”` : 'All packages'}</h1>
${
  results.items.length
    ? markup`<p class="visually-hidden" role="status">${results.items.length}${more} found</p>${resultList(results)}`
    : markup`<p role="status">No package matches “${q}”.</p>`
}
${
  results.next_cursor
    ? markup`<p><a href="/search${query({ q, cursor: results.next_cursor })}" rel="next">More results</a></p>`
    : ''
}`;
}

/** The registry's public keys, as it states them (the audit page never takes its key from here). */
export function keysPage(keys: RegistryKeys): Html {
  const checkpoint = keys.filter((k) => k.use === 'checkpoint');
  const attestation = keys.filter((k) => k.use === 'attestation');
  return markup`<h1>Keys</h1>
<p class="notice warn">These are the keys <strong>the server says</strong> it uses. Anyone who controls the server
(or the network between you and it) can change this page, so it proves nothing by itself: compare a key with one
you got another way before you trust it. The audit page's check uses only the key you pin there, never this
list.</p>
<section aria-labelledby="checkpoint-key-h">
<h2 id="checkpoint-key-h">Checkpoint key (audit log)</h2>
<p>Signs the audit log's checkpoints (Ed25519, C2SP signed notes). Clients pin it as the registry's verifier key.</p>
${checkpoint.map(
  (k) =>
    markup`<div class="panel">${facts([
      ['Verifier key (claimed)', markup`<code>${'vkey' in k ? k.vkey : ''}</code>`],
      ['Origin', markup`<code>${'origin' in k ? k.origin : ''}</code>`],
      ['Key hash', markup`<code>${k.keyid ?? ''}</code>`],
      ['Algorithm', k.alg],
      ['Status', k.status],
    ])}</div>`,
)}
</section>
<section aria-labelledby="attestation-keys-h">
<h2 id="attestation-keys-h">Attestation keys</h2>
<p>Sign the registry's attestation of every version it accepts (ECDSA P-256, DSSE). Retired keys stay listed so
that older attestations still verify.</p>
${
  attestation.length
    ? markup`<table>
<caption class="visually-hidden">Attestation keys</caption>
<thead><tr><th scope="col">Key id</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Retired</th><th scope="col">Public key</th></tr></thead>
<tbody>
${attestation.map(
  (k) =>
    markup`<tr><td class="mono">${k.keyid}</td><td>${k.status}</td><td>${when('created_at' in k ? k.created_at : null)}</td><td>${
      'retired_at' in k && k.retired_at ? when(k.retired_at) : markup`<span class="muted">not retired</span>`
    }</td><td><details><summary>PEM</summary><pre>${'pem' in k ? k.pem : ''}</pre></details></td></tr>
`,
)}</tbody>
</table>`
    : markup`<p>None.</p>`
}
</section>`;
}

/** An error page (404 for an unknown page or package, 400 for a malformed request). */
export function errorPage(status: number, heading: string, detail: string): Html {
  return markup`<h1>${heading}</h1>
<p>${detail}</p>
<p class="muted">HTTP ${status}. <a href="/">Back to the packages</a>, or <a href="/search">search</a>.</p>`;
}
