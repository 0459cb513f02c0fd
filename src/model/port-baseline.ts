/**
 * Per-port baselines: what each (proto, port) looked like in training, and
 * how far a new window of that port departs from it.
 *
 * Learning (`learnPortBaselines`), per (proto, port) with at least
 * `minPortWindows` training windows:
 * 1. For each feature, after its transform (log1p or none): the median and a
 *    robust scale, max(1.4826·MAD, IQR/1.349, SCALE_FLOOR of the feature's
 *    transform), so one port's steady counts do not make every change huge.
 * 2. The raw p50, p99, min and max of each feature (the port's typical range,
 *    shown in explanations, and the evidence floor's reference).
 * 3. A per-feature deviation z = (transformed value − median) / scale; for
 *    counts, sizes and rates only upward deviations count (less traffic than
 *    usual is not an attack finding); for shares and entropies both ways.
 * 4. Per-feature thresholds from the false-alarm budget: with `budget` the
 *    tolerated share of benign windows that alarm (default 1e-4, one in
 *    10,000) split over the features, zBudget = Φ⁻¹(1 − budget / features);
 *    the threshold is max(zBudget, margin × the largest z of the port's own
 *    training windows on that feature). So no training window alarms, and a
 *    port whose benign traffic already swings widely needs a wider swing.
 *
 * 5. Port classes: the same, per (proto, class) over all the class's
 *    windows, with classes by IANA range — system (0–1023), registered
 *    (1024–49151), dynamic (49152–65535); ICMP by type as one class. A
 *    window of a port without its own baseline is judged against its class
 *    (the busiest ports of a class dominate its range, so a class judges
 *    coarsely: it is the fallback, not the baseline), or, when the class has
 *    too few windows too, against all training windows (ALL_PORTS_CLASS).
 *
 * Judging (`judgeWindow`): a window alarms when some feature's z exceeds its
 * threshold AND that feature passes the evidence floor: its raw value lies
 * outside the port's training range [min, max] by at least the feature's
 * absolute floor (EVIDENCE_FLOORS) and, for counts, sizes and rates, at least
 * `factor` × the training maximum; shares, means and DNS features need at
 * least MIN_FLOWS_FOR_SHARES flows in the window (one flow's 100 % failed is
 * not a failed-connection share). Tiny counts therefore never alarm.
 */
import { F, FEATURE_COUNT, FEATURES, type FeatureWindow, formatPortKey, transformFeatures } from '../window/feature-schema.js';
import type { Proto } from '../types.js';
import { quantileSorted } from './robust-scaler.js';
import { measureNormalQuantile } from './threshold.js';

/** At most one alarm per this many benign windows (spread over the features): 1e-4. */
export const DEFAULT_FALSE_ALARM_BUDGET = 1e-4;
/** A port needs this many training windows (2 minutes of activity at 10 s) before it is judged. */
export const DEFAULT_MIN_PORT_WINDOWS = 12;
/** Threshold ≥ this × the largest training deviation of the port's feature. */
export const DEFAULT_THRESHOLD_MARGIN = 1.5;
/** Counts, sizes and rates must reach this × the port's training maximum to be evidence. */
export const DEFAULT_EVIDENCE_FACTOR = 2;
/** Shares, means and DNS features are evidence only in windows with at least this many flows. */
export const MIN_FLOWS_FOR_SHARES = 5;
/** At most this many ports are kept (the ones with the most windows). */
export const MAX_BASELINE_PORTS = 4096;

/** Smallest robust scale of a transformed feature: log1p features 0.25 (×1.28), shares 0.05, entropy 0.1 bit. */
const SCALE_FLOOR_LOG = 0.25;
const SCALE_FLOOR_SHARE = 0.05;

/**
 * Smallest distance beyond the training range for a feature to be evidence
 * (raw units). Counts: 10 more flows, 100 packets, 100 kB; rates 50 pkt/s
 * peak; shares 0.3; entropy 0.5 bit; query length 10 characters.
 */
export const EVIDENCE_FLOORS: Readonly<Record<string, number>> = {
  flows: 10,
  packets: 100,
  bytes: 100_000,
  peak_pps: 50,
  mean_pps: 10,
  unique_src: 5,
  unique_dst: 5,
  failed_share: 0.3,
  bytes_per_packet: 200,
  direction_ratio: 0.3,
  mean_duration: 60,
  dns_query_len: 10,
  dns_label_entropy: 0.5,
  dns_nxdomain_share: 0.3,
  bytes_out: 100_000,
  bytes_in: 100_000,
  payload_bytes_per_packet: 200,
  new_dst_share: 0.3,
};

/** Features whose value is a per-flow mean or a share: meaningful only with MIN_FLOWS_FOR_SHARES flows. */
const NEEDS_FLOWS = new Set([
  F.failedShare,
  F.bytesPerPacket,
  F.directionRatio,
  F.meanDuration,
  F.dnsQueryLen,
  F.dnsLabelEntropy,
  F.dnsNxdomainShare,
  F.payloadBytesPerPacket,
  F.newDstShare,
]);

