/**
 * Judging feature windows against per-port baselines: the one decision the
 * trained model and the self-baseline share.
 *
 * For each window, in order:
 * 1. Its (proto, port) has a baseline (enough training windows): judged by
 *    the port baseline (src/model/port-baseline.ts) and, for a trained model
 *    with a dense network, by the network's per-port threshold. An alarm
 *    needs a feature past the evidence floor and a score past a threshold.
 * 2. The port was never seen: checked for novelty (src/model/novelty.ts).
 * 3. Otherwise (a port with too little history, or a new port below the
 *    novelty floor) judged against its port class's baseline when the class
 *    has one ('judged-class', port baseline only, no network score); else
 *    not judged and counted ('few-windows', 'new-port').
 * 4. The score (`ratio`) of a window on a port never seen in training is
 *    NEW_PORT_RATIO (1: at the edge of what the baseline knows) plus its
 *    ratio against the class, so that scores rank new ports above ordinary
 *    traffic, and unusual new ports above ordinary new ones (`--scores`, the
 *    evaluation's ROC); whether it alarms is still decided by the novelty
 *    floor or the class baseline's evidence.
 */
import type { FeatureWindow } from '../window/feature-schema.js';
import { formatPortKey } from '../window/feature-schema.js';
import { checkNovelty, type NoveltyEvidence, type NoveltySettings } from './novelty.js';
import { ALL_PORTS_CLASS, classOfPort, judgeWindow, type PortBaseline, type PortBaselineSet, type PortJudgement } from './port-baseline.js';

/** judged: against the port's own baseline; judged-class: against its port class's (the port has too little history of its own). */
/** Smallest score of a window on a port never seen in training. */
export const NEW_PORT_RATIO = 1;

export type JudgedStatus = 'judged' | 'judged-class' | 'few-windows' | 'new-port' | 'novel-port';

export interface NetworkScore {
  kind: 'dense' | 'lstm';
  score: number;
  threshold: number;
  ratio: number;
}

export interface JudgedWindow {
  window: FeatureWindow;
  status: JudgedStatus;
  /** Score relative to the threshold (> 1 past it); 0 when not judged. */
  ratio: number;
  port: PortJudgement | null;
  baseline: PortBaseline | null;
  network: NetworkScore | null;
  novelty: NoveltyEvidence | null;
  alarm: boolean;
}

/**
 * Scores of a network for windows, or null per window (no network, or a port
 * it has no threshold for). A scorer with memory (the LSTM's per-port
 * history) hands it out and takes it back for checkpoints.
 */
export type NetworkScorer = ((windows: readonly FeatureWindow[]) => (NetworkScore | null)[]) & {
  snapshot?: () => unknown;
  restore?: (state: unknown) => void;
};

export interface WindowJudge {
  judge(windows: readonly FeatureWindow[]): JudgedWindow[];
  /** The network scorer's memory (null when it has none), for a checkpoint. */
  snapshot(): unknown;
  restore(state: unknown): void;
}

export function createWindowJudge(baselines: PortBaselineSet, novelty: NoveltySettings, network: NetworkScorer | null = null): WindowJudge {
  const byKey = new Map(baselines.ports.map((b) => [b.key, b]));
  // Models written before port classes existed (same format version) have none: ports without history stay unjudged.
  const byClass = new Map((baselines.classes ?? []).map((b) => [b.key, b]));
  const factor = baselines.settings.evidenceFactor;
  return {
    snapshot: () => network?.snapshot?.() ?? null,
    restore(state) {
      if (state !== null) network?.restore?.(state);
    },
    judge(windows) {
      const net = network ? network(windows) : null;
      return windows.map((w, i) => {
        const key = formatPortKey(w.proto, w.port);
        const b = byKey.get(key);
        if (b) {
          const port = judgeWindow(w, b, factor);
          const ns = net?.[i] ?? null;
          const ratio = Math.max(port.ratio, ns?.ratio ?? 0);
          // Evidence is required either way: a network score alone names no feature an analyst can check.
          const alarm = port.evidence.length > 0 && (port.alarm || (ns !== null && ns.ratio > 1));
          return { window: w, status: 'judged', ratio, port, baseline: b, network: ns, novelty: null, alarm };
        }
        const seen = baselines.windowsPerPort[key] !== undefined;
        const floor = seen ? 0 : NEW_PORT_RATIO;
        if (!seen) {
          const nov = checkNovelty(w, novelty);
          if (nov) return { ...notJudged(w, 'novel-port'), ratio: floor + nov.established / novelty.minSessions, novelty: nov, alarm: true };
        }
        const c = byClass.get(classOfPort(w.proto, w.port)) ?? byClass.get(ALL_PORTS_CLASS);
        if (c) {
          const port = judgeWindow(w, c, factor);
          return { window: w, status: 'judged-class', ratio: floor + port.ratio, port, baseline: c, network: null, novelty: null, alarm: port.alarm };
        }
        return { ...notJudged(w, seen ? 'few-windows' : 'new-port'), ratio: floor };
      });
    },
  };
}

function notJudged(w: FeatureWindow, status: JudgedStatus): JudgedWindow {
  return { window: w, status, ratio: 0, port: null, baseline: null, network: null, novelty: null, alarm: false };
}
