/**
 * Cuts record batches into FeatureWindows per (window start, proto, service
 * port) on event time.
 *
 * 1. Each record goes to the window holding its timestamp (a flow's start
 *    `ts`, a DNS record's `ts`, a packet tick's `sec`), keyed by proto and the
 *    service port: the responder port for TCP/UDP, the ICMP type (Zeek's
 *    `origP`) for ICMP, the server port for DNS records.
 * 2. The watermark is the largest timestamp seen minus `allowedLatenessSec`.
 *    A window closes, and its features are computed and returned, when the
 *    watermark passes its end. With an infinite lateness (analyze) windows
 *    close only at `flush()` (end of input).
 * 3. A record whose window has already closed is late: it is counted in
 *    `stats().lateRecords`, never silently dropped from the books.
 * 4. State is bounded: at most `maxKeysPerWindow` (proto, port) keys per open
 *    window (records for further keys are counted in `overflowRecords`), and
 *    at most `maxUniqueAddrs` addresses per key for the unique counts, and at
 *    most `maxOpenWindows` open windows (the oldest close early past it).
 * 5. new_dst_share: per (proto, port) the windower remembers the responders
 *    it has seen (at most `maxSeenResponders` addresses over all ports; past
 *    it no address is added and unknown responders stop counting as new, so
 *    the share can only err low). A flow is to a new responder when its
 *    responder was not seen on that port by an earlier record.
 * 6. Bytes: a flow without IP byte counts (orig_ip_bytes and resp_ip_bytes
 *    both 0, as CICFlowMeter exports) counts its payload bytes instead.
 *
 * Whole batches are processed synchronously (no await per record).
 */
import { isFailedAttempt } from '../detect/failed-attempt.js';
import { encodeState, readStateObject } from '../detect/plain-state.js';
import { FlowhoundError } from '../errors.js';
import type { DnsRecord, FlowRecord, PacketTick, Proto, RecordBatch } from '../types.js';
import { F, FEATURE_COUNT, type FeatureWindow } from './feature-schema.js';

export interface WindowSettings {
  /** Window length; default DEFAULT_WINDOW_SEC. */
  windowSec: number;
  /** Watermark lag behind the largest timestamp; Infinity closes windows only at flush (analyze). */
  allowedLatenessSec: number;
  /** Cap on (proto, port) keys per open window. */
  maxKeysPerWindow: number;
  /** Cap on distinct addresses tracked per key for unique_src / unique_dst. */
  maxUniqueAddrs: number;
  /**
   * Cap on open windows: past it the oldest are closed early (records for
   * them later count as late). Bounds memory when the lateness is infinite.
   */
  maxOpenWindows: number;
  /** Cap on remembered (port, responder) pairs for new_dst_share. */
  maxSeenResponders: number;
}

/**
 * 10 s: the lab captures and a `watch` alert both need short windows (a
 * finding arrives within one window plus the lateness), and 10 s still
 * averages over the per-second jitter the rate.spike rule looks at.
 */
export const DEFAULT_WINDOW_SEC = 10;
/** 120 s in `watch`: Zeek writes conn.log lines when connections end. */
export const DEFAULT_WATCH_LATENESS_SEC = 120;
/** `analyze` closes windows at the end of input. */
export const ANALYZE_LATENESS_SEC = Number.POSITIVE_INFINITY;
export const DEFAULT_MAX_KEYS_PER_WINDOW = 4096;
export const DEFAULT_MAX_UNIQUE_ADDRS = 65536;
/** One day of 10 s windows. */
export const DEFAULT_MAX_OPEN_WINDOWS = 8640;
/** 262,144 (port, responder) pairs, ~25 MiB of strings at most. */
export const DEFAULT_MAX_SEEN_RESPONDERS = 262144;
/** Hosts named per window for explanations. */
export const TOP_HOSTS = 3;

export const DEFAULT_WINDOW_SETTINGS: WindowSettings = {
  windowSec: DEFAULT_WINDOW_SEC,
  allowedLatenessSec: ANALYZE_LATENESS_SEC,
  maxKeysPerWindow: DEFAULT_MAX_KEYS_PER_WINDOW,
  maxUniqueAddrs: DEFAULT_MAX_UNIQUE_ADDRS,
  maxOpenWindows: DEFAULT_MAX_OPEN_WINDOWS,
  maxSeenResponders: DEFAULT_MAX_SEEN_RESPONDERS,
};

