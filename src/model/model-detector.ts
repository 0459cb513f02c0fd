/**
 * The `baseline.deviation` detector (detector: 'model'), for a trained model
 * or for the self-baseline learned from the input.
 *
 * 1. Window the batches (the baseline's window length; the run's lateness:
 *    infinite in analyze, so windows close at flush). Tally the input's
 *    hosts (src/model/network-profile.ts).
 * 2. Trained model: before judging, compare the input's hosts with the
 *    network the model learned. Below `minNetworkOverlap` the model does not
 *    judge (no findings; the summary says why). A model without a recorded
 *    network (trained from feature files only) judges, and the summary says
 *    the check was skipped.
 *    Self-baseline: windows are kept until the end of input; the first
 *    `graceShare` of the input's time span is the grace period the baseline
 *    is learned from, and the rest is judged. When no port has
 *    `minPortWindows` windows in the grace period the input is too short:
 *    rules only, and the summary says so.
 * 3. Judge windows (src/model/judge-windows.ts): per-port baseline and
 *    evidence floor, network score, novelty of unseen service ports.
 * 4. Alarms become findings. Evidence lists the features that deviate most
 *    relative to the port's own baseline (observed, the port's p50 and p99,
 *    factor), never a feature within its range, and the hosts that drove
 *    the window. `src`/`dst` name the originator/responder holding at least
 *    half of the window's flows (null when traffic is spread over many).
 * 5. More than `groupPortsAbove` alarming ports in one window with the same
 *    named src and dst become one finding listing the ports.
 * 6. Every judged window (alarm or not) goes to `onScores` when given
 *    (`analyze --scores FILE.arrow`).
 */
import { createHash } from 'node:crypto';
import type { Detector } from '../detect/detector.js';
import { decodeState, encodeState, readStateObject } from '../detect/plain-state.js';
import { FlowhoundError } from '../errors.js';
import type { Finding, RecordBatch, Severity } from '../types.js';
import { F, type FeatureWindow, formatPortKey } from '../window/feature-schema.js';
import { ANALYZE_LATENESS_SEC, createWindower, DEFAULT_MAX_KEYS_PER_WINDOW, DEFAULT_MAX_OPEN_WINDOWS, DEFAULT_MAX_UNIQUE_ADDRS, type WindowerStats } from '../window/windower.js';
import { createWindowJudge, type JudgedWindow, type NetworkScorer, type WindowJudge } from './judge-windows.js';
import { createHostTally, DEFAULT_MIN_NETWORK_OVERLAP, type NetworkProfile } from './network-profile.js';
import { DEFAULT_NOVELTY_SETTINGS, type NoveltySettings } from './novelty.js';
import { DEFAULT_PORT_BASELINE_SETTINGS, learnPortBaselines, type PortBaselineSettings, round } from './port-baseline.js';

export interface ModelDetectorSettings {
  /** Watermark lateness; Infinity (analyze) closes windows at flush. */
  allowedLatenessSec: number;
  /** Features named in the evidence. */
  evidenceFeatures: number;
  /** More alarming ports than this in one window, same src and dst: one finding. */
  groupPortsAbove: number;
  /** Share of the input's flows that must touch the model's hosts or subnets (trained models). */
  minNetworkOverlap: number;
  /** Self-baseline: share of the input's time span learned from. */
  graceShare: number;
  /** Self-baseline: at most this many windows are kept for the end of input; later ones are not judged (counted). */
  maxSelfBaselineWindows: number;
  portBaseline: PortBaselineSettings;
  novelty: NoveltySettings;
  /** Receives every judged window (for --scores). */
  onScores?: (judged: readonly JudgedWindow[]) => void;
}

export const DEFAULT_GRACE_SHARE = 0.5;
export const DEFAULT_MAX_SELF_BASELINE_WINDOWS = 500_000;

export const DEFAULT_MODEL_DETECTOR_SETTINGS: ModelDetectorSettings = {
  allowedLatenessSec: ANALYZE_LATENESS_SEC,
  evidenceFeatures: 3,
  groupPortsAbove: 5,
  minNetworkOverlap: DEFAULT_MIN_NETWORK_OVERLAP,
  graceShare: DEFAULT_GRACE_SHARE,
  maxSelfBaselineWindows: DEFAULT_MAX_SELF_BASELINE_WINDOWS,
  portBaseline: DEFAULT_PORT_BASELINE_SETTINGS,
  novelty: DEFAULT_NOVELTY_SETTINGS,
};

