/**
 * The `baseline.deviation` detector (detector: 'model').
 *
 * 1. Window the batches (the model's window length; the lateness setting of
 *    the run: infinite in analyze, so windows close at flush).
 * 2. Score every closed window with the model's dense autoencoder and/or LSTM
 *    forecaster (src/model/window-scorer.ts).
 * 3. A window whose score is above a kind's calibrated threshold becomes a
 *    finding: severity and confidence grow with score / threshold; evidence
 *    names the features that deviate most (largest squared error), each
 *    with its value and the learned (training) median.
 * 4. `src` / `dst` name the originator / responder holding at least half of
 *    the window's flows (null when traffic is spread over many).
 * 5. More than `groupPortsAbove` deviating ports in one window with the
 *    same named src and dst (a vertical scan) become one finding (port null)
 *    whose evidence lists the ports, the worst first.
 * 6. Windows with fewer than `minFlows` flows and no DNS records are scored
 *    but not reported (one stray connection is not a baseline).
 * 7. Windows of a (proto, port) the model never saw in training are scored
 *    and counted but not reported unless `judgeUnlearnedPorts` is set: a
 *    model has no baseline for a port it never learned, and a model trained
 *    on another network (the shipped lab model) would otherwise flag every
 *    port of a new network. New ports hit by scans are the scan detectors'
 *    job; the run summary says how many windows went unjudged.
 */
import { createHash } from 'node:crypto';
import type { Detector } from '../detect/detector.js';
import type { Finding, Proto, Severity } from '../types.js';
import { F, FEATURE_COUNT, FEATURES } from '../window/feature-schema.js';
import { ANALYZE_LATENESS_SEC, createWindower, DEFAULT_MAX_KEYS_PER_WINDOW, DEFAULT_MAX_OPEN_WINDOWS, DEFAULT_MAX_UNIQUE_ADDRS, type WindowerStats } from '../window/windower.js';
import type { ModelMeta } from './model-meta.js';
import type { WindowScore, WindowScorer } from './window-scorer.js';

export interface ModelDetectorSettings {
  /** Watermark lateness; Infinity (analyze) closes windows at flush. */
  allowedLatenessSec: number;
  /** Features named in the evidence. */
  evidenceFeatures: number;
  /** Smallest window (flows) that may become a finding. */
  minFlows: number;
  /** Cap on ports whose LSTM history is kept. */
  maxPorts: number;
  /**
   * When more than this many ports deviate in one window with the same
   * named src and dst (a vertical scan), they become one finding listing
   * the ports instead of one finding per port.
   */
  groupPortsAbove: number;
  /** Report windows of ports the model never saw in training (step 7). */
  judgeUnlearnedPorts: boolean;
}

export const DEFAULT_MODEL_DETECTOR_SETTINGS: ModelDetectorSettings = {
  allowedLatenessSec: ANALYZE_LATENESS_SEC,
  evidenceFeatures: 3,
  minFlows: 1,
  maxPorts: 4096,
  groupPortsAbove: 5,
  judgeUnlearnedPorts: false,
};

/** At most this many distinct unlearned (proto, port) pairs are remembered for the count. */
const MAX_UNLEARNED_PORTS_TRACKED = 65536;

export interface ModelDetector extends Detector {
  /** Windowing counters (late and overflow records) for the run summary. */
  stats(): WindowerStats & { windowsScored: number; windowsAboveThreshold: number; windowsOnUnlearnedPorts: number; unlearnedPorts: number };
}

/** score/threshold → severity: < 2 low, < 5 medium, < 20 high, else critical. */
export function rateSeverity(ratio: number): Severity {
  if (ratio < 2) return 'low';
  if (ratio < 5) return 'medium';
  if (ratio < 20) return 'high';
  return 'critical';
}

/** score/threshold → confidence: 0.5 at the threshold, rising towards 0.99. */
export function rateConfidence(ratio: number): number {
  return Math.min(0.99, 0.5 + 0.5 * (1 - 1 / Math.max(1, ratio)));
}

/** What the detector needs of a model (a FlowhoundModel has it); kept here so this module does not import flowhound-model.ts, which imports it. */
export interface ScoringModel {
  readonly meta: ModelMeta;
  createScorer(options?: { maxPorts?: number }): WindowScorer;
  learnedPeakPps(proto: Proto, port: number): number | null;
}

