/**
 * Drives detectors over a stream of batches: every batch goes to every
 * detector, raw findings go through the scorer (dedupe, suppression), and
 * what passes is handed to `onFindings` (the sinks). At the end of input
 * every detector is flushed. Returns counters for the run summary.
 */
import type { Scorer } from '../score/scorer.js';
import type { Finding, RecordBatch } from '../types.js';
import type { Detector } from './detector.js';

export interface RunCounters {
  batches: number;
  flows: number;
  dns: number;
  ticks: number;
  echoes: number;
  /** Smallest and largest record time seen (event time), or null. */
  firstTs: number | null;
  lastTs: number | null;
  findingsByKind: Record<string, number>;
  findingsBySeverity: Record<string, number>;
}

export function createRunCounters(): RunCounters {
  return { batches: 0, flows: 0, dns: 0, ticks: 0, echoes: 0, firstTs: null, lastTs: null, findingsByKind: {}, findingsBySeverity: {} };
}

function noteTs(c: RunCounters, ts: number): void {
  if (!Number.isFinite(ts)) return;
  if (c.firstTs === null || ts < c.firstTs) c.firstTs = ts;
  if (c.lastTs === null || ts > c.lastTs) c.lastTs = ts;
}

/** Counts a batch's records and time span (one pass over the arrays, no allocation). */
export function countBatch(c: RunCounters, b: RecordBatch): void {
  c.batches++;
  c.flows += b.flows.length;
  c.dns += b.dns.length;
  c.ticks += b.ticks.length;
  c.echoes += b.echoes.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const f of b.flows) {
    if (f.ts < lo) lo = f.ts;
    const end = f.ts + (f.duration ?? 0);
    if (end > hi) hi = end;
  }
  for (const d of b.dns) {
    if (d.ts < lo) lo = d.ts;
    if (d.ts > hi) hi = d.ts;
  }
  for (const t of b.ticks) {
    if (t.sec < lo) lo = t.sec;
    if (t.sec + 1 > hi) hi = t.sec + 1;
  }
  for (const e of b.echoes) {
    if (e.ts < lo) lo = e.ts;
    if (e.ts > hi) hi = e.ts;
  }
  if (lo <= hi) {
    noteTs(c, lo);
    noteTs(c, hi);
  }
}

function countFindings(c: RunCounters, findings: readonly Finding[]): void {
  for (const f of findings) {
    c.findingsByKind[f.kind] = (c.findingsByKind[f.kind] ?? 0) + 1;
    c.findingsBySeverity[f.severity] = (c.findingsBySeverity[f.severity] ?? 0) + 1;
  }
}

export async function runDetectors(
  batches: AsyncIterable<RecordBatch>,
  detectors: readonly Detector[],
  scorer: Scorer,
  onFindings: (findings: Finding[]) => void | Promise<void>,
  counters: RunCounters = createRunCounters(),
): Promise<RunCounters> {
  for await (const b of batches) {
    countBatch(counters, b);
    let raw: Finding[] = [];
    for (const d of detectors) {
      const out = d.push(b);
      if (out.length) raw = raw.length ? raw.concat(out) : out;
    }
    if (raw.length) {
      const passed = scorer.add(raw);
      if (passed.length) {
        countFindings(counters, passed);
        await onFindings(passed);
      }
    }
  }
  let raw: Finding[] = [];
  for (const d of detectors) raw = raw.concat(d.flush());
  // End-of-input findings in time order, so the output reads chronologically.
  raw.sort((a, b) => a.ts - b.ts || a.kind.localeCompare(b.kind));
  const passed = scorer.add(raw);
  if (passed.length) {
    countFindings(counters, passed);
    await onFindings(passed);
  }
  return counters;
}
