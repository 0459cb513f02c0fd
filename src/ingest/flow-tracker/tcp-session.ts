/**
 * Zeek's TCP connection analysis for conn.log (`TCPSessionAdapter::Process`
 * and the endpoint state machine), re-implemented for one decoded packet at a
 * time. Per packet, in Zeek's order:
 *
 * 1. initialise the sender's sequence space (a partial connection's first
 *    packet is treated as if a SYN preceded it);
 * 2. append history letters (`S H F R I Q` with the repeated-seq rule, `D A`
 *    once per direction, the `H` → `^h` flip, `W` zero windows);
 * 3. update last-activity time (not after both sides closed), FIN counts;
 * 4. take the ACK: initialise or advance the peer's acked sequence;
 * 5. advance the sender's last sequence (`T` retransmissions otherwise);
 * 6. run the endpoint state machine (INACTIVE, SYN_SENT, SYN_ACK_SENT,
 *    PARTIAL, ESTABLISHED, CLOSED, RESET), including the SYN/SYN-ACK
 *    reversal flip;
 * 7. on FIN/RST, close the endpoint and arm the timers that remove the
 *    connection (see tcp-timers.ts).
 *
 * Not reproduced: checksum validation (`C`), reassembly gaps (`G`, missed
 * bytes), application-analyzer flips. See docs/flow-tracker.md.
 */
import type { DecodedPacket } from '../pcap/decoded-packet.js';
import {
  EF_FIN_SEQ,
  EF_HIST_LAST_FIN,
  EF_HIST_LAST_RST,
  EF_HIST_LAST_SYN,
  EI_ACK_SEQ,
  EI_ACK_WRAPS,
  EI_DID_CLOSE,
  EI_FIN_CNT,
  EI_LAST_SEQ,
  EI_PREV_STATE,
  EI_RXMT_CNT,
  EI_RXMT_THRESH,
  EI_SEQ_WRAPS,
  EI_START_SEQ,
  EI_STATE,
  EI_WIN0_CNT,
  EI_WIN0_THRESH,
  EP_F64,
  EP_I32,
  F_ATTEMPT_AT,
  F_CLOSE_EXPIRE_CHAIN_AT,
  F_DELETE_AT,
  F_EXPIRE_CHAIN_AT,
  F_INACTIVITY_SEC,
  F_LAST_TS,
  F_PARTIAL_CLOSE_AT,
  F_RESET_AT,
  FLAG_TCP_ACTIVE,
  type FlowTable,
  HIST_ACK_PKT,
  HIST_DATA_PKT,
  HIST_FIN_PKT,
  HIST_FIN_RST_PKT,
  HIST_MULTI_FLAG_PKT,
  HIST_RST_PKT,
  HIST_RESP,
  HIST_SYN_PKT,
  HL_A,
  HL_D,
  HL_F,
  HL_H,
  HL_I,
  HL_Q,
  HL_R,
  HL_S,
  HL_T,
  HL_W,
  I_FLAGS,
  I_HIST_PACKED,
  I_HIST_SEEN,
  I_RESP_P,
  SLOT_F64,
  SLOT_I32,
} from './flow-table.js';
import { noteTcpAck, noteTcpData } from './tcp-gaps.js';
import {
  initSeqs,
  isHandshakeState,
  seqDelta,
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_INACTIVE,
  TCP_PARTIAL,
  TCP_RESET,
  TCP_SYN_ACK_SENT,
  TCP_SYN_SENT,
  toRelative,
  updateAckSeq,
  updateLastSeq,
} from './tcp-endpoint.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;
const TOO_LARGE_SEQ_DELTA = 1048576;

/** Zeek's TCP timer settings (init-bare.zeek), seconds. */
export interface TcpTimerSettings {
  attemptDelaySec: number;
  synTimeoutSec: number;
  sessionTimerSec: number;
  connectionLingerSec: number;
  closeDelaySec: number;
  partialCloseDelaySec: number;
  resetDelaySec: number;
  /** Inactivity timeout once the handshake is over (`tcp_inactivity_timeout`). */
  inactivitySec: number;
  /** Inactivity timeout during the handshake (Zeek uses the UDP value). */
  handshakeInactivitySec: number;
  /** Established connections to these ports get `longInactivitySec` (conn/inactivity.zeek). */
  longInactivityPorts: ReadonlySet<number>;
  longInactivitySec: number;
}

