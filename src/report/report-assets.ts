/**
 * The report's stylesheet (screen and print) and its one script: sorting,
 * filtering and expanding the incidents table. The script reads only
 * data-* attributes and toggles `hidden`; it never builds HTML from
 * strings, so no value from traffic is ever parsed as markup. It is a
 * fixed text: the page's Content-Security-Policy allows exactly this
 * script (by its SHA-256) and nothing else.
 */

export const REPORT_CSS = `
:root { --fg:#1d2330; --muted:#5b6474; --line:#d9dde5; --bg:#fff; --panel:#f6f7f9;
  --critical:#7a0019; --high:#c62828; --medium:#d97706; --low:#2563eb; --info:#6b7280; --accent:#0f766e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header.top { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); }
header.top h1 { margin: 0 0 4px; font-size: 20px; }
header.top .sub { color: var(--muted); }
nav { position: sticky; top: 0; background: var(--bg); border-bottom: 1px solid var(--line); padding: 6px 24px; z-index: 2; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; font-weight: 600; }
main { padding: 8px 24px 40px; max-width: 1280px; }
section { margin: 22px 0 30px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--fg); padding-bottom: 3px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.note, .note { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--muted); font-size: 12px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
.sev { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; font-weight: 600; }
.sev-critical { background: var(--critical); } .sev-high { background: var(--high); } .sev-medium { background: var(--medium); }
.sev-low { background: var(--low); } .sev-info { background: var(--info); }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; background: var(--panel); border: 1px solid var(--line); font-size: 12px; margin: 1px 2px 1px 0; }
.badge.bad { background: #fde8e8; border-color: #f3b4b4; color: #8b1a1a; font-weight: 600; }
svg { display: block; max-width: 100%; height: auto; }
svg.chart { background: #fff; border: 1px solid var(--line); border-radius: 4px; }
svg text { font: 10px system-ui, sans-serif; fill: var(--muted); }
svg .axis line { stroke: #9aa3b2; stroke-width: 1; }
svg .axis line.grid { stroke: #eef0f4; }
svg .series { fill: none; stroke: var(--accent); stroke-width: 1.5; }
svg .threshold line { stroke: var(--high); stroke-width: 1; stroke-dasharray: 5 3; }
svg .threshold text { fill: var(--high); font-weight: 600; }
svg .spike { fill: rgba(198, 40, 40, .16); stroke: rgba(198, 40, 40, .6); stroke-width: 1; }
svg .lane-label { fill: var(--fg); font-size: 11px; }
svg .lane-bg { fill: var(--panel); }
svg .m-critical { fill: var(--critical); } svg .m-high { fill: var(--high); } svg .m-medium { fill: var(--medium); }
svg .m-low { fill: var(--low); } svg .m-info { fill: var(--info); }
svg .pt { fill: var(--accent); fill-opacity: .55; }
svg .pt-hot { fill: var(--high); fill-opacity: .75; }
svg.hist rect { fill: var(--accent); }
.chart-box { margin: 6px 0 14px; }
.chart-box .cap { font-size: 13px; margin-bottom: 3px; }
.chart-box .cap b { font-family: ui-monospace, monospace; }
.legend span { margin-right: 12px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin-bottom: 8px; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
.filters input, .filters select { font: inherit; font-size: 13px; padding: 2px 4px; }
#incidents-table th[data-sort] { cursor: pointer; user-select: none; }
#incidents-table th[data-sort]::after { content: " ↕"; color: #b0b6c2; }
#incidents-table th[aria-sort="ascending"]::after { content: " ▲"; color: var(--fg); }
#incidents-table th[aria-sort="descending"]::after { content: " ▼"; color: var(--fg); }
tr.detail > td { background: #fbfbfc; padding: 6px 10px 12px 28px; }
tr.detail table { font-size: 12px; }
button.expand { font: inherit; font-size: 12px; border: 1px solid var(--line); background: #fff; border-radius: 3px; cursor: pointer; padding: 0 6px; }
details summary { cursor: pointer; color: var(--accent); }
pre.evidence { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); padding: 6px; margin: 4px 0; max-height: 320px; overflow: auto; font-size: 11px; }
.more { color: var(--muted); font-style: italic; }
@media print {
  nav, .filters, button.expand { display: none !important; }
  body { font-size: 11px; }
  main { padding: 0 8px; max-width: none; }
  section { break-inside: auto; }
  h2 { break-after: avoid; }
  .chart-box, svg, tr { break-inside: avoid; }
  svg.chart { border-color: #999; }
  .sev { color: #000 !important; background: none !important; border: 1px solid #000; }
  a { color: inherit; text-decoration: none; }
  pre.evidence { max-height: none; }
}
`;

