import { compareSemver } from '@aam/core';
import { parseScanEvidence, parseStatement, type ScanEvidence } from '@aam/plugin-attestation/format';
import type { attestationDocuments, packageDocument } from '../services/packages.js';
import { markup, packagePath, query, type Html } from './html.js';
import { facts, when } from './layout.js';

export type PackageDoc = Awaited<ReturnType<typeof packageDocument>>;
export type VersionDoc = PackageDoc['versions'][number];
export type AttestationDoc = Awaited<ReturnType<typeof attestationDocuments>>['attestations'][number];

/** The version a package page shows when none is asked for: `latest`, else the newest unyanked, else the newest. */
export function defaultVersion(doc: PackageDoc): VersionDoc | undefined {
  const latest = doc.dist_tags.latest;
  const tagged = latest === undefined ? undefined : doc.versions.find((v) => v.version === latest);
  if (tagged) return tagged;
  const bySemver = [...doc.versions].sort((a, b) => compareSemver(b.version, a.version));
  return bySemver.find((v) => !v.yanked) ?? bySemver[0];
}

const versionHref = (name: string, version: string) => `${packagePath(name)}${query({ version })}`;

function marks(v: VersionDoc, tags: string[]): Html {
  return markup`${tags.map((t) => markup`<span class="badge tag">${t}</span>`)}${
    v.yanked ? markup`<span class="badge yanked">yanked</span>` : ''
  }${v.deprecated !== null ? markup`<span class="badge deprecated">deprecated</span>` : ''}${
    v.approval_status !== 'approved' ? markup`<span class="badge pending">${v.approval_status}</span>` : ''
  }`;
}

function notes(v: VersionDoc): Html {
  const yank = 'yank' in v ? v.yank : undefined;
  return markup`${
    v.yanked
      ? markup`<div>Yanked${yank?.at ? markup` ${when(yank.at)}` : ''}${yank?.reason ? markup`: ${yank.reason}` : ''}</div>`
      : ''
  }${v.deprecated !== null ? markup`<div>Deprecated: ${v.deprecated}</div>` : ''}`;
}

function versionsTable(doc: PackageDoc, chosen: VersionDoc): Html {
  const tagsOf = new Map<string, string[]>();
  for (const [tag, version] of Object.entries(doc.dist_tags))
    tagsOf.set(version, [...(tagsOf.get(version) ?? []), tag]);
  const rows = [...doc.versions].sort((a, b) => compareSemver(b.version, a.version));
  return markup`<table>
<caption class="visually-hidden">Versions of ${doc.name}</caption>
<thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Marks</th><th scope="col">Notes</th></tr></thead>
<tbody>
${rows.map(
  (v) => markup`<tr>
<th scope="row"><a href="${versionHref(doc.name, v.version)}"${
    v.version === chosen.version ? markup` aria-current="page"` : ''
  }>${v.version}</a></th>
<td>${when(v.published_at)}</td>
<td>${marks(v, tagsOf.get(v.version) ?? [])}</td>
<td>${notes(v)}</td>
</tr>
`,
)}</tbody>
</table>`;
}

