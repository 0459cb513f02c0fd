/**
 * One worker of parallel capture ingest (parallel-capture-ingest.ts): reads
 * the whole capture file, decodes every packet, tracks the connections of its
 * share of the key space, and posts one batch per input chunk, as columns
 * (batch-columns.ts), to the calling thread. It runs at most MAX_BATCHES_AHEAD batches ahead of what the main
 * thread has taken (a counter in shared memory), so a slow consumer bounds
 * its memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FlowhoundError } from '../errors.js';
import { openByteSource } from '../io/byte-source.js';
import { encodeBatchColumns } from './batch-columns.js';
import { trackCapture } from './capture-tracking.js';
import type { CaptureWorkerData, CaptureWorkerMessage } from './parallel-capture-ingest.js';

const MAX_BATCHES_AHEAD = 8;

const data = workerData as CaptureWorkerData;
const port = parentPort!;
const taken = new Int32Array(data.taken);

function post(m: CaptureWorkerMessage): void {
  if (m.type === 'batch') port.postMessage(m, [m.batch.numbers.buffer as ArrayBuffer, m.batch.strings.buffer as ArrayBuffer]);
  else port.postMessage(m);
}

async function run(): Promise<void> {
  const source = await openByteSource(data.path);
  let sent = 0;
  let final = false;
  const batches = trackCapture(
    source,
    // The calling thread reads the same bytes and reports what the reader finds.
    () => {},
    { ...data.flowTracker, partition: { index: data.index, count: data.count } },
    true,
    (stats) => {
      post({ type: 'stats', stats });
      final = true;
    },
  );
  for await (const batch of batches) {
    post({ type: 'batch', batch: encodeBatchColumns(batch), final });
    sent++;
    for (let t = Atomics.load(taken, 0); sent - t > MAX_BATCHES_AHEAD; t = Atomics.load(taken, 0)) Atomics.wait(taken, 0, t);
  }
  post({ type: 'end' });
}

run().catch((e: unknown) => {
  if (e instanceof FlowhoundError) post({ type: 'error', code: e.code, message: e.message, context: e.context });
  else post({ type: 'error', code: null, message: e instanceof Error ? (e.stack ?? e.message) : String(e), context: {} });
});