export const ZEEK_TCP_TIMERS: TcpTimerSettings = {
  attemptDelaySec: 5,
  synTimeoutSec: 5,
  sessionTimerSec: 6,
  connectionLingerSec: 5,
  closeDelaySec: 5,
  partialCloseDelaySec: 3,
  resetDelaySec: 5,
  inactivitySec: 300,
  handshakeInactivitySec: 60,
  longInactivityPorts: new Set([21, 22, 23, 513]),
  longInactivitySec: 3600,
};

/** Sets up the TCP part of a new connection in `slot`. */
export function initTcpConnection(t: FlowTable, slot: number, startSec: number, timers: TcpTimerSettings): void {
  t.i32[slot * SLOT_I32 + I_FLAGS] = t.i32[slot * SLOT_I32 + I_FLAGS]! | FLAG_TCP_ACTIVE;
  t.f64[slot * SLOT_F64 + F_EXPIRE_CHAIN_AT] = startSec + timers.synTimeoutSec;
  t.f64[slot * SLOT_F64 + F_INACTIVITY_SEC] = timers.handshakeInactivitySec;
}

/** Zeek `TCP_Endpoint::SetState` for endpoint `e` (peer `e ^ 1`), with the switch to the post-handshake inactivity timeout. */
function setState(t: FlowTable, slot: number, e: number, s: number, timers: TcpTimerSettings): void {
  const cur = t.u32[e * EP_I32 + EI_STATE]!;
  if (s === cur) return;
  if (!isHandshakeState(s) && isHandshakeState(cur) && isHandshakeState(t.u32[(e ^ 1) * EP_I32 + EI_STATE]!) && t.f64[slot * SLOT_F64 + F_INACTIVITY_SEC] === timers.handshakeInactivitySec) {
    t.f64[slot * SLOT_F64 + F_INACTIVITY_SEC] = timers.inactivitySec;
  }
  t.u32[e * EP_I32 + EI_PREV_STATE] = cur;
  t.u32[e * EP_I32 + EI_STATE] = s;
}

function isClosed(t: FlowTable, slot: number): boolean {
  return t.u32[(slot * 2) * EP_I32 + EI_DID_CLOSE] !== 0 || t.u32[(slot * 2 + 1) * EP_I32 + EI_DID_CLOSE] !== 0;
}

/**
 * Zeek `TCPSessionAdapter::IsReuse`: a SYN with a new initial sequence number
 * (or a SYN-ACK on a half-open connection), or any SYN after a close, starts
 * a new connection on the same tuple.
 */
export function isTcpReuse(t: FlowTable, slot: number, p: DecodedPacket): boolean {
  const flags = p.tcpFlags;
  if ((flags & SYN) === 0) return false;
  const o = slot * 2;
  const r = o + 1;
  let connOrig = o;
  if ((flags & ACK) !== 0) {
    if (t.u32[o * EP_I32 + EI_STATE] !== TCP_INACTIVE) return false;
    connOrig = r;
  }
  if (!isClosed(t, slot)) {
    const baseSeq = p.tcpSeq >>> 0;
    if (baseSeq === t.u32[connOrig * EP_I32 + EI_START_SEQ]) return false;
    if ((flags & ACK) === 0 && t.u32[connOrig * EP_I32 + EI_STATE] === TCP_SYN_ACK_SENT && t.u32[r * EP_I32 + EI_STATE] === TCP_INACTIVE && baseSeq === t.u32[r * EP_I32 + EI_START_SEQ]) return false;
  }
  return true;
}

