/**
 * Packet-rate spikes (`rate.spike`): packets per second to one
 * (host, port, proto) above `ratePps` (20, the brief) for at least
 * `rateMinSeconds` (5) consecutive seconds, and well above that port's
 * normal rate.
 *
 * Algorithm:
 * 1. Per-second packet counts per (destination host, port, proto): exact
 *    from PacketTick (captures); from FlowRecords (flow logs) each flow's
 *    originator packets are spread evenly over the seconds it lasted. Keys
 *    that have ticks ignore flows (a capture yields both). Counts are kept
 *    as a difference array (+rate where a flow starts, −rate after it
 *    ends), so a long flow costs two entries, not one per second.
 * 2. A second is final once the watermark (largest timestamp seen) is
 *    `rateLatenessSec` (120 s) past it; later records are counted as late
 *    and dropped (they are reported in stats()).
 * 3. Normal rate: the port's learned peak pps when a model is loaded
 *    (`learnedPeakPps`), else an online baseline: the highest mean rate of
 *    any `rateBaselineBucketSec` (10 s) bucket of the key's earlier
 *    non-spike traffic. A key first seen more than `rateWarmupSec` (5 s)
 *    after the run began was silent before (baseline 0). A key seen from
 *    the start may have been busy before the capture began: it has no
 *    baseline until one bucket of its traffic is complete, and meanwhile
 *    the rate must exceed `rateNoBaselineFactor` × `ratePps` (200 pps).
 * 4. A second is above when pps > `ratePps`, pps ≥ `rateBaselineFactor`
 *    (3) × the normal peak, and (baseline known or pps over the no-baseline
 *    bar). `rateMinSeconds` consecutive seconds above open an incident; a
 *    busy server's one- or two-second bursts never do.
 *    Packets to a (host, port) that flows show to be the originator's end
 *    of connections (a client's ephemeral port receiving a download or a
 *    scan's replies) are not a spike on a service and are not reported,
 *    nor is a spike carried by fewer than `rateMinConnections` (10)
 *    connections starting during it: one or a few busy connections are a
 *    bulk transfer, a call or a stream; a flood opens many. (A flood kept
 *    inside one connection — one fixed 5-tuple — is therefore not reported.)
 *    ICMP has no connections to count (every echo of a pair is one Zeek
 *    ICMP connection, a fast ping and a flood alike): there a spike of
 *    fewer connections is reported when its mean rate is over the
 *    no-baseline bar (`rateNoBaselineFactor` × `ratePps`, 200 pps: a flood
 *    whatever the port; ping -i 0.01 sends 100/s). ICMP flows are keyed at
 *    port 0 as ICMP ticks are, so echo replies to a pinger are its own
 *    end, not a spike on it.
 * 5. The incident is reported `reportDelaySec` after its run ends (or at
 *    end of input) with its start, end, peak and mean rate and the baseline
 *    it was compared with. Its source is the host that sent most of the
 *    key's packets in flows overlapping the incident (flows count for
 *    attribution even when ticks gave the rate), when one host sent at
 *    least half; else the source is left empty (a distributed flood).
 *    Senders and connection starts are only recorded once a key has
 *    received more than `ratePps` × `rateMinSeconds` packets (no spike is
 *    possible below that), so the first ~100 packets' flows of a key are
 *    not in those counts; at most `rateMaxSenders` (256) senders and
 *    `rateMaxFlowStartSeconds` (100,000) seconds of connection starts are
 *    kept per key (what does not fit is counted in stats()). Severity and confidence from
 *    peak / max(ratePps, factor × baseline); the severity is at most low
 *    when most connections starting during the spike were completed
 *    exchanges (answered with data, not failed attempts): a busy client (a
 *    curl loop at 40 requests/s) or an application-layer flood, where a
 *    SYN, UDP or connection flood's connections fail or carry nothing back.
 * State: at most `rateMaxKeys` keys (past it the least recently active
 * tenth is reported and dropped, counted as evicted in the run summary); a
 * key idle for `rateKeyIdleSec` is forgotten. Per record the cost is O(1)
 * amortised with nothing allocated: addresses become interned host ids
 * (host-ids.ts) and keys are found by (host id, port·proto) in one integer
 * table (rate-key-index.ts); pending rate changes and connection starts are
 * second-ordered series (series-slab.ts) read as a prefix when seconds
 * are finalized, their arrays reused from key to key; senders sit in a
 * table per key in slabs shared by all keys (sender-table.ts), and once that is full
 * a filter of its hosts (full-sender-filters.ts) turns most other senders
 * away without reaching the table. Keys are looked at only when
 * they have seconds to finalize, a report due or an idle deadline (a
 * wake-up queue, taken in key order), never by walking every key; a key
 * with too few packets for an incident is not looked at per pass at all,
 * its passes are replayed when it is next touched (see the lazy keys).
 * Most keys of a capture (a client port getting a few ticks of replies)
 * are not even objects: rows of a typed-array table (tick-key-rows.ts),
 * made the key they stand for when anything more happens to them (see
 * rowsAllowed).
 * A record older than the watermark by more than
 * `rateKeyIdleSec` + `rateLatenessSec` starts a new time line (inputs of
 * different days in one run): everything pending is reported first.
 */
import { FlowhoundError } from '../errors.js';
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import { confidenceFromRatio, severityFromRatio, severityRank } from '../score/severity.js';
import type { Finding, FlowRecord, Proto, RecordBatch } from '../types.js';
import type { Detector } from './detector.js';
import { WakeQueue, type WakeRow } from './incident-table.js';
import { encodeState, readStateObject } from './plain-state.js';
import { fmtDuration } from './scan-detector.js';
import { HostIds } from './host-ids.js';
import { LeastActiveIndex } from './least-active.js';
import { RateKeyIndex } from './rate-key-index.js';
import { NO_SERIES, SeriesSlab } from './series-slab.js';
import { SenderTables } from './sender-table.js';
import { FullSenderFilters } from './full-sender-filters.js';
import { ROW_TICKS, TickKeyRows } from './tick-key-rows.js';
import { isCompletedExchange } from './failed-attempt.js';
import { type KeyFindings, sortFindingsByKey } from './findings-by-key.js';

export type RateSpikeSettings = Pick<
  Settings,
  | 'ratePps'
  | 'rateMinSeconds'
  | 'rateBaselineFactor'
  | 'rateBaselineBucketSec'
  | 'rateWarmupSec'
  | 'rateNoBaselineFactor'
  | 'rateLatenessSec'
  | 'rateMaxKeys'
  | 'rateKeyIdleSec'
  | 'rateMinConnections'
  | 'rateMaxSenders'
  | 'rateMaxFlowStartSeconds'
  | 'reportDelaySec'
  | 'idBucketSec'
>;

export interface RateSpikeOptions {
  /** A port's learned peak packets per second (from a model), or null when the model has none. */
  learnedPeakPps?: (port: number, proto: Proto) => number | null;
  /** Finalize every key at each pass, none lazily (the reference the lazy keys are tested against). */
  eager?: boolean;
}

/** Pending seconds a key may hold and still be checked for quiet (see `quiet` in the detector). */
const QUIET_SCAN = 32;

interface Run {
  startSec: number;
  seconds: number;
  pkts: number;
  maxPps: number;
}

interface Incident {
  startSec: number;
  endSec: number;
  seconds: number;
  pkts: number;
  maxPps: number;
  normalPps: number;
  baselineSource: 'model' | 'online' | 'none';
  dueTs: number | null;
  lastEmittedSeconds: number;
}

