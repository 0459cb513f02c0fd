/**
 * Robust scaling of transformed features: (transform(x) - median) / IQR per
 * feature, fitted on training windows and stored with the model. IQRs below
 * IQR_FLOOR (a feature that barely varies in training, e.g. a failed share
 * that is always 0) are raised to it so that one small change does not blow
 * up; scaled values are clipped to ±SCALED_CLIP to keep training numerically
 * tame (a clipped feature still scores far above any threshold).
 */
import { FEATURE_COUNT, transformFeatures } from '../window/feature-schema.js';

export const IQR_FLOOR = 0.1;
export const SCALED_CLIP = 20;

export interface RobustScaler {
  /** Median of each transformed feature. */
  median: number[];
  /** Interquartile range of each transformed feature, floored at IQR_FLOOR. */
  iqr: number[];
  /** Median of each raw (untransformed) feature, for evidence ("value vs learned median"). */
  rawMedian: number[];
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export function fitRobustScaler(rows: readonly ArrayLike<number>[]): RobustScaler {
  const median: number[] = [];
  const iqr: number[] = [];
  const rawMedian: number[] = [];
  const n = rows.length;
  const rawCols = new Float64Array(n * FEATURE_COUNT);
  const tCols = new Float64Array(n * FEATURE_COUNT);
  const t = new Float64Array(FEATURE_COUNT);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    transformFeatures(r, t);
    for (let j = 0; j < FEATURE_COUNT; j++) {
      rawCols[j * n + i] = r[j] ?? 0;
      tCols[j * n + i] = t[j]!;
    }
  }
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const col = tCols.subarray(j * n, (j + 1) * n).sort();
    const raw = rawCols.subarray(j * n, (j + 1) * n).sort();
    median.push(quantileSorted(col, 0.5));
    iqr.push(Math.max(IQR_FLOOR, quantileSorted(col, 0.75) - quantileSorted(col, 0.25)));
    rawMedian.push(quantileSorted(raw, 0.5));
  }
  return { median, iqr, rawMedian };
}

/** Transforms and scales one window's raw values into `out` at `offset`. */
export function scaleFeatures(values: ArrayLike<number>, scaler: RobustScaler, out: Float32Array = new Float32Array(FEATURE_COUNT), offset = 0): Float32Array {
  const t = transformFeatures(values);
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const z = ((t[j] ?? 0) - (scaler.median[j] ?? 0)) / (scaler.iqr[j] ?? 1);
    out[offset + j] = Math.max(-SCALED_CLIP, Math.min(SCALED_CLIP, z));
  }
  return out;
}
