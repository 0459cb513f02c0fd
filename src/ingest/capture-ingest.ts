/**
 * Capture ingest: pcap/pcapng bytes → decoded packets (pcap/read-capture.ts)
 * → the flow tracker → one RecordBatch per input chunk (FlowRecords of the
 * connections that ended, DnsRecords, PacketTicks, IcmpEchoes), and at the
 * end of input a last batch with every connection still open.
 *
 *
 * Connections finished early because the live-connection cap was reached,
 * and packets the tracker could not use (cut transport headers), are
 * reported through `onWarning` once at the end; the reader reports IP
 * fragments it could not reassemble.
 */
import type { ByteSource } from '../io/byte-source.js';
import type { RecordBatch } from '../types.js';
import { type CaptureIngestOptions, reportTrackerWarnings, trackCapture } from './capture-tracking.js';
import { reportUndecodedCapture } from './packet-counts.js';
import type { ReadOptions } from './read-options.js';

export type { CaptureIngestOptions, CaptureIngestStats } from './capture-tracking.js';

export async function* readCaptureRecords(source: ByteSource, options: ReadOptions & CaptureIngestOptions): AsyncGenerator<RecordBatch> {
  // A garbage record ends this capture with a warning (unless --strict), and
  // the connections open before it are still flushed and reported.
  yield* trackCapture(
    source,
    options.onWarning,
    options.flowTracker,
    (s) => {
      reportTrackerWarnings(source.name, s.tracker, options.flowTracker?.maxFlows, options.onWarning);
      reportUndecodedCapture(source.name, s, options.onWarning);
      options.onCaptureStats?.(s);
    },
    options.strict === true ? 'throw' : 'warn',
  );
}
