/**
 * Streaming scoring (`flowhound watch`): follows a file, a Zeek log
 * directory or a stream, runs the same detector assembly and driver as
 * `analyze` on event time with a lateness, and writes findings to the sinks
 * as they become certain.
 *
 *   const result = await runWatchPipeline({ target: 'conn.log', read, settings, rules, model: { kind: 'default' },
 *     latenessSec: 120, sinks: [jsonl], signal, onEvent: (e) => log(e) });
 *
 * 1. The state file (`statePath`), when present, is the last checkpoint:
 *    each followed file's position, the driver's snapshot there (open
 *    windows and incidents of every detector, the scorer's memory) and the
 *    findings emitted; its journal (`STATE.emitted`) adds the findings
 *    emitted after that checkpoint. The driver is restored and reading
 *    resumes at the positions.
 * 2. The model is chosen as for analyze; its folder is polled every
 *    `modelPollSec` and a changed model replaces the old one in the driver
 *    (the old model detector is flushed first); a failed reload keeps the
 *    old model and is reported as an event.
 * 3. Exactly-once, per batch: the driver pushes the batch, the sinks write
 *    its findings (stdout acknowledged by its write callback, the webhook
 *    spooled to disk), each written finding is appended to the journal at
 *    once, then the batch's file position counts as processed. After a
 *    batch that emitted findings (and after the first batch, and every
 *    `stateIntervalSec`) a checkpoint is written atomically (positions,
 *    driver snapshot, emitted set; temporary file, fsync, rename) and the
 *    journal emptied; no sooner than ten times the last checkpoint's cost
 *    after it, so that a large state is not written after every batch,
 *    but at once when the input has been quiet for `stateIntervalSec`. A run killed at any point restarts from the last
 *    checkpoint, replays to the same findings (detectors are deterministic
 *    on event time, whatever the batch boundaries) and drops those the
 *    checkpoint or the journal names. The one window left: a kill between
 *    a finding's write(2) to stdout and its journal append (the same
 *    event-loop turn) emits it once more after the restart.
 * 4. On `signal` (SIGINT/SIGTERM, a closed stdout) the followers stop and,
 *    with a state file, a last checkpoint keeps the open incidents for the
 *    next run (nothing is flushed); without one the detectors are flushed
 *    as at the end of input. The end of input (`exitIdleSec`, the end of a
 *    stream) flushes the detectors, then checkpoints. A write that failed
 *    (EPIPE) leaves the last checkpoint as it was: its findings were not
 *    recorded, the next run emits them. A failure (bad input) checkpoints
 *    what was processed and is returned as `failure` (with the counts so
 *    far) for the caller to report.
 */
import { existsSync } from 'node:fs';
import type { Settings } from '../config/settings.js';
import type { PolicyRule } from '../detect/policy-rules.js';
import type { Detector } from '../detect/detector.js';
import { isFlowhoundError } from '../errors.js';
import type { ReadOptions } from '../ingest/read-input.js';
import type { FollowPosition } from '../io/follow-file.js';
import type { BackendName } from '../model/backend.js';
import { createEmittedFindings } from '../watch/emitted-findings.js';
import { emittedJournalPath, openEmittedJournal } from '../watch/emitted-journal.js';
import { createModelReloader, readModelIdentity } from '../watch/model-reloader.js';
import { openWatchInput } from '../watch/watch-input.js';
import { readWatchState, WATCH_STATE_VERSION, type WatchState, writeWatchState } from '../watch/watch-state.js';
import { assembleDetectors, collectEvictedKeys, collectLateRecords, createModelSlot, createRunScorer } from './assemble-detectors.js';
import { createDetectorDriver, type DetectorDriverStats } from './detector-driver.js';
import { chooseModel, loadModelLazily, type ModelRequest } from './model-choice.js';
import type { RunCounters } from './run-counters.js';
import { fanOutSinks, type PipelineSink } from './sinks.js';

export type WatchEvent =
  /** Before reading: what is followed and from where. */
  | { kind: 'started'; following: { path: string; from: 'waiting' | 'state' | 'end' | 'start' }[]; modelNote: string }
  | { kind: 'reopen'; reason: 'rotation' | 'truncation'; path: string }
  | { kind: 'model-reloaded'; dir: string; trainingWindows: number; lastWindowSec: number }
  | { kind: 'warning'; message: string };

