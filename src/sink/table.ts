/**
 * Findings as a table for a terminal: time (UTC), severity, kind,
 * source → destination:port/proto, summary. Rows are written as findings
 * arrive (the header first), so a long run shows them as they happen; the
 * summary column is not cut, the terminal wraps it. Text from the traffic
 * (addresses, the summary's DNS names) has its control bytes escaped.
 */
import { escapeControl } from '../text/escape-control.js';
import type { Finding } from '../types.js';
import { finishOutput, type Sink, type TextOutput } from './sink.js';

const COLUMNS = { time: 19, severity: 8, kind: 22, flow: 44 };

export function formatTableTime(tsSec: number): string {
  if (!Number.isFinite(tsSec)) return '-';
  return new Date(Math.floor(tsSec * 1000)).toISOString().slice(0, 19).replace('T', ' ');
}

export function formatFlowColumn(f: Finding): string {
  const src = escapeControl(f.src ?? '*');
  const dst = escapeControl(f.dst ?? '*');
  const host = dst.includes(':') ? `[${dst}]` : dst;
  let target = host;
  if (f.port !== null && f.proto !== 'icmp') target = `${host}:${f.port}`;
  if (f.proto !== null) target += `/${f.proto}`;
  if (f.evidence.portRole === 'src' && f.port !== null) return `${src}:${f.port} → ${dst}${f.proto ? `/${f.proto}` : ''}`;
  return `${src} → ${target}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length + 1);
}

export function formatTableRow(f: Finding): string {
  return `${pad(formatTableTime(f.ts), COLUMNS.time)}${pad(f.severity, COLUMNS.severity)}${pad(f.kind, COLUMNS.kind)}${pad(formatFlowColumn(f), COLUMNS.flow)}${escapeControl(f.summary)}`;
}

export function createTableSink(out: TextOutput, options: { endOutput?: boolean } = {}): Sink {
  let headerWritten = false;
  let rows = 0;
  return {
    write(findings: readonly Finding[]) {
      if (findings.length === 0) return;
      let text = '';
      if (!headerWritten) {
        headerWritten = true;
        text += `${pad('TIME (UTC)', COLUMNS.time)}${pad('SEVERITY', COLUMNS.severity)}${pad('KIND', COLUMNS.kind)}${pad('SOURCE → TARGET', COLUMNS.flow)}SUMMARY\n`;
      }
      for (const f of findings) text += `${formatTableRow(f)}\n`;
      rows += findings.length;
      out.write(text);
    },
    close() {
      if (rows === 0) out.write('no findings\n');
      return finishOutput(out, options.endOutput ?? false);
    },
  };
}
