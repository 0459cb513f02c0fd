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
 * bytes), application-analyzer flips. See the README's flow tracker section.
 */
import type { DecodedPacket } from '../pcap/decoded-packet.js';
import {
  type Flow,
  HIST_ACK_PKT,
  HIST_DATA_PKT,
  HIST_FIN_PKT,
  HIST_FIN_RST_PKT,
  HIST_MULTI_FLAG_PKT,
  HIST_RST_PKT,
  HIST_SYN_PKT,
} from './flow.js';
import {
  isHandshakeState,
  seqDelta,
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_INACTIVE,
  TCP_PARTIAL,
  TCP_RESET,
  TCP_SYN_ACK_SENT,
  TCP_SYN_SENT,
  TcpEndpoint,
  type TcpEndpointState,
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

export class TcpSession {
  orig = new TcpEndpoint(true);
  resp = new TcpEndpoint(false);
  /** False once Zeek would have called ConnectionFinished/ConnectionReset. */
  isActive = true;
  /** Pending timers, absolute event times (NaN when not armed). */
  attemptAt = Number.NaN;
  deleteAt = Number.NaN;
  partialCloseAt = Number.NaN;
  resetAt = Number.NaN;
  /** First firing of the ExpireTimer chain armed at creation, and of the one armed by a half close. */
  expireChainAt: number;
  closeExpireChainAt = Number.NaN;
  inactivitySec: number;
  readonly timers: TcpTimerSettings;

  constructor(startSec: number, timers: TcpTimerSettings) {
    this.timers = timers;
    this.expireChainAt = startSec + timers.synTimeoutSec;
    this.inactivitySec = timers.handshakeInactivitySec;
  }

  flipRoles(): void {
    const o = this.orig;
    this.orig = this.resp;
    this.resp = o;
    this.orig.isOrig = !this.orig.isOrig;
    this.resp.isOrig = !this.resp.isOrig;
  }

  /** Zeek `TCP_Endpoint::SetState`, with the switch to the post-handshake inactivity timeout. */
  setState(e: TcpEndpoint, peer: TcpEndpoint, s: TcpEndpointState): void {
    if (s === e.state) return;
    if (!isHandshakeState(s) && isHandshakeState(e.state) && isHandshakeState(peer.state) && this.inactivitySec === this.timers.handshakeInactivitySec) {
      this.inactivitySec = this.timers.inactivitySec;
    }
    e.setState(s);
  }

  isClosed(): boolean {
    return this.orig.didClose || this.resp.didClose;
  }

  bothClosed(): boolean {
    return this.orig.didClose && this.resp.didClose;
  }
}

/**
 * Zeek `TCPSessionAdapter::IsReuse`: a SYN with a new initial sequence number
 * (or a SYN-ACK on a half-open connection), or any SYN after a close, starts
 * a new connection on the same tuple.
 */
export function isTcpReuse(s: TcpSession, p: DecodedPacket): boolean {
  const flags = p.tcpFlags;
  if ((flags & SYN) === 0) return false;
  let connOrig = s.orig;
  if ((flags & ACK) !== 0) {
    if (s.orig.state !== TCP_INACTIVE) return false;
    connOrig = s.resp;
  }
  if (!s.isClosed()) {
    const baseSeq = p.tcpSeq >>> 0;
    if (baseSeq === connOrig.startSeq) return false;
    if ((flags & ACK) === 0 && connOrig.state === TCP_SYN_ACK_SENT && s.resp.state === TCP_INACTIVE && baseSeq === s.resp.startSeq) return false;
  }
  return true;
}

/** Processes one TCP packet of `flow`; `isOrig` is the sender's role before this packet. */
export function processTcpPacket(flow: Flow, s: TcpSession, isOrig: boolean, p: DecodedPacket): void {
  const t = p.tsSec;
  const flags = p.tcpFlags;
  const baseSeq = p.tcpSeq >>> 0;
  const ackSeq = p.tcpAck >>> 0;
  const len = p.payloadLen;
  const endpoint = isOrig ? s.orig : s.resp;
  const peer = isOrig ? s.resp : s.orig;

  let segLen = len;
  if (flags & SYN) segLen++;
  if (flags & FIN) segLen++;
  if (flags & RST) segLen -= len;
  const seqOnePast = (baseSeq + segLen) >>> 0;

  initEndpoint(endpoint, flags, baseSeq, seqOnePast);
  const relSeq = relativeSeq(endpoint, baseSeq, endpoint.lastSeq, endpoint.seqWraps);

  updateHistory(flow, flags, endpoint, relSeq, len);
  if (p.tcpWindow === 0 && (flags & RST) === 0 && peer.state !== TCP_CLOSED && endpoint.state !== TCP_RESET) {
    endpoint.win0Cnt++;
    if (endpoint.win0Cnt === endpoint.win0Thresh) {
      flow.history += endpoint.isOrig ? 'W' : 'w';
      endpoint.win0Thresh *= 10;
    }
  }

  if (!s.orig.didClose || !s.resp.didClose) flow.lastTs = t;

  if (flags & FIN) endpoint.finCnt++;

  if (flags & ACK) {
    if (peer.state === TCP_INACTIVE) {
      const a = (ackSeq - 1) >>> 0;
      peer.initSeqs(a, a);
    } else if (!Number.isNaN(relativeSeq(peer, ackSeq, peer.ackSeq, peer.ackWraps)) && (flags & RST) === 0) {
      const deltaAck = seqDelta(ackSeq, peer.ackSeq);
      if (!(ackSeq === 0 && deltaAck > TOO_LARGE_SEQ_DELTA) && deltaAck > 0) peer.updateAckSeq(ackSeq);
    }
  }

  const deltaLast = seqDelta(seqOnePast, endpoint.lastSeq);
  if ((flags & (SYN | RST)) !== 0 && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
    // untrusted jump
  } else if ((flags & FIN) !== 0 && endpoint.lastSeq === ((endpoint.startSeq + 1) >>> 0)) {
    endpoint.updateLastSeq(seqOnePast);
  } else if (endpoint.state === TCP_RESET) {
    // sequence numbers after a reset are not trusted
  } else if (deltaLast > 0) {
    endpoint.updateLastSeq(seqOnePast);
  } else if (len > 0) {
    endpoint.rxmtCnt++;
    if (endpoint.rxmtCnt === endpoint.rxmtThresh) {
      flow.history += endpoint.isOrig ? 'T' : 't';
      endpoint.rxmtThresh *= 10;
    }
  }

  const close = updateStateMachine(flow, s, t, endpoint, peer, baseSeq, len, isOrig, flags);
  if (close) connectionClosed(flow, s, endpoint, peer);
}

function initEndpoint(e: TcpEndpoint, flags: number, firstSeq: number, lastSeq: number): void {
  switch (e.state) {
    case TCP_INACTIVE:
      if (flags & SYN) {
        e.startSeq = firstSeq;
        e.ackSeq = firstSeq;
      } else {
        // A partial connection: number as though a SYN had been seen.
        e.startSeq = (firstSeq - 1) >>> 0;
        e.ackSeq = e.startSeq;
        lastSeq = firstSeq;
      }
      e.lastSeq = lastSeq;
      break;
    case TCP_SYN_SENT:
    case TCP_SYN_ACK_SENT:
      if (flags & SYN && firstSeq !== e.startSeq) e.initSeqs(firstSeq, lastSeq);
      break;
    case TCP_ESTABLISHED:
    case TCP_PARTIAL:
      if (flags & SYN) e.initSeqs(firstSeq, lastSeq);
      break;
    case TCP_RESET:
      if (flags & SYN && e.prevState === TCP_INACTIVE) e.initSeqs(firstSeq, lastSeq);
      break;
    default:
      break;
  }
}

/** Zeek `get_relative_seq`; NaN stands for an underflow (a sequence before the endpoint's start). */
function relativeSeq(e: TcpEndpoint, cur: number, last: number, wraps: number): number {
  const delta = seqDelta(cur, last);
  if (delta < 0) {
    if (wraps && cur > last) wraps--;
  } else if (delta > 0) {
    if (cur < last) wraps++;
  }
  if (wraps === 0) {
    const d = seqDelta(cur, e.startSeq);
    return d < 0 ? Number.NaN : d;
  }
  return e.toRelative(cur, wraps);
}

function updateHistory(flow: Flow, flags: number, e: TcpEndpoint, relSeq: number, len: number): void {
  const bits = (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0) + (flags & RST ? 1 : 0);
  if (bits > 1) {
    if (flags & FIN && flags & RST) checkHistory(flow, e, HIST_FIN_RST_PKT, 'I');
    else checkHistory(flow, e, HIST_MULTI_FLAG_PKT, 'Q');
  } else if (bits === 1) {
    if (flags & SYN) {
      const code = flags & ACK ? 'H' : 'S';
      if (checkHistory(flow, e, HIST_SYN_PKT, code) && relSeq !== e.histLastSyn) addHistory(flow, e, code);
      e.histLastSyn = relSeq;
    }
    if (flags & FIN) {
      if (checkHistory(flow, e, HIST_FIN_PKT, 'F') && relSeq + len !== e.histLastFin) addHistory(flow, e, 'F');
      e.histLastFin = relSeq + len;
    }
    if (flags & RST) {
      if (checkHistory(flow, e, HIST_RST_PKT, 'R') && relSeq !== e.histLastRst) addHistory(flow, e, 'R');
      e.histLastRst = relSeq;
    }
  } else if (len > 0) {
    flipOnSecondPacket(flow);
    checkHistory(flow, e, HIST_DATA_PKT, 'D');
  } else if (flags & ACK) {
    flipOnSecondPacket(flow);
    checkHistory(flow, e, HIST_ACK_PKT, 'A');
  }
}

/**
 * A connection that a SYN-ACK started without being flipped (history exactly
 * "H") is flipped when the next ACK or data packet arrives, from either side
 * (zeek PR #2191), and its history becomes "^h".
 */
function flipOnSecondPacket(flow: Flow): void {
  if (flow.history !== 'H') return;
  flow.flipRoles();
  flow.history = '^h';
}

function checkHistory(flow: Flow, e: TcpEndpoint, mask: number, code: string): boolean {
  return e.isOrig ? flow.checkHistory(mask, code) : flow.checkHistory(mask << 16, code.toLowerCase());
}

function addHistory(flow: Flow, e: TcpEndpoint, code: string): void {
  flow.history += e.isOrig ? code : code.toLowerCase();
}

/** Returns true when the packet closes the sender's side (FIN or RST). */
function updateStateMachine(
  flow: Flow,
  s: TcpSession,
  t: number,
  endpoint: TcpEndpoint,
  peer: TcpEndpoint,
  baseSeq: number,
  len: number,
  isOrig: boolean,
  flags: number,
): boolean {
  let doClose = false;
  switch (endpoint.state) {
    case TCP_INACTIVE: {
      if (flags & SYN) {
        if (isOrig) {
          s.setState(endpoint, peer, flags & ACK ? TCP_SYN_ACK_SENT : TCP_SYN_SENT);
          s.attemptAt = t + s.timers.attemptDelaySec;
        } else {
          if ((flags & ACK) === 0 && peer.state === TCP_SYN_ACK_SENT && baseSeq === endpoint.startSeq) {
            // SYN / SYN-ACK reversal: flip the endpoints and establish.
            flow.flipRoles();
            s.setState(peer, endpoint, TCP_ESTABLISHED);
          }
          if (peer.state === TCP_SYN_SENT) s.setState(peer, endpoint, TCP_ESTABLISHED);
          s.setState(endpoint, peer, TCP_ESTABLISHED);
          if (peer.state !== TCP_PARTIAL && s.timers.longInactivityPorts.has(flow.respP) && flow.ipProto === 6) {
            s.inactivitySec = s.timers.longInactivitySec;
          }
        }
      }
      if (flags & FIN) {
        s.setState(endpoint, peer, TCP_CLOSED);
        doClose = true;
      }
      if (flags & RST) {
        s.setState(endpoint, peer, TCP_RESET);
        doClose = true;
      }
      if (endpoint.state === TCP_INACTIVE) {
        if (!isOrig && len === 0 && s.orig.state === TCP_SYN_SENT) {
          // An ACK of the SYN before the SYN-ACK: not a partial connection.
        } else if (flags & ACK && peer.state === TCP_ESTABLISHED) {
          s.setState(endpoint, peer, TCP_ESTABLISHED);
        } else {
          s.setState(endpoint, peer, TCP_PARTIAL);
        }
      }
      break;
    }
    case TCP_SYN_SENT:
    case TCP_SYN_ACK_SENT:
      if (flags & FIN) {
        s.setState(endpoint, peer, TCP_CLOSED);
        doClose = true;
      }
      if (flags & RST) {
        s.setState(endpoint, peer, TCP_RESET);
        s.isActive = false;
        doClose = true;
      }
      break;
    case TCP_ESTABLISHED:
    case TCP_PARTIAL:
      if (flags & SYN && endpoint.state === TCP_PARTIAL && peer.state === TCP_INACTIVE && (flags & ACK) === 0) {
        s.setState(endpoint, peer, TCP_SYN_SENT);
      }
      if (flags & FIN && (flags & RST) === 0) {
        s.setState(endpoint, peer, TCP_CLOSED);
        if (peer.state === TCP_RESET && peer.prevState === TCP_CLOSED) s.setState(peer, endpoint, TCP_CLOSED);
        doClose = true;
      }
      if (flags & RST) {
        s.setState(endpoint, peer, TCP_RESET);
        doClose = true;
        if (peer.state !== TCP_RESET || peer.prevState !== TCP_ESTABLISHED) s.isActive = false;
      }
      break;
    case TCP_CLOSED:
      if (flags & RST && peer.state !== TCP_CLOSED) {
        s.setState(endpoint, peer, TCP_RESET);
        if (!endpoint.didClose) doClose = true;
        if (s.isActive) s.resetAt = t + s.timers.resetDelaySec;
      }
      break;
    default:
      break;
  }
  return doClose;
}

/** Zeek `TCPSessionAdapter::ConnectionClosed`: marks the side closed and arms the removal timers. */
function connectionClosed(flow: Flow, s: TcpSession, endpoint: TcpEndpoint, peer: TcpEndpoint): void {
  if (endpoint.didClose) return;
  endpoint.didClose = true;
  const closeComplete = endpoint.state === TCP_RESET || peer.didClose || peer.state === TCP_INACTIVE;
  if (closeComplete) {
    s.isActive = false;
    s.attemptAt = Number.NaN;
    s.partialCloseAt = Number.NaN;
    s.resetAt = Number.NaN;
    s.expireChainAt = Number.NaN;
    s.closeExpireChainAt = Number.NaN;
    s.deleteAt = flow.lastTs + s.timers.closeDelaySec;
  } else if (endpoint.prevState === TCP_INACTIVE) {
    s.partialCloseAt = flow.lastTs + s.timers.partialCloseDelaySec;
  } else {
    s.closeExpireChainAt = flow.lastTs + s.timers.sessionTimerSec;
  }
}
