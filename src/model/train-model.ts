/**
 * Trains a flowhound model from FeatureWindows.
 *
 * 1. Scaler: robust (median/IQR) per feature, fitted on the training
 *    windows — or, with a warm start, kept from the warm-start model, so
 *    that its weights keep seeing inputs scaled the way they were trained.
 * 2. dense: autoencoder trained to reproduce each scaled window (fitted in
 *    plain JavaScript by src/model/dense-trainer.ts, stored as a tfjs model).
 * 3. lstm: forecaster trained on each window given its port's previous 30
 *    windows (at most LSTM_MAX_SAMPLES, a seeded subsample beyond that).
 * 4. Thresholds (and the LSTM's per-port scales) are calibrated on the
 *    training windows' own scores — training data only — and stored.
 * 5. Learned rates: per (proto, port), the highest and 99th-percentile
 *    peak_pps of its training windows (at most LEARNED_RATES_MAX_PORTS
 *    ports, the most frequent).
 * 6. Per-port baselines (src/model/port-baseline.ts) from the training
 *    windows, and the dense network's per-port thresholds: for each port
 *    with at least `minPortWindows` windows, margin × the largest
 *    out-of-fold score of its windows (with ≥ 1/budget windows, the
 *    (1 − budget) quantile × margin).
 * 7. The network it learned (hosts, subnets), when the caller tallied it.
 * With a warm start, training continues from the warm model's weights for
 * `warmEpochs` epochs (default a third of the cold epochs); thresholds, port
 * scales and learned rates are recomputed from the new data only.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { FlowhoundError } from '../errors.js';
import { F, FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION, type FeatureWindow, formatPortKey } from '../window/feature-schema.js';
import { type BackendName, selectBackend } from './backend.js';
import { buildDenseAutoencoder, DENSE_HIDDEN_UNITS } from './dense-autoencoder.js';
import { type DenseWeights, fitDense, readDenseWeights, scoreDense, writeDenseWeights } from './dense-trainer.js';
import { compileForTraining, DEFAULT_BATCH_SIZE, DEFAULT_LEARNING_RATE, fitSeeded, measureErrors, predictRows } from './fit-seeded.js';
import { createFlowhoundModel, type FlowhoundModel } from './flowhound-model.js';
import { buildLstmForecaster, createPortHistory, LSTM_MIN_HISTORY_WINDOWS, LSTM_SEQ_LEN, LSTM_UNITS, PORT_SCALE_MIN_WINDOWS } from './lstm-forecaster.js';
import { type LearnedRate, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelKind, type ModelMeta, readFlowhoundVersion } from './model-meta.js';
import { fitRobustScaler, quantileSorted, type RobustScaler, scaleFeatures } from './robust-scaler.js';
import { createSeededRandom, permuteIndices } from '../util/seeded-random.js';
import { calibrateThreshold } from './threshold.js';
import type { NetworkProfile } from './network-profile.js';
import { DEFAULT_PORT_BASELINE_SETTINGS, learnPortBaselines, type PortBaselineSettings } from './port-baseline.js';

export const DEFAULT_EPOCHS = 30;
export const DEFAULT_SEED = 1;
export const LSTM_MAX_SAMPLES = 20000;
export const LEARNED_RATES_MAX_PORTS = 2048;
/** Fewer training windows than this is refused: no baseline can be learned. */
export const MIN_TRAINING_WINDOWS = 20;
/** Share of training windows held out of fitting to calibrate thresholds. */
export const CALIBRATION_SHARE = 0.2;
export const MIN_CALIBRATION_WINDOWS = 5;
/** Out-of-fold calibration of the dense threshold: this many folds. */
export const DENSE_CALIBRATION_FOLDS = 5;
/** Small training sets get smaller mini-batches: at least this many optimizer steps per epoch. */
export const MIN_STEPS_PER_EPOCH = 10;
export const MIN_BATCH_SIZE = 8;

export type TrainKind = ModelKind | 'all';

