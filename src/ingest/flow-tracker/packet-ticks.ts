/**
 * Exact per-second packet and byte counts per (destination host, destination
 * port, proto) — the PacketTick records — accumulated on the flow objects the
 * tracker already looks up (no per-packet map lookup or allocation): each
 * flow counts its current second per direction, and when a later second
 * begins the touched flows are summed into ticks for the second that ended.
 *
 * Bytes are IP bytes (header + payload, as Zeek's *_ip_bytes). The port is the
 * packet's destination port; ICMP and other transports use port 0. A packet
 * older than the current second (out-of-order capture) is counted in a
 * separate tick for its own second, so a (sec, dst, port, proto) may appear
 * twice in the output; consumers add them up.
 */
import type { PacketTick, Proto } from '../../types.js';
import type { Flow } from './flow.js';

export interface PacketTickCounter {
  /** Counts one packet of `flow` sent by the originator (`fromOrig`) or the responder. */
  count(flow: Flow, fromOrig: boolean, tsSec: number, ipBytes: number, dstHost: string, dstPort: number): void;
  /** Emits every completed second before `tsSec`'s second into `out`. */
  advance(tsSec: number, out: PacketTick[]): void;
  /** Emits everything (end of input). */
  flush(out: PacketTick[]): void;
}

export function createPacketTickCounter(): PacketTickCounter {
  let curSec = Number.NaN;
  const touched: Flow[] = [];
  const late = new Map<string, PacketTick>();

  function emitCurrent(out: PacketTick[]): void {
    if (touched.length === 0) return;
    const agg = new Map<string, PacketTick>();
    for (const f of touched) {
      if (f.tickSec !== curSec) continue;
      if (f.tickOrigPkts > 0) add(agg, curSec, f.respH, portOf(f, f.respP), f.proto, f.tickOrigPkts, f.tickOrigBytes);
      if (f.tickRespPkts > 0) add(agg, curSec, f.origH, portOf(f, f.origP), f.proto, f.tickRespPkts, f.tickRespBytes);
      f.tickSec = Number.NaN;
    }
    touched.length = 0;
    for (const t of agg.values()) out.push(t);
  }

  function emitLate(out: PacketTick[]): void {
    if (late.size === 0) return;
    for (const t of late.values()) out.push(t);
    late.clear();
  }

  return {
    count(flow, fromOrig, tsSec, ipBytes, dstHost, dstPort) {
      const sec = Math.floor(tsSec);
      if (Number.isNaN(curSec) || sec > curSec) {
        // advance() is called before count() for each packet; this covers direct use.
        curSec = sec;
      }
      if (sec < curSec) {
        const key = `${sec}|${dstHost}|${dstPort}|${flow.proto}`;
        const t = late.get(key);
        if (t === undefined) late.set(key, { sec, dst: dstHost, port: dstPort, proto: flow.proto, pkts: 1, bytes: ipBytes });
        else {
          t.pkts++;
          t.bytes += ipBytes;
        }
        return;
      }
      if (flow.tickSec !== sec) {
        flow.tickSec = sec;
        flow.tickOrigPkts = 0;
        flow.tickOrigBytes = 0;
        flow.tickRespPkts = 0;
        flow.tickRespBytes = 0;
        touched.push(flow);
      }
      if (fromOrig) {
        flow.tickOrigPkts++;
        flow.tickOrigBytes += ipBytes;
      } else {
        flow.tickRespPkts++;
        flow.tickRespBytes += ipBytes;
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
    flush(out) {
      emitCurrent(out);
      emitLate(out);
    },
  };
}

function portOf(f: Flow, port: number): number {
  return f.proto === 'tcp' || f.proto === 'udp' ? port : 0;
}

function add(agg: Map<string, PacketTick>, sec: number, dst: string, port: number, proto: Proto, pkts: number, bytes: number): void {
  const key = `${dst}|${port}|${proto}`;
  const t = agg.get(key);
  if (t === undefined) agg.set(key, { sec, dst, port, proto, pkts, bytes });
  else {
    t.pkts += pkts;
    t.bytes += bytes;
  }
}
