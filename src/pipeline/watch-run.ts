/**
 * Streaming scoring (`flowhound watch`): follows a file, a Zeek log
 * directory or a stream, runs the same detector assembly and driver as
 * `analyze` on event time with a lateness, and writes findings to the sinks
 * as they become certain.
 *
 *   const result = await runWatchPipeline({ target: 'conn.log', read, settings, rules, model: { kind: 'default' },
 *     latenessSec: 120, sinks: [jsonl], signal, onEvent: (e) => log(e) });
 *
 * 1. The state file (`statePath`), when present, gives each followed file's
 *    position and the findings already emitted.
 * 2. The model is chosen as for analyze; its folder is polled every
 *    `modelPollSec` and a changed model replaces the old one in the driver
 *    (the old model detector is flushed first); a failed reload keeps the
 *    old model and is reported as an event.
 * 3. Every batch goes through the driver; after it, the batch's file
 *    position counts as processed. The state (processed positions, emitted
 *    findings) is saved atomically every `stateIntervalSec` and at the end.
 * 4. On `signal` (SIGINT/SIGTERM, a closed stdout) the followers stop, the
 *    detectors are flushed, the state is saved with the followers' final
 *    positions, sinks are closed. A failure (bad input) does the same but
 *    saves only the processed positions, and is returned as `failure`
 *    (with the counts so far) for the caller to report.
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
  const emitted = createEmittedFindings(prior?.emitted ?? []);
  const driver = createDetectorDriver({
    detectors,
    scorer,
    latenessSec: o.latenessSec,
    idleFlushMs: o.idleFlushSec > 0 ? o.idleFlushSec * 1000 : null,
    emitted,
    onFindings: (findings) => sink.write(findings),
  });

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
  const stateOf = (final: boolean): WatchState => {
    const files: Record<string, FollowPosition> = { ...(prior?.files ?? {}), ...processed };
    if (final) for (const f of input.followers) if (f.position().identity !== null) files[f.path] = f.position();
    return { version: WATCH_STATE_VERSION, files, emitted: emitted.entries() };
  };
  const saveState = (final: boolean): void => {
    if (!o.statePath) return;
    try {
      writeWatchState(o.statePath, stateOf(final));
    } catch (e) {
      event({ kind: 'warning', message: (e as Error).message });
    }
  };

  let reloads = 0;
  let reloadFailures = 0;
  const timers: ReturnType<typeof setInterval>[] = [];
  if (o.statePath) timers.push(setInterval(() => saveState(false), o.stateIntervalSec * 1000));
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
  try {
    for await (const t of input.batches) {
      await driver.push(t.batch);
      if (t.file !== null && t.position !== null) processed[t.file] = t.position;
    }
    await driver.end();
  } catch (e) {
    failure = e;
  } finally {
    following.abort();
    o.signal.removeEventListener('abort', stopFollowing);
    for (const t of timers) clearInterval(t);
    saveState(failure === null);
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
