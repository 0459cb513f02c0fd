/**
 * The live connections of the flow tracker: one slot number per connection
 * and one fixed-size 512-byte record per slot in a single ArrayBuffer, read
 * through three views (`f64`, `i32`, `u32`), so a packet's work touches one
 * contiguous record (a few adjacent cache lines) instead of one cache line in
 * each of some 60 column arrays. The garbage collector has almost nothing to
 * trace. Slots are reused through a free list; `serial` tells a reused slot
 * from its previous tenant. Strings (key addresses, endpoints, history) sit
 * in one array, SLOT_STR entries per slot.
 *
 * Record layout: bytes 0-123 the originator's TCP endpoint (Zeek's
 * `TCP_Endpoint`), bytes 256-379 the responder's, the rest (128-255,
 * 384-511) the connection's own fields, the per-packet ones first. Endpoint `e = slot * 2 + side` (side 0 the
 * originator, 1 the responder) has its doubles at `f64[e * EP_F64 + EF_*]`
 * and its integers at `u32[e * EP_I32 + EI_*]`; connection fields are at
 * `f64[slot * SLOT_F64 + F_*]`, `i32[slot * SLOT_I32 + I_*]` (and
 * `u32[... + I_SERIAL]`). A role flip swaps the two endpoint blocks.
 *
 * i32/u32 word map of a record: 0-13 originator endpoint doubles (EF_*),
 * 14-30 its integers (EI_*), 31 the expiry queue's next link
 * (I_EXPIRY_NEXT), 32-63 connection doubles (F_* 16-31), 64-94 the
 * responder's endpoint, 95 the expiry queue's previous link
 * (I_EXPIRY_PREV), 96-105
 * connection doubles (F_* 48-52), 106-124 connection integers (I_K_HASH ..
 * I_RESP_N), 125-127 the packed history (I_HIST_PACKED).
 *
 * The history (Zeek's `history` string) is kept as letter codes
 * (HIST_ALPHABET, 5 bits each) in the three words from I_HIST_PACKED: field
 * 0 (bits 0-4 of the first word) counts the packed letters, letter k (from
 * 0) is field k + 1, six fields per word (bits 0-29). Letters beyond
 * HIST_PACKED_MAX go to the string `str[... + S_HISTORY]`, so the history
 * is the packed letters followed by that string (`history(slot)`); it is
 * built once, when the connection is reported.
 */
import type { Proto } from '../../types.js';
import { createFlowUid, createFlowUidIpv4, flowUidCodes, flowUidIpv4Codes } from './flow-uid.js';

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
/** The DNS tracker has looked at the connection's ports (FLAG_DNS_PORT: one of them is a DNS port). */
export const FLAG_DNS_CHECKED = 32;
export const FLAG_DNS_PORT = 64;
/** The connection was created from an IPv4 packet of the capture reader: I_K_AN, I_K_BN, I_ORIG_N, I_RESP_N hold its addresses as integers. */
export const FLAG_NUMERIC_ADDR = 128;

/** History bitmask bits (Zeek `session::detail::HIST_*`); responder bits are shifted left by 16. */
export const HIST_SYN_PKT = 0x1;
export const HIST_FIN_PKT = 0x2;
export const HIST_RST_PKT = 0x4;
export const HIST_FIN_RST_PKT = 0x8;
export const HIST_DATA_PKT = 0x10;
export const HIST_ACK_PKT = 0x20;
export const HIST_MULTI_FLAG_PKT = 0x40;

/** History letters by code (code 0 unused); a responder's letter is its originator letter's code + HIST_RESP. */
export const HIST_ALPHABET = ' ^SHADFRIQCTWGshadfriqctwg';
export const HL_FLIP = 1;
export const HL_S = 2;
export const HL_H = 3;
export const HL_A = 4;
export const HL_D = 5;
export const HL_F = 6;
export const HL_R = 7;
export const HL_I = 8;
export const HL_Q = 9;
export const HL_C = 10;
export const HL_T = 11;
export const HL_W = 12;
export const HL_G = 13;
/** Added to an originator letter's code for the responder's (lower-case) letter. */
export const HIST_RESP = 12;
/** Letters kept in the record; later ones are appended to the history string. */
export const HIST_PACKED_MAX = 17;
/** Set in the first packed word once the packed letters were moved into the string (a letter outside the alphabet). */
const HIST_SPILLED = 1 << 30;
/** Letter code by character code (0: not in the alphabet). */
const HIST_CODE = new Uint8Array(128);
for (let c = 1; c < HIST_ALPHABET.length; c++) HIST_CODE[HIST_ALPHABET.charCodeAt(c)] = c;

