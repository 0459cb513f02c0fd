/**
 * One capture through one flow tracker (the loop of capture-ingest.ts), and
 * the end-of-input warnings it reports.
 */
import type { ByteSource } from '../io/byte-source.js';
import type { IngestWarning, RecordBatch } from '../types.js';
import { createFlowTracker, type FlowTrackerOptions, type FlowTrackerStats, type TrackerOutput } from './flow-tracker/flow-tracker.js';
import { type CaptureStats, readCapturePackets } from './pcap/read-capture.js';

/** Connections per batch when the open ones are finished at the end of a capture. */
const FINISH_BATCH_FLOWS = 32768;

/** The tracker's and the decoder's counters at the end of a capture. */
export interface CaptureIngestStats {
  tracker: FlowTrackerStats;
  capture: CaptureStats | null;
}

export interface CaptureIngestOptions {
  /** Flow tracker settings (timeouts, live-connection cap, ...). */
  flowTracker?: FlowTrackerOptions;
  /** Receives the tracker's and the decoder's counters at the end of the input. */
  onCaptureStats?: (stats: CaptureIngestStats) => void;
}

/**
 * Reads the capture through a flow tracker, one batch per input chunk that
 * has records and a last one at the end. Calls `onEnd` with the counters
 * before the last batch is yielded.
 */
export async function* trackCapture(
  source: ByteSource,
  onWarning: (w: IngestWarning) => void,
  trackerOptions: FlowTrackerOptions | undefined,
  onEnd: (stats: CaptureIngestStats) => void,
  onBadRecord: 'throw' | 'warn' = 'throw',
): AsyncGenerator<RecordBatch> {
  const tracker = createFlowTracker(trackerOptions);
  let captureStats: CaptureStats | null = null;
  const packets = readCapturePackets(source, tracker.addPacket, {
    onWarning,
    verifyFragmentChecksums: trackerOptions?.verifyChecksums === true,
    onBadRecord,
    onStats: (s) => {
      captureStats = s;
    },
  });
  // Connections encoded as conn.log lines (FlowTrackerOptions.connLog) are not in the batch: a batch is
  // yielded for them too, so that the consumer takes them chunk by chunk.
  const connLog = trackerOptions?.connLog;
  for await (const _delivered of packets) {
    const o = tracker.take();
    if (!isEmpty(o) || (connLog !== undefined && connLog.count > 0)) yield o;
  }
  // The connections still open, a batch at a time, then the last batch with the ticks.
  for (let o = tracker.finishSome(FINISH_BATCH_FLOWS); o !== null; o = tracker.finishSome(FINISH_BATCH_FLOWS)) yield o;
  const last = tracker.finish();
  onEnd({ tracker: { ...tracker.stats }, capture: captureStats });
  yield last;
}

/** The end-of-input warnings about connections cut by the cap and packets no connection could use. */
export function reportTrackerWarnings(file: string, st: FlowTrackerStats, cap: number | undefined, onWarning: (w: IngestWarning) => void): void {
  if (st.evictedFlows > 0) {
    onWarning({
      code: 'FLOW_CAP_REACHED',
      file,
      message: `${file}: ${st.evictedFlows} connections were finished early because more than ${cap ?? 'the default'} connections were open at once (raise the live-connection cap to keep them whole)`,
    });
  }
  if (st.badTransport > 0) {
    onWarning({
      code: 'CAPTURE_BAD_TRANSPORT',
      file,
      message: `${file}: ${st.badTransport} packets had a cut or malformed TCP/UDP/ICMP header and were skipped`,
    });
  }
}

function isEmpty(o: TrackerOutput): boolean {
  return o.flows.length === 0 && o.dns.length === 0 && o.ticks.length === 0 && o.echoes.length === 0 && o.arps.length === 0;
}
