/**
 * Capture ingest: pcap/pcapng bytes → decoded packets (pcap/read-capture.ts)
 * → the flow tracker → one RecordBatch per input chunk (FlowRecords of the
 * connections that ended, DnsRecords, PacketTicks, IcmpEchoes), and at the
 * end of input a last batch with every connection still open.
 *
 * Connections finished early because the live-connection cap was reached,
 * and packets the tracker could not use (non-first fragments, cut transport
 * headers), are reported through `onWarning` once at the end.
 */
import type { ByteSource } from '../io/byte-source.js';
import type { RecordBatch } from '../types.js';
import { createFlowTracker, type FlowTrackerOptions, type FlowTrackerStats, type TrackerOutput } from './flow-tracker/flow-tracker.js';
import { type CaptureStats, readCapturePackets } from './pcap/read-capture.js';
import type { ReadOptions } from './read-input.js';

export interface CaptureIngestOptions {
  /** Flow tracker settings (timeouts, live-connection cap, ...). */
  flowTracker?: FlowTrackerOptions;
  /** Receives the tracker's and the decoder's counters at the end of the input. */
  onCaptureStats?: (stats: { tracker: FlowTrackerStats; capture: CaptureStats | null }) => void;
}

export async function* readCaptureRecords(source: ByteSource, options: ReadOptions & CaptureIngestOptions): AsyncGenerator<RecordBatch> {
  const tracker = createFlowTracker(options.flowTracker);
  let captureStats: CaptureStats | null = null;
  const packets = readCapturePackets(source, tracker.addPacket, {
    onWarning: options.onWarning,
    onStats: (s) => {
      captureStats = s;
    },
  });
  for await (const _delivered of packets) {
    const o = tracker.take();
    if (!isEmpty(o)) yield o;
  }
  const last = tracker.finish();
  const st = tracker.stats;
  const file = source.name;
  if (st.evictedFlows > 0) {
    const cap = options.flowTracker?.maxFlows;
    options.onWarning({
      code: 'FLOW_CAP_REACHED',
      file,
      message: `${file}: ${st.evictedFlows} connections were finished early because more than ${cap ?? 'the default'} connections were open at once (raise the live-connection cap to keep them whole)`,
    });
  }
  if (st.fragmentsSkipped > 0) {
    options.onWarning({
      code: 'CAPTURE_FRAGMENTS',
      file,
      message: `${file}: ${st.fragmentsSkipped} non-first IP fragments were not reassembled and are not counted in any connection`,
    });
  }
  if (st.badTransport > 0) {
    options.onWarning({
      code: 'CAPTURE_BAD_TRANSPORT',
      file,
      message: `${file}: ${st.badTransport} packets had a cut or malformed TCP/UDP/ICMP header and were skipped`,
    });
  }
  options.onCaptureStats?.({ tracker: { ...st }, capture: captureStats });
  yield last;
}

function isEmpty(o: TrackerOutput): boolean {
  return o.flows.length === 0 && o.dns.length === 0 && o.ticks.length === 0 && o.echoes.length === 0;
}
