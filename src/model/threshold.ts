/**
 * Alarm thresholds, calibrated on training scores only: the
 * THRESHOLD_QUANTILE quantile of the training windows' scores times
 * THRESHOLD_MARGIN. The quantile leaves room for the rare odd window that
 * benign training data already contains; the margin absorbs the drift
 * between the training period and the scored one.
 */
import { quantileSorted } from './robust-scaler.js';

export const THRESHOLD_QUANTILE = 0.995;
export const THRESHOLD_MARGIN = 1.5;

export interface ThresholdCalibration {
  threshold: number;
  quantile: number;
  margin: number;
  /** The training score at `quantile`. */
  quantileScore: number;
  trainingMedianScore: number;
  trainingMaxScore: number;
  trainingWindows: number;
}

export function calibrateThreshold(scores: ArrayLike<number>, quantile = THRESHOLD_QUANTILE, margin = THRESHOLD_MARGIN): ThresholdCalibration {
  const sorted = Float64Array.from(scores).sort();
  const q = quantileSorted(sorted, quantile);
  return {
    threshold: q * margin,
    quantile,
    margin,
    quantileScore: q,
    trainingMedianScore: quantileSorted(sorted, 0.5),
    trainingMaxScore: sorted.length ? sorted[sorted.length - 1]! : 0,
    trainingWindows: sorted.length,
  };
}
