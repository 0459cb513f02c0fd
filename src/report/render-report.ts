/**
 * Renders the HTML report: one self-contained file (inline CSS, inline SVG,
 * one inline script allowed by hash in the page's Content-Security-Policy,
 * which also forbids every network fetch).
 *
 * Sections: Summary, Timeline, Incidents, Scans, DNS, Exposure, Model.
 * Every string that comes from traffic or logs (hosts, DNS names, evidence)
 * goes through `escapeHtml` into element text or a quoted attribute, never
 * into the script. Lists are capped with an "N more" line.
 */
import { createHash } from 'node:crypto';
import { severityRank } from '../score/severity.js';
import { type Finding, SEVERITY_ORDER, type Severity } from '../types.js';
import { describeTarget } from './report-aggregator.js';
import { REPORT_CSS, REPORT_SCRIPT } from './report-assets.js';
import { ENTROPY_BINS, type IncidentGroup, LENGTH_BINS, type RateSeries, type ReportAggregate, type ReportRunInfo, type ScanAttempts } from './report-data.js';
import {
  createFrame,
  drawAxes,
  drawBand,
  drawBucketLine,
  drawHistogram,
  drawHLine,
  escapeHtml,
  type Frame,
  formatNumber,
  formatUtc,
  niceCeil,
  svgOpen,
  valueTicks,
  xOf,
  yOf,
} from './svg-chart.js';

/** How many items each section lists before an "N more" line. */
export const RENDER_CAPS = { rateCharts: 8, scanCharts: 12, domains: 100, exposed: 200, deviations: 100, modelCharts: 12 };

const e = escapeHtml;
/** Left margin of the timeline's charts, so that their time axes line up. */
const TIMELINE_LEFT = 150;
const SEVERITIES_DESC: readonly Severity[] = [...SEVERITY_ORDER].reverse();