/** Processes one TCP packet of the connection in `slot`; `isOrig` is the sender's role before this packet. */
export function processTcpPacket(t: FlowTable, slot: number, isOrig: boolean, p: DecodedPacket, timers: TcpTimerSettings): void {
  const now = p.tsSec;
  const flags = p.tcpFlags;
  const baseSeq = p.tcpSeq >>> 0;
  const ackSeq = p.tcpAck >>> 0;
  const len = p.payloadLen;
  // Endpoint indexes of the sender and its peer; a role flip moves the sender to the other side.
  let e = slot * 2 + (isOrig ? 0 : 1);
  let peer = e ^ 1;

  let segLen = len;
  if (flags & SYN) segLen++;
  if (flags & FIN) segLen++;
  if (flags & RST) segLen -= len;
  const seqOnePast = (baseSeq + segLen) >>> 0;

  initEndpoint(t, e, flags, baseSeq, seqOnePast);
  const relSeq = relativeSeq(t, e, baseSeq, t.u32[e * EP_I32 + EI_LAST_SEQ]!, t.u32[e * EP_I32 + EI_SEQ_WRAPS]!);

  if (updateHistory(t, slot, flags, e, relSeq, len)) {
    e ^= 1;
    peer ^= 1;
  }
  if (p.tcpWindow === 0 && (flags & RST) === 0 && t.u32[peer * EP_I32 + EI_STATE] !== TCP_CLOSED && t.u32[e * EP_I32 + EI_STATE] !== TCP_RESET) {
    const c = t.u32[e * EP_I32 + EI_WIN0_CNT]! + 1;
    t.u32[e * EP_I32 + EI_WIN0_CNT] = c;
    if (c === t.u32[e * EP_I32 + EI_WIN0_THRESH]) {
      t.addHistoryLetter(slot, HL_W + (e & 1) * HIST_RESP);
      t.u32[e * EP_I32 + EI_WIN0_THRESH] = c >= 1e9 ? 0 : c * 10;
    }
  }

  if (t.u32[(slot * 2) * EP_I32 + EI_DID_CLOSE] === 0 || t.u32[(slot * 2 + 1) * EP_I32 + EI_DID_CLOSE] === 0) t.f64[slot * SLOT_F64 + F_LAST_TS] = now;

  if (flags & FIN) {
    t.u32[e * EP_I32 + EI_FIN_CNT] = t.u32[e * EP_I32 + EI_FIN_CNT]! + 1;
    t.f64[e * EP_F64 + EF_FIN_SEQ] = relSeq + segLen;
  }

  // Zeek's rel_ack: 1 when the peer was not seen yet, 0 on an underflow.
  let relAck = Number.NaN;
  if (flags & ACK) {
    if (t.u32[peer * EP_I32 + EI_STATE] === TCP_INACTIVE) {
      const a = (ackSeq - 1) >>> 0;
      initSeqs(t, peer, a, a);
      relAck = 1;
    } else {
      relAck = relativeSeq(t, peer, ackSeq, t.u32[peer * EP_I32 + EI_ACK_SEQ]!, t.u32[peer * EP_I32 + EI_ACK_WRAPS]!);
      if (Number.isNaN(relAck)) relAck = 0;
      else if ((flags & RST) === 0) {
        const deltaAck = seqDelta(ackSeq, t.u32[peer * EP_I32 + EI_ACK_SEQ]!);
        if (!(ackSeq === 0 && deltaAck > TOO_LARGE_SEQ_DELTA) && deltaAck > 0) updateAckSeq(t, peer, ackSeq);
      }
    }
  }

  const lastSeq = t.u32[e * EP_I32 + EI_LAST_SEQ]!;
  const deltaLast = seqDelta(seqOnePast, lastSeq);
  if ((flags & (SYN | RST)) !== 0 && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
    // untrusted jump
  } else if ((flags & FIN) !== 0 && lastSeq === ((t.u32[e * EP_I32 + EI_START_SEQ]! + 1) >>> 0)) {
    updateLastSeq(t, e, seqOnePast);
  } else if (t.u32[e * EP_I32 + EI_STATE] === TCP_RESET) {
    // sequence numbers after a reset are not trusted
  } else if (deltaLast > 0) {
    updateLastSeq(t, e, seqOnePast);
  } else if (len > 0) {
    const c = t.u32[e * EP_I32 + EI_RXMT_CNT]! + 1;
    t.u32[e * EP_I32 + EI_RXMT_CNT] = c;
    if (c === t.u32[e * EP_I32 + EI_RXMT_THRESH]) {
      t.addHistoryLetter(slot, HL_T + (e & 1) * HIST_RESP);
      t.u32[e * EP_I32 + EI_RXMT_THRESH] = c >= 1e9 ? 0 : c * 10;
    }
  }

  const r = updateStateMachine(t, slot, p, e, len, isOrig, flags, timers);
  if (r & STATE_FLIPPED) {
    e ^= 1;
    peer ^= 1;
  }
  // After the state machine, as Zeek: the ACK reveals gaps in the peer's data, then this packet's data is seen.
  if (flags & ACK) noteTcpAck(t, slot, peer, relAck);
  if ((flags & RST) === 0 && len > 0) noteTcpData(t, e, flags & SYN ? relSeq + 1 : relSeq, len, p.payloadOffset + len <= p.capLen);
  if (r & STATE_CLOSE) connectionClosed(t, slot, e, timers);
}

