/**
 * Counters of one pipeline run, for the run summary: batches and records by
 * type, the event-time span, and the findings that went out by kind and
 * severity. `countBatch` is one pass over a batch's arrays, no allocation.
 */
import type { Finding, RecordBatch } from '../types.js';
import { batchTimeSpan, type TimeSpan } from '../util/batch-time-span.js';

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

const span: TimeSpan = { lo: 0, hi: 0 };

/** Counts a batch's records and time span. */
export function countBatch(c: RunCounters, b: RecordBatch): void {
  c.batches++;
  c.flows += b.flows.length;
  c.dns += b.dns.length;
  c.ticks += b.ticks.length;
  c.echoes += b.echoes.length;
  const { lo, hi } = batchTimeSpan(b, span);
  if (lo <= hi) {
    noteTs(c, lo);
    noteTs(c, hi);
  }
}

/** Counts findings that went out. */
export function countFindings(c: RunCounters, findings: readonly Finding[]): void {
  for (const f of findings) {
    c.findingsByKind[f.kind] = (c.findingsByKind[f.kind] ?? 0) + 1;
    c.findingsBySeverity[f.severity] = (c.findingsBySeverity[f.severity] ?? 0) + 1;
  }
}
