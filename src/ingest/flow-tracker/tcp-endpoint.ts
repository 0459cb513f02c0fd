/**
 * Zeek's TCP endpoint (`TCP_Endpoint`) over the flow table's endpoint
 * columns (index `slot * 2 + side`): the states, the 32-bit sequence numbers
 * with wrap counts, and the payload size Zeek reports — from sequence
 * numbers, not summed segment lengths (SEMANTICS.md "duration, orig_bytes,
 * resp_bytes").
 */
import { EP, EP_ACKSEQ, EP_ACKWRAPS, EP_FINCNT, EP_LASTSEQ, EP_PREVSTATE, EP_SEQWRAPS, EP_STARTSEQ, EP_STATE } from './flow-table.js';
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
  if (seq < t.ep[e * EP + EP_LASTSEQ]!) t.ep[e * EP + EP_SEQWRAPS] = t.ep[e * EP + EP_SEQWRAPS]! + 1;
  t.ep[e * EP + EP_LASTSEQ] = seq;
}

export function updateAckSeq(t: FlowTable, e: number, seq: number): void {
  if (seq < t.ep[e * EP + EP_ACKSEQ]!) t.ep[e * EP + EP_ACKWRAPS] = t.ep[e * EP + EP_ACKWRAPS]! + 1;
  t.ep[e * EP + EP_ACKSEQ] = seq;
}

/** Sets start, ack and last sequence numbers as a SYN (or a partial connection's first packet) does. */
export function initSeqs(t: FlowTable, e: number, start: number, last: number): void {
  t.ep[e * EP + EP_STARTSEQ] = start;
  t.ep[e * EP + EP_ACKSEQ] = start;
  t.ep[e * EP + EP_LASTSEQ] = last;
}

/** A sequence number in 64-bit (wrap-counting) space, relative to the endpoint's start. */
export function toRelative(t: FlowTable, e: number, seq: number, wraps: number): number {
  return wraps * TWO_32 + seq - t.ep[e * EP + EP_STARTSEQ]!;
}

/** Payload bytes sent by endpoint `e` (peer `e ^ 1`), Zeek's `TCP_Endpoint::Size()`. */
export function computeEndpointSize(t: FlowTable, e: number): number {
  const start = t.ep[e * EP + EP_STARTSEQ]!;
  if (t.ep[e * EP + EP_PREVSTATE] === TCP_SYN_SENT && t.ep[e * EP + EP_STATE] === TCP_RESET && t.ep[(e ^ 1) * EP + EP_STATE] === TCP_INACTIVE) {
    const ackFull = t.ep[e * EP + EP_ACKWRAPS]! * TWO_32 + t.ep[e * EP + EP_ACKSEQ]!;
    const noDataAcked = ackFull === start || ackFull === start + 1;
    if (!noDataAcked) return 0;
  }
  const last = t.ep[e * EP + EP_SEQWRAPS]! * TWO_32 + t.ep[e * EP + EP_LASTSEQ]!;
  const ack = t.ep[e * EP + EP_ACKWRAPS]! * TWO_32 + t.ep[e * EP + EP_ACKSEQ]!;
  let size = Math.max(last, ack) - start;
  if (size < 0) size = 0;
  if (size !== 0) size--;
  if (t.ep[e * EP + EP_FINCNT]! > 0 && size !== 0) size--;
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
