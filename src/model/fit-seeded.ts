/**
 * The tfjs training loop (the LSTM's; the dense autoencoder is fitted by
 * src/model/dense-trainer.ts in the same mini-batch order): epochs of
 * mini-batches in an order drawn from a seeded PRNG (tfjs-layers' own `fit`
 * shuffles with Math.random), so that one seed on one backend gives the same
 * weights. One await per mini-batch, never per window.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { collectGarbageAbove } from '../util/full-gc.js';
import { createSeededRandom, permuteIndices } from '../util/seeded-random.js';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  learningRate: number;
  /** Called after each epoch with its mean loss and the samples trained per second. */
  onEpoch?: (epoch: number, loss: number, samplesPerSec: number) => void;
}

export const DEFAULT_LEARNING_RATE = 0.005;
/** Resident memory past which training runs a full garbage collection (checked every GC_CHECK_BATCHES mini-batches). */
const TRAINING_MAX_RSS_BYTES = 640 * 2 ** 20;
const GC_CHECK_BATCHES = 64;
export const DEFAULT_BATCH_SIZE = 64;

/** Compiles `model` for mean-squared-error training with Adam. */
export function compileForTraining(model: tfl.LayersModel, learningRate: number): void {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'meanSquaredError' });
}

/**
 * Trains on `n` samples: x rows of `xSize` floats reshaped to `xShape`, y rows
 * of `ySize` floats. Returns the mean loss of each epoch.
 */
export async function fitSeeded(
  model: tfl.LayersModel,
  data: { x: Float32Array; xShape: number[]; y: Float32Array; ySize: number; n: number },
  options: FitOptions,
): Promise<number[]> {
  const { x, xShape, y, ySize, n } = data;
  const xSize = xShape.reduce((a, b) => a * b, 1);
  const random = createSeededRandom(options.seed);
  const losses: number[] = [];
  const bs = Math.max(1, Math.min(options.batchSize, n));
  let batches = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const started = performance.now();
    const order = permuteIndices(n, random);
    let lossSum = 0;
    for (let b0 = 0; b0 < n; b0 += bs) {
      const m = Math.min(bs, n - b0);
      const xb = new Float32Array(m * xSize);
      const yb = new Float32Array(m * ySize);
      for (let i = 0; i < m; i++) {
        const r = order[b0 + i]!;
        xb.set(x.subarray(r * xSize, (r + 1) * xSize), i * xSize);
        yb.set(y.subarray(r * ySize, (r + 1) * ySize), i * ySize);
      }
      const xt = tf.tensor(xb, [m, ...xShape]);
      const yt = tf.tensor(yb, [m, ySize]);
      const loss = await model.trainOnBatch(xt, yt);
      xt.dispose();
      yt.dispose();
      lossSum += (Array.isArray(loss) ? (loss[0] ?? 0) : loss) * m;
      // Training's garbage collected once memory is high (peak RSS: see full-gc.ts).
      if (++batches % GC_CHECK_BATCHES === 0) collectGarbageAbove(TRAINING_MAX_RSS_BYTES);
    }
    const meanLoss = lossSum / n;
    losses.push(meanLoss);
    const sec = (performance.now() - started) / 1000;
    options.onEpoch?.(epoch + 1, meanLoss, sec > 0 ? n / sec : 0);
  }
  return losses;
}

/** Runs `model` on n rows (chunked), returning the outputs, n × outSize. */
export function predictRows(model: tfl.LayersModel, x: Float32Array, xShape: number[], n: number, outSize: number): Float32Array {
  const xSize = xShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * outSize);
  const chunk = 4096;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const m = Math.min(chunk, n - i0);
    const pred = tf.tidy(() => {
      const xt = tf.tensor(x.subarray(i0 * xSize, (i0 + m) * xSize), [m, ...xShape]);
      return model.predict(xt) as tf.Tensor;
    });
    out.set(pred.dataSync() as Float32Array, i0 * outSize);
    pred.dispose();
  }
  return out;
}

/** Per-row mean squared error and per-feature squared errors between predictions and targets. */
export function measureErrors(pred: Float32Array, target: Float32Array, n: number, size: number): { scores: Float64Array; perFeature: Float32Array } {
  const scores = new Float64Array(n);
  const perFeature = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < size; j++) {
      const d = (pred[i * size + j] ?? 0) - (target[i * size + j] ?? 0);
      perFeature[i * size + j] = d * d;
      s += d * d;
    }
    scores[i] = s / size;
  }
  return { scores, perFeature };
}
