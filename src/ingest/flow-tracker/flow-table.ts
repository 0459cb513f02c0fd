/**
 * The live connections of the flow tracker, stored column-wise: one slot
 * number per connection and one typed array per field (struct of arrays),
 * so a million live connections cost a few hundred bytes each and the
 * garbage collector has almost nothing to trace. Slots are reused through
 * a free list; `serial` tells a reused slot from its previous tenant.
 *
 * TCP endpoint fields (Zeek's `TCP_Endpoint`) live in arrays indexed by
 * `slot * 2 + side`, side 0 the originator and side 1 the responder; a
 * role flip swaps the two sides' values.
 */
import type { Proto } from '../../types.js';
import { createFlowUid } from './flow-uid.js';

export const PROTO_TCP = 0;
export const PROTO_UDP = 1;
export const PROTO_ICMP = 2;
export const PROTO_OTHER = 3;
export const PROTO_NAMES: readonly Proto[] = ['tcp', 'udp', 'icmp', 'unknown_transport'];

/** `flags` bits. */
export const FLAG_REMOVED = 1;
export const FLAG_ORIG_SEEN = 2;
export const FLAG_RESP_SEEN = 4;
/** TCP: Zeek's `is_active` (cleared by ConnectionFinished/ConnectionReset). */
export const FLAG_TCP_ACTIVE = 8;
/** The key keeps its direction (one-way ICMP messages). */
export const FLAG_ONE_WAY = 16;

/** History bitmask bits (Zeek `session::detail::HIST_*`); responder bits are shifted left by 16. */
export const HIST_SYN_PKT = 0x1;
export const HIST_FIN_PKT = 0x2;
export const HIST_RST_PKT = 0x4;
export const HIST_FIN_RST_PKT = 0x8;
export const HIST_DATA_PKT = 0x10;
export const HIST_ACK_PKT = 0x20;
export const HIST_MULTI_FLAG_PKT = 0x40;

const INITIAL_CAPACITY = 1024;

export class FlowTable {
  capacity = 0;
  /** Slots never exceed this (the tracker's cap + 1), so the last growth step does not overshoot. */
  private readonly maxCapacity: number;
  private nextSerial = 1;
  private free: number[] = [];
  private used = 0;

  // Per connection: the key (endpoints in canonical order) and its hash.
  kA: string[] = [];
  kB: string[] = [];
  kPA = new Int32Array(0);
  kPB = new Int32Array(0);
  kHash = new Int32Array(0);
  origH: string[] = [];
  respH: string[] = [];
  history: string[] = [];
  service: (string | null)[] = [];
  serial = new Uint32Array(0);
  ts = new Float64Array(0);
  lastTs = new Float64Array(0);
  removeAt = new Float64Array(0);
  queuedSec = new Float64Array(0);
  origPkts = new Float64Array(0);
  respPkts = new Float64Array(0);
  origIpBytes = new Float64Array(0);
  respIpBytes = new Float64Array(0);
  origPayloadBytes = new Float64Array(0);
  respPayloadBytes = new Float64Array(0);
  tickSec = new Float64Array(0);
  tickOrigBytes = new Float64Array(0);
  tickRespBytes = new Float64Array(0);
  tickOrigPkts = new Int32Array(0);
  tickRespPkts = new Int32Array(0);
  origP = new Int32Array(0);
  respP = new Int32Array(0);
  histSeen = new Int32Array(0);
  dnsMessages = new Int32Array(0);
  proto = new Uint8Array(0);
  ipProto = new Uint8Array(0);
  flags = new Uint8Array(0);
  // TCP connection timers (absolute event times, NaN when not armed) and inactivity timeout.
  attemptAt = new Float64Array(0);
  deleteAt = new Float64Array(0);
  partialCloseAt = new Float64Array(0);
  resetAt = new Float64Array(0);
  expireChainAt = new Float64Array(0);
  closeExpireChainAt = new Float64Array(0);
  inactivitySec = new Float64Array(0);
  /** Bytes of content gaps (Zeek's missed_bytes). */
  missedBytes = new Float64Array(0);

