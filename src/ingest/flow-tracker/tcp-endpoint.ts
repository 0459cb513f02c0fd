/**
 * Zeek's TCP endpoint (`TCP_Endpoint`) over the endpoint blocks of the flow
 * table's slot records (endpoint `slot * 2 + side`): the states, the 32-bit sequence numbers
 * with wrap counts, and the payload size Zeek reports — from sequence
 * numbers, not summed segment lengths (SEMANTICS.md "duration, orig_bytes,
 * resp_bytes").
 */
import {
  EI_ACK_SEQ,
  EI_ACK_WRAPS,
  EI_FIN_CNT,
  EI_LAST_SEQ,
  EI_PREV_STATE,
  EI_SEQ_WRAPS,
  EI_START_SEQ,
  EI_STATE,
  EP_I32,
  type FlowTable,
} from './flow-table.js';

/** Zeek's TCP endpoint states (the numbers of `TCP_ENDPOINT_*`). */
export const TCP_INACTIVE = 0;
export const TCP_SYN_SENT = 1;
export const TCP_SYN_ACK_SENT = 2;
export const TCP_PARTIAL = 3;
export const TCP_ESTABLISHED = 4;
export const TCP_CLOSED = 5;
export const TCP_RESET = 6;

export type TcpEndpointState = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const TWO_32 = 4294967296;

export function updateLastSeq(t: FlowTable, e: number, seq: number): void {
  if (seq < t.u32[e * EP_I32 + EI_LAST_SEQ]!) t.u32[e * EP_I32 + EI_SEQ_WRAPS] = t.u32[e * EP_I32 + EI_SEQ_WRAPS]! + 1;
  t.u32[e * EP_I32 + EI_LAST_SEQ] = seq;
}

export function updateAckSeq(t: FlowTable, e: number, seq: number): void {
  if (seq < t.u32[e * EP_I32 + EI_ACK_SEQ]!) t.u32[e * EP_I32 + EI_ACK_WRAPS] = t.u32[e * EP_I32 + EI_ACK_WRAPS]! + 1;
  t.u32[e * EP_I32 + EI_ACK_SEQ] = seq;
}

/** Sets start, ack and last sequence numbers as a SYN (or a partial connection's first packet) does. */
export function initSeqs(t: FlowTable, e: number, start: number, last: number): void {
  t.u32[e * EP_I32 + EI_START_SEQ] = start;
  t.u32[e * EP_I32 + EI_ACK_SEQ] = start;
  t.u32[e * EP_I32 + EI_LAST_SEQ] = last;
}

/** A sequence number in 64-bit (wrap-counting) space, relative to the endpoint's start. */
export function toRelative(t: FlowTable, e: number, seq: number, wraps: number): number {
  return wraps * TWO_32 + seq - t.u32[e * EP_I32 + EI_START_SEQ]!;
}

/** Payload bytes sent by endpoint `e` (peer `e ^ 1`), Zeek's `TCP_Endpoint::Size()`. */
export function computeEndpointSize(t: FlowTable, e: number): number {
  const start = t.u32[e * EP_I32 + EI_START_SEQ]!;
  if (t.u32[e * EP_I32 + EI_PREV_STATE] === TCP_SYN_SENT && t.u32[e * EP_I32 + EI_STATE] === TCP_RESET && t.u32[(e ^ 1) * EP_I32 + EI_STATE] === TCP_INACTIVE) {
    const ackFull = t.u32[e * EP_I32 + EI_ACK_WRAPS]! * TWO_32 + t.u32[e * EP_I32 + EI_ACK_SEQ]!;
    const noDataAcked = ackFull === start || ackFull === start + 1;
    if (!noDataAcked) return 0;
  }
  const last = t.u32[e * EP_I32 + EI_SEQ_WRAPS]! * TWO_32 + t.u32[e * EP_I32 + EI_LAST_SEQ]!;
  const ack = t.u32[e * EP_I32 + EI_ACK_WRAPS]! * TWO_32 + t.u32[e * EP_I32 + EI_ACK_SEQ]!;
  let size = Math.max(last, ack) - start;
  if (size < 0) size = 0;
  if (size !== 0) size--;
  if (t.u32[e * EP_I32 + EI_FIN_CNT]! > 0 && size !== 0) size--;
  return size;
}

/** Signed 32-bit difference of two sequence numbers (Zeek's `seq_delta`). */
export function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/** True when the state is part of the handshake. */
export function isHandshakeState(s: number): boolean {
  return s === TCP_INACTIVE || s === TCP_SYN_SENT || s === TCP_SYN_ACK_SENT;
}

/** "inactive" in Zeek's conn_state(): INACTIVE or PARTIAL. */
export function isInactiveState(s: number): boolean {
  return s === TCP_INACTIVE || s === TCP_PARTIAL;
}
