/**
 * Fits the dense autoencoder (src/model/dense-autoencoder.ts) in plain
 * JavaScript, the same computation tfjs-layers' `trainOnBatch` would run:
 * forward through tanh hidden layers and a linear output, the gradient of the
 * mean squared error over the mini-batch, and Adam (β1 0.9, β2 0.999, ε 1e-7,
 * tfjs' defaults, with its bias correction).
 *
 * Why not tfjs: the network has 824 weights, so a mini-batch is about 100
 * tiny kernels whose dispatch (tape, tensor bookkeeping, wasm calls, and the
 * garbage all that leaves) cost ~90 % of training's CPU and drove the peak
 * RSS, while the arithmetic itself was ~10 %. Here one mini-batch is a few
 * loops over preallocated Float64Arrays: no per-batch allocation, no await.
 *
 * The tfjs model stays the model: its seeded initializers give the starting
 * weights (`readDenseWeights`), the fitted weights go back into it
 * (`writeDenseWeights`), and it is what is saved, loaded and scored.
 * Mini-batches come in the same seeded order as src/model/fit-seeded.ts, and
 * the result does not depend on the backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createSeededRandom, permuteIndices } from '../util/seeded-random.js';
import type { FitOptions } from './fit-seeded.js';

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
/** tfjs' Adam uses the backend's epsilon, 1e-7 for float32 backends. */
const ADAM_EPSILON = 1e-7;

/** A stack of dense layers: `sizes` [input, hidden..., output]; kernel l is sizes[l] × sizes[l+1], row-major (tfjs' layout). */
export interface DenseWeights {
  sizes: number[];
  kernels: Float64Array[];
  biases: Float64Array[];
}

/** The weights of a sequential model of dense layers (kernel, bias per layer), copied out. */
export function readDenseWeights(model: tfl.LayersModel): DenseWeights {
  const tensors = model.getWeights();
  const kernels: Float64Array[] = [];
  const biases: Float64Array[] = [];
  const sizes: number[] = [];
  for (let l = 0; l < tensors.length; l += 2) {
    const kernel = tensors[l]!;
    const [rows, cols] = kernel.shape as [number, number];
    if (l === 0) sizes.push(rows);
    sizes.push(cols);
    kernels.push(Float64Array.from(kernel.dataSync()));
    biases.push(Float64Array.from(tensors[l + 1]!.dataSync()));
  }
  return { sizes, kernels, biases };
}

/** Puts `weights` into `model` (the same layout `readDenseWeights` read). */
export function writeDenseWeights(model: tfl.LayersModel, weights: DenseWeights): void {
  const tensors: tf.Tensor[] = [];
  weights.kernels.forEach((k, l) => {
    tensors.push(tf.tensor2d(Float32Array.from(k), [weights.sizes[l]!, weights.sizes[l + 1]!]));
    tensors.push(tf.tensor1d(Float32Array.from(weights.biases[l]!)));
  });
  model.setWeights(tensors);
  for (const t of tensors) t.dispose();
}

/** Work buffers for mini-batches of up to `rows` rows. */
interface Buffers {
  rows: number;
  /** activations[l]: rows × sizes[l]; activations[0] is the input. */
  activations: Float64Array[];
  /** deltas[l]: rows × sizes[l + 1], the loss gradient at layer l's pre-activation output. */
  deltas: Float64Array[];
}

function createBuffers(sizes: number[], rows: number): Buffers {
  return {
    rows,
    activations: sizes.map((s) => new Float64Array(rows * s)),
    deltas: sizes.slice(1).map((s) => new Float64Array(rows * s)),
  };
}

/** Forward pass of `m` rows already in buffers.activations[0]; the output ends in the last activations. */
function forward(w: DenseWeights, buf: Buffers, m: number): void {
  const layers = w.kernels.length;
  for (let l = 0; l < layers; l++) {
    const inSize = w.sizes[l]!;
    const outSize = w.sizes[l + 1]!;
    const a = buf.activations[l]!;
    const z = buf.activations[l + 1]!;
    const kernel = w.kernels[l]!;
    const bias = w.biases[l]!;
    const hidden = l < layers - 1;
    for (let i = 0; i < m; i++) {
      const zo = i * outSize;
      const ao = i * inSize;
      for (let j = 0; j < outSize; j++) z[zo + j] = bias[j]!;
      for (let k = 0; k < inSize; k++) {
        const v = a[ao + k]!;
        if (v === 0) continue;
        const ko = k * outSize;
        for (let j = 0; j < outSize; j++) z[zo + j]! += v * kernel[ko + j]!;
      }
      if (hidden) for (let j = 0; j < outSize; j++) z[zo + j] = Math.tanh(z[zo + j]!);
    }
  }
}

/** The trainer's state: weights, Adam's moments, step count and work buffers. */
interface DenseFit {
  w: DenseWeights;
  gradK: Float64Array[];
  gradB: Float64Array[];
  m1K: Float64Array[];
  m2K: Float64Array[];
  m1B: Float64Array[];
  m2B: Float64Array[];
  step: number;
  buf: Buffers;
}

function createDenseFit(w: DenseWeights, rows: number): DenseFit {
  const likeK = () => w.kernels.map((k) => new Float64Array(k.length));
  const likeB = () => w.biases.map((b) => new Float64Array(b.length));
  return { w, gradK: likeK(), gradB: likeB(), m1K: likeK(), m2K: likeK(), m1B: likeB(), m2B: likeB(), step: 0, buf: createBuffers(w.sizes, rows) };
}

/**
 * One Adam step on the `m` rows in buffers.activations[0] (targets `y`, rows `order[b0..b0+m)`):
 * returns the mini-batch's mean squared error before the step.
 */
