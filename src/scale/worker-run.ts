/**
 * A scale-out worker (`flowhound watch --nats URL --worker I/N`): worker I
 * of N owns the partitions p with p % N == I of every family
 * (partition.ts), and runs one lane per owned (family, partition)
 * (worker-lane.ts) with that family's detectors (route-records.ts
 * FAMILY_DETECTORS) from the one assembly of src/pipeline/, the same
 * settings, rules and model as analyze and watch. Findings go to the
 * findings stream, de-duplicated by their stable id.
 *
 *   const result = await runScaleWorker({ log, findings, worker: { index: 0, workers: 3 }, settings, rules, model, ... });
 *
 * Ends on `signal` (each lane saves a checkpoint), or when every lane has
 * ended idle (`exitIdleSec`), and returns the lanes'
 * counts. Checkpoints are per partition, not per worker: a partition
 * moves to whichever worker owns it when N changes, with its state.
 */
import { setMaxListeners } from 'node:events';
import type { Settings } from '../config/settings.js';
import type { PolicyRule } from '../detect/policy-rules.js';
import type { BackendName } from '../model/backend.js';
import { assembleDetectors, createModelSlot, createRunScorer } from '../pipeline/assemble-detectors.js';
import { createDetectorDriver } from '../pipeline/detector-driver.js';
import { chooseModel, type ModelRequest } from '../pipeline/model-choice.js';
import { ownedPartitions } from './partition.js';
import type { RecordLog } from './record-log.js';
import { FAMILY_DETECTORS, PARTITION_FAMILIES } from './route-records.js';
import { type FlushableSink, type LaneEvent, type LaneStats, runWorkerLane } from './worker-lane.js';

export interface ScaleWorkerOptions {
  log: RecordLog;
  findings: FlushableSink;
  worker: { index: number; workers: number };
  settings: Settings;
  rules: readonly PolicyRule[];
  model: ModelRequest;
  backend?: BackendName;
  latenessSec: number;
  idleFlushSec: number;
  exitIdleSec: number | null;
  checkpointIntervalSec: number;
  signal: AbortSignal;
  onEvent?: (e: LaneEvent | { kind: 'started'; lane: string; message: string }) => void;
}

export interface ScaleWorkerResult {
  lanes: string[];
  stats: LaneStats;
  modelNote: string;
}

export async function runScaleWorker(o: ScaleWorkerOptions): Promise<ScaleWorkerResult> {
  // One abort listener per lane while it waits.
  setMaxListeners(0, o.signal);
  const chosen = await chooseModel(o.model, o.backend ? { backend: o.backend } : {});
  const slot = createModelSlot(chosen.model);
  const stats: LaneStats = { records: 0, repeated: 0, badMessages: 0, findings: 0, checkpoints: 0, rollbacks: 0, rereads: 0, idleFlushes: 0 };
  const owned = ownedPartitions(o.worker.index, o.worker.workers, o.log.partitions);
  const lanes: Promise<void>[] = [];
  const names: string[] = [];
  const lanesInThread = PARTITION_FAMILIES.length * owned.length;
  try {
    for (const family of PARTITION_FAMILIES) {
      const wanted = new Set(FAMILY_DETECTORS[family]);
      for (const partition of owned) {
        names.push(`${family}.${partition}`);
        lanes.push(
          runWorkerLane(
            {
              family,
              partition,
              log: o.log,
              createDriver: (emitted, onFindings) => {
                const { detectors } = assembleDetectors({ settings: o.settings, rules: o.rules, slot, modelSettings: { allowedLatenessSec: o.latenessSec } });
                return createDetectorDriver({ detectors: detectors.filter((d) => wanted.has(d.name)), scorer: createRunScorer(o.settings), latenessSec: o.latenessSec, emitted, onFindings });
              },
              findings: o.findings,
              checkpointIntervalSec: o.checkpointIntervalSec,
              lanesInThread,
              idleFlushSec: o.idleFlushSec,
              exitIdleSec: o.exitIdleSec,
              signal: o.signal,
              onEvent: (e) => o.onEvent?.(e),
            },
            stats,
          ),
        );
      }
    }
    o.onEvent?.({ kind: 'started', lane: '*', message: `worker ${o.worker.index}/${o.worker.workers}: ${o.log.partitions} partitions per family, lanes ${names.join(' ')}; model ${chosen.note}` });
    await Promise.all(lanes);
  } finally {
    slot.model?.dispose();
  }
  return { lanes: names, stats, modelNote: chosen.note };
}
