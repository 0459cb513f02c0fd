/**
 * One lane of a scale-out worker: one family's partition (e.g. `dst.5`),
 * read in order, through its own detector driver (the family's detectors
 * of the one assembly, src/pipeline/), with its checkpoint in the engine's
 * checkpoint store.
 *
 * 1. Start: load the checkpoint (lane-checkpoint.ts), build a driver,
 *    restore its snapshot and the emitted findings, open the partition
 *    after the checkpoint's sequence.
 * 2. Each read is one batch (partition-batch.ts: records a re-ship repeats
 *    are dropped) pushed through the driver; its findings that this
 *    partition owns (route-records.ts `ownsFinding`) go to the findings
 *    sink.
 * 3. Every `checkpointIntervalSec` (or 20 times what the last checkpoint
 *    cost times the lanes sharing the thread, when that is longer: a big
 *    state is saved less often, so saving takes at most about a twentieth
 *    of the thread's time; never more than 2 minutes apart, inside the
 *    consumers' ack wait): wait until the findings sink has
 *    stored every finding so far, save the checkpoint (sequence, driver
 *    snapshot, emitted findings, covered ordinals), then ack up to that
 *    sequence. The engine is never told more than the checkpoint covers.
 * 4. Idle: once a read found the partition caught up and no record came for
 *    `idleFlushSec`, the detectors are flushed as at the end of input
 *    (analyze's end), then a checkpoint is saved. An outage of the engine
 *    is not idleness: a failed read never counts.
 * 5. A failed read (missed heartbeats, a gap in delivery, the server
 *    restarting): the detectors hold exactly the records up to the last
 *    one processed, so the partition is opened again right after it (retried
 *    for about 15 s). Any other failure (a failed publish or checkpoint, the
 *    server away longer): log it, drop the driver and go back to 1, from
 *    the last checkpoint. Findings re-made by the replay carry the same
 *    ids, and the findings stream drops them (Nats-Msg-Id).
 * 6. With `exitIdleSec`: once flushed, caught up and idle that long, the
 *    lane ends (tests, one-shot runs).
 * 7. On `signal`: save a checkpoint (no flush: open incidents stay in the
 *    snapshot for whoever resumes the partition) and end.
 */
import type { DetectorDriver } from '../pipeline/detector-driver.js';
import type { PipelineSink } from '../pipeline/sinks.js';
import type { Finding } from '../types.js';
import { createEmittedFindings, type EmittedFindings } from '../watch/emitted-findings.js';
import { decodeLaneCheckpoint, encodeLaneCheckpoint, type FileOrdinals, LANE_CHECKPOINT_VERSION, laneKey } from './lane-checkpoint.js';
import { batchOfMessages, type PartitionBatchStats } from './partition-batch.js';
import type { PartitionRead, PartitionReader, RecordLog } from './record-log.js';
import { ownsFinding, type PartitionFamily } from './route-records.js';

/** A sink the lanes share, whose `flush` resolves once every finding written so far is stored. */
export interface FlushableSink extends PipelineSink {
  flush(): Promise<void>;
}

export interface LaneEvent {
  kind: 'warning' | 'resumed' | 'idle-flush' | 'rollback';
  lane: string;
  message: string;
}

export interface LaneOptions {
  family: PartitionFamily;
  partition: number;
  log: RecordLog;
  /** A fresh driver of this family's detectors, emitting to `onFindings`. */
  createDriver: (emitted: EmittedFindings, onFindings: (f: Finding[]) => void) => DetectorDriver;
  findings: FlushableSink;
  checkpointIntervalSec: number;
  /** Lanes sharing this thread: checkpoint pacing keeps their saving together under a twentieth of the time. */
  lanesInThread: number;
  idleFlushSec: number;
  /** End the lane once its partition is caught up, flushed and idle for this long (tests, one-shot runs); null never. */
  exitIdleSec: number | null;
  signal: AbortSignal;
  onEvent: (e: LaneEvent) => void;
}

export interface LaneStats extends PartitionBatchStats {
  findings: number;
  checkpoints: number;
  rollbacks: number;
  /** Reads that failed and went on from the last record processed (no rollback). */
  rereads: number;
  idleFlushes: number;
}

