/**
 * The records of one read of a partition as one RecordBatch (one batch per
 * read, never one record per await). A record whose ordinal in its input
 * file a message taken before already covered is dropped (a re-ship after a
 * crash sends it again, cut differently); see record-message.ts. A
 * malformed message is skipped and reported through `onBad` with its
 * sequence.
 */
import type { RecordBatch } from '../types.js';
import type { FileOrdinals } from './lane-checkpoint.js';
import type { PartitionMessage } from './record-log.js';
import { decodeRecordMessage } from './record-message.js';

/** Input files remembered per lane at most (oldest forgotten first). */
export const MAX_TRACKED_FILES = 4096;
/** Covered ranges per file and type at most (more only while publishes were retried out of order); the lowest two merge past it. */
export const MAX_RANGES = 64;

export interface PartitionBatchStats {
  records: number;
  /** Records dropped as already taken (a re-ship). */
  repeated: number;
  badMessages: number;
}

export function batchOfMessages(
  messages: readonly PartitionMessage[],
  files: Map<string, FileOrdinals>,
  stats: PartitionBatchStats,
  onBad: (seq: number, problem: string) => void,
): RecordBatch {
  const batch: RecordBatch = { flows: [], dns: [], ticks: [], echoes: [], arps: [] };
  for (const m of messages) {
    const d = decodeRecordMessage(m.data);
    if (typeof d === 'string') {
      stats.badMessages++;
      onBad(m.seq, d);
      continue;
    }
    let seen = files.get(d.file);
    if (seen === undefined) {
      seen = {};
      if (files.size >= MAX_TRACKED_FILES) {
        const oldest = files.keys().next();
        if (!oldest.done) files.delete(oldest.value);
      }
    } else files.delete(d.file);
    files.set(d.file, seen);
    const ranges = seen[d.type] ?? [];
    const into = (batch[d.type] ?? []) as unknown[];
    for (let i = 0; i < d.ords.length; i++) {
      if (isCovered(ranges, d.ords[i] as number)) {
        stats.repeated++;
        continue;
      }
      into.push(d.records[i]);
      stats.records++;
    }
    seen[d.type] = addRange(ranges, d.from, d.ords[d.ords.length - 1] ?? d.from);
  }
  return batch;
}

function isCovered(ranges: readonly [number, number][], ord: number): boolean {
  for (const [lo, hi] of ranges) if (ord > lo && ord <= hi) return true;
  return false;
}

/** Adds (lo, hi] to sorted disjoint ranges, merging what touches or overlaps. */
export function addRange(ranges: readonly [number, number][], lo: number, hi: number): [number, number][] {
  if (hi <= lo) return [...ranges];
  const out: [number, number][] = [];
  let cur: [number, number] = [lo, hi];
  let placed = false;
  for (const r of ranges) {
    if (r[1] < cur[0]) out.push(r);
    else if (r[0] > cur[1]) {
      if (!placed) {
        out.push(cur);
        placed = true;
      }
      out.push(r);
    } else cur = [Math.min(r[0], cur[0]), Math.max(r[1], cur[1])];
  }
  if (!placed) out.push(cur);
  out.sort((a, b) => a[0] - b[0]);
  while (out.length > MAX_RANGES) {
    const [a, b] = out.splice(0, 2) as [[number, number], [number, number]];
    out.unshift([a[0], b[1]]);
  }
  return out;
}