export interface WatchRunOptions {
  /** A file, a Zeek log directory, or "-" (then `stdin` is read). */
  target: string;
  stdin?: AsyncIterable<Uint8Array>;
  read: ReadOptions;
  settings: Settings;
  rules: readonly PolicyRule[];
  model: ModelRequest;
  backend?: BackendName;
  latenessSec: number;
  /** Flush detectors after this many seconds without input; 0 never. */
  idleFlushSec: number;
  /** End after this many seconds without new input; null never. */
  exitIdleSec: number | null;
  pollMs: number;
  startAtEnd?: boolean;
  statePath: string | null;
  stateIntervalSec: number;
  modelPollSec: number;
  sinks: PipelineSink[];
  /** Stops the watch. */
  signal: AbortSignal;
  onEvent?: (e: WatchEvent) => void;
}

export interface WatchRunResult {
  counters: RunCounters;
  driver: DetectorDriverStats;
  suppressed: number;
  lateRecords: Record<string, number>;
  /** Keys dropped at a detector's cap, by detector name. */
  evictedKeys: Record<string, number>;
  modelNote: string;
  modelDir: string | null;
  backend: string | null;
  followed: { path: string; resumed: boolean }[];
  reopens: { rotation: number; truncation: number };
  reloads: number;
  reloadFailures: number;
  /** What stopped the run when it failed (bad input): the caller reports the summary, then this. */
  failure: unknown;
}

