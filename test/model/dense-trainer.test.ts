import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/model/backend.js';
import { buildDenseAutoencoder } from '../../src/model/dense-autoencoder.js';
import { fitDense, readDenseWeights, scoreDense, writeDenseWeights } from '../../src/model/dense-trainer.js';
import { compileForTraining, fitSeeded, measureErrors, predictRows } from '../../src/model/fit-seeded.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

const FEATURES = 18;

/** Rows of loosely correlated values in the range scaled features take. */
function makeRows(n: number, seed: number): Float32Array {
  const random = createSeededRandom(seed);
  const x = new Float32Array(n * FEATURES);
  for (let i = 0; i < n; i++) {
    const level = random() * 4 - 2;
    for (let j = 0; j < FEATURES; j++) x[i * FEATURES + j] = level * ((j % 5) - 2) * 0.5 + (random() - 0.5);
  }
  return x;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('dense trainer (plain JavaScript) against tfjs-layers', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('reads and writes a model’s weights unchanged', () => {
    const net = buildDenseAutoencoder(FEATURES, 5);
    const before = net.getWeights().map((t) => Array.from(t.dataSync()));
    const w = readDenseWeights(net);
    expect(w.sizes).toEqual([FEATURES, 16, 6, 16, FEATURES]);
    writeDenseWeights(net, w);
    net.getWeights().forEach((t, i) => {
      expect(maxAbsDiff(t.dataSync(), before[i]!)).toBe(0);
    });
    net.dispose();
  });

  it('scores rows as the tfjs model predicts them', () => {
    const net = buildDenseAutoencoder(FEATURES, 2);
    const x = makeRows(300, 9);
    const viaTfjs = measureErrors(predictRows(net, x, [FEATURES], 300, FEATURES), x, 300, FEATURES).scores;
    const viaJs = scoreDense(readDenseWeights(net), x, 300);
    expect(maxAbsDiff(viaJs, viaTfjs)).toBeLessThan(1e-5);
    net.dispose();
  });

  it('takes the same Adam steps as trainOnBatch in the same seeded order', async () => {
    const n = 200;
    const x = makeRows(n, 4);
    const options = { epochs: 2, batchSize: 32, seed: 7, learningRate: 0.005 };
    const tfjsNet = buildDenseAutoencoder(FEATURES, 1);
    const start = readDenseWeights(tfjsNet);
    compileForTraining(tfjsNet, options.learningRate);
    const tfjsLosses = await fitSeeded(tfjsNet, { x, xShape: [FEATURES], y: x, ySize: FEATURES, n }, options);
    const jsLosses = await fitDense(start, { x, y: x, n }, options);
    expect(jsLosses).toHaveLength(2);
    expect(jsLosses[1]!).toBeLessThan(jsLosses[0]!);
    expect(maxAbsDiff(jsLosses, tfjsLosses)).toBeLessThan(1e-5);
    // 14 Adam steps in float64 against float32: the weights agree to float32 rounding.
    const after = readDenseWeights(tfjsNet);
    start.kernels.forEach((k, l) => {
      expect(maxAbsDiff(k, after.kernels[l]!)).toBeLessThan(1e-4);
      expect(maxAbsDiff(start.biases[l]!, after.biases[l]!)).toBeLessThan(1e-4);
    });
    // And they moved: a trainer that did nothing would not pass the checks above only by accident.
    expect(maxAbsDiff(start.kernels[0]!, readDenseWeights(buildDenseAutoencoder(FEATURES, 1)).kernels[0]!)).toBeGreaterThan(1e-3);
    tfjsNet.dispose();
    expect(tf.memory().numTensors).toBeLessThan(100);
  });
});