/** What judges: a trained model's baselines (and network), or the input itself. */
export type BaselineSource =
  | { kind: 'trained'; label: string; windowSec: number; judge: WindowJudge; network: NetworkProfile | null; trainedPorts: number }
  | { kind: 'self'; windowSec: number; network?: NetworkScorer };

export type ModelDetectorStats = {
  windowsScored: number;
  windowsAboveThreshold: number;
  /** Windows of ports with too little training history, not judged. */
  windowsFewHistory: number;
  /** Windows of ports never seen in training, below the novelty floor. */
  windowsOnUnlearnedPorts: number;
  unlearnedPorts: number;
  novelPorts: number;
  /** Self-baseline: windows in the grace period (learned from, not judged). */
  windowsInGrace: number;
  /** Windows not judged because the model refused the input (network) or the input was too short. */
  windowsRefused: number;
};

export interface ModelDetector extends Detector {
  stats(): WindowerStats & ModelDetectorStats;
  /** One-line notes for the run summary: which baseline judged, and why not when it did not. */
  notes(): string[];
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

const MAX_PORTS_TRACKED = 65536;

export function createModelDetector(source: BaselineSource, settings: Partial<ModelDetectorSettings> = {}): ModelDetector {
  const s: ModelDetectorSettings = { ...DEFAULT_MODEL_DETECTOR_SETTINGS, ...settings };
  const windower = createWindower({
    windowSec: source.windowSec,
    allowedLatenessSec: s.allowedLatenessSec,
    maxKeysPerWindow: DEFAULT_MAX_KEYS_PER_WINDOW,
    maxUniqueAddrs: DEFAULT_MAX_UNIQUE_ADDRS,
    maxOpenWindows: Math.max(DEFAULT_MAX_OPEN_WINDOWS, Math.ceil(86400 / source.windowSec)),
  });
  let tally = createHostTally();
  const st: ModelDetectorStats = { windowsScored: 0, windowsAboveThreshold: 0, windowsFewHistory: 0, windowsOnUnlearnedPorts: 0, unlearnedPorts: 0, novelPorts: 0, windowsInGrace: 0, windowsRefused: 0 };
  const unlearned = new Set<string>();
  const novelReported = new Set<string>();
  let notes: string[] = [];
  let overlap: number | null = null;
  /** Self-baseline: windows kept until the end of input. */
  let kept: FeatureWindow[] = [];

  function judgeTrained(closed: FeatureWindow[], judge: WindowJudge, network: NetworkProfile | null): Finding[] {
    if (network) {
      overlap = tally.overlapWith(network);
      if (overlap < s.minNetworkOverlap) {
        st.windowsRefused += closed.length;
        return [];
      }
    }
    return toFindings(judge.judge(closed));
  }

  function toFindings(judged: JudgedWindow[]): Finding[] {
    s.onScores?.(judged);
    const findings: Finding[] = [];
    for (const j of judged) {
      const key = formatPortKey(j.window.proto, j.window.port);
      if (j.status === 'judged' || j.status === 'judged-class') {
        st.windowsScored++;
        if (j.alarm) {
          st.windowsAboveThreshold++;
          findings.push(describeDeviation(j, s.evidenceFeatures));
        }
      } else if (j.status === 'few-windows') st.windowsFewHistory++;
      else if (j.status === 'new-port') {
        st.windowsOnUnlearnedPorts++;
        if (unlearned.size < MAX_PORTS_TRACKED) unlearned.add(key);
      } else if (j.status === 'novel-port') {
        if (!novelReported.has(key)) {
          novelReported.add(key);
          findings.push(describeNovelty(j));
        } else st.windowsOnUnlearnedPorts++;
      }
    }
    st.unlearnedPorts = unlearned.size;
    st.novelPorts = novelReported.size;
    return groupPortFindings(findings, s.groupPortsAbove);
  }

  function judgeSelf(network: NetworkScorer | undefined): Finding[] {
    const windows = kept;
    kept = [];
    if (windows.length === 0) {
      notes = ['self-baseline: no windows (no flows or DNS records): rules only'];
      return [];
    }
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const w of windows) {
      if (w.startSec < first) first = w.startSec;
      if (w.startSec > last) last = w.startSec;
    }
    const spanSec = last + source.windowSec - first;
    const graceEnd = first + spanSec * s.graceShare;
    const grace = windows.filter((w) => w.startSec + w.windowSec <= graceEnd);
    const rest = windows.filter((w) => w.startSec + w.windowSec > graceEnd);
    const baselines = learnPortBaselines(grace, s.portBaseline);
    if (baselines.ports.length === 0) {
      const most = Math.max(0, ...Object.values(baselines.windowsPerPort));
      st.windowsRefused += windows.length;
      // A first share long enough to hold the windows needed, yet no port with that many: the traffic is sparse, not short.
      const sparse = spanSec * s.graceShare >= s.portBaseline.minPortWindows * source.windowSec;
      const why = sparse ? 'no port is active often enough for a self-baseline' : 'the input is too short for a self-baseline';
      notes = [
        `rules only: ${why}: its windows span ${Math.round(spanSec)} s, and in the first ${Math.round(s.graceShare * 100)} % the busiest port has ${most} windows of ${source.windowSec} s, ${s.portBaseline.minPortWindows} are needed (or pass --model DIR, a model trained on this network)`,
      ];
      return [];
    }
    st.windowsInGrace += grace.length;
    notes = [
      `self-baseline learned from the input's first ${Math.round(s.graceShare * 100)} % (${Math.round(graceEnd - first)} s, ${grace.length} windows; ${baselines.ports.length} ports with ≥ ${s.portBaseline.minPortWindows} windows), judging the remaining ${rest.length} windows; false-alarm budget ${s.portBaseline.falseAlarmBudget} per window`,
    ];
    const judge = createWindowJudge(baselines, s.novelty, network ?? null);
    return toFindings(judge.judge(rest));
  }

