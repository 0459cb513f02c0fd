/**
 * Trains a flowhound model from FeatureWindows.
 *
 * 1. Scaler: robust (median/IQR) per feature, fitted on the training
 *    windows — or, with a warm start, kept from the warm-start model, so
 *    that its weights keep seeing inputs scaled the way they were trained.
 * 2. dense: autoencoder trained to reproduce each scaled window.
 * 3. lstm: forecaster trained on each window given its port's previous 30
 *    windows (at most LSTM_MAX_SAMPLES, a seeded subsample beyond that).
 * 4. Thresholds (and the LSTM's per-port scales) are calibrated on the
 *    training windows' own scores — training data only — and stored.
 * 5. Learned rates: per (proto, port), the highest and 99th-percentile
 *    peak_pps of its training windows (at most LEARNED_RATES_MAX_PORTS
 *    ports, the most frequent).
 * With a warm start, training continues from the warm model's weights;
 * thresholds, port scales and learned rates are recomputed from the new
 * data only.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { FlowhoundError } from '../errors.js';
import { F, FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION, type FeatureWindow, formatPortKey } from '../window/feature-schema.js';
import { type BackendName, selectBackend } from './backend.js';
import { buildDenseAutoencoder, DENSE_HIDDEN_UNITS } from './dense-autoencoder.js';
import { compileForTraining, DEFAULT_BATCH_SIZE, DEFAULT_LEARNING_RATE, fitSeeded, measureErrors, predictRows } from './fit-seeded.js';
import { createFlowhoundModel, type FlowhoundModel } from './flowhound-model.js';
import { buildLstmForecaster, createPortHistory, LSTM_SEQ_LEN, LSTM_UNITS, PORT_SCALE_MIN_WINDOWS } from './lstm-forecaster.js';
import { type LearnedRate, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelKind, type ModelMeta, readFlowhoundVersion } from './model-meta.js';
import { fitRobustScaler, quantileSorted, type RobustScaler, scaleFeatures } from './robust-scaler.js';
import { createSeededRandom, permuteIndices } from './seeded-random.js';
import { calibrateThreshold } from './threshold.js';

export const DEFAULT_EPOCHS = 30;
export const DEFAULT_SEED = 1;
export const LSTM_MAX_SAMPLES = 20000;
export const LEARNED_RATES_MAX_PORTS = 2048;
/** Fewer training windows than this is refused: no baseline can be learned. */
export const MIN_TRAINING_WINDOWS = 20;

export type TrainKind = ModelKind | 'all';

export interface TrainOptions {
  kind: TrainKind;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  backend?: BackendName;
  warmStart?: FlowhoundModel;
  /** Names of the inputs, recorded in flowhound.json. */
  inputs: string[];
  lateRecords?: number;
  lstmMaxSamples?: number;
  onEpoch?: (kind: ModelKind, epoch: number, epochs: number, loss: number, windowsPerSec: number) => void;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'inputs'> = {
  kind: 'all',
  seed: DEFAULT_SEED,
  epochs: DEFAULT_EPOCHS,
  batchSize: DEFAULT_BATCH_SIZE,
  learningRate: DEFAULT_LEARNING_RATE,
};

export async function trainModel(windowsIn: readonly FeatureWindow[], options: TrainOptions): Promise<FlowhoundModel> {
  if (windowsIn.length < MIN_TRAINING_WINDOWS) {
    throw new FlowhoundError('USAGE', `only ${windowsIn.length} feature windows in the training input; at least ${MIN_TRAINING_WINDOWS} are needed to learn a baseline`);
  }
  const windowSec = windowsIn[0]!.windowSec;
  if (windowsIn.some((w) => w.windowSec !== windowSec)) throw new FlowhoundError('USAGE', 'training windows have different window lengths');
  const warm = options.warmStart;
  if (warm && warm.meta.windowSec !== windowSec) {
    throw new FlowhoundError('MODEL_SCHEMA_MISMATCH', `warm-start model ${warm.dir ?? ''} uses ${warm.meta.windowSec} s windows, the training input ${windowSec} s`);
  }
  const backend = await selectBackend(options.backend);
  const kinds: ModelKind[] = options.kind === 'all' ? ['dense', 'lstm'] : [options.kind];
  // Per port, in time order (the LSTM history needs it; the order is also the seed's reference order).
  const windows = [...windowsIn].sort((a, b) => (a.proto < b.proto ? -1 : a.proto > b.proto ? 1 : 0) || a.port - b.port || a.startSec - b.startSec);
  const n = windows.length;
  const scaler: RobustScaler = warm ? warm.meta.scaler : fitRobustScaler(windows.map((w) => w.values));
  const x = new Float32Array(n * FEATURE_COUNT);
  windows.forEach((w, i) => {
    scaleFeatures(w.values, scaler, x, i * FEATURE_COUNT);
  });

  const meta: ModelMeta = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    flowhoundVersion: readFlowhoundVersion(),
    featureSchemaVersion: FEATURE_SCHEMA_VERSION,
    features: [...FEATURE_NAMES],
    windowSec,
    kinds,
    scaler,
    learnedRates: learnRates(windows),
    training: {
      inputs: options.inputs,
      windows: n,
      ports: new Set(windows.map((w) => formatPortKey(w.proto, w.port))).size,
      firstWindowSec: Math.min(...windows.map((w) => w.startSec)),
      lastWindowSec: Math.max(...windows.map((w) => w.startSec)),
      lateRecords: options.lateRecords ?? 0,
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      seed: options.seed,
      backend,
      warmStartFrom: warm?.dir ?? null,
      finalLoss: {},
    },
  };

