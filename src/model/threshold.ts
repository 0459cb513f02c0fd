/**
 * Alarm thresholds, calibrated on training data only (the scores of
 * training windows held out of fitting — see train-model.ts).
 *
 * Following Kitsune, the scores are modelled as log-normal: with μ and σ the
 * mean and standard deviation of log(score), the threshold is
 * exp(μ + z·σ) for the one-sided tail probability THRESHOLD_TAIL_P
 * (z = 3.09 for 0.001), and never below the empirical THRESHOLD_QUANTILE
 * of the calibration scores times THRESHOLD_MARGIN; and, when there are at
 * least 1/THRESHOLD_TAIL_P calibration scores (so that their maximum itself
 * estimates the tail), never above the largest times THRESHOLD_MARGIN. The log-normal tail
 * extrapolates beyond the calibration scores' quantile, which matters when
 * the calibration set is small (a 90 s capture holds a few dozen windows);
 * the empirical floor keeps the threshold honest when the scores are not
 * log-normal; the cap stops a heavy, many-moded tail (real Zeek days: σ of
 * log-scores near 3) from putting the threshold orders of magnitude above
 * anything benign training data ever scored.
 */
import { quantileSorted } from './robust-scaler.js';

export const THRESHOLD_TAIL_P = 0.001;
export const THRESHOLD_QUANTILE = 0.995;
export const THRESHOLD_MARGIN = 1.5;

export interface ThresholdCalibration {
  threshold: number;
  method: 'lognormal' | 'quantile' | 'max';
  tailP: number;
  logMean: number;
  logStd: number;
  quantile: number;
  margin: number;
  /** The calibration score at `quantile`. */
  quantileScore: number;
  trainingMedianScore: number;
  trainingMaxScore: number;
  trainingWindows: number;
}

/** z such that P(Z > z) = p for a standard normal (Acklam's rational approximation, |error| < 1.2e-9). */
export function measureNormalQuantile(p: number): number {
  const q = 1 - p;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q < lo) {
    const t = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) / ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1);
  }
  if (q > 1 - lo) {
    const t = Math.sqrt(-2 * Math.log(1 - q));
    return -(((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) / ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1);
  }
  const t = q - 0.5;
  const r = t * t;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * t) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export function calibrateThreshold(scores: ArrayLike<number>, options: { tailP?: number; quantile?: number; margin?: number } = {}): ThresholdCalibration {
  const tailP = options.tailP ?? THRESHOLD_TAIL_P;
  const quantile = options.quantile ?? THRESHOLD_QUANTILE;
  const margin = options.margin ?? THRESHOLD_MARGIN;
  const sorted = Float64Array.from(scores).sort();
  const floor = 1e-12;
  let sum = 0;
  for (const s of sorted) sum += Math.log(Math.max(floor, s));
  const logMean = sorted.length ? sum / sorted.length : 0;
  let ss = 0;
  for (const s of sorted) ss += (Math.log(Math.max(floor, s)) - logMean) ** 2;
  const logStd = sorted.length > 1 ? Math.sqrt(ss / (sorted.length - 1)) : 0;
  const lognormal = Math.exp(logMean + measureNormalQuantile(tailP) * logStd);
  const q = quantileSorted(sorted, quantile);
  const empirical = q * margin;
  // The cap applies only when the calibration set is large enough (≥ 1/tailP scores) for its maximum to
  // estimate the tail quantile itself; on smaller sets the log-normal extrapolation is the point.
  const cap = sorted.length >= 1 / tailP ? sorted[sorted.length - 1]! * margin : Number.POSITIVE_INFINITY;
  const threshold = Math.max(empirical, Math.min(lognormal, cap));
  return {
    threshold,
    method: threshold === empirical ? 'quantile' : threshold === cap ? 'max' : 'lognormal',
    tailP,
    logMean,
    logStd,
    quantile,
    margin,
    quantileScore: q,
    trainingMedianScore: quantileSorted(sorted, 0.5),
    trainingMaxScore: sorted.length ? sorted[sorted.length - 1]! : 0,
    trainingWindows: sorted.length,
  };
}
