/**
 * Turns a finished connection into a FlowRecord with Zeek's conn.log
 * rules (`set_conn()` in main.zeek): duration and byte counts are set only
 * when the duration is positive; TCP payload sizes come from sequence
 * numbers, UDP/ICMP from summed payload lengths, other transports are 0.
 *
 * Every record gets every FlowRecord field, the optional ones undefined when
 * they do not apply, in one object literal: one hidden class for all capture
 * records, so the detectors' property reads stay monomorphic.
 */
import { dottedQuadValue } from '../../detect/dotted-quad.js';
import type { FlowRecord } from '../../types.js';
import { computeConnState } from './conn-state.js';
import {
  F_LAST_TS,
  F_MISSED_BYTES,
  F_ORIG_IP_BYTES,
  F_ORIG_PAYLOAD_BYTES,
  F_ORIG_PKTS,
  F_RESP_IP_BYTES,
  F_RESP_PAYLOAD_BYTES,
  F_RESP_PKTS,
  F_TS,
  FLAG_NUMERIC_ADDR,
  type FlowTable,
  I_FLAGS,
  I_IP_PROTO,
  I_ORIG_N,
  I_ORIG_P,
  I_PROTO,
  I_RESP_N,
  I_RESP_P,
  PROTO_NAMES,
  PROTO_OTHER,
  PROTO_TCP,
  PROTO_UDP,
  S_ORIG_H,
  S_RESP_H,
  SLOT_F64,
  SLOT_I32,
  SLOT_STR,
} from './flow-table.js';
import { computeEndpointSize } from './tcp-endpoint.js';

/** `tunnelParents`: the uids of the tunnels that carried the connection (undefined when none). */
export function toFlowRecord(t: FlowTable, slot: number, tunnelParents?: string[]): FlowRecord {
  const ts = t.f64[slot * SLOT_F64 + F_TS]!;
  const duration = t.f64[slot * SLOT_F64 + F_LAST_TS]! - ts;
  const proto = t.i32[slot * SLOT_I32 + I_PROTO]!;
  // Every protocol's comparisons and reads are made for every record: one first made when the first record
  // of another protocol came (a UDP one after the first burst of TCP ones, on the realistic bench capture)
  // had no type feedback and deoptimised this function there. With the like changes in flow-uid.ts and
  // zeek-log-writer.ts, `flows --no-sort` on that capture ran 0.98x the instructions (callgrind, node
  // --single-threaded, 12.36 G vs 12.62 G) and 0.97x the CPU (6 interleaved rounds).
  const tcp = proto === PROTO_TCP;
  const udp = proto === PROTO_UDP;
  const other = proto === PROTO_OTHER;
  const origPayload = t.f64[slot * SLOT_F64 + F_ORIG_PAYLOAD_BYTES]!;
  const respPayload = t.f64[slot * SLOT_F64 + F_RESP_PAYLOAD_BYTES]!;
  let origBytes: number | null = null;
  let respBytes: number | null = null;
  let durationSec: number | null = null;
  if (duration > 0) {
    durationSec = duration;
    if (tcp) {
      origBytes = computeEndpointSize(t, slot * 2);
      respBytes = computeEndpointSize(t, slot * 2 + 1);
    } else {
      origBytes = other ? 0 : origPayload;
      respBytes = other ? 0 : respPayload;
    }
  }
  const history = t.history(slot);
  const sized = tcp || udp;
  const flags = t.sideFirstFlags[slot * 2]!;
  const firstFlags = tcp && flags !== 0 ? flags & 0xff : undefined;
  const origMaxPayload = t.sideMaxPayload[slot * 2]!;
  const respMaxPayload = t.sideMaxPayload[slot * 2 + 1]!;
  const origH = t.str[slot * SLOT_STR + S_ORIG_H]!;
  const respH = t.str[slot * SLOT_STR + S_RESP_H]!;
  // The table's integer addresses when it has them; else (IPv6, connections not made from an IPv4 packet) the text's.
  const numeric = (t.i32[slot * SLOT_I32 + I_FLAGS]! & FLAG_NUMERIC_ADDR) !== 0;
  const record: FlowRecord = {
    ts,
    uid: t.uid(slot),
    origH,
    origP: t.i32[slot * SLOT_I32 + I_ORIG_P]!,
    respH,
    respP: t.i32[slot * SLOT_I32 + I_RESP_P]!,
    proto: PROTO_NAMES[proto]!,
    service: t.service[slot] ?? null,
    duration: durationSec,
    origBytes,
    respBytes,
    connState: computeConnState(t, slot),
    history: history === '' ? null : history,
    missedBytes: t.f64[slot * SLOT_F64 + F_MISSED_BYTES]!,
    origPkts: t.f64[slot * SLOT_F64 + F_ORIG_PKTS]!,
    origIpBytes: t.f64[slot * SLOT_F64 + F_ORIG_IP_BYTES]!,
    respPkts: t.f64[slot * SLOT_F64 + F_RESP_PKTS]!,
    respIpBytes: t.f64[slot * SLOT_F64 + F_RESP_IP_BYTES]!,
    origV4: numeric ? t.i32[slot * SLOT_I32 + I_ORIG_N]! : dottedQuadValue(origH) | 0,
    respV4: numeric ? t.i32[slot * SLOT_I32 + I_RESP_N]! : dottedQuadValue(respH) | 0,
    ipProto: t.i32[slot * SLOT_I32 + I_IP_PROTO]!,
    tunnelParents,
    origMaxPayload: undefined,
    respMaxPayload: undefined,
    origFirstTcpFlags: undefined,
  };
  // These three hold a small integer or undefined. Given in the literal, the first record's value set the
  // fields' representation (a small integer: the capture starts with TCP), and the first record without one
  // (a non-TCP one, 60 s into the realistic bench capture) deoptimised this function ("not a Smi"). Written
  // after the literal's undefined, the first record already makes them tagged fields: no deopt left here
  // (--trace-deopt), and on that capture `analyze --no-model` ran 0.985-0.990x the instructions (callgrind,
  // 19.39 G vs 19.59 G and 19.80 G) and 0.94x the CPU (ab.sh, 8 rounds, 0.89-1.20, 6 of 8).
  record.origMaxPayload = sized ? origMaxPayload : undefined;
  record.respMaxPayload = sized ? respMaxPayload : undefined;
  record.origFirstTcpFlags = firstFlags;
  return record;
}