function initEndpoint(t: FlowTable, e: number, flags: number, firstSeq: number, lastSeq: number): void {
  switch (t.u32[e * EP_I32 + EI_STATE]) {
    case TCP_INACTIVE:
      if (flags & SYN) {
        t.u32[e * EP_I32 + EI_START_SEQ] = firstSeq;
        t.u32[e * EP_I32 + EI_ACK_SEQ] = firstSeq;
      } else {
        // A partial connection: number as though a SYN had been seen.
        const start = (firstSeq - 1) >>> 0;
        t.u32[e * EP_I32 + EI_START_SEQ] = start;
        t.u32[e * EP_I32 + EI_ACK_SEQ] = start;
        lastSeq = firstSeq;
      }
      t.u32[e * EP_I32 + EI_LAST_SEQ] = lastSeq;
      break;
    case TCP_SYN_SENT:
    case TCP_SYN_ACK_SENT:
      if (flags & SYN && firstSeq !== t.u32[e * EP_I32 + EI_START_SEQ]) initSeqs(t, e, firstSeq, lastSeq);
      break;
    case TCP_ESTABLISHED:
    case TCP_PARTIAL:
      if (flags & SYN) initSeqs(t, e, firstSeq, lastSeq);
      break;
    case TCP_RESET:
      if (flags & SYN && t.u32[e * EP_I32 + EI_PREV_STATE] === TCP_INACTIVE) initSeqs(t, e, firstSeq, lastSeq);
      break;
    default:
      break;
  }
}

/** Zeek `get_relative_seq`; NaN stands for an underflow (a sequence before the endpoint's start). */
function relativeSeq(t: FlowTable, e: number, cur: number, last: number, wraps: number): number {
  const delta = seqDelta(cur, last);
  if (delta < 0) {
    if (wraps && cur > last) wraps--;
  } else if (delta > 0) {
    if (cur < last) wraps++;
  }
  if (wraps === 0) {
    const d = seqDelta(cur, t.u32[e * EP_I32 + EI_START_SEQ]!);
    return d < 0 ? Number.NaN : d;
  }
  return toRelative(t, e, cur, wraps);
}

/** Appends the packet's history letters; returns true when it flipped the connection. */
function updateHistory(t: FlowTable, slot: number, flags: number, e: number, relSeq: number, len: number): boolean {
  const bits = (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0) + (flags & RST ? 1 : 0);
  if (bits > 1) {
    if (flags & FIN && flags & RST) checkHistory(t, slot, e, HIST_FIN_RST_PKT, HL_I);
    else checkHistory(t, slot, e, HIST_MULTI_FLAG_PKT, HL_Q);
  } else if (bits === 1) {
    if (flags & SYN) {
      const code = flags & ACK ? HL_H : HL_S;
      if (checkHistory(t, slot, e, HIST_SYN_PKT, code) && relSeq !== t.f64[e * EP_F64 + EF_HIST_LAST_SYN]) addHistory(t, slot, e, code);
      t.f64[e * EP_F64 + EF_HIST_LAST_SYN] = relSeq;
    }
    if (flags & FIN) {
      if (checkHistory(t, slot, e, HIST_FIN_PKT, HL_F) && relSeq + len !== t.f64[e * EP_F64 + EF_HIST_LAST_FIN]) addHistory(t, slot, e, HL_F);
      t.f64[e * EP_F64 + EF_HIST_LAST_FIN] = relSeq + len;
    }
    if (flags & RST) {
      if (checkHistory(t, slot, e, HIST_RST_PKT, HL_R) && relSeq !== t.f64[e * EP_F64 + EF_HIST_LAST_RST]) addHistory(t, slot, e, HL_R);
      t.f64[e * EP_F64 + EF_HIST_LAST_RST] = relSeq;
    }
  } else if (len > 0 || flags & ACK) {
    // A connection that a SYN-ACK started without being flipped (history exactly "H") is flipped
    // when the next ACK or data packet arrives, from either side (zeek PR #2191): history "^h".
    let flipped = false;
    // History "H" means one SYN-ACK letter and nothing else, so its seen-bits are exactly the originator's SYN bit;
    // the packed history is then one letter, H (count 1 in field 0, the letter in field 1).
    if (t.i32[slot * SLOT_I32 + I_HIST_SEEN] === HIST_SYN_PKT && t.i32[slot * SLOT_I32 + I_HIST_PACKED] === (1 | (HL_H << 5))) {
      t.flipRoles(slot);
      t.setHistory(slot, '^h');
      e ^= 1;
      flipped = true;
    }
    if (len > 0) checkHistory(t, slot, e, HIST_DATA_PKT, HL_D);
    else checkHistory(t, slot, e, HIST_ACK_PKT, HL_A);
    return flipped;
  }
  return false;
}