export type WindowerStats = {
  /** Records whose window had already closed when they arrived. */
  lateRecords: number;
  /** Records dropped because their window already held maxKeysPerWindow keys. */
  overflowRecords: number;
  /** Windows closed before the watermark passed them because more than maxOpenWindows were open. */
  earlyClosedWindows: number;
  windowsEmitted: number;
  /** Largest timestamp seen (seconds), -Infinity before any record. */
  maxTsSec: number;
  watermarkSec: number;
};

export interface Windower {
  readonly settings: WindowSettings;
  /** Adds a batch; returns the windows the advanced watermark closed, ordered by (start, proto, port). */
  push(batch: RecordBatch): FeatureWindow[];
  /** End of input: closes every open window and resets (the windower may be fed again). */
  flush(): FeatureWindow[];
  stats(): WindowerStats;
  /** Open windows, event time, counters and seen responders as plain JSON data (src/detect/plain-state.ts). */
  snapshot(): unknown;
  /** Puts back a `snapshot()` of a windower with the same window length; STATE_INVALID otherwise. */
  restore(state: unknown): void;
}

interface KeyAcc {
  proto: Proto;
  port: number;
  flows: number;
  pkts: number;
  ipBytes: number;
  origIpBytes: number;
  payloadBytes: number;
  newDst: number;
  failed: number;
  durSum: number;
  /** Flows per originator / responder address (at most maxUniqueAddrs each). */
  srcs: Map<string, number>;
  dsts: Map<string, number>;
  /** Flow packets spread over the window's seconds. */
  spread: Float64Array;
  dnsN: number;
  qlenSum: number;
  entropySum: number;
  rcodeN: number;
  nx: number;
}

interface WindowState {
  startSec: number;
  /** By numeric key (see portKeyOf). */
  keys: Map<number, KeyAcc>;
  /** Exact packets per second from ticks, per key (may exist before the key's flows). */
  ticks: Map<number, Float64Array>;
}

const PROTO_CODES: Record<Proto, number> = { tcp: 0, udp: 1, icmp: 2, unknown_transport: 3 };

/** A number per (proto, port): no string built per record. */
function portKeyOf(proto: Proto, port: number): number {
  return (PROTO_CODES[proto] ?? 3) * 1_048_576 + (port & 0xfffff);
}

