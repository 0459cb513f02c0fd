/**
 * A finished connection written straight from the flow table as its Zeek
 * conn.log TSV line: the bytes of `encodeConnTsv(toFlowRecord(t, slot))`
 * (zeek-log-writer.ts, flow-record.ts), without the FlowRecord. `flows
 * --no-sort` only formats its records, so the tracker encodes each
 * connection as it finishes into ConnLogLines, which the command writes
 * after each batch; no record, and no short-lived strings but the uid and
 * the two times, are made per connection.
 *
 * The field rules are toFlowRecord's (duration and byte counts only with a
 * positive duration; TCP payload sizes from sequence numbers, UDP/ICMP from
 * summed payload lengths, other transports 0) and the formatting is
 * encodeConnTsv's; test/ingest/flow-tracker/conn-line.test.ts checks the
 * lines against those two on every connection of the Zeek test traces.
 * The byte-count rule is written here and in toFlowRecord rather than
 * shared: a shared function for it (tried) brought back the "insufficient
 * type feedback" deoptimisations of toFlowRecord that flow-record.ts
 * describes, at the first UDP connection of the realistic bench capture
 * (--trace-deopt); the test is what keeps the two the same.
 * The reads are made for every protocol, as in toFlowRecord, so that a
 * protocol first seen late deoptimises nothing.
 *
 * Measured: `flows --no-sort` on the first 300,000 packets of
 * capture-realistic-1100000.pcap ran 0.95x the instructions of the same
 * build making FlowRecords (callgrind, node --single-threaded: 5.74 G
 * against 6.05 G), with the same output. The start time and duration are written as digits straight
 * into the bytes (putFixed6, not toFixed's string), and the uid from its char codes (FlowTable.uidCodes, no
 * uid string): capture-realistic-220000.pcap then ran 0.983x the instructions (4.115 G against 4.186 G),
 * capture-per-packet-200000.pcap 0.970x (7.856 G against 8.098 G). The addresses of a connection made from
 * IPv4 header bytes are written from its integers (putIpv4, a table of each byte's digits) rather than
 * copied from their strings a character at a time: per-packet-200000 then 0.969x (7.456 G against 7.691 G),
 * realistic-220000 0.998x (4.142 G against 4.150 G).
 */
import { type ByteLines, createByteLines, putByte, putFixed6, putIpv4, putNumber, putText, reserveBytes } from '../../sink/byte-lines.js';
import { escapeZeek, isLocalAddress, isLocalIpv4Value } from '../../sink/zeek-log-writer.js';
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
  S_ORIG_H,
  S_RESP_H,
  SLOT_F64,
  SLOT_I32,
  SLOT_STR,
} from './flow-table.js';
import { computeEndpointSize } from './tcp-endpoint.js';
import { UID_CODES } from './flow-uid.js';

/** conn.log lines encoded by the tracker and not yet taken: the bytes, and how many lines they hold. */
export interface ConnLogLines {
  lines: ByteLines;
  count: number;
}

export function createConnLogLines(): ConnLogLines {
  return { lines: createByteLines(), count: 0 };
}

/** Room for a line but its strings (as encodeConnTsv reserves it). */
const LINE_FIXED_BYTES = 512;
/** "C" and 3 × 6 base62 digits at most (flow-uid.ts). */
const UID_MAX_CHARS = 19;
const TAB = 0x09;
const NEWLINE = 0x0a;
const DASH = 0x2d;