  function onClosed(closed: FeatureWindow[]): Finding[] {
    if (closed.length === 0) return [];
    if (source.kind === 'trained') return judgeTrained(closed, source.judge, source.network);
    for (const w of closed) {
      if (kept.length < s.maxSelfBaselineWindows) kept.push(w);
      else st.windowsRefused++;
    }
    return [];
  }

  function trainedNotes(): string[] {
    if (source.kind !== 'trained') return notes;
    const out = [`trained model ${source.label} (${source.trainedPorts} ports with a baseline)`];
    if (!source.network) out.push('the model records no network (trained from feature files only): not checked that this input is from the network it learned');
    else if (overlap !== null && overlap < s.minNetworkOverlap) {
      out.push(
        `no model findings: only ${Math.round(overlap * 1000) / 10} % of this input's flows touch a host or subnet the model learned (${s.minNetworkOverlap * 100} % needed): it learned another network; train one on this network (flowhound train) or drop --model for a self-baseline`,
      );
    }
    return out;
  }

  return {
    name: 'model',
    push(batch: RecordBatch) {
      tally.add(batch.flows);
      return onClosed(windower.push(batch));
    },
    flush() {
      const findings = onClosed(windower.flush());
      if (source.kind === 'self') for (const f of judgeSelf(source.network)) findings.push(f);
      tally = createHostTally();
      return findings;
    },
    snapshot() {
      return {
        baseline: source.kind,
        windower: windower.snapshot(),
        judge: source.kind === 'trained' ? encodeState(source.judge.snapshot()) : null,
        rest: encodeState({ tally: tally.snapshot(), st, unlearned, novelReported, notes, overlap, kept }),
      };
    },
    restore(state) {
      const top = readStateObject(state, 'model', { baseline: 'string', windower: 'object', rest: 'object' });
      if (top.baseline !== source.kind) {
        throw new FlowhoundError('STATE_INVALID', `detector state model: written for a ${String(top.baseline)} baseline, this run has a ${source.kind} one`, { detector: 'model' });
      }
      const o = readStateObject((state as Record<string, unknown>).rest, 'model', { tally: 'object', st: 'object', unlearned: 'set', novelReported: 'set', notes: 'list', overlap: 'number?', kept: 'list' });
      windower.restore((state as Record<string, unknown>).windower);
      if (source.kind === 'trained') source.judge.restore(decodeState((state as Record<string, unknown>).judge ?? null));
      tally.restore(o.tally as ReturnType<typeof tally.snapshot>);
      Object.assign(st, o.st);
      unlearned.clear();
      for (const k of o.unlearned as Set<string>) unlearned.add(k);
      novelReported.clear();
      for (const k of o.novelReported as Set<string>) novelReported.add(k);
      notes = o.notes as string[];
      overlap = o.overlap as number | null;
      kept = o.kept as FeatureWindow[];
    },
    stats() {
      return { ...windower.stats(), ...st };
    },
    notes() {
      return trainedNotes();
    },
  };
}