export function renderReportHtml(run: ReportRunInfo, agg: ReportAggregate): string {
  const findings = agg.incidents.groups.flatMap((g) => g.findings).sort((a, b) => a.ts - b.ts);
  const span = timeSpan(run, agg);
  const body = [
    renderSummary(run, agg, span),
    renderTimeline(run, agg, findings, span),
    renderIncidents(agg),
    renderScans(agg, findings),
    renderDns(agg, findings),
    renderExposure(agg, findings),
    renderModel(run, agg, findings),
  ].join('\n');
  const scriptHash = createHash('sha256').update(REPORT_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="flowhound">
<title>${e(run.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header class="top"><h1>${e(run.title)}</h1><div class="sub">${e(run.inputs.join(', '))} · ${e(formatUtc(span.from))} – ${e(formatUtc(span.to))} UTC · generated ${e(run.generatedAt)}</div></header>
<nav><a href="#summary">Summary</a><a href="#timeline">Timeline</a><a href="#incidents">Incidents</a><a href="#scans">Scans</a><a href="#dns">DNS</a><a href="#exposure">Exposure</a><a href="#model">Model</a></nav>
<main>
${body}
</main>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

interface Span {
  from: number;
  to: number;
}

function timeSpan(run: ReportRunInfo, agg: ReportAggregate): Span {
  const from = run.firstTs ?? agg.axis.baseSec;
  const to = run.lastTs ?? agg.axis.baseSec + agg.axis.buckets * agg.axis.bucketSec;
  return { from, to: to > from ? to : from + 1 };
}

function sevBadge(s: Severity): string {
  return `<span class="sev sev-${s}">${s}</span>`;
}

function more(n: number, what: string): string {
  return n > 0 ? `<p class="more">${formatNumber(n)} more ${e(what)} not shown</p>` : '';
}

function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '-';
  if (sec < 120) return `${sec.toFixed(sec < 10 ? 1 : 0)} s`;
  if (sec < 7200) return `${(sec / 60).toFixed(1)} min`;
  return `${(sec / 3600).toFixed(1)} h`;
}

function fmtBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

// --- Summary -------------------------------------------------------------

function renderSummary(run: ReportRunInfo, agg: ReportAggregate, span: Span): string {
  const rec = run.records;
  const cards = [
    [formatNumber(agg.findings.total), 'findings'],
    [formatNumber(agg.incidents.groups.length + agg.incidents.groupsDropped), 'incidents (sources)'],
    [fmtDuration(span.to - span.from), 'time span'],
    [formatNumber(rec.flows), 'flows'],
    [formatNumber(rec.dns), 'DNS queries'],
    [formatNumber(rec.ticks), 'packet-rate ticks'],
    [formatNumber(run.warnings.total), 'warnings'],
  ];
  const kinds = Object.entries(agg.findings.byKind).sort((a, b) => b[1] - a[1]);
  const kindRows = kinds.map(([k, n]) => `<tr><td class="mono">${e(k)}</td><td class="num">${n}</td></tr>`).join('');
  const sevRows = SEVERITIES_DESC.filter((s) => agg.findings.bySeverity[s])
    .map((s) => `<tr><td>${sevBadge(s)}</td><td class="num">${agg.findings.bySeverity[s]}</td></tr>`)
    .join('');
  const warnRows = Object.entries(run.warnings.byCode)
    .map(([c, n]) => `<tr><td class="mono">${e(c)}</td><td class="num">${n}</td></tr>`)
    .join('');
  const model = run.model
    ? `${run.model.dir ? `${e(run.model.dir)} ` : ''}${run.model.backend ? `(backend ${e(run.model.backend)}) ` : ''}${run.modelNote !== run.model.dir ? e(run.modelNote) : ''}`
    : `no model used: ${e(run.modelNote)}`;
  return `<section id="summary"><h2>Summary</h2>
<div class="cards">${cards.map(([v, l]) => `<div class="card"><b>${e(v ?? '')}</b><span>${e(l ?? '')}</span></div>`).join('')}</div>
<table class="kv"><tbody>
<tr><th>Inputs</th><td class="mono">${run.inputs.map(e).join('<br>')}</td></tr>
<tr><th>Time span (UTC)</th><td>${e(formatUtc(span.from))} – ${e(formatUtc(span.to))} (${e(fmtDuration(span.to - span.from))})</td></tr>
<tr><th>Records</th><td>${formatNumber(rec.flows)} flows, ${formatNumber(rec.dns)} DNS, ${formatNumber(rec.ticks)} packet ticks, ${formatNumber(rec.echoes)} ICMP echoes</td></tr>
<tr><th>Model</th><td id="summary-model">${model}</td></tr>
<tr><th>Filters</th><td>${run.filters ? e(run.filters) : 'none'}</td></tr>
<tr><th>Warnings</th><td>${run.warnings.total === 0 ? 'none' : `${run.warnings.total}${run.warnings.samples.length ? `<ul>${run.warnings.samples.map((w) => `<li class="mono">${e(w)}</li>`).join('')}</ul>` : ''}`}</td></tr>
${run.elapsedSec !== null ? `<tr><th>Analysis time</th><td>${run.elapsedSec.toFixed(1)} s</td></tr>` : ''}
</tbody></table>
<div class="grid2">
<div><h3>Findings by kind</h3><table id="summary-kinds"><thead><tr><th>Kind</th><th class="num">Findings</th></tr></thead><tbody>${kindRows || '<tr><td colspan="2">no findings</td></tr>'}</tbody></table></div>
<div><h3>Findings by severity</h3><table id="summary-severity"><thead><tr><th>Severity</th><th class="num">Findings</th></tr></thead><tbody>${sevRows || '<tr><td colspan="2">no findings</td></tr>'}</tbody></table></div>
${warnRows ? `<div><h3>Warnings by code</h3><table><tbody>${warnRows}</tbody></table></div>` : ''}
</div>
${agg.findings.kept < agg.findings.total ? `<p class="note">${agg.findings.total - agg.findings.kept} findings are counted in the charts and totals but not listed with their evidence (the report keeps the first ${agg.findings.kept}).</p>` : ''}
</section>`;
}

// --- Timeline ------------------------------------------------------------

function renderTimeline(run: ReportRunInfo, agg: ReportAggregate, findings: Finding[], span: Span): string {
  const { baseSec, bucketSec } = agg.axis;
  const kinds = Object.keys(agg.findings.byKindSeries).sort();
  const laneH = 22;
  const width = 1000;
  const left = TIMELINE_LEFT;
  const f: Frame = { ...createFrame(width, kinds.length * laneH + 30, span.from, span.to, 0, 1, left), top: 4 };
  let lanes = svgOpen(f, 'Findings per kind over time', 'chart lanes');
  lanes += drawAxes(f, []);
  kinds.forEach((kind, li) => {
    const y = f.top + li * laneH;
    lanes += `<rect class="lane-bg" x="${left}" y="${y + 2}" width="${width - left - f.right}" height="${laneH - 4}"/>`;
    lanes += `<text class="lane-label" x="${left - 6}" y="${y + laneH / 2 + 4}" text-anchor="end">${e(kind)} (${agg.findings.byKind[kind] ?? 0})</text>`;
    const kept = findings.filter((x) => x.kind === kind);
    if (kept.length === (agg.findings.byKind[kind] ?? 0)) {
      for (const x of kept) {
        const xa = xOf(f, Math.max(span.from, x.ts));
        const w = Math.max(3, xOf(f, Math.min(span.to, x.end)) - xa);
        lanes += `<rect class="mark m-${x.severity}" data-kind="${e(kind)}" x="${xa.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${laneH - 8}"><title>${e(`${kind} ${formatUtc(x.ts)} – ${formatUtc(x.end)}: ${x.summary}`)}</title></rect>`;
      }
      return;
    }
    const counts = agg.findings.byKindSeries[kind] ?? [];
    counts.forEach((n, i) => {
      if (!n) return;
      const t0 = baseSec + i * bucketSec;
      const x = xOf(f, Math.max(span.from, t0));
      const w = Math.max(3, xOf(f, Math.min(span.to, t0 + bucketSec)) - x);
      const sev = worstSeverityIn(findings, kind, t0, t0 + bucketSec);
      lanes += `<rect class="mark m-${sev}" data-kind="${e(kind)}" x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${laneH - 8}"><title>${e(`${kind}: ${n} finding${n === 1 ? '' : 's'} from ${formatUtc(t0)}`)}</title></rect>`;
    });
  });
  lanes += '</svg>';
  const legend = `<div class="legend">${SEVERITIES_DESC.map((s) => `<span><i class="sev-${s}" style="background:var(--${s})"></i>${s}</span>`).join('')}</div>`;

  // Packet rates: the busiest pairs, plus every pair a rate.spike names.
  const spikes = findings.filter((x) => x.kind === 'rate.spike');
  const chosen: RateSeries[] = [];
  const keyOf = (d: string | null, p: number | null, pr: string | null) => `${d}|${p}|${pr}`;
  const byKey = new Map(agg.rate.series.map((s) => [keyOf(s.dst, s.port, s.proto), s]));
  for (const sp of spikes) {
    const s = byKey.get(keyOf(sp.dst, sp.port, sp.proto));
    if (s && !chosen.includes(s) && chosen.length < RENDER_CAPS.rateCharts) chosen.push(s);
  }
  for (const s of agg.rate.series) {
    if (chosen.length >= Math.min(RENDER_CAPS.rateCharts, Math.max(6, spikes.length))) break;
    if (!chosen.includes(s) && s.peakPps > 0 && !s.clientEnd) chosen.push(s);
  }
  let rates = '';
  for (const s of chosen) {
    const mine = spikes.filter((sp) => sp.dst === s.dst && sp.port === s.port && sp.proto === s.proto);
    const yMax = niceCeil(Math.max(s.peakPps, run.ratePps * 1.25));
    const fr = createFrame(1000, 150, span.from, span.to, 0, yMax, TIMELINE_LEFT);
    const target = `${s.dst.includes(':') ? `[${s.dst}]` : s.dst}:${s.port}/${s.proto}`;
    let svg = svgOpen(fr, `packets per second to ${target}`);
    svg += drawAxes(fr, valueTicks(yMax));
    for (const sp of mine) svg += drawBand(fr, sp.ts, sp.end, 'spike', `rate.spike ${formatUtc(sp.ts)} – ${formatUtc(sp.end)}: ${sp.summary}`);
    svg += drawBucketLine(fr, s.pps, agg.axis.baseSec, agg.axis.bucketSec, 'series');
    svg += drawHLine(fr, run.ratePps, 'threshold', `${run.ratePps} pps threshold`);
    svg += '</svg>';
    const basis =
      s.basis === 'packets'
        ? `busiest second in each ${fmtDuration(bucketSec)} bucket, from the capture's packets`
        : `mean per ${fmtDuration(bucketSec)} bucket, flows' packets spread over their duration`;
    const late = s.sinceSec > span.from + bucketSec && s.sinceSec - bucketSec > s.firstSeenSec ? `; charted from ${formatUtc(s.sinceSec)} (earlier, it was not among the busiest pairs the report keeps)` : '';
    rates += `<div class="chart-box rate-chart" data-target="${e(target)}" data-spikes="${mine.length}"><div class="cap"><b>${e(target)}</b> — peak ${formatNumber(s.peakPps)} pps, ${formatNumber(s.totalPkts)} packets${e(late)}${mine.length ? `, <span class="badge bad">${mine.length} rate.spike</span>` : ''} <span class="note">(${e(basis)})</span></div>${svg}</div>`;
  }
  const rateNote = `${formatNumber(agg.rate.pairsSeen)} (host, port) pairs seen; charts show the ${chosen.length} busiest services (not clients' ephemeral ports) and every pair with a rate.spike. ${agg.rate.seriesDropped ? `To keep the report small only the burstiest pairs keep a series (${agg.rate.seriesDropped} series were dropped).` : ''}`;
  return `<section id="timeline"><h2>Timeline</h2>
<h3>Findings per kind</h3>
${kinds.length ? `${legend}${lanes}` : '<p>No findings.</p>'}
<h3>Packets per second, busiest (host, port) pairs</h3>
<p class="note">Dashed line: the ${run.ratePps} pps rate-spike threshold. Shaded: rate.spike incidents. ${e(rateNote)}</p>
${rates || '<p>No packet-rate data.</p>'}
</section>`;
}

function worstSeverityIn(findings: Finding[], kind: string, t0: number, t1: number): Severity {
  let best: Severity = 'info';
  let seen = false;
  for (const f of findings) {
    if (f.kind !== kind || f.ts < t0 || f.ts >= t1) continue;
    seen = true;
    if (severityRank(f.severity) > severityRank(best)) best = f.severity;
  }
  return seen ? best : 'medium';
}

// --- Incidents -----------------------------------------------------------

function hostsOf(g: IncidentGroup): string {
  const hs = new Set<string>();
  if (g.src) hs.add(g.src);
  for (const f of g.findings) {
    if (f.src) hs.add(f.src);
    if (f.dst) hs.add(f.dst);
  }
  for (const t of g.targets) hs.add(t);
  return [...hs].join(' ');
}

function evidenceJson(f: Finding): string {
  const text = JSON.stringify(f.evidence, null, 1);
  return text.length > 1500 ? `${text.slice(0, 1500)}\n… (${text.length - 1500} more characters)` : text;
}

function renderIncidents(agg: ReportAggregate): string {
  const groups = agg.incidents.groups;
  const kinds = Object.keys(agg.findings.byKind).sort();
  const rows = groups
    .map((g, i) => {
      const kindList = Object.entries(g.kinds)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `<span class="badge">${e(k)}${n > 1 ? ` ×${n}` : ''}</span>`)
        .join('');
      const targets = g.targets.slice(0, 6).map(e).join(', ') + (g.targets.length > 6 || g.moreTargets ? ` <span class="more">+${g.targets.length - 6 + g.moreTargets} more</span>` : '');
      const inner = g.findings
        .map(
          (f) =>
            `<tr class="finding" data-kind="${e(f.kind)}" data-sev="${severityRank(f.severity)}" data-first="${f.ts}" data-last="${f.end}" data-hosts="${e([f.src ?? '', f.dst ?? ''].join(' '))}"><td class="mono">${e(formatUtc(f.ts))}</td><td>${sevBadge(f.severity)}</td><td class="mono">${e(f.kind)}</td><td class="mono">${e(describeTarget(f))}</td><td><span class="summary">${e(f.summary)}</span><details><summary>evidence</summary><pre class="evidence">${e(evidenceJson(f))}</pre></details></td></tr>`,
        )
        .join('');
      const notKept = g.count - g.findings.length;
      const detail = `<tr class="detail" hidden><td colspan="8"><table><thead><tr><th>Time (UTC)</th><th>Severity</th><th>Kind</th><th>Target</th><th>Summary and evidence</th></tr></thead><tbody>${inner}</tbody></table>${notKept > 0 ? `<p class="more">${notKept} more findings of this source counted, not listed</p>` : ''}</td></tr>`;
      return `<tr class="incident" data-idx="${i}" data-source="${e(g.key)}" data-kinds="${e(Object.keys(g.kinds).join(' '))}" data-sev="${severityRank(g.severity)}" data-count="${g.count}" data-first="${g.firstTs}" data-last="${g.lastTs}" data-hosts="${e(hostsOf(g))}"><td><button type="button" class="expand" aria-expanded="false" title="show findings">+</button></td><td class="mono src">${e(g.key)}</td><td>${kindList}</td><td class="mono">${targets}</td><td class="num count">${g.count}</td><td class="mono">${e(formatUtc(g.firstTs))}</td><td class="mono">${e(formatUtc(g.lastTs))}</td><td>${sevBadge(g.severity)}</td></tr>${detail}`;
    })
    .join('\n');
  const kindOptions = kinds.map((k) => `<option value="${e(k)}">${e(k)}</option>`).join('');
  const sevOptions = SEVERITY_ORDER.map((s, i) => `<option value="${i}">${s}${i > 0 ? ' and above' : ' (all)'}</option>`).join('');
  return `<section id="incidents"><h2>Incidents</h2>
<p class="note">One row per source (findings without a single source are grouped by target). Click a column to sort, + to see the findings and their evidence.</p>
<div class="filters">
<label>Kind<select id="f-kind"><option value="">all kinds</option>${kindOptions}</select></label>
<label>Severity<select id="f-sev">${sevOptions}</select></label>
<label>Host contains<input id="f-host" type="search" placeholder="10.0.0.5"></label>
<label>From (UTC)<input id="f-from" type="datetime-local" step="1"></label>
<label>To (UTC)<input id="f-to" type="datetime-local" step="1"></label>
<span id="f-status" class="note" aria-live="polite"></span>
</div>
<table id="incidents-table"><thead><tr><th></th><th data-sort="source">Source</th><th data-sort="kinds">Kinds</th><th>Targets</th><th data-sort="count" data-type="num" class="num">Findings</th><th data-sort="first" data-type="num">First seen (UTC)</th><th data-sort="last" data-type="num">Last seen (UTC)</th><th data-sort="sev" data-type="num">Severity</th></tr></thead>
<tbody>
${rows || ''}
</tbody></table>
${groups.length === 0 ? '<p>No findings.</p>' : ''}
${more(agg.incidents.groupsDropped, 'findings from further sources (the report keeps the first sources it saw)')}
</section>`;
}

// --- Scans ---------------------------------------------------------------

function ipSortKey(h: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  return m ? m.slice(1).map((x) => x.padStart(3, '0')).join('.') : `~${h}`;
}

function renderScans(agg: ReportAggregate, findings: Finding[]): string {
  const scans = findings.filter((f) => f.kind.startsWith('scan.'));
  const bySrc = new Map<string, ScanAttempts>(agg.scans.map((s) => [s.src, s]));
  let out = '';
  let shown = 0;
  const seen = new Set<string>();
  for (const f of scans) {
    const id = `${f.kind}|${f.src}|${f.dst}|${f.port}|${f.proto}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (shown >= RENDER_CAPS.scanCharts) continue;
    shown++;
    // The scanning sources: the finding's source, or every source a distributed scan names.
    const srcNames = f.src !== null ? [f.src] : Array.isArray(f.evidence.sources) ? (f.evidence.sources as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    const sources = srcNames.map((n) => bySrc.get(n)).filter((x): x is ScanAttempts => x !== undefined);
    const vertical = f.dst !== null;
    // A vertical scan of IP protocols (nmap -sO) charts protocol numbers; a port scan charts TCP/UDP ports.
    const protocols = vertical && f.evidence.basis === 'ip-protocols';
    const unit = protocols ? 'IP protocols' : vertical ? 'ports' : 'hosts';
    // Attempts within the scan's window (the detector's window before the finding's end).
    const windowSec = typeof f.evidence.windowSec === 'number' ? f.evidence.windowSec : 300;
    const from = Math.min(f.ts, f.end - windowSec);
    const to = f.end + 1;
    const pts: { t: number; y: number; label: string }[] = [];
    let yLabels: { v: number; label: string }[] = [];
    let yMax = 1;
    let distinct = 0;
    const inScan = (a: ScanAttempts, i: number) => a.ts[i]! >= from && a.ts[i]! <= to && (vertical ? a.dst[i] === f.dst && (a.proto[i] === 'unknown_transport') === protocols : f.port === null || a.port[i] === f.port);
    if (vertical) {
      for (const a of sources) for (let i = 0; i < a.ts.length; i++) if (inScan(a, i)) pts.push({ t: a.ts[i]!, y: a.port[i]!, label: protocols ? `${a.src} → ${a.dst[i]} IP protocol ${a.port[i]}` : `${a.src} → ${a.dst[i]}:${a.port[i]}/${a.proto[i]}` });
      distinct = new Set(pts.map((p) => p.y)).size;
      yMax = niceCeil(Math.max(1, ...pts.map((p) => p.y)));
      yLabels = valueTicks(yMax).map((t) => ({ v: t.v, label: String(Math.round(t.v)) }));
    } else {
      const hosts: string[] = [];
      for (const a of sources) for (let i = 0; i < a.ts.length; i++) if (inScan(a, i)) hosts.push(a.dst[i]!);
      const order = [...new Set(hosts)].sort((a, b) => ipSortKey(a).localeCompare(ipSortKey(b)));
      const rank = new Map(order.map((h, i) => [h, i]));
      for (const a of sources) for (let i = 0; i < a.ts.length; i++) if (inScan(a, i)) pts.push({ t: a.ts[i]!, y: rank.get(a.dst[i]!)!, label: `${a.src} → ${a.dst[i]}:${a.port[i]}/${a.proto[i]}` });
      distinct = order.length;
      yMax = Math.max(1, order.length - 1);
      yLabels = order.length ? [{ v: 0, label: order[0]! }, { v: yMax, label: order[order.length - 1]! }] : [];
    }
    const s = sources[0];
    const t0 = pts.length ? Math.min(...pts.map((p) => p.t)) : f.ts;
    const t1 = pts.length ? Math.max(...pts.map((p) => p.t)) : f.end;
    const pad = Math.max(0.5, (t1 - t0) * 0.03);
    const fr = createFrame(1000, 170, t0 - pad, t1 + pad, 0, yMax, vertical ? 48 : 92);
    const who = f.src ?? (srcNames.length ? `${srcNames.length} sources` : '*');
    let svg = svgOpen(fr, `${f.kind} from ${who}: ${unit} over time`);
    svg += drawAxes(fr, yLabels);
    for (const p of pts) svg += `<circle class="pt" cx="${xOf(fr, p.t).toFixed(1)}" cy="${yOf(fr, p.y).toFixed(1)}" r="2"><title>${e(`${formatUtc(p.t)} ${p.label}`)}</title></circle>`;
    svg += '</svg>';
    const what = vertical ? `${unit} of ${f.dst}` : `hosts on ${f.port ?? '*'}/${f.proto ?? '*'}`;
    const sampling = s && s.stride > 1 ? ` (every ${s.stride}th of ${formatNumber(s.attempts)} attempts kept)` : '';
    out += `<div class="chart-box scan-chart" data-kind="${e(f.kind)}" data-src="${e(f.src ?? '')}" data-points="${pts.length}"><div class="cap"><span class="mono">${e(f.kind)}</span> from <b>${e(who)}</b>: ${e(what)} — ${distinct} distinct ${unit} in ${pts.length} failed attempts shown${e(sampling)} · ${sevBadge(f.severity)} <span class="note">${e(f.summary)}</span></div>${pts.length ? svg : f.kind === 'scan.arp' ? '<p class="note">An ARP scan asks for addresses on the local network; it makes no connection attempts to chart (the addresses are in the finding\'s evidence).</p>' : '<p class="note">No failed attempts recorded for this source (the report keeps the busiest sources).</p>'}</div>`;
  }
  return `<section id="scans"><h2>Scans</h2>
<p class="note">Each dot is a failed or unanswered connection attempt of the scanning source: the port it tried (vertical scans) or the host it tried (horizontal scans) against time.</p>
${out || '<p>No scans found.</p>'}
${more(seen.size - shown, 'scans')}
</section>`;
}

// --- DNS -----------------------------------------------------------------

function renderDns(agg: ReportAggregate, findings: Finding[]): string {
  const tunnels = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.kind !== 'tunnel.dns') continue;
    const d = typeof f.evidence.domain === 'string' ? f.evidence.domain : null;
    if (d === null) continue;
    const list = tunnels.get(d) ?? [];
    list.push(f);
    tunnels.set(d, list);
  }
  const domains = [...agg.dns.domains].sort((a, b) => Number(tunnels.has(b.domain)) - Number(tunnels.has(a.domain)) || b.uniqueNames - a.uniqueNames || b.queries - a.queries);
  const lenLabels = LENGTH_BINS.map((lo, i) => (i + 1 < LENGTH_BINS.length ? `${lo}–${LENGTH_BINS[i + 1]! - 1} chars` : `≥ ${lo} chars`));
  const entLabels = ENTROPY_BINS.map((lo, i) => (i + 1 < ENTROPY_BINS.length ? `${lo}–${ENTROPY_BINS[i + 1]} bits/char` : `≥ ${lo} bits/char`));
  const rows = domains
    .slice(0, RENDER_CAPS.domains)
    .map((d) => {
      const t = tunnels.get(d.domain);
      const verdict = t
        ? `<span class="badge bad verdict">tunnel</span> ${sevBadge(t.reduce<Severity>((s, f) => (severityRank(f.severity) > severityRank(s) ? f.severity : s), 'info'))}<div class="note">${t.map((f) => e(`${f.src ?? '*'} → ${f.dst ?? '*'}`)).join('<br>')}</div>`
        : '';
      const types = Object.entries(d.qtypes)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `<span class="badge">${e(k)} ${n}</span>`)
        .join('');
      const clients = d.clients.map(e).join(', ') + (d.otherClientQueries ? ` <span class="more">+${d.otherClientQueries} queries from other clients</span>` : '');
      return `<tr class="domain" data-domain="${e(d.domain)}" data-tunnel="${t ? 'yes' : 'no'}"><td class="mono">${e(d.domain)}<details><summary>samples</summary><ul class="samples">${d.samples.map((s) => `<li class="mono">${e(s)}</li>`).join('')}</ul></details></td><td class="num">${d.queries}</td><td class="num">${d.uniqueNames}${d.uniqueSaturated ? '+' : ''}</td><td class="mono">${clients}</td><td class="num">${d.meanLength} / ${d.maxLength}</td><td>${drawHistogram(d.lengthHist, lenLabels, `query lengths under ${d.domain}`)}</td><td class="num">${d.meanEntropy}</td><td>${drawHistogram(d.entropyHist, entLabels, `longest-label entropy under ${d.domain}`)}</td><td>${types}</td><td class="num">${d.nxdomain}</td><td>${verdict}</td></tr>`;
    })
    .join('\n');
  return `<section id="dns"><h2>DNS</h2>
<p class="note">${formatNumber(agg.dns.queries)} queries under ${formatNumber(agg.dns.domains.length + agg.dns.domainsDropped)} registered domains (public suffix list). Domains with a tunnel.dns finding first, then by unique names. Entropy is of each name's longest label left of the registered domain.</p>
${
  rows
    ? `<table id="dns-table"><thead><tr><th>Registered domain</th><th class="num">Queries</th><th class="num">Unique names</th><th>Clients</th><th class="num">Length mean / max</th><th>Lengths</th><th class="num">Entropy (mean)</th><th>Entropy</th><th>Record types</th><th class="num">NXDOMAIN</th><th>Verdict</th></tr></thead><tbody>
${rows}
</tbody></table>`
    : '<p>No DNS queries in the input.</p>'
}
${more(domains.length - Math.min(domains.length, RENDER_CAPS.domains) + agg.dns.domainsDropped, 'domains')}
</section>`;
}

// --- Exposure ------------------------------------------------------------

const SERVICE_NAMES: Record<number, string> = {
  22: 'ssh',
  23: 'telnet',
  135: 'ms-rpc',
  139: 'netbios-ssn',
  445: 'smb',
  502: 'modbus',
  2012: '2012 (policy)',
  3389: 'rdp',
  4840: 'opc-ua',
  5900: 'vnc',
};

function renderExposure(agg: ReportAggregate, findings: Finding[]): string {
  const policyHits = new Map<string, Set<string>>();
  for (const f of findings) {
    if (!f.kind.startsWith('policy.') || f.dst === null || f.port === null) continue;
    const k = `${f.dst}|${f.port}`;
    const s = policyHits.get(k) ?? new Set<string>();
    s.add(f.kind);
    policyHits.set(k, s);
  }
  const list = agg.exposure.services;
  const rows = list
    .slice(0, RENDER_CAPS.exposed)
    .map((s) => {
      const hits = policyHits.get(`${s.host}|${s.port}`);
      return `<tr class="exposed" data-host="${e(s.host)}" data-port="${s.port}"><td class="mono">${e(s.host)}</td><td class="mono">${s.port}/${s.proto}</td><td>${e(SERVICE_NAMES[s.port] ?? 'policy rule port')}</td><td class="num">${s.sessions}</td><td class="mono">${s.clients.map(e).join(', ')}${s.otherClientSessions ? ` <span class="more">+${s.otherClientSessions} sessions from other clients</span>` : ''}</td><td class="mono">${e(formatUtc(s.firstTs))}</td><td class="mono">${e(formatUtc(s.lastTs))}</td><td class="num">${e(fmtBytes(s.origBytes))}</td><td class="num">${e(fmtBytes(s.respBytes))}</td><td>${hits ? [...hits].map((k) => `<span class="badge bad">${e(k)}</span>`).join('') : ''}</td></tr>`;
    })
    .join('\n');
  return `<section id="exposure"><h2>Exposure</h2>
<p class="note">Risky services seen answering: established sessions (handshake completed, payload carried) to ports ${agg.exposure.ports.join(', ')} (the watch list and the policy rules' ports), by host.</p>
${
  rows
    ? `<table id="exposure-table"><thead><tr><th>Host</th><th>Port</th><th>Service</th><th class="num">Sessions</th><th>Clients</th><th>First seen (UTC)</th><th>Last seen (UTC)</th><th class="num">Bytes to service</th><th class="num">Bytes from service</th><th>Findings</th></tr></thead><tbody>
${rows}
</tbody></table>`
    : '<p id="exposure-none">No established sessions to watched service ports.</p>'
}
${more(list.length - Math.min(list.length, RENDER_CAPS.exposed) + agg.exposure.servicesDropped, 'services')}
</section>`;
}

// --- Model ---------------------------------------------------------------

function renderModel(run: ReportRunInfo, agg: ReportAggregate, findings: Finding[]): string {
  if (run.model === null) {
    return `<section id="model"><h2>Model</h2><p id="model-none">no model used: ${e(run.modelNote)}</p></section>`;
  }
  const devs = findings.filter((f) => f.kind === 'baseline.deviation');
  let charts = '';
  const { baseSec, bucketSec } = agg.axis;
  const span = timeSpan(run, agg);
  if (agg.model.series.length) {
    const peakOf = (r: number[]) => Math.max(0, ...r.filter(Number.isFinite));
    const ranked = [...agg.model.series].sort((a, b) => peakOf(b.ratio) - peakOf(a.ratio));
    for (const s of ranked.slice(0, RENDER_CAPS.modelCharts)) {
      const peak = Math.max(1, peakOf(s.ratio));
      const yMax = niceCeil(peak * 1.1);
      const fr = createFrame(1000, 130, span.from, span.to, 0, yMax);
      let svg = svgOpen(fr, `${s.proto}/${s.port} ${s.model} score / threshold`);
      svg += drawAxes(fr, valueTicks(yMax).map((t) => ({ v: t.v, label: `${formatNumber(t.v)}×` })));
      svg += drawBucketLine(fr, s.ratio, baseSec, bucketSec, 'series');
      svg += drawHLine(fr, 1, 'threshold', 'threshold');
      svg += '</svg>';
      charts += `<div class="chart-box model-chart" data-port="${e(`${s.proto}/${s.port}`)}" data-windows="${s.windows}"><div class="cap"><b>${e(`${s.proto}/${s.port}`)}</b> ${e(s.model)} score ÷ threshold, highest window per ${e(fmtDuration(bucketSec))} bucket (${s.windows} windows judged)</div>${svg}</div>`;
    }
    const hidden = agg.model.series.length - Math.min(agg.model.series.length, RENDER_CAPS.modelCharts) + agg.model.portsDropped;
    if (hidden > 0) charts += `<p class="more">${hidden} more ports (lower scores) not charted</p>`;
  } else if (devs.length) {
    // No per-window score stream from this model: chart the windows that crossed the threshold.
    const ports = [...new Set(devs.map((f) => `${f.proto ?? '*'}/${f.port ?? '*'}`))];
    const maxRatio = Math.max(1, ...devs.map((f) => Number((f.evidence.ratio ?? (f.evidence.worst as Record<string, unknown> | undefined)?.ratio) || 1)));
    const yMax = niceCeil(maxRatio * 1.1);
    const laneH = 0;
    const fr = createFrame(1000, 170 + laneH, span.from, span.to, 0, yMax);
    let svg = svgOpen(fr, 'baseline.deviation windows: score ÷ threshold');
    svg += drawAxes(fr, valueTicks(yMax).map((t) => ({ v: t.v, label: `${formatNumber(t.v)}×` })));
    svg += drawHLine(fr, 1, 'threshold', 'threshold');
    for (const f of devs) {
      const r = Number((f.evidence.ratio ?? (f.evidence.worst as Record<string, unknown> | undefined)?.ratio) || 1);
      svg += `<circle class="pt-hot" cx="${xOf(fr, f.ts).toFixed(1)}" cy="${yOf(fr, r).toFixed(1)}" r="3.5"><title>${e(`${formatUtc(f.ts)} ${f.proto ?? '*'}/${f.port ?? '*'}: ${r}× threshold`)}</title></circle>`;
    }
    svg += '</svg>';
    charts = `<div class="chart-box model-chart"><div class="cap">Windows above their port's threshold, score ÷ threshold (${ports.length} ports: ${e(ports.slice(0, 12).join(', '))}${ports.length > 12 ? ' …' : ''})</div>${svg}<p class="note">This model reports only windows above the threshold; scores of the other windows are not recorded in this report.</p></div>`;
  }
  const num = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v) : v === null || v === undefined ? '-' : String(v));
  const rows = devs
    .slice(0, RENDER_CAPS.deviations)
    .map((f) => {
      const ev = (f.evidence.worst as Record<string, unknown> | undefined) ?? f.evidence;
      const feats = Array.isArray(ev.topFeatures) ? (ev.topFeatures as Record<string, unknown>[]) : [];
      const featRows = feats
        .map((t) => `<tr><td class="mono">${e(String(t.feature))}</td><td class="num">${e(num(t.observed ?? t.value))}</td><td class="num">${e(num(t.p50 ?? t.learnedMedian))}</td><td class="num">${e(num(t.p99))}</td><td>${e(String(t.unit ?? ''))}</td></tr>`)
        .join('');
      const reason = typeof ev.reason === 'string' ? ev.reason : 'deviation';
      const features = featRows
        ? `<table class="features"><thead><tr><th>Feature</th><th class="num">Observed</th><th class="num">Typical (p50)</th><th class="num">p99</th><th>Unit</th></tr></thead><tbody>${featRows}</tbody></table>`
        : `<span class="summary">${e(f.summary)}</span>`;
      return `<tr class="deviation" data-port="${e(`${f.proto ?? '*'}/${f.port ?? '*'}`)}"><td class="mono">${e(formatUtc(f.ts))}</td><td class="mono">${e(`${f.proto ?? '*'}/${f.port ?? '*'}`)}</td><td>${e(reason)}</td><td class="num">${e(num(ev.ratio))}${typeof ev.ratio === 'number' ? '×' : ''}</td><td>${sevBadge(f.severity)}</td><td>${features}</td></tr>`;
    })
    .join('\n');
  return `<section id="model"><h2>Model</h2>
<p id="model-used">Model: ${run.model.dir ? `<span class="mono">${e(run.model.dir)}</span>` : ''}${run.model.backend ? ` (backend ${e(run.model.backend)})` : ''}${run.modelNote && run.modelNote !== run.model.dir ? `${run.model.dir || run.model.backend ? ' — ' : ''}${e(run.modelNote)}` : ''}</p>
${charts || '<p class="note">No window scores recorded.</p>'}
<h3>Deviations</h3>
${rows ? `<table id="deviations-table"><thead><tr><th>Window (UTC)</th><th>Port</th><th>Why</th><th class="num">Score ÷ threshold</th><th>Severity</th><th>Features that deviated (observed vs the port's learned range)</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No baseline.deviation findings.</p>'}
${more(devs.length - Math.min(devs.length, RENDER_CAPS.deviations), 'deviations')}
</section>`;
}
