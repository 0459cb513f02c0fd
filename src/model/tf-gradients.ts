/**
 * Gradients and chained tensor methods that the `@tensorflow/tfjs` umbrella
 * registers but `@tensorflow/tfjs-core`'s Node bundle does not. flowhound
 * depends on tfjs-core + tfjs-layers only, so it registers the ones its dense
 * autoencoder and LSTM forecaster need for training (adam, mean squared
 * error, relu/tanh/sigmoid/hard-sigmoid, LSTM cells).
 *
 * The gradient functions are transcriptions of tfjs-core 4.22's
 * src/gradients/*_grad.ts (Apache-2.0, Copyright Google LLC). Registering is
 * idempotent and skips kernels that already have a gradient (e.g. when
 * @tensorflow/tfjs-node brought the umbrella package along).
 */
import * as tf from '@tensorflow/tfjs-core';

type Saved = tf.Tensor[];
type Attrs = tf.NamedAttrMap;

function reduceTo(res: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  if (axes.length > 0) res = tf.sum(res, axes);
  return tf.reshape(res, shape);
}

function binaryShapes(saved: Saved): [tf.Tensor, tf.Tensor, number[]] {
  const [a, b] = saved as [tf.Tensor, tf.Tensor];
  return [a, b, tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape)];
}

/** Gradients of a kernel with a list of inputs, keyed by input index. */
function toGradientMap(ts: tf.Tensor[]): Record<string, () => tf.Tensor> {
  const m: Record<string, () => tf.Tensor> = {};
  ts.forEach((t, i) => {
    m[i] = () => t;
  });
  return m;
}

const gradients: tf.GradConfig[] = [
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b, out] = binaryShapes(saved);
      return { a: () => reduceTo(dy as tf.Tensor, a.shape, out), b: () => reduceTo(dy as tf.Tensor, b.shape, out) };
    },
  },
  {
    kernelName: tf.AddN,
    saveAllInputs: true,
    gradFunc: (dy, saved) => {
      const ders: Record<string, () => tf.Tensor> = {};
      saved.forEach((_, i) => {
        ders[i] = () => (dy as tf.Tensor).clone();
      });
      return ders;
    },
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b, out] = binaryShapes(saved);
      return { a: () => reduceTo(dy as tf.Tensor, a.shape, out), b: () => tf.neg(reduceTo(dy as tf.Tensor, b.shape, out)) };
    },
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b, out] = binaryShapes(saved);
      return {
        a: () => reduceTo(tf.mul(dy as tf.Tensor, tf.cast(b, 'float32')), a.shape, out),
        b: () => reduceTo(tf.mul(dy as tf.Tensor, tf.cast(a, 'float32')), b.shape, out),
      };
    },
  },
  {
    kernelName: tf.RealDiv,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b, out] = binaryShapes(saved);
      return {
        a: () => reduceTo(tf.div(dy as tf.Tensor, tf.cast(b, 'float32')), a.shape, out),
        b: () => tf.neg(tf.div(reduceTo(tf.mul(dy as tf.Tensor, tf.cast(a, 'float32')), b.shape, out), tf.cast(tf.square(b), 'float32'))),
      };
    },
  },
  {
    kernelName: tf.SquaredDifference,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const two = tf.scalar(2);
      return { a: () => tf.mul(dy as tf.Tensor, tf.mul(two, tf.sub(a, b))), b: () => tf.mul(dy as tf.Tensor, tf.mul(two, tf.sub(b, a))) };
    },
  },
  {
    kernelName: tf.Maximum,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      return { a: () => tf.mul(dy as tf.Tensor, tf.cast(tf.greaterEqual(a, b), 'float32')), b: () => tf.mul(dy as tf.Tensor, tf.cast(tf.less(a, b), 'float32')) };
    },
  },
  {
    kernelName: tf.Minimum,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      return { a: () => tf.mul(dy as tf.Tensor, tf.cast(tf.lessEqual(a, b), 'float32')), b: () => tf.mul(dy as tf.Tensor, tf.cast(tf.greater(a, b), 'float32')) };
    },
  },
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.cast(dy as tf.Tensor, 'float32') }) },
  { kernelName: tf.Cast, gradFunc: (dy) => ({ x: () => (dy as tf.Tensor).clone() }) },
  { kernelName: tf.Step, gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as tf.Tensor) }) },
  {
    kernelName: tf.Square,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.cast(saved[0]!, 'float32'), 2)) }),
  },
  {
    kernelName: tf.Sqrt,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(tf.cast(saved[0]!, 'float32')), 2)) }),
  },
  {
    kernelName: tf.Abs,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.step(tf.cast(saved[0]!, 'float32'), -1)) }),
  },
  { kernelName: tf.Exp, outputsToSave: [true], gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, saved[0]!) }) },
  { kernelName: tf.Log, inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => tf.div(dy as tf.Tensor, tf.cast(saved[0]!, 'float32')) }) },
  {
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.cast(tf.step(saved[0]!), 'float32')) }),
  },
  {
    kernelName: tf.Tanh,
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(saved[0]!)), dy as tf.Tensor) }),
  },
  {
    kernelName: tf.Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(saved[0]!, tf.sub(tf.scalar(1), saved[0]!))) }),
  },
  {
    kernelName: tf.ClipByValue,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs: Attrs) => {
      const x = saved[0]!;
      const { clipValueMin, clipValueMax } = attrs as { clipValueMin: number; clipValueMax: number };
      return { x: () => tf.where(tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)), dy as tf.Tensor, tf.zerosLike(dy as tf.Tensor)) };
    },
  },
  {
    kernelName: tf.Reshape,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0]!.shape) }),
  },
  {
    kernelName: tf.ExpandDims,
    inputsToSave: ['input'],
    gradFunc: (dy, saved) => ({ input: () => tf.reshape(dy as tf.Tensor, saved[0]!.shape) }),
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs: Attrs) => {
      const { perm } = attrs as { perm: number[] };
      return { x: () => tf.transpose(dy as tf.Tensor, tf.backend_util.getUndoAxesPermutation(perm)) };
    },
  },
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs: Attrs) => {
      const x = saved[0]!;
      const expanded = x.shape.slice();
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      for (const a of axes) expanded[a] = 1;
      const derX = tf.mul(tf.reshape(dy as tf.Tensor, expanded), tf.ones(x.shape, 'float32'));
      return { x: () => derX };
    },
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs: Attrs) => {
      const x = saved[0]!;
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const reduceShape = tf.backend_util.computeOutAndReduceShapes(x.shape, axes)[1];
      const reduceSize = tf.util.sizeFromShape(reduceShape);
      return {
        x: () => {
          const expanded = x.shape.slice();
          for (const a of axes) expanded[a] = 1;
          return tf.div(tf.mul(tf.reshape(dy as tf.Tensor, expanded), tf.ones(x.shape, 'float32')), reduceSize);
        },
      };
    },
  },
  {
    kernelName: tf.Tile,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs: Attrs) => {
      const x = saved[0]!;
      const { reps } = attrs as { reps: number[] };
      return {
        x: () => {
          // Sum the tiled copies back: reshape to [r0, s0, r1, s1, ...] and reduce the rep axes.
          const interleaved: number[] = [];
          const repAxes: number[] = [];
          x.shape.forEach((s, i) => {
            repAxes.push(interleaved.length);
            interleaved.push(reps[i] ?? 1, s);
          });
          return tf.reshape(tf.sum(tf.reshape(dy as tf.Tensor, interleaved), repAxes), x.shape);
        },
      };
    },
  },
  {
    kernelName: tf.Slice,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs: Attrs) => {
      const x = saved[0]!;
      const { begin, size } = attrs as { begin: number | number[]; size: number | number[] };
      const [begin_, size_] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
      const paddings: [number, number][] = [];
      for (let i = 0; i < (dy as tf.Tensor).rank; i++) paddings.push([begin_[i]!, x.shape[i]! - begin_[i]! - size_[i]!]);
      return { x: () => tf.pad(dy as tf.Tensor, paddings) };
    },
  },
  {
    kernelName: tf.SplitV,
    gradFunc: (dy, _saved, attrs: Attrs) => {
      const { axis } = attrs as { axis: number };
      return { x: () => tf.concat(dy as tf.Tensor[], axis) };
    },
  },
  {
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs: Attrs) => {
      const { axis } = attrs as { axis: number };
      const $axis = tf.util.parseAxisParam(axis, saved[0]!.shape)[0]!;
      const sizes = saved.map((t) => t.shape[$axis]!);
      return toGradientMap(tf.split(dy as tf.Tensor, sizes, $axis));
    },
  },
  {
    kernelName: tf.Pack,
    saveAllInputs: true,
    gradFunc: (dy, _saved, attrs: Attrs) => {
      const { axis } = attrs as { axis: number };
      return toGradientMap(tf.unstack(dy as tf.Tensor, axis));
    },
  },
  {
    kernelName: tf.Unpack,
    gradFunc: (dy, _saved, attrs: Attrs) => {
      const { axis } = attrs as { axis: number };
      return { value: () => tf.stack(dy as tf.Tensor[], axis) };
    },
  },
  {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs: Attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const d = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(d, b, false, false), b: () => tf.matMul(d, a, true, false) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d, false, false) };
      return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) };
    },
  },
];