interface RateKey extends WakeRow {
  /** The key's host in first-seen order: keys are reported host by host, then in insertion order (`seq`). */
  hostSeq: number;
  /** The destination host's id (HostIds) and port × 4 + protocol index: the key in the index. */
  hostId: number;
  portProto: number;
  dst: string;
  port: number;
  proto: Proto;
  hasTicks: boolean;
  firstSec: number;
  lastActivitySec: number;
  /** Pending rate changes at seconds after `frontier`: a series of `deltas` (NO_SERIES when none: its block went back to the slab). */
  deltas: number;
  /** Rate in effect at the frontier. */
  level: number;
  frontier: number;
  bucketSum: number;
  bucketLen: number;
  baselinePeak: number;
  bucketsDone: number;
  /**
   * Flows to this key by the second they started (for the connection count of a spike) and, of those,
   * the completed exchanges (isCompletedExchange): a series of `starts` (NO_SERIES until counted), each
   * second's value flows × START_UNIT + completed (see START_UNIT).
   */
  starts: number;
  /** Flow packets that this (host, port) sent as a connection's originator: a client endpoint. */
  clientSidePkts: number;
  /** Originator packets of all flows to this key so far (gates the attribution work). */
  flowPkts: number;
  /**
   * Packets counted into its rate so far (Infinity when not known: a key
   * restored from a checkpoint). A run of rateMinSeconds seconds each above
   * ratePps holds more than ratePps × rateMinSeconds packets, so a key
   * with fewer has no incident to make (see endTimeline and busyKeys).
   */
  ratePkts: number;
  /** Packets per source host in flows to this key (attribution), capped: its table in the detector's SenderTables, or -1. */
  senders: number;
  /**
   * -1 while `senders` has room; once it is full, its slot in the
   * detector's FullSenderFilters: a sender without a host id, or one the
   * filter rules out, is not in the table and cannot be added, known
   * without reaching the table (see noteSender).
   */
  sendersFilter: number;
  run: Run | null;
  incident: Incident | null;
  /**
   * A quiet key (see `lazy` in the detector): its finalization is replayed
   * when it is next touched instead of at each finalizeAll. `eagerWake` is
   * the wake time it would hold if finalized at each pass; `syncPass` the
   * number of passes (passBounds) already replayed.
   */
  lazy: boolean;
  eagerWake: number;
  syncPass: number;
}

/** Key order: hosts in first-seen order (while the host has keys), then keys in insertion order. */
function byKeyOrder(a: RateKey, b: RateKey): number {
  return a.hostSeq - b.hostSeq || a.seq - b.seq;
}

