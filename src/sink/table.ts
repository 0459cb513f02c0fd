/**
 * Findings as a table for people at a terminal.
 *
 * - In time order. `analyze` (the default) holds the findings until the end
 *   of input, then writes them sorted; `live` (watch) writes them as they
 *   arrive.
 * - Repeated findings of one source and kind (one nmap run: 24
 *   `scan.vertical` findings, one per target host) are collapsed into one
 *   incident row with a count, its first time, its worst severity and its
 *   targets; `expand` writes every finding instead.
 * - Each row is two lines that fit `width` columns (default 80): time,
 *   severity, kind, count, source → target; then the summary, indented.
 *   Anything longer is cut with `…`. `analyze` passes the terminal's width,
 *   or Infinity (nothing cut) when its output is a file or a pipe.
 * - Severity in colour when `color` is set (the CLI sets it on a terminal
 *   unless NO_COLOR is set, https://no-color.org).
 * - Strings from traffic (hosts, summaries) have control characters shown
 *   as `\xNN`, so a finding cannot move the cursor or retitle the terminal.
 */
import { severityRank } from '../score/severity.js';
import { escapeControl } from '../text/escape-control.js';
import type { Finding, Severity } from '../types.js';
import { finishOutput, type Sink, type TextOutput, type TextSinkOptions, writeText } from './sink.js';

export interface TableSinkOptions extends TextSinkOptions {
  /** Columns to fit (default 80; Infinity: lines are not cut). */
  width?: number;
  /** ANSI colour for the severity column. */
  color?: boolean;
  /** One row per finding instead of one per (source, kind) incident. */
  expand?: boolean;
  /** Write rows as findings arrive (watch) instead of sorted at the end. */
  live?: boolean;
  /** Findings held for the sorted table; past it they are counted and the table says so. */
  maxHeld?: number;
}

const SEV_WIDTH = 8;
const KIND_WIDTH = 19;
const COUNT_WIDTH = 4;
const DEFAULT_MAX_HELD = 200_000;
const MAX_TARGETS = 64;