/** Bytes per slot record, and the record's length in each view's units. */
const SLOT_BYTES = 512;
export const SLOT_F64 = SLOT_BYTES / 8;
export const SLOT_I32 = SLOT_BYTES / 4;
/**
 * The record is two 256-byte halves, one per TCP endpoint (side): endpoint
 * `e = slot * 2 + side` starts at f64 index `e * EP_F64`, i32/u32 index
 * `e * EP_I32`, and uses the first EP_WORDS 32-bit words of its half.
 */
export const EP_F64 = SLOT_F64 / 2;
export const EP_I32 = SLOT_I32 / 2;
const EP_WORDS = 31; // word 31 of each half is the connection's (I_EXPIRY_NEXT, I_EXPIRY_PREV), not swapped by a flip
/** Strings per slot in `str`. */
export const SLOT_STR = 5;

// TCP endpoint doubles (f64, bytes 0-55 of the block).
export const EF_HIST_LAST_SYN = 0;
export const EF_HIST_LAST_FIN = 1;
export const EF_HIST_LAST_RST = 2;
/** Content-gap tracking (tcp-gaps.ts): next unseen relative sequence, one buffered range beyond a hole, FIN end. */
export const EF_REASSEM_NEXT = 3;
export const EF_BUF_START = 4;
export const EF_BUF_END = 5;
export const EF_FIN_SEQ = 6;
// TCP endpoint integers (u32, bytes 56-123 of the block).
export const EI_STATE = 14;
export const EI_PREV_STATE = 15;
export const EI_DID_CLOSE = 16;
export const EI_START_SEQ = 17;
export const EI_LAST_SEQ = 18;
export const EI_ACK_SEQ = 19;
export const EI_SEQ_WRAPS = 20;
export const EI_ACK_WRAPS = 21;
export const EI_FIN_CNT = 22;
export const EI_RXMT_CNT = 23;
export const EI_WIN0_CNT = 24;
/** Bad-checksum packets (history C/c, scaled); also used for UDP, per side. */
export const EI_CHK_CNT = 25;
export const EI_CHK_THRESH = 26;
/** Next count at which a scaled history letter is added (1, 10, 100, ...; 0 once past 10^9). */
export const EI_RXMT_THRESH = 27;
export const EI_WIN0_THRESH = 28;
export const EI_GAP_CNT = 29;
export const EI_GAP_THRESH = 30;

// Connection doubles (f64 indexes 16-31: bytes 128-255, and 48-52: bytes 384-423), the per-packet ones first.
export const F_LAST_TS = 16;
export const F_REMOVE_AT = 17;
export const F_QUEUED_SEC = 18;
export const F_ORIG_PKTS = 19;
export const F_RESP_PKTS = 20;
export const F_ORIG_IP_BYTES = 21;
export const F_RESP_IP_BYTES = 22;
/** The second the connection's row in packet-ticks.ts (I_TICK_ROW) counts (NaN: none). */
export const F_TICK_SEC = 23;
// f64 24 and 25 are free.
/** TCP inactivity timeout and connection timers (absolute event times, NaN when not armed). */
export const F_INACTIVITY_SEC = 26;
export const F_ATTEMPT_AT = 27;
export const F_DELETE_AT = 28;
export const F_PARTIAL_CLOSE_AT = 29;
export const F_RESET_AT = 30;
export const F_EXPIRE_CHAIN_AT = 31;
export const F_CLOSE_EXPIRE_CHAIN_AT = 48;
export const F_ORIG_PAYLOAD_BYTES = 49;
export const F_RESP_PAYLOAD_BYTES = 50;
export const F_TS = 51;
/** Bytes of content gaps (Zeek's missed_bytes). */
export const F_MISSED_BYTES = 52;
// Connection integers (i32 indexes 106-118: bytes 424-475); the key fields first.
export const I_K_HASH = 106;
export const I_K_PA = 107;
export const I_K_PB = 108;
export const I_FLAGS = 109;
export const I_IP_PROTO = 110;
export const I_PROTO = 111;
export const I_ORIG_P = 112;
export const I_RESP_P = 113;
export const I_HIST_SEEN = 114;
/** The connection's row of tick counts for the second F_TICK_SEC (packet-ticks.ts, tick-rows.ts). */
export const I_TICK_ROW = 115;
// i32 116 is free.
export const I_DNS_MESSAGES = 117;
/** Read through `u32`. */
export const I_SERIAL = 118;
/** `hashAddress` of the originator's and responder's address (keys of the tick table). */
export const I_ORIG_AH = 119;
export const I_RESP_AH = 120;
/** IPv4 addresses as 32-bit integers (valid with FLAG_NUMERIC_ADDR): the key's, then originator's and responder's. */
export const I_K_AN = 121;
export const I_K_BN = 122;
export const I_ORIG_N = 123;
export const I_RESP_N = 124;
/** Three words (125-127): the packed history (see the top of the file). Not swapped by a flip. */
export const I_HIST_PACKED = 125;
/** The expiry queue's links (flow-expiry.ts): slot + 1 of the next and previous connection in the same bucket, 0 for none. */
export const I_EXPIRY_NEXT = 31;
export const I_EXPIRY_PREV = 95;
// Strings (str[slot * SLOT_STR + S_*]).
export const S_K_A = 0;
export const S_K_B = 1;
export const S_ORIG_H = 2;
export const S_RESP_H = 3;
export const S_HISTORY = 4;

