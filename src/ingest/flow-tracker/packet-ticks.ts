/**
 * Exact per-second packet and byte counts per (destination host, destination
 * port, proto) — the PacketTick records — counted per connection through the
 * flow table slot the tracker already looks up (no per-packet map lookup or
 * allocation): each connection counts its current second per direction in a
 * row of tick-rows.ts, and when a later second begins the rows are summed
 * into ticks for the second that ended (a connection that ends within the
 * second is summed when it ends).
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
  I_TICK_ROW,
  PROTO_NAMES,
  PROTO_TCP,
  PROTO_UDP,
  S_ORIG_H,
  S_RESP_H,
  SLOT_F64,
  SLOT_I32,
  SLOT_STR,
} from './flow-table.js';
import { TickRows } from './tick-rows.js';

export interface PacketTickCounter {
  /**
   * Counts one packet, of second `sec` (its time rounded down: an integer, passed instead of the time so that
   * the call boxes no double), of the connection in `slot` sent by the originator (`fromOrig`) or the
   * responder. `packet.dst` is read only for a packet older than the current second.
   */
  count(slot: number, fromOrig: boolean, sec: number, ipBytes: number, packet: { readonly dst: string }, dstPort: number): void;
  /** Emits every completed second before `sec` (a packet's time rounded down) into `out`. */
  advance(sec: number, out: PacketTick[]): void;
  /** The connection in `slot` ends: its counts for the current second are kept aside. */
  release(slot: number): void;
  /** Emits everything (end of input). */
  flush(out: PacketTick[]): void;
}

export function createPacketTickCounter(t: FlowTable): PacketTickCounter {
  let curSec = Number.NaN;
  /** The current second's counts, one row per connection counted in it (the record's I_TICK_ROW names it). */
  const rows = new TickRows();
  /** The current second's ticks of connections that already ended. */
  const agg = new TickTable();
  const late = new Map<string, PacketTick>();

  // A role flip swaps the sides of the connection's row of the current second, as it swaps the record's.
  t.onFlip = (slot) => {
    if (t.f64[slot * SLOT_F64 + F_TICK_SEC] === curSec) rows.flip(t.i32[slot * SLOT_I32 + I_TICK_ROW]!);
  };

  /** Adds row `k`'s ticks for the current second: the originator's packets (to the responder) first. */
  function fold(k: number): void {
    const proto = rows.proto[k]!;
    if (rows.origPkts[k]! > 0) agg.add(curSec, rows.respHost[k]!, rows.respV4[k]!, rows.respAh[k]!, rows.respPort[k]!, proto, rows.origPkts[k]!, rows.origBytes[k]!);
    if (rows.respPkts[k]! > 0) agg.add(curSec, rows.origHost[k]!, rows.origV4[k]!, rows.origAh[k]!, rows.origPort[k]!, proto, rows.respPkts[k]!, rows.respBytes[k]!);
  }

  /** A new row for the connection in `slot`, from its record. */
  function addRow(slot: number): number {
    const i = slot * SLOT_I32;
    const s = slot * SLOT_STR;
    const proto = t.i32[i + I_PROTO]!;
    const ports = proto === PROTO_TCP || proto === PROTO_UDP;
    const numeric = (t.i32[i + I_FLAGS]! & FLAG_NUMERIC_ADDR) !== 0;
    return rows.add(
      slot,
      proto,
      t.str[s + S_ORIG_H]!,
      numeric ? t.i32[i + I_ORIG_N]! >>> 0 : -1,
      t.i32[i + I_ORIG_AH]!,
      ports ? t.i32[i + I_ORIG_P]! : 0,
      t.str[s + S_RESP_H]!,
      numeric ? t.i32[i + I_RESP_N]! >>> 0 : -1,
      t.i32[i + I_RESP_AH]!,
      ports ? t.i32[i + I_RESP_P]! : 0,
    );
  }

  function emitCurrent(out: PacketTick[]): void {
    for (let k = 0; k < rows.count; k++) if (rows.slot[k]! >= 0) fold(k);
    rows.count = 0;
    agg.drain(out);
  }

  function emitLate(out: PacketTick[]): void {
    if (late.size === 0) return;
    for (const tick of late.values()) out.push(tick);
    late.clear();
  }

  return {
    count(slot, fromOrig, sec, ipBytes, packet, dstPort) {
      if (Number.isNaN(curSec) || sec > curSec) {
        // Not reached from the tracker (advance comes first); the rows of the second left behind are dropped,
        // as the record-based counts they replaced were.
        curSec = sec;
        rows.count = 0;
      }
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
      let k: number;
      if (t.f64[slot * SLOT_F64 + F_TICK_SEC] !== sec) {
        t.f64[slot * SLOT_F64 + F_TICK_SEC] = sec;
        k = addRow(slot);
        t.i32[slot * SLOT_I32 + I_TICK_ROW] = k;
      } else k = t.i32[slot * SLOT_I32 + I_TICK_ROW]!;
      if (fromOrig) {
        rows.origPkts[k] = rows.origPkts[k]! + 1;
        rows.origBytes[k] = rows.origBytes[k]! + ipBytes;
      } else {
        rows.respPkts[k] = rows.respPkts[k]! + 1;
        rows.respBytes[k] = rows.respBytes[k]! + ipBytes;
      }
    },
    advance(sec, out) {
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
      if (t.f64[slot * SLOT_F64 + F_TICK_SEC] !== curSec) return;
      const k = t.i32[slot * SLOT_I32 + I_TICK_ROW]!;
      fold(k);
      rows.slot[k] = -1;
      t.f64[slot * SLOT_F64 + F_TICK_SEC] = Number.NaN;
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
