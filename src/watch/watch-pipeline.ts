/**
 * The streaming pipeline of `watch`: batches from followed inputs go to every
 * detector as they arrive; findings pass the scorer (dedupe, suppression) and
 * the emitted-findings log (no re-report after a restart) and go out at once.
 *
 * Time is event time (DESIGN.md): the watermark is the largest record end
 * time seen; a record that ends more than `latenessSec` before it is late:
 * counted (the run summary reports it) and still handed to the detectors,
 * which decide themselves what a late record can still change. Detectors
 * report what became certain as the data's own time passed their windows.
 *
 * Idle flush: when no batch arrived for `idleFlushMs` (wall clock, a polling
 * interval only) and records came since the last flush, every detector is
 * flushed as at the end of input: open incidents are reported with the
 * counts reached so far, and detector state starts over. Event time is never
 * advanced from the wall clock. The scorer and the emitted log survive the
 * flush, so an incident that goes on is not reported again within the
 * suppression interval unless its count grows tenfold.
 */
import type { Detector } from '../detect/detector.js';
import { countBatch, createRunCounters, type RunCounters } from '../detect/run-detectors.js';
import type { FollowPosition } from '../io/follow-file.js';
import type { Scorer } from '../score/scorer.js';
import type { Finding, RecordBatch } from '../types.js';
import { createEmittedFindings, type EmittedFindings } from './emitted-findings.js';
import type { TaggedBatch } from './watch-input.js';

export interface WatchPipelineOptions {
  /** The detectors; replaceDetector swaps one (model reload). */
  detectors: Detector[];
  scorer: Scorer;
  /** Allowed lateness in seconds of event time. */
  latenessSec: number;
  /** Flush detectors after this many ms without a batch; null never. */
  idleFlushMs: number | null;
  /** Receives findings as they pass (synchronously, in order). */
  onFindings: (findings: Finding[]) => void;
  /** Findings emitted before (from a state file). */
  emitted?: EmittedFindings;
  counters?: RunCounters;
}

export interface WatchPipelineStats {
  /** Records ending more than the lateness before the watermark (still passed on). */
  lateRecords: number;
  idleFlushes: number;
  /** Findings dropped because a previous run emitted them already. */
  alreadyEmitted: number;
  /** Largest record end time seen (event time), or null. */
  watermark: number | null;
}

export interface WatchPipeline {
  /** Runs until `batches` ends, then flushes every detector. */
  run(batches: AsyncIterable<TaggedBatch>): Promise<void>;
  /** Flushes `old` (its findings go out) and puts `next` in its place. */
  replaceDetector(old: Detector, next: Detector): void;
  /** Positions after the last processed batch of each followed file. */
  committed(): Record<string, FollowPosition>;
  readonly emitted: EmittedFindings;
  readonly counters: RunCounters;
  readonly stats: WatchPipelineStats;
}

export function createWatchPipeline(options: WatchPipelineOptions): WatchPipeline {
  const detectors = options.detectors;
  const counters = options.counters ?? createRunCounters();
  const emitted = options.emitted ?? createEmittedFindings();
  const stats: WatchPipelineStats = { lateRecords: 0, idleFlushes: 0, alreadyEmitted: 0, watermark: null };
  const positions: Record<string, FollowPosition> = {};
  let watermark = Number.NEGATIVE_INFINITY;
  let dirty = false;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;

  function emit(raw: Finding[]): void {
    if (raw.length === 0) return;
    const passed = options.scorer.add(raw);
    const out: Finding[] = [];
    for (const f of passed) {
      if (emitted.has(f)) {
        stats.alreadyEmitted++;
        continue;
      }
      emitted.add(f);
      counters.findingsByKind[f.kind] = (counters.findingsByKind[f.kind] ?? 0) + 1;
      counters.findingsBySeverity[f.severity] = (counters.findingsBySeverity[f.severity] ?? 0) + 1;
      out.push(f);
    }
    if (out.length) options.onFindings(out);
  }

  function flushAll(): void {
    let raw: Finding[] = [];
    for (const d of detectors) raw = raw.concat(d.flush());
    raw.sort((a, b) => a.ts - b.ts || a.kind.localeCompare(b.kind));
    emit(raw);
    dirty = false;
  }

  function noteLateness(b: RecordBatch): void {
    let wm = watermark;
    let late = 0;
    const lateness = options.latenessSec;
    for (const f of b.flows) {
      const end = f.ts + (f.duration ?? 0);
      if (end < wm - lateness) late++;
      else if (end > wm) wm = end;
    }
    for (const d of b.dns) {
      if (d.ts < wm - lateness) late++;
      else if (d.ts > wm) wm = d.ts;
    }
    for (const t of b.ticks) {
      if (t.sec + 1 < wm - lateness) late++;
      else if (t.sec + 1 > wm) wm = t.sec + 1;
    }
    for (const e of b.echoes) {
      if (e.ts < wm - lateness) late++;
      else if (e.ts > wm) wm = e.ts;
    }
    stats.lateRecords += late;
    if (wm > watermark) {
      watermark = wm;
      stats.watermark = wm;
    }
  }

  function armIdle(): void {
    if (options.idleFlushMs === null) return;
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (!dirty) return;
      stats.idleFlushes++;
      flushAll();
    }, options.idleFlushMs);
  }

  return {
    emitted,
    counters,
    stats,
    async run(batches) {
      try {
        for await (const t of batches) {
          const b = t.batch;
          countBatch(counters, b);
          noteLateness(b);
          let raw: Finding[] = [];
          for (const d of detectors) {
            const out = d.push(b);
            if (out.length) raw = raw.length ? raw.concat(out) : out;
          }
          emit(raw);
          if (t.file !== null && t.position !== null) positions[t.file] = t.position;
          dirty = true;
          armIdle();
        }
      } finally {
        if (idleTimer !== null) clearTimeout(idleTimer);
        idleTimer = null;
      }
      flushAll();
    },
    replaceDetector(old, next) {
      const i = detectors.indexOf(old);
      if (i < 0) throw new Error(`replaceDetector: detector ${old.name} is not in the pipeline`);
      const raw = old.flush();
      raw.sort((a, b) => a.ts - b.ts);
      emit(raw);
      detectors[i] = next;
    },
    committed() {
      return { ...positions };
    },
  };
}