export async function runWatchPipeline(o: WatchRunOptions): Promise<WatchRunResult> {
  const event = o.onEvent ?? (() => undefined);
  const prior: WatchState | null = o.statePath ? readWatchState(o.statePath) : null;

  /** flowhound.json's identity before loading, so a model replaced during the load is loaded again. */
  let modelIdentity: string | null = null;
  const chosen = await chooseModel(o.model, {
    ...(o.backend ? { backend: o.backend } : {}),
    beforeLoad: (dir) => {
      modelIdentity = readModelIdentity(dir);
    },
  });
  const slot = createModelSlot(chosen.model);
  const modelSettings = { allowedLatenessSec: o.latenessSec };
  const { detectors, modelDetector: firstModelDetector } = assembleDetectors({ settings: o.settings, rules: o.rules, slot, modelSettings });
  let modelDetector: Detector | null = firstModelDetector;
  const sink = fanOutSinks(o.sinks);
  const scorer = createRunScorer(o.settings);
  const journal = o.statePath ? openEmittedJournal(emittedJournalPath(o.statePath)) : null;
  const emitted = createEmittedFindings([...(prior?.emitted ?? []), ...(journal?.read() ?? [])], journal ? { onAdd: (e) => journal.append(e), onPending: (e) => journal.append(e) } : {});
  /** Findings written since the last checkpoint. */
  let wroteFindings = false;
  const driver = createDetectorDriver({
    detectors,
    scorer,
    latenessSec: o.latenessSec,
    idleFlushMs: o.idleFlushSec > 0 ? o.idleFlushSec * 1000 : null,
    emitted,
    onFindings: (findings) => {
      wroteFindings = true;
      return sink.write(findings);
    },
    afterIdleFlush: () => checkpoint(true),
  });
  // A stream (`-`) has no position to resume from: only its emitted findings carry over.
  const resumable = o.target !== '-';
  if (prior?.detectors && o.statePath && resumable) {
    for (const note of driver.restore(prior.detectors, o.statePath)) event({ kind: 'warning', message: `${o.statePath}: ${note}` });
  }

  const reopens = { rotation: 0, truncation: 0 };
  // Stops the followers on the signal, and when the pipeline fails (bad input), so no follower keeps polling.
  const following = new AbortController();
  const stopFollowing = (): void => following.abort();
  o.signal.addEventListener('abort', stopFollowing, { once: true });
  if (o.signal.aborted) following.abort();
  const input = openWatchInput(o.target, {
    pollMs: o.pollMs,
    signal: following.signal,
    ...(o.exitIdleSec !== null ? { idleEndMs: o.exitIdleSec * 1000 } : {}),
    ...(prior ? { positions: prior.files } : {}),
    ...(o.startAtEnd ? { startAtEnd: true } : {}),
    ...(o.stdin ? { stdin: o.stdin } : {}),
    read: o.read,
    onReopen: (e) => {
      reopens[e.kind]++;
      event({ kind: 'reopen', reason: e.kind, path: e.path });
    },
  });
  event({
    kind: 'started',
    following: input.followers.map((f) => ({ path: f.path, from: !existsSync(f.path) ? 'waiting' : prior?.files[f.path] ? 'state' : o.startAtEnd ? 'end' : 'start' })),
    modelNote: chosen.note,
  });

  const processed: Record<string, FollowPosition> = {};
  /** A batch is between its push and its position being recorded: no checkpoint now. */
  let inFlight = false;
  /** False once a write failed: the last checkpoint stands (what failed is replayed by the next run). */
  let consistent = true;
  /** When the last checkpoint was written (performance.now()) and what it cost in ms. */
  let lastCheckpointAt = Number.NEGATIVE_INFINITY;
  let lastCheckpointMs = 0;
  /** Batches pushed since the last checkpoint, and when the last one was. */
  let batchesSinceCheckpoint = 0;
  let lastBatchAt = Number.NEGATIVE_INFINITY;
  /**
   * Writes a checkpoint. Unless `force`d, not sooner than ten times the last
   * one's cost after it (and, from the timer, `stateIntervalSec`): a busy
   * network's state runs to tens of MB, and checkpoints must stay a small
   * share of the work. When the input has been quiet for a state interval
   * the timer writes one at once (the time is idle anyway). Exactly-once
   * does not depend on how often: the journal holds what was emitted since.
   */
  const checkpoint = (force: boolean, minGapMs = 0): void => {
    if (!o.statePath || !journal || inFlight || !consistent || driver.busy) return;
    const now = performance.now();
    if (!force && now - lastCheckpointAt < Math.max(minGapMs, 10 * lastCheckpointMs)) return;
    const state: WatchState = { version: WATCH_STATE_VERSION, files: { ...(prior?.files ?? {}), ...processed }, emitted: emitted.entries(), detectors: resumable ? driver.snapshot() : null };
    try {
      writeWatchState(o.statePath, state);
      journal.clear();
      wroteFindings = false;
      batchesSinceCheckpoint = 0;
    } catch (e) {
      event({ kind: 'warning', message: (e as Error).message });
    }
    lastCheckpointAt = performance.now();
    lastCheckpointMs = lastCheckpointAt - now;
  };

  let reloads = 0;
  let reloadFailures = 0;
  const timers: ReturnType<typeof setInterval>[] = [];
  if (o.statePath) {
    const intervalMs = o.stateIntervalSec * 1000;
    timers.push(
      setInterval(() => {
        if (batchesSinceCheckpoint === 0 && !wroteFindings) return;
        checkpoint(performance.now() - lastBatchAt >= intervalMs, intervalMs);
      }, intervalMs),
    );
  }
  const modelDir = chosen.dir;
  if (modelDir !== null && slot.model !== null) {
    const reloader = createModelReloader(modelDir, (d) => loadModelLazily(d, o.backend), modelIdentity);
    timers.push(
      setInterval(() => {
        reloader.check().then(
          (next) => {
            if (next === null || o.signal.aborted) {
              next?.dispose();
              return;
            }
            const old = slot.model;
            const nextDetector = next.detector(modelSettings);
            if (modelDetector) driver.replaceDetector(modelDetector, nextDetector);
            modelDetector = nextDetector;
            slot.model = next;
            old?.dispose();
            reloads++;
            event({ kind: 'model-reloaded', dir: modelDir, trainingWindows: next.meta.training.windows, lastWindowSec: next.meta.training.lastWindowSec });
          },
          (e: unknown) => {
            reloadFailures++;
            event({ kind: 'warning', message: `model ${modelDir}: reload failed, keeping the loaded model: ${isFlowhoundError(e) ? e.message : String(e)}` });
          },
        );
      }, o.modelPollSec * 1000),
    );
  }

  let failure: unknown = null;
  let batches = 0;
  try {
    for await (const t of input.batches) {
      inFlight = true;
      await driver.push(t.batch);
      if (t.file !== null && t.position !== null) processed[t.file] = t.position;
      inFlight = false;
      batchesSinceCheckpoint++;
      lastBatchAt = performance.now();
      if (++batches === 1) checkpoint(true);
      else if (wroteFindings) checkpoint(false);
    }
    // Stopped (signal, closed stdout) with a state file: the open incidents wait in the checkpoint for the next run.
    if (!(o.signal.aborted && o.statePath)) await driver.end();
  } catch (e) {
    // A write that failed (stdout closed) stops the run; the last checkpoint stands. A batch that
    // failed to parse was not pushed (inFlight is false): the checkpoint below covers what was processed.
    if (isWriteFailure(e)) consistent = false;
    else failure = e;
  } finally {
    driver.stop();
    following.abort();
    o.signal.removeEventListener('abort', stopFollowing);
    for (const t of timers) clearInterval(t);
    checkpoint(true);
    await sink.close();
    slot.model?.dispose();
  }
  return {
    counters: driver.counters,
    driver: driver.stats,
    suppressed: scorer.stats.suppressed,
    lateRecords: collectLateRecords(driver.detectors),
    evictedKeys: collectEvictedKeys(driver.detectors),
    modelNote: chosen.note,
    modelDir,
    backend: slot.model ? slot.model.backend : null,
    followed: input.followers.map((f) => ({ path: f.path, resumed: f.stats.resumed })),
    reopens,
    reloads,
    reloadFailures,
    failure,
  };
}

/** A sink's write that failed (the reader of stdout went away): a stop, not a failure of the run. */
function isWriteFailure(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}
