/**
 * Collects what the HTML report shows beyond the findings, from the same
 * batches the detectors see, in bounded memory:
 *
 * 1. Packet rates per (destination host, port, proto): exact per-second
 *    counts from PacketTicks (captures); from flow logs each flow's
 *    originator packets are spread over its duration (a key with ticks
 *    ignores flows, as the rate-spike detector does). Every pair's total is
 *    counted (up to `maxRateKeys` pairs, then pairs without a series are
 *    forgotten); at most `maxRateSeries` pairs have a series. While there
 *    is room every pair gets one from its first packet; when full, a pair
 *    needs `rateSeriesMinPkts` packets and a busier second than the bar:
 *    the half with the lower busiest second is dropped and the bar rises
 *    to their median (a flood's busiest second is high even when its total
 *    is small, so it keeps its chart).
 * 2. Failed or unanswered attempts per source (the scan detector's
 *    definition, src/detect/failed-attempt.ts), for the scan charts: at most
 *    `maxScanSources` sources (the half with fewest attempts is dropped when
 *    full), each keeping every `stride`-th attempt up to
 *    `maxScanPointsPerSource` (the stride doubles when full).
 * 3. DNS per registered domain (public suffix list via tldts, as the tunnel
 *    detector keys it): queries, unique names (saturating), clients, record
 *    types, NXDOMAIN, query-length and longest-label-entropy histograms, a
 *    few sample names. At most `maxDomains` (the half with fewest queries
 *    is dropped when full).
 * 4. Exposure: established sessions (src/detect/policy-rules.ts
 *    isEstablished) to the watch-list ports and the policy rules' ports, per
 *    (host, port, proto): sessions, first/last seen, payload bytes, clients.
 * 5. Findings: every finding counted per kind over time and per incident
 *    group (source); the first `maxFindings` kept with their evidence.
 * 6. Model scores per port over time, when the model reports per-window
 *    scores (`addWindowScores`).
 *
 * Every series lives on one self-coarsening time axis (time-axis.ts).
 */
import { getRegistrableDomain } from '../text/registrable-domain.js';
import { isFailedAttempt, isProtocolProbe } from '../detect/failed-attempt.js';
import { ipProtoOf } from '../ingest/ip-proto.js';
import { shannonEntropyBits } from '../detect/label-entropy.js';
import { isEstablished, type PolicyRule } from '../detect/policy-rules.js';
import { severityRank } from '../score/severity.js';
import { type Finding, type Proto, type RecordBatch, SEVERITY_ORDER, type Severity } from '../types.js';
import {
  DEFAULT_REPORT_LIMITS,
  type DomainStats,
  ENTROPY_BINS,
  type ExposedService,
  type IncidentGroup,
  LENGTH_BINS,
  type ModelScoreSeries,
  type RateSeries,
  type ReportAggregate,
  type ReportLimits,
  type ScanAttempts,
} from './report-data.js';
import { HostPortTable } from './host-port-table.js';
import { type AxisSeries, createTimeAxis } from './time-axis.js';
import { batchTimeSpan, type TimeSpan } from '../util/batch-time-span.js';

/** Service ports whose established sessions the exposure section lists (the shipped policy watch list plus SSH). */
export const EXPOSURE_PORTS: readonly number[] = [22, 23, 135, 139, 445, 502, 2012, 3389, 4840, 5900];

/** One per-window model score, as a model detector may report it. */
export interface WindowScorePoint {
  startSec: number;
  proto: string;
  port: number;
  /** Which score: the model kind, or "port baseline". */
  model: string;
  /** Score ÷ the port's threshold (> 1 is an alarm). */
  ratio: number;
}

export interface ReportAggregator {
  push(batch: RecordBatch): void;
  /** Records seen and their time span (event time). */
  readonly records: { flows: number; dns: number; ticks: number; echoes: number; firstTs: number | null; lastTs: number | null };
  addFindings(findings: readonly Finding[]): void;
  addWindowScores(points: readonly WindowScorePoint[]): void;
  /** The aggregate so far (the aggregator may keep being fed). */
  snapshot(): ReportAggregate;
}

const TLDTS_OPTIONS = { allowPrivateDomains: true, validateHostname: false, extractHostname: false } as const;