/** `letter` is the originator's letter code (HL_*); endpoint `e` on the responder's side gets the lower-case one. */
function checkHistory(t: FlowTable, slot: number, e: number, mask: number, letter: number): boolean {
  return (e & 1) === 0 ? t.checkHistoryLetter(slot, mask, letter) : t.checkHistoryLetter(slot, mask << 16, letter + HIST_RESP);
}

function addHistory(t: FlowTable, slot: number, e: number, letter: number): void {
  t.addHistoryLetter(slot, letter + (e & 1) * HIST_RESP);
}

const STATE_CLOSE = 1;
const STATE_FLIPPED = 2;

/**
 * The endpoint state machine; returns STATE_CLOSE when the sender's side closes (FIN or RST), STATE_FLIPPED on a flip.
 * Takes the packet, not its time and sequence number: a double (or a uint32 past 2^31) passed to a call that is not
 * inlined is a new heap number, two per TCP packet here.
 */
function updateStateMachine(
  t: FlowTable,
  slot: number,
  p: DecodedPacket,
  e: number,
  len: number,
  isOrig: boolean,
  flags: number,
  timers: TcpTimerSettings,
): number {
  let result = 0;
  let peer = e ^ 1;
  switch (t.u32[e * EP_I32 + EI_STATE]) {
    case TCP_INACTIVE: {
      if (flags & SYN) {
        if (isOrig) {
          setState(t, slot, e, flags & ACK ? TCP_SYN_ACK_SENT : TCP_SYN_SENT, timers);
          t.f64[slot * SLOT_F64 + F_ATTEMPT_AT] = p.tsSec + timers.attemptDelaySec;
        } else {
          if ((flags & ACK) === 0 && t.u32[peer * EP_I32 + EI_STATE] === TCP_SYN_ACK_SENT && p.tcpSeq >>> 0 === t.u32[e * EP_I32 + EI_START_SEQ]) {
            // SYN / SYN-ACK reversal: flip the endpoints and establish.
            t.flipRoles(slot);
            e ^= 1;
            peer ^= 1;
            result |= STATE_FLIPPED;
            setState(t, slot, peer, TCP_ESTABLISHED, timers);
          }
          if (t.u32[peer * EP_I32 + EI_STATE] === TCP_SYN_SENT) setState(t, slot, peer, TCP_ESTABLISHED, timers);
          setState(t, slot, e, TCP_ESTABLISHED, timers);
          if (t.u32[peer * EP_I32 + EI_STATE] !== TCP_PARTIAL && timers.longInactivityPorts.has(t.i32[slot * SLOT_I32 + I_RESP_P]!)) t.f64[slot * SLOT_F64 + F_INACTIVITY_SEC] = timers.longInactivitySec;
        }
      }
      if (flags & FIN) {
        setState(t, slot, e, TCP_CLOSED, timers);
        result |= STATE_CLOSE;
      }
      if (flags & RST) {
        setState(t, slot, e, TCP_RESET, timers);
        result |= STATE_CLOSE;
      }
      if (t.u32[e * EP_I32 + EI_STATE] === TCP_INACTIVE) {
        if (!isOrig && len === 0 && t.u32[(slot * 2) * EP_I32 + EI_STATE] === TCP_SYN_SENT) {
          // An ACK of the SYN before the SYN-ACK: not a partial connection.
        } else if (flags & ACK && t.u32[peer * EP_I32 + EI_STATE] === TCP_ESTABLISHED) {
          setState(t, slot, e, TCP_ESTABLISHED, timers);
        } else {
          setState(t, slot, e, TCP_PARTIAL, timers);
        }
      }
      break;
    }
    case TCP_SYN_SENT:
    case TCP_SYN_ACK_SENT:
      if (flags & FIN) {
        setState(t, slot, e, TCP_CLOSED, timers);
        result |= STATE_CLOSE;
      }
      if (flags & RST) {
        setState(t, slot, e, TCP_RESET, timers);
        t.i32[slot * SLOT_I32 + I_FLAGS] = t.i32[slot * SLOT_I32 + I_FLAGS]! & ~FLAG_TCP_ACTIVE;
        result |= STATE_CLOSE;
      }
      break;
    case TCP_ESTABLISHED:
    case TCP_PARTIAL:
      if (flags & SYN && t.u32[e * EP_I32 + EI_STATE] === TCP_PARTIAL && t.u32[peer * EP_I32 + EI_STATE] === TCP_INACTIVE && (flags & ACK) === 0) {
        setState(t, slot, e, TCP_SYN_SENT, timers);
      }
      if (flags & FIN && (flags & RST) === 0) {
        setState(t, slot, e, TCP_CLOSED, timers);
        if (t.u32[peer * EP_I32 + EI_STATE] === TCP_RESET && t.u32[peer * EP_I32 + EI_PREV_STATE] === TCP_CLOSED) setState(t, slot, peer, TCP_CLOSED, timers);
        result |= STATE_CLOSE;
      }
      if (flags & RST) {
        setState(t, slot, e, TCP_RESET, timers);
        result |= STATE_CLOSE;
        if (t.u32[peer * EP_I32 + EI_STATE] !== TCP_RESET || t.u32[peer * EP_I32 + EI_PREV_STATE] !== TCP_ESTABLISHED) t.i32[slot * SLOT_I32 + I_FLAGS] = t.i32[slot * SLOT_I32 + I_FLAGS]! & ~FLAG_TCP_ACTIVE;
      }
      break;
    case TCP_CLOSED:
      if (flags & RST && t.u32[peer * EP_I32 + EI_STATE] !== TCP_CLOSED) {
        setState(t, slot, e, TCP_RESET, timers);
        if (t.u32[e * EP_I32 + EI_DID_CLOSE] === 0) result |= STATE_CLOSE;
        if (t.i32[slot * SLOT_I32 + I_FLAGS]! & FLAG_TCP_ACTIVE) t.f64[slot * SLOT_F64 + F_RESET_AT] = p.tsSec + timers.resetDelaySec;
      }
      break;
    default:
      break;
  }
  return result;
}