const SEV_COLOR: Record<Severity, string> = {
  critical: '\x1b[1;97;41m',
  high: '\x1b[1;31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};


/** Cuts `s` to `n` characters, ending in `…` when cut. */
export function truncate(s: string, n: number): string {
  if (n <= 0) return '';
  if (s.length <= n) return s;
  return `${s.slice(0, n - 1)}…`;
}

function pad(s: string, n: number): string {
  const t = truncate(s, n);
  return t + ' '.repeat(n - t.length);
}

export function formatTableTime(tsSec: number): string {
  if (!Number.isFinite(tsSec)) return '-';
  return new Date(Math.floor(tsSec * 1000)).toISOString().slice(0, 19).replace('T', ' ');
}

function hostPort(host: string, port: number | null, proto: string | null): string {
  const h = host.includes(':') ? `[${host}]` : host;
  let t = port !== null && proto !== 'icmp' ? `${h}:${port}` : h;
  if (proto !== null) t += `/${proto}`;
  return t;
}

/** The finding's target: `10.0.0.5:22/tcp`, a host, or `*:23/tcp` for a horizontal scan. */
export function formatTarget(f: Finding): string {
  if (f.evidence.portRole === 'src') return `${f.dst ?? '*'}${f.proto ? `/${f.proto}` : ''}`;
  if (f.dst === null) return f.port !== null ? hostPort('*', f.port, f.proto) : '*';
  return hostPort(f.dst, f.port, f.proto);
}

export function formatFlowColumn(f: Finding): string {
  const src = f.src ?? '*';
  if (f.evidence.portRole === 'src' && f.port !== null) return `${src}:${f.port} → ${formatTarget(f)}`;
  return `${src} → ${formatTarget(f)}`;
}

interface Incident {
  first: Finding;
  worst: Finding;
  count: number;
  lastEnd: number;
  targets: Set<string>;
  moreTargets: boolean;
}

export function createTableSink(out: TextOutput, options: TableSinkOptions = {}): Sink {
  const width = Math.max(40, options.width ?? 80);
  const color = options.color ?? false;
  const maxHeld = options.maxHeld ?? DEFAULT_MAX_HELD;
  const held: Finding[] = [];
  let notHeld = 0;
  let rows = 0;
  let headerWritten = false;

  function sev(s: Severity): string {
    const text = pad(s, SEV_WIDTH);
    return color ? `${SEV_COLOR[s]}${s}\x1b[0m${' '.repeat(SEV_WIDTH - s.length)}` : text;
  }

  function header(timeWidth: number): string {
    return `${truncate(`${pad(timeWidth > 8 ? 'TIME (UTC)' : 'TIME', timeWidth)} ${pad('SEVERITY', SEV_WIDTH)} ${pad('KIND', KIND_WIDTH)} ${'N'.padStart(COUNT_WIDTH)} SOURCE → TARGET`, width)}\n`;
  }

  function row(time: string, timeWidth: number, s: Severity, kind: string, count: number, flow: string, summary: string): string {
    const lead = `${pad(time, timeWidth)} `;
    const rest = ` ${pad(escapeControl(kind), KIND_WIDTH)} ${(count > 1 ? `×${count}` : '').padStart(COUNT_WIDTH)} `;
    const flowWidth = width - timeWidth - 1 - SEV_WIDTH - rest.length;
    const line1 = `${lead}${sev(s)}${rest}${truncate(escapeControl(flow), flowWidth)}`.trimEnd();
    const indent = ' '.repeat(timeWidth + 1);
    const line2 = indent + truncate(escapeControl(summary), width - indent.length);
    return `${line1}\n${line2}\n`;
  }

  function writeLive(findings: readonly Finding[]): void | Promise<void> {
    let text = '';
    if (!headerWritten) {
      headerWritten = true;
      text += header(19);
    }
    for (const f of findings) text += row(formatTableTime(f.ts), 19, f.severity, f.kind, 1, formatFlowColumn(f), f.summary);
    return writeText(out, text, options.acknowledgeWrites === true);
  }

  function writeSorted(): void {
    if (held.length === 0) return;
    held.sort((a, b) => a.ts - b.ts || a.kind.localeCompare(b.kind));
    const firstDay = formatTableTime(held[0]!.ts).slice(0, 10);
    const oneDay = held.every((f) => formatTableTime(f.ts).slice(0, 10) === firstDay);
    const timeWidth = oneDay ? 8 : 14;
    const timeOf = (ts: number) => (oneDay ? formatTableTime(ts).slice(11) : formatTableTime(ts).slice(5));
    let text = oneDay ? `findings on ${firstDay} (UTC)\n` : '';
    text += header(timeWidth);
    if (options.expand) {
      for (const f of held) text += row(timeOf(f.ts), timeWidth, f.severity, f.kind, 1, formatFlowColumn(f), f.summary);
    } else {
      const incidents = new Map<string, Incident>();
      for (const f of held) {
        const key = `${f.src ?? `→${f.dst ?? '*'}`}|${f.kind}`;
        let g = incidents.get(key);
        if (g === undefined) {
          g = { first: f, worst: f, count: 0, lastEnd: f.end, targets: new Set(), moreTargets: false };
          incidents.set(key, g);
        }
        g.count++;
        if (f.end > g.lastEnd) g.lastEnd = f.end;
        if (severityRank(f.severity) > severityRank(g.worst.severity)) g.worst = f;
        const t = formatTarget(f);
        if (g.targets.size < MAX_TARGETS) g.targets.add(t);
        else if (!g.targets.has(t)) g.moreTargets = true;
      }
      for (const g of incidents.values()) {
        const f = g.first;
        if (g.count === 1) {
          text += row(timeOf(f.ts), timeWidth, f.severity, f.kind, 1, formatFlowColumn(f), f.summary);
          continue;
        }
        const targets = g.targets.size === 1 ? [...g.targets][0]! : `${g.targets.size}${g.moreTargets ? '+' : ''} targets`;
        const flow = `${f.src ?? '*'} → ${targets}`;
        const span = `${timeOf(f.ts)}–${timeOf(g.lastEnd)}`;
        const summary = `${g.count} findings ${span}; worst: ${g.worst.summary}`;
        text += row(timeOf(f.ts), timeWidth, g.worst.severity, f.kind, g.count, flow, summary);
      }
    }
    if (notHeld > 0) text += `${notHeld} more findings not shown (more than ${maxHeld}); use --output jsonl\n`;
    out.write(text);
  }

  return {
    write(findings: readonly Finding[]) {
      if (findings.length === 0) return;
      rows += findings.length;
      if (options.live) return writeLive(findings);
      for (const f of findings) {
        if (held.length < maxHeld) held.push(f);
        else notHeld++;
      }
    },
    close() {
      if (!options.live) writeSorted();
      if (rows === 0) out.write('no findings\n');
      return finishOutput(out, options.endOutput ?? false);
    },
  };
}