export interface TrainOptions {
  kind: TrainKind;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  backend?: BackendName;
  warmStart?: FlowhoundModel;
  /** Epochs of a warm start (default a third of `epochs`, at least 1). */
  warmEpochs?: number;
  /** Names of the inputs, recorded in flowhound.json. */
  inputs: string[];
  lateRecords?: number;
  lstmMaxSamples?: number;
  /** Tail probability of the log-normal threshold (default THRESHOLD_TAIL_P). */
  thresholdTailP?: number;
  onEpoch?: (kind: ModelKind, epoch: number, epochs: number, loss: number, windowsPerSec: number) => void;
  /** The hosts the training input held (src/model/network-profile.ts); null or absent: not recorded. */
  network?: NetworkProfile | null;
  portBaseline?: Partial<PortBaselineSettings>;
  /** Called when a training phase starts (calibration folds, final fit), for progress lines. */
  onPhase?: (message: string) => void;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'inputs'> = {
  kind: 'dense',
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
    baselines: learnPortBaselines(windows, { ...DEFAULT_PORT_BASELINE_SETTINGS, ...options.portBaseline }),
    network: options.network ?? null,
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

  const thresholdOptions = options.thresholdTailP !== undefined ? { tailP: options.thresholdTailP } : {};
  let dense: tfl.LayersModel | null = null;
  let lstm: tfl.LayersModel | null = null;
  // Dense steps are cheap: small training sets get smaller batches. LSTM steps cost ~30 cell steps each: batch as given.
  // A warm start continues from weights that already fit this network: fewer epochs.
  const epochs = warm ? (options.warmEpochs ?? Math.max(1, Math.ceil(options.epochs / 3))) : options.epochs;
  meta.training.epochs = epochs;
  const fitOptions = (kind: ModelKind, samples: number) => ({
    epochs,
    batchSize: kind === 'dense' ? chooseBatchSize(options.batchSize, samples) : options.batchSize,
    seed: options.seed,
    learningRate: options.learningRate,
    onEpoch: (e: number, loss: number, wps: number) => options.onEpoch?.(kind, e, epochs, loss, wps),
  });

  if (kinds.includes('dense')) {
    // Out-of-fold calibration: DENSE_CALIBRATION_FOLDS fresh autoencoders, each fitted without one fold of
    // the training windows, score that fold; the threshold comes from these scores of windows the scoring
    // network never fitted (every training window once). The shipped network is then fitted on all windows.
    // A warm start calibrates on the warm network's scores of the new windows before it fits them (windows it
    // never saw: out-of-sample, and no fold networks to fit), so nightly thresholds move only with the data.
    const warmScores = warm?.dense ? scoreDense(readDenseWeights(warm.dense), x, n) : null;
    const folds = !warmScores && n >= DENSE_CALIBRATION_FOLDS * MIN_CALIBRATION_WINDOWS ? DENSE_CALIBRATION_FOLDS : 0;
    let scores: Float64Array | null = warmScores;
    if (folds > 0) {
      const oof = new Float64Array(n);
      scores = oof;
      const order = permuteIndices(n, createSeededRandom(options.seed + 11));
      for (let k = 0; k < folds; k++) {
        options.onPhase?.(`dense: calibration fold ${k + 1}/${folds} (${n} windows)`);
        const held = order.filter((_, i) => i % folds === k).sort();
        const rest = order.filter((_, i) => i % folds !== k).sort();
        const foldWeights = initialDenseWeights(options.seed + 1000 * (k + 1));
        const xRest = gatherRows(x, FEATURE_COUNT, rest);
        await fitDense(foldWeights, { x: xRest, y: xRest, n: rest.length }, { ...fitOptions('dense', rest.length), seed: options.seed + k + 1, onEpoch: () => {} });
        const heldScores = scoreDense(foldWeights, gatherRows(x, FEATURE_COUNT, held), held.length);
        held.forEach((r, i) => {
          oof[r] = heldScores[i]!;
        });
      }
    }
    options.onPhase?.(`dense: fitting on all ${n} windows`);
    dense = buildDenseAutoencoder(FEATURE_COUNT, options.seed);
    const weights = readDenseWeights(warm?.dense ?? dense);
    const losses = await fitDense(weights, { x, y: x, n }, fitOptions('dense', n));
    writeDenseWeights(dense, weights);
    if (scores === null) scores = scoreDense(weights, x, n);
    meta.dense = {
      hiddenUnits: DENSE_HIDDEN_UNITS,
      threshold: { ...calibrateThreshold(scores, thresholdOptions), calibratedOn: folds > 0 || warmScores ? 'holdout' : 'training' },
      portThresholds: keepWarmThresholds(calibratePortThresholds(scores, windows, meta.baselines.settings), warmScores ? (warm?.meta.dense?.portThresholds ?? []) : []),
    };
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
    const sampleKnown: number[] = [];
    let k = 0;
    windows.forEach((w, i) => {
      const scaled = x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
      if (!picked || picked[k] === i) {
        sampleKnown.push(history.fill(w, seq, k * seqSize));
        target.set(scaled, k * FEATURE_COUNT);
        sampleKeys.push(formatPortKey(w.proto, w.port));
        k++;
      }
      history.remember(w, scaled);
    });
    options.onPhase?.(`lstm: fitting on ${m} samples (${LSTM_SEQ_LEN}-window histories), calibrating on a held-out 20 %`);
    lstm = buildLstmForecaster(FEATURE_COUNT, options.seed);
    if (warm?.lstm) lstm.setWeights(warm.lstm.getWeights());
    compileForTraining(lstm, options.learningRate);
    const split = splitForCalibration(m, options.seed + 13);
    const fitIdx = split ? split.fit : Int32Array.from({ length: m }, (_, i) => i);
    // Scores only exist for windows with context (LSTM_MIN_HISTORY_WINDOWS), so only those calibrate.
    const withContext = (idx: Int32Array): Int32Array => {
      const kept = idx.filter((i) => sampleKnown[i]! >= LSTM_MIN_HISTORY_WINDOWS);
      return kept.length >= MIN_CALIBRATION_WINDOWS ? kept : idx;
    };
    const calIdx = withContext(split ? split.calibrate : fitIdx);
    const seqFit = gatherRows(seq, seqSize, fitIdx);
    const targetFit = gatherRows(target, FEATURE_COUNT, fitIdx);
    const losses = await fitSeeded(lstm, { x: seqFit, xShape: [LSTM_SEQ_LEN, FEATURE_COUNT], y: targetFit, ySize: FEATURE_COUNT, n: fitIdx.length }, fitOptions('lstm', fitIdx.length));
    // Port scales from the fitted samples' errors; the threshold from the held-out samples' scaled errors.
    const scaleIdx = withContext(fitIdx);
    const seqScale = gatherRows(seq, seqSize, scaleIdx);
    const targetScale = gatherRows(target, FEATURE_COUNT, scaleIdx);
    const fitErr = measureErrors(predictRows(lstm, seqScale, [LSTM_SEQ_LEN, FEATURE_COUNT], scaleIdx.length, FEATURE_COUNT), targetScale, scaleIdx.length, FEATURE_COUNT).scores;
    const { globalScale, portScales } = calibratePortScales(fitErr, Array.from(scaleIdx, (i) => sampleKeys[i]!));
    const scaleOf = new Map(portScales.map((p) => [p.key, p.scale]));
    const seqCal = gatherRows(seq, seqSize, calIdx);
    const targetCal = gatherRows(target, FEATURE_COUNT, calIdx);
    const calErr = measureErrors(predictRows(lstm, seqCal, [LSTM_SEQ_LEN, FEATURE_COUNT], calIdx.length, FEATURE_COUNT), targetCal, calIdx.length, FEATURE_COUNT).scores;
    const scaledScores = Float64Array.from(calErr, (e, k) => e / (scaleOf.get(sampleKeys[calIdx[k]!]!) ?? globalScale));
    meta.lstm = { seqLen: LSTM_SEQ_LEN, units: LSTM_UNITS, threshold: { ...calibrateThreshold(scaledScores, thresholdOptions), calibratedOn: split ? 'holdout' : 'training' }, globalScale, portScales };
    meta.training.lstmSamples = m;
    if (losses.length) meta.training.finalLoss.lstm = losses[losses.length - 1]!;
  }

  return createFlowhoundModel({ dir: null, meta, backend, dense, lstm });
}

/**
 * A seeded split of the training windows: CALIBRATION_SHARE of them are held
 * out of fitting and calibrate the threshold (scores of windows the network
 * never fitted, so an overfitted network does not get a threshold that is too
 * low). Below MIN_CALIBRATION_WINDOWS held-out windows the threshold comes
 * from the fitted windows' own scores instead (recorded as calibratedOn).
 */
function splitForCalibration(n: number, seed: number): { fit: Int32Array; calibrate: Int32Array } | null {
  const nCal = Math.floor(n * CALIBRATION_SHARE);
  if (nCal < MIN_CALIBRATION_WINDOWS) return null;
  const order = permuteIndices(n, createSeededRandom(seed));
  return { fit: order.slice(nCal).sort(), calibrate: order.slice(0, nCal).sort() };
}

/** The seeded initial weights of a dense autoencoder (tfjs' initializers, read out of a model built for it). */
function initialDenseWeights(seed: number): DenseWeights {
  const net = buildDenseAutoencoder(FEATURE_COUNT, seed);
  const weights = readDenseWeights(net);
  net.dispose();
  return weights;
}

/** At most `batchSize`, and small enough that an epoch has at least MIN_STEPS_PER_EPOCH steps (small training sets). */
function chooseBatchSize(batchSize: number, samples: number): number {
  return Math.max(MIN_BATCH_SIZE, Math.min(batchSize, Math.ceil(samples / MIN_STEPS_PER_EPOCH)));
}

function gatherRows(x: Float32Array, size: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * size);
  idx.forEach((r, i) => {
    out.set(x.subarray(r * size, (r + 1) * size), i * size);
  });
  return out;
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

/**
 * A warm start keeps each port's previous threshold unless the new data needs a higher one: the warm
 * network has already fitted windows like these, so its scores of them run lower than the out-of-fold
 * scores the previous threshold came from (measured: a median ×0.47 on the bench's next day), and a
 * nightly model should not alarm more because of that. A cold retrain resets the thresholds.
 */
function keepWarmThresholds(fresh: { key: string; threshold: number; windows: number }[], previous: readonly { key: string; threshold: number }[]): { key: string; threshold: number; windows: number }[] {
  const before = new Map(previous.map((p) => [p.key, p.threshold]));
  return fresh.map((t) => ({ ...t, threshold: Math.max(t.threshold, before.get(t.key) ?? 0) }));
}

/** Per-port dense thresholds from the (out-of-fold) scores of each port's own windows. */
function calibratePortThresholds(scores: Float64Array, windows: readonly FeatureWindow[], s: PortBaselineSettings): { key: string; threshold: number; windows: number }[] {
  const byPort = new Map<string, number[]>();
  windows.forEach((w, i) => {
    const key = formatPortKey(w.proto, w.port);
    const list = byPort.get(key);
    if (list) list.push(scores[i]!);
    else byPort.set(key, [scores[i]!]);
  });
  const out: { key: string; threshold: number; windows: number }[] = [];
  for (const [key, list] of byPort) {
    if (list.length < s.minPortWindows) continue;
    const sorted = Float64Array.from(list).sort();
    const q = sorted.length >= 1 / s.falseAlarmBudget ? quantileSorted(sorted, 1 - s.falseAlarmBudget) : sorted[sorted.length - 1]!;
    out.push({ key, threshold: Math.max(1e-9, q * s.thresholdMargin), windows: list.length });
  }
  return out.sort((a, b) => b.windows - a.windows || (a.key < b.key ? -1 : 1));
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
