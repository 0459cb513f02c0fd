/**
 * The run summary `analyze` writes to stderr: inputs, records by type, event
 * time span, findings by kind and severity, suppressed repeats, skipped or
 * invalid input, late records, and which model and backend ran.
 */
import { formatPacketCounts, type PacketCounts } from '../ingest/packet-counts.js';
import type { AnalysisResult } from '../pipeline/analysis.js';
import type { RunCounters } from '../pipeline/run-counters.js';
import type { WatchEvent, WatchRunResult } from '../pipeline/watch-run.js';
import { type WebhookStats, webhookSpoolPath } from '../sink/webhook.js';
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
  /** Keys each detector dropped at its cap (memory bound). */
  evictedKeys?: Record<string, number>;
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
  const evicted = Object.entries(s.evictedKeys ?? {}).filter(([, v]) => v > 0);
  if (evicted.length) lines.push(`  evicted:   ${evicted.map(([k, v]) => `${k} ${v}`).join(', ')} keys dropped at the detectors' caps (--*-max-* settings); findings on those keys may be missed`);
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

export interface WatchSummary {
  target: string;
  result: WatchRunResult;
  warnings: number;
  warningsByCode: Record<string, number>;
  rules: number;
  rulesFile: string | null;
  configFile: string | null;
  elapsedSec: number;
  webhook: WebhookStats | null;
  statePath: string | null;
  latenessSec: number;
}

/** `watch`'s summary: analyze's lines, then following, lateness, reloads, webhook and state. */
export function formatWatchSummary(s: WatchSummary): string {
  const r = s.result;
  const base = formatRunSummary({
    inputs: [s.target],
    counters: r.counters,
    warnings: s.warnings,
    warningsByCode: s.warningsByCode,
    suppressed: r.suppressed,
    lateRecords: r.lateRecords,
    evictedKeys: r.evictedKeys,
    model: r.modelNote,
    backend: r.backend,
    rules: s.rules,
    rulesFile: s.rulesFile,
    configFile: s.configFile,
    elapsedSec: s.elapsedSec,
  }).replace(/^flowhound analyze:/, 'flowhound watch:');
  const extra: string[] = [];
  const followed = r.followed.map((f) => `${escapeControl(f.path)}${f.resumed ? ' (resumed)' : ''}`);
  if (followed.length) extra.push(`  followed:  ${followed.join(', ')}; ${r.reopens.rotation} rotations, ${r.reopens.truncation} truncations`);
  const d = r.driver;
  extra.push(
    `  watch:     lateness ${s.latenessSec} s, ${d.lateRecords} late records (passed to the detectors), watermark ${d.watermark === null ? '-' : new Date(Math.floor(d.watermark * 1000)).toISOString()}, ${d.idleFlushes} idle flushes, ${d.alreadyEmitted} findings already emitted before a restart dropped`,
  );
  if (r.modelDir) extra.push(`  reloads:   ${r.reloads} model reloads, ${r.reloadFailures} failed`);
  const w = s.webhook;
  if (w) {
    const spool = s.statePath !== null ? `, ${w.spooled} left in the spool ${escapeControl(webhookSpoolPath(s.statePath))} for the next run` : '';
    extra.push(`  webhook:   ${w.sent} sent, ${w.retries} retried POSTs, ${w.dropped} dropped (spool full), ${w.rejected} refused${w.resumed ? `, ${w.resumed} resumed from the spool` : ''}${spool}`);
  }
  if (s.statePath) extra.push(`  state:     ${s.statePath}`);
  return `${base}${extra.join('\n')}\n`;
}

/** `analyze`'s summary from the pipeline's result. */
export function formatAnalysisSummary(
  inputs: readonly string[],
  r: AnalysisResult,
  warnings: { warnings: number; warningsByCode: Record<string, number> },
  files: { rules: number; rulesFile: string | null; configFile: string | null },
  elapsedSec: number,
): string {
  return formatRunSummary({ inputs, counters: r.counters, packets: r.packets, ...warnings, suppressed: r.suppressed, lateRecords: r.lateRecords, evictedKeys: r.evictedKeys, model: r.modelNote, backend: r.backend, modelStats: r.modelStats, ...files, elapsedSec });
}

const FROM: Record<string, string> = { waiting: ' (waiting for it to appear)', state: ' (resuming where the state file says, if it is still the same file)', end: ' (from its end)', start: ' (from its start)' };

/** One stderr line for a watch event, or null. */
export function formatWatchEvent(e: WatchEvent, latenessSec: number): string | null {
  switch (e.kind) {
    case 'warning':
      return `flowhound: warning: ${escapeControl(e.message)}\n`;
    case 'started': {
      const what = e.following.length ? e.following.map((f) => `${escapeControl(f.path)}${FROM[f.from]}`).join(', ') : 'standard input';
      return `flowhound watch: following ${what}; lateness ${latenessSec} s; model ${e.modelNote}\n`;
    }
    case 'reopen':
      return `flowhound: ${escapeControl(e.path)}: ${e.reason === 'rotation' ? 'rotated, following the new file' : 'truncated, reading from the start'}\n`;
    case 'model-reloaded':
      return `flowhound: model ${e.dir} reloaded (${e.trainingWindows} training windows up to ${new Date(e.lastWindowSec * 1000).toISOString()})\n`;
  }
}