let registered = false;

/** Registers the missing gradients and chained tensor methods once per process. */
export function registerTrainingSupport(): void {
  if (registered) return;
  registered = true;
  for (const g of gradients) if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
  registerChainedOps();
}

/** `tensor.op(...)` methods that tfjs-layers calls (the umbrella package's register_all_chained_ops). */
function registerChainedOps(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tf as unknown as Record<string, unknown>;
  const define = (name: string, fn: (this: tf.Tensor, ...args: never[]) => unknown): void => {
    if (typeof proto[name] !== 'function') proto[name] = fn;
  };
  define('flatten', function () {
    return tf.reshape(this, [this.size]);
  });
  define('asScalar', function () {
    return tf.reshape(this, []);
  });
  define('as1D', function () {
    return tf.reshape(this, [this.size]);
  });
  define('asType', function (dtype: never) {
    return tf.cast(this, dtype);
  });
  define('toFloat', function () {
    return tf.cast(this, 'float32');
  });
  define('toInt', function () {
    return tf.cast(this, 'int32');
  });
  define('toBool', function () {
    return tf.cast(this, 'bool');
  });
  define('concat', function (x: never, axis: never) {
    const rest = (Array.isArray(x) ? x : [x]) as tf.Tensor[];
    return tf.concat([this, ...rest], axis);
  });
  define('stack', function (x: never, axis: never) {
    const rest = (Array.isArray(x) ? x : [x]) as tf.Tensor[];
    return tf.stack([this, ...rest], axis);
  });
  define('where', function (condition: never, x: never) {
    return tf.where(condition, this, x);
  });
  for (const [name, fn] of Object.entries(ops)) {
    if (typeof fn !== 'function' || !/^[a-z]/.test(name) || name in proto) continue;
    define(name, function (...args: never[]) {
      return (fn as (...a: unknown[]) => unknown)(this, ...args);
    });
  }
}