  // Per TCP endpoint: index slot * 2 + side.
  eState = new Uint8Array(0);
  ePrevState = new Uint8Array(0);
  eDidClose = new Uint8Array(0);
  eStartSeq = new Uint32Array(0);
  eLastSeq = new Uint32Array(0);
  eAckSeq = new Uint32Array(0);
  eSeqWraps = new Uint32Array(0);
  eAckWraps = new Uint32Array(0);
  eFinCnt = new Uint32Array(0);
  eRxmtCnt = new Uint32Array(0);
  eWin0Cnt = new Uint32Array(0);
  /** Bad-checksum packets (history C/c, scaled); also used for UDP, per side. */
  eChkCnt = new Uint32Array(0);
  eChkThresh = new Uint32Array(0);
  /** Next count at which a scaled history letter is added (1, 10, 100, ...; 0 once past 10^9). */
  eRxmtThresh = new Uint32Array(0);
  eWin0Thresh = new Uint32Array(0);
  eHistLastSyn = new Float64Array(0);
  eHistLastFin = new Float64Array(0);
  eHistLastRst = new Float64Array(0);
  /** Content-gap tracking (tcp-gaps.ts): next unseen relative sequence, one buffered range beyond a hole, FIN end. */
  eReassemNext = new Float64Array(0);
  eBufStart = new Float64Array(0);
  eBufEnd = new Float64Array(0);
  eFinSeq = new Float64Array(0);
  eGapCnt = new Uint32Array(0);
  eGapThresh = new Uint32Array(0);

  constructor(maxCapacity = Number.POSITIVE_INFINITY) {
    this.maxCapacity = maxCapacity;
  }

  /** Live connections. */
  get size(): number {
    return this.used;
  }

