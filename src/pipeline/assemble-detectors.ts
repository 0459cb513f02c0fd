/**
 * The detectors of a run, assembled from settings: the rule detectors
 * (scans, DNS and ICMP tunnels, rate spikes, port policy, ARP scans,
 * beacons) and the `baseline.deviation` detector last: the loaded model's
 * when one judges, else (when `selfBaseline` is set: analyze without
 * --model) a self-baseline learned from the input, else none.
 *
 *   const slot = createModelSlot(choice.model);
 *   const { detectors, modelDetector } = assembleDetectors({ settings, rules, slot, modelSettings });
 *
 * rate.spike asks the slot for learned per-port peaks, so a model swapped
 * into the slot (watch's reload) is used from the next batch on.
 */
import type { Settings } from '../config/settings.js';
import { createRuleDetectors } from '../detect/create-rule-detectors.js';
import type { Detector } from '../detect/detector.js';
import type { PolicyRule } from '../detect/policy-rules.js';
import type { FlowhoundModel } from '../model/flowhound-model.js';
import { createModelDetector, type ModelDetector, type ModelDetectorSettings } from '../model/model-detector.js';
import { createScorer, type Scorer } from '../score/scorer.js';
import { DEFAULT_WINDOW_SEC } from '../window/windower.js';

/** The model currently judging (null: rules only); watch replaces it on reload. */
export interface ModelSlot {
  model: FlowhoundModel | null;
}

export function createModelSlot(model: FlowhoundModel | null): ModelSlot {
  return { model };
}

export interface DetectorAssembly {
  settings: Settings;
  rules: readonly PolicyRule[];
  slot: ModelSlot;
  modelSettings?: Partial<ModelDetectorSettings>;
  /** Without a model in the slot, learn a self-baseline from the input (analyze). */
  selfBaseline?: boolean;
}

export interface AssembledDetectors {
  /** Rule detectors first, the model detector (if any) last. */
  detectors: Detector[];
  modelDetector: ModelDetector | null;
}

export function assembleDetectors(a: DetectorAssembly): AssembledDetectors {
  const detectors = createRuleDetectors(a.settings, { rules: a.rules, learnedPeakPps: (port, proto) => a.slot.model?.learnedPeakPps(proto, port) ?? null });
  const modelSettings = a.modelSettings ?? {};
  const modelDetector = a.slot.model
    ? a.slot.model.detector(modelSettings)
    : a.selfBaseline
      ? createModelDetector({ kind: 'self', windowSec: DEFAULT_WINDOW_SEC }, modelSettings)
      : null;
  if (modelDetector) detectors.push(modelDetector);
  return { detectors, modelDetector };
}

/** Each detector's `lateRecords` count, by detector name (the run summary's "late" line). */
export function collectLateRecords(detectors: readonly Detector[]): Record<string, number> {
  return collectDetectorCount(detectors, 'lateRecords');
}

/** Each detector's `evictedKeys` count (keys dropped at its cap), by detector name (the run summary's "evicted" line). */
export function collectEvictedKeys(detectors: readonly Detector[]): Record<string, number> {
  return collectDetectorCount(detectors, 'evictedKeys');
}

function collectDetectorCount(detectors: readonly Detector[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of detectors) {
    const n = (d.stats?.() as Record<string, unknown> | undefined)?.[name];
    if (typeof n === 'number') out[d.name] = n;
  }
  return out;
}

/** The scorer of a run (dedupe and suppression settings). */
export function createRunScorer(settings: Settings): Scorer {
  return createScorer({ suppressionSec: settings.suppressionSec, repeatFactor: settings.suppressionRepeatFactor });
}
