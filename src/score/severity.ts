/**
 * Severity and confidence from how far an observation is over its threshold.
 *
 * `ratio` is observed / threshold (≥ 1 when a rule fires):
 * - severity: ratio ≥ 10 → high, ≥ 3 → medium, else low. A scan of 150+
 *   ports or a rate ten times the limit is high; a scan just over the line
 *   is low.
 * - confidence: 1 − 0.5 / ratio, clamped to [0.5, 0.99]: 0.5 at the
 *   threshold, 0.75 at twice it, 0.95 at ten times it.
 */
import { SEVERITY_ORDER, type Severity } from '../types.js';

export function severityFromRatio(ratio: number): Severity {
  if (ratio >= 10) return 'high';
  if (ratio >= 3) return 'medium';
  return 'low';
}

export function confidenceFromRatio(ratio: number): number {
  if (!(ratio > 0)) return 0.5;
  return roundConfidence(Math.min(0.99, Math.max(0.5, 1 - 0.5 / ratio)));
}

export function roundConfidence(c: number): number {
  return Math.round(c * 100) / 100;
}

/** Index of a severity in SEVERITY_ORDER (info 0 … critical 4). */
export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

/** One step lower (not below low), for weaker variants such as slow scans. */
export function lowerSeverity(s: Severity): Severity {
  const i = severityRank(s);
  return i <= 1 ? s : (SEVERITY_ORDER[i - 1] ?? s);
}

export function isSeverity(s: unknown): s is Severity {
  return typeof s === 'string' && (SEVERITY_ORDER as readonly string[]).includes(s);
}