/** Appends the conn.log line of the finished connection in `slot` (with its newline) and counts it. */
export function encodeConnLine(out: ConnLogLines, t: FlowTable, slot: number, tunnelParents: string[] | undefined): void {
  const b = out.lines;
  const ts = t.f64[slot * SLOT_F64 + F_TS]!;
  const duration = t.f64[slot * SLOT_F64 + F_LAST_TS]! - ts;
  const proto = t.i32[slot * SLOT_I32 + I_PROTO]!;
  const tcp = proto === PROTO_TCP;
  const other = proto === PROTO_OTHER;
  const origPayload = t.f64[slot * SLOT_F64 + F_ORIG_PAYLOAD_BYTES]!;
  const respPayload = t.f64[slot * SLOT_F64 + F_RESP_PAYLOAD_BYTES]!;
  const origH = t.str[slot * SLOT_STR + S_ORIG_H]!;
  const respH = t.str[slot * SLOT_STR + S_RESP_H]!;
  const protoName = PROTO_NAMES[proto]!;
  const service = escapeOrUnset(t.service[slot] ?? null);
  const history = escapeOrUnset(nullIfEmpty(t.history(slot)));
  const tunnels = tunnelParents !== undefined && tunnelParents.length > 0 ? tunnelParents.map(escapeSetElement).join(',') : '-';
  const connState = computeConnState(t, slot);
  const numeric = (t.i32[slot * SLOT_I32 + I_FLAGS]! & FLAG_NUMERIC_ADDR) !== 0;
  const origLocal = numeric ? isLocalIpv4Value(t.i32[slot * SLOT_I32 + I_ORIG_N]!) : isLocalAddress(origH);
  const respLocal = numeric ? isLocalIpv4Value(t.i32[slot * SLOT_I32 + I_RESP_N]!) : isLocalAddress(respH);
  const strings = UID_MAX_CHARS + origH.length + respH.length + protoName.length + service.length + connState.length + history.length + tunnels.length;
  reserveBytes(b, LINE_FIXED_BYTES + 3 * strings);
  putFixed6(b, ts);
  putByte(b, TAB);
  // A uid is "C" and base62 digits (flow-uid.ts): escaping leaves it as it is. Copied from its char codes.
  const uidLength = t.uidCodes(slot);
  for (let k = 0; k < uidLength; k++) putByte(b, UID_CODES[k]!);
  putByte(b, TAB);
  // The addresses of a connection made from IPv4 header bytes from its integers (their text is the dotted quad).
  if (numeric) putIpv4(b, t.i32[slot * SLOT_I32 + I_ORIG_N]!);
  else putText(b, origH);
  putByte(b, TAB);
  putNumber(b, t.i32[slot * SLOT_I32 + I_ORIG_P]!);
  putByte(b, TAB);
  if (numeric) putIpv4(b, t.i32[slot * SLOT_I32 + I_RESP_N]!);
  else putText(b, respH);
  putByte(b, TAB);
  putNumber(b, t.i32[slot * SLOT_I32 + I_RESP_P]!);
  putByte(b, TAB);
  putText(b, protoName);
  putByte(b, TAB);
  putText(b, service);
  putByte(b, TAB);
  if (duration > 0) {
    putFixed6(b, duration);
    putByte(b, TAB);
    putNumber(b, tcp ? computeEndpointSize(t, slot * 2) : other ? 0 : origPayload);
    putByte(b, TAB);
    putNumber(b, tcp ? computeEndpointSize(t, slot * 2 + 1) : other ? 0 : respPayload);
  } else {
    putByte(b, DASH);
    putByte(b, TAB);
    putByte(b, DASH);
    putByte(b, TAB);
    putByte(b, DASH);
  }
  putByte(b, TAB);
  putText(b, connState);
  putByte(b, TAB);
  putByte(b, origLocal ? 0x54 : 0x46);
  putByte(b, TAB);
  putByte(b, respLocal ? 0x54 : 0x46);
  putByte(b, TAB);
  putNumber(b, t.f64[slot * SLOT_F64 + F_MISSED_BYTES]!);
  putByte(b, TAB);
  putText(b, history);
  putByte(b, TAB);
  putNumber(b, t.f64[slot * SLOT_F64 + F_ORIG_PKTS]!);
  putByte(b, TAB);
  putNumber(b, t.f64[slot * SLOT_F64 + F_ORIG_IP_BYTES]!);
  putByte(b, TAB);
  putNumber(b, t.f64[slot * SLOT_F64 + F_RESP_PKTS]!);
  putByte(b, TAB);
  putNumber(b, t.f64[slot * SLOT_F64 + F_RESP_IP_BYTES]!);
  putByte(b, TAB);
  putText(b, tunnels);
  putByte(b, TAB);
  // The capture's IP protocol number, always known (as toFlowRecord's ipProto).
  putNumber(b, t.i32[slot * SLOT_I32 + I_IP_PROTO]!);
  putByte(b, NEWLINE);
  out.count++;
}

/** `escapeZeek(s)`, or `-` for null (one function for the service and the history, as encodeConnTsv's). */
function escapeOrUnset(s: string | null): string {
  return s === null ? '-' : escapeZeek(s);
}

/** The history as FlowRecord has it: null when empty. */
function nullIfEmpty(s: string): string | null {
  return s === '' ? null : s;
}

function escapeSetElement(s: string): string {
  return escapeZeek(s, true);
}