export function createWindower(settings: Partial<WindowSettings> = {}): Windower {
  const s: WindowSettings = { ...DEFAULT_WINDOW_SETTINGS, ...settings };
  if (!(s.windowSec >= 1) || !Number.isInteger(s.windowSec)) throw new FlowhoundError('INVALID_ARGUMENT', `windowSec must be a whole number of seconds ≥ 1, got ${s.windowSec}`, { windowSec: s.windowSec });
  if (!(s.allowedLatenessSec >= 0)) throw new FlowhoundError('INVALID_ARGUMENT', `allowedLatenessSec must be ≥ 0, got ${s.allowedLatenessSec}`, { allowedLatenessSec: s.allowedLatenessSec });
  const windowSec = s.windowSec;
  let open = new Map<number, WindowState>();
  let maxTsSec = Number.NEGATIVE_INFINITY;
  /** Every window starting before this has been closed. */
  let closedBeforeSec = Number.NEGATIVE_INFINITY;
  let lateRecords = 0;
  let overflowRecords = 0;
  let windowsEmitted = 0;
  let earlyClosedWindows = 0;
  /** Responders seen per (proto, port) key, for new_dst_share. */
  const seenResponders = new Map<number, Set<string>>();
  let seenResponderCount = 0;

  /** The last window used: most records land in the same window as the one before. */
  let last: WindowState | null = null;

  function windowFor(tsSec: number): WindowState | null {
    const startSec = Math.floor(tsSec / windowSec) * windowSec;
    if (last !== null && last.startSec === startSec) return last;
    if (startSec < closedBeforeSec) {
      lateRecords++;
      return null;
    }
    let w = open.get(startSec);
    if (!w) {
      w = { startSec, keys: new Map(), ticks: new Map() };
      open.set(startSec, w);
      if (open.size > s.maxOpenWindows) {
        capOpenWindows();
        if (startSec < closedBeforeSec) {
          lateRecords++;
          return null;
        }
      }
    }
    last = w;
    return w;
  }

  function accFor(w: WindowState, proto: Proto, port: number): KeyAcc | null {
    const key = portKeyOf(proto, port);
    let acc = w.keys.get(key);
    if (!acc) {
      if (w.keys.size >= s.maxKeysPerWindow) {
        overflowRecords++;
        return null;
      }
      acc = {
        proto,
        port,
        flows: 0,
        pkts: 0,
        ipBytes: 0,
        origIpBytes: 0,
        payloadBytes: 0,
        newDst: 0,
        failed: 0,
        durSum: 0,
        srcs: new Map(),
        dsts: new Map(),
        spread: new Float64Array(windowSec),
        dnsN: 0,
        qlenSum: 0,
        entropySum: 0,
        rcodeN: 0,
        nx: 0,
      };
      w.keys.set(key, acc);
    }
    return acc;
  }

  function addFlow(f: FlowRecord): void {
    if (!Number.isFinite(f.ts)) return;
    if (f.ts > maxTsSec) moveTo(f.ts);
    const w = windowFor(f.ts);
    if (!w) return;
    const port = f.proto === 'icmp' ? f.origP : f.respP;
    const acc = accFor(w, f.proto, port);
    if (!acc) return;
    const pkts = f.origPkts + f.respPkts;
    acc.flows++;
    acc.pkts += pkts;
    const payload = (f.origBytes ?? 0) + (f.respBytes ?? 0);
    const hasIpBytes = f.origIpBytes + f.respIpBytes > 0;
    acc.ipBytes += hasIpBytes ? f.origIpBytes + f.respIpBytes : payload;
    acc.origIpBytes += hasIpBytes ? f.origIpBytes : (f.origBytes ?? 0);
    acc.payloadBytes += payload;
    const key = portKeyOf(f.proto, port);
    let seen = seenResponders.get(key);
    if (!seen) {
      seen = new Set();
      seenResponders.set(key, seen);
    }
    if (!seen.has(f.respH) && seenResponderCount < s.maxSeenResponders) {
      seen.add(f.respH);
      seenResponderCount++;
      acc.newDst++;
    }
    if (isFailedAttempt(f)) acc.failed++;
    const dur = f.duration !== null && f.duration > 0 ? f.duration : 0;
    acc.durSum += dur;
    countAddress(acc.srcs, f.origH, s.maxUniqueAddrs);
    countAddress(acc.dsts, f.respH, s.maxUniqueAddrs);
    spreadPackets(acc.spread, w.startSec, f.ts, dur, pkts);
  }

  function addDns(d: DnsRecord): void {
    if (!Number.isFinite(d.ts)) return;
    if (d.ts > maxTsSec) moveTo(d.ts);
    const w = windowFor(d.ts);
    if (!w) return;
    const acc = accFor(w, d.proto, d.serverP);
    if (!acc) return;
    acc.dnsN++;
    acc.qlenSum += d.query.length;
    acc.entropySum += measureQueryEntropy(d.query);
    if (d.rcode !== null || d.rcodeName !== null) {
      acc.rcodeN++;
      if (d.rcode === 3 || d.rcodeName === 'NXDOMAIN') acc.nx++;
    }
  }

  function addTick(t: PacketTick): void {
    if (!Number.isFinite(t.sec)) return;
    if (t.sec > maxTsSec) moveTo(t.sec);
    const w = windowFor(t.sec);
    if (!w) return;
    const key = portKeyOf(t.proto, t.port);
    let perSec = w.ticks.get(key);
    if (!perSec) {
      if (w.ticks.size >= s.maxKeysPerWindow) {
        overflowRecords++;
        return;
      }
      perSec = new Float64Array(windowSec);
      w.ticks.set(key, perSec);
    }
    const i = Math.floor(t.sec) - w.startSec;
    if (i >= 0 && i < windowSec) perSec[i] = (perSec[i] ?? 0) + t.pkts;
  }

  function closeWindow(w: WindowState, out: FeatureWindow[]): void {
    const closed: FeatureWindow[] = [];
    for (const [key, acc] of w.keys) {
      if (acc.flows === 0 && acc.dnsN === 0) continue;
      const fw: FeatureWindow = { startSec: w.startSec, windowSec, proto: acc.proto, port: acc.port, values: computeValues(acc, w.ticks.get(key) ?? null, windowSec) };
      const topSrcs = findTopAddresses(acc.srcs, TOP_HOSTS);
      const topDsts = findTopAddresses(acc.dsts, TOP_HOSTS);
      if (topSrcs.length) {
        fw.topSrc = topSrcs[0]!;
        fw.topSrcs = topSrcs;
      }
      if (topDsts.length) {
        fw.topDst = topDsts[0]!;
        fw.topDsts = topDsts;
      }
      closed.push(fw);
    }
    closed.sort(compareWindows);
    windowsEmitted += closed.length;
    for (const c of closed) out.push(c);
  }

  function closeUpTo(boundarySec: number): FeatureWindow[] {
    const out: FeatureWindow[] = [];
    const starts = [...open.keys()].filter((st) => st + windowSec <= boundarySec).sort((a, b) => a - b);
    for (const st of starts) {
      closeWindow(open.get(st)!, out);
      open.delete(st);
      if (last !== null && last.startSec === st) last = null;
    }
    return out;
  }

  /** Windows closed while the current batch is pushed. */
  let closedNow: FeatureWindow[] = [];

  /**
   * Event time moves record by record: windows close at the same record
   * whatever the batch boundaries (chunk size, gzip, a live stream).
   */
  function moveTo(tsSec: number): void {
    maxTsSec = tsSec;
    if (!Number.isFinite(s.allowedLatenessSec)) return;
    const boundary = Math.floor((maxTsSec - s.allowedLatenessSec) / windowSec) * windowSec;
    if (boundary > closedBeforeSec) {
      closedBeforeSec = boundary;
      for (const w of closeUpTo(boundary)) closedNow.push(w);
    }
  }

  /** Past maxOpenWindows (checked when a window opens): the oldest close early. */
  function capOpenWindows(): void {
    if (open.size <= s.maxOpenWindows) return;
    const starts = [...open.keys()].sort((a, b) => a - b);
    const boundary = starts[open.size - s.maxOpenWindows]!; // keep the newest maxOpenWindows
    earlyClosedWindows += open.size - s.maxOpenWindows;
    closedBeforeSec = Math.max(closedBeforeSec, boundary);
    for (const w of closeUpTo(boundary)) closedNow.push(w);
  }

  return {
    settings: s,
    push(batch) {
      closedNow = [];
      for (const f of batch.flows) addFlow(f);
      for (const d of batch.dns) addDns(d);
      for (const t of batch.ticks) addTick(t);
      const out = closedNow;
      closedNow = [];
      return out;
    },
    flush() {
      const out = closeUpTo(Number.POSITIVE_INFINITY);
      open = new Map();
      last = null;
      seenResponders.clear();
      seenResponderCount = 0;
      maxTsSec = Number.NEGATIVE_INFINITY;
      closedBeforeSec = Number.NEGATIVE_INFINITY;
      return out;
    },
    stats() {
      const watermarkSec = maxTsSec - s.allowedLatenessSec;
      return { lateRecords, overflowRecords, earlyClosedWindows, windowsEmitted, maxTsSec, watermarkSec };
    },
    snapshot() {
      return encodeState({ windowSec, open, maxTsSec, closedBeforeSec, lateRecords, overflowRecords, windowsEmitted, earlyClosedWindows, seenResponders, seenResponderCount });
    },
    restore(state) {
      const o = readStateObject(state, 'windower', {
        windowSec: 'number', open: 'map', maxTsSec: 'number', closedBeforeSec: 'number', lateRecords: 'number', overflowRecords: 'number',
        windowsEmitted: 'number', earlyClosedWindows: 'number', seenResponders: 'map', seenResponderCount: 'number',
      });
      if (o.windowSec !== windowSec) throw new FlowhoundError('STATE_INVALID', `detector state windower: windows of ${String(o.windowSec)} s, this run's are ${windowSec} s`, { windowSec });
      open = o.open as Map<number, WindowState>;
      last = null;
      maxTsSec = o.maxTsSec as number;
      closedBeforeSec = o.closedBeforeSec as number;
      lateRecords = o.lateRecords as number;
      overflowRecords = o.overflowRecords as number;
      windowsEmitted = o.windowsEmitted as number;
      earlyClosedWindows = o.earlyClosedWindows as number;
      seenResponders.clear();
      for (const [k, v] of o.seenResponders as Map<number, Set<string>>) seenResponders.set(k, v);
      seenResponderCount = o.seenResponderCount as number;
    },
  };
}