function findingId(parts: string): string {
  return `f-${createHash('sha1').update(parts).digest('hex').slice(0, 8)}`;
}

function describeDeviation(j: JudgedWindow, evidenceFeatures: number): Finding {
  const w = j.window;
  const top = j.port!.evidence.slice(0, evidenceFeatures);
  const ratio = Math.max(j.ratio, 1);
  const described = top.map((t) => `${t.feature} ${t.observed} (port p50 ${t.p50}, p99 ${t.p99}${t.factor !== null ? `, ×${t.factor}` : ''})`).join(', ');
  const flows = w.values[F.flows]!;
  return {
    id: findingId(`baseline.deviation|${w.proto}|${w.port}|${w.startSec}|${w.windowSec}`),
    ts: w.startSec,
    end: w.startSec + w.windowSec,
    kind: 'baseline.deviation',
    severity: rateSeverity(ratio),
    confidence: round(rateConfidence(ratio)),
    src: dominantAddress(w.topSrc, flows),
    dst: dominantAddress(w.topDst, flows),
    port: w.port,
    proto: w.proto,
    detector: 'model',
    summary:
      j.status === 'judged'
        ? `${w.proto}/${w.port} departs from its own baseline (${j.baseline!.windows} windows): ${described}`
        : `${w.proto}/${w.port} (too little history of its own) departs from the ${j.baseline!.key} class baseline (${j.baseline!.windows} windows): ${described}`,
    evidence: {
      reason: j.status === 'judged' ? 'deviation' : 'class-deviation',
      baseline: j.baseline!.key,
      ratio: round(j.ratio),
      portRatio: round(j.port!.ratio),
      ...(j.network ? { network: { ...j.network, score: round(j.network.score), threshold: round(j.network.threshold), ratio: round(j.network.ratio) } } : {}),
      windowSec: w.windowSec,
      flows,
      portBaselineWindows: j.baseline!.windows,
      ...(w.topSrcs ? { topSources: w.topSrcs } : {}),
      ...(w.topDsts ? { topDestinations: w.topDsts } : {}),
      topFeatures: top,
    },
  };
}

function describeNovelty(j: JudgedWindow): Finding {
  const w = j.window;
  const n = j.novelty!;
  const flows = w.values[F.flows]!;
  return {
    id: findingId(`baseline.deviation|new-port|${w.proto}|${w.port}|${w.startSec}`),
    ts: w.startSec,
    end: w.startSec + w.windowSec,
    kind: 'baseline.deviation',
    severity: 'medium',
    confidence: 0.7,
    src: dominantAddress(w.topSrc, flows),
    dst: dominantAddress(w.topDst, flows),
    port: w.port,
    proto: w.proto,
    detector: 'model',
    summary: `new service ${w.proto}/${w.port}${w.topDst ? ` on ${w.topDst.addr}` : ''}: never seen in the baseline, now ${n.established} established session${n.established === 1 ? '' : 's'} and ${Math.round(n.bytes)} bytes in one window`,
    evidence: {
      reason: 'new-port',
      windowSec: w.windowSec,
      flows,
      established: n.established,
      bytes: n.bytes,
      ...(w.topSrcs ? { topSources: w.topSrcs } : {}),
      ...(w.topDsts ? { topDestinations: w.topDsts } : {}),
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
    const sorted = [...g].sort((a, b) => ((b.evidence.ratio as number) ?? 0) - ((a.evidence.ratio as number) ?? 0));
    const worst = sorted[0]!;
    const protos = new Set(g.map((f) => f.proto));
    const ports = sorted.map((f) => `${f.proto}/${f.port}`);
    out.push({
      ...worst,
      id: findingId(`baseline.deviation|ports|${worst.src}|${worst.dst}|${worst.ts}`),
      port: null,
      proto: protos.size === 1 ? worst.proto : null,
      summary: `${g.length} ports of ${worst.dst} from ${worst.src} depart from the baseline in one window (worst ${ports[0]})`,
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
