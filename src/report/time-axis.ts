/**
 * A shared, self-coarsening time axis for the report's series: at most
 * `buckets` buckets of `bucketSec` seconds from `baseSec`. When a time falls
 * outside the covered span the bucket width doubles (adjacent buckets are
 * merged) until it fits, so a series of any length stays `buckets` long:
 * a 50-second capture keeps 1-second buckets, a day of logs ends with
 * buckets of a few minutes.
 *
 * Series registered with the axis are re-bucketed along with it; each is a
 * set of Float64Arrays, merged by sum or by max per array.
 */

export interface AxisSeries {
  /** Arrays merged by adding their buckets (counts). */
  sums: Float64Array[];
  /** Arrays merged by keeping the larger bucket (peaks). */
  maxes: Float64Array[];
}

export interface TimeAxis {
  readonly buckets: number;
  baseSec: number;
  bucketSec: number;
  /** Bucket index of `tsSec`, coarsening the axis (and every registered series) when needed; -1 for a non-finite time. */
  indexOf(tsSec: number): number;
  /** Index without changing the axis, clamped to [0, buckets - 1]. */
  peekIndex(tsSec: number): number;
  register(series: AxisSeries): void;
  unregister(series: AxisSeries): void;
  /** Start time of bucket `i`. */
  startOf(i: number): number;
  /** Whether any time was placed on the axis yet. */
  readonly started: boolean;
}

export function createTimeAxis(buckets: number, minBucketSec = 1): TimeAxis {
  const series = new Set<AxisSeries>();
  let started = false;

  function rebucket(newBase: number, newWidth: number): void {
    const oldBase = axis.baseSec;
    const oldWidth = axis.bucketSec;
    for (const s of series) {
      for (const a of s.sums) remap(a, oldBase, oldWidth, newBase, newWidth, false);
      for (const a of s.maxes) remap(a, oldBase, oldWidth, newBase, newWidth, true);
    }
    axis.baseSec = newBase;
    axis.bucketSec = newWidth;
  }

  function remap(a: Float64Array, oldBase: number, oldWidth: number, newBase: number, newWidth: number, max: boolean): void {
    const copy = a.slice();
    a.fill(0);
    for (let i = 0; i < copy.length; i++) {
      const v = copy[i]!;
      if (v === 0) continue;
      const j = Math.min(buckets - 1, Math.max(0, Math.floor((oldBase + i * oldWidth - newBase) / newWidth)));
      if (max) {
        if (v > a[j]!) a[j] = v;
      } else a[j]! += v;
    }
  }

  const axis: TimeAxis = {
    buckets,
    baseSec: 0,
    bucketSec: minBucketSec,
    get started() {
      return started;
    },
    indexOf(tsSec) {
      if (!Number.isFinite(tsSec)) return -1;
      if (!started) {
        started = true;
        axis.baseSec = Math.floor(tsSec / minBucketSec) * minBucketSec;
      }
      let i = Math.floor((tsSec - axis.baseSec) / axis.bucketSec);
      if (i >= 0 && i < buckets) return i;
      // Widen: keep the covered span's start (or move it back to tsSec), double the width until both ends fit.
      const end = axis.baseSec + buckets * axis.bucketSec;
      const lo = Math.min(axis.baseSec, tsSec);
      const hi = Math.max(end, tsSec + minBucketSec);
      let width = axis.bucketSec;
      let base = 0;
      for (;;) {
        base = Math.floor(lo / width) * width;
        if (base + buckets * width >= hi) break;
        width *= 2;
      }
      rebucket(base, width);
      i = Math.floor((tsSec - axis.baseSec) / axis.bucketSec);
      return Math.min(buckets - 1, Math.max(0, i));
    },
    peekIndex(tsSec) {
      return Math.min(buckets - 1, Math.max(0, Math.floor((tsSec - axis.baseSec) / axis.bucketSec)));
    },
    register(s) {
      series.add(s);
    },
    unregister(s) {
      series.delete(s);
    },
    startOf(i) {
      return axis.baseSec + i * axis.bucketSec;
    },
  };
  return axis;
}