export function createModelDetector(model: ScoringModel, settings: Partial<ModelDetectorSettings> = {}): ModelDetector {
  const s: ModelDetectorSettings = { ...DEFAULT_MODEL_DETECTOR_SETTINGS, ...settings };
  const windower = createWindower({
    windowSec: model.meta.windowSec,
    allowedLatenessSec: s.allowedLatenessSec,
    maxKeysPerWindow: DEFAULT_MAX_KEYS_PER_WINDOW,
    maxUniqueAddrs: DEFAULT_MAX_UNIQUE_ADDRS,
    // One day of windows whatever the model's window length.
    maxOpenWindows: Math.max(DEFAULT_MAX_OPEN_WINDOWS, Math.ceil(86400 / model.meta.windowSec)),
  });
  let scorer = model.createScorer({ maxPorts: s.maxPorts });
  let windowsScored = 0;
  let windowsAboveThreshold = 0;
  let windowsOnUnlearnedPorts = 0;
  const unlearnedPorts = new Set<string>();

  function toFindings(scores: WindowScore[]): Finding[] {
    const findings: Finding[] = [];
    for (const sc of scores) {
      windowsScored++;
      const w = sc.window;
      const unlearned = !s.judgeUnlearnedPorts && model.learnedPeakPps(w.proto, w.port) === null;
      if (unlearned) {
        windowsOnUnlearnedPorts++;
        if (unlearnedPorts.size < MAX_UNLEARNED_PORTS_TRACKED) unlearnedPorts.add(`${w.proto}/${w.port}`);
      }
      if (sc.ratio <= 1) continue;
      windowsAboveThreshold++;
      if (unlearned) continue;
      if (w.values[F.flows]! < s.minFlows && w.values[F.dnsQueryLen] === 0) continue;
      const kind = sc[sc.worst]!;
      const order = Array.from({ length: FEATURE_COUNT }, (_, j) => j).sort((a, b) => kind.perFeature[b]! - kind.perFeature[a]!);
      const top = order.slice(0, s.evidenceFeatures).map((j) => ({
        feature: FEATURES[j]!.name,
        value: round(w.values[j]!),
        learnedMedian: round(model.meta.scaler.rawMedian[j]!),
        unit: FEATURES[j]!.unit,
      }));
      const id = `f-${createHash('sha1').update(`baseline.deviation|${w.proto}|${w.port}|${w.startSec}|${w.windowSec}`).digest('hex').slice(0, 8)}`;
      const described = top.map((t) => `${t.feature} ${t.value} (learned median ${t.learnedMedian})`).join(', ');
      findings.push({
        id,
        ts: w.startSec,
        end: w.startSec + w.windowSec,
        kind: 'baseline.deviation',
        severity: rateSeverity(sc.ratio),
        confidence: round(rateConfidence(sc.ratio)),
        src: dominantAddress(w.topSrc, w.values[F.flows]!),
        dst: dominantAddress(w.topDst, w.values[F.flows]!),
        port: w.port,
        proto: w.proto,
        detector: 'model',
        summary: `${w.proto}/${w.port} window scores ${round(sc.ratio)}× the ${sc.worst} model's threshold: ${described}`,
        evidence: {
          model: sc.worst,
          score: round(kind.score),
          threshold: round(kind.threshold),
          ratio: round(sc.ratio),
          ...(sc.dense ? { denseScore: round(sc.dense.score) } : {}),
          ...(sc.lstm ? { lstmScore: round(sc.lstm.score) } : {}),
          windowSec: w.windowSec,
          flows: w.values[F.flows],
          ...(w.topSrc ? { topSource: w.topSrc } : {}),
          ...(w.topDst ? { topDestination: w.topDst } : {}),
          topFeatures: top,
        },
      });
    }
    return groupPortFindings(findings, s.groupPortsAbove);
  }

  return {
    name: 'model',
    push(batch) {
      const closed = windower.push(batch);
      return closed.length ? toFindings(scorer.score(closed)) : [];
    },
    flush() {
      const closed = windower.flush();
      const findings = closed.length ? toFindings(scorer.score(closed)) : [];
      scorer = model.createScorer({ maxPorts: s.maxPorts });
      return findings;
    },
    stats() {
      return { ...windower.stats(), windowsScored, windowsAboveThreshold, windowsOnUnlearnedPorts, unlearnedPorts: unlearnedPorts.size };
    },
  };
}

/** Collapses per-port findings of one window that share a named src and dst, when there are more than `above` of them. */
function groupPortFindings(findings: Finding[], above: number): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.src === null || f.dst === null) continue;
    const key = `${f.ts}|${f.src}|${f.dst}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  const grouped = new Set<Finding>();
  const out: Finding[] = [];
  for (const g of groups.values()) {
    if (g.length <= above) continue;
    for (const f of g) grouped.add(f);
    const sorted = [...g].sort((a, b) => (b.evidence.ratio as number) - (a.evidence.ratio as number));
    const worst = sorted[0]!;
    const protos = new Set(g.map((f) => f.proto));
    const ports = sorted.map((f) => `${f.proto}/${f.port}`);
    const id = `f-${createHash('sha1').update(`baseline.deviation|ports|${worst.src}|${worst.dst}|${worst.ts}`).digest('hex').slice(0, 8)}`;
    out.push({
      ...worst,
      id,
      port: null,
      proto: protos.size === 1 ? worst.proto : null,
      summary: `${g.length} ports of ${worst.dst} from ${worst.src} deviate from the baseline in one window (worst ${ports[0]} at ${worst.evidence.ratio}× threshold)`,
      evidence: { deviatingPorts: g.length, ports: ports.slice(0, 100), worst: worst.evidence },
    });
  }
  for (const f of findings) if (!grouped.has(f)) out.push(f);
  return out.sort((a, b) => a.ts - b.ts || (a.port ?? -1) - (b.port ?? -1));
}

/** The address that holds at least half of the window's flows, else null (many parties: no one to name). */
function dominantAddress(top: { addr: string; flows: number } | undefined, flows: number): string | null {
  return top && flows > 0 && top.flows * 2 >= flows ? top.addr : null;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
