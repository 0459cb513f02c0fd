/**
 * How far V8 lets the old generation grow past what the last full
 * collection left alive, for the commands whose live heap is bounded by
 * their caps (`analyze`, `watch`).
 *
 * Two regimes, switched once by the size of the heap:
 * - While the used heap is small, the heap may double past the live data
 *   (100 %). A 2M-line conn.log keeps about 60 MB alive, and at a tighter
 *   growth V8 ran dozens of full collections over it: marking on V8's worker
 *   threads was about a third of the run's CPU seconds (the 2026-12-06 rows
 *   of docs/benchmarks.md give the cost).
 * - Once the used heap passes TIGHT_GROWTH_ABOVE_BYTES, the growth drops to
 *   20 %: V8's default factor rises towards 4× while the program allocates
 *   fast, and 2× was already too much for the largest states — the 5M-packet
 *   spoofed SYN flood peaked at 1,063 MiB RSS at 100 % and 833 MiB at 20 %.
 *
 * Set through V8's flag at run time (the limit is recomputed after every
 * full collection, so a change takes effect from the next one). The heap is
 * looked at on an unreferenced timer: ingest yields to the event loop
 * between chunks, so the timer runs while input is read. A process started
 * with --heap-growing-percent (on the command line or in NODE_OPTIONS)
 * keeps its own choice.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** Growth allowed past the live heap while the used heap is small, in percent (100: the heap may double). */
export const LOOSE_GROWING_PERCENT = 100;
/** Growth allowed once the used heap has passed TIGHT_GROWTH_ABOVE_BYTES, in percent. */
export const TIGHT_GROWING_PERCENT = 20;
/** Used heap above which the growth is tightened for the rest of the run. */
export const TIGHT_GROWTH_ABOVE_BYTES = 256 * 1024 * 1024;
/** How often the used heap is looked at. */
const CHECK_EVERY_MS = 200;

/** Whether the process was started with its own --heap-growing-percent. */
function growthChosenByUser(): boolean {
  return process.execArgv.some((a) => a.startsWith('--heap-growing-percent')) || /--heap-growing-percent/.test(process.env.NODE_OPTIONS ?? '');
}

/**
 * Starts the heap policy above (once per process). Returns a function that
 * stops watching the heap (tests; the timer never keeps the process alive).
 */
export function limitHeapGrowth(tightAboveBytes = TIGHT_GROWTH_ABOVE_BYTES): () => void {
  if (growthChosenByUser() || watching) return () => {};
  setFlagsFromString(`--heap-growing-percent=${LOOSE_GROWING_PERCENT}`);
  const stop = (): void => {
    clearInterval(timer);
    watching = false;
  };
  const timer = setInterval(() => {
    if (getHeapStatistics().used_heap_size <= tightAboveBytes) return;
    setFlagsFromString(`--heap-growing-percent=${TIGHT_GROWING_PERCENT}`);
    stop();
  }, CHECK_EVERY_MS);
  timer.unref();
  watching = true;
  return stop;
}

let watching = false;