function countAddress(m: Map<string, number>, addr: string, cap: number): void {
  const n = m.get(addr);
  if (n !== undefined) m.set(addr, n + 1);
  else if (m.size < cap) m.set(addr, 1);
}

/** The `k` addresses with the most flows, the most first (ties: the smaller address first). */
function findTopAddresses(m: Map<string, number>, k: number): { addr: string; flows: number }[] {
  const top: { addr: string; flows: number }[] = [];
  for (const [addr, flows] of m) {
    if (top.length === k) {
      const last = top[k - 1]!;
      if (flows < last.flows || (flows === last.flows && addr > last.addr)) continue;
      top.pop();
    }
    let i = top.length;
    while (i > 0 && (top[i - 1]!.flows < flows || (top[i - 1]!.flows === flows && top[i - 1]!.addr > addr))) i--;
    top.splice(i, 0, { addr, flows });
  }
  return top;
}

function compareWindows(a: FeatureWindow, b: FeatureWindow): number {
  return a.startSec - b.startSec || (a.proto < b.proto ? -1 : a.proto > b.proto ? 1 : 0) || a.port - b.port;
}

/** Spreads `pkts` evenly over [tsSec, tsSec + durSec) into the window's per-second bins (parts beyond the window are not counted). */
function spreadPackets(bins: Float64Array, windowStartSec: number, tsSec: number, durSec: number, pkts: number): void {
  const n = bins.length;
  if (pkts <= 0) return;
  if (durSec <= 0 || pkts === 1) {
    const i = Math.floor(tsSec) - windowStartSec;
    if (i >= 0 && i < n) bins[i] = (bins[i] ?? 0) + pkts;
    return;
  }
  const rate = pkts / durSec;
  const endSec = tsSec + durSec;
  const first = Math.max(Math.floor(tsSec), windowStartSec);
  const last = Math.min(Math.floor(endSec), windowStartSec + n - 1);
  for (let sec = first; sec <= last; sec++) {
    const overlap = Math.min(sec + 1, endSec) - Math.max(sec, tsSec);
    if (overlap > 0) bins[sec - windowStartSec] = (bins[sec - windowStartSec] ?? 0) + rate * overlap;
  }
}

