/**
 * Judging feature windows against per-port baselines: the one decision the
 * trained model and the self-baseline share.
 *
 * For each window, in order:
 * 1. Its (proto, port) has a baseline (enough training windows): judged by
 *    the port baseline (src/model/port-baseline.ts) and, for a trained model
 *    with a dense network, by the network's per-port threshold. An alarm
 *    needs a feature past the evidence floor and a score past a threshold.
 * 2. The port was seen in training but with fewer than `minPortWindows`
 *    windows: not judged ('few-windows'), counted.
 * 3. The port was never seen: checked for novelty (src/model/novelty.ts);
 *    below the novelty floor it is counted as 'new-port'.
 */
import type { FeatureWindow } from '../window/feature-schema.js';
import { formatPortKey } from '../window/feature-schema.js';
import { checkNovelty, type NoveltyEvidence, type NoveltySettings } from './novelty.js';
import { judgeWindow, type PortBaseline, type PortBaselineSet, type PortJudgement } from './port-baseline.js';

export type JudgedStatus = 'judged' | 'few-windows' | 'new-port' | 'novel-port';

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

/** Scores of a network for windows, or null per window (no network, or a port it has no threshold for). */
export type NetworkScorer = (windows: readonly FeatureWindow[]) => (NetworkScore | null)[];

export interface WindowJudge {
  judge(windows: readonly FeatureWindow[]): JudgedWindow[];
}

export function createWindowJudge(baselines: PortBaselineSet, novelty: NoveltySettings, network: NetworkScorer | null = null): WindowJudge {
  const byKey = new Map(baselines.ports.map((b) => [b.key, b]));
  const factor = baselines.settings.evidenceFactor;
  return {
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
        if (baselines.windowsPerPort[key] !== undefined) return notJudged(w, 'few-windows');
        const nov = checkNovelty(w, novelty);
        if (nov) return { ...notJudged(w, 'novel-port'), novelty: nov, alarm: true };
        return notJudged(w, 'new-port');
      });
    },
  };
}

function notJudged(w: FeatureWindow, status: JudgedStatus): JudgedWindow {
  return { window: w, status, ratio: 0, port: null, baseline: null, network: null, novelty: null, alarm: false };
}