export const REPORT_SCRIPT = `(function () {
  'use strict';
  var table = document.getElementById('incidents-table');
  if (!table) return;
  var body = table.tBodies[0];
  function groups() {
    var out = [];
    var rows = body.rows;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].classList.contains('incident')) out.push([rows[i], rows[i + 1] && rows[i + 1].classList.contains('detail') ? rows[i + 1] : null]);
    }
    return out;
  }
  body.addEventListener('click', function (ev) {
    var b = ev.target.closest('button.expand');
    if (!b) return;
    var detail = b.closest('tr').nextElementSibling;
    if (!detail || !detail.classList.contains('detail')) return;
    var open = detail.hidden;
    detail.hidden = !open;
    b.setAttribute('aria-expanded', String(open));
    b.textContent = open ? '−' : '+';
  });
  var heads = table.tHead.querySelectorAll('th[data-sort]');
  Array.prototype.forEach.call(heads, function (th) {
    th.addEventListener('click', function () {
      var key = th.getAttribute('data-sort');
      var numeric = th.getAttribute('data-type') === 'num';
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var gs = groups();
      gs.sort(function (a, b) {
        var x = a[0].getAttribute('data-' + key) || '';
        var y = b[0].getAttribute('data-' + key) || '';
        var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return c * dir;
      });
      gs.forEach(function (g) { body.appendChild(g[0]); if (g[1]) body.appendChild(g[1]); });
    });
  });
  var fKind = document.getElementById('f-kind');
  var fSev = document.getElementById('f-sev');
  var fHost = document.getElementById('f-host');
  var fFrom = document.getElementById('f-from');
  var fTo = document.getElementById('f-to');
  var status = document.getElementById('f-status');
  function utc(v) {
    if (!v) return NaN;
    var t = Date.parse(v.length <= 16 ? v + ':00Z' : v + 'Z');
    return t / 1000;
  }
  function match(el, kinds) {
    var kind = fKind.value;
    if (kind && (' ' + kinds + ' ').indexOf(' ' + kind + ' ') < 0) return false;
    if (Number(el.getAttribute('data-sev')) < Number(fSev.value)) return false;
    var host = fHost.value.trim().toLowerCase();
    if (host && el.getAttribute('data-hosts').toLowerCase().indexOf(host) < 0) return false;
    var from = utc(fFrom.value);
    var to = utc(fTo.value);
    if (!isNaN(from) && Number(el.getAttribute('data-last')) < from) return false;
    if (!isNaN(to) && Number(el.getAttribute('data-first')) > to) return false;
    return true;
  }
  function apply() {
    var shown = 0;
    var gs = groups();
    gs.forEach(function (g) {
      var inner = g[1] ? g[1].querySelectorAll('tr.finding') : [];
      var any = false;
      Array.prototype.forEach.call(inner, function (r) {
        var ok = match(r, r.getAttribute('data-kind'));
        r.hidden = !ok;
        if (ok) any = true;
      });
      var ok = match(g[0], g[0].getAttribute('data-kinds')) && (inner.length === 0 || any);
      g[0].hidden = !ok;
      if (g[1] && !ok) g[1].hidden = true;
      if (ok) shown++;
    });
    status.textContent = shown + ' of ' + gs.length + ' incidents shown';
  }
  [fKind, fSev, fHost, fFrom, fTo].forEach(function (el) { el.addEventListener('input', apply); el.addEventListener('change', apply); });
  apply();
})();`;