const INITIAL_CAPACITY = 1024;
/** A cap up to this many slots (1 GiB of address space) is reserved whole on the first allocation (see grow). */
const RESERVED_SLOTS_MAX = 1 << 21;

export class FlowTable {
  capacity = 0;
  /** Slots never exceed this (the tracker's cap + 1), so the last growth step does not overshoot. */
  private readonly maxCapacity: number;
  private nextSerial = 1;
  private free: number[] = [];
  private used = 0;

  /** The slot records (see the layout above), three views of one buffer. */
  f64 = new Float64Array(0);
  i32 = new Int32Array(0);
  u32 = new Uint32Array(0);
  /** Key addresses (canonical order), originator and responder addresses, history. */
  str: string[] = [];
  service: (string | null)[] = [];
  /**
   * TCP content-gap tracking (tcp-gaps.ts) for an endpoint with data seen beyond more than one hole: the
   * ranges past the one in its record (EF_BUF_START/EF_BUF_END), as [start, end, start, end, ...] sorted,
   * by endpoint (`slot * 2 + side`). Rare: only lossy captures make entries.
   */
  readonly gapRanges = new Map<number, number[]>();
  /**
   * Per endpoint (`slot * 2 + side`, side 0 the originator): the largest transport payload of one packet
   * (the port-policy rules read it per packet), and the first TCP packet's flags + 0x100 (0: none yet),
   * which names a stealth scan's probe type. Outside the slot record, which has no room left.
   */
  sideMaxPayload = new Uint32Array(0);
  /** Called after `flipRoles` (packet-ticks.ts keeps a copy of the roles' fields for the current second). */
  onFlip: ((slot: number) => void) | null = null;
  sideFirstFlags = new Uint16Array(0);

  constructor(maxCapacity = Number.POSITIVE_INFINITY) {
    this.maxCapacity = maxCapacity;
  }

  /** Live connections. */
  get size(): number {
    return this.used;
  }

