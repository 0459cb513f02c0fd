/**
 * Parallel capture ingest in `count` threads: the calling thread and
 * `count - 1` workers (capture-worker.ts) each read and decode the whole
 * capture file and track the connections of their share of the key space
 * (FlowTrackerOptions.partition), so each connection is tracked whole by one
 * thread, with the same timers as in one tracker. Decoding is repeated in
 * every thread, but it is the cheap part: the flow tracker (hash lookups, TCP
 * state, records) is most of the work, and that is what is divided.
 *
 * Every thread makes one batch per input chunk; the calling thread adds
 * batch k of every worker to its own batch k, so batches keep the time order
 * of the input as in the single-threaded reader. The merged records are the same as one
 * tracker's (flows, DNS records and echoes once each) except that a second's
 * PacketTick for a (host, port, proto) may come in one part per worker, which
 * consumers already add up (see packet-ticks.ts).
 *
 * Used for regular, uncompressed files only (every worker opens the file);
 * stdin and gzip input are read in the calling thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FlowhoundError, type FlowhoundErrorCode, type FlowhoundErrorContext } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';
import type { RecordBatch } from '../types.js';
import { type BatchColumns, decodeBatchColumns } from './batch-columns.js';
import { type CaptureIngestOptions, type CaptureIngestStats, reportTrackerWarnings, trackCapture } from './capture-tracking.js';
import { DEFAULT_MAX_FLOWS, type FlowTrackerOptions, type FlowTrackerStats } from './flow-tracker/flow-tracker.js';
import { reportUndecodedCapture } from './packet-counts.js';
import type { ReadOptions } from './read-options.js';

/** What a worker is started with. */
export interface CaptureWorkerData {
  path: string;
  index: number;
  count: number;
  flowTracker: Omit<FlowTrackerOptions, 'partition'>;
  /** One Int32: batches the main thread has taken from this worker. */
  taken: SharedArrayBuffer;
}

/** What a worker posts. */
export type CaptureWorkerMessage =
  /** `final`: the end-of-input batch (the worker's counters were posted before it). */
  | { type: 'batch'; batch: BatchColumns; final: boolean }
  | { type: 'stats'; stats: CaptureIngestStats }
  | { type: 'end' }
  | { type: 'error'; code: FlowhoundErrorCode | null; message: string; context: FlowhoundErrorContext };

/** 'auto' reads capture files of at least this size with workers. */
export const AUTO_PARALLEL_MIN_BYTES = 64 * 1024 * 1024;
/** 'auto' starts at most this many workers (each decodes the whole file, so more cost more than they divide). */
export const AUTO_MAX_THREADS = 4;

/**
 * How many workers read `source`: 1 (the calling thread) unless it is a
 * regular uncompressed file that every worker can open, and `threads` asks
 * for more (a number), or is 'auto' and the file is large.
 */
export function parallelCaptureThreads(source: ByteSource, threads: number | 'auto' | undefined): number {
  if (threads === undefined || source.name === 'stdin' || source.gzip || source.sizeBytes === null) return 1;
  if (threads !== 'auto') return Math.max(1, Math.floor(threads));
  return source.sizeBytes >= AUTO_PARALLEL_MIN_BYTES ? Math.min(AUTO_MAX_THREADS, availableParallelism()) : 1;
}

/**
 * The compiled worker script: next to this module when it is compiled; when
 * this module runs from the TypeScript sources (the tests), the build's copy.
 */
