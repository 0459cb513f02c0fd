/**
 * The FlowRecords of flow logs (Zeek TSV and JSON, CSV exports), made by one
 * constructor rather than object literals: the same 21 fields in the same
 * order, prototype Object.prototype (so a record is a plain object: same
 * keys, JSON and equality as a literal), one hidden class for every reader
 * that uses it.
 *
 * Why not a literal: V8 gives an object literal an allocation site and, when
 * most of the objects it made are still alive at a scavenge (a batch of
 * records is, until its detectors are done with it), decides to allocate
 * all later ones directly in the old generation ("pretenuring"). Records
 * then die only in mark-compacts and every store of a young value into one
 * goes through the write barrier. The decision depends on GC timing, so it
 * came and went between runs: reading the realistic 2M-line conn.log alone
 * took 0.8-1.0 CPU-s in some processes and 2.8-3.4 in others (17 scavenges
 * and 25 mark-compacts against 55 and 2; --trace-pretenuring-statistics
 * showed the site of the standard parser's record literal tenured), and
 * `analyze` of it gave 48-50 scavenges and 16-17 mark-compacts in every
 * run. Objects made by `new` have no allocation site and always start
 * young: 64-65 scavenges and 10 mark-compacts, analyze 11.0-13.0 -> 10.7-11.6
 * CPU-s (realistic 2M, 3 runs each; findings-heavy 2M 15.3-18.4 -> 14.1-14.6,
 * 2 each). The cost when the literal is not tenured (reader alone,
 * --no-allocation-site-pretenuring, 7 interleaved rounds): 0.93 -> 1.01
 * CPU-s with the literal's build first, 0.84 -> 0.88 with it second: within
 * the noise or a few per cent (TurboFan inlines the constructor into the
 * standard line parser).
 */
import type { FlowRecord, Proto } from '../types.js';


function construct(
  this: FlowRecord,
  ts: number,
  uid: string,
  origH: string,
  origP: number,
  respH: string,
  respP: number,
  proto: Proto,
  service: string | null,
  duration: number | null,
  origBytes: number | null,
  respBytes: number | null,
  connState: string | null,
  history: string | null,
  missedBytes: number,
  origPkts: number,
  origIpBytes: number,
  respPkts: number,
  respIpBytes: number,
  origV4: number,
  respV4: number,
  ipProto: number,
): void {
  this.ts = ts;
  this.uid = uid;
  this.origH = origH;
  this.origP = origP;
  this.respH = respH;
  this.respP = respP;
  this.proto = proto;
  this.service = service;
  this.duration = duration;
  this.origBytes = origBytes;
  this.respBytes = respBytes;
  this.connState = connState;
  this.history = history;
  this.missedBytes = missedBytes;
  this.origPkts = origPkts;
  this.origIpBytes = origIpBytes;
  this.respPkts = respPkts;
  this.respIpBytes = respIpBytes;
  this.origV4 = origV4;
  this.respV4 = respV4;
  this.ipProto = ipProto;
}
// Instances are plain objects: no prototype of their own, no `constructor` but Object's.
construct.prototype = Object.prototype;

/** `new LogFlowRecord(ts, uid, origH, origP, respH, respP, proto, service, duration, origBytes, respBytes, connState, history, missedBytes, origPkts, origIpBytes, respPkts, respIpBytes, origV4, respV4, ipProto)`. */
export const LogFlowRecord = construct as unknown as new (...args: Parameters<typeof construct>) => FlowRecord;