  /** A fresh slot with every field reset. */
  alloc(tsSec: number, origH: string, origAh: number, origP: number, respH: string, respAh: number, respP: number, proto: number, ipProto: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used >= this.capacity) this.grow();
      slot = this.used;
    }
    this.used++;
    // Zero the whole record, then set what does not start at 0.
    this.f64.fill(0, slot * SLOT_F64, (slot + 1) * SLOT_F64);
    const s = slot * SLOT_STR;
    this.str[s + S_ORIG_H] = origH;
    this.str[s + S_RESP_H] = respH;
    this.str[s + S_HISTORY] = '';
    this.service[slot] = null;
    this.sideMaxPayload[slot * 2] = 0;
    this.sideMaxPayload[slot * 2 + 1] = 0;
    this.sideFirstFlags[slot * 2] = 0;
    this.sideFirstFlags[slot * 2 + 1] = 0;
    const i = slot * SLOT_I32;
    // (The packed history, I_HIST_PACKED, is zeroed with the record.)
    this.u32[i + I_SERIAL] = this.nextSerial;
    this.nextSerial = (this.nextSerial + 1) >>> 0;
    this.i32[i + I_ORIG_P] = origP;
    this.i32[i + I_RESP_P] = respP;
    this.i32[i + I_ORIG_AH] = origAh;
    this.i32[i + I_RESP_AH] = respAh;
    this.i32[i + I_PROTO] = proto;
    this.i32[i + I_IP_PROTO] = ipProto;
    const f = slot * SLOT_F64;
    this.f64[f + F_TS] = tsSec;
    this.f64[f + F_LAST_TS] = tsSec;
    this.f64[f + F_REMOVE_AT] = Number.POSITIVE_INFINITY;
    this.f64[f + F_QUEUED_SEC] = Number.NaN;
    this.f64[f + F_TICK_SEC] = Number.NaN;
    this.f64[f + F_ATTEMPT_AT] = Number.NaN;
    this.f64[f + F_DELETE_AT] = Number.NaN;
    this.f64[f + F_PARTIAL_CLOSE_AT] = Number.NaN;
    this.f64[f + F_RESET_AT] = Number.NaN;
    this.f64[f + F_EXPIRE_CHAIN_AT] = Number.NaN;
    this.f64[f + F_CLOSE_EXPIRE_CHAIN_AT] = Number.NaN;
    for (let e = slot * 2; e < slot * 2 + 2; e++) {
      const ei = e * EP_I32;
      this.u32[ei + EI_CHK_THRESH] = 1;
      this.u32[ei + EI_RXMT_THRESH] = 1;
      this.u32[ei + EI_WIN0_THRESH] = 1;
      this.u32[ei + EI_GAP_THRESH] = 1;
      this.f64[e * EP_F64 + EF_REASSEM_NEXT] = 1;
    }
    return slot;
  }

  /** Returns the slot to the free list (its strings are dropped so they can be collected). */
  release(slot: number): void {
    this.i32[slot * SLOT_I32 + I_FLAGS] = this.i32[slot * SLOT_I32 + I_FLAGS]! | FLAG_REMOVED;
    this.str[slot * SLOT_STR + S_K_A] = '';
    this.str[slot * SLOT_STR + S_K_B] = '';
    this.str[slot * SLOT_STR + S_ORIG_H] = '';
    this.str[slot * SLOT_STR + S_RESP_H] = '';
    this.str[slot * SLOT_STR + S_HISTORY] = '';
    const h = slot * SLOT_I32 + I_HIST_PACKED;
    this.i32[h] = 0;
    this.i32[h + 1] = 0;
    this.i32[h + 2] = 0;
    this.service[slot] = null;
    if (this.gapRanges.size > 0) {
      this.gapRanges.delete(slot * 2);
      this.gapRanges.delete(slot * 2 + 1);
    }
    this.free.push(slot);
    this.used--;
  }

  /** Sets the connection key of `slot` (endpoints in canonical order, or in packet order when one-way). */
  setKey(slot: number, hash: number, a: string, pa: number, b: string, pb: number, oneWay: boolean): void {
    this.i32[slot * SLOT_I32 + I_FLAGS] = this.i32[slot * SLOT_I32 + I_FLAGS]! & ~FLAG_NUMERIC_ADDR;
    this.str[slot * SLOT_STR + S_K_A] = a;
    this.str[slot * SLOT_STR + S_K_B] = b;
    this.i32[slot * SLOT_I32 + I_K_PA] = pa;
    this.i32[slot * SLOT_I32 + I_K_PB] = pb;
    this.i32[slot * SLOT_I32 + I_K_HASH] = hash;
    if (oneWay) this.i32[slot * SLOT_I32 + I_FLAGS] = this.i32[slot * SLOT_I32 + I_FLAGS]! | FLAG_ONE_WAY;
  }

  /**
   * Records the IPv4 addresses of a connection as integers: `an`/`bn` those of the key (order of setKey),
   * `origN`/`respN` the originator's and responder's (call right after alloc and setKey, before any flip).
   */
  setNumericAddresses(slot: number, an: number, bn: number, origN: number, respN: number): void {
    const i = slot * SLOT_I32;
    this.i32[i + I_K_AN] = an;
    this.i32[i + I_K_BN] = bn;
    this.i32[i + I_ORIG_N] = origN;
    this.i32[i + I_RESP_N] = respN;
    this.i32[i + I_FLAGS] = this.i32[i + I_FLAGS]! | FLAG_NUMERIC_ADDR;
  }

  /** Zeek `ChecksumError`: one more bad-checksum packet from side `side` (0 orig); adds C/c at the 1st, 10th, 100th... */
  addChecksumError(slot: number, side: number): void {
    const e = slot * 2 + side;
    const c = this.u32[e * EP_I32 + EI_CHK_CNT]! + 1;
    this.u32[e * EP_I32 + EI_CHK_CNT] = c;
    if (c === this.u32[e * EP_I32 + EI_CHK_THRESH]) {
      this.addHistoryLetter(slot, HL_C + side * HIST_RESP);
      this.u32[e * EP_I32 + EI_CHK_THRESH] = c >= 1e9 ? 0 : c * 10;
    }
  }

  /** The connection's uid (from its key and start time). */
  uid(slot: number): string {
    const i = slot * SLOT_I32;
    const flags = this.i32[i + I_FLAGS]!;
    if ((flags & FLAG_NUMERIC_ADDR) !== 0) {
      // The same uid as from the key's dotted quads, without reading them.
      return createFlowUidIpv4(this.i32[i + I_IP_PROTO]!, (flags & FLAG_ONE_WAY) !== 0, this.i32[i + I_K_AN]!, this.i32[i + I_K_PA]!, this.i32[i + I_K_BN]!, this.i32[i + I_K_PB]!, this.f64[slot * SLOT_F64 + F_TS]!);
    }
    return createFlowUid(this.i32[slot * SLOT_I32 + I_IP_PROTO]!, (this.i32[slot * SLOT_I32 + I_FLAGS]! & FLAG_ONE_WAY) !== 0, this.str[slot * SLOT_STR + S_K_A]!, this.i32[slot * SLOT_I32 + I_K_PA]!, this.str[slot * SLOT_STR + S_K_B]!, this.i32[slot * SLOT_I32 + I_K_PB]!, this.f64[slot * SLOT_F64 + F_TS]!);
  }

  /** `uid(slot)`'s char codes, left in flow-uid.ts's UID_CODES (read them before the next uid is worked out); returns how many. */
  uidCodes(slot: number): number {
    const i = slot * SLOT_I32;
    const flags = this.i32[i + I_FLAGS]!;
    if ((flags & FLAG_NUMERIC_ADDR) !== 0) {
      return flowUidIpv4Codes(this.i32[i + I_IP_PROTO]!, (flags & FLAG_ONE_WAY) !== 0, this.i32[i + I_K_AN]!, this.i32[i + I_K_PA]!, this.i32[i + I_K_BN]!, this.i32[i + I_K_PB]!, this.f64[slot * SLOT_F64 + F_TS]!);
    }
    return flowUidCodes(this.i32[i + I_IP_PROTO]!, (flags & FLAG_ONE_WAY) !== 0, this.str[slot * SLOT_STR + S_K_A]!, this.i32[i + I_K_PA]!, this.str[slot * SLOT_STR + S_K_B]!, this.i32[i + I_K_PB]!, this.f64[slot * SLOT_F64 + F_TS]!);
  }

  /** Slots ever handed out (live ones have no FLAG_REMOVED). */
  get highWater(): number {
    return this.used + this.free.length;
  }

  isRemoved(slot: number): boolean {
    return (this.i32[slot * SLOT_I32 + I_FLAGS]! & FLAG_REMOVED) !== 0;
  }

  /** Zeek `Connection::CheckHistory`: adds `code` once per mask bit; true when it was already seen. */
  checkHistory(slot: number, mask: number, code: string): boolean {
    const seen = this.i32[slot * SLOT_I32 + I_HIST_SEEN]!;
    if ((seen & mask) === 0) {
      this.i32[slot * SLOT_I32 + I_HIST_SEEN] = seen | mask;
      const letter = code.length === 1 ? historyLetterCode(code.charCodeAt(0)) : 0;
      if (letter !== 0) this.addHistoryLetter(slot, letter);
      else this.addHistoryText(slot, code);
      return false;
    }
    return true;
  }

  /** checkHistory with the letter's code (HL_*, + HIST_RESP for the responder's). */
  checkHistoryLetter(slot: number, mask: number, letter: number): boolean {
    const seen = this.i32[slot * SLOT_I32 + I_HIST_SEEN]!;
    if ((seen & mask) === 0) {
      this.i32[slot * SLOT_I32 + I_HIST_SEEN] = seen | mask;
      this.addHistoryLetter(slot, letter);
      return false;
    }
    return true;
  }

  /** Appends one history letter by code (1 to HIST_ALPHABET.length - 1). */
  addHistoryLetter(slot: number, letter: number): void {
    const i = slot * SLOT_I32 + I_HIST_PACKED;
    const h = this.i32[i]!;
    const n = h & 31;
    if (n < HIST_PACKED_MAX) {
      // Letter n is field n + 1: word 0 holds fields 0-5 (field 0 the count), word 1 fields 6-11, word 2 fields 12-17.
      const p = n + 1;
      if (p < 6) this.i32[i] = (h | (letter << (p * 5))) + 1;
      else {
        const w = p < 12 ? 1 : 2;
        this.i32[i + w] = this.i32[i + w]! | (letter << ((p - w * 6) * 5));
        this.i32[i] = h + 1;
      }
    } else {
      this.str[slot * SLOT_STR + S_HISTORY] += HIST_ALPHABET[letter]!;
    }
  }

  /** Appends history text (letters outside the alphabet move the whole history into the string). */
  addHistoryText(slot: number, text: string): void {
    for (let k = 0; k < text.length; k++) {
      const letter = historyLetterCode(text.charCodeAt(k));
      if (letter !== 0) {
        this.addHistoryLetter(slot, letter);
        continue;
      }
      const i = slot * SLOT_I32 + I_HIST_PACKED;
      if ((this.i32[i]! & HIST_SPILLED) === 0) {
        this.str[slot * SLOT_STR + S_HISTORY] = this.history(slot);
        this.i32[i] = HIST_SPILLED | HIST_PACKED_MAX;
        this.i32[i + 1] = 0;
        this.i32[i + 2] = 0;
      }
      this.str[slot * SLOT_STR + S_HISTORY] += text[k]!;
    }
  }

  /** Replaces the history by `text` (as if the connection's history had been only these letters). */
  setHistory(slot: number, text: string): void {
    const i = slot * SLOT_I32 + I_HIST_PACKED;
    this.i32[i] = 0;
    this.i32[i + 1] = 0;
    this.i32[i + 2] = 0;
    this.str[slot * SLOT_STR + S_HISTORY] = '';
    this.addHistoryText(slot, text);
  }

  /** The history string (Zeek conn.log `history`): the packed letters, then the overflow string. */
  history(slot: number): string {
    const i = slot * SLOT_I32 + I_HIST_PACKED;
    const h = this.i32[i]!;
    if ((h & HIST_SPILLED) !== 0) return this.str[slot * SLOT_STR + S_HISTORY]!;
    const n = h & 31;
    if (n < 12) {
      // Up to 11 letters (the first two words): most connections share a few histories, so look them up first.
      const w1 = this.i32[i + 1]!;
      const c = (Math.imul(h ^ Math.imul(w1, 0x9e3779b1), 0x85ebca6b) >>> (32 - HIST_CACHE_BITS)) * 2;
      if (histCacheKeys[c] === h && histCacheKeys[c + 1] === w1) return histCacheText[c >> 1]!;
      const s = decodeHistory(this.i32, i, n);
      histCacheKeys[c] = h;
      histCacheKeys[c + 1] = w1;
      histCacheText[c >> 1] = s;
      return s;
    }
    const s = decodeHistory(this.i32, i, n);
    return n < HIST_PACKED_MAX ? s : s + this.str[slot * SLOT_STR + S_HISTORY]!;
  }

  /** Zeek `Connection::FlipRoles`: swaps endpoints, counters and TCP endpoint state; appends `^`. */
  flipRoles(slot: number): void {
    const s = slot * SLOT_STR;
    swap(this.str, s + S_ORIG_H, s + S_RESP_H);
    const i = slot * SLOT_I32;
    swap(this.i32, i + I_ORIG_P, i + I_RESP_P);
    swap(this.i32, i + I_ORIG_AH, i + I_RESP_AH);
    swap(this.i32, i + I_ORIG_N, i + I_RESP_N);
    const f = slot * SLOT_F64;
    swap(this.f64, f + F_ORIG_PKTS, f + F_RESP_PKTS);
    swap(this.f64, f + F_ORIG_IP_BYTES, f + F_RESP_IP_BYTES);
    swap(this.f64, f + F_ORIG_PAYLOAD_BYTES, f + F_RESP_PAYLOAD_BYTES);
    swap(this.sideMaxPayload, slot * 2, slot * 2 + 1);
    swap(this.sideFirstFlags, slot * 2, slot * 2 + 1);
    const fl = this.i32[i + I_FLAGS]!;
    const origSeen = fl & FLAG_ORIG_SEEN;
    const respSeen = fl & FLAG_RESP_SEEN;
    this.i32[i + I_FLAGS] = (fl & ~(FLAG_ORIG_SEEN | FLAG_RESP_SEEN)) | (origSeen ? FLAG_RESP_SEEN : 0) | (respSeen ? FLAG_ORIG_SEEN : 0);
    if (this.i32[i + I_PROTO] === PROTO_TCP) {
      // Swap the two endpoint blocks word by word (u32 view: copies bits, never reinterprets them as doubles).
      const a = slot * 2 * EP_I32;
      const b = a + EP_I32;
      for (let k = 0; k < EP_WORDS; k++) swap(this.u32, a + k, b + k);
      if (this.gapRanges.size > 0) {
        const orig = this.gapRanges.get(slot * 2);
        const resp = this.gapRanges.get(slot * 2 + 1);
        this.gapRanges.delete(slot * 2);
        this.gapRanges.delete(slot * 2 + 1);
        if (resp) this.gapRanges.set(slot * 2, resp);
        if (orig) this.gapRanges.set(slot * 2 + 1, orig);
      }
    }
    this.addHistoryLetter(slot, HL_FLIP);
    if (this.onFlip !== null) this.onFlip(slot);
  }

  private grow(): void {
    // A capped table takes its whole cap at once: a large ArrayBuffer is zero pages the OS maps on first touch, so the
    // slots never used cost address space, not memory, and no slot record is ever copied. Growing by doubling touched
    // every page again at each step (copy into fresh pages, then the old buffer's pages freed): on the per-packet bench
    // capture (500k live connections) that was a fifth of `flows`' CPU, most of it page faults.
    // Uncapped (or absurdly capped) tables double: fewer copies, and the last step copies at most half the slots.
    const first = this.capacity === 0 ? (this.maxCapacity <= RESERVED_SLOTS_MAX ? this.maxCapacity : INITIAL_CAPACITY) : this.capacity * 2;
    const n = Math.max(this.capacity + 1, Math.min(this.maxCapacity, first));
    const buf = new ArrayBuffer(n * SLOT_BYTES);
    const f64 = new Float64Array(buf);
    f64.set(this.f64);
    this.f64 = f64;
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    const maxPayload = new Uint32Array(n * 2);
    maxPayload.set(this.sideMaxPayload);
    this.sideMaxPayload = maxPayload;
    const firstFlags = new Uint16Array(n * 2);
    firstFlags.set(this.sideFirstFlags);
    this.sideFirstFlags = firstFlags;
    this.capacity = n;
  }
}

/**
 * A direct-mapped cache of decoded histories of up to 11 letters, keyed by the first two packed words (the
 * count is in the first, so a key decodes to one string; an empty slot holds 0, 0, which is the empty history).
 */
const HIST_CACHE_BITS = 10;
const histCacheKeys = new Int32Array(2 << HIST_CACHE_BITS);
const histCacheText: string[] = new Array<string>(1 << HIST_CACHE_BITS).fill('');

/** The `n` packed letters from word `i` of `i32`. */
function decodeHistory(i32: Int32Array, i: number, n: number): string {
  let s = '';
  let v = i32[i]! >>> 5;
  for (let p = 1; p <= n; p++) {
    if (p === 6 || p === 12) v = i32[++i]!;
    s += HIST_ALPHABET[v & 31]!;
    v >>>= 5;
  }
  return s;
}

/** The history letter code of character code `c` (0 when not a history letter). */
export function historyLetterCode(c: number): number {
  return c < 128 ? HIST_CODE[c]! : 0;
}

function swap<T>(a: { [k: number]: T }, i: number, j: number): void {
  const v = a[i]!;
  a[i] = a[j]!;
  a[j] = v;
}