export interface PortBaselineSettings {
  falseAlarmBudget: number;
  minPortWindows: number;
  thresholdMargin: number;
  evidenceFactor: number;
}

export const DEFAULT_PORT_BASELINE_SETTINGS: PortBaselineSettings = {
  falseAlarmBudget: DEFAULT_FALSE_ALARM_BUDGET,
  minPortWindows: DEFAULT_MIN_PORT_WINDOWS,
  thresholdMargin: DEFAULT_THRESHOLD_MARGIN,
  evidenceFactor: DEFAULT_EVIDENCE_FACTOR,
};

export interface PortBaseline {
  key: string;
  proto: Proto;
  port: number;
  windows: number;
  /** Median and robust scale of each transformed feature. */
  center: number[];
  scale: number[];
  /** Raw typical range of each feature. */
  p50: number[];
  p99: number[];
  min: number[];
  max: number[];
  /** Per-feature alarm threshold on z. */
  threshold: number[];
}

export interface PortBaselineSet {
  settings: PortBaselineSettings;
  /** Φ⁻¹(1 − budget / features). */
  zBudget: number;
  ports: PortBaseline[];
  /** Per (proto, port class) baselines, for ports without their own (see classOfPort). */
  classes: PortBaseline[];
  /** Windows per (proto, port) key of every training port, judged or not (at most MAX_BASELINE_PORTS keys). */
  windowsPerPort: Record<string, number>;
}

export interface FeatureDeviation {
  feature: string;
  unit: string;
  observed: number;
  p50: number;
  p99: number;
  /** observed / p99 (observed / p50 for shares below their range: p50 / observed); Infinity shown as null. */
  factor: number | null;
  z: number;
  threshold: number;
}

export interface PortJudgement {
  /** Largest z / threshold over the features (the window's score relative to its port's thresholds). */
  ratio: number;
  /** Largest z over the features. */
  score: number;
  /** The feature with the largest z / threshold, its z and its threshold (what `ratio` is made of). */
  worst: { feature: string; z: number; threshold: number };
  /** Features beyond their threshold that pass the evidence floor, the largest ratio first. */
  evidence: FeatureDeviation[];
  alarm: boolean;
}

function isLogFeature(j: number): boolean {
  return FEATURES[j]!.transform === 'log1p';
}

/** z of each feature of a window against a port baseline (upward only for log1p features). */
export function measureDeviations(values: ArrayLike<number>, b: Pick<PortBaseline, 'center' | 'scale'>): Float64Array {
  const t = transformFeatures(values);
  const z = new Float64Array(FEATURE_COUNT);
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const d = ((t[j] ?? 0) - b.center[j]!) / b.scale[j]!;
    z[j] = isLogFeature(j) ? Math.max(0, d) : Math.abs(d);
  }
  return z;
}

export function learnPortBaselines(windows: readonly FeatureWindow[], settings: Partial<PortBaselineSettings> = {}): PortBaselineSet {
  const s: PortBaselineSettings = { ...DEFAULT_PORT_BASELINE_SETTINGS, ...settings };
  const zBudget = measureNormalQuantile(s.falseAlarmBudget / FEATURE_COUNT);
  const byPort = new Map<string, FeatureWindow[]>();
  for (const w of windows) {
    const key = formatPortKey(w.proto, w.port);
    const list = byPort.get(key);
    if (list) list.push(w);
    else byPort.set(key, [w]);
  }
  const entries = [...byPort.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_BASELINE_PORTS);
  const ports: PortBaseline[] = [];
  const windowsPerPort: Record<string, number> = {};
  const fitWithThresholds = (key: string, list: readonly FeatureWindow[]): PortBaseline => {
    const b = fitPort(key, list);
    const maxZ = new Float64Array(FEATURE_COUNT);
    for (const w of list) {
      const z = measureDeviations(w.values, b);
      for (let j = 0; j < FEATURE_COUNT; j++) if (z[j]! > maxZ[j]!) maxZ[j] = z[j]!;
    }
    b.threshold = Array.from(maxZ, (m) => Math.max(zBudget, m * s.thresholdMargin));
    return b;
  };
  for (const [key, list] of entries) {
    windowsPerPort[key] = list.length;
    if (list.length >= s.minPortWindows) ports.push(fitWithThresholds(key, list));
  }
  const byClass = new Map<string, FeatureWindow[]>();
  for (const w of windows) {
    const key = classOfPort(w.proto, w.port);
    const list = byClass.get(key);
    if (list) list.push(w);
    else byClass.set(key, [w]);
  }
  byClass.set(ALL_PORTS_CLASS, [...windows]);
  const classes = [...byClass.entries()].filter(([, list]) => list.length >= s.minPortWindows).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([key, list]) => fitWithThresholds(key, list));
  return { settings: s, zBudget, ports, classes, windowsPerPort };
}

