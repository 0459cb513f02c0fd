/**
 * Feature windows from INPUT arguments, for `train` and `features`: Arrow
 * feature files (recognized by their "ARROW1" magic) are read as they are;
 * every other input (capture, Zeek log, CSV, "-") goes through readInputs
 * and one windower. The windower's lateness is FEATURES_LATENESS_SEC unless
 * the caller sets one: windows close as the input's event time moves past
 * them, so memory holds the open windows, not a day of them (records later
 * than that are counted as late, never silently dropped).
 */
import { FlowhoundError } from '../errors.js';
import { type ReadOptions, readInputs } from '../ingest/read-input.js';
import type { FlowRecord, RecordBatch } from '../types.js';
import type { FeatureWindow } from './feature-schema.js';
import { isArrowFile, readFeatureArrow } from './read-feature-arrow.js';
import { collectFeatureWindows, DEFAULT_WINDOW_SETTINGS, type WindowerStats, type WindowSettings } from './windower.js';

/** 10 minutes: Zeek writes a connection when it ends and rotates hourly; out-of-order lines within that are windowed. */
export const FEATURES_LATENESS_SEC = 600;

export interface FeatureWindowsResult {
  windows: FeatureWindow[];
  windowSec: number;
  /** Raw-input windowing counters; null when every input was an Arrow file. */
  stats: WindowerStats | null;
  arrowInputs: string[];
  rawInputs: string[];
}

export async function readFeatureWindows(
  inputs: readonly string[],
  options: { window?: Partial<WindowSettings>; read: ReadOptions; /** Sees every raw input's flows (a model tallies the hosts it learns). */ onFlows?: (flows: readonly FlowRecord[]) => void },
): Promise<FeatureWindowsResult> {
  const arrowInputs = inputs.filter((p) => isArrowFile(p));
  const rawInputs = inputs.filter((p) => !arrowInputs.includes(p));
  const windows: FeatureWindow[] = [];
  let windowSec = options.window?.windowSec ?? null;
  for (const path of arrowInputs) {
    const file = readFeatureArrow(path);
    if (windowSec !== null && file.windowSec !== windowSec) {
      throw new FlowhoundError('ARROW_BAD_SCHEMA', `${path}: windows of ${file.windowSec} s, but this run uses ${windowSec} s windows`, { file: path });
    }
    windowSec = file.windowSec;
    for (const w of file.windows) windows.push(w);
  }
  windowSec ??= DEFAULT_WINDOW_SETTINGS.windowSec;
  let stats: WindowerStats | null = null;
  if (rawInputs.length > 0) {
    const onFlows = options.onFlows;
    const batches = onFlows ? tapFlows(readInputs(rawInputs, options.read), onFlows) : readInputs(rawInputs, options.read);
    const r = await collectFeatureWindows(batches, { allowedLatenessSec: FEATURES_LATENESS_SEC, ...options.window, windowSec });
    for (const w of r.windows) windows.push(w);
    stats = r.stats;
  }
  return { windows, windowSec, stats, arrowInputs, rawInputs };
}

async function* tapFlows(batches: AsyncIterable<RecordBatch>, onFlows: (flows: readonly FlowRecord[]) => void): AsyncGenerator<RecordBatch> {
  for await (const b of batches) {
    onFlows(b.flows);
    yield b;
  }
}
