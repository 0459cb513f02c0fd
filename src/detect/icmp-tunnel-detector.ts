/**
 * ICMP tunnels and exfiltration (`tunnel.icmp`): ptunnel, icmptunnel,
 * hping3 file transfer, PyExfil, Egress-Assess carry data in echo payloads.
 * Ping sends one fixed payload (56 bytes on Unix, 32 on Windows) once a
 * second; tunnels send other sizes, varying sizes, or many per second.
 *
 * Algorithm, per pair (requester, responder), over `icmpWindowSec` (1 h):
 * 1. From IcmpEcho (captures): count requests (type 8 / 128) and replies
 *    (0 / 129), payloads above `icmpOverPingBytes` (64, LogRhythm) and above
 *    `icmpLargeBytes` (800, Snort/Suricata "Large ICMP Packet"), distinct
 *    request sizes, total payload bytes, and the request rate.
 * 2. From ICMP FlowRecords (flow logs: only per-flow totals), the same
 *    counts from each echo flow's mean payload per packet: bytes / packets
 *    − 28 (IP + ICMP headers) − 18 (a link header some exporters count,
 *    taken off so the estimate is a lower bound); pairs already seen as
 *    IcmpEcho ignore their flows (a capture yields both).
 * 3. Signals: S ≥ `icmpMinEchoes` echoes over ping size; L one echo above
 *    the large size; V ≥ `icmpDistinctSizes` distinct request sizes in
 *    ≥ `icmpMinEchoes` echoes; R ≥ `icmpMinEchoes` requests at
 *    ≥ `icmpRateEchoesPerSec` per second, and — from packets — at least
 *    `icmpBackToBackRequests` of them sent one after another without a
 *    reply in between (ping alternates request and reply even at 100/s; a
 *    file transfer streams its requests), and with payloads that change: at
 *    most half the requests (`MAX_REPEATED_SHARE`) repeat the payload of
 *    the request before them (IcmpEcho.payloadHash; a tunnel's payloads
 *    carry data and differ, a flood's repeat one payload: hping3 --icmp
 *    at a host that does not answer streams 'X' × 56 at 430/s, a flood for
 *    rate.spike, not a tunnel; ping's payload repeats past its timestamp).
 *    Echoes that carry no payload at all never fire (no data, no tunnel).
 * 4. Fire on any signal. Severity high with two signals or ≥
 *    `icmpHighPayloadBytes` (64 KiB) of payload, low for a lone large echo
 *    (an MTU test looks the same), medium otherwise; confidence 0.5 + 0.15 per signal (max 0.95).
 * Incidents are reported `reportDelaySec` after they open or at end of input.
 */
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import { roundConfidence } from '../score/severity.js';
import type { Finding, RecordBatch, Severity } from '../types.js';
import type { Detector } from './detector.js';
import { encodeState, readStateObject, tableOf } from './plain-state.js';
import { fmtDuration } from './scan-detector.js';
import { hashOfAddressTuple } from './tuple-code.js';
import { type TupleKey, type TupleRow, TupleTable } from './tuple-table.js';

export type IcmpTunnelSettings = Pick<
  Settings,
  | 'icmpOverPingBytes'
  | 'icmpLargeBytes'
  | 'icmpMinEchoes'
  | 'icmpDistinctSizes'
  | 'icmpRateEchoesPerSec'
  | 'icmpBackToBackRequests'
  | 'icmpWindowSec'
  | 'icmpMaxPairs'
  | 'icmpHighPayloadBytes'
  | 'reportDelaySec'
  | 'idBucketSec'
>;

const MAX_SIZES = 64;
/**
 * The rate signal from packets needs changing payloads: at most this share
 * of a pair's requests may repeat the payload of the request before them
 * (flowhound: every hping3 --icmp request repeats the one before, as every
 * fast ping's does past its timestamp; no request of ptunnel-ng, icmptx
 * or Icmp-File-Transfer's 2 MB transfer repeats the one before).
 */
const MAX_REPEATED_SHARE = 0.5;
/** IPv4 (20) + ICMP echo (8) header bytes. */
const ECHO_HEADER_BYTES = 28;
/**
 * Flow byte counters may include the link header (Argus counts whole
 * frames: 14 bytes of Ethernet, 18 with an 802.1Q tag), so estimates from
 * flows take it off: a lower bound on the payload, never an inflated one.
 */
