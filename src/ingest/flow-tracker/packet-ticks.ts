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
 */
import type { PacketTick, Proto } from '../../types.js';
import {
  F_TICK_ORIG_BYTES,
  F_TICK_RESP_BYTES,
  F_TICK_SEC,
  type FlowTable,
  I_ORIG_P,
  I_PROTO,
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
  count(slot: number, fromOrig: boolean, tsSec: number, ipBytes: number, dstHost: string, dstPort: number): void;
  /** Emits every completed second before `tsSec`'s second into `out`. */
  advance(tsSec: number, out: PacketTick[]): void;
  /** The connection in `slot` ends: its counts for the current second are kept aside. */
  release(slot: number): void;
  /** Emits everything (end of input). */
  flush(out: PacketTick[]): void;
}

export function createPacketTickCounter(t: FlowTable): PacketTickCounter {
  let curSec = Number.NaN;
  let touched: number[] = [];
  /** The current second's ticks of connections that already ended. */
  let agg = new Map<string, PacketTick>();
  const late = new Map<string, PacketTick>();

  function fold(slot: number): void {
    if (t.f64[slot * SLOT_F64 + F_TICK_SEC] !== curSec) return;
    const proto = t.i32[slot * SLOT_I32 + I_PROTO]!;
    const name = PROTO_NAMES[proto]!;
    const ports = proto === PROTO_TCP || proto === PROTO_UDP;
    if (t.i32[slot * SLOT_I32 + I_TICK_ORIG_PKTS]! > 0) add(agg, curSec, t.str[slot * SLOT_STR + S_RESP_H]!, ports ? t.i32[slot * SLOT_I32 + I_RESP_P]! : 0, name, t.i32[slot * SLOT_I32 + I_TICK_ORIG_PKTS]!, t.f64[slot * SLOT_F64 + F_TICK_ORIG_BYTES]!);
    if (t.i32[slot * SLOT_I32 + I_TICK_RESP_PKTS]! > 0) add(agg, curSec, t.str[slot * SLOT_STR + S_ORIG_H]!, ports ? t.i32[slot * SLOT_I32 + I_ORIG_P]! : 0, name, t.i32[slot * SLOT_I32 + I_TICK_RESP_PKTS]!, t.f64[slot * SLOT_F64 + F_TICK_RESP_BYTES]!);
    t.f64[slot * SLOT_F64 + F_TICK_SEC] = Number.NaN;
  }

  function emitCurrent(out: PacketTick[]): void {
    for (const slot of touched) fold(slot);
    touched = [];
    for (const tick of agg.values()) out.push(tick);
    agg = new Map();
  }

  function emitLate(out: PacketTick[]): void {
    if (late.size === 0) return;
    for (const tick of late.values()) out.push(tick);
    late.clear();
  }

  return {
    count(slot, fromOrig, tsSec, ipBytes, dstHost, dstPort) {
      const sec = Math.floor(tsSec);
      if (Number.isNaN(curSec) || sec > curSec) curSec = sec;
      if (sec < curSec) {
        const proto = PROTO_NAMES[t.i32[slot * SLOT_I32 + I_PROTO]!]!;
        const key = `${sec}|${dstHost}|${dstPort}|${proto}`;
        const tick = late.get(key);
        if (tick === undefined) late.set(key, { sec, dst: dstHost, port: dstPort, proto, pkts: 1, bytes: ipBytes });
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
        touched.push(slot);
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

function add(agg: Map<string, PacketTick>, sec: number, dst: string, port: number, proto: Proto, pkts: number, bytes: number): void {
  const key = `${dst}|${port}|${proto}`;
  const tick = agg.get(key);
  if (tick === undefined) agg.set(key, { sec, dst, port, proto, pkts, bytes });
  else {
    tick.pkts += pkts;
    tick.bytes += bytes;
  }
}