function workerScript(): URL {
  const here = new URL('./capture-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/ingest/capture-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new FlowhoundError('NOT_BUILT', `--threads: the capture worker script is not built (${fileURLToPath(built)}); run \`npm run build\`, or read with --threads 1`, { script: fileURLToPath(built) });
}

interface WorkerState {
  worker: Worker;
  taken: Int32Array;
  batches: BatchColumns[];
  /** The end-of-input batch, once posted (held back until every worker has posted its own). */
  final: BatchColumns | null;
  stats: CaptureIngestStats | null;
  ended: boolean;
}

export async function* readCaptureRecordsParallel(source: ByteSource, options: ReadOptions & CaptureIngestOptions, count: number): AsyncGenerator<RecordBatch> {
  const path = source.name;
  const script = workerScript();
  const { partition: _ignored, ...trackerOptions } = options.flowTracker ?? {};
  // The live-connection cap is shared: each tracker keeps its share of it.
  trackerOptions.maxFlows = Math.max(1, Math.ceil((trackerOptions.maxFlows ?? DEFAULT_MAX_FLOWS) / count));
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const waitFor = async (ready: () => boolean): Promise<void> => {
    while (failure === null && !ready()) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (failure !== null) throw failure;
  };
  // Share 0 is tracked here, in the calling thread, from the source already open; shares 1..count-1 by workers.
  const states: WorkerState[] = [];
  for (let index = 1; index < count; index++) {
    const taken = new SharedArrayBuffer(4);
    const data: CaptureWorkerData = { path, index, count, flowTracker: trackerOptions, taken };
    const worker = new Worker(script, { workerData: data });
    const st: WorkerState = { worker, taken: new Int32Array(taken), batches: [], final: null, stats: null, ended: false };
    worker.on('message', (m: CaptureWorkerMessage) => {
      if (m.type === 'batch') {
        if (m.final) st.final = m.batch;
        else st.batches.push(m.batch);
      } else if (m.type === 'stats') st.stats = m.stats;
      else if (m.type === 'end') st.ended = true;
      else if (m.type === 'error') {
        failure ??= m.code === null ? new Error(`capture worker ${index}: ${m.message}`) : new FlowhoundError(m.code, m.message, m.context);
      }
      notify();
    });
    worker.on('error', (e) => {
      failure ??= e;
      notify();
    });
    worker.on('exit', (code) => {
      if (!st.ended) failure ??= new Error(`capture worker ${index} exited with code ${code} before the end of ${path}`);
      notify();
    });
    states.push(st);
  }
  const take = (s: WorkerState, b: BatchColumns, into: RecordBatch): void => {
    Atomics.add(s.taken, 0, 1);
    Atomics.notify(s.taken, 0);
    decodeBatchColumns(b, into);
  };
  let ownStats: CaptureIngestStats | null = null;
  try {
    const own = trackCapture(source, options.onWarning, { ...trackerOptions, partition: { index: 0, count } }, true, (s) => {
      ownStats = s;
    });
    for await (const batch of own) {
      if (ownStats === null) {
        // Batch k here and batch k of every worker (one whose input ended early has only its final batch left).
        await waitFor(() => states.every((s) => s.batches.length > 0 || s.final !== null));
        for (const s of states) {
          const b = s.batches.shift();
          if (b !== undefined) take(s, b, batch);
        }
        if (batch.flows.length > 0 || batch.dns.length > 0 || batch.ticks.length > 0 || batch.echoes.length > 0 || (batch.arps?.length ?? 0) > 0) yield batch;
        continue;
      }
      // The end of input: every worker's remaining batches and its final one.
      await waitFor(() => states.every((s) => s.final !== null && s.stats !== null));
      for (const s of states) {
        for (const b of s.batches.splice(0)) take(s, b, batch);
        take(s, s.final!, batch);
      }
      // The end-of-input reports come before the last batch, as from the single-threaded reader.
      const stats = [ownStats as CaptureIngestStats, ...states.map((s) => s.stats!)];
      const tracker = sumTrackerStats(stats.map((s) => s.tracker));
      reportTrackerWarnings(path, tracker, options.flowTracker?.maxFlows, options.onWarning);
      reportUndecodedCapture(path, { tracker, capture: stats[0]!.capture }, options.onWarning);
      options.onCaptureStats?.({ tracker, capture: stats[0]!.capture });
      yield batch;
    }
  } finally {
    for (const s of states) void s.worker.terminate();
  }
}

/** One tracker's counters from the workers': each packet was counted by every worker, the rest by one. */
function sumTrackerStats(all: FlowTrackerStats[]): FlowTrackerStats {
  const sum = { ...all[0]! };
  for (const s of all.slice(1)) {
    sum.nonIp += s.nonIp;
    sum.badTransport += s.badTransport;
    sum.fragmentsSkipped += s.fragmentsSkipped;
    sum.badChecksums += s.badChecksums;
    sum.flowsCreated += s.flowsCreated;
    sum.flowsFinished += s.flowsFinished;
    sum.evictedFlows += s.evictedFlows;
    sum.liveFlows += s.liveFlows;
    sum.maxLiveFlows += s.maxLiveFlows;
  }
  return sum;
}
