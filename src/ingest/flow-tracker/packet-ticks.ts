/**
 * Exact per-second packet and byte counts per (destination host, destination
 * port, proto) — the PacketTick records — accumulated in the flow table slots the
 * tracker already looks up (no per-packet map lookup or allocation): each
 * connection counts its current second per direction, and when a later second
 * begins the touched connections are summed into ticks for the second that
 * ended (a connection that ends within the second is summed when it ends).
 *
 * Bytes are IP bytes (header + payload, as Zeek's *_ip_bytes). The port is the
 * packet's destination port; ICMP and other transports use port 0. A packet
 * older than the current second (out-of-order capture) is counted in a
 * separate tick for its own second, so a (sec, dst, port, proto) may appear
 * twice in the output; consumers add them up.
 *
 * A tick of a connection the capture reader made from IPv4 header bytes
 * carries its destination as a number too (`dstV4`, from the flow table's
 * integer addresses; -1 otherwise), so the rate detector finds the host
 * without parsing the text of every tick.
 */
import type { PacketTick } from '../../types.js';
import { hashAddress } from './flow-index.js';
import {
  F_TICK_ORIG_BYTES,
  F_TICK_RESP_BYTES,
  F_TICK_SEC,
  FLAG_NUMERIC_ADDR,
  type FlowTable,
  I_FLAGS,
  I_ORIG_AH,
  I_ORIG_N,
  I_ORIG_P,
  I_PROTO,
  I_RESP_AH,
  I_RESP_N,
  I_RESP_P,
  I_TICK_ORIG_PKTS,
  I_TICK_RESP_PKTS,
  PROTO_NAMES,
  PROTO_TCP,
  PROTO_UDP,
  S_ORIG_H,
  S_RESP_H,
  SLOT_F64,
  SLOT_I32,
  SLOT_STR,
} from './flow-table.js';

export interface PacketTickCounter {
  /** Counts one packet of the connection in `slot` sent by the originator (`fromOrig`) or the responder. */
  /** `packet.dst` is read only for a packet older than the current second. */
  count(slot: number, fromOrig: boolean, tsSec: number, ipBytes: number, packet: { readonly dst: string }, dstPort: number): void;
  /** Emits every completed second before `tsSec`'s second into `out`. */
  advance(tsSec: number, out: PacketTick[]): void;
  /** The connection in `slot` ends: its counts for the current second are kept aside. */
  release(slot: number): void;
  /** Emits everything (end of input). */
  flush(out: PacketTick[]): void;
}

export function createPacketTickCounter(t: FlowTable): PacketTickCounter {
  let curSec = Number.NaN;
  /**
   * The slots touched in the current second, `touched[0, touchedCount)`: one array kept for the run
   * (a new array per second, and the per-second arrays below, regrown from empty, were a fifth of
   * the ticks' garbage).
   */
  let touched = new Int32Array(1024);
  let touchedCount = 0;
  /** The current second's ticks of connections that already ended. */
  const agg = new TickTable();
  const late = new Map<string, PacketTick>();

  function fold(slot: number): void {
    if (t.f64[slot * SLOT_F64 + F_TICK_SEC] !== curSec) return;
    const i = slot * SLOT_I32;
    const proto = t.i32[i + I_PROTO]!;
    const ports = proto === PROTO_TCP || proto === PROTO_UDP;
    const numeric = (t.i32[i + I_FLAGS]! & FLAG_NUMERIC_ADDR) !== 0;
    if (t.i32[i + I_TICK_ORIG_PKTS]! > 0) {
      const s = slot * SLOT_STR + S_RESP_H;
      const v4 = numeric ? t.i32[i + I_RESP_N]! >>> 0 : -1;
      agg.add(curSec, t.str[s]!, v4, t.i32[i + I_RESP_AH]!, ports ? t.i32[i + I_RESP_P]! : 0, proto, t.i32[i + I_TICK_ORIG_PKTS]!, t.f64[slot * SLOT_F64 + F_TICK_ORIG_BYTES]!);
    }
    if (t.i32[i + I_TICK_RESP_PKTS]! > 0) {
      const s = slot * SLOT_STR + S_ORIG_H;
      const v4 = numeric ? t.i32[i + I_ORIG_N]! >>> 0 : -1;
      agg.add(curSec, t.str[s]!, v4, t.i32[i + I_ORIG_AH]!, ports ? t.i32[i + I_ORIG_P]! : 0, proto, t.i32[i + I_TICK_RESP_PKTS]!, t.f64[slot * SLOT_F64 + F_TICK_RESP_BYTES]!);
    }
    t.f64[slot * SLOT_F64 + F_TICK_SEC] = Number.NaN;
  }

  function emitCurrent(out: PacketTick[]): void {
    for (let k = 0; k < touchedCount; k++) fold(touched[k]!);
    touchedCount = 0;
    agg.drain(out);
  }

  function emitLate(out: PacketTick[]): void {
    if (late.size === 0) return;
    for (const tick of late.values()) out.push(tick);
    late.clear();
  }

  return {
    count(slot, fromOrig, tsSec, ipBytes, packet, dstPort) {
      const sec = Math.floor(tsSec);
      if (Number.isNaN(curSec) || sec > curSec) curSec = sec;
      if (sec < curSec) {
        const dstHost = packet.dst;
        const proto = PROTO_NAMES[t.i32[slot * SLOT_I32 + I_PROTO]!]!;
        const key = `${sec}|${dstHost}|${dstPort}|${proto}`;
        const tick = late.get(key);
        if (tick === undefined) late.set(key, { sec, dst: dstHost, dstV4: -1, port: dstPort, proto, pkts: 1, bytes: ipBytes });
        else {
          tick.pkts++;
          tick.bytes += ipBytes;
        }
        return;
      }
      if (t.f64[slot * SLOT_F64 + F_TICK_SEC] !== sec) {
        t.f64[slot * SLOT_F64 + F_TICK_SEC] = sec;
        t.i32[slot * SLOT_I32 + I_TICK_ORIG_PKTS] = 0;
        t.f64[slot * SLOT_F64 + F_TICK_ORIG_BYTES] = 0;
        t.i32[slot * SLOT_I32 + I_TICK_RESP_PKTS] = 0;
        t.f64[slot * SLOT_F64 + F_TICK_RESP_BYTES] = 0;
        if (touchedCount === touched.length) {
          const more = new Int32Array(touched.length * 2);
          more.set(touched);
          touched = more;
        }
        touched[touchedCount++] = slot;
      }
      if (fromOrig) {
        t.i32[slot * SLOT_I32 + I_TICK_ORIG_PKTS] = t.i32[slot * SLOT_I32 + I_TICK_ORIG_PKTS]! + 1;
        t.f64[slot * SLOT_F64 + F_TICK_ORIG_BYTES] = t.f64[slot * SLOT_F64 + F_TICK_ORIG_BYTES]! + ipBytes;
      } else {
        t.i32[slot * SLOT_I32 + I_TICK_RESP_PKTS] = t.i32[slot * SLOT_I32 + I_TICK_RESP_PKTS]! + 1;
        t.f64[slot * SLOT_F64 + F_TICK_RESP_BYTES] = t.f64[slot * SLOT_F64 + F_TICK_RESP_BYTES]! + ipBytes;
      }
    },
    advance(tsSec, out) {
      const sec = Math.floor(tsSec);
      if (Number.isNaN(curSec)) {
        curSec = sec;
        return;
      }
      if (sec <= curSec) return;
      emitCurrent(out);
      emitLate(out);
      curSec = sec;
    },
    release(slot) {
      fold(slot);
    },
    flush(out) {
      emitCurrent(out);
      emitLate(out);
    },
  };
}