const FLOW_LINK_SLACK_BYTES = 18;

/** Mean echo payload per packet from a flow's byte and packet totals (a lower bound). */
export function flowPayloadEstimate(ipBytes: number, pkts: number): number {
  return Math.max(0, ipBytes / pkts - ECHO_HEADER_BYTES - FLOW_LINK_SLACK_BYTES);
}

/**
 * Keyed by (requester, responder) in a TupleTable: no `${src}|${dst}` string
 * per echo (requests and replies of different pairs interleave: on
 * capture-realistic-1100000.pcap 60,272 of 62,475 echoes change pair, and
 * each built and flattened its key string). Snapshots write the key string
 * the rows carried in an IncidentTable.
 */
interface Pair extends TupleRow {
  src: string;
  dst: string;
  basis: 'packets' | 'flows';
  firstTs: number;
  lastTs: number;
  firstReqTs: number;
  lastReqTs: number;
  requests: number;
  replies: number;
  overPing: number;
  large: number;
  maxPayload: number;
  payloadBytes: number;
  /**
   * Distinct request sizes (up to MAX_SIZES), once the pair has seen two;
   * null while it has seen at most one (`soleSize`). Every requesting pair of
   * capture-realistic-1100000.pcap (11,816) sends one size: a Set per pair
   * was a tenth of the detector's allocation.
   */
  sizes: Set<number> | null;
  /** The one request size while `sizes` is null (null: no request yet, or a restored row, whose sizes are in the set). */
  soleSize: number | null;
  /** Requests since the last reply (packets only), and the longest such run. */
  run: number;
  maxRun: number;
  /** The last request's payload fingerprint (IcmpEcho.payloadHash; 0 unknown), and the requests whose fingerprint was the one before them. */
  lastHash: number;
  repeats: number;
  dueTs: number | null;
  lastEmittedEchoes: number;
}

/** Distinct request sizes of the pair. */
function sizeCount(p: Pair): number {
  if (p.sizes !== null) return p.sizes.size;
  return p.soleSize === null ? 0 : 1;
}

/** The pair's request sizes in the order first seen. */
function sizesOf(p: Pick<Pair, 'sizes' | 'soleSize'>): Set<number> {
  return p.sizes ?? new Set(p.soleSize === null ? [] : [p.soleSize]);
}

/** Counts a request size, as adding it to a set of at most MAX_SIZES would. */
function addSize(p: Pair, size: number): void {
  if (p.sizes !== null) {
    if (p.sizes.size < MAX_SIZES) p.sizes.add(size);
  } else if (p.soleSize === null) p.soleSize = size;
  // Set equality (SameValueZero): NaN is one size.
  else if (size !== p.soleSize && !(Number.isNaN(size) && Number.isNaN(p.soleSize))) p.sizes = new Set([p.soleSize, size]);
}

/** A pair seen as IcmpEcho (its flows are then ignored). */
interface EchoPair extends TupleRow {
  src: string;
  dst: string;
}

// Hashed as the records' addresses are (hashOfAddressTuple: by their numbers when dotted quads).
const PAIR_KEY: TupleKey<Pair> = { a: (p) => p.src, b: (p) => p.dst, n: () => 0, hash: (p) => hashOfAddressTuple(p.src, p.dst, undefined, undefined, 0) };
const ECHO_PAIR_KEY: TupleKey<EchoPair> = { a: (p) => p.src, b: (p) => p.dst, n: () => 0, hash: (p) => hashOfAddressTuple(p.src, p.dst, undefined, undefined, 0) };

/** The key a pair had as a string (in snapshots, whose format predates the tuple table). */
function keyOfPair(p: Pick<Pair, 'src' | 'dst'>): string {
  return `${p.src}|${p.dst}`;
}