export function createRateSpikeDetector(settings: RateSpikeSettings, options: RateSpikeOptions = {}): Detector {
  // Hosts as interned ids (held by keys and their senders), keys by (host id, port·proto):
  // two string lookups per flow (its two addresses), the rest integer tables.
  const hosts = new HostIds();
  /** Which hosts each full sender table holds, for noteSender to skip most lookups in it. */
  const fullSenderFilters = new FullSenderFilters();
  /** Every key's senders (see sender-table.ts). */
  const senders = new SenderTables();
  const index = new RateKeyIndex<RateKey>();
  /** Per host id: its number of keys and its place in key order (set when it gets its first key). */
  const keysOfHost: number[] = [];
  const hostSeqOf: number[] = [];
  let hostSeq = 0;
  let keySeq = 0;
  let evicted = 0;
  /** Keys to look at, by wake time in finalizeBound units (see wakeOf). */
  let queue = new WakeQueue<RateKey>();
  const PROTO_INDEX: Record<Proto, number> = { tcp: 0, udp: 1, icmp: 2, unknown_transport: 3 };
  const PROTO_OF_INDEX: readonly Proto[] = ['tcp', 'udp', 'icmp', 'unknown_transport'];
  /** The keys' pending rate changes, one block each (see series-slab.ts): no allocation per record or per short-lived key. */
  const deltas = new SeriesSlab();
  /** The keys' flow starts, one block each once counted (see RateKey.starts). */
  const starts = new SeriesSlab();
  /** Keys held as rows, not objects (see rowsAllowed). */
  const rows = new TickKeyRows();
  /**
   * Keys by last active second, for eviction at the cap (kept from the first eviction on): key objects,
   * and rows by row number. A row number is reused once freed, so an entry of a row's former tenant may
   * pass for the new tenant's (the same second): takeLeast gives each row once (see least-active.ts).
   */
  const recency = new LeastActiveIndex<RateKey | number>({
    timeOf: (k) => (typeof k === 'number' ? rows.lastActivitySec[k]! : k.lastActivitySec),
    isLive: (k) => (typeof k === 'number' ? rows.hostId[k]! >= 0 : k.hostId >= 0),
    size: () => index.size,
    order: byEitherKeyOrder,
  });

  /** Key order (byKeyOrder) of keys held as objects or rows. */
  function byEitherKeyOrder(a: RateKey | number, b: RateKey | number): number {
    const ha = typeof a === 'number' ? rows.hostSeq[a]! : a.hostSeq;
    const hb = typeof b === 'number' ? rows.hostSeq[b]! : b.hostSeq;
    if (ha !== hb) return ha - hb;
    return (typeof a === 'number' ? rows.seq[a]! : a.seq) - (typeof b === 'number' ? rows.seq[b]! : b.seq);
  }

  /** Files a new key (its hostId and portProto set; it holds one reference to its host). */
  function insertKey(k: RateKey): void {
    k.hostSeq = countKeyOfHost(k.hostId);
    index.add(k);
    recency.see(k, Number.NaN);
  }

  /** Counts one more key of the host; its place in key order (given with its first key). */
  function countKeyOfHost(id: number): number {
    if ((keysOfHost[id] ?? 0) === 0) {
      keysOfHost[id] = 0;
      hostSeqOf[id] = hostSeq++;
    }
    keysOfHost[id]!++;
    return hostSeqOf[id]!;
  }

  /** Takes the key out of the table; its hostId becomes -1 (out of the table). */
  function deleteKey(k: RateKey): void {
    if (!index.delete(k)) return;
    keysOfHost[k.hostId]!--;
    hosts.release(k.hostId);
    k.hostId = -1;
    if (k.ratePkts >= incidentFloorPkts && !walkAllAtEnd) liveBusyKeys--;
    const t = k.senders;
    if (t >= 0) {
      for (let i = 0, n = senders.count(t); i < n; i++) hosts.release(senders.idAt(t, i));
      senders.free(t);
      k.senders = -1;
    }
    if (k.sendersFilter >= 0) {
      fullSenderFilters.free(k.sendersFilter);
      k.sendersFilter = -1;
    }
    queue.remove(k);
    releaseDeltas(k);
    releaseStarts(k);
  }

  /** A new host id for a record's destination (`v4`: its IPv4 number, or -1 when the record had none). */
  function addHost(dst: string, v4: number): number {
    return v4 >= 0 ? hosts.addAs(dst, v4) : hosts.add(dst);
  }

  /** One more reference to a held host id; the id. */
  function retained(id: number): number {
    hosts.retain(id);
    return id;
  }

  /** A checkpoint's Map of second → rate change as a block of `deltas`; NO_SERIES when empty. */
  function deltasOf(m: Map<number, number>): number {
    if (m.size === 0) return NO_SERIES;
    checkSeconds(m);
    return deltas.fromMap(m);
  }

  /** The key's flow starts as the two Maps of second → count that checkpoints hold (null when not counted). */
  function startsAsMaps(b: number): { flowStarts: Map<number, number> | null; completedStarts: Map<number, number> | null } {
    if (b === NO_SERIES) return { flowStarts: null, completedStarts: null };
    const flowStarts = new Map<number, number>();
    const completedStarts = new Map<number, number>();
    for (let i = starts.head(b), end = starts.end(b); i < end; i++) {
      const v = starts.valAt(b, i);
      const c = v % START_UNIT;
      flowStarts.set(starts.secAt(b, i), (v - c) / START_UNIT);
      if (c > 0) completedStarts.set(starts.secAt(b, i), c);
    }
    return { flowStarts, completedStarts };
  }

  /** A checkpoint's flow starts and completed starts (Maps of second → count) as one series of `starts`. */
  function startsOf(flows: Map<number, number>, completed: Map<number, number>): number {
    checkSeconds(flows);
    checkSeconds(completed);
    const m = new Map<number, number>();
    for (const [sec, n] of flows) m.set(sec, n * START_UNIT);
    for (const [sec, n] of completed) m.set(sec, (m.get(sec) ?? 0) + n);
    return m.size === 0 ? starts.alloc() : starts.fromMap(m);
  }

  function releaseStarts(k: RateKey): void {
    const b = k.starts;
    if (b === NO_SERIES) return;
    k.starts = NO_SERIES;
    starts.release(b);
  }

  function releaseDeltas(k: RateKey): void {
    const d = k.deltas;
    if (d === NO_SERIES) return;
    k.deltas = NO_SERIES;
    deltas.release(d);
  }

  /** Every key, in key order. */
  function allKeys(): RateKey[] {
    return index.values().sort(byKeyOrder);
  }

  /**
   * When finalizeAll must look at a key, in finalizeBound units: it has
   * seconds to finalize (frontier + 1), a report due (watermark >= dueTs
   * cannot hold before finalizeBound reaches floor(dueTs - lateness)), or
   * it may have been idle for rateKeyIdleSec. A new key's seconds before
   * its first one are skipped (stretch), so it is first looked at when its
   * first second can be final, not at every finalizeAll before (most keys
   * of a capture, a client port getting its replies, would be looked at
   * five times for nothing); see frontierOf. A key counting connection
   * starts is looked at every time, as those are pruned as it goes.
   */
  function wake(k: RateKey): void {
    if (k.lazy) {
      // Its eager wake time kept for the replay; the queue only for the idle deadline (nothing else can be due).
      const w = wakeTimeOf(k);
      if (w < k.eagerWake) k.eagerWake = w;
      // A held idle wake is the earliest one (lastActivitySec only grows).
      if (k.wakeTs === null) queue.wakeAt(k, Math.floor(k.lastActivitySec + settings.rateKeyIdleSec));
      return;
    }
    queue.wakeAt(k, wakeTimeOf(k));
  }

  /** The wake time of a key finalized at each pass (see wake). */
  function wakeTimeOf(k: RateKey): number {
    let w = Math.floor(k.lastActivitySec + settings.rateKeyIdleSec);
    if (k.frontier < k.lastActivitySec + 1) {
      const next = k.frontier + 1 < k.firstSec && k.starts === NO_SERIES ? k.firstSec : k.frontier + 1;
      if (next < w) w = next;
    }
    const due = k.incident?.dueTs;
    if (due !== null && due !== undefined) w = Math.min(w, Math.floor(due - settings.rateLatenessSec) - 1);
    return w;
  }

  /**
   * Lazy keys. Most keys never get packets enough for an incident
   * (ratePkts below incidentFloorPkts: a client port getting its replies,
   * a host seen a few times); finalizing them at every pass (each 30 s of
   * event time) only moves their frontier and baseline, which nothing reads
   * until the key is touched again, and costs a cold key and a queue entry
   * per pass. Such a key is lazy: the passes are recorded (passBounds) and
   * replayed on the key when it is next touched (a record, the idle
   * deadline, a snapshot), each pass doing exactly what finalizeAll would
   * have done to it (the same finalizeKey calls, so the same baseline
   * buckets and `late` counts). Exact because, while lazy, the replay can
   * report nothing (no incident: too few packets) and reads nothing that
   * changed since the pass: its own state is only changed after a replay,
   * and of the run's state only runStartSec is read (whether the baseline
   * is known), which is why a key whose baseline could still become known
   * (first seen within rateWarmupSec of the run start, no bucket done, no
   * learned rate) is not lazy. Such a key stops being lazy when it
   * reaches the floor, starts counting connection starts or its baseline
   * could flip; its wake time becomes the one it would have had.
   *
   * A busy key is lazy too while it is quiet (see `quiet`): no incident or
   * run, and no pending second above ratePps. The passes replayed on it
   * then only move its frontier and baseline (a second at or below ratePps
   * opens no run and reads no normal rate, so not runStartSec either), and
   * report nothing. Most keys of a flow log get a flow or two per pass:
   * finalizing them at each pass, their key and series cold by then, was
   * the largest part of rate.spike's time on a 2M-line conn.log; replayed
   * when the next record comes, they are warm. A key is synced when a
   * record finds it (getKey), before its senders and connection starts are
   * counted, so what those read is what finalizing at each pass leaves.
   */
  function knownStable(k: RateKey): boolean {
    return knownStableAt(k.firstSec, k.bucketsDone, k.port, k.proto);
  }

  function knownStableAt(firstSec: number, bucketsDone: number, port: number, proto: Proto): boolean {
    if (firstSec - runStartSec >= settings.rateWarmupSec || bucketsDone > 0) return true;
    const learned = options.learnedPeakPps?.(port, proto);
    return learned !== null && learned !== undefined && Number.isFinite(learned);
  }

  /**
   * Replays on a lazy key the passes since its last touch; whether the last one (the current pass, from finalizeAll) took it.
   * A pass takes the key when its bound reaches the key's eager wake time; the passes between are skipped
   * by a binary search (passBounds ascend), not one by one: a key dropped at its idle deadline
   * (rateKeyIdleSec) was otherwise walked over 120 passes, which on a log of scans (a new key per flow)
   * was a sixth of rate.spike's time.
   */
  function sync(k: RateKey): boolean {
    const n = passBounds.length;
    while (k.syncPass < n) {
      const p = firstPassReaching(k.syncPass, k.eagerWake);
      if (p === n) {
        k.syncPass = n;
        return false;
      }
      k.syncPass = p + 1;
      // Nothing can be reported (no incident while below the floor): findings go nowhere.
      finalizeKey(k, Math.min(passBounds[p]!, k.lastActivitySec + 1), noFindings);
      k.eagerWake = wakeTimeOf(k);
      if (p === n - 1) return true;
    }
    return false;
  }

  /** The index of the first pass from `from` whose bound is at least `ts` (passBounds.length when none). */
  function firstPassReaching(from: number, ts: number): number {
    // Galloping from `from` (1, 2, 4, … passes on), then a binary search in the last step: the pass
    // is mostly `from` itself or next to it (a key replayed pass after pass), which a binary search over
    // every pass since found in some ten steps.
    const n = passBounds.length;
    let lo = from;
    let hi = n;
    for (let step = 1; lo < n; step *= 2) {
      if (passBounds[lo]! >= ts) return lo;
      const j = lo + step;
      if (j >= n || passBounds[j]! >= ts) {
        hi = Math.min(j, n);
        lo++;
        break;
      }
      lo = j + 1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (passBounds[mid]! < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Ends a key's laziness: replayed, it is queued as an eager key would be. */
  function makeEager(k: RateKey): void {
    sync(k);
    k.lazy = false;
    queue.remove(k);
    queue.wakeAt(k, k.eagerWake);
  }

  /**
   * Whether the passes to come can open no run on the key: it holds no
   * incident or run, and its rate at the frontier and at each pending
   * second (the running sum of its pending changes, as finalizeKey adds
   * them) stays at or below ratePps, less a margin for the zeroing of
   * near-zero rates. A key with more than QUIET_SCAN pending seconds is
   * not looked at (long flows leave their ends pending for long).
   */
  function quiet(k: RateKey): boolean {
    if (k.incident !== null || k.run !== null) return false;
    let level = k.level;
    if (level > quietCeiling) return false;
    const d = k.deltas;
    if (d === NO_SERIES) return true;
    if (deltas.size(d) > QUIET_SCAN) return false;
    for (let i = deltas.head(d), end = deltas.end(d); i < end; i++) {
      level += deltas.valAt(d, i);
      if (level > quietCeiling) return false;
    }
    return true;
  }

  /** Whether the key may be lazy: too few packets for an incident (see above), or quiet. */
  function mayBeLazy(k: RateKey): boolean {
    return (k.ratePkts < incidentFloorPkts && k.starts === NO_SERIES && knownStable(k)) || quiet(k);
  }

  /**
   * Makes an eager key lazy: finalized up to the current pass (eager keys
   * are finalized at each pass that takes them), it keeps its wake time as
   * `eagerWake` and the queue holds it for its idle deadline only.
   */
  function makeLazy(k: RateKey): void {
    const w = wakeTimeOf(k);
    k.eagerWake = k.wakeTs !== null && k.wakeTs < w ? k.wakeTs : w;
    k.syncPass = passBounds.length;
    k.lazy = true;
    queue.remove(k);
    queue.wakeAt(k, Math.floor(k.lastActivitySec + settings.rateKeyIdleSec));
  }
  /** The bound of each finalizeAll of this time line, in order (for lazy keys). */
  let passBounds: number[] = [];
  const noFindings: Finding[] = [];
  /**
   * Event time: the watermark, a field of an object, not a closure `let`: a double is stored in place in
   * a field, where each store to a `let` boxed a new HeapNumber (most flow records of a log move it).
   */
  const clock = { watermark: Number.NEGATIVE_INFINITY };
  let runStartSec = Number.POSITIVE_INFINITY;
  let lastFinalized = Number.NEGATIVE_INFINITY;
  let late = 0;
  let fewConnections = 0;
  /** Flows not counted for attribution (their key's sender table was full) and connection starts not counted (too many seconds). */
  let sendersDropped = 0;
  let flowStartsDropped = 0;
  const thr = settings.ratePps;
  const attributionGatePkts = settings.ratePps * settings.rateMinSeconds;
  /** Fewer packets than this cannot make an incident (ratePps × rateMinSeconds, less a margin for rounding). */
  const incidentFloorPkts = attributionGatePkts * (1 - 1e-6);
  /**
   * The keys whose ratePkts reached incidentFloorPkts (listed once, as
   * they reach it; keys since dropped are stale entries, swept out when
   * they outnumber the live ones twice over): the only keys the end of a
   * time line must finalize. The others, most keys of a capture, are not
   * touched again (walking 116k keys spread over the heap cost a third of
   * a second). With a floor of 0 (ratePps 0) every key is walked instead.
   */
  let busyKeys: RateKey[] = [];
  let liveBusyKeys = 0;
  const walkAllAtEnd = !(incidentFloorPkts > 0);
  /** Whether keys may be lazy: not when the end of a time line walks every key (which does not replay them). */
  const lazyKeys = !walkAllAtEnd && options.eager !== true;
  /** The highest rate a quiet key may reach (see quiet): ratePps less 1e-6 (levels near 0 are zeroed below 1e-9 as they are summed). */
  const quietCeiling = thr - 1e-6;

  /** Whether finalizing the key could report anything: it has an incident, or packets enough for one. */
  function mayReport(k: RateKey): boolean {
    return k.incident !== null || k.ratePkts >= incidentFloorPkts;
  }

  function listBusy(k: RateKey): void {
    if (walkAllAtEnd) return;
    busyKeys.push(k);
    liveBusyKeys++;
    if (busyKeys.length > 2 * liveBusyKeys + 1024) busyKeys = busyKeys.filter((b) => b.hostId >= 0);
  }

  /**
   * The key of (dst, port, proto), made when new; `v4`: dst as an IPv4 number when the record had one
   * (a tick's dstV4, a flow's respV4), else -1. The record, `pkts` packets over `secs` seconds from
   * `sec` (a tick: its packets, one second; a flow, `fromFlow`: its originator's packets and its
   * seconds), may be counted on its key's row (see rowsAllowed): null then.
   */
  function getKey(dst: string, v4: number, port: number, proto: Proto, sec: number, out: Finding[], pkts: number, secs: number, fromFlow: boolean): RateKey | null {
    const portProto = port * 4 + protoIndex(proto);
    const id = v4 >= 0 ? hosts.idOfV4(v4) : hosts.idOf(dst);
    const found = id < 0 ? undefined : index.get(id, portProto);
    if (found === undefined) {
      if (rowsAllowed(sec, pkts, port, proto)) {
        const r = newRow(dst, v4, id, portProto, sec, fromFlow);
        return countOnRow(r, sec, secs, pkts, fromFlow) ? null : promote(r);
      }
      const k: RateKey = {
        seq: keySeq++, wakeTs: null, hostSeq: 0, hostId: id < 0 ? addHost(dst, v4) : retained(id), portProto, dst, port, proto, hasTicks: false, firstSec: sec, lastActivitySec: sec, deltas: NO_SERIES, level: 0,
        frontier: firstFrontier(sec), bucketSum: 0, bucketLen: 0, baselinePeak: 0, bucketsDone: 0, starts: NO_SERIES, clientSidePkts: 0, flowPkts: 0, ratePkts: 0, senders: -1, sendersFilter: -1, run: null, incident: null,
        lazy: false, eagerWake: 0, syncPass: passBounds.length,
      };
      insertKey(k);
      k.lazy = lazyKeys && knownStable(k);
      // Its eager wake time from the start (wake only lowers it). Not Infinity in the literal: one double
      // stored in a field makes the field a boxed double for every key, a dependent load in each sync.
      if (k.lazy) k.eagerWake = wakeTimeOf(k);
      wake(k);
      if (index.size > settings.rateMaxKeys) evictKeys(k, out);
      return k;
    }
    if (typeof found === 'number') {
      if (countOnRow(found, sec, secs, pkts, fromFlow)) return null;
      const k = promote(found);
      sync(k);
      return k;
    }
    if (found.lazy) sync(found);
    return found;
  }

  /** The frontier of a key first seen at `sec`. */
  function firstFrontier(sec: number): number {
    return Math.min(sec - 1, Math.max(finalizeBound(), sec - Math.ceil(settings.rateLatenessSec) - 1));
  }

  /**
   * Rows: most keys of a capture are a client's port getting the replies of
   * one connection, a few ticks and never a flow (113,305 of the realistic
   * capture's 116,126 keys; none reached the floor); most keys of a log of
   * scans are one port getting one small flow (all 2M keys of the
   * findings-heavy 2M-line conn.log). Such a key is held as a row of `rows`
   * (tick-key-rows.ts), not as an object with its series, queue entry and
   * strings, while it is exactly what a lazy key made by getKey and counted
   * by addRate would be with nothing replayed on it: made by a tick or a
   * flow while keys may be lazy and it is known stable (its baseline cannot
   * flip), the table below its cap, at
   * most ROW_TICKS records counted, all ticks or all flows (`hasTicks`; a
   * row of ticks also counts the packets of flows sent to it),
   * all at or after its first second, fewer packets than the floor, flow
   * packets within the attribution gate (no senders or connection starts
   * counted), and no pass has reached its eager wake time (its first
   * second: a lazy key's replay has done nothing). Such a key's level,
   * baseline, run and incident are their initial values, its eager wake
   * time is its first second and its queue entry is the idle one; the row
   * holds the rest (the late check reads its frontier as frontierOf does).
   *
   * A row becomes the key object it stands for (promote) when anything
   * else happens to it: a record it cannot hold, one of the other kind, one
   * after a pass reached it, a snapshot. Its records are
   * added to a series in their order, as addRate adds them, so the series
   * holds the same sums, and the object then goes the usual way (a record
   * syncs it first). A flow from it adds to its clientSidePkts in the row. At its idle wake time it is
   * dropped when idle as the lazy key would be (replayed up to the pass,
   * all its pending seconds are before it: it would be deleted then), or
   * its wake time moved on as the key's would be, without the replay
   * (replays of a key are the same done in one go or in several).
   *
   * Past the cap, rows are listed in the eviction index as key objects are
   * and evicted as rows (a lazy key is dropped unfinalized). Before, the
   * first eviction made every row its key and every later key was an
   * object: on the one-flow-per-packet capture (a new key per packet, 1M
   * keys through a cap of 200,000) some 800,000 key objects of ~300 bytes
   * were made and dropped in the old generation; as rows, peak RSS of
   * `analyze --no-model` 869 -> 805 MiB and its CPU 19.6 -> 18.2 s (one
   * run each; see the commit for the paired figures).
   */
  function rowsAllowed(sec: number, pkts: number, port: number, proto: Proto): boolean {
    return lazyKeys && index.size < settings.rateMaxKeys && pkts < incidentFloorPkts && knownStableAt(sec, 0, port, proto);
  }

  /** A new key as a row (see getKey and insertKey for the object it stands for), for ticks or for flows. */
  function newRow(dst: string, v4: number, id: number, portProto: number, sec: number, fromFlow: boolean): number {
    const r = rows.alloc(fromFlow);
    const hostId = id < 0 ? addHost(dst, v4) : retained(id);
    rows.seq[r] = keySeq++;
    rows.hostId[r] = hostId;
    rows.portProto[r] = portProto;
    rows.firstSec[r] = sec;
    rows.lastActivitySec[r] = sec;
    rows.frontier[r] = firstFrontier(sec);
    rows.ratePkts[r] = 0;
    rows.clientSidePkts[r] = 0;
    rows.syncPass[r] = passBounds.length;
    rows.hostSeq[r] = countKeyOfHost(hostId);
    index.addAs(r, hostId, portProto);
    rows.wakeAt(r, Math.floor(sec + settings.rateKeyIdleSec));
    recency.see(r, Number.NaN);
    return r;
  }

  /**
   * Counts a record on a row as push and addRate would on its key (a late one as late): `pkts` packets
   * over `secs` seconds from `sec`, a flow's (`fromFlow`) also as the key's flow packets. False, the row
   * unchanged, when the row must become its key first.
   */
  function countOnRow(r: number, sec: number, secs: number, pkts: number, fromFlow: boolean): boolean {
    const first = rows.firstSec[r]!;
    const n = passBounds.length;
    if (rows.syncPass[r]! < n) {
      // A pass reached its eager wake time: the replay has work to do.
      if (passBounds[n - 1]! >= first) return false;
      rows.syncPass[r] = n;
    }
    // Past the attribution gate the flow's sender and start are counted (on the key), late or not.
    const flowPkts = fromFlow ? rows.flowPktsOf(r) + pkts : 0;
    if (flowPkts > attributionGatePkts) return false;
    if (rows.holdsFlows(r) !== fromFlow) {
      // A flow to a key of ticks counts its flow packets and nothing else (the ticks give the rate): held
      // on the row. (On the one-flow-per-packet capture half the keys, a SYN's, got their flow seconds
      // later, each made a key object for it.) A tick to a key of flows makes the key.
      if (!fromFlow) return false;
      rows.setFlowPkts(r, flowPkts);
      return true;
    }
    const frontier = rows.frontier[r]!;
    const isLate = sec <= (frontier + 1 < first ? Math.max(frontier, lastFinalized) : frontier);
    const rate = pkts / secs;
    const ratePkts = rows.ratePkts[r]! + rate * secs;
    if (!isLate && (sec < first || rows.recordCount(r) === ROW_TICKS || ratePkts >= incidentFloorPkts)) return false;
    if (fromFlow) rows.setFlowPkts(r, flowPkts);
    if (isLate) {
      late++;
      return true;
    }
    if (fromFlow) rows.addFlow(r, sec, secs, pkts);
    else rows.addTick(r, sec, pkts);
    rows.ratePkts[r] = ratePkts;
    const last = rows.lastActivitySec[r]!;
    if (sec + secs - 1 > last) {
      rows.lastActivitySec[r] = sec + secs - 1;
      recency.see(r, last);
    }
    return true;
  }

  /**
   * The key object a row stands for, in its place (index, queue); the row is freed. Its numbers go in
   * as small integers where they are (see smallInt): as the HeapNumbers a Float64Array read gives, they
   * turned the key's integer fields into boxed doubles for every key (+140 MiB on the per-packet capture).
   */
  function promote(r: number): RateKey {
    const hostId = rows.hostId[r]!;
    const portProto = rows.portProto[r]!;
    const firstSec = smallInt(rows.firstSec[r]!);
    const flows = rows.holdsFlows(r);
    const k: RateKey = {
      seq: smallInt(rows.seq[r]!), wakeTs: null, hostSeq: smallInt(rows.hostSeq[r]!), hostId, portProto, dst: hosts.nameOf(hostId), port: portProto >> 2, proto: PROTO_OF_INDEX[portProto & 3]!, hasTicks: !flows, firstSec,
      lastActivitySec: smallInt(rows.lastActivitySec[r]!), deltas: NO_SERIES, level: 0, frontier: smallInt(rows.frontier[r]!), bucketSum: 0, bucketLen: 0, baselinePeak: 0, bucketsDone: 0, starts: NO_SERIES,
      clientSidePkts: smallInt(rows.clientSidePkts[r]!), flowPkts: smallInt(rows.flowPktsOf(r)), ratePkts: smallInt(rows.ratePkts[r]!), senders: -1, sendersFilter: -1, run: null, incident: null, lazy: true, eagerWake: firstSec, syncPass: smallInt(rows.syncPass[r]!),
    };
    const nt = rows.recordCount(r);
    if (nt > 0) {
      let d = deltas.alloc();
      // As addRate adds them (a tick: its packets over one second).
      for (let i = r * ROW_TICKS; i < r * ROW_TICKS + nt; i++) {
        const s = smallInt(rows.tickSec[i]!);
        const secs = flows ? smallInt(rows.flowSecs[i]!) : 1;
        const rate = smallInt(rows.tickPkts[i]!) / secs;
        d = deltas.add(d, s, rate);
        d = deltas.add(d, s + secs, -rate);
      }
      k.deltas = d;
    }
    index.replace(hostId, portProto, k);
    queue.wakeAt(k, smallInt(rows.wakeTs[r]!));
    rows.free(r);
    // The row's entry goes stale (its host id is -1 until the row is reused).
    recency.see(k, Number.NaN);
    return k;
  }

  /** Every row as its key object (before anything that reads every key). */
  function promoteAllRows(): void {
    if (rows.size === 0) return;
    const all = rows.rows();
    for (let i = 0; i < all.length; i++) promote(all[i]!);
    rows.clear();
  }

  /** The rows due for their idle wake-up by `upTo`: dropped when idle, as their keys would be, else woken later. */
  function wakeRows(upTo: number): void {
    if (rows.size === 0) return;
    const due = rows.takeDue(upTo);
    for (let i = 0; i < due.length; i++) {
      const r = due[i]!;
      const last = rows.lastActivitySec[r]!;
      if (upTo - last > settings.rateKeyIdleSec) dropRow(r);
      else rows.wakeAt(r, Math.floor(last + settings.rateKeyIdleSec));
    }
  }

  /** Forgets the key held as row `r` (its recency entries go stale). */
  function dropRow(r: number): void {
    const id = rows.hostId[r]!;
    index.deleteAt(id, rows.portProto[r]!);
    keysOfHost[id]!--;
    hosts.release(id);
    rows.free(r);
  }

  /**
   * The key's frontier as finalizing it at every finalizeAll would have
   * moved it. A key not looked at before its first second (see wake) was
   * due at every finalizeAll since its frontier was set, each one moving it
   * to that bound, which stayed below its first second; the frontier held
   * may lag that.
   */
  function frontierOf(k: RateKey): number {
    return k.frontier + 1 < k.firstSec ? Math.max(k.frontier, lastFinalized) : k.frontier;
  }

  function finalizeBound(): number {
    return Math.floor(clock.watermark - settings.rateLatenessSec);
  }

  /**
   * Counts `pkts` packets spread evenly over the seconds [fromSec, toSecExcl) (whole seconds). The rate is
   * divided out here, not by the caller: a fractional rate passed to a call is boxed (garbage per record).
   */
  function addRate(k: RateKey, fromSec: number, toSecExcl: number, pkts: number): void {
    if (fromSec <= frontierOf(k)) {
      late++;
      return;
    }
    const rate = pkts / (toSecExcl - fromSec);
    const was = k.ratePkts;
    k.ratePkts += rate * (toSecExcl - fromSec);
    if (was < incidentFloorPkts && k.ratePkts >= incidentFloorPkts) listBusy(k);
    let d = k.deltas;
    if (d === NO_SERIES) d = deltas.alloc();
    d = deltas.add(d, fromSec, rate);
    k.deltas = deltas.add(d, toSecExcl, -rate);
    if (toSecExcl - 1 > k.lastActivitySec) {
      const prev = k.lastActivitySec;
      k.lastActivitySec = toSecExcl - 1;
      recency.see(k, prev);
    }
    if (fromSec < k.firstSec) k.firstSec = fromSec;
    if (!lazyKeys) wake(k);
    else if (k.lazy) {
      if (mayBeLazy(k)) wake(k);
      else {
        makeEager(k);
        wake(k);
      }
    } else if (quiet(k)) makeLazy(k);
    else wake(k);
  }

  /**
   * Processes `len` seconds from `sec` at the key's rate in effect (`level`). The rate is read here, not
   * passed: a fractional rate passed to a call V8 did not inline was boxed (finalizeKey allocated 29 MB
   * of such numbers on a realistic 2M-line conn.log). With normalOf's object and the boxed times of the
   * sender table's former note(p, pkts, firstTs, lastTs) gone too: `detector-cpu --detectors rate.spike
   * --rounds 5` 1.64 s vs 1.69 s (0.970×) on conn-realistic-2000000.log, 2.28 vs 2.28 s on
   * conn-findings-heavy-2000000.log (no such seconds).
   */
  function stretch(k: RateKey, sec: number, len: number, out: Finding[]): void {
    const pps = k.level;
    // Seconds before the key's first packet are not part of its history.
    if (sec < k.firstSec) {
      len -= k.firstSec - sec;
      sec = k.firstSec;
      if (len <= 0) return;
    }
    // The normal rate is looked up only for seconds over the absolute threshold (most seconds are not);
    // written out here, not returned in an object (one per such second, 9 MB on a realistic 2M-line conn.log).
    const learned = pps > thr ? options.learnedPeakPps?.(k.port, k.proto) : undefined;
    const fromModel = learned !== null && learned !== undefined && Number.isFinite(learned);
    const normal = fromModel ? learned : k.baselinePeak;
    const known = pps > thr && (fromModel || k.firstSec - runStartSec >= settings.rateWarmupSec || k.bucketsDone > 0);
    if (pps > thr && pps >= settings.rateBaselineFactor * normal && (known || pps > settings.rateNoBaselineFactor * thr)) {
      k.bucketSum = 0;
      k.bucketLen = 0;
      if (k.run === null) k.run = { startSec: sec, seconds: 0, pkts: 0, maxPps: 0 };
      const r = k.run;
      r.seconds += len;
      r.pkts += pps * len;
      if (pps > r.maxPps) r.maxPps = pps;
      if (r.seconds >= settings.rateMinSeconds) {
        const inc = k.incident;
        if (inc === null || inc.endSec < r.startSec - 1) {
          if (inc !== null) emit(k, out);
          const baselineSource = fromModel ? 'model' : known ? 'online' : 'none';
          k.incident = { startSec: r.startSec, endSec: sec + len - 1, seconds: r.seconds, pkts: r.pkts, maxPps: r.maxPps, normalPps: normal, baselineSource, dueTs: null, lastEmittedSeconds: 0 };
        } else {
          inc.endSec = sec + len - 1;
          inc.seconds = r.seconds;
          inc.pkts = r.pkts;
          inc.maxPps = Math.max(inc.maxPps, r.maxPps);
          inc.dueTs = null;
        }
      }
      return;
    }
    if (k.run !== null) {
      if (k.incident !== null && k.incident.dueTs === null) k.incident.dueTs = sec + settings.reportDelaySec;
      k.run = null;
    }
    // Online baseline: peak of bucket means over non-spike traffic.
    k.bucketSum += pps * len;
    // Whole seconds: kept a small integer (see smallInt), not a boxed double.
    k.bucketLen = smallInt(k.bucketLen + len);
    if (k.bucketLen >= settings.rateBaselineBucketSec) {
      const mean = k.bucketSum / k.bucketLen;
      if (mean > k.baselinePeak) k.baselinePeak = mean;
      k.bucketsDone++;
      k.bucketSum = 0;
      k.bucketLen = 0;
    }
  }

  function finalizeKey(k: RateKey, upTo: number, out: Finding[]): void {
    if (upTo <= k.frontier) return;
    let cursor = k.frontier + 1;
    const d = k.deltas;
    if (d !== NO_SERIES) {
      // The pending seconds ≤ upTo are the series' prefix, in order.
      let i = deltas.head(d);
      for (const end = deltas.end(d); i < end; i++) {
        const s = deltas.secAt(d, i);
        if (s > upTo) break;
        if (s > cursor) stretch(k, cursor, s - cursor, out);
        k.level += deltas.valAt(d, i);
        if (Math.abs(k.level) < 1e-9) k.level = 0;
        cursor = s;
      }
      deltas.dropTo(d, i);
      if (deltas.size(d) === 0) releaseDeltas(k);
    }
    if (upTo + 1 > cursor) stretch(k, cursor, upTo + 1 - cursor, out);
    k.frontier = upTo;
    if (k.starts !== NO_SERIES && starts.size(k.starts) > 1000 && k.incident === null) starts.dropBefore(k.starts, upTo - settings.rateLatenessSec - settings.reportDelaySec);
  }

  function emit(k: RateKey, out: Finding[]): void {
    const inc = k.incident;
    if (inc === null) return;
    inc.dueTs = null;
    if (inc.seconds <= inc.lastEmittedSeconds) return;
    inc.lastEmittedSeconds = inc.seconds;
    // Replies to a client's own connections (a download, a scan's RSTs) are not a spike on a service.
    let serverSidePkts = 0;
    const t = k.senders;
    if (t >= 0) for (let i = 0, n = senders.count(t); i < n; i++) serverSidePkts += senders.pktsAt(senders.rowAt(t, i));
    if (k.clientSidePkts > serverSidePkts) return;
    // One or a few busy connections (a download, a call) are not a flood.
    // (Checked when flows to the key are known; tick-only input cannot tell.)
    // ICMP: all echoes of a pair are one Zeek-style connection, a fast ping and a flood alike, so few
    // connections there are a flood only above the bar for a key without a baseline (a flood whatever the port).
    const connections = connectionsDuring(k, inc.startSec - 1, inc.endSec + 1);
    const meanPps = inc.pkts / inc.seconds;
    const fewIcmpFlood = k.proto === 'icmp' && meanPps > settings.rateNoBaselineFactor * thr;
    if (k.senders >= 0 && connections < settings.rateMinConnections && !fewIcmpFlood) {
      fewConnections++;
      return;
    }
    const bar = Math.max(thr, settings.rateBaselineFactor * inc.normalPps, inc.baselineSource === 'none' ? settings.rateNoBaselineFactor * thr : 0);
    const ratio = inc.maxPps / bar;
    // Most connections completed exchanges (answered with data): a busy client or an application-layer
    // flood, not a SYN, UDP or connection flood, whose connections fail or go unanswered: at most low.
    const completed = completedDuring(k, inc.startSec - 1, inc.endSec + 1);
    const mostCompleted = connections > 0 && completed * 2 > connections;
    const severity = mostCompleted && severityRank(severityFromRatio(ratio)) > severityRank('low') ? 'low' : severityFromRatio(ratio);
    const sender = topSender(k, inc.startSec, inc.endSec + 1);
    const base =
      inc.baselineSource === 'model'
        ? `learned peak ${round1(inc.normalPps)} pps`
        : inc.baselineSource === 'online'
          ? `earlier peak ${round1(inc.normalPps)} pps`
          : 'no baseline yet';
    out.push(
      createFinding(
        {
          ts: inc.startSec,
          end: inc.endSec + 1,
          kind: 'rate.spike',
          severity,
          confidence: confidenceFromRatio(ratio),
          src: sender?.host ?? null,
          dst: k.dst,
          port: k.port,
          proto: k.proto,
          summary: `${round1(meanPps)} pps (peak ${round1(inc.maxPps)}) to ${k.dst}:${k.port}/${k.proto} for ${fmtDuration(inc.seconds)}, over ${thr} pps and ${base}${mostCompleted ? `; ${completed} of ${connections} connections were completed exchanges (a busy client or an application-layer flood)` : ''}`,
          evidence: {
            count: inc.seconds,
            seconds: inc.seconds,
            packets: Math.round(inc.pkts),
            meanPps: round1(meanPps),
            peakPps: round1(inc.maxPps),
            thresholdPps: thr,
            connections,
            completedConnections: completed,
            normalPps: round1(inc.normalPps),
            baseline: inc.baselineSource,
            basis: k.hasTicks ? 'packets' : 'flows',
            ...(sender ? { topSender: sender.host, topSenderShare: sender.share } : {}),
          },
        },
        settings.idBucketSec,
      ),
    );
  }

  /** The host that sent at least half of the flow packets overlapping [from, to), or null. */
  function topSender(k: RateKey, from: number, to: number): { host: string; share: number } | null {
    let total = 0;
    let best = -1;
    let bestPkts = 0;
    const t = k.senders;
    if (t < 0) return null;
    for (let i = 0, n = senders.count(t); i < n; i++) {
      const s = senders.rowAt(t, i);
      if (senders.lastTsAt(s) < from || senders.firstTsAt(s) >= to) continue;
      const pkts = senders.pktsAt(s);
      total += pkts;
      if (pkts > bestPkts) {
        bestPkts = pkts;
        best = i;
      }
    }
    if (best < 0 || bestPkts * 2 < total) return null;
    return { host: hosts.nameOf(senders.idAt(t, best)), share: Math.round((bestPkts / total) * 100) / 100 };
  }

  /** The flows to the key that started in the seconds [from, to]. */
  function connectionsDuring(k: RateKey, from: number, to: number): number {
    const b = k.starts;
    if (b === NO_SERIES) return 0;
    let n = 0;
    for (let i = starts.firstAtOrAfter(b, from), end = starts.end(b); i < end && starts.secAt(b, i) <= to; i++) n += Math.floor(starts.valAt(b, i) / START_UNIT);
    return n;
  }

  /** Of those, the completed exchanges. */
  function completedDuring(k: RateKey, from: number, to: number): number {
    const b = k.starts;
    if (b === NO_SERIES) return 0;
    let n = 0;
    for (let i = starts.firstAtOrAfter(b, from), end = starts.end(b); i < end && starts.secAt(b, i) <= to; i++) n += starts.valAt(b, i) % START_UNIT;
    return n;
  }

  /**
   * Counts a flow's packets for its source host (`id`: the host's id, or -1 when it has none yet). Takes
   * the record, not its start and end, and hands the record on to the table: doubles passed to a call
   * V8 did not inline are boxed (the table's former note(p, pkts, firstTs, lastTs) was not inlined here:
   * 32 bytes of garbage per call).
   */
  function noteSender(k: RateKey, f: FlowRecord, id: number): void {
    // Most calls on a realistic 2M-line conn.log (1.46M of 1.9M) are a new sender to a full table; the
    // table of a key is cold by its next flow, and reaching it was the largest cost of rate.spike.
    const filter = k.sendersFilter;
    if (filter >= 0 && (id < 0 || !fullSenderFilters.mayHold(filter, id))) {
      sendersDropped++;
      return;
    }
    let t = k.senders;
    if (t < 0) {
      t = senders.make(settings.rateMaxSenders);
      k.senders = t;
    }
    const s = id < 0 ? -1 : senders.find(t, id);
    if (s < 0) {
      if (senders.full(t)) {
        sendersDropped++;
        return;
      }
      if (id < 0) id = hosts.add(f.origH);
      else hosts.retain(id);
      senders.addFlow(t, id, f);
      // Its hosts are fixed from now on.
      if (senders.full(t)) k.sendersFilter = fullSenderFilters.make(senders, t);
      return;
    }
    senders.noteFlow(s, f);
  }

  /**
   * Over the cap: report and drop the least recently active tenth of the
   * keys (not the one just added), least recent first (ties in key order),
   * taken from the recency index: O(keys evicted) amortised.
   */
  function evictKeys(keep: RateKey, out: Finding[]): void {
    const n = Math.max(index.size - settings.rateMaxKeys, Math.ceil(settings.rateMaxKeys / 10));
    if (!recency.started) recency.start([...index.values(), ...rows.rows()]);
    const keys = recency.takeLeast(n, keep);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (typeof k === 'number') {
        // A row is a lazy key: dropped unfinalized, as deleteKey drops its object.
        dropRow(k);
        evicted++;
        continue;
      }
      // A key with too few packets for an incident, or a lazy one, is dropped unfinalized (nothing to report).
      if (!k.lazy && mayReport(k)) {
        finalizeKey(k, k.lastActivitySec + 1, out);
        emit(k, out);
      }
      deleteKey(k);
      evicted++;
    }
  }

  /**
   * Runs `step` on each key, in the order given, and leaves the findings it
   * made in key order, as a walk of the keys sorted by key order would have
   * made them. One key's step neither reads nor changes another key's
   * state, so only the order of the findings depends on the order of the
   * keys: the keys (tens of thousands per call in a capture) are not
   * sorted, only the few that report are.
   */
  function inKeyOrder(keys: readonly RateKey[], out: Finding[], step: (k: RateKey) => void): void {
    const reported: KeyFindings<RateKey>[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const before = out.length;
      step(k);
      if (out.length > before) reported.push({ key: k, from: before, to: out.length });
    }
    if (reported.length > 1) sortFindingsByKey(out, reported, byKeyOrder);
  }

  /** Finalizes, reports and forgets what is due by `upTo`: only the keys woken for it, their findings in key order. */
  function finalizeAll(upTo: number, out: Finding[]): void {
    wakeRows(upTo);
    inKeyOrder(queue.takeDue(upTo, null), out, (k) => {
      if (k.lazy) {
        // Its idle deadline: replayed up to this pass, it is dropped as finalizing it at each pass would drop it now.
        if (sync(k) && k.deltas === NO_SERIES && upTo - k.lastActivitySec > settings.rateKeyIdleSec) deleteKey(k);
        else queue.wakeAt(k, Math.floor(k.lastActivitySec + settings.rateKeyIdleSec));
        return;
      }
      finalizeKey(k, Math.min(upTo, k.lastActivitySec + 1), out);
      if (k.incident !== null && k.incident.dueTs !== null && clock.watermark >= k.incident.dueTs) emit(k, out);
      if (k.deltas === NO_SERIES && upTo - k.lastActivitySec > settings.rateKeyIdleSec) {
        emit(k, out);
        deleteKey(k);
      } else if (lazyKeys && quiet(k)) makeLazy(k);
      else wake(k);
    });
  }

  /** Reports everything pending and forgets all state (end of input, or a jump back in time). */
  /** A key's senders in checkpoint form: host → counts, in first-seen order. */
  function sendersAsMap(t: number): Map<string, { pkts: number; firstTs: number; lastTs: number }> | null {
    if (t < 0) return null;
    const m = new Map<string, { pkts: number; firstTs: number; lastTs: number }>();
    for (let i = 0, n = senders.count(t); i < n; i++) {
      const s = senders.rowAt(t, i);
      m.set(hosts.nameOf(senders.idAt(t, i)), { pkts: senders.pktsAt(s), firstTs: senders.firstTsAt(s), lastTs: senders.lastTsAt(s) });
    }
    return m;
  }

  function restoreSenders(m: Map<unknown, unknown>): number {
    // A checkpoint of a run with a larger cap keeps its senders.
    const t = senders.make(Math.max(settings.rateMaxSenders, m.size));
    for (const [host, c] of m) {
      const v = c as { pkts?: unknown; firstTs?: unknown; lastTs?: unknown } | null;
      if (typeof host !== 'string' || typeof v !== 'object' || v === null || typeof v.pkts !== 'number' || typeof v.firstTs !== 'number' || typeof v.lastTs !== 'number' || senders.full(t)) {
        throw new FlowhoundError('STATE_INVALID', 'detector state rate.spike: a sender is malformed', { detector: 'rate.spike' });
      }
      senders.add(t, hosts.acquire(host), v.pkts, v.firstTs, v.lastTs);
    }
    return t;
  }

  function endTimeline(out: Finding[]): void {
    // A key without an incident, pending rate changes or a rate in effect has
    // only seconds at 0 pps left (never above ratePps ≥ 0): nothing to report.
    // Nor has a key without an incident that got too few packets for one
    // (see ratePkts; the margin covers the rounding of spread flow rates).
    // Most keys of a capture are such (a client port that got its replies):
    // only busyKeys are looked at, and the others' state is dropped unread
    // (a new wake queue rather than clearing every key's wake time).
    const keys = walkAllAtEnd ? index.values() : busyKeys.filter((k) => k.hostId >= 0);
    inKeyOrder(keys, out, (k) => {
      // A lazy key can report nothing (see quiet).
      if (k.lazy || !mayReport(k) || (k.incident === null && k.deltas === NO_SERIES && k.level === 0)) return;
      finalizeKey(k, k.lastActivitySec + 1, out);
      emit(k, out);
    });
    index.clear();
    rows.clear();
    hosts.clear();
    fullSenderFilters.clear();
    senders.clear();
    keysOfHost.length = 0;
    hostSeqOf.length = 0;
    queue = new WakeQueue<RateKey>();
    recency.clear();
    busyKeys = [];
    liveBusyKeys = 0;
    passBounds = [];
    deltas.clear();
    starts.clear();
    clock.watermark = Number.NEGATIVE_INFINITY;
    runStartSec = Number.POSITIVE_INFINITY;
    lastFinalized = Number.NEGATIVE_INFINITY;
  }

  /**
   * Event time, per record (written out at the two call sites: a record's time passed to a function V8
   * did not inline was boxed, 16 bytes of garbage per record):
   * 1. A record older than the watermark by more than the key idle time plus
   *    the lateness is not late: it starts another time line (`analyze
   *    today.pcap lastyear.pcap`). Close the current one instead of dropping it:
   *    `if (ts < clock.watermark - idleSec - latenessSec) endTimeline(out)`.
   * 2. A later record moves the watermark to its time, then `passIfDue`.
   */
  const idleSec = settings.rateKeyIdleSec;
  const latenessSec = settings.rateLatenessSec;

  /**
   * After the watermark moved: every quarter of the lateness (at least 5 s) of
   * event time the keys are finalized: walking all keys more often would cost
   * more than the counting.
   */
  function passIfDue(out: Finding[]): void {
    const bound = finalizeBound();
    if (bound - lastFinalized >= Math.max(5, settings.rateLatenessSec / 4)) {
      lastFinalized = bound;
      passBounds.push(bound);
      finalizeAll(bound, out);
    }
  }

  return {
    name: 'rate.spike',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      // Event time moves record by record: per-second counts are finalized at
      // the same record whatever the batch boundaries.
      const ticks = batch.ticks;
      for (let i = 0; i < ticks.length; i++) {
        const t = ticks[i]!;
        const sec = t.sec;
        if (sec < clock.watermark - idleSec - latenessSec) endTimeline(out);
        if (sec > clock.watermark) {
          clock.watermark = sec;
          passIfDue(out);
        }
        if (t.sec < runStartSec) runStartSec = t.sec;
        const v4 = t.dstV4;
        const k = getKey(t.dst, v4 === undefined ? -1 : v4, t.port, t.proto, t.sec, out, t.pkts, 1, false);
        if (k === null) continue;
        k.hasTicks = true;
        addRate(k, t.sec, t.sec + 1, t.pkts);
      }
      const flows = batch.flows;
      for (let i = 0; i < flows.length; i++) {
        const f = flows[i]!;
        if (f.origPkts <= 0) continue;
        const end = f.ts + (f.duration ?? 0);
        if (end < clock.watermark - idleSec - latenessSec) endTimeline(out);
        if (end > clock.watermark) {
          clock.watermark = end;
          passIfDue(out);
        }
        const s0 = Math.floor(f.ts);
        if (s0 < runStartSec) runStartSec = s0;
        const respV4 = f.respV4 ?? -1;
        const n = Math.floor(end) - s0 + 1;
        // Null: counted on the key's row (its flow packets and rate, within the attribution gate).
        // ICMP has no ports: its ticks are keyed at port 0 (packet-ticks.ts), so its flows are too (a flow's
        // orig_p/resp_p are the ICMP type and its counterpart, 8/0 for an echo); else the replies to a pinger
        // would be a key no flow names as the pinger's own end, rated as a spike on it, with no sender.
        const icmp = f.proto === 'icmp';
        const k = getKey(f.respH, respV4 === -1 ? -1 : respV4 >>> 0, icmp ? 0 : f.respP, f.proto, s0, out, f.origPkts, n, true);
        // Attribution and connection counts only once the key has received
        // more packets than any spike needs (ratePps × rateMinSeconds): the
        // many small keys of ordinary traffic skip this work.
        if (k !== null) k.flowPkts += f.origPkts;
        // The originator's host id (-1: no key or sender refers to it), for its sender row and its own key;
        // by the number the reader gave when it had one (idOf parses the text again).
        const origV4 = f.origV4 ?? -1;
        const origId = origV4 !== -1 ? hosts.idOfV4(origV4) : hosts.idOf(f.origH);
        if (k !== null && k.flowPkts > attributionGatePkts) {
          noteSender(k, f, origId);
          if (k.starts === NO_SERIES) {
            if (k.lazy) makeEager(k);
            k.starts = starts.alloc();
            wake(k);
          }
          if (starts.size(k.starts) < settings.rateMaxFlowStartSeconds) k.starts = starts.add(k.starts, s0, isCompletedExchange(f) ? START_UNIT + 1 : START_UNIT);
          else flowStartsDropped++;
        }
        // Looked up only when the originator has keys of its own: most are clients that have none (on a
        // realistic 2M-line conn.log none had), and the probe into the index is a cache miss per flow.
        const asClient = origId < 0 || (keysOfHost[origId] ?? 0) === 0 ? undefined : index.get(origId, (icmp ? 0 : f.origP) * 4 + protoIndex(f.proto));
        if (typeof asClient === 'number') rows.clientSidePkts[asClient]! += f.origPkts;
        else if (asClient !== undefined) asClient.clientSidePkts += f.origPkts;
        if (k === null || k.hasTicks) continue;
        addRate(k, s0, s0 + n, f.origPkts);
      }
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      endTimeline(out);
      return out;
    },
    snapshot() {
      // Keys in key order (hosts in first-seen order, then insertion order), in the form checkpoints have
      // always had: series as Maps of second → value, senders as a Map of host → counts, no host ids.
      promoteAllRows();
      const keys = allKeys().map((k) => {
        if (k.lazy) sync(k);
        const { hostId: _id, portProto: _pp, ratePkts: _rp, sendersFilter: _sf, lazy, eagerWake, syncPass: _sp, starts: _st, ...plain } = k;
        return { ...plain, wakeTs: lazy ? eagerWake : k.wakeTs, frontier: frontierOf(k), deltas: k.deltas === NO_SERIES ? new Map<number, number>() : deltas.toMap(k.deltas), ...startsAsMaps(k.starts), senders: sendersAsMap(k.senders) };
      });
      return encodeState({ keys, hostSeq, keySeq, evicted, watermark: clock.watermark, runStartSec, lastFinalized, late, fewConnections, sendersDropped, flowStartsDropped });
    },
    restore(state) {
      const o = readStateObject(state, 'rate.spike', { keys: 'list', hostSeq: 'number', keySeq: 'number', evicted: 'number', watermark: 'number', runStartSec: 'number', lastFinalized: 'number', late: 'number', fewConnections: 'number' });
      index.clear();
      rows.clear();
      hosts.clear();
      fullSenderFilters.clear();
    senders.clear();
      keysOfHost.length = 0;
      hostSeqOf.length = 0;
      queue.clear();
      recency.clear();
      busyKeys = [];
      liveBusyKeys = 0;
      passBounds = [];
      deltas.clear();
      starts.clear();
      const keys: RateKey[] = [];
      for (const saved of o.keys as SavedKey[]) {
        if (typeof saved !== 'object' || saved === null || typeof saved.dst !== 'string' || !(saved.deltas instanceof Map) || !(saved.flowStarts === null || saved.flowStarts instanceof Map) || !(saved.senders === null || saved.senders instanceof Map) || typeof saved.port !== 'number' || PROTO_INDEX[saved.proto] === undefined) {
          throw new FlowhoundError('STATE_INVALID', 'detector state rate.spike: a key is malformed', { detector: 'rate.spike' });
        }
        const portProto = saved.port * 4 + PROTO_INDEX[saved.proto];
        const id = hosts.idOf(saved.dst);
        if (id >= 0 && index.get(id, portProto) !== undefined) throw new FlowhoundError('STATE_INVALID', 'detector state rate.spike: a key is listed twice', { detector: 'rate.spike' });
        const k: RateKey = {
          seq: saved.seq, wakeTs: saved.wakeTs, hostSeq: saved.hostSeq, hostId: hosts.acquire(saved.dst), portProto, dst: saved.dst, port: saved.port, proto: saved.proto, hasTicks: saved.hasTicks, firstSec: saved.firstSec, lastActivitySec: saved.lastActivitySec,
          deltas: deltasOf(saved.deltas), level: saved.level, frontier: saved.frontier, bucketSum: saved.bucketSum, bucketLen: saved.bucketLen, baselinePeak: saved.baselinePeak, bucketsDone: saved.bucketsDone,
          // completedStarts is absent from states written before completed exchanges were counted: none known (no cap on severity).
          starts: saved.flowStarts === null ? NO_SERIES : startsOf(saved.flowStarts, saved.completedStarts instanceof Map ? saved.completedStarts : new Map<number, number>()),
          clientSidePkts: saved.clientSidePkts, flowPkts: saved.flowPkts, ratePkts: Number.POSITIVE_INFINITY, senders: -1, sendersFilter: -1, run: saved.run, incident: saved.incident,
          lazy: false, eagerWake: 0, syncPass: 0,
        };
        if (saved.senders !== null) {
          k.senders = restoreSenders(saved.senders);
          if (senders.full(k.senders)) k.sendersFilter = fullSenderFilters.make(senders, k.senders);
        }
        keysOfHost[k.hostId] = (keysOfHost[k.hostId] ?? 0) + 1;
        hostSeqOf[k.hostId] = k.hostSeq;
        index.add(k);
        keys.push(k);
        listBusy(k);
      }
      queue.restore(keys);
      hostSeq = o.hostSeq as number;
      keySeq = o.keySeq as number;
      evicted = o.evicted as number;
      clock.watermark = o.watermark as number;
      runStartSec = o.runStartSec as number;
      lastFinalized = o.lastFinalized as number;
      late = o.late as number;
      fewConnections = o.fewConnections as number;
      // Checkpoints from before these counts have none.
      sendersDropped = typeof o.sendersDropped === 'number' ? o.sendersDropped : 0;
      flowStartsDropped = typeof o.flowStartsDropped === 'number' ? o.flowStartsDropped : 0;
    },
    stats() {
      return { lateRecords: late, spikesOfFewConnections: fewConnections, evictedKeys: evicted, sendersDropped, flowStartsDropped };
    },
  };
}

/** A key as a checkpoint holds it (see snapshot()). */
type SavedKey = Omit<RateKey, 'hostId' | 'portProto' | 'ratePkts' | 'sendersFilter' | 'lazy' | 'eagerWake' | 'syncPass' | 'deltas' | 'starts' | 'senders'> & { deltas: unknown; flowStarts: unknown; completedStarts?: unknown; senders: unknown };

/** Throws unless a checkpoint's Map of second → value holds numbers only. */
function checkSeconds(m: Map<number, number>): void {
  for (const [sec, v] of m) {
    if (typeof sec !== 'number' || typeof v !== 'number') throw new FlowhoundError('STATE_INVALID', 'detector state rate.spike: a per-second value is not a number', { detector: 'rate.spike' });
  }
}

/**
 * A second's value in a key's `starts` series: flows × START_UNIT + completed exchanges, both counts in
 * one series (one block of one slab, where two series objects were six dependent loads from a
 * cold key, and the completed count one more add). Exact: each part is read per second (never summed
 * packed), completed ≤ flows, and a second holds fewer than 2^26 flows of one key while its value stays
 * an integer below 2^53 (67 million flows of one key starting in one second cannot be read in a run).
 */
const START_UNIT = 2 ** 26;

/** The protocol's index in a key (port × 4 + index), as PROTO_INDEX without a keyed lookup per record. */
function protoIndex(p: Proto): number {
  return p === 'tcp' ? 0 : p === 'udp' ? 1 : p === 'icmp' ? 2 : 3;
}

/** `x` as an int32 when it is one (a small integer in V8, not a HeapNumber), else `x`: the same number. */
function smallInt(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
