/**
 * Turns a finished connection into a FlowRecord with Zeek's conn.log
 * rules (`set_conn()` in main.zeek): duration and byte counts are set only
 * when the duration is positive; TCP payload sizes come from sequence
 * numbers, UDP/ICMP from summed payload lengths, other transports are 0.
 */
import type { FlowRecord } from '../../types.js';
import { computeConnState } from './conn-state.js';
import type { Flow } from './flow.js';
import { createFlowUid } from './flow-uid.js';

export function toFlowRecord(flow: Flow): FlowRecord {
  const duration = flow.lastTs - flow.ts;
  let origBytes: number | null = null;
  let respBytes: number | null = null;
  let durationSec: number | null = null;
  if (duration > 0) {
    durationSec = duration;
    const s = flow.tcp;
    if (s !== null) {
      origBytes = s.orig.size(s.resp);
      respBytes = s.resp.size(s.orig);
    } else if (flow.proto === 'unknown_transport') {
      origBytes = 0;
      respBytes = 0;
    } else {
      origBytes = flow.origPayloadBytes;
      respBytes = flow.respPayloadBytes;
    }
  }
  return {
    ts: flow.ts,
    uid: createFlowUid(flow.key, flow.ts),
    origH: flow.origH,
    origP: flow.origP,
    respH: flow.respH,
    respP: flow.respP,
    proto: flow.proto,
    service: flow.service,
    duration: durationSec,
    origBytes,
    respBytes,
    connState: computeConnState(flow),
    history: flow.history === '' ? null : flow.history,
    missedBytes: 0,
    origPkts: flow.origPkts,
    origIpBytes: flow.origIpBytes,
    respPkts: flow.respPkts,
    respIpBytes: flow.respIpBytes,
  };
}
