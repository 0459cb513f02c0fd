/**
 * What the HTML report is made of: the run's own description (inputs,
 * counters, model, warnings) and the bounded aggregate collected from the
 * same batches the detectors saw (src/report/report-aggregator.ts).
 * Plain data, so a report can be rendered from a saved snapshot too.
 */
import type { Finding, Proto, Severity } from '../types.js';

/** Caps that keep a report small whatever the input size (a day of logs stays well under 5 MB). */
export interface ReportLimits {
  /** Buckets of every time series (the axis coarsens to keep this count). */
  timeBuckets: number;
  /** (host, port, proto) pairs whose packet counts are tracked. */
  maxRateKeys: number;
  /** Pairs with a packet-rate series at once. */
  maxRateSeries: number;
  /** Once the series are full, packets a pair must have received to compete for one (20 pps × 5 s: no spike is possible below that). */
  rateSeriesMinPkts: number;
  /** Sources whose failed attempts are kept for the scan charts. */
  maxScanSources: number;
  /** Attempts kept per source (past it every other one is dropped and the sampling stride doubles). */
  maxScanPointsPerSource: number;
  /** Registered domains tracked in the DNS section. */
  maxDomains: number;
  /** Unique names counted per domain (the count saturates past it). */
  maxNamesPerDomain: number;
  /** (host, port) services tracked in the exposure section. */
  maxExposed: number;
  /** Findings kept with their evidence (all are counted). */
  maxFindings: number;
  /** Incident groups (sources) kept. */
  maxIncidents: number;
  /** Characters of a finding's evidence JSON kept. */
  maxEvidenceChars: number;
  /** Ports with a model-score series. */
  maxModelPorts: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  timeBuckets: 360,
  maxRateKeys: 65536,
  maxRateSeries: 256,
  rateSeriesMinPkts: 100,
  maxScanSources: 512,
  maxScanPointsPerSource: 2000,
  maxDomains: 5000,
  maxNamesPerDomain: 10000,
  maxExposed: 5000,
  maxFindings: 1500,
  maxIncidents: 1000,
  maxEvidenceChars: 1500,
  maxModelPorts: 48,
};

export interface ReportAxis {
  baseSec: number;
  bucketSec: number;
  buckets: number;
}

export interface RateSeries {
  dst: string;
  port: number;
  proto: Proto;
  /** 'packets': exact per-second counts from a capture; 'flows': flows' packets spread over their duration. */
  basis: 'packets' | 'flows';
  /** The originator's end of connections (a client's ephemeral port), not a service. */
  clientEnd: boolean;
  totalPkts: number;
  /** Packets per second per bucket: the busiest second (packets) or the bucket's mean (flows). */
  pps: number[];
  peakPps: number;
  /** Time the series started (the pair had received `rateSeriesMinPkts` packets by then). */
  sinceSec: number;
  /** Time of the pair's first packet. */
  firstSeenSec: number;
}

export interface ScanAttempts {
  src: string;
  attempts: number;
  /** Every `stride`-th attempt is kept. */
  stride: number;
  ts: number[];
  dst: string[];
  port: number[];
  proto: string[];
}

export interface DomainStats {
  domain: string;
  queries: number;
  uniqueNames: number;
  /** True when the name count stopped at the cap. */
  uniqueSaturated: boolean;
  clients: string[];
  /** Queries from clients beyond the ones listed. */
  otherClientQueries: number;
  qtypes: Record<string, number>;
  nxdomain: number;
  meanLength: number;
  maxLength: number;
  /** Query-name length histogram over LENGTH_BINS. */
  lengthHist: number[];
  /** Longest-label entropy histogram over ENTROPY_BINS (bits/char). */
  entropyHist: number[];
  meanEntropy: number;
  samples: string[];
  firstTs: number;
  lastTs: number;
}

/** Lower edges of the query-length bins (characters). */
export const LENGTH_BINS = [0, 16, 32, 48, 64, 96, 128, 192, 256];
/** Lower edges of the entropy bins (bits per character). */
export const ENTROPY_BINS = [0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];

export interface ExposedService {
  host: string;
  port: number;
  proto: Proto;
  sessions: number;
  firstTs: number;
  lastTs: number;
  /** Payload bytes client → service and service → client. */
  origBytes: number;
  respBytes: number;
  clients: string[];
  /** Sessions from clients beyond the ones listed. */
  otherClientSessions: number;
}

export interface ModelScoreSeries {
  proto: string;
  port: number;
  model: string;
  /** Largest score / threshold per bucket (NaN where no window was scored). */
  ratio: number[];
  windows: number;
}

export interface IncidentGroup {
  /** The source, or `→ dst` when findings have no single source. */
  key: string;
  src: string | null;
  count: number;
  kinds: Record<string, number>;
  targets: string[];
  moreTargets: number;
  firstTs: number;
  lastTs: number;
  severity: Severity;
  /** Findings of this group kept with their evidence (the rest are counted). */
  findings: Finding[];
}

export interface ReportAggregate {
  axis: ReportAxis;
  rate: { series: RateSeries[]; pairsSeen: number; pairsForgotten: number; seriesDropped: number };
  scans: ScanAttempts[];
  dns: { domains: DomainStats[]; domainsDropped: number; queries: number };
  exposure: { services: ExposedService[]; servicesDropped: number; ports: number[] };
  findings: { total: number; kept: number; byKindSeries: Record<string, number[]>; bySeverity: Record<string, number>; byKind: Record<string, number> };
  incidents: { groups: IncidentGroup[]; groupsDropped: number };
  model: { series: ModelScoreSeries[]; portsDropped: number };
}

/** What the run says about itself, filled in by the pipeline at the end. */
export interface ReportRunInfo {
  title: string;
  inputs: string[];
  generatedAt: string;
  records: { flows: number; dns: number; ticks: number; echoes: number };
  firstTs: number | null;
  lastTs: number | null;
  /** Null when no model was used: `modelNote` says why. */
  model: { dir: string | null; backend: string | null } | null;
  modelNote: string;
  warnings: { total: number; byCode: Record<string, number>; samples: string[] };
  /** e.g. "--min-severity medium, --since 2026-11-23T05:00:00Z"; empty when none. */
  filters: string;
  ratePps: number;
  elapsedSec: number | null;
}
