/**
 * `lstm`: LSTM(50) over the last LSTM_SEQ_LEN = 30 windows of one (proto,
 * port), forecasting the next window's scaled features (the brief's
 * LSTM(50) over 30 steps). Windows in which the port had no traffic enter
 * the history as the scaled empty window (all raw features 0); a port's first
 * windows are left-padded the same way, so short captures still train.
 * Windows with fewer than LSTM_MIN_HISTORY_WINDOWS real windows in their
 * history get no LSTM score.
 * Score = forecast MSE divided by the port's median training error
 * (the "port scale"; ports seen fewer than PORT_SCALE_MIN_WINDOWS times, or
 * with a scale below half the global median, use that floor instead).
 * The recurrent initializer is seeded glorot-uniform, not Keras' orthogonal
 * (tfjs prints a warning for orthogonal on a 50×200 matrix, and it is slow).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { FEATURE_COUNT, type FeatureWindow, formatPortKey } from '../window/feature-schema.js';
import { type RobustScaler, scaleFeatures } from './robust-scaler.js';

export const LSTM_SEQ_LEN = 30;
export const LSTM_UNITS = 50;
export const PORT_SCALE_MIN_WINDOWS = 5;
/**
 * A forecast needs context: a window whose 30-window history holds fewer
 * than this many real windows of its port (a new port, the start of a
 * stream) gets no LSTM score, and such samples do not calibrate the LSTM's
 * threshold (they are still trained on). The dense model scores them.
 */
export const LSTM_MIN_HISTORY_WINDOWS = 3;

export function buildLstmForecaster(featureCount: number, seed: number): tfl.LayersModel {
  const model = tfl.sequential({ name: 'flowhound_lstm' });
  model.add(
    tfl.layers.lstm({
      units: LSTM_UNITS,
      inputShape: [LSTM_SEQ_LEN, featureCount],
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 17 + 1 }),
      recurrentInitializer: tfl.initializers.glorotUniform({ seed: seed * 17 + 2 }),
    }),
  );
  model.add(tfl.layers.dense({ units: featureCount, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 17 + 3 }) }));
  return model;
}

/** The scaled vector of a window with no traffic. */
export function scaleEmptyWindow(scaler: RobustScaler): Float32Array {
  return scaleFeatures(new Float64Array(FEATURE_COUNT), scaler);
}

/**
 * Keeps each port's recent scaled windows and builds the 30-step history
 * before a window. Bounded: at most `maxPorts` ports (the least recently
 * seen is forgotten) and LSTM_SEQ_LEN windows per port.
 */
export interface PortHistory {
  /** Writes the history before `w` into `out` at `offset` (LSTM_SEQ_LEN × F floats); returns how many of its windows are real (not padding). */
  fill(w: FeatureWindow, out: Float32Array, offset: number): number;
  /** Records `w`'s scaled vector as part of its port's history. */
  remember(w: FeatureWindow, scaled: Float32Array): void;
  /** The remembered windows (port → window start → scaled vector), for a checkpoint. */
  snapshot(): Map<string, Map<number, Float32Array>>;
  restore(ports: Map<string, Map<number, Float32Array>>): void;
}

export function createPortHistory(scaler: RobustScaler, maxPorts = 4096): PortHistory {
  const empty = scaleEmptyWindow(scaler);
  let ports = new Map<string, Map<number, Float32Array>>();
  return {
    snapshot() {
      return ports;
    },
    restore(saved) {
      ports = saved;
    },
    fill(w, out, offset) {
      const h = ports.get(formatPortKey(w.proto, w.port));
      let known = 0;
      for (let k = 0; k < LSTM_SEQ_LEN; k++) {
        const st = w.startSec - (LSTM_SEQ_LEN - k) * w.windowSec;
        const v = h?.get(st);
        if (v) known++;
        out.set(v ?? empty, offset + k * FEATURE_COUNT);
      }
      return known;
    },
    remember(w, scaled) {
      const key = formatPortKey(w.proto, w.port);
      let h = ports.get(key);
      if (h) ports.delete(key);
      else h = new Map();
      ports.set(key, h);
      h.set(w.startSec, scaled);
      const oldest = w.startSec - LSTM_SEQ_LEN * w.windowSec;
      for (const st of h.keys()) if (st < oldest) h.delete(st);
      if (ports.size > maxPorts) {
        const first = ports.keys().next().value;
        if (first !== undefined) ports.delete(first);
      }
    },
  };
}
