/**
 * The run summary `analyze` writes to stderr: inputs, records by type, event
 * time span, findings by kind and severity, suppressed repeats, skipped or
 * invalid input, late records, and which model and backend ran.
 */
import type { RunCounters } from '../detect/run-detectors.js';
import { formatPacketCounts, type PacketCounts } from '../ingest/packet-counts.js';
import { escapeControl } from '../text/escape-control.js';

export interface RunSummary {
  inputs: readonly string[];
  counters: RunCounters;
  /** What became of captured packets (captures only). */
  packets?: PacketCounts;
  warnings: number;
  warningsByCode: Record<string, number>;
  suppressed: number;
  lateRecords: Record<string, number>;
  model: string;
  backend: string | null;
  /** The model detector's counts, when a model ran. */
  modelStats?: { windowsScored: number; windowsAboveThreshold: number; windowsOnUnlearnedPorts: number; unlearnedPorts: number; windowsFewHistory?: number } | null;
  rules: number;
  rulesFile: string | null;
  configFile: string | null;
  elapsedSec: number;
}

function fmtTime(ts: number | null): string {
  if (ts === null) return '-';
  return `${new Date(Math.floor(ts * 1000)).toISOString().replace('.000Z', 'Z')}`;
}

function fmtCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
}

export function formatRunSummary(s: RunSummary): string {
  const c = s.counters;
  const total = Object.values(c.findingsByKind).reduce((a, b) => a + b, 0);
  const span = c.firstTs !== null && c.lastTs !== null ? `${fmtTime(c.firstTs)} … ${fmtTime(c.lastTs)} (${Math.round((c.lastTs - c.firstTs) * 10) / 10} s)` : 'no records';
  const lines = [
    `flowhound analyze: ${s.inputs.length} input${s.inputs.length === 1 ? '' : 's'}: ${s.inputs.map(escapeControl).join(', ')}`,
    `  records:   flows ${c.flows}, dns ${c.dns}, packet ticks ${c.ticks}, icmp echoes ${c.echoes} (${c.batches} batches)`,
    ...(s.packets && s.packets.captures > 0 ? [`  packets:   ${formatPacketCounts(s.packets)}`] : []),
    `  time span: ${span}`,
    `  findings:  ${total}${total ? ` (${fmtCounts(c.findingsByKind)}; ${fmtCounts(c.findingsBySeverity)})` : ''}${s.suppressed ? `, ${s.suppressed} repeats suppressed` : ''}`,
    `  input:     ${s.warnings} warning${s.warnings === 1 ? '' : 's'}${s.warnings ? ` (${fmtCounts(s.warningsByCode)})` : ''}`,
  ];
  const late = Object.entries(s.lateRecords).filter(([, v]) => v > 0);
  if (late.length) lines.push(`  late:      ${late.map(([k, v]) => `${k} ${v}`).join(', ')} (records later than the allowed lateness, not counted)`);
  lines.push(`  model:     ${s.model}${s.backend ? ` (backend ${s.backend})` : ''}`);
  const m = s.modelStats;
  if (m) {
    if (m.windowsScored > 0) lines.push(`             ${m.windowsScored} windows judged, ${m.windowsAboveThreshold} alarmed`);
    const unjudged = [
      m.windowsFewHistory ? `${m.windowsFewHistory} on ports with too little history` : '',
      m.windowsOnUnlearnedPorts ? `${m.windowsOnUnlearnedPorts} on ${m.unlearnedPorts} ports the baseline never saw (below the novelty floor)` : '',
    ].filter((x) => x !== '');
    if (unjudged.length) lines.push(`             not judged: ${unjudged.join('; ')}`);
  }
  lines.push(`  rules:     ${s.rules} policy rules${s.rulesFile ? ` (shipped + ${escapeControl(s.rulesFile)})` : ' (shipped)'}${s.configFile ? `; config ${escapeControl(s.configFile)}` : ''}`);
  lines.push(`  elapsed:   ${s.elapsedSec.toFixed(2)} s`);
  return `${lines.join('\n')}\n`;
}