function computeValues(acc: KeyAcc, ticks: Float64Array | null, windowSec: number): Float64Array {
  const v = new Float64Array(FEATURE_COUNT);
  v[F.flows] = acc.flows;
  v[F.packets] = acc.pkts;
  v[F.bytes] = acc.ipBytes;
  if (ticks) {
    let peak = 0;
    let sum = 0;
    for (const x of ticks) {
      if (x > peak) peak = x;
      sum += x;
    }
    v[F.peakPps] = peak;
    v[F.meanPps] = sum / windowSec;
  } else {
    let peak = 0;
    for (const x of acc.spread) if (x > peak) peak = x;
    v[F.peakPps] = peak;
    v[F.meanPps] = acc.pkts / windowSec;
  }
  v[F.uniqueSrc] = acc.srcs.size;
  v[F.uniqueDst] = acc.dsts.size;
  v[F.failedShare] = acc.flows > 0 ? acc.failed / acc.flows : 0;
  v[F.bytesPerPacket] = acc.pkts > 0 ? acc.ipBytes / acc.pkts : 0;
  v[F.directionRatio] = acc.ipBytes > 0 ? acc.origIpBytes / acc.ipBytes : 0;
  v[F.meanDuration] = acc.flows > 0 ? acc.durSum / acc.flows : 0;
  v[F.dnsQueryLen] = acc.dnsN > 0 ? acc.qlenSum / acc.dnsN : 0;
  v[F.dnsLabelEntropy] = acc.dnsN > 0 ? acc.entropySum / acc.dnsN : 0;
  v[F.dnsNxdomainShare] = acc.rcodeN > 0 ? acc.nx / acc.rcodeN : 0;
  v[F.bytesOut] = acc.origIpBytes;
  v[F.bytesIn] = acc.ipBytes - acc.origIpBytes;
  v[F.payloadBytesPerPacket] = acc.pkts > 0 ? acc.payloadBytes / acc.pkts : 0;
  v[F.newDstShare] = acc.flows > 0 ? acc.newDst / acc.flows : 0;
  return v;
}

/** Shannon entropy (bits per character) of the query name left of its last two labels, or of the whole name when it has two labels or fewer. */
export function measureQueryEntropy(query: string): number {
  const labels = query.split('.').filter((l) => l.length > 0);
  const text = (labels.length > 2 ? labels.slice(0, -2) : labels).join('');
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Windows a whole stream of batches with one windower (train, features): every window, closed at end of input. */
export async function collectFeatureWindows(batches: AsyncIterable<RecordBatch>, settings: Partial<WindowSettings> = {}): Promise<{ windows: FeatureWindow[]; stats: WindowerStats }> {
  const windower = createWindower(settings);
  const windows: FeatureWindow[] = [];
  for await (const batch of batches) for (const w of windower.push(batch)) windows.push(w);
  const stats = windower.stats();
  for (const w of windower.flush()) windows.push(w);
  return { windows, stats: { ...stats, windowsEmitted: windows.length } };
}
