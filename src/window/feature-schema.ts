/**
 * The fixed, versioned list of per-window features (docs/models.md,
 * "Feature windows"). A FeatureWindow holds the raw values in this order; models see
 * them after the listed transform and robust scaling (src/model/robust-scaler.ts).
 *
 * Changing the list, an order, a meaning or a transform bumps
 * FEATURE_SCHEMA_VERSION; a model trained on another version is refused.
 */
import type { Proto } from '../types.js';

export const FEATURE_SCHEMA_VERSION = 2;

/** `log1p` for counts, rates and sizes (heavy-tailed); `none` for shares and entropies. */
export type FeatureTransform = 'log1p' | 'none';

export interface FeatureSpec {
  name: string;
  meaning: string;
  unit: string;
  transform: FeatureTransform;
}

export const FEATURES: readonly FeatureSpec[] = [
  { name: 'flows', meaning: 'connections that started in the window', unit: 'count', transform: 'log1p' },
  { name: 'packets', meaning: 'packets of those connections, both directions (orig_pkts + resp_pkts)', unit: 'count', transform: 'log1p' },
  {
    name: 'bytes',
    meaning: 'IP bytes of those connections, both directions (orig_ip_bytes + resp_ip_bytes); a flow without IP byte counts (CICFlowMeter exports) counts its payload bytes',
    unit: 'bytes',
    transform: 'log1p',
  },
  {
    name: 'peak_pps',
    meaning: 'highest packets in one second: exact from capture packet ticks (packets toward the port) when present, else each flow\'s packets spread evenly over its duration',
    unit: 'packets/s',
    transform: 'log1p',
  },
  { name: 'mean_pps', meaning: 'packets / window length (ticks when present, else flow packets)', unit: 'packets/s', transform: 'log1p' },
  { name: 'unique_src', meaning: 'distinct originator addresses', unit: 'count', transform: 'log1p' },
  { name: 'unique_dst', meaning: 'distinct responder addresses', unit: 'count', transform: 'log1p' },
  {
    name: 'failed_share',
    meaning: 'share of connections that were failed or unanswered attempts, by the scan detector\'s rule (src/detect/failed-attempt.ts: S0, REJ, RSTOS0, RSTRH, SH, SHR; RSTO/RSTR without payload; unanswered UDP)',
    unit: 'ratio 0..1',
    transform: 'none',
  },
  { name: 'bytes_per_packet', meaning: 'bytes / packets', unit: 'bytes', transform: 'log1p' },
  { name: 'direction_ratio', meaning: 'originator IP bytes / all IP bytes (1 = all upload)', unit: 'ratio 0..1', transform: 'none' },
  { name: 'mean_duration', meaning: 'mean connection duration (unset durations count as 0)', unit: 's', transform: 'log1p' },
  { name: 'dns_query_len', meaning: 'mean DNS query name length (0 where the window has no DNS records)', unit: 'characters', transform: 'log1p' },
  {
    name: 'dns_label_entropy',
    meaning: 'mean Shannon entropy of the query name left of its last two labels (whole name when shorter)',
    unit: 'bits/character',
    transform: 'none',
  },
  { name: 'dns_nxdomain_share', meaning: 'share of DNS responses with rcode NXDOMAIN', unit: 'ratio 0..1', transform: 'none' },
  { name: 'bytes_out', meaning: 'bytes sent by the originators (orig_ip_bytes; payload bytes when the flow has no IP byte counts)', unit: 'bytes', transform: 'log1p' },
  { name: 'bytes_in', meaning: 'bytes sent by the responders (resp_ip_bytes; payload bytes when the flow has no IP byte counts)', unit: 'bytes', transform: 'log1p' },
  { name: 'payload_bytes_per_packet', meaning: 'payload bytes (orig_bytes + resp_bytes) / packets', unit: 'bytes', transform: 'log1p' },
  {
    name: 'new_dst_share',
    meaning: 'share of connections to a responder this port had not seen earlier in the input (the windower remembers up to maxSeenResponders responders)',
    unit: 'ratio 0..1',
    transform: 'none',
  },
];

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);
export const FEATURE_COUNT = FEATURES.length;

/** Index of each feature in FeatureWindow.values. */
export const F = {
  flows: 0,
  packets: 1,
  bytes: 2,
  peakPps: 3,
  meanPps: 4,
  uniqueSrc: 5,
  uniqueDst: 6,
  failedShare: 7,
  bytesPerPacket: 8,
  directionRatio: 9,
  meanDuration: 10,
  dnsQueryLen: 11,
  dnsLabelEntropy: 12,
  dnsNxdomainShare: 13,
  bytesOut: 14,
  bytesIn: 15,
  payloadBytesPerPacket: 16,
  newDstShare: 17,
} as const;

/** One (window start, proto, service port) with its raw feature values in FEATURES order. */
export interface FeatureWindow {
  /** Window start, seconds since the epoch (a multiple of windowSec). */
  startSec: number;
  windowSec: number;
  proto: Proto;
  /** Responder port for TCP/UDP, ICMP type for ICMP, DNS server port for DNS-only windows. */
  port: number;
  /** Raw (untransformed) values, FEATURES order. */
  values: Float64Array;
  /** The originator with the most flows in the window (not a feature; for findings). Absent in Arrow files. */
  topSrc?: { addr: string; flows: number };
  /** The responder with the most flows in the window. */
  topDst?: { addr: string; flows: number };
  /** Up to TOP_HOSTS originators / responders by flows, the most first (not features; for explanations). */
  topSrcs?: { addr: string; flows: number }[];
  topDsts?: { addr: string; flows: number }[];
}

/** Applies each feature's transform (log1p or none) into `out`. */
export function transformFeatures(values: ArrayLike<number>, out: Float64Array = new Float64Array(FEATURE_COUNT)): Float64Array {
  for (let i = 0; i < FEATURE_COUNT; i++) {
    const v = values[i] ?? 0;
    out[i] = FEATURES[i]!.transform === 'log1p' ? Math.log1p(Math.max(0, v)) : v;
  }
  return out;
}

/** The key of a (proto, port) pair used in maps and in flowhound.json. */
export function formatPortKey(proto: Proto, port: number): string {
  return `${proto}/${port}`;
}
