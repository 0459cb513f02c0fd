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
 *    `onFindings` before `push` resolves, and recorded in the `emitted` log
 *    only once what `onFindings` returned has resolved (the sink wrote
 *    them): a failed write leaves them unrecorded, for a replay to emit.
 *    They are marked pending in that log before `onFindings` (write-ahead):
 *    one a previous run marked and did not record may have been written,
 *    and goes out again with `redelivered: true`. A
 *    caller that commits offsets (watch's state file, a JetStream ack) does
 *    so after `push` resolves.
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
 * 6. `snapshot()` captures every detector's state, the scorer's
 *    suppression memory and the driver's own (watermark, counts) as one
 *    plain JSON value, taken between batches; `restore(state, origin)` on a
 *    driver assembled from the same settings puts it all back, so the rest
 *    of the input gives the findings an uninterrupted run gives (watch's
 *    `--state`, a scale-out worker's checkpoint). Detectors are matched by
 *    name: one the state does not hold starts empty, one this run lacks is
 *    left out; both are returned as notes for the caller to report.
 *
 * Time is event time: the watermark is the largest record end time seen; a
 * record ending more than `latenessSec` before it is late, counted in
 * `stats.lateRecords`, and still handed to the detectors, which decide what
 * a late record can still change.
 */
import type { Detector } from '../detect/detector.js';
import { checkFields, encodeState, readStateObject } from '../detect/plain-state.js';
import { FlowhoundError, isFlowhoundError } from '../errors.js';
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
  /** Findings emitted by a previous run (watch's state): dropped when seen again; findings written are added. */
  emitted?: EmittedFindings | null;
  /** Called after an idle flush's findings were written (watch saves its state then). */
  afterIdleFlush?: () => void;
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
  /** A run stopped before its end (a closed stdout, a signal with a state file): no idle flush fires after this. */
  stop(): void;
  /** Flushes `old` (its findings go out) and puts `next` in its place. */
  replaceDetector(old: Detector, next: Detector): void;
  readonly detectors: readonly Detector[];
  readonly counters: RunCounters;
  readonly stats: DetectorDriverStats;
  /** True while findings of a push, an idle flush or a replacement are being written (no snapshot then). */
  readonly busy: boolean;
  /** Every detector's state, the scorer's and the driver's, as plain JSON data; call between batches. */
  snapshot(): DriverSnapshot;
  /**
   * Puts back a `snapshot()` (parsed JSON); `origin` names where it came
   * from (a file, a KV key) in errors. Returns notes on detectors the state
   * and this run do not share. STATE_INVALID on anything that is not such a
   * snapshot.
   */
  restore(state: unknown, origin: string): string[];
}

export const DRIVER_STATE_FORMAT = 'flowhound-driver-state';
export const DRIVER_STATE_VERSION = 1;

export interface DriverSnapshot {
  format: typeof DRIVER_STATE_FORMAT;
  version: typeof DRIVER_STATE_VERSION;
  detectors: { name: string; state: unknown }[];
  scorer: unknown;
  driver: unknown;
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
  /** True while a push waits for its findings to be written. */
  let pushing = false;
  /** Emissions whose write has not settled yet. */
  let writing = 0;
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
        // Maybe written by a run killed before it knew: the same again, marked as a copy receivers drop.
        if (emitted.inDoubt(f)) out.push({ ...f, redelivered: true });
        // The same id emitted before (by a previous run) with a smaller count: an update receivers merge.
        else out.push(f.update !== true && emitted.knows(f) ? { ...f, update: true } : f);
      }
    }
    if (out.length === 0) return;
    countFindings(counters, out);
    // Write-ahead: a kill between the write and recordEmitted leaves these in doubt, not unrecorded.
    emitted?.markPending(out);
    let r: unknown;
    try {
      r = options.onFindings(out);
    } catch (e) {
      emitted?.abandon(out);
      throw e;
    }
    if (r instanceof Promise) {
      writing++;
      return r.then(
        () => {
          writing--;
          recordEmitted(out);
        },
        (e: unknown) => {
          writing--;
          emitted?.abandon(out);
          throw e;
        },
      );
    }
    recordEmitted(out);
  }

  /** After the sink took them: a replay of the same input recognises them. */
  function recordEmitted(out: readonly Finding[]): void {
    emitted?.add(out);
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
      // A push still writing its findings (a slow sink): flush later, between batches.
      if (pushing) {
        armIdle();
        return;
      }
      stats.idleFlushes++;
      const after = (): void => options.afterIdleFlush?.();
      try {
        const r = flushAll();
        if (r) r.then(after, (e: unknown) => (idleFailure ??= e));
        else after();
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

  function restoreState(state: unknown): string[] {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new FlowhoundError('STATE_INVALID', 'the detector state is not an object', {});
    const o = state as Record<string, unknown>;
    if (o.format !== DRIVER_STATE_FORMAT) throw new FlowhoundError('STATE_INVALID', `not a flowhound detector state (format ${JSON.stringify(o.format)})`, {});
    if (o.version !== DRIVER_STATE_VERSION) throw new FlowhoundError('STATE_INVALID', `detector state version ${JSON.stringify(o.version)}, this flowhound reads version ${DRIVER_STATE_VERSION}`, {});
    checkFields(o, 'driver', { detectors: 'list', scorer: 'object' });
    const saved = new Map<string, unknown>();
    for (const d of o.detectors as unknown[]) {
      const e = d as Record<string, unknown> | null;
      if (e === null || typeof e !== 'object' || typeof e.name !== 'string' || !('state' in e)) throw new FlowhoundError('STATE_INVALID', 'a detector entry is malformed', {});
      saved.set(e.name, e.state);
    }
    const notes: string[] = [];
    for (const d of detectors) {
      if (!saved.has(d.name)) {
        notes.push(`detector ${d.name}: not in the saved state, starts empty`);
        continue;
      }
      d.restore(saved.get(d.name));
      saved.delete(d.name);
    }
    for (const name of saved.keys()) notes.push(`detector ${name}: in the saved state but not in this run, its open incidents are dropped`);
    options.scorer.restore(o.scorer);
    const dr = readStateObject(o.driver, 'driver', { watermark: 'number', dirty: 'boolean', lateRecords: 'number', idleFlushes: 'number', alreadyEmitted: 'number' });
    watermark = dr.watermark as number;
    stats.watermark = Number.isFinite(watermark) ? watermark : null;
    dirty = dr.dirty as boolean;
    stats.lateRecords = dr.lateRecords as number;
    stats.idleFlushes = dr.idleFlushes as number;
    stats.alreadyEmitted = dr.alreadyEmitted as number;
    return notes;
  }

  const driver: DetectorDriver = {
    detectors,
    counters,
    stats,
    get busy() {
      return writing > 0;
    },
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
      const r = emit(raw);
      if (r === undefined) return;
      pushing = true;
      try {
        await r;
      } finally {
        pushing = false;
      }
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
    stop() {
      clearIdle();
    },
    snapshot() {
      return {
        format: DRIVER_STATE_FORMAT,
        version: DRIVER_STATE_VERSION,
        detectors: detectors.map((d) => ({ name: d.name, state: d.snapshot() })),
        scorer: options.scorer.snapshot(),
        driver: encodeState({ watermark, dirty, lateRecords: stats.lateRecords, idleFlushes: stats.idleFlushes, alreadyEmitted: stats.alreadyEmitted }),
      };
    },
    restore(state, origin) {
      try {
        return restoreState(state);
      } catch (e) {
        const why = isFlowhoundError(e) ? e.message : `malformed detector state (${(e as Error).message})`;
        throw new FlowhoundError('STATE_INVALID', `${origin}: ${why}`, { file: origin }, { cause: e });
      }
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