interface RateKey {
  dst: string;
  port: number;
  proto: Proto;
  total: number;
  hasTicks: boolean;
  /** Flows show this (host, port) as the originator's end (a client's ephemeral port): not a service. */
  clientEnd: boolean;
  series: (AxisSeries & { sinceSec: number }) | null;
  curSec: number;
  curPkts: number;
  /** Busiest second seen so far (estimated for flows: a flow's packets over its duration, added to its first second). */
  peakPps: number;
  estSec: number;
  estPkts: number;
  firstSec: number;
}

interface DomainAgg {
  domain: string;
  queries: number;
  names: Set<string>;
  clients: Set<string>;
  otherClientQueries: number;
  qtypes: Record<string, number>;
  nxdomain: number;
  lengthSum: number;
  maxLength: number;
  entropySum: number;
  lengthHist: number[];
  entropyHist: number[];
  samples: string[];
  firstTs: number;
  lastTs: number;
}

interface ExposedAgg {
  host: string;
  port: number;
  proto: Proto;
  sessions: number;
  firstTs: number;
  lastTs: number;
  origBytes: number;
  respBytes: number;
  clients: Set<string>;
  otherClientSessions: number;
}

const MAX_CLIENTS_LISTED = 16;
const MAX_SAMPLES = 6;
const MAX_TARGETS_PER_INCIDENT = 40;

export interface ReportAggregatorOptions {
  limits?: Partial<ReportLimits>;
  /** Policy rules whose service/destination ports join the exposure watch list. */
  rules?: readonly PolicyRule[];
  /** The scan detector's probe size for flows without a state (setting scanProbeMaxPkts). */
  probeMaxPkts?: number;
}