/** Zeek `TCPSessionAdapter::ConnectionClosed`: marks side `e` closed and arms the removal timers. */
function connectionClosed(t: FlowTable, slot: number, e: number, timers: TcpTimerSettings): void {
  if (t.u32[e * EP_I32 + EI_DID_CLOSE] !== 0) return;
  t.u32[e * EP_I32 + EI_DID_CLOSE] = 1;
  const peer = e ^ 1;
  const closeComplete = t.u32[e * EP_I32 + EI_STATE] === TCP_RESET || t.u32[peer * EP_I32 + EI_DID_CLOSE] !== 0 || t.u32[peer * EP_I32 + EI_STATE] === TCP_INACTIVE;
  if (closeComplete) {
    t.i32[slot * SLOT_I32 + I_FLAGS] = t.i32[slot * SLOT_I32 + I_FLAGS]! & ~FLAG_TCP_ACTIVE;
    t.f64[slot * SLOT_F64 + F_ATTEMPT_AT] = Number.NaN;
    t.f64[slot * SLOT_F64 + F_PARTIAL_CLOSE_AT] = Number.NaN;
    t.f64[slot * SLOT_F64 + F_RESET_AT] = Number.NaN;
    t.f64[slot * SLOT_F64 + F_EXPIRE_CHAIN_AT] = Number.NaN;
    t.f64[slot * SLOT_F64 + F_CLOSE_EXPIRE_CHAIN_AT] = Number.NaN;
    t.f64[slot * SLOT_F64 + F_DELETE_AT] = t.f64[slot * SLOT_F64 + F_LAST_TS]! + timers.closeDelaySec;
  } else if (t.u32[e * EP_I32 + EI_PREV_STATE] === TCP_INACTIVE) {
    t.f64[slot * SLOT_F64 + F_PARTIAL_CLOSE_AT] = t.f64[slot * SLOT_F64 + F_LAST_TS]! + timers.partialCloseDelaySec;
  } else {
    t.f64[slot * SLOT_F64 + F_CLOSE_EXPIRE_CHAIN_AT] = t.f64[slot * SLOT_F64 + F_LAST_TS]! + timers.sessionTimerSec;
  }
}