function signaturesSection(v: VersionDoc): Html {
  if (v.signatures.length === 0)
    return markup`<p>Unsigned: the author sent no signature with this version.</p>`;
  return markup`<p class="muted">Authors' signatures the registry verified when the version was published.</p>
<table>
<caption class="visually-hidden">Signatures of ${v.name}@${v.version}</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Signed by (identity)</th><th scope="col">Key fingerprint</th></tr></thead>
<tbody>
${v.signatures.map(
  (s) =>
    markup`<tr><td>${s.type}</td><td>${'identity' in s ? s.identity : markup`<span class="muted">none given</span>`}</td><td class="mono">${
      'fingerprint' in s ? s.fingerprint : markup`<span class="muted">none</span>`
    }</td></tr>
`,
)}</tbody>
</table>`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function authorSignatureCheck(v: unknown): Html {
  if (v === null) return markup`none (the version is unsigned)`;
  if (!isObject(v)) return markup`<span class="muted">not stated</span>`;
  return markup`${str(v.type) ?? 'unknown type'}${str(v.identity) ? markup`, identity ${str(v.identity)}` : ''}${
    str(v.fingerprint) ? markup`, fingerprint <span class="mono">${str(v.fingerprint)}</span>` : ''
  }`;
}

function scanChecks(evidence: ScanEvidence | undefined): [string, Html][] {
  if (!evidence) return [['Scans', markup`<span class="muted">none recorded</span>`]];
  const scans = evidence.scans.length
    ? markup`<ul>${evidence.scans.map(
        (s) =>
          markup`<li>${s.name} ${s.version}: ${s.result}${
            s.findings.length
              ? markup` (${s.findings.length} finding${s.findings.length === 1 ? '' : 's'})`
              : ''
          }</li>`,
      )}</ul>`
    : markup`none ran`;
  const p = evidence.publish_policy;
  return [
    ['Scans', scans],
    [
      'Publish policy',
      markup`${p.decision}${p.reasons.length ? markup`: ${p.reasons.join('; ')}` : ''} <span class="mono muted">(policy ${p.digest})</span>`,
    ],
  ];
}

function attestationBlock(a: AttestationDoc, v: VersionDoc): Html {
  let statement: ReturnType<typeof parseStatement>;
  let evidence: ScanEvidence | undefined;
  try {
    statement = parseStatement(Buffer.from(a.envelope.payload, 'base64'));
    evidence = parseScanEvidence(statement.predicate);
  } catch (e) {
    return markup`<div class="panel"><p class="notice bad">This attestation cannot be read: ${(e as Error).message}</p>
${facts([['Key id', markup`<span class="mono">${a.keyid}</span>`]])}</div>`;
  }
  const p = statement.predicate;
  const checks = isObject(p.checks) ? p.checks : {};
  const publisher = isObject(p.publisher) ? p.publisher : {};
  const approval = isObject(p.approval) ? p.approval : null;
  const approvers = approval && Array.isArray(approval.approvers) ? approval.approvers.map(String) : [];
  const digestMatches = `sha256:${statement.subject.sha256}` === v.checksum;
  return markup`<div class="panel">
${facts([
  ['Signed by', markup`the registry${statement.registryName ? markup` (${statement.registryName})` : ''}`],
  ['Key id', markup`<a class="mono" href="/keys">${a.keyid}</a>`],
  ['Predicate', markup`<span class="mono">${a.predicate_type}</span>`],
  ['Subject', markup`<span class="mono">${statement.subject.name}</span>`],
  [
    'Subject digest',
    markup`<span class="mono">sha256:${statement.subject.sha256}</span> ${
      digestMatches ? '(the checksum above)' : markup`<strong>(not the checksum above)</strong>`
    }`,
  ],
  [
    'Publisher',
    markup`${str(publisher.name) ?? ''}${str(publisher.auth_method) ? markup` (${str(publisher.auth_method)})` : ''}`,
  ],
  ['Archive check', str(checks.archive) ?? ''],
  ['Manifest check', str(checks.manifest) ?? ''],
  ['Checksum', markup`<span class="mono">${str(checks.checksum) ?? ''}</span>`],
  ['Author signature', authorSignatureCheck(checks.author_signature)],
  ...scanChecks(evidence),
  [
    'Approval',
    approval
      ? markup`by ${approvers.join(', ')}${str(approval.at) ? markup` ${when(str(approval.at))}` : ''}`
      : 'none needed',
  ],
  ['Published', when(statement.publishedAt)],
  [
    'Audit log entry',
    markup`<a href="/audit${query({ from: statement.audit.index, limit: 1 })}">#${statement.audit.index}</a> in ${statement.audit.origin}`,
  ],
])}
</div>`;
}

/** A package: its versions and tags, then the chosen version's checksum, signatures and attestations. */
export function packagePage(doc: PackageDoc, chosen: VersionDoc, attestations: AttestationDoc[]): Html {
  const tags = Object.entries(doc.dist_tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const deps = Object.entries(chosen.dependencies);
  return markup`<h1>${doc.name}</h1>
${doc.description ? markup`<p class="lead">${doc.description}</p>` : ''}
${facts([
  ['Owners', doc.owners.join(', ')],
  ['Created', when(doc.created_at)],
  [
    'Dist-tags',
    tags.length
      ? markup`<ul>${tags.map(
          ([t, ver]) =>
            markup`<li><span class="badge tag">${t}</span> <a href="${versionHref(doc.name, ver)}">${ver}</a></li>`,
        )}</ul>`
      : 'none',
  ],
  [
    'Audit entries',
    markup`<a href="/audit${query({ package: doc.name })}">this package's audit log entries</a>`,
  ],
])}
<section aria-labelledby="versions-h">
<h2 id="versions-h">Versions</h2>
${versionsTable(doc, chosen)}
</section>
<section aria-labelledby="version-h">
<h2 id="version-h">Version ${chosen.version}</h2>
${chosen.yanked || chosen.deprecated !== null ? markup`<div class="notice warn">${notes(chosen)}</div>` : ''}
${facts([
  ['Checksum', markup`<code>${chosen.checksum}</code>`],
  ['Size', `${chosen.size} bytes`],
  ['Published', when(chosen.published_at)],
  ['Publisher', markup`${chosen.publisher ?? ''} (${chosen.auth_method})`],
  ['Status', chosen.approval_status],
  [
    'Audit log entry',
    markup`<a href="/audit${query({ from: chosen.audit_index, limit: 1 })}">#${chosen.audit_index}</a> (its verification is on the audit page)`,
  ],
  [
    'Dependencies',
    deps.length
      ? markup`<ul>${deps.map(([n, r]) => markup`<li><a href="${packagePath(n)}">${n}</a> <code>${r}</code></li>`)}</ul>`
      : 'none',
  ],
  ['Archive', markup`<a href="${chosen.archive_url}">download</a>`],
])}
<h3>Signatures</h3>
${signaturesSection(chosen)}
<h3>Registry attestation</h3>
<p class="muted">The in-toto statement the registry signed when it accepted this version, as the registry holds
it: this page shows it but does not check its signature (<code>aam verify</code> does, with a pinned key).</p>
${
  attestations.length
    ? attestations.map((a) => attestationBlock(a, chosen))
    : markup`<p>None: the registry has not attested this version (it is not approved).</p>`
}
</section>`;
}
