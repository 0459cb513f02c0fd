/**
 * The checkpoint of one worker lane (one family's partition), kept in the
 * engine's checkpoint store under `<family>.<partition>` so that whichever
 * worker owns the partition next (after a restart, on another machine, or
 * after the number of workers changed) resumes it:
 *
 * - `seq`: the last message the checkpoint covers (0: none; replay from
 *   the start);
 * - `driver`: the detector driver's snapshot (plain JSON), or null when the
 *   driver cannot snapshot (then `seq` stays 0);
 * - `unflushed`: records came since the detectors were last flushed;
 * - `emitted`: the findings already published (id, end, count);
 * - `files`: per input file and record type, the ordinal ranges the
 *   lane's messages covered (record-message.ts), so records a re-shipped
 *   input repeats are dropped.
 *
 * Stored as gzipped JSON.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { FlowhoundError } from '../errors.js';
import type { EmittedEntry } from '../watch/emitted-findings.js';
import type { PartitionFamily, RecordType } from './route-records.js';

export const LANE_CHECKPOINT_VERSION = 1;

/** Per record type, covered ordinal ranges (lo, hi], sorted, disjoint. */
export type FileOrdinals = Partial<Record<RecordType, [number, number][]>>;

export interface LaneCheckpoint {
  version: typeof LANE_CHECKPOINT_VERSION;
  seq: number;
  driver: unknown;
  /** The snapshot holds records not yet flushed (an idle flush is still due). */
  unflushed: boolean;
  emitted: EmittedEntry[];
  files: Record<string, FileOrdinals>;
}

export function laneKey(family: PartitionFamily, partition: number): string {
  return `${family}.${partition}`;
}

export function encodeLaneCheckpoint(c: LaneCheckpoint): Uint8Array {
  return gzipSync(JSON.stringify(c), { level: 1 });
}

export function decodeLaneCheckpoint(key: string, bytes: Uint8Array | null): LaneCheckpoint | null {
  if (bytes === null) return null;
  let c: LaneCheckpoint;
  try {
    c = JSON.parse(gunzipSync(bytes).toString('utf8')) as LaneCheckpoint;
  } catch (e) {
    throw new FlowhoundError('STATE_INVALID', `checkpoint ${key}: unreadable (${(e as Error).message})`, { key }, { cause: e });
  }
  if (c?.version !== LANE_CHECKPOINT_VERSION || !Number.isSafeInteger(c.seq) || !Array.isArray(c.emitted) || typeof c.files !== 'object' || c.files === null) {
    throw new FlowhoundError('STATE_INVALID', `checkpoint ${key}: not a flowhound lane checkpoint of version ${LANE_CHECKPOINT_VERSION}`, { key });
  }
  return c;
}