export function createReportAggregator(options: ReportAggregatorOptions = {}): ReportAggregator {
  const lim: ReportLimits = { ...DEFAULT_REPORT_LIMITS, ...options.limits };
  const axis = createTimeAxis(lim.timeBuckets);
  const exposurePorts = new Set<number>(EXPOSURE_PORTS);
  for (const r of options.rules ?? []) {
    for (const ranges of [r.match.servicePort, r.match.dstPort, r.match.srcPort]) {
      for (const pr of ranges ?? []) if (pr.hi - pr.lo < 64) for (let p = pr.lo; p <= pr.hi; p++) exposurePorts.add(p);
    }
  }

  // 1. rates
  const rateKeys = new HostPortTable<RateKey>();
  /** The keys that have a series (at most maxRateSeries). */
  const withSeries = new Set<RateKey>();
  let rateSeriesCount = 0;
  let hasTicks = false;
  /** Busiest second a pair needs for a series; rises to the median of the kept series' peaks when they are full. */
  let rateAdmitPps = 0;
  let pairsForgotten = 0;
  let seriesDropped = 0;

  function rateKey(dst: string, port: number, proto: Proto): RateKey {
    let k = rateKeys.get(dst, port, proto);
    if (k === undefined) {
      if (rateKeys.size >= lim.maxRateKeys) forgetRateKeys();
      k = { dst, port, proto, total: 0, hasTicks: false, clientEnd: false, series: null, curSec: Number.NaN, curPkts: 0, peakPps: 0, estSec: Number.NaN, estPkts: 0, firstSec: Number.POSITIVE_INFINITY };
      rateKeys.set(dst, port, proto, k);
    }
    return k;
  }

  function forgetRateKeys(): void {
    pairsForgotten += rateKeys.deleteWhere((k) => k.series === null);
  }


  function notePeak(k: RateKey, sec: number, pkts: number): void {
    if (sec < k.firstSec) k.firstSec = sec;
    if (sec !== k.estSec) {
      k.estSec = sec;
      k.estPkts = 0;
    }
    k.estPkts += pkts;
    if (k.estPkts > k.peakPps) k.peakPps = k.estPkts;
  }

  function admit(k: RateKey, tsSec: number): void {
    if (k.series !== null) return;
    // While there is room every pair gets a series from its first packet; once full, only busy, bursty ones.
    if (rateSeriesCount >= lim.maxRateSeries && (k.total < lim.rateSeriesMinPkts || k.peakPps <= rateAdmitPps)) return;
    if (rateSeriesCount >= lim.maxRateSeries) {
      // Keep the burstiest half: a flood has a high busiest second even when its total is small.
      const peaks = [...withSeries].map((x) => x.peakPps).sort((a, b) => a - b);
      const median = peaks[peaks.length >> 1] ?? 0;
      for (const x of withSeries) {
        if (x.peakPps <= median && x.series !== null) {
          axis.unregister(x.series);
          x.series = null;
          withSeries.delete(x);
          rateSeriesCount--;
          seriesDropped++;
        }
      }
      rateAdmitPps = Math.max(rateAdmitPps, median);
      if (k.peakPps <= rateAdmitPps) return;
    }
    const n = lim.timeBuckets;
    k.series = { sums: [new Float64Array(n)], maxes: [new Float64Array(n)], sinceSec: tsSec };
    axis.register(k.series);
    withSeries.add(k);
    rateSeriesCount++;
  }

  function commitTickSecond(k: RateKey): void {
    if (k.series === null || Number.isNaN(k.curSec)) return;
    const i = axis.indexOf(k.curSec);
    const peaks = k.series.maxes[0]!;
    if (k.curPkts > peaks[i]!) peaks[i] = k.curPkts;
  }

  function pushTick(sec: number, dst: string, port: number, proto: Proto, pkts: number): void {
    const k = rateKey(dst, port, proto);
    k.hasTicks = true;
    k.total += pkts;
    notePeak(k, sec, pkts);
    admit(k, sec);
    if (k.series === null) return;
    if (sec !== k.curSec) {
      commitTickSecond(k);
      k.curSec = sec;
      k.curPkts = 0;
    }
    k.curPkts += pkts;
    k.series.sums[0]![axis.indexOf(sec)]! += pkts;
  }

  function pushFlowRate(tsSec: number, durSec: number, dst: string, port: number, proto: Proto, pkts: number): void {
    if (pkts <= 0) return;
    const k = rateKey(dst, port, proto);
    if (k.hasTicks) return;
    k.total += pkts;
    notePeak(k, Math.floor(tsSec), durSec > 1 ? pkts / durSec : pkts);
    admit(k, tsSec);
    if (k.series === null) return;
    const first = axis.indexOf(tsSec);
    if (first < 0) return;
    const sums = k.series.sums[0]!;
    // A flow shorter than a bucket goes to the bucket it starts in (the common case: one lookup).
    if (!(durSec >= axis.bucketSec)) {
      sums[first]! += pkts;
      return;
    }
    if (axis.indexOf(tsSec + durSec) < 0) return;
    const i0 = axis.peekIndex(tsSec);
    const i1 = axis.peekIndex(tsSec + durSec);
    if (i0 === i1) sums[i0]! += pkts;
    else {
      const per = pkts / (i1 - i0 + 1);
      for (let i = i0; i <= i1; i++) sums[i]! += per;
    }
  }

  // 2. scans
  const scanSources = new Map<string, ScanAttempts>();

  function pushAttempt(src: string, ts: number, dst: string, port: number, proto: string): void {
    let s = scanSources.get(src);
    if (s === undefined) {
      if (scanSources.size >= lim.maxScanSources) {
        const counts = [...scanSources.values()].map((x) => x.attempts).sort((a, b) => a - b);
        const median = counts[counts.length >> 1] ?? 0;
        for (const [id, x] of scanSources) if (x.attempts <= median) scanSources.delete(id);
      }
      s = { src, attempts: 0, stride: 1, ts: [], dst: [], port: [], proto: [] };
      scanSources.set(src, s);
    }
    s.attempts++;
    if ((s.attempts - 1) % s.stride !== 0) return;
    s.ts.push(ts);
    s.dst.push(dst);
    s.port.push(port);
    s.proto.push(proto);
    if (s.ts.length >= lim.maxScanPointsPerSource) {
      s.stride *= 2;
      for (const arr of [s.ts, s.dst, s.port, s.proto] as unknown[][]) {
        let j = 0;
        for (let i = 0; i < arr.length; i += 2) arr[j++] = arr[i];
        arr.length = j;
      }
    }
  }

  // 3. DNS
  const domains = new Map<string, DomainAgg>();
  let domainsDropped = 0;
  let dnsQueries = 0;

  function pushDns(ts: number, client: string, query: string, qtypeName: string | null, qtype: number | null, rcode: number | null, rcodeName: string | null): void {
    if (query.length === 0) return;
    dnsQueries++;
    const lower = query.toLowerCase();
    const domain = getRegistrableDomain(lower, TLDTS_OPTIONS) ?? lower;
    let d = domains.get(domain);
    if (d === undefined) {
      if (domains.size >= lim.maxDomains) {
        const counts = [...domains.values()].map((x) => x.queries).sort((a, b) => a - b);
        const median = counts[counts.length >> 1] ?? 0;
        for (const [id, x] of domains) {
          if (x.queries <= median) {
            domains.delete(id);
            domainsDropped++;
          }
        }
      }
      d = {
        domain, queries: 0, names: new Set(), clients: new Set(), otherClientQueries: 0, qtypes: {}, nxdomain: 0, lengthSum: 0, maxLength: 0,
        entropySum: 0, lengthHist: LENGTH_BINS.map(() => 0), entropyHist: ENTROPY_BINS.map(() => 0), samples: [], firstTs: ts, lastTs: ts,
      };
      domains.set(domain, d);
    }
    d.queries++;
    if (ts < d.firstTs) d.firstTs = ts;
    if (ts > d.lastTs) d.lastTs = ts;
    if (d.names.size < lim.maxNamesPerDomain && !d.names.has(lower)) {
      d.names.add(lower);
      if (d.samples.length < MAX_SAMPLES) d.samples.push(query);
    }
    if (d.clients.size < MAX_CLIENTS_LISTED) d.clients.add(client);
    else if (!d.clients.has(client)) d.otherClientQueries++;
    const type = qtypeName ?? (qtype !== null ? String(qtype) : '-');
    d.qtypes[type] = (d.qtypes[type] ?? 0) + 1;
    if (rcodeName === 'NXDOMAIN' || rcode === 3) d.nxdomain++;
    d.lengthSum += query.length;
    if (query.length > d.maxLength) d.maxLength = query.length;
    d.lengthHist[binOf(LENGTH_BINS, query.length)]!++;
    const sub = lower.length > domain.length ? lower.slice(0, lower.length - domain.length - 1) : '';
    const h = sub.length > 0 ? shannonEntropyBits(longestLabel(sub)) : 0;
    d.entropySum += h;
    d.entropyHist[binOf(ENTROPY_BINS, h)]!++;
  }

  // 4. exposure
  const exposed = new HostPortTable<ExposedAgg>();
  let servicesDropped = 0;

  function pushExposure(ts: number, end: number, client: string, host: string, port: number, proto: Proto, origBytes: number, respBytes: number): void {
    let e = exposed.get(host, port, proto);
    if (e === undefined) {
      if (exposed.size >= lim.maxExposed) {
        const counts = [...exposed.values()].map((x) => x.sessions).sort((a, b) => a - b);
        const median = counts[counts.length >> 1] ?? 0;
        servicesDropped += exposed.deleteWhere((x) => x.sessions <= median);
      }
      e = { host, port, proto, sessions: 0, firstTs: ts, lastTs: end, origBytes: 0, respBytes: 0, clients: new Set(), otherClientSessions: 0 };
      exposed.set(host, port, proto, e);
    }
    e.sessions++;
    if (ts < e.firstTs) e.firstTs = ts;
    if (end > e.lastTs) e.lastTs = end;
    e.origBytes += origBytes;
    e.respBytes += respBytes;
    if (e.clients.size < MAX_CLIENTS_LISTED) e.clients.add(client);
    else if (!e.clients.has(client)) e.otherClientSessions++;
  }

  // 5. findings
  const byKindSeries = new Map<string, AxisSeries>();
  const bySeverity: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const incidents = new Map<string, IncidentGroup & { targetSet: Set<string> }>();
  let groupsDropped = 0;
  let findingsTotal = 0;
  let findingsKept = 0;

  function addFinding(f: Finding): void {
    findingsTotal++;
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    let s = byKindSeries.get(f.kind);
    if (s === undefined) {
      s = { sums: [new Float64Array(lim.timeBuckets)], maxes: [new Float64Array(lim.timeBuckets)] };
      byKindSeries.set(f.kind, s);
      axis.register(s);
    }
    const i = axis.indexOf(f.ts);
    if (i >= 0) {
      s.sums[0]![i]!++;
      const rank = severityRank(f.severity) + 1;
      if (rank > s.maxes[0]![i]!) s.maxes[0]![i] = rank;
    }
    const key = f.src ?? `→ ${f.dst ?? '*'}`;
    let g = incidents.get(key);
    if (g === undefined) {
      if (incidents.size >= lim.maxIncidents) {
        groupsDropped++;
        return;
      }
      g = { key, src: f.src, count: 0, kinds: {}, targets: [], moreTargets: 0, firstTs: f.ts, lastTs: f.end, severity: f.severity, findings: [], targetSet: new Set() };
      incidents.set(key, g);
    }
    g.count++;
    g.kinds[f.kind] = (g.kinds[f.kind] ?? 0) + 1;
    if (f.ts < g.firstTs) g.firstTs = f.ts;
    if (f.end > g.lastTs) g.lastTs = f.end;
    if (severityRank(f.severity) > severityRank(g.severity)) g.severity = f.severity;
    const target = describeTarget(f);
    if (!g.targetSet.has(target)) {
      if (g.targetSet.size < MAX_TARGETS_PER_INCIDENT) g.targetSet.add(target);
      else g.moreTargets++;
    }
    if (findingsKept < lim.maxFindings) {
      findingsKept++;
      g.findings.push(f);
    }
  }

  // 6. model scores
  const modelSeries = new Map<string, ModelScoreSeries & { axisSeries: AxisSeries }>();
  let modelPortsDropped = 0;

  const span: TimeSpan = { lo: 0, hi: 0 };
  const records = { flows: 0, dns: 0, ticks: 0, echoes: 0, firstTs: null as number | null, lastTs: null as number | null };
  function noteSpan(lo: number, hi: number): void {
    if (!(lo <= hi)) return;
    if (records.firstTs === null || lo < records.firstTs) records.firstTs = lo;
    if (records.lastTs === null || hi > records.lastTs) records.lastTs = hi;
  }

  return {
    records,
    push(b) {
      records.flows += b.flows.length;
      records.dns += b.dns.length;
      records.ticks += b.ticks.length;
      records.echoes += b.echoes.length;
      const { lo, hi } = batchTimeSpan(b, span);
      noteSpan(lo, hi);
      if (b.ticks.length) hasTicks = true;
      for (const t of b.ticks) pushTick(t.sec, t.dst, t.port, t.proto, t.pkts);
      for (const f of b.flows) {
        const dur = f.duration ?? 0;
        pushFlowRate(f.ts, dur, f.respH, f.respP, f.proto, f.origPkts);
        if (hasTicks) {
          // Ticks count packets to both ends; the originator's end of a connection is not a service.
          const c = rateKeys.get(f.origH, f.origP, f.proto);
          if (c !== undefined) c.clientEnd = true;
        }
        if (f.proto !== 'icmp' && isFailedAttempt(f, options.probeMaxPkts)) pushAttempt(f.origH, f.ts, f.respH, f.respP, f.proto);
        // A probe of an IP protocol is kept with its protocol number as the port (as the scan detector counts it).
        else if (isProtocolProbe(f)) pushAttempt(f.origH, f.ts, f.respH, ipProtoOf(f), f.proto);
        if (exposurePorts.has(f.respP) && f.proto !== 'icmp' && isEstablished(f)) {
          pushExposure(f.ts, f.ts + dur, f.origH, f.respH, f.respP, f.proto, f.origBytes ?? 0, f.respBytes ?? 0);
        }
      }
      for (const d of b.dns) pushDns(d.ts, d.client, d.query, d.qtypeName, d.qtype, d.rcode, d.rcodeName);
    },
    addFindings(findings) {
      for (const f of findings) addFinding(f);
    },
    addWindowScores(points) {
      for (const p of points) {
        const id = `${p.proto}/${p.port}|${p.model}`;
        let s = modelSeries.get(id);
        if (s === undefined) {
          if (modelSeries.size >= lim.maxModelPorts) {
            modelPortsDropped++;
            continue;
          }
          const ratio = new Float64Array(lim.timeBuckets);
          s = { proto: p.proto, port: p.port, model: p.model, ratio: [], windows: 0, axisSeries: { sums: [], maxes: [ratio] } };
          modelSeries.set(id, s);
          axis.register(s.axisSeries);
        }
        s.windows++;
        const i = axis.indexOf(p.startSec);
        const r = Number.isFinite(p.ratio) && p.ratio > 0 ? p.ratio : 0;
        // Stored +1 so that 0 means "no window in this bucket".
        const m = s.axisSeries.maxes[0]!;
        if (i >= 0 && r + 1 > m[i]!) m[i] = r + 1;
      }
    },
    snapshot() {
      for (const k of rateKeys.values()) commitTickSecond(k);
      const series: RateSeries[] = [];
      for (const k of rateKeys.values()) {
        if (k.series === null) continue;
        const basis = k.hasTicks ? 'packets' : 'flows';
        const src = basis === 'packets' ? k.series.maxes[0]! : k.series.sums[0]!;
        const scale = basis === 'packets' ? 1 : 1 / axis.bucketSec;
        // Buckets before the series began are unknown (NaN), not zero.
        const firstBucket = axis.peekIndex(k.series.sinceSec);
        const pps = Array.from(src, (v, i) => (i < firstBucket ? Number.NaN : round2(v * scale)));
        const peak = pps.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, v) : m), 0);
        series.push({ dst: k.dst, port: k.port, proto: k.proto, basis, clientEnd: k.clientEnd, totalPkts: Math.round(k.total), pps, peakPps: peak, sinceSec: k.series.sinceSec, firstSeenSec: k.firstSec });
      }
      series.sort((a, b) => b.peakPps - a.peakPps || b.totalPkts - a.totalPkts);
      const doms: DomainStats[] = [...domains.values()].map((d) => ({
        domain: d.domain,
        queries: d.queries,
        uniqueNames: d.names.size,
        uniqueSaturated: d.names.size >= lim.maxNamesPerDomain,
        clients: [...d.clients],
        otherClientQueries: d.otherClientQueries,
        qtypes: { ...d.qtypes },
        nxdomain: d.nxdomain,
        meanLength: round2(d.lengthSum / Math.max(1, d.queries)),
        maxLength: d.maxLength,
        lengthHist: [...d.lengthHist],
        entropyHist: [...d.entropyHist],
        meanEntropy: round2(d.entropySum / Math.max(1, d.queries)),
        samples: [...d.samples],
        firstTs: d.firstTs,
        lastTs: d.lastTs,
      }));
      doms.sort((a, b) => b.uniqueNames - a.uniqueNames || b.queries - a.queries);
      const services: ExposedService[] = [...exposed.values()].map((e) => ({
        host: e.host, port: e.port, proto: e.proto, sessions: e.sessions, firstTs: e.firstTs, lastTs: e.lastTs,
        origBytes: e.origBytes, respBytes: e.respBytes, clients: [...e.clients], otherClientSessions: e.otherClientSessions,
      }));
      services.sort((a, b) => b.sessions - a.sessions);
      const kindSeries: Record<string, number[]> = {};
      for (const [kind, s] of byKindSeries) kindSeries[kind] = Array.from(s.sums[0]!);
      const groups: IncidentGroup[] = [...incidents.values()].map(({ targetSet, ...g }) => ({ ...g, targets: [...targetSet], findings: [...g.findings] }));
      groups.sort((a, b) => a.firstTs - b.firstTs);
      const model = {
            series: [...modelSeries.values()].map((s) => ({
              proto: s.proto, port: s.port, model: s.model, windows: s.windows,
              ratio: Array.from(s.axisSeries.maxes[0]!, (v) => (v === 0 ? Number.NaN : round2(v - 1))),
            })),
            portsDropped: modelPortsDropped,
          };
      return {
        axis: { baseSec: axis.baseSec, bucketSec: axis.bucketSec, buckets: axis.buckets },
        rate: { series, pairsSeen: rateKeys.size + pairsForgotten, pairsForgotten, seriesDropped },
        scans: [...scanSources.values()].filter((s) => s.attempts > 1).map((s) => ({ ...s, ts: [...s.ts], dst: [...s.dst], port: [...s.port], proto: [...s.proto] })),
        dns: { domains: doms, domainsDropped, queries: dnsQueries },
        exposure: { services, servicesDropped, ports: [...exposurePorts].sort((a, b) => a - b) },
        findings: { total: findingsTotal, kept: findingsKept, byKindSeries: kindSeries, bySeverity, byKind },
        incidents: { groups, groupsDropped },
        model,
      };
    },
  };
}

/** "10.0.0.5:22/tcp", "10.0.0.5", "*:23/tcp" — the target of a finding as one string. */
export function describeTarget(f: Finding): string {
  const host = f.dst === null ? '*' : f.dst.includes(':') ? `[${f.dst}]` : f.dst;
  if (f.port === null || f.proto === 'icmp') return f.dst === null ? '*' : f.dst;
  return `${host}:${f.port}${f.proto ? `/${f.proto}` : ''}`;
}

function binOf(edges: readonly number[], v: number): number {
  let i = edges.length - 1;
  while (i > 0 && v < edges[i]!) i--;
  return i;
}

function longestLabel(sub: string): string {
  let best = '';
  let start = 0;
  for (let i = 0; i <= sub.length; i++) {
    if (i === sub.length || sub.charCodeAt(i) === 0x2e) {
      if (i - start > best.length) best = sub.slice(start, i);
      start = i + 1;
    }
  }
  return best;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Severity names from the most to the least severe. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITY_ORDER].reverse();
