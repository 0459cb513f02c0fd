/**
 * Scores FeatureWindows with a model's networks: dense reconstruction error
 * and LSTM forecast error (scaled per port), each compared with its
 * calibrated threshold. Keeps each port's recent windows for the LSTM
 * history (bounded), so windows must come in time order per port.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { FEATURE_COUNT, type FeatureWindow, formatPortKey } from '../window/feature-schema.js';
import { measureErrors, predictRows } from './fit-seeded.js';
import { createPortHistory, LSTM_MIN_HISTORY_WINDOWS, LSTM_SEQ_LEN } from './lstm-forecaster.js';
import type { ModelKind, ModelMeta } from './model-meta.js';
import { scaleFeatures } from './robust-scaler.js';

export interface KindScore {
  score: number;
  threshold: number;
  /** score / threshold: > 1 is an alarm. */
  ratio: number;
  /** Squared error per feature (FEATURES order). */
  perFeature: Float32Array;
}

export interface WindowScore {
  window: FeatureWindow;
  scaled: Float32Array;
  dense?: KindScore;
  lstm?: KindScore;
  /** The kind with the highest ratio. */
  worst: ModelKind;
  ratio: number;
}

export interface WindowScorer {
  score(windows: readonly FeatureWindow[]): WindowScore[];
  /** The LSTM's per-port history (the scorer's only state), for a checkpoint. */
  snapshot(): Map<string, Map<number, Float32Array>>;
  restore(history: Map<string, Map<number, Float32Array>>): void;
}

export interface ScoringNetworks {
  meta: ModelMeta;
  dense: tfl.LayersModel | null;
  lstm: tfl.LayersModel | null;
}

export function createWindowScorer(model: ScoringNetworks, options: { maxPorts?: number } = {}): WindowScorer {
  const { meta } = model;
  const history = createPortHistory(meta.scaler, options.maxPorts ?? 4096);
  const portScales = new Map((meta.lstm?.portScales ?? []).map((p) => [p.key, p.scale]));
  return {
    snapshot: () => history.snapshot(),
    restore: (saved) => history.restore(saved),
    score(windows) {
      const n = windows.length;
      if (n === 0) return [];
      const x = new Float32Array(n * FEATURE_COUNT);
      windows.forEach((w, i) => {
        scaleFeatures(w.values, meta.scaler, x, i * FEATURE_COUNT);
      });
      const out: WindowScore[] = windows.map((w, i) => ({ window: w, scaled: x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), worst: 'dense', ratio: 0 }));
      if (model.dense && meta.dense) {
        const pred = predictRows(model.dense, x, [FEATURE_COUNT], n, FEATURE_COUNT);
        const { scores, perFeature } = measureErrors(pred, x, n, FEATURE_COUNT);
        const th = meta.dense.threshold.threshold;
        out.forEach((o, i) => {
          o.dense = { score: scores[i]!, threshold: th, ratio: th > 0 ? scores[i]! / th : 0, perFeature: perFeature.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT) };
        });
      }
      if (model.lstm && meta.lstm) {
        const seq = new Float32Array(n * LSTM_SEQ_LEN * FEATURE_COUNT);
        const known = new Int32Array(n);
        windows.forEach((w, i) => {
          known[i] = history.fill(w, seq, i * LSTM_SEQ_LEN * FEATURE_COUNT);
          history.remember(w, out[i]!.scaled);
        });
        const pred = predictRows(model.lstm, seq, [LSTM_SEQ_LEN, FEATURE_COUNT], n, FEATURE_COUNT);
        const { scores, perFeature } = measureErrors(pred, x, n, FEATURE_COUNT);
        const th = meta.lstm.threshold.threshold;
        out.forEach((o, i) => {
          if (known[i]! < LSTM_MIN_HISTORY_WINDOWS) return; // no context, no forecast score
          const scale = portScales.get(formatPortKey(o.window.proto, o.window.port)) ?? meta.lstm!.globalScale;
          const s = scores[i]! / scale;
          o.lstm = { score: s, threshold: th, ratio: th > 0 ? s / th : 0, perFeature: perFeature.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT) };
        });
      }
      for (const o of out) {
        const d = o.dense?.ratio ?? -1;
        const l = o.lstm?.ratio ?? -1;
        o.worst = l > d || !o.dense ? 'lstm' : 'dense';
        o.ratio = Math.max(d, l, 0);
      }
      return out;
    },
  };
}
