/**
 * The one interface every detector implements, rule-based or model-based.
 *
 * A detector is stateful (it keeps per-source counters, windows, baselines)
 * and is created by a `createXDetector(settings)` factory. It is fed whole
 * batches (never one record per await) and returns the findings that became
 * certain while processing that batch. Time is event time: a detector
 * tracks the largest record timestamp it has seen (its own watermark) and
 * expires state from that, never from the wall clock.
 *
 * `flush()` is called once at the end of input (analyze) or when a stream is
 * stopped (watch); it returns the findings still pending in open windows.
 * After `flush()` the detector may be fed again (its state is reset as if
 * the input had ended).
 *
 * `snapshot()` returns the detector's whole state (open windows and
 * incidents, counters, its watermark) as plain JSON data (see
 * plain-state.ts); `restore(state)` on a fresh detector made with the same
 * settings puts it back, so that feeding the rest of the input gives the
 * findings an uninterrupted run gives (test/pipeline/snapshot-round-trip.test.ts).
 * The snapshot may share objects with the live detector: serialise it
 * (JSON.stringify) before the next `push`. `restore` takes over what it is
 * given and throws STATE_INVALID (naming the detector and the field) on
 * data that is not such a snapshot. The driver (src/pipeline/detector-driver.ts)
 * snapshots every detector, the scorer and itself in one call.
 *
 * Findings returned here are raw: the scorer (src/score/) dedupes and
 * suppresses repeats per (kind, src, target), so detectors may report the
 * same thing again when its counts grow.
 */
import type { Finding, RecordBatch } from '../types.js';

export interface Detector {
  /** Short stable name, e.g. "scan", "tunnel.dns", "rate.spike", "policy", "model". */
  readonly name: string;
  /** Processes one batch; returns findings that became certain. */
  push(batch: RecordBatch): Finding[];
  /** End of input: returns findings pending in open windows. */
  flush(): Finding[];
  /** The whole state as plain JSON data (serialise it before the next push). */
  snapshot(): unknown;
  /** Puts back a state from `snapshot()` of a detector with the same settings; STATE_INVALID on foreign data. */
  restore(state: unknown): void;
  /** Optional counters for the run summary (e.g. records too late to count). */
  stats?(): Record<string, number>;
}
