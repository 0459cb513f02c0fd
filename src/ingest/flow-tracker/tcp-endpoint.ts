/**
 * Zeek's TCP endpoint (`TCP_Endpoint`) over the flow table's endpoint
 * columns (index `slot * 2 + side`): the states, the 32-bit sequence numbers
 * with wrap counts, and the payload size Zeek reports — from sequence
 * numbers, not summed segment lengths (SEMANTICS.md "duration, orig_bytes,
 * resp_bytes").
 */
import type { FlowTable } from './flow-table.js';

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
  if (seq < t.eLastSeq[e]!) t.eSeqWraps[e] = t.eSeqWraps[e]! + 1;
  t.eLastSeq[e] = seq;
}

export function updateAckSeq(t: FlowTable, e: number, seq: number): void {
  if (seq < t.eAckSeq[e]!) t.eAckWraps[e] = t.eAckWraps[e]! + 1;
  t.eAckSeq[e] = seq;
}

/** Sets start, ack and last sequence numbers as a SYN (or a partial connection's first packet) does. */
export function initSeqs(t: FlowTable, e: number, start: number, last: number): void {
  t.eStartSeq[e] = start;
  t.eAckSeq[e] = start;
  t.eLastSeq[e] = last;
}

/** A sequence number in 64-bit (wrap-counting) space, relative to the endpoint's start. */
export function toRelative(t: FlowTable, e: number, seq: number, wraps: number): number {
  return wraps * TWO_32 + seq - t.eStartSeq[e]!;
}

/** Payload bytes sent by endpoint `e` (peer `e ^ 1`), Zeek's `TCP_Endpoint::Size()`. */
export function computeEndpointSize(t: FlowTable, e: number): number {
  const start = t.eStartSeq[e]!;
  if (t.ePrevState[e] === TCP_SYN_SENT && t.eState[e] === TCP_RESET && t.eState[e ^ 1] === TCP_INACTIVE) {
    const ackFull = t.eAckWraps[e]! * TWO_32 + t.eAckSeq[e]!;
    const noDataAcked = ackFull === start || ackFull === start + 1;
    if (!noDataAcked) return 0;
  }
  const last = t.eSeqWraps[e]! * TWO_32 + t.eLastSeq[e]!;
  const ack = t.eAckWraps[e]! * TWO_32 + t.eAckSeq[e]!;
  let size = Math.max(last, ack) - start;
  if (size < 0) size = 0;
  if (size !== 0) size--;
  if (t.eFinCnt[e]! > 0 && size !== 0) size--;
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
