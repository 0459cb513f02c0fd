/**
 * `analyze --scores FILE.arrow`: every window the baseline looked at, with
 * its score and threshold, as an Arrow IPC file (readable by pyarrow, polars,
 * DuckDB), so a user can audit and tune the model.
 *
 * Columns: `window_start_sec`, `window_sec`, `proto`, `port`, `status`
 * (judged | few-windows: the port had too little history | new-port: never
 * seen, below the novelty floor | novel-port: never seen, carrying sessions),
 * `alarm` (bool), `ratio` (the window's score / threshold, the larger of the
 * port baseline's and the network's; 0 when not judged), `worst_feature`,
 * `worst_z`, `worst_threshold` (the port-baseline feature with the largest
 * z / threshold), `network_kind`, `network_score`, `network_threshold` (the
 * dense or LSTM score against the port's threshold; null when none),
 * `evidence` (the features past the evidence floor, comma-separated), then
 * the raw value of every feature (schema order).
 *
 * Written on close through a sibling temporary file renamed into place.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { JudgedWindow } from '../model/judge-windows.js';
import { FEATURE_COUNT, FEATURES } from '../window/feature-schema.js';

export interface ScoresSink {
  write(judged: readonly JudgedWindow[]): void;
  /** Writes the file; returns the number of rows. */
  close(): number;
}

export function createScoresArrowSink(path: string): ScoresSink {
  const start: number[] = [];
  const windowSec: number[] = [];
  const proto: string[] = [];
  const port: number[] = [];
  const status: string[] = [];
  const alarm: boolean[] = [];
  const ratio: number[] = [];
  const worstFeature: (string | null)[] = [];
  const worstZ: (number | null)[] = [];
  const worstThreshold: (number | null)[] = [];
  const networkKind: (string | null)[] = [];
  const networkScore: (number | null)[] = [];
  const networkThreshold: (number | null)[] = [];
  const evidence: string[] = [];
  const features: number[][] = Array.from({ length: FEATURE_COUNT }, () => []);
  return {
    write(judged) {
      for (const j of judged) {
        const w = j.window;
        start.push(w.startSec);
        windowSec.push(w.windowSec);
        proto.push(w.proto);
        port.push(w.port);
        status.push(j.status);
        alarm.push(j.alarm);
        ratio.push(j.ratio);
        worstFeature.push(j.port?.worst.feature ?? null);
        worstZ.push(j.port?.worst.z ?? null);
        worstThreshold.push(j.port?.worst.threshold ?? null);
        networkKind.push(j.network?.kind ?? null);
        networkScore.push(j.network?.score ?? null);
        networkThreshold.push(j.network?.threshold ?? null);
        evidence.push(j.port ? j.port.evidence.map((e) => e.feature).join(',') : '');
        for (let k = 0; k < FEATURE_COUNT; k++) features[k]!.push(w.values[k]!);
      }
    },
    close() {
      const cols: Record<string, unknown> = {
        window_start_sec: Float64Array.from(start),
        window_sec: Int32Array.from(windowSec),
        proto,
        port: Int32Array.from(port),
        status,
        alarm,
        ratio: Float64Array.from(ratio),
        worst_feature: worstFeature,
        worst_z: worstZ,
        worst_threshold: worstThreshold,
        network_kind: networkKind,
        network_score: networkScore,
        network_threshold: networkThreshold,
        evidence,
      };
      FEATURES.forEach((f, k) => {
        cols[f.name] = Float64Array.from(features[k]!);
      });
      const table = tableFromArrays(cols as Parameters<typeof tableFromArrays>[0]);
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, tableToIPC(table, 'file'));
      renameSync(tmp, path);
      return start.length;
    },
  };
}