function trainStep(fit: DenseFit, y: Float32Array, order: Int32Array, b0: number, m: number, learningRate: number): number {
  const { w, buf } = fit;
  const layers = w.kernels.length;
  forward(w, buf, m);
  const outSize = w.sizes[layers]!;
  const out = buf.activations[layers]!;
  const dOut = buf.deltas[layers - 1]!;
  const scale = 2 / (m * outSize);
  let lossSum = 0;
  for (let i = 0; i < m; i++) {
    const yo = order[b0 + i]! * outSize;
    for (let j = 0; j < outSize; j++) {
      const d = out[i * outSize + j]! - y[yo + j]!;
      lossSum += d * d;
      dOut[i * outSize + j] = d * scale;
    }
  }
  for (let l = layers - 1; l >= 0; l--) {
    const inSize = w.sizes[l]!;
    const oSize = w.sizes[l + 1]!;
    const a = buf.activations[l]!;
    const d = buf.deltas[l]!;
    const gk = fit.gradK[l]!;
    const gb = fit.gradB[l]!;
    const kernel = w.kernels[l]!;
    gk.fill(0);
    gb.fill(0);
    // The kernel's and bias's gradients, and (l > 0) the delta back through the kernel and the tanh of
    // layer l - 1 (a holds its output), in one pass over the rows.
    const dPrev = l > 0 ? buf.deltas[l - 1]! : null;
    for (let i = 0; i < m; i++) {
      const ao = i * inSize;
      const dO = i * oSize;
      for (let j = 0; j < oSize; j++) gb[j]! += d[dO + j]!;
      for (let k = 0; k < inSize; k++) {
        const v = a[ao + k]!;
        const ko = k * oSize;
        if (dPrev === null) {
          if (v === 0) continue;
          for (let j = 0; j < oSize; j++) gk[ko + j]! += v * d[dO + j]!;
        } else {
          let s = 0;
          for (let j = 0; j < oSize; j++) {
            const dj = d[dO + j]!;
            gk[ko + j]! += v * dj;
            s += dj * kernel[ko + j]!;
          }
          dPrev[ao + k] = s * (1 - v * v);
        }
      }
    }
  }
  fit.step++;
  const c1 = 1 - ADAM_BETA1 ** fit.step;
  const c2 = 1 - ADAM_BETA2 ** fit.step;
  for (let l = 0; l < layers; l++) {
    adamUpdate(w.kernels[l]!, fit.gradK[l]!, fit.m1K[l]!, fit.m2K[l]!, c1, c2, learningRate);
    adamUpdate(w.biases[l]!, fit.gradB[l]!, fit.m1B[l]!, fit.m2B[l]!, c1, c2, learningRate);
  }
  return lossSum / (m * outSize);
}

function adamUpdate(value: Float64Array, grad: Float64Array, m1: Float64Array, m2: Float64Array, c1: number, c2: number, learningRate: number): void {
  for (let p = 0; p < value.length; p++) {
    const g = grad[p]!;
    const a = ADAM_BETA1 * m1[p]! + (1 - ADAM_BETA1) * g;
    const b = ADAM_BETA2 * m2[p]! + (1 - ADAM_BETA2) * g * g;
    m1[p] = a;
    m2[p] = b;
    value[p]! -= (learningRate * (a / c1)) / (Math.sqrt(b / c2) + ADAM_EPSILON);
  }
}

/**
 * Trains `weights` in place to map each of the `n` rows of `x` to the same row of `y` (an autoencoder
 * passes x as y), in seeded mini-batches; returns the mean loss of each epoch. One await per epoch.
 */
export async function fitDense(weights: DenseWeights, data: { x: Float32Array; y: Float32Array; n: number }, options: FitOptions): Promise<number[]> {
  const { x, y, n } = data;
  const inSize = weights.sizes[0]!;
  const bs = Math.max(1, Math.min(options.batchSize, n));
  const fit = createDenseFit(weights, bs);
  const input = fit.buf.activations[0]!;
  const random = createSeededRandom(options.seed);
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const started = performance.now();
    const order = permuteIndices(n, random);
    let lossSum = 0;
    for (let b0 = 0; b0 < n; b0 += bs) {
      const m = Math.min(bs, n - b0);
      for (let i = 0; i < m; i++) {
        const r = order[b0 + i]!;
        for (let k = 0; k < inSize; k++) input[i * inSize + k] = x[r * inSize + k]!;
      }
      lossSum += trainStep(fit, y, order, b0, m, options.learningRate) * m;
    }
    const meanLoss = lossSum / n;
    losses.push(meanLoss);
    const sec = (performance.now() - started) / 1000;
    options.onEpoch?.(epoch + 1, meanLoss, sec > 0 ? n / sec : 0);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return losses;
}

/** Per-row mean squared reconstruction error of the `n` rows of `x` (an autoencoder's score). */
export function scoreDense(weights: DenseWeights, x: Float32Array, n: number): Float64Array {
  const inSize = weights.sizes[0]!;
  const outSize = weights.sizes[weights.sizes.length - 1]!;
  const rows = Math.min(n, 4096);
  const buf = createBuffers(weights.sizes, Math.max(1, rows));
  const input = buf.activations[0]!;
  const out = buf.activations[buf.activations.length - 1]!;
  const scores = new Float64Array(n);
  for (let r0 = 0; r0 < n; r0 += rows) {
    const m = Math.min(rows, n - r0);
    for (let p = 0; p < m * inSize; p++) input[p] = x[r0 * inSize + p]!;
    forward(weights, buf, m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < outSize; j++) {
        const d = out[i * outSize + j]! - x[(r0 + i) * inSize + j]!;
        s += d * d;
      }
      scores[r0 + i] = s / outSize;
    }
  }
  return scores;
}
