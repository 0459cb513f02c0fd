/**
 * Turns a finished connection into a FlowRecord with Zeek's conn.log
 * rules (`set_conn()` in main.zeek): duration and byte counts are set only
 * when the duration is positive; TCP payload sizes come from sequence
 * numbers, UDP/ICMP from summed payload lengths, other transports are 0.
 */
import type { FlowRecord } from '../../types.js';
import { computeConnState } from './conn-state.js';
import { type FlowTable, PROTO_NAMES, PROTO_OTHER, PROTO_TCP } from './flow-table.js';
import { computeEndpointSize } from './tcp-endpoint.js';

export function toFlowRecord(t: FlowTable, slot: number): FlowRecord {
  const ts = t.ts[slot]!;
  const duration = t.lastTs[slot]! - ts;
  const proto = t.proto[slot]!;
  let origBytes: number | null = null;
  let respBytes: number | null = null;
  let durationSec: number | null = null;
  if (duration > 0) {
    durationSec = duration;
    if (proto === PROTO_TCP) {
      origBytes = computeEndpointSize(t, slot * 2);
      respBytes = computeEndpointSize(t, slot * 2 + 1);
    } else if (proto === PROTO_OTHER) {
      origBytes = 0;
      respBytes = 0;
    } else {
      origBytes = t.origPayloadBytes[slot]!;
      respBytes = t.respPayloadBytes[slot]!;
    }
  }
  const history = t.history[slot]!;
  return {
    ts,
    uid: t.uid(slot),
    origH: t.origH[slot]!,
    origP: t.origP[slot]!,
    respH: t.respH[slot]!,
    respP: t.respP[slot]!,
    proto: PROTO_NAMES[proto]!,
    service: t.service[slot] ?? null,
    duration: durationSec,
    origBytes,
    respBytes,
    connState: computeConnState(t, slot),
    history: history === '' ? null : history,
    missedBytes: t.missedBytes[slot]!,
    origPkts: t.origPkts[slot]!,
    origIpBytes: t.origIpBytes[slot]!,
    respPkts: t.respPkts[slot]!,
    respIpBytes: t.respIpBytes[slot]!,
  };
}