export function createIcmpTunnelDetector(settings: IcmpTunnelSettings): Detector {
  const pairs = new TupleTable<Pair>(settings.icmpMaxPairs, PAIR_KEY);
  /** Cleared when it outgrows twice the pair cap (never evicts). */
  const echoPairs = new TupleTable<EchoPair>(Number.POSITIVE_INFINITY, ECHO_PAIR_KEY);
  /** Wake-up margin: `watermark - lastTs > window` is rechecked exactly when woken. */
  const SLACK = 1e-3;
  /** Event time, in a field: a fraction stored in a closure variable is a new heap number per store (per record). */
  const clock = { watermark: Number.NEGATIVE_INFINITY };
  /** `hash`: `hashOfAddressTuple(src, dst, ..., 0)`. */
  function getPair(hash: number, src: string, dst: string, ts: number, basis: Pair['basis'], out: Finding[]): Pair {
    let p = pairs.findHashed(hash, src, dst, 0);
    if (p !== undefined && ts - p.firstTs > settings.icmpWindowSec) {
      if (p.dueTs !== null) emit(p, out);
      pairs.delete(p);
      p = undefined;
    }
    if (p === undefined) {
      p = {
        hash: 0, pos: 0, seq: 0, wakeTs: null, src, dst, basis, firstTs: ts, lastTs: ts, firstReqTs: Number.POSITIVE_INFINITY, lastReqTs: Number.NEGATIVE_INFINITY,
        requests: 0, replies: 0, overPing: 0, large: 0, maxPayload: 0, payloadBytes: 0, sizes: null, soleSize: null, run: 0, maxRun: 0, lastHash: 0, repeats: 0, dueTs: null, lastEmittedEchoes: 0,
      };
      pairs.add(p, hash);
      if (pairs.size > settings.icmpMaxPairs) pairs.evictOverCap((old) => {
        if (old.dueTs !== null) emit(old, out);
      });
    }
    if (ts > p.lastTs) p.lastTs = ts;
    if (ts < p.firstTs) p.firstTs = ts;
    return p;
  }

  /** When the per-batch pass must look at a pair: its report is due, or it has been idle a window. */
  function wakeOf(p: Pair): number {
    const idle = p.lastTs + settings.icmpWindowSec - SLACK;
    return p.dueTs !== null && p.dueTs < idle ? p.dueTs : idle;
  }

  /** `hash`: the echo's payload fingerprint (0 unknown, as from flows). */
  function addEchoes(p: Pair, isRequest: boolean, n: number, payload: number, ts: number, tsEnd: number, hash: number): void {
    if (isRequest) {
      p.requests += n;
      if (hash !== 0 && hash === p.lastHash) p.repeats += n;
      p.lastHash = hash;
      if (ts < p.firstReqTs) p.firstReqTs = ts;
      if (tsEnd > p.lastReqTs) p.lastReqTs = tsEnd;
      addSize(p, Math.round(payload));
      if (p.basis === 'packets') {
        p.run += n;
        if (p.run > p.maxRun) p.maxRun = p.run;
      }
    } else {
      p.replies += n;
      p.run = 0;
    }
    if (payload > settings.icmpOverPingBytes) p.overPing += n;
    if (payload > settings.icmpLargeBytes) p.large += n;
    if (payload > p.maxPayload) p.maxPayload = payload;
    p.payloadBytes += payload * n;
    if (p.dueTs === null && p.requests + p.replies > p.lastEmittedEchoes && hasSignal(p)) p.dueTs = tsEnd + settings.reportDelaySec;
  }

  function requestRate(p: Pair): number {
    if (p.requests < 2) return 0;
    const span = p.lastReqTs - p.firstReqTs;
    return span > 0 ? (p.requests - 1) / span : Number.POSITIVE_INFINITY;
  }

  // The four signals, each a predicate of the pair, so the per-echo check (hasSignal) and the finding (signalsOf) share them.
  function isOverPing(p: Pair): boolean {
    return p.overPing >= settings.icmpMinEchoes;
  }

  function isLarge(p: Pair): boolean {
    return p.large >= 1;
  }

  function isVaried(p: Pair): boolean {
    return p.requests + p.replies >= settings.icmpMinEchoes && sizeCount(p) >= settings.icmpDistinctSizes;
  }

  function isFast(p: Pair): boolean {
    // From packets the rate must come with requests streamed back to back:
    // a fast ping (ping -i 0.01) alternates request and reply.
    // And with changing payloads: a flood streams one payload over and over (unknown fingerprints count as changing).
    const streamed = p.basis === 'flows' || (p.maxRun >= settings.icmpBackToBackRequests && p.repeats <= MAX_REPEATED_SHARE * p.requests);
    return p.requests >= settings.icmpMinEchoes && requestRate(p) >= settings.icmpRateEchoesPerSec && streamed;
  }

  /** `signalsOf(p).count > 0`, without making the object (asked on every echo). */
  function hasSignal(p: Pair): boolean {
    return p.payloadBytes > 0 && (isOverPing(p) || isLarge(p) || isVaried(p) || isFast(p));
  }

  function signalsOf(p: Pair): { overPing: boolean; large: boolean; varied: boolean; rate: boolean; count: number } {
    // Echoes without payload carry no data: nothing to tunnel.
    if (p.payloadBytes <= 0) return { overPing: false, large: false, varied: false, rate: false, count: 0 };
    const overPing = isOverPing(p);
    const large = isLarge(p);
    const varied = isVaried(p);
    const rate = isFast(p);
    return { overPing, large, varied, rate, count: +overPing + +large + +varied + +rate };
  }

  function emit(p: Pair, out: Finding[]): void {
    p.dueTs = null;
    const s = signalsOf(p);
    const echoes = p.requests + p.replies;
    if (s.count === 0 || echoes <= p.lastEmittedEchoes) return;
    p.lastEmittedEchoes = echoes;
    let severity: Severity = 'medium';
    if (s.count >= 2 || p.payloadBytes >= settings.icmpHighPayloadBytes) severity = 'high';
    else if (s.large) severity = 'low';
    const parts: string[] = [];
    if (s.overPing) parts.push(`${p.overPing} echoes over ${settings.icmpOverPingBytes} B`);
    if (s.large) parts.push(`largest payload ${Math.round(p.maxPayload)} B`);
    if (s.varied) parts.push(`${sizeCount(p)} distinct request sizes`);
    const rate = requestRate(p);
    if (s.rate) parts.push(`${Number.isFinite(rate) ? Math.round(rate) : '>1000'} requests/s`);
    const basis = p.basis === 'flows' ? ' (from flow totals)' : '';
    out.push(
      createFinding(
        {
          ts: p.firstTs,
          end: p.lastTs,
          kind: 'tunnel.icmp',
          severity,
          confidence: roundConfidence(Math.min(0.95, 0.5 + 0.15 * s.count)),
          src: p.src,
          dst: p.dst,
          port: null,
          proto: 'icmp',
          summary: `${p.requests} echo requests / ${p.replies} replies carrying ${Math.round(p.payloadBytes)} B of payload in ${fmtDuration(Math.max(0, p.lastTs - p.firstTs))}: ${parts.join(', ')}${basis}`,
          evidence: {
            basis: p.basis,
            count: echoes,
            requests: p.requests,
            replies: p.replies,
            payloadBytes: Math.round(p.payloadBytes),
            maxPayloadBytes: Math.round(p.maxPayload),
            overPingEchoes: p.overPing,
            distinctRequestSizes: [...sizesOf(p)].sort((a, b) => a - b).slice(0, 16),
            requestsPerSec: Number.isFinite(rate) ? Math.round(rate * 10) / 10 : null,
            backToBackRequests: p.maxRun,
            repeatedPayloadRequests: p.repeats,
            signals: { overPingSize: s.overPing, large: s.large, variedSizes: s.varied, rate: s.rate },
          },
        },
        settings.idBucketSec,
      ),
    );
  }

  /**
   * Event time moved forward to `clock.watermark` (set by the caller, record
   * by record, so what is due is decided at the same record whatever the
   * batch boundaries; a fraction passed to a call is boxed): due reports and idle
   * pairs, in pair order, only the pairs woken for it.
   */
  function moveOn(out: Finding[]): void {
    const due = pairs.takeDue(clock.watermark);
    for (let i = 0; i < due.length; i++) {
      const p = due[i]!;
      if (p.dueTs !== null && clock.watermark >= p.dueTs) emit(p, out);
      if (clock.watermark - p.lastTs > settings.icmpWindowSec) pairs.delete(p);
      else pairs.wakeAt(p, wakeOf(p));
    }
  }

  return {
    name: 'tunnel.icmp',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      // Event time moves record by record, so what is due is decided at the
      // same record whatever the batch boundaries.
      // Indexed loops: `for...of` makes an iterator result per record until push is optimized (heap sampling: 2.2 MB on capture-realistic-1100000.pcap).
      const echoes = batch.echoes;
      for (let i = 0; i < echoes.length; i++) {
        const e = echoes[i]!;
        if (e.ts > clock.watermark) {
          clock.watermark = e.ts;
          moveOn(out);
        }
        const isRequest = e.type === 8 || e.type === 128;
        if (!isRequest && e.type !== 0 && e.type !== 129) continue;
        const src = isRequest ? e.src : e.dst;
        const dst = isRequest ? e.dst : e.src;
        if (echoPairs.size > 2 * settings.icmpMaxPairs) echoPairs.clear();
        const hash = hashOfAddressTuple(src, dst, isRequest ? e.srcV4 : e.dstV4, isRequest ? e.dstV4 : e.srcV4, 0);
        if (echoPairs.findHashed(hash, src, dst, 0) === undefined) echoPairs.add({ hash: 0, pos: 0, seq: 0, wakeTs: null, src, dst }, hash);
        const p = getPair(hash, src, dst, e.ts, 'packets', out);
        addEchoes(p, isRequest, 1, e.payloadBytes, e.ts, e.ts, e.payloadHash ?? 0);
        pairs.wakeAt(p, wakeOf(p));
      }
      const flows = batch.flows;
      for (let i = 0; i < flows.length; i++) {
        const f = flows[i]!;
        if (f.proto !== 'icmp' || (f.origP !== 8 && f.origP !== 128)) continue;
        const end = f.ts + (f.duration ?? 0);
        if (end > clock.watermark) {
          clock.watermark = end;
          moveOn(out);
        }
        const hash = hashOfAddressTuple(f.origH, f.respH, f.origV4, f.respV4, 0);
        if (echoPairs.findHashed(hash, f.origH, f.respH, 0) !== undefined) continue;
        const p = getPair(hash, f.origH, f.respH, f.ts, 'flows', out);
        if (end > p.lastTs) p.lastTs = end;
        if (f.origPkts > 0) addEchoes(p, true, f.origPkts, flowPayloadEstimate(f.origIpBytes, f.origPkts), f.ts, end, 0);
        if (f.respPkts > 0) addEchoes(p, false, f.respPkts, flowPayloadEstimate(f.respIpBytes, f.respPkts), f.ts, end, 0);
        pairs.wakeAt(p, wakeOf(p));
      }
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      for (const p of pairs.rows()) emit(p, out);
      pairs.clear();
      echoPairs.clear();
      clock.watermark = Number.NEGATIVE_INFINITY;
      return out;
    },
    snapshot() {
      // Rows as they were before `soleSize`: every pair with its set of sizes.
      const t = pairs.snapshot(keyOfPair);
      const rows = t.rows.map(({ soleSize, ...p }) => ({ ...p, sizes: sizesOf({ sizes: p.sizes, soleSize }) }));
      const echoKeys = new Set<string>();
      for (const e of echoPairs.rows()) echoKeys.add(keyOfPair(e));
      return encodeState({ pairs: { ...t, rows }, echoPairs: echoKeys, watermark: clock.watermark });
    },
    restore(state) {
      const o = readStateObject(state, 'tunnel.icmp', { pairs: 'table', echoPairs: 'set', watermark: 'number' });
      const t = tableOf<Pair & { key: string }>(o.pairs);
      // The key string is the snapshot's (the table keys rows by their fields).
      pairs.restore(
        // Rows of snapshots made before payload fingerprints: none seen, no repeat.
        t.rows.map(({ key: _key, ...p }): Pair => ({ ...p, hash: 0, pos: 0, soleSize: null, lastHash: p.lastHash ?? 0, repeats: p.repeats ?? 0 })),
        t.nextSeq,
        t.evicted,
      );
      echoPairs.clear();
      for (const e of o.echoPairs as Set<string>) {
        const bar = e.indexOf('|');
        const src = e.slice(0, bar);
        const dst = e.slice(bar + 1);
        echoPairs.add({ hash: 0, pos: 0, seq: 0, wakeTs: null, src, dst }, hashOfAddressTuple(src, dst, undefined, undefined, 0));
      }
      clock.watermark = o.watermark as number;
    },
    stats() {
      return { evictedKeys: pairs.evicted };
    },
  };
}
