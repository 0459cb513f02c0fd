/**
 * Offline analysis (`flowhound analyze`): reads every input, runs the rule
 * detectors and the judging model through the one detector driver, and
 * writes findings to the sinks.
 *
 *   const result = await runAnalysis({ inputs, read, settings, rules, model: { kind: 'default' }, openSinks: async () => [sink] });
 *   result.counters.findingsByKind
 *
 * Order: the model is chosen (and loaded) first, then `openSinks` is called
 * (so a model that fails to load leaves no empty output file), then the
 * inputs are read. Without a model (request `self`) the baseline is a
 * self-baseline learned from the input. `scoresPath` writes every window
 * the baseline judged to an Arrow file (Arrow is imported only then).
 * Sinks are closed and the model disposed at the end, also on failure.
 * Lateness is unbounded: windows close at end of input.
 */
import type { Settings } from '../config/settings.js';
import type { PolicyRule } from '../detect/policy-rules.js';
import type { CaptureIngestOptions, CaptureIngestStats } from '../ingest/capture-tracking.js';
import { addCaptureStats, createPacketCounts, type PacketCounts } from '../ingest/packet-counts.js';
import { readInputs } from '../ingest/read-input.js';
import type { ReadOptions } from '../ingest/read-options.js';
import type { JudgedWindow } from '../model/judge-windows.js';
import type { ModelDetector } from '../model/model-detector.js';
import type { ScoresSink } from '../sink/scores-arrow.js';
import type { BackendName } from '../model/backend.js';
import type { Finding, RecordBatch } from '../types.js';
import { assembleDetectors, collectEvictedKeys, collectLateRecords, createModelSlot, createRunScorer } from './assemble-detectors.js';
import { createDetectorDriver } from './detector-driver.js';
import { chooseModel, type ModelRequest } from './model-choice.js';
import type { RunCounters } from './run-counters.js';
import { fanOutSinks, type PipelineSink } from './sinks.js';

export interface AnalysisOptions {
  inputs: readonly string[];
  read: ReadOptions;
  settings: Settings;
  rules: readonly PolicyRule[];
  model: ModelRequest;
  backend?: BackendName;
  /** Write every judged window (score, threshold) to this Arrow file. */
  scoresPath?: string | null;
  /** Opens the findings sinks once the model is loaded. */
  openSinks: () => Promise<PipelineSink[]>;
  /** Sees every batch (progress counting). */
  onBatch?: (batch: RecordBatch) => void;
  /** Sees every group of findings after the sinks (e.g. --fail-on). */
  onFindings?: (findings: readonly Finding[]) => void;
}

export type ModelStats = ReturnType<ModelDetector['stats']>;

export interface AnalysisResult {
  counters: RunCounters;
  /** What became of captured packets (captures only). */
  packets: PacketCounts;
  /** Repeats the scorer suppressed. */
  suppressed: number;
  /** Records later than a detector's lateness, by detector name. */
  lateRecords: Record<string, number>;
  /** Keys dropped at a detector's cap, by detector name. */
  evictedKeys: Record<string, number>;
  /** What the run summary says about the model or baseline (one or more lines). */
  modelNote: string;
  /** The backend the model ran on, or null without a model. */
  backend: string | null;
  modelStats: ModelStats | null;
}

export async function runAnalysis(o: AnalysisOptions): Promise<AnalysisResult> {
  const choice = await chooseModel(o.model, o.backend ? { backend: o.backend } : {});
  const slot = createModelSlot(choice.model);
  let scores: ScoresSink | null = null;
  try {
    if (o.scoresPath) scores = (await import('../sink/scores-arrow.js')).createScoresArrowSink(o.scoresPath);
    const scoresSink = scores;
    // Judged windows go to the scores file and to sinks that chart them (the HTML report); the sinks open below.
    let sink: PipelineSink | null = null;
    const onScores = (j: readonly JudgedWindow[]) => {
      scoresSink?.write(j);
      sink?.observeWindowScores?.(j);
    };
    const { detectors, modelDetector } = assembleDetectors({ settings: o.settings, rules: o.rules, slot, modelSettings: { onScores }, selfBaseline: o.model.kind === 'self' });
    sink = fanOutSinks(await o.openSinks());
    const out = sink;
    const packets = createPacketCounts();
    const read: ReadOptions & CaptureIngestOptions = { ...o.read, onCaptureStats: (st: CaptureIngestStats) => addCaptureStats(packets, st) };
    const scorer = createRunScorer(o.settings);
    const driver = createDetectorDriver({
      detectors,
      scorer,
      onFindings: (findings) => {
        out.write(findings);
        o.onFindings?.(findings);
      },
    });
    const modelNote = () => (modelDetector ? modelDetector.notes().join('\n             ') : '') || choice.note;
    try {
      await driver.run(observe(readInputs(o.inputs, read), o.onBatch, out.observeBatch?.bind(out)));
    } finally {
      // A model judged when one was loaded, or when the self-baseline scored windows.
      const judged = choice.model !== null || (modelDetector !== null && modelDetector.stats().windowsScored > 0);
      out.observeModel?.(judged ? { dir: choice.dir, backend: choice.model ? choice.model.backend : null } : null, modelNote());
      await out.close();
    }
    return {
      counters: driver.counters,
      packets,
      suppressed: scorer.stats.suppressed,
      lateRecords: collectLateRecords(detectors),
      evictedKeys: collectEvictedKeys(detectors),
      modelNote: modelNote(),
      backend: choice.model ? choice.model.backend : null,
      modelStats: modelDetector ? modelDetector.stats() : null,
    };
  } finally {
    scores?.close();
    choice.model?.dispose();
  }
}

/** Passes batches through, showing each to the observers first. */
export async function* observe(batches: AsyncIterable<RecordBatch>, ...observers: (((b: RecordBatch) => void) | undefined)[]): AsyncGenerator<RecordBatch> {
  const fns = observers.filter((f): f is (b: RecordBatch) => void => f !== undefined);
  if (fns.length === 0) return yield* batches;
  for await (const b of batches) {
    for (const f of fns) f(b);
    yield b;
  }
}
