/**
 * The pages' stylesheet, served from the registry itself (`/-/web/app.<hash>.css`: the CSP allows no inline
 * style and no other origin). System fonts only: the registry may run offline.
 */
export const STYLE_CSS = `
:root {
  color-scheme: light dark;
  --fg: #1b1f24;
  --muted: #57606a;
  --bg: #ffffff;
  --panel: #f6f8fa;
  --border: #d0d7de;
  --link: #0a58ca;
  --focus: #b35900;
  --ok: #116329;
  --ok-bg: #dafbe1;
  --bad: #a40e26;
  --bad-bg: #ffebe9;
  --warn: #7d4e00;
  --warn-bg: #fff8c5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3;
    --muted: #9da7b3;
    --bg: #0d1117;
    --panel: #161b22;
    --border: #30363d;
    --link: #6cb6ff;
    --focus: #ffa657;
    --ok: #56d364;
    --ok-bg: #0f2d16;
    --bad: #ff7b72;
    --bad-bg: #3b1014;
    --warn: #e3b341;
    --warn-bg: #2e2410;
  }
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
code, pre, kbd, .mono {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.9em;
}
code, .mono { overflow-wrap: anywhere; }
pre { background: var(--panel); border: 1px solid var(--border); padding: 0.75rem; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus, select:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
main:focus { outline: none; }
.skip { position: absolute; left: 0.5rem; top: -3rem; background: var(--bg); padding: 0.5rem 0.75rem;
  border: 2px solid var(--focus); z-index: 10; }
.skip:focus { top: 0.5rem; }
header.site { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 0.75rem 1.25rem;
  border-bottom: 1px solid var(--border); background: var(--panel); }
header.site .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--fg); }
header.site nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
header.site nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
form.search { display: flex; gap: 0.5rem; align-items: center; margin-left: auto; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
footer.site { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 2rem; color: var(--muted);
  border-top: 1px solid var(--border); font-size: 0.9rem; }
h1 { font-size: 1.7rem; margin: 0.5rem 0 0.75rem; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 0.5rem; }
.muted { color: var(--muted); }
input, select, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--border);
  border-radius: 4px; padding: 0.3rem 0.5rem; }
button { cursor: pointer; background: var(--panel); }
input.key { width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
label { font-weight: 600; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--border); }
thead th { background: var(--panel); }
td.meta { min-width: 14rem; max-width: 30rem; }
td.verify { min-width: 11rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0.5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ul.results { list-style: none; padding: 0; }
ul.results li { padding: 0.6rem 0; border-bottom: 1px solid var(--border); }
ul.results .name { font-weight: 700; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 0.75rem; font-size: 0.8rem; border: 1px solid;
  margin-right: 0.25rem; white-space: nowrap; }
.badge.yanked { color: var(--bad); background: var(--bad-bg); }
.badge.deprecated { color: var(--warn); background: var(--warn-bg); }
.badge.tag { color: var(--ok); background: var(--ok-bg); }
.badge.pending { color: var(--warn); background: var(--warn-bg); }
.notice { border-left: 4px solid var(--border); background: var(--panel); padding: 0.5rem 0.75rem; margin: 0.75rem 0; }
.notice.warn { border-color: var(--warn); }
.notice.bad { border-color: var(--bad); }
.panel { border: 1px solid var(--border); border-radius: 6px; padding: 0.75rem 1rem; margin: 0.75rem 0; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; }
form.filters div { display: flex; flex-direction: column; }
form.pin div.row { display: flex; gap: 0.5rem; align-items: center; margin: 0.25rem 0; }
nav.pager ul { list-style: none; display: flex; gap: 1rem; padding: 0; }
[data-state] { font-weight: 600; }
[data-state="ok"] { color: var(--ok); }
[data-state="bad"] { color: var(--bad); }
[data-state="pending"], [data-state="unverified"], [data-state="nojs"] { color: var(--muted); }
p.status { padding: 0.4rem 0.6rem; border: 1px solid var(--border); border-radius: 4px; }
p.status[data-state="ok"] { background: var(--ok-bg); }
p.status[data-state="bad"] { background: var(--bad-bg); }
`;
