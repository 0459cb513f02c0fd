/**
 * Inline SVG charts for the HTML report, generated as strings: time-series
 * lines with threshold lines and shaded bands, lanes of counts, scatter
 * plots and small histograms. No charting library: the charts are few and
 * simple, and hand-made SVG keeps the report one small file that needs no
 * script to draw and prints as vectors. Every label passes through
 * `escapeHtml`; numbers are formatted here.
 */

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** `2026-11-23 05:34:27` (UTC). */
export function formatUtc(tsSec: number): string {
  if (!Number.isFinite(tsSec)) return '-';
  return new Date(Math.floor(tsSec * 1000)).toISOString().slice(0, 19).replace('T', ' ');
}

function formatTick(tsSec: number, spanSec: number): string {
  const iso = new Date(Math.round(tsSec * 1000)).toISOString();
  if (spanSec > 2 * 86400) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  if (spanSec > 600) return iso.slice(11, 16);
  if (spanSec < 20) return iso.slice(11, 21);
  return iso.slice(11, 19);
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(Math.abs(n) < 10 ? 2 : 1);
}

/** A "nice" upper bound ≥ v (1, 2, 2.5, 5 × 10^k). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface Frame {
  width: number;
  height: number;
  /** Time range on x. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Plot margins. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function createFrame(width: number, height: number, x0: number, x1: number, y0: number, y1: number, left = 48): Frame {
  return { width, height, x0, x1: x1 > x0 ? x1 : x0 + 1, y0, y1: y1 > y0 ? y1 : y0 + 1, left, right: 12, top: 8, bottom: 22 };
}

export function xOf(f: Frame, t: number): number {
  const w = f.width - f.left - f.right;
  return f.left + ((t - f.x0) / (f.x1 - f.x0)) * w;
}

export function yOf(f: Frame, v: number): number {
  const h = f.height - f.top - f.bottom;
  return f.top + h - ((v - f.y0) / (f.y1 - f.y0)) * h;
}

const r1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** The axes: time ticks along the bottom, value ticks (or given labels) on the left. */
export function drawAxes(f: Frame, yTicks: { v: number; label: string }[]): string {
  let s = `<g class="axis">`;
  const span = f.x1 - f.x0;
  const n = Math.max(2, Math.min(6, Math.floor((f.width - f.left - f.right) / 90)));
  for (let i = 0; i <= n; i++) {
    const t = f.x0 + (span * i) / n;
    const x = xOf(f, t);
    s += `<line x1="${r1(x)}" y1="${f.height - f.bottom}" x2="${r1(x)}" y2="${f.height - f.bottom + 4}"/>`;
    const anchor = i === 0 ? 'start' : i === n ? 'end' : 'middle';
    s += `<text x="${r1(x)}" y="${f.height - 6}" text-anchor="${anchor}">${escapeHtml(formatTick(t, span))}</text>`;
  }
  for (const t of yTicks) {
    const y = yOf(f, t.v);
    s += `<line class="grid" x1="${f.left}" y1="${r1(y)}" x2="${f.width - f.right}" y2="${r1(y)}"/>`;
    s += `<text x="${f.left - 4}" y="${r1(y + 3)}" text-anchor="end">${escapeHtml(t.label)}</text>`;
  }
  s += `<line x1="${f.left}" y1="${f.height - f.bottom}" x2="${f.width - f.right}" y2="${f.height - f.bottom}"/>`;
  s += '</g>';
  return s;
}

export function valueTicks(yMax: number): { v: number; label: string }[] {
  return [0, yMax / 2, yMax].map((v) => ({ v, label: formatNumber(v) }));
}

export function svgOpen(f: Frame, label: string, cls = 'chart'): string {
  return `<svg class="${cls}" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>`;
}

/** A step line over buckets (value per bucket of `bucketSec` from `baseSec`); NaN buckets break the line. */
export function drawBucketLine(f: Frame, values: readonly number[], baseSec: number, bucketSec: number, cls: string, dataAttr = ''): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const t0 = baseSec + i * bucketSec;
    const t1 = t0 + bucketSec;
    if (t1 < f.x0 || t0 > f.x1 || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const xa = xOf(f, Math.max(f.x0, t0));
    const xb = xOf(f, Math.min(f.x1, t1));
    const y = yOf(f, Math.min(v, f.y1));
    d += `${pen ? 'L' : 'M'}${r1(xa)} ${r1(y)}H${r1(xb)}`;
    pen = true;
  }
  return d ? `<path class="${cls}" d="${d}"${dataAttr}/>` : '';
}

export function drawHLine(f: Frame, v: number, cls: string, label: string): string {
  const y = yOf(f, v);
  return `<g class="${cls}"><line x1="${f.left}" y1="${r1(y)}" x2="${f.width - f.right}" y2="${r1(y)}"/><text x="${f.width - f.right - 2}" y="${r1(y - 3)}" text-anchor="end">${escapeHtml(label)}</text></g>`;
}

export function drawBand(f: Frame, t0: number, t1: number, cls: string, label: string): string {
  const xa = xOf(f, Math.max(f.x0, t0));
  const xb = xOf(f, Math.min(f.x1, Math.max(t1, t0)));
  const w = Math.max(2, xb - xa);
  return `<rect class="${cls}" x="${r1(xa)}" y="${f.top}" width="${r1(w)}" height="${f.height - f.top - f.bottom}"><title>${escapeHtml(label)}</title></rect>`;
}

/** A tiny histogram (no axes): bar heights relative to the largest bin. */
export function drawHistogram(counts: readonly number[], labels: readonly string[], title: string, width = 120, height = 28): string {
  const max = Math.max(1, ...counts);
  const bw = width / Math.max(1, counts.length);
  let s = `<svg class="hist" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>`;
  counts.forEach((c, i) => {
    if (c === 0) return;
    const h = Math.max(1, (c / max) * (height - 2));
    s += `<rect x="${r1(i * bw + 0.5)}" y="${r1(height - h)}" width="${r1(bw - 1)}" height="${r1(h)}"><title>${escapeHtml(`${labels[i] ?? ''}: ${c}`)}</title></rect>`;
  });
  return `${s}</svg>`;
}