/** The class of last resort: every training window, for a port whose own class has too few windows. */
export const ALL_PORTS_CLASS = '*/*';

/** The class key of a (proto, port): "tcp/0-1023", "tcp/1024-49151", "tcp/49152-65535" (likewise udp), or "icmp/*". */
export function classOfPort(proto: Proto, port: number): string {
  if (proto !== 'tcp' && proto !== 'udp') return `${proto}/*`;
  return port < 1024 ? `${proto}/0-1023` : port < 49152 ? `${proto}/1024-49151` : `${proto}/49152-65535`;
}

function fitPort(key: string, list: readonly FeatureWindow[]): PortBaseline {
  const w0 = list[0]!;
  const b: PortBaseline = { key, proto: w0.proto, port: w0.port, windows: list.length, center: [], scale: [], p50: [], p99: [], min: [], max: [], threshold: [] };
  const n = list.length;
  const { raw: rawCols, transformed: tCols } = readColumns(list);
  const dev = new Float64Array(n);
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const t = tCols.subarray(j * n, (j + 1) * n).sort();
    const med = quantileSorted(t, 0.5);
    for (let i = 0; i < n; i++) dev[i] = Math.abs(t[i]! - med);
    const mad = quantileSorted(dev.sort(), 0.5);
    const iqr = quantileSorted(t, 0.75) - quantileSorted(t, 0.25);
    const floor = isLogFeature(j) ? SCALE_FLOOR_LOG : j === F.dnsLabelEntropy ? 0.1 : SCALE_FLOOR_SHARE;
    b.center.push(med);
    b.scale.push(Math.max(1.4826 * mad, iqr / 1.349, floor));
    const raw = rawCols.subarray(j * n, (j + 1) * n).sort();
    b.p50.push(quantileSorted(raw, 0.5));
    b.p99.push(quantileSorted(raw, 0.99));
    b.min.push(raw[0]!);
    b.max.push(raw[raw.length - 1]!);
  }
  return b;
}

/** The windows' raw and transformed values, column by column (feature j at j × n … (j + 1) × n). */
function readColumns(list: readonly FeatureWindow[]): { raw: Float64Array; transformed: Float64Array } {
  const n = list.length;
  const raw = new Float64Array(n * FEATURE_COUNT);
  const transformed = new Float64Array(n * FEATURE_COUNT);
  const t = new Float64Array(FEATURE_COUNT);
  for (let i = 0; i < n; i++) {
    const values = list[i]!.values;
    transformFeatures(values, t);
    for (let j = 0; j < FEATURE_COUNT; j++) {
      raw[j * n + i] = values[j]!;
      transformed[j * n + i] = t[j]!;
    }
  }
  return { raw, transformed };
}

/** Whether feature j's raw value is far enough outside the port's training range to be evidence. */
export function passesEvidenceFloor(j: number, values: ArrayLike<number>, b: PortBaseline, evidenceFactor: number): boolean {
  const v = values[j] ?? 0;
  const floor = EVIDENCE_FLOORS[FEATURES[j]!.name] ?? 0;
  if (NEEDS_FLOWS.has(j as never) && (values[F.flows] ?? 0) < MIN_FLOWS_FOR_SHARES) return false;
  if (isLogFeature(j)) return v - b.max[j]! >= floor && v >= evidenceFactor * b.max[j]!;
  return v - b.max[j]! >= floor || b.min[j]! - v >= floor;
}

export function judgeWindow(w: FeatureWindow, b: PortBaseline, evidenceFactor: number = DEFAULT_EVIDENCE_FACTOR): PortJudgement {
  const z = measureDeviations(w.values, b);
  let ratio = 0;
  let score = 0;
  let worstJ = 0;
  const evidence: FeatureDeviation[] = [];
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const r = z[j]! / b.threshold[j]!;
    if (r > ratio) {
      ratio = r;
      worstJ = j;
    }
    if (z[j]! > score) score = z[j]!;
    if (r > 1 && passesEvidenceFloor(j, w.values, b, evidenceFactor)) evidence.push(describeDeviation(j, w.values[j]!, b, z[j]!));
  }
  evidence.sort((a, c) => c.z / c.threshold - a.z / a.threshold);
  const worst = { feature: FEATURES[worstJ]!.name, z: z[worstJ]!, threshold: b.threshold[worstJ]! };
  return { ratio, score, worst, evidence, alarm: evidence.length > 0 };
}

export function describeDeviation(j: number, observed: number, b: PortBaseline, z: number): FeatureDeviation {
  const p50 = b.p50[j]!;
  const p99 = b.p99[j]!;
  const below = observed < p50;
  const num = below ? p50 : observed;
  const den = below ? observed : p99;
  const factor = den > 0 ? round(num / den) : null;
  return { feature: FEATURES[j]!.name, unit: FEATURES[j]!.unit, observed: round(observed), p50: round(p50), p99: round(p99), factor, z: round(z), threshold: round(b.threshold[j]!) };
}

export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
