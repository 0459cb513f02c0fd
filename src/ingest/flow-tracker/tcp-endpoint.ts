/**
 * One side of a TCP connection as Zeek's `TCP_Endpoint` tracks it: its state
 * (INACTIVE ... RESET), the 32-bit sequence numbers with wrap counts, and the
 * counters behind the repeated history letters. Sizes are Zeek's
 * `TCP_Endpoint::Size()`: payload bytes from sequence numbers, not summed
 * segment lengths (SEMANTICS.md "duration, orig_bytes, resp_bytes").
 */

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

export class TcpEndpoint {
  state: TcpEndpointState = TCP_INACTIVE;
  prevState: TcpEndpointState = TCP_INACTIVE;
  startSeq = 0;
  lastSeq = 0;
  ackSeq = 0;
  seqWraps = 0;
  ackWraps = 0;
  finCnt = 0;
  didClose = false;
  histLastSyn = 0;
  histLastFin = 0;
  histLastRst = 0;
  rxmtCnt = 0;
  rxmtThresh = 1;
  win0Cnt = 0;
  win0Thresh = 1;
  /** True when this endpoint is the originator (toggled on a flip). */
  isOrig: boolean;

  constructor(isOrig: boolean) {
    this.isOrig = isOrig;
  }

  setState(s: TcpEndpointState): void {
    if (s !== this.state) {
      this.prevState = this.state;
      this.state = s;
    }
  }

  updateLastSeq(seq: number): void {
    if (seq < this.lastSeq) this.seqWraps++;
    this.lastSeq = seq;
  }

  updateAckSeq(seq: number): void {
    if (seq < this.ackSeq) this.ackWraps++;
    this.ackSeq = seq;
  }

  /** Sets start, ack and last sequence numbers as a SYN (or a partial connection's first packet) does. */
  initSeqs(start: number, last: number): void {
    this.startSeq = start >>> 0;
    this.ackSeq = start >>> 0;
    this.lastSeq = last >>> 0;
  }

  /** A sequence number in 64-bit (wrap-counting) space, relative to the start. */
  toRelative(seq: number, wraps: number): number {
    return wraps * TWO_32 + seq - this.startSeq;
  }

  noDataAcked(): boolean {
    const ack = this.ackWraps * TWO_32 + this.ackSeq;
    return ack === this.startSeq || ack === this.startSeq + 1;
  }

  /** Payload bytes sent, Zeek's `TCP_Endpoint::Size()`. */
  size(peer: TcpEndpoint): number {
    if (this.prevState === TCP_SYN_SENT && this.state === TCP_RESET && peer.state === TCP_INACTIVE && !this.noDataAcked()) return 0;
    const last = this.seqWraps * TWO_32 + this.lastSeq;
    const ack = this.ackWraps * TWO_32 + this.ackSeq;
    let size = Math.max(last, ack) - this.startSeq;
    if (size < 0) size = 0;
    if (size !== 0) size--;
    if (this.finCnt > 0 && size !== 0) size--;
    return size;
  }
}

/** Signed 32-bit difference of two sequence numbers (Zeek's `seq_delta`). */
export function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/** True when the state is part of the handshake (no inactivity timeout switch yet). */
export function isHandshakeState(s: TcpEndpointState): boolean {
  return s === TCP_INACTIVE || s === TCP_SYN_SENT || s === TCP_SYN_ACK_SENT;
}

/** "inactive" in Zeek's conn_state(): INACTIVE or PARTIAL. */
export function isInactiveState(s: TcpEndpointState): boolean {
  return s === TCP_INACTIVE || s === TCP_PARTIAL;
}