/** Checkpoint pacing stops here: well inside the consumers' 5-minute ack wait. */
const MAX_CHECKPOINT_PACE_MS = 120_000;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function runWorkerLane(o: LaneOptions, stats: LaneStats): Promise<void> {
  const key = laneKey(o.family, o.partition);
  const partitions = o.log.partitions;
  let backoffMs = 250;
  while (!o.signal.aborted) {
    let reader: PartitionReader | null = null;
    try {
      const cp = decodeLaneCheckpoint(key, await o.log.checkpoints.load(key));
      const emitted = createEmittedFindings(cp?.emitted ?? []);
      const files = new Map<string, FileOrdinals>(Object.entries(cp?.files ?? {}));
      const driver = o.createDriver(emitted, (found) => {
        const mine = found.filter((f) => ownsFinding(o.family, o.partition, partitions, f));
        stats.findings += mine.length;
        if (mine.length) o.findings.write(mine);
      });
      let seq = cp !== null && cp.driver !== null ? cp.seq : 0;
      if (seq > 0) for (const note of driver.restore(cp?.driver, `checkpoint ${key}`)) o.onEvent({ kind: 'warning', lane: key, message: note });
      reader = await o.log.openPartition(o.family, o.partition, seq);
      if (cp !== null) o.onEvent({ kind: 'resumed', lane: key, message: `resumed after sequence ${seq}` });
      let open: PartitionReader = reader;
      let savedSeq = seq;
      let lastSave = Date.now();
      let lastRecord = Date.now();
      /** Records pushed since the detectors were last flushed (restored from the checkpoint). */
      let dirty = seq > 0 && cp?.unflushed === true;
      /** Opens the partition after `from`, retrying for about 15 s (a server restart); then the caller rolls back. */
      const reopen = async (from: number): Promise<PartitionReader> => {
        for (let attempt = 0, wait = 250; ; attempt++, wait = Math.min(wait * 2, 2000)) {
          await sleep(wait, o.signal);
          try {
            return await o.log.openPartition(o.family, o.partition, from);
          } catch (e) {
            if (attempt >= 10 || o.signal.aborted) throw e;
          }
        }
      };
      /** What the last checkpoint cost (ms of this thread): the next one waits at least 20 times that, times the lanes sharing the thread. */
      let lastCostMs = 0;
      const checkpoint = async (): Promise<void> => {
        await o.findings.flush();
        // Let socket reads (other lanes' data and heartbeats) run before the encoding holds the thread.
        await new Promise((resolve) => setImmediate(resolve));
        const t0 = performance.now();
        const value = encodeLaneCheckpoint({ version: LANE_CHECKPOINT_VERSION, seq, driver: driver.snapshot(), unflushed: dirty, emitted: emitted.entries(), files: Object.fromEntries(files) });
        lastCostMs = performance.now() - t0;
        await o.log.checkpoints.save(key, value);
        if (seq > 0) open.ack(seq);
        savedSeq = seq;
        lastSave = Date.now();
        stats.checkpoints++;
      };
      while (!o.signal.aborted) {
        let r: PartitionRead;
        try {
          r = await open.read();
        } catch (e) {
          if (o.signal.aborted) break;
          // The detectors hold exactly what came up to `seq`: read on from there on a fresh consumer.
          stats.rereads++;
          o.onEvent({ kind: 'warning', lane: key, message: `${(e as Error).message}; reading again after sequence ${seq}` });
          await open.close().catch(() => undefined);
          open = await reopen(seq);
          reader = open;
          continue;
        }
        const now = Date.now();
        if (r.messages.length > 0) {
          const taken = stats.records;
          const batch = batchOfMessages(r.messages, files, stats, (s, problem) => o.onEvent({ kind: 'warning', lane: key, message: `message ${s}: skipped: ${problem}` }));
          // Messages whose records were all repeats (a re-ship) move the sequence, not the detectors.
          if (stats.records > taken) {
            await driver.push(batch);
            dirty = true;
            lastRecord = now;
          }
          // Let the other lanes' reads take their data (and heartbeats) before the next push.
          await new Promise((resolve) => setImmediate(resolve));
          seq = (r.messages[r.messages.length - 1] as { seq: number }).seq;
        } else if (dirty && r.caughtUp && now - lastRecord >= o.idleFlushSec * 1000) {
          await driver.end();
          dirty = false;
          stats.idleFlushes++;
          o.onEvent({ kind: 'idle-flush', lane: key, message: `idle for ${o.idleFlushSec} s: open incidents reported` });
          await checkpoint();
          continue;
        } else if (o.exitIdleSec !== null && !dirty && r.caughtUp && r.messages.length === 0 && now - lastRecord >= o.exitIdleSec * 1000) {
          if (seq !== savedSeq) await checkpoint();
          return;
        }
        if (seq !== savedSeq && now - lastSave >= Math.max(o.checkpointIntervalSec * 1000, Math.min(20 * lastCostMs * o.lanesInThread, MAX_CHECKPOINT_PACE_MS))) await checkpoint();
      }
      await checkpoint();
      backoffMs = 250;
    } catch (e) {
      if (o.signal.aborted) break;
      stats.rollbacks++;
      o.onEvent({ kind: 'rollback', lane: key, message: `${(e as Error).message}; resuming from the last checkpoint` });
      await sleep(backoffMs, o.signal);
      backoffMs = Math.min(backoffMs * 2, 4000);
    } finally {
      await reader?.close().catch(() => undefined);
    }
  }
}