const INITIAL_TICK_TABLE_SIZE = 4096;

/**
 * The current second's ticks by (destination host, port, proto), in an
 * open-addressing table keyed by numbers (the host's address hash, which the
 * flow table keeps per endpoint, and port * 4 + proto), so folding a
 * connection builds no key string; the host string is compared only on a
 * hash match. Ticks come out in the order they were created.
 */
class TickTable {
  private mask = INITIAL_TICK_TABLE_SIZE - 1;
  private hostHash = new Int32Array(INITIAL_TICK_TABLE_SIZE);
  private portProto = new Int32Array(INITIAL_TICK_TABLE_SIZE);
  /** Index in `list` + 1; 0 is empty. */
  private entry = new Int32Array(INITIAL_TICK_TABLE_SIZE);
  /** The current second's ticks, `list[0, count)` (entries past `count` are stale, overwritten as ticks come). */
  private list: PacketTick[] = [];
  private count = 0;
  /** Table position of each tick in `list`, to empty the table in O(ticks). */
  private pos = new Int32Array(INITIAL_TICK_TABLE_SIZE >> 1);

  /** `dstV4`: `dst` as an unsigned 32-bit IPv4 number, or -1. */
  add(sec: number, dst: string, dstV4: number, dstHash: number, port: number, proto: number, pkts: number, bytes: number): void {
    const pp = port * 4 + proto;
    let i = mixTickKey(dstHash, pp) & this.mask;
    for (;;) {
      const e = this.entry[i]!;
      if (e === 0) break;
      if (this.hostHash[i] === dstHash && this.portProto[i] === pp) {
        const tick = this.list[e - 1]!;
        if (tick.dst === dst) {
          tick.pkts += pkts;
          tick.bytes += bytes;
          return;
        }
      }
      i = (i + 1) & this.mask;
    }
    const k = this.count++;
    this.list[k] = { sec, dst, dstV4, port, proto: PROTO_NAMES[proto]!, pkts, bytes };
    this.entry[i] = k + 1;
    this.hostHash[i] = dstHash;
    this.portProto[i] = pp;
    this.pos[k] = i;
    if (this.count * 2 > this.mask) this.grow();
  }

  /** Moves every tick to `out` (creation order) and empties the table. */
  drain(out: PacketTick[]): void {
    const list = this.list;
    for (let k = 0; k < this.count; k++) {
      out.push(list[k]!);
      this.entry[this.pos[k]!] = 0;
    }
    this.count = 0;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.hostHash = new Int32Array(size);
    this.portProto = new Int32Array(size);
    this.entry = new Int32Array(size);
    // At most half the slots hold ticks.
    this.pos = new Int32Array(size >> 1);
    for (let k = 0; k < this.count; k++) {
      const tick = this.list[k]!;
      const h = this.tickHash(tick);
      const pp = tick.port * 4 + PROTO_NAMES.indexOf(tick.proto);
      let i = mixTickKey(h, pp) & this.mask;
      while (this.entry[i] !== 0) i = (i + 1) & this.mask;
      this.entry[i] = k + 1;
      this.hostHash[i] = h;
      this.portProto[i] = pp;
      this.pos[k] = i;
    }
  }

  private tickHash(tick: PacketTick): number {
    return hashAddress(tick.dst);
  }
}

function mixTickKey(h: number, pp: number): number {
  let x = Math.imul(h ^ Math.imul(pp, 0x9e3779b1), 0x85ebca6b);
  x ^= x >>> 15;
  return x;
}