  /** A fresh slot with every field reset. */
  alloc(tsSec: number, origH: string, origP: number, respH: string, respP: number, proto: number, ipProto: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used >= this.capacity) this.grow();
      slot = this.used;
    }
    this.used++;
    this.origH[slot] = origH;
    this.respH[slot] = respH;
    this.history[slot] = '';
    this.service[slot] = null;
    this.serial[slot] = this.nextSerial;
    this.nextSerial = (this.nextSerial + 1) >>> 0;
    this.ts[slot] = tsSec;
    this.lastTs[slot] = tsSec;
    this.removeAt[slot] = Number.POSITIVE_INFINITY;
    this.queuedSec[slot] = Number.NaN;
    this.origPkts[slot] = 0;
    this.respPkts[slot] = 0;
    this.origIpBytes[slot] = 0;
    this.respIpBytes[slot] = 0;
    this.origPayloadBytes[slot] = 0;
    this.respPayloadBytes[slot] = 0;
    this.tickSec[slot] = Number.NaN;
    this.tickOrigBytes[slot] = 0;
    this.tickRespBytes[slot] = 0;
    this.tickOrigPkts[slot] = 0;
    this.tickRespPkts[slot] = 0;
    this.origP[slot] = origP;
    this.respP[slot] = respP;
    this.histSeen[slot] = 0;
    this.dnsMessages[slot] = 0;
    this.proto[slot] = proto;
    this.ipProto[slot] = ipProto;
    this.flags[slot] = 0;
    this.attemptAt[slot] = Number.NaN;
    this.deleteAt[slot] = Number.NaN;
    this.partialCloseAt[slot] = Number.NaN;
    this.resetAt[slot] = Number.NaN;
    this.expireChainAt[slot] = Number.NaN;
    this.closeExpireChainAt[slot] = Number.NaN;
    this.inactivitySec[slot] = 0;
    this.missedBytes[slot] = 0;
    for (let e = slot * 2; e < slot * 2 + 2; e++) {
      this.eState[e] = 0;
      this.ePrevState[e] = 0;
      this.eDidClose[e] = 0;
      this.eStartSeq[e] = 0;
      this.eLastSeq[e] = 0;
      this.eAckSeq[e] = 0;
      this.eSeqWraps[e] = 0;
      this.eAckWraps[e] = 0;
      this.eFinCnt[e] = 0;
      this.eRxmtCnt[e] = 0;
      this.eWin0Cnt[e] = 0;
      this.eChkCnt[e] = 0;
      this.eChkThresh[e] = 1;
      this.eRxmtThresh[e] = 1;
      this.eWin0Thresh[e] = 1;
      this.eHistLastSyn[e] = 0;
      this.eHistLastFin[e] = 0;
      this.eHistLastRst[e] = 0;
      this.eReassemNext[e] = 1;
      this.eBufStart[e] = 0;
      this.eBufEnd[e] = 0;
      this.eFinSeq[e] = 0;
      this.eGapCnt[e] = 0;
      this.eGapThresh[e] = 1;
    }
    return slot;
  }

  /** Returns the slot to the free list (its strings are dropped so they can be collected). */
  release(slot: number): void {
    this.flags[slot] = this.flags[slot]! | FLAG_REMOVED;
    this.kA[slot] = '';
    this.kB[slot] = '';
    this.origH[slot] = '';
    this.respH[slot] = '';
    this.history[slot] = '';
    this.service[slot] = null;
    this.free.push(slot);
    this.used--;
  }

  /** Sets the connection key of `slot` (endpoints in canonical order, or in packet order when one-way). */
  setKey(slot: number, hash: number, a: string, pa: number, b: string, pb: number, oneWay: boolean): void {
    this.kA[slot] = a;
    this.kB[slot] = b;
    this.kPA[slot] = pa;
    this.kPB[slot] = pb;
    this.kHash[slot] = hash;
    if (oneWay) this.flags[slot] = this.flags[slot]! | FLAG_ONE_WAY;
  }

  /** Zeek `ChecksumError`: one more bad-checksum packet from side `side` (0 orig); adds C/c at the 1st, 10th, 100th... */
  addChecksumError(slot: number, side: number): void {
    const e = slot * 2 + side;
    const c = this.eChkCnt[e]! + 1;
    this.eChkCnt[e] = c;
    if (c === this.eChkThresh[e]) {
      this.history[slot] += side === 0 ? 'C' : 'c';
      this.eChkThresh[e] = c >= 1e9 ? 0 : c * 10;
    }
  }

  /** The connection's uid (from its key and start time). */
  uid(slot: number): string {
    return createFlowUid(this.ipProto[slot]!, (this.flags[slot]! & FLAG_ONE_WAY) !== 0, this.kA[slot]!, this.kPA[slot]!, this.kB[slot]!, this.kPB[slot]!, this.ts[slot]!);
  }

  /** Slots ever handed out (live ones have no FLAG_REMOVED). */
  get highWater(): number {
    return this.used + this.free.length;
  }

  isRemoved(slot: number): boolean {
    return (this.flags[slot]! & FLAG_REMOVED) !== 0;
  }

  /** Zeek `Connection::CheckHistory`: adds `code` once per mask bit; true when it was already seen. */
  checkHistory(slot: number, mask: number, code: string): boolean {
    const seen = this.histSeen[slot]!;
    if ((seen & mask) === 0) {
      this.histSeen[slot] = seen | mask;
      this.history[slot] += code;
      return false;
    }
    return true;
  }

  /** Zeek `Connection::FlipRoles`: swaps endpoints, counters and TCP endpoint state; appends `^`. */
  flipRoles(slot: number): void {
    swapStr(this.origH, this.respH, slot);
    swapNum(this.origP, this.respP, slot);
    swapNum(this.origPkts, this.respPkts, slot);
    swapNum(this.origIpBytes, this.respIpBytes, slot);
    swapNum(this.origPayloadBytes, this.respPayloadBytes, slot);
    swapNum(this.tickOrigPkts, this.tickRespPkts, slot);
    swapNum(this.tickOrigBytes, this.tickRespBytes, slot);
    const f = this.flags[slot]!;
    const origSeen = f & FLAG_ORIG_SEEN;
    const respSeen = f & FLAG_RESP_SEEN;
    this.flags[slot] = (f & ~(FLAG_ORIG_SEEN | FLAG_RESP_SEEN)) | (origSeen ? FLAG_RESP_SEEN : 0) | (respSeen ? FLAG_ORIG_SEEN : 0);
    if (this.proto[slot] === PROTO_TCP) {
      const a = slot * 2;
      const b = a + 1;
      for (const arr of this.endpointArrays()) {
        const v = arr[a]!;
        arr[a] = arr[b]!;
        arr[b] = v;
      }
    }
    this.history[slot] += '^';
  }

  private endpointArrays(): (Uint8Array | Uint32Array | Float64Array)[] {
    return [
      this.eState,
      this.ePrevState,
      this.eDidClose,
      this.eStartSeq,
      this.eLastSeq,
      this.eAckSeq,
      this.eSeqWraps,
      this.eAckWraps,
      this.eFinCnt,
      this.eRxmtCnt,
      this.eWin0Cnt,
      this.eChkCnt,
      this.eChkThresh,
      this.eRxmtThresh,
      this.eWin0Thresh,
      this.eHistLastSyn,
      this.eHistLastFin,
      this.eHistLastRst,
      this.eReassemNext,
      this.eBufStart,
      this.eBufEnd,
      this.eFinSeq,
      this.eGapCnt,
      this.eGapThresh,
    ];
  }

  private grow(): void {
    const n = Math.max(this.capacity + 1, Math.min(this.maxCapacity, this.capacity === 0 ? INITIAL_CAPACITY : Math.ceil(this.capacity * 1.5)));
    const g = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.kPA = g(this.kPA, n);
    this.kPB = g(this.kPB, n);
    this.kHash = g(this.kHash, n);
    this.serial = g(this.serial, n);
    this.ts = g(this.ts, n);
    this.lastTs = g(this.lastTs, n);
    this.removeAt = g(this.removeAt, n);
    this.queuedSec = g(this.queuedSec, n);
    this.origPkts = g(this.origPkts, n);
    this.respPkts = g(this.respPkts, n);
    this.origIpBytes = g(this.origIpBytes, n);
    this.respIpBytes = g(this.respIpBytes, n);
    this.origPayloadBytes = g(this.origPayloadBytes, n);
    this.respPayloadBytes = g(this.respPayloadBytes, n);
    this.tickSec = g(this.tickSec, n);
    this.tickOrigBytes = g(this.tickOrigBytes, n);
    this.tickRespBytes = g(this.tickRespBytes, n);
    this.tickOrigPkts = g(this.tickOrigPkts, n);
    this.tickRespPkts = g(this.tickRespPkts, n);
    this.origP = g(this.origP, n);
    this.respP = g(this.respP, n);
    this.histSeen = g(this.histSeen, n);
    this.dnsMessages = g(this.dnsMessages, n);
    this.proto = g(this.proto, n);
    this.ipProto = g(this.ipProto, n);
    this.flags = g(this.flags, n);
    this.attemptAt = g(this.attemptAt, n);
    this.deleteAt = g(this.deleteAt, n);
    this.partialCloseAt = g(this.partialCloseAt, n);
    this.resetAt = g(this.resetAt, n);
    this.expireChainAt = g(this.expireChainAt, n);
    this.closeExpireChainAt = g(this.closeExpireChainAt, n);
    this.inactivitySec = g(this.inactivitySec, n);
    this.missedBytes = g(this.missedBytes, n);
    this.eState = g(this.eState, 2 * n);
    this.ePrevState = g(this.ePrevState, 2 * n);
    this.eDidClose = g(this.eDidClose, 2 * n);
    this.eStartSeq = g(this.eStartSeq, 2 * n);
    this.eLastSeq = g(this.eLastSeq, 2 * n);
    this.eAckSeq = g(this.eAckSeq, 2 * n);
    this.eSeqWraps = g(this.eSeqWraps, 2 * n);
    this.eAckWraps = g(this.eAckWraps, 2 * n);
    this.eFinCnt = g(this.eFinCnt, 2 * n);
    this.eRxmtCnt = g(this.eRxmtCnt, 2 * n);
    this.eWin0Cnt = g(this.eWin0Cnt, 2 * n);
    this.eChkCnt = g(this.eChkCnt, 2 * n);
    this.eChkThresh = g(this.eChkThresh, 2 * n);
    this.eRxmtThresh = g(this.eRxmtThresh, 2 * n);
    this.eWin0Thresh = g(this.eWin0Thresh, 2 * n);
    this.eHistLastSyn = g(this.eHistLastSyn, 2 * n);
    this.eHistLastFin = g(this.eHistLastFin, 2 * n);
    this.eHistLastRst = g(this.eHistLastRst, 2 * n);
    this.eReassemNext = g(this.eReassemNext, 2 * n);
    this.eBufStart = g(this.eBufStart, 2 * n);
    this.eBufEnd = g(this.eBufEnd, 2 * n);
    this.eFinSeq = g(this.eFinSeq, 2 * n);
    this.eGapCnt = g(this.eGapCnt, 2 * n);
    this.eGapThresh = g(this.eGapThresh, 2 * n);
    this.capacity = n;
  }
}

function swapNum(a: Float64Array | Int32Array, b: Float64Array | Int32Array, i: number): void {
  const v = a[i]!;
  a[i] = b[i]!;
  b[i] = v;
}

function swapStr(a: string[], b: string[], i: number): void {
  const v = a[i]!;
  a[i] = b[i]!;
  b[i] = v;
}
