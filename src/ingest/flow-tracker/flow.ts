/**
 * The live state of one connection in the flow tracker: Zeek's connection
 * record (addresses, ports, counters, history) plus the transport state. One
 * object per connection; packets update it in place.
 */
import type { Proto } from '../../types.js';
import type { TcpSession } from './tcp-session.js';

/** History bitmask bits (Zeek `session::detail::HIST_*`); responder bits are shifted left by 16. */
export const HIST_SYN_PKT = 0x1;
export const HIST_FIN_PKT = 0x2;
export const HIST_RST_PKT = 0x4;
export const HIST_FIN_RST_PKT = 0x8;
export const HIST_DATA_PKT = 0x10;
export const HIST_ACK_PKT = 0x20;
export const HIST_MULTI_FLAG_PKT = 0x40;

export class Flow {
  readonly key: string;
  /** Time of the packet that created the connection (Zeek `start_time`). */
  readonly ts: number;
  lastTs: number;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  readonly proto: Proto;
  readonly ipProto: number;
  origPkts = 0;
  origIpBytes = 0;
  respPkts = 0;
  respIpBytes = 0;
  /** UDP/ICMP payload byte sums (TCP sizes come from sequence numbers). */
  origPayloadBytes = 0;
  respPayloadBytes = 0;
  /** A packet was seen from this side (UDP endpoint "active"; kept apart from packet counts). */
  origSeen = false;
  respSeen = false;
  history = '';
  histSeen = 0;
  service: string | null = null;
  tcp: TcpSession | null = null;
  /** Event time at which Zeek's timers would remove this connection. */
  removeAt = Number.POSITIVE_INFINITY;
  /** The expiry bucket (whole second) this flow is queued in; NaN when none. */
  queuedSec = Number.NaN;
  removed = false;
  /** Per-second packet tick accumulators (current second only). */
  tickSec = Number.NaN;
  tickOrigPkts = 0;
  tickOrigBytes = 0;
  tickRespPkts = 0;
  tickRespBytes = 0;
  /** DNS messages parsed on this flow (for the service field and DNS-based flips). */
  dnsMessages = 0;

  constructor(key: string, tsSec: number, origH: string, origP: number, respH: string, respP: number, proto: Proto, ipProto: number) {
    this.key = key;
    this.ts = tsSec;
    this.lastTs = tsSec;
    this.origH = origH;
    this.origP = origP;
    this.respH = respH;
    this.respP = respP;
    this.proto = proto;
    this.ipProto = ipProto;
  }

  /** Zeek `Connection::CheckHistory`: adds `code` once per mask bit; true when it was already seen. */
  checkHistory(mask: number, code: string): boolean {
    if ((this.histSeen & mask) === 0) {
      this.histSeen |= mask;
      this.history += code;
      return false;
    }
    return true;
  }

  /** Zeek `Connection::FlipRoles`: swaps the endpoints and counters and appends `^`. */
  flipRoles(): void {
    const h = this.origH;
    this.origH = this.respH;
    this.respH = h;
    const p = this.origP;
    this.origP = this.respP;
    this.respP = p;
    let n = this.origPkts;
    this.origPkts = this.respPkts;
    this.respPkts = n;
    n = this.origIpBytes;
    this.origIpBytes = this.respIpBytes;
    this.respIpBytes = n;
    n = this.origPayloadBytes;
    this.origPayloadBytes = this.respPayloadBytes;
    this.respPayloadBytes = n;
    const seen = this.origSeen;
    this.origSeen = this.respSeen;
    this.respSeen = seen;
    n = this.tickOrigPkts;
    this.tickOrigPkts = this.tickRespPkts;
    this.tickRespPkts = n;
    n = this.tickOrigBytes;
    this.tickOrigBytes = this.tickRespBytes;
    this.tickRespBytes = n;
    this.tcp?.flipRoles();
    this.history += '^';
  }
}
