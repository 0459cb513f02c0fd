/**
 * How far V8 lets the old generation grow past what the last full
 * collection left alive, for the commands whose live heap is bounded by
 * their caps (`analyze`, `watch`): V8's default factor rises towards 4×
 * while the program allocates fast, so a detector state capped at about
 * 200 MiB (every key cap reached: the findings-heavy 2M-line conn.log) ran
 * at 0.8 GiB of heap and over 1 GiB of RSS, three quarters of it garbage.
 * At 2× the same run keeps the peak near twice the live heap for a few
 * more full collections (those are cheap next to the young-generation
 * collections a record-per-key workload makes anyway).
 *
 * Set through V8's flag at run time (the limit is recomputed after every
 * full collection, so it takes effect from the next one); a process started
 * with --heap-growing-percent keeps its own choice.
 */
import { setFlagsFromString } from 'node:v8';

/** Growth allowed past the live heap after a full collection, in percent (100: the heap may double). */
export const HEAP_GROWING_PERCENT = 100;

export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  if (process.execArgv.some((a) => a.startsWith('--heap-growing-percent')) || /--heap-growing-percent/.test(process.env.NODE_OPTIONS ?? '')) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
