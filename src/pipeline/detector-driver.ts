/**
 * The one detector driver of flowhound: `analyze`, `watch`, the scale-out
 * workers and the report all push their batches through it, so the same
 * input gives the same findings everywhere.
 *
 *   const driver = createDetectorDriver({ detectors, scorer, onFindings: (f) => sink.write(f) });
 *   for await (const b of batches) await driver.push(b);   // or: await driver.run(batches)
 *   await driver.end();                                    // flushes every detector
 *
 * 1. `push(batch)`: counts the batch, notes late records against the
 *    watermark (only when `latenessSec` is finite), hands the batch to every
 *    detector in order and collects their raw findings.
 * 2. Raw findings go through the scorer (dedupe, suppression), then, when
 *    an `emitted` log is given (watch's state file), findings a previous run
 *    already emitted are dropped; what is left is counted and handed to
 *    `onFindings` before `push` resolves. A caller that commits offsets
 *    (watch's state file, a JetStream ack) does so after `push` resolves.
 * 3. `end()` flushes every detector (end of input), sorts those findings by
 *    time then kind, and emits them the same way. Detectors may be fed again
 *    after a flush.
 * 4. Idle flush (`idleFlushMs`, watch): when no batch came for that long
 *    (wall clock, a polling interval only) and records came since the last
 *    flush, every detector is flushed as at the end of input. Event time is
 *    never advanced from the wall clock; the scorer and the emitted log
 *    survive, so an incident that goes on is not reported twice.
 * 5. `replaceDetector(old, next)` (a model reload): flushes `old`, emits its
 *    findings, and puts `next` in its place.
 *
 * Time is event time: the watermark is the largest record end time seen; a
 * record ending more than `latenessSec` before it is late, counted in
 * `stats.lateRecords`, and still handed to the detectors, which decide what
 * a late record can still change.
 */
import type { Detector } from '../detect/detector.js';
import { FlowhoundError } from '../errors.js';
import type { Scorer } from '../score/scorer.js';
import type { Finding, RecordBatch } from '../types.js';
import type { EmittedFindings } from '../watch/emitted-findings.js';
import { countBatch, countFindings, createRunCounters, type RunCounters } from './run-counters.js';

export interface DetectorDriverOptions {
  /** The detectors, in the order they see each batch. */
  detectors: readonly Detector[];
  scorer: Scorer;
  /** Receives findings that passed, in order; `push`/`end` wait for a returned promise. */
  onFindings: (findings: Finding[]) => unknown;
  /** Allowed lateness in seconds of event time; Infinity (the default, analyze) counts nothing as late. */
  latenessSec?: number;
  /** Flush every detector after this many ms without a batch; null (default) never. */
  idleFlushMs?: number | null;
  /** Findings emitted by a previous run (watch's state): dropped when seen again. */
  emitted?: EmittedFindings | null;
  counters?: RunCounters;
}

export interface DetectorDriverStats {
  /** Records ending more than the lateness before the watermark (still passed on). */
  lateRecords: number;
  idleFlushes: number;
  /** Findings dropped because a previous run emitted them already. */
  alreadyEmitted: number;
  /** Largest record end time seen (event time), or null. */
  watermark: number | null;
}

export interface DetectorDriver {
  push(batch: RecordBatch): Promise<void>;
  /** Pushes every batch, then `end()`. */
  run(batches: AsyncIterable<RecordBatch>): Promise<void>;
  /** End of input: flushes every detector and emits what they held. */
  end(): Promise<void>;
  /** Flushes `old` (its findings go out) and puts `next` in its place. */
  replaceDetector(old: Detector, next: Detector): void;
  readonly detectors: readonly Detector[];
  readonly counters: RunCounters;
  readonly stats: DetectorDriverStats;
}