  let dense: tfl.LayersModel | null = null;
  let lstm: tfl.LayersModel | null = null;
  const fitOptions = (kind: ModelKind) => ({
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    learningRate: options.learningRate,
    onEpoch: (e: number, loss: number, wps: number) => options.onEpoch?.(kind, e, options.epochs, loss, wps),
  });

  if (kinds.includes('dense')) {
    dense = warm?.dense ?? buildDenseAutoencoder(FEATURE_COUNT, options.seed);
    compileForTraining(dense, options.learningRate);
    const losses = await fitSeeded(dense, { x, xShape: [FEATURE_COUNT], y: x, ySize: FEATURE_COUNT, n }, fitOptions('dense'));
    const { scores } = measureErrors(predictRows(dense, x, [FEATURE_COUNT], n, FEATURE_COUNT), x, n, FEATURE_COUNT);
    meta.dense = { hiddenUnits: DENSE_HIDDEN_UNITS, threshold: calibrateThreshold(scores) };
    if (losses.length) meta.training.finalLoss.dense = losses[losses.length - 1]!;
  }

  if (kinds.includes('lstm')) {
    const history = createPortHistory(scaler, Number.POSITIVE_INFINITY);
    const maxSamples = options.lstmMaxSamples ?? LSTM_MAX_SAMPLES;
    const picked = n > maxSamples ? Array.from(permuteIndices(n, createSeededRandom(options.seed + 7)).subarray(0, maxSamples)).sort((a, b) => a - b) : null;
    const m = picked ? picked.length : n;
    const seqSize = LSTM_SEQ_LEN * FEATURE_COUNT;
    const seq = new Float32Array(m * seqSize);
    const target = new Float32Array(m * FEATURE_COUNT);
    const sampleKeys: string[] = [];
    let k = 0;
    windows.forEach((w, i) => {
      const scaled = x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
      if (!picked || picked[k] === i) {
        history.fill(w, seq, k * seqSize);
        target.set(scaled, k * FEATURE_COUNT);
        sampleKeys.push(formatPortKey(w.proto, w.port));
        k++;
      }
      history.remember(w, scaled);
    });
    lstm = warm?.lstm ?? buildLstmForecaster(FEATURE_COUNT, options.seed);
    compileForTraining(lstm, options.learningRate);
    const losses = await fitSeeded(lstm, { x: seq, xShape: [LSTM_SEQ_LEN, FEATURE_COUNT], y: target, ySize: FEATURE_COUNT, n: m }, fitOptions('lstm'));
    const { scores } = measureErrors(predictRows(lstm, seq, [LSTM_SEQ_LEN, FEATURE_COUNT], m, FEATURE_COUNT), target, m, FEATURE_COUNT);
    const { globalScale, portScales } = calibratePortScales(scores, sampleKeys);
    const scaleOf = new Map(portScales.map((p) => [p.key, p.scale]));
    const scaledScores = Float64Array.from(scores, (s, i) => s / (scaleOf.get(sampleKeys[i]!) ?? globalScale));
    meta.lstm = { seqLen: LSTM_SEQ_LEN, units: LSTM_UNITS, threshold: calibrateThreshold(scaledScores), globalScale, portScales };
    meta.training.lstmSamples = m;
    if (losses.length) meta.training.finalLoss.lstm = losses[losses.length - 1]!;
  }

  return createFlowhoundModel({ dir: null, meta, backend, dense, lstm });
}

/** Per-port forecast error scale: the port's median training error, floored at half the global median; ports with few windows use the global median. */
function calibratePortScales(scores: Float64Array, keys: string[]): { globalScale: number; portScales: { key: string; scale: number; windows: number }[] } {
  const globalScale = Math.max(1e-6, quantileSorted(Float64Array.from(scores).sort(), 0.5));
  const byPort = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const list = byPort.get(key);
    if (list) list.push(scores[i]!);
    else byPort.set(key, [scores[i]!]);
  });
  const portScales: { key: string; scale: number; windows: number }[] = [];
  for (const [key, list] of byPort) {
    if (list.length < PORT_SCALE_MIN_WINDOWS) continue;
    const med = quantileSorted(Float64Array.from(list).sort(), 0.5);
    portScales.push({ key, scale: Math.max(med, globalScale * 0.5), windows: list.length });
  }
  portScales.sort((a, b) => b.windows - a.windows || (a.key < b.key ? -1 : 1));
  return { globalScale, portScales: portScales.slice(0, LEARNED_RATES_MAX_PORTS) };
}

function learnRates(windows: FeatureWindow[]): LearnedRate[] {
  const byPort = new Map<string, { w: FeatureWindow; peaks: number[] }>();
  for (const w of windows) {
    const key = formatPortKey(w.proto, w.port);
    const e = byPort.get(key);
    if (e) e.peaks.push(w.values[F.peakPps]!);
    else byPort.set(key, { w, peaks: [w.values[F.peakPps]!] });
  }
  const rates: LearnedRate[] = [];
  for (const { w, peaks } of byPort.values()) {
    const sorted = Float64Array.from(peaks).sort();
    rates.push({ proto: w.proto, port: w.port, peakPps: sorted[sorted.length - 1]!, p99PeakPps: quantileSorted(sorted, 0.99), windows: peaks.length });
  }
  rates.sort((a, b) => b.windows - a.windows || a.port - b.port);
  return rates.slice(0, LEARNED_RATES_MAX_PORTS);
}
