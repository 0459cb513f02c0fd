/**
 * The event-time span of one record batch: the earliest start and the latest
 * end over its flows (start + duration), DNS records, packet ticks (a tick
 * covers its second) and ICMP echoes. One pass, no allocation beyond the
 * result. `lo > hi` (both infinite) when the batch holds no record.
 */
import type { RecordBatch } from '../types.js';

export interface TimeSpan {
  lo: number;
  hi: number;
}

export function batchTimeSpan(b: RecordBatch, out: TimeSpan = { lo: 0, hi: 0 }): TimeSpan {
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
  out.lo = lo;
  out.hi = hi;
  return out;
}