export function createDetectorDriver(options: DetectorDriverOptions): DetectorDriver {
  const detectors = [...options.detectors];
  const counters = options.counters ?? createRunCounters();
  const emitted = options.emitted ?? null;
  const latenessSec = options.latenessSec ?? Number.POSITIVE_INFINITY;
  const idleFlushMs = options.idleFlushMs ?? null;
  const stats: DetectorDriverStats = { lateRecords: 0, idleFlushes: 0, alreadyEmitted: 0, watermark: null };
  let watermark = Number.NEGATIVE_INFINITY;
  let dirty = false;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** A failure of onFindings during an idle flush, rethrown by the next push or end. */
  let idleFailure: unknown = null;

  function emit(raw: Finding[]): void | Promise<void> {
    if (raw.length === 0) return;
    const passed = options.scorer.add(raw);
    let out = passed;
    if (emitted !== null) {
      out = [];
      for (const f of passed) {
        if (emitted.has(f)) {
          stats.alreadyEmitted++;
          continue;
        }
        emitted.add(f);
        out.push(f);
      }
    }
    if (out.length === 0) return;
    countFindings(counters, out);
    const r = options.onFindings(out);
    return r instanceof Promise ? r.then(() => undefined) : undefined;
  }

  function flushAll(): void | Promise<void> {
    let raw: Finding[] = [];
    for (const d of detectors) raw = raw.concat(d.flush());
    // End-of-input findings in time order, so the output reads chronologically.
    raw.sort((a, b) => a.ts - b.ts || a.kind.localeCompare(b.kind));
    dirty = false;
    return emit(raw);
  }

  function noteLateness(b: RecordBatch): void {
    let wm = watermark;
    let late = 0;
    for (const f of b.flows) {
      const end = f.ts + (f.duration ?? 0);
      if (end < wm - latenessSec) late++;
      else if (end > wm) wm = end;
    }
    for (const d of b.dns) {
      if (d.ts < wm - latenessSec) late++;
      else if (d.ts > wm) wm = d.ts;
    }
    for (const t of b.ticks) {
      if (t.sec + 1 < wm - latenessSec) late++;
      else if (t.sec + 1 > wm) wm = t.sec + 1;
    }
    for (const e of b.echoes) {
      if (e.ts < wm - latenessSec) late++;
      else if (e.ts > wm) wm = e.ts;
    }
    stats.lateRecords += late;
    if (wm > watermark) {
      watermark = wm;
      stats.watermark = wm;
    }
  }

  function clearIdle(): void {
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = null;
  }

  function armIdle(): void {
    if (idleFlushMs === null) return;
    clearIdle();
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (!dirty) return;
      stats.idleFlushes++;
      try {
        const r = flushAll();
        if (r) r.catch((e: unknown) => (idleFailure ??= e));
      } catch (e) {
        idleFailure ??= e;
      }
    }, idleFlushMs);
  }

  function rethrowIdleFailure(): void {
    if (idleFailure === null) return;
    const e = idleFailure;
    idleFailure = null;
    throw e;
  }

  const driver: DetectorDriver = {
    detectors,
    counters,
    stats,
    async push(b) {
      rethrowIdleFailure();
      countBatch(counters, b);
      if (latenessSec !== Number.POSITIVE_INFINITY) noteLateness(b);
      let raw: Finding[] = [];
      for (const d of detectors) {
        const out = d.push(b);
        if (out.length) raw = raw.length ? raw.concat(out) : out;
      }
      dirty = true;
      armIdle();
      await emit(raw);
    },
    async run(batches) {
      try {
        for await (const b of batches) await driver.push(b);
      } finally {
        clearIdle();
      }
      await driver.end();
    },
    async end() {
      clearIdle();
      rethrowIdleFailure();
      await flushAll();
    },
    replaceDetector(old, next) {
      const i = detectors.indexOf(old);
      if (i < 0) throw new FlowhoundError('INVALID_ARGUMENT', `replaceDetector: detector ${old.name} is not in the pipeline`, { detector: old.name });
      const raw = old.flush();
      raw.sort((a, b) => a.ts - b.ts);
      detectors[i] = next;
      const r = emit(raw);
      if (r) r.catch((e: unknown) => (idleFailure ??= e));
    },
  };
  return driver;
}
