/**
 * Beacons (`c2.beacon`): a source that connects to one destination (and
 * port) at regular intervals with connections of regular size, as a C2
 * implant checks in, scored after RITA's beacon analysis (activecm/rita,
 * the legacy ts/ds scores; Bowley skewness, MAD and the duration guard as
 * RITA v5 computes them). A C2 server that is down shows the same regular
 * schedule as failed attempts (REJ, S0), so those count too.
 *
 * Algorithm:
 * 1. Take each TCP/UDP FlowRecord whose originator sent something, to a
 *    unicast destination, unless an allow rule of the rules file
 *    (`suppress: [c2.beacon]`, e.g. NTP or the network's own monitoring)
 *    matches it. Key: (source, destination, port, proto).
 * 2. Per key keep the connection start times rounded down to
 *    `beaconTsResolutionSec` (1 s; connections within one step count once,
 *    as RITA's unique timestamps) and each connection's originator IP bytes
 *    (RITA's data size), the newest `beaconMaxConnsPerPair` of each, plus
 *    counts of failed attempts (failed-attempt.ts) and conn_states
 *    (ConnStateCounts below: fields of the pair, not an object of counts
 *    per pair, whose hidden class changed with each state seen and whose
 *    keyed store per record went through V8's megamorphic cache: c2.beacon
 *    alone 0.945× CPU on the realistic 2M-line log, detector-cpu.mjs 7
 *    rounds, all 7 faster; about 1 % of a whole `analyze --no-model`,
 *    less than callgrind's run-to-run spread there, 3 % between two runs
 *    of one build).
 * 3. Score a key once it has `beaconMinConnections` (20) distinct times
 *    spanning at least `beaconMinSpanSec` (300 s): at the end of input, and
 *    when the pair goes quiet for `beaconLongSpanSec` or is evicted, and
 *    while the input goes on once the span reaches `beaconStreamSpanSec`
 *    (one day, RITA's analysis period: a client's polling can look regular
 *    for a few hours and stop being so), then each time the span has
 *    doubled. Event time moves record by record, so the scoring
 *    instants do not depend on how the input was cut into batches.
 *    - intervals: differences of the sorted distinct times;
 *    - interval score = mean of (a) 1 − |Bowley skewness| (quartiles by
 *      linear interpolation; skewness 0 when Q3 − Q1 < 10 or the median
 *      equals a quartile, as RITA v5), (b) 1 − MAD / median (RITA v5's
 *      median absolute deviation score, clamped to [0, 1]), (c) the
 *      connection count over the span: observed intervals / (span / median
 *      interval), capped at 1 (gaps in the schedule lower it);
 *    - size score = mean of the same skewness and MAD scores of the sizes
 *      (MAD score 0 when the median size is under 1 byte, as RITA v5) and
 *      RITA's smallness score 1 − modal size / 65535;
 *    - score = mean of the interval and size scores (RITA legacy).
 * 4. Report the key when the score and the interval score are both ≥
 *    `beaconMinScore` (0.8) — the timing is what makes a beacon; equal sizes
 *    alone (bursts of one kind of request with long gaps between) do not —
 *    and the intervals' jitter (MAD / median) is ≤ `beaconMaxJitter` (0.2):
 *    RITA's scores alone rate any evenly random activity as symmetric, so
 *    the jitter bound is what separates a schedule from a person.
 * 5. Severity from the score: ≥ 0.95 high, ≥ 0.9 medium, else low. A key
 *    seen for less than `beaconLongSpanSec` (1 h) is at most low — beaconing
 *    is judged over hours — except a failing one (≥ 90% failed attempts: a
 *    destination refusing the same client over and over), at most medium.
 *    Confidence is the score.
 * State is bounded: at most `beaconMaxPairs` keys (past it a tenth is
 * dropped: first keys too small to score that went idle, then the oldest,
 * scored before they go), and keys idle for longer than
 * `beaconLongSpanSec` are scored and dropped.
 */
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import { roundConfidence } from '../score/severity.js';
import type { Finding, FlowRecord, Proto, RecordBatch, Severity } from '../types.js';
import type { Detector } from './detector.js';
import { type ConnStateCounts, countState, setStateCounts, stateTally } from './conn-state-counts.js';
import { checkFields, encodeState, readStateObject, tableOf } from './plain-state.js';
import { isFailedAttempt } from './failed-attempt.js';
import { isMulticastOrBroadcast } from './ip-class.js';
import { matchRule, type PolicyRule } from './policy-rules.js';
import { type ConnTime, FirstSightings } from './first-sightings.js';
import { fmtDuration } from './scan-detector.js';
import { hashCode, TupleCode } from './tuple-code.js';
import { type TupleKey, type TupleRow, TupleTable } from './tuple-table.js';
import { grownInt32 } from '../util/grown-array.js';

export type BeaconSettings = Pick<
  Settings,
  | 'beaconMinConnections'
  | 'beaconMinSpanSec'
  | 'beaconMinScore'
  | 'beaconMaxJitter'
  | 'beaconTsResolutionSec'
  | 'beaconLongSpanSec'
  | 'beaconStreamSpanSec'
  | 'beaconMaxConnsPerPair'
  | 'beaconMaxPairs'
  | 'scanProbeMaxPkts'
  | 'idBucketSec'
>;

/** RITA v5: skewness counts only when the quartiles are at least this far apart (seconds, bytes). */
const BOWLEY_MIN_IQR = 10;
/** Records per chunk whose keys' slots and rows `push` reads in the young pairs' table before taking them (see touchAhead). */
const TOUCH_AHEAD = 256;
/** Share of failed attempts that makes a key a failing one (a C2 server that is down). */
const FAILING_SHARE = 0.9;

interface Pair extends TupleRow, ConnStateCounts {
  src: string;
  dst: string;
  port: number;
  proto: Proto;
  /**
   * Distinct start times (rounded), arrival order; the newest `beaconMaxConnsPerPair`. Null until a
   * second time arrives (most pairs of a busy network connect once: they allocate nothing more).
   */
  times: number[] | null;
  firstTime: number;
  lastTime: number;
  /** Originator IP bytes per connection, the newest `beaconMaxConnsPerPair`; null while there is one. */
  sizes: number[] | null;
  firstSize: number;
  connections: number;
  failed: number;
  // conn_state counts: the fields of ConnStateCounts.
  firstTs: number;
  lastTs: number;
  /** Span at which the key is next scored while streaming. */
  nextScoreSpan: number;
  lastScore: BeaconScore | null;
  lastEmittedConnections: number;
}

export interface BeaconScore {
  score: number;
  intervalScore: number;
  sizeScore: number;
  intervalSkewScore: number;
  intervalMadScore: number;
  connCountScore: number;
  sizeSkewScore: number;
  sizeMadScore: number;
  sizeSmallnessScore: number;
  medianIntervalSec: number;
  /** MAD / median of the intervals. */
  jitter: number;
  medianBytes: number;
  modeBytes: number;
  distinctTimes: number;
  spanSec: number;
}

export function createBeaconDetector(settings: BeaconSettings, rules: readonly PolicyRule[] = []): Detector {
  // Pairs in insertion order; a sweep looks only at the pairs woken for it (see wake), in that order.
  const pairs = new TupleTable<Pair>(settings.beaconMaxPairs, PAIR_KEY);
  /** Wake-up margin: `watermark - lastTs > beaconLongSpanSec` is rechecked exactly when woken. */
  const SLACK = 1e-3;
  /**
   * Pairs with fewer than `promoteAt` connections (first-sightings.ts), in the same seq order as
   * `pairs`: a pair moves to `pairs` with its `promoteAt`th connection. Fewer distinct times than
   * beaconMinConnections cannot score, so these only count, expire and are evicted, as their objects
   * would; under twice beaconMaxConnsPerPair connections no time or size was dropped yet.
   */
  const firsts = new FirstSightings(settings.beaconLongSpanSec, SLACK);
  const promoteAt = Math.min(settings.beaconMinConnections, 2 * settings.beaconMaxConnsPerPair);
  let evictedFirsts = 0;
  const allow = rules.filter((r) => r.suppress?.includes('c2.beacon'));
  const res = settings.beaconTsResolutionSec;
  /**
   * Event time: the newest record's ts and the watermark of the last sweep. Fields of one object, not
   * closure variables: V8 boxes a double stored into a closure's variable (a new heap number per
   * newer record), while an object's double field is updated in place.
   */
  const clock = { watermark: Number.NEGATIVE_INFINITY, lastSweep: Number.NEGATIVE_INFINITY };
  let allowed = 0;
  /** The key of the record being pushed, as tuple-code.ts codes it (one object, rewritten per record). */
  const code = new TupleCode();
  /** The start of the record being pushed, for `firsts` (one object, rewritten per record: see ConnTime). */
  const when: ConnTime = { ts: Number.NaN, time: Number.NaN };

  function pushFlow(f: FlowRecord): void {
    if ((f.proto !== 'tcp' && f.proto !== 'udp') || f.origPkts === 0 || isMulticastOrBroadcast(f.respH, f.respV4)) return;
    if (allow.length > 0) {
      for (const r of allow) {
        if (matchRule(r, f) !== null) {
          allowed++;
          return;
        }
      }
    }
    const n = pairNumber(f.respP, f.proto);
    // By the readers' numbers of the addresses: not a parse of both texts per record.
    code.encodeKnown(f.origH, f.respH, f.origV4 ?? -1, f.respV4 ?? -1, n);
    const hash = code.hash;
    let p = pairs.findHashed(hash, f.origH, f.respH, n);
    if (p === undefined) {
      const r = firsts.find(code, f.origH, f.respH, n);
      const t = Math.floor(f.ts / res) * res;
      if (r < 0) {
        // A new pair: a row of columns until it has enough connections to be scored (most pairs never do).
        when.ts = f.ts;
        when.time = t;
        firsts.add(code, f.origH, f.respH, n, pairs.takeSeq(), when, sizeOf(f), isFailedAttempt(f, settings.scanProbeMaxPkts), f.connState ?? '-');
        if (pairs.size + firsts.held > settings.beaconMaxPairs) evictPairs(null);
        return;
      }
      if (firsts.conns(r) + 1 < promoteAt) {
        when.ts = f.ts;
        when.time = t;
        firsts.see(r, when, sizeOf(f), isFailedAttempt(f, settings.scanProbeMaxPkts), f.connState ?? '-');
        return;
      }
      p = promote(r, hash, f);
    }
    p.connections++;
    if (f.ts < p.firstTs) p.firstTs = f.ts;
    if (f.ts > p.lastTs) p.lastTs = f.ts;
    if (isFailedAttempt(f, settings.scanProbeMaxPkts)) p.failed++;
    countState(p, f.connState ?? '-');
    const t = Math.floor(f.ts / res) * res;
    if (t !== p.lastTime) {
      p.lastTime = t;
      p.times ??= [p.firstTime];
      p.times.push(t);
      if (p.times.length > settings.beaconMaxConnsPerPair * 2) p.times.splice(0, p.times.length - settings.beaconMaxConnsPerPair);
    }
    p.sizes ??= [p.firstSize];
    p.sizes.push(sizeOf(f));
    if (p.sizes.length > settings.beaconMaxConnsPerPair * 2) p.sizes.splice(0, p.sizes.length - settings.beaconMaxConnsPerPair);
    wake(p);
  }

  /** The pair object of young row `r` (the key of record `f`); it leaves `firsts` for `pairs`, keeping its seq and wake-up. */
  function promote(r: number, hash: number, f: FlowRecord): Pair {
    const p = pairOfFirst(r, f.origH, f.respH);
    const wakeTs = firsts.conns(r) > 1 ? firsts.wake(r) : null;
    firsts.remove(r);
    pairs.add(p, hash, p.seq);
    if (wakeTs !== null) pairs.wakeAt(p, wakeTs);
    return p;
  }

  /**
   * The pair object young row `r` stands for, as its connections (replayed as pushFlow takes them) made it;
   * `src` and `dst`: its addresses, when the caller has them (else made again from the row).
   */
  function pairOfFirst(r: number, src = firsts.src(r), dst = firsts.dst(r)): Pair {
    const t0 = firsts.time(r);
    const firstSize = firsts.size(r);
    const n = firsts.n(r);
    const proto: Proto = n % 2 === 0 ? 'tcp' : 'udp';
    const p: Pair = {
      hash: 0, pos: 0, seq: firsts.seq(r), wakeTs: null, src, dst, port: (n - (proto === 'tcp' ? 0 : 1)) / 2, proto, times: null, firstTime: t0, lastTime: t0, sizes: null, firstSize,
      connections: firsts.conns(r), failed: firsts.failed(r), state0: firsts.state(r), count0: 1, state1: '', count1: 0, state2: '', count2: 0, moreStates: null,
      firstTs: firsts.firstTs(r), lastTs: firsts.lastTs(r), nextScoreSpan: Math.max(settings.beaconMinSpanSec, settings.beaconStreamSpanSec), lastScore: null, lastEmittedConnections: 0,
    };
    let times: number[] | null = null;
    let lastTime = t0;
    let sizes: number[] | null = null;
    // The log links a row's entries newest first: gathered, then replayed in arrival order.
    let k = 0;
    for (let e = firsts.newest(r); e >= 0; e = firsts.before(e)) {
      if (k === chain.length) chain = grownInt32(chain, 2 * chain.length);
      chain[k++] = e;
    }
    while (k > 0) {
      const e = chain[--k]!;
      countState(p, firsts.logState(e));
      const t = firsts.logTime(e);
      if (t !== lastTime) {
        lastTime = t;
        times ??= [t0];
        times.push(t);
      }
      sizes ??= [firstSize];
      sizes.push(firsts.logSize(e));
    }
    p.times = times;
    p.lastTime = lastTime;
    p.sizes = sizes;
    return p;
  }

  /** pairOfFirst's log entries of one row (kept between calls). */
  let chain = new Int32Array(64);

  /** The pair is due for scoring at the next sweep (its span reached the next scoring span). */
  function scoringDue(p: Pair): boolean {
    return p.lastTs - p.firstTs >= p.nextScoreSpan && timesOf(p).length >= settings.beaconMinConnections;
  }

  /**
   * Asks a sweep to look at the pair: the next one when it is due for
   * scoring, else the first one after it has been idle for
   * beaconLongSpanSec (rechecked exactly when woken).
   */
  function wake(p: Pair): void {
    pairs.wakeAt(p, scoringDue(p) ? clock.watermark : p.lastTs + settings.beaconLongSpanSec - SLACK);
  }

  function timesOf(p: Pair): readonly number[] {
    return p.times ?? [p.firstTime];
  }

  /** Scores a pair; pushes a finding when it is a beacon that grew since the last one. */
  function scoreAndEmit(p: Pair, out: Finding[]): void {
    if (p.times === null || p.times.length < settings.beaconMinConnections) return;
    const times = distinctSorted(p.times, settings.beaconMaxConnsPerPair);
    if (times.length < settings.beaconMinConnections) return;
    const span = times[times.length - 1]! - times[0]!;
    if (span < settings.beaconMinSpanSec) return;
    const sizes = p.sizes ?? [p.firstSize];
    const s = scoreSeries(times, sizes, Math.max(0, sizes.length - settings.beaconMaxConnsPerPair));
    p.lastScore = s;
    if (s.score < settings.beaconMinScore || s.intervalScore < settings.beaconMinScore || s.jitter > settings.beaconMaxJitter) return;
    if (p.connections <= p.lastEmittedConnections) return;
    p.lastEmittedConnections = p.connections;
    const failing = p.failed >= FAILING_SHARE * p.connections;
    let severity: Severity = s.score >= 0.95 ? 'high' : s.score >= 0.9 ? 'medium' : 'low';
    if (span < settings.beaconLongSpanSec) {
      const cap: Severity = failing ? 'medium' : 'low';
      if (severity === 'high' || (severity === 'medium' && cap === 'low')) severity = cap;
    }
    const every = fmtDuration(s.medianIntervalSec);
    const jitterPct = Math.round(s.jitter * 100);
    const summary = failing
      ? `${p.failed} failed connection attempts to ${p.dst}:${p.port}/${p.proto}, one every ~${every} (jitter ${jitterPct}%) over ${fmtDuration(span)}: a beacon retrying a server that refuses or does not answer (score ${s.score})`
      : `${p.connections} connections to ${p.dst}:${p.port}/${p.proto} every ~${every} (jitter ${jitterPct}%) over ${fmtDuration(span)}, ~${s.medianBytes} B each (beacon score ${s.score})`;
    out.push(
      createFinding(
        {
          ts: p.firstTs,
          end: p.lastTs,
          kind: 'c2.beacon',
          severity,
          confidence: roundConfidence(s.score),
          src: p.src,
          dst: p.dst,
          port: p.port,
          proto: p.proto,
          summary,
          evidence: {
            count: p.connections,
            score: s.score,
            threshold: settings.beaconMinScore,
            intervalScore: s.intervalScore,
            sizeScore: s.sizeScore,
            subscores: {
              intervalSkew: s.intervalSkewScore,
              intervalMad: s.intervalMadScore,
              connCount: s.connCountScore,
              sizeSkew: s.sizeSkewScore,
              sizeMad: s.sizeMadScore,
              sizeSmallness: s.sizeSmallnessScore,
            },
            medianIntervalSec: s.medianIntervalSec,
            jitter: round3(s.jitter),
            medianBytes: s.medianBytes,
            distinctTimes: s.distinctTimes,
            spanSec: round3(span),
            failed: p.failed,
            connStates: stateTally(p),
          },
        },
        settings.idBucketSec,
      ),
    );
  }

  /**
   * Once per beaconMinSpanSec of event time: scores the pairs due for it and
   * scores and drops the pairs idle for beaconLongSpanSec, in insertion
   * order (only the pairs woken for it, the ones a walk over every pair
   * would act on).
   */
  function advance(out: Finding[]): void {
    if (clock.watermark - clock.lastSweep < settings.beaconMinSpanSec) return;
    clock.lastSweep = clock.watermark;
    // Young pairs cannot score: woken, dropped when idle and woken again as the loop below does it.
    firsts.expire(clock.watermark);
    for (const p of pairs.takeDue(clock.watermark)) {
      const span = p.lastTs - p.firstTs;
      if (scoringDue(p)) {
        scoreAndEmit(p, out);
        p.nextScoreSpan = Math.max(settings.beaconMinSpanSec, span * 2);
      }
      if (clock.watermark - p.lastTs > settings.beaconLongSpanSec) {
        scoreAndEmit(p, out);
        pairs.delete(p);
      } else wake(p);
    }
  }

  /**
   * Over the cap: drop a tenth of the pairs, oldest first (both tables in one `seq` order): first
   * pairs too small to be scored yet and idle for a scoring span, then the oldest pairs (scored
   * before they go).
   */
  function evictPairs(out: Finding[] | null): void {
    let n = Math.max(pairs.size + firsts.held - settings.beaconMaxPairs, Math.ceil(settings.beaconMaxPairs / 10));
    const objs = [...pairs.rows()].sort(bySeq);
    const keptObjs: Pair[] = [];
    // Young rows in seq order: positions start..end of firsts' seq log (no row is added meanwhile).
    const start = firsts.orderStart();
    const end = firsts.orderEnd;
    // The first pass looks at young rows only when one can have been idle that long (see lastTsFloor).
    const walkOnes = clock.watermark - firsts.lastTsFloor > settings.beaconMinSpanSec;
    let floor = Number.POSITIVE_INFINITY;
    for (let i = 0, j = walkOnes ? start : end; i < objs.length || j < end; ) {
      if (n <= 0) return;
      if (j >= end || (i < objs.length && objs[i]!.seq < firsts.seqAt(j))) {
        const p = objs[i++]!;
        if (timesOf(p).length < settings.beaconMinConnections && clock.watermark - p.lastTs > settings.beaconMinSpanSec) {
          pairs.evict(p);
          n--;
        } else keptObjs.push(p);
      } else {
        const r = firsts.rowAt(j);
        j = firsts.skipDead(j + 1);
        // Too few times to be scored.
        if (clock.watermark - firsts.lastTs(r) > settings.beaconMinSpanSec) {
          firsts.remove(r);
          evictedFirsts++;
          n--;
        } else if (firsts.lastTs(r) < floor) floor = firsts.lastTs(r);
      }
    }
    // Every young row kept was seen.
    if (walkOnes) firsts.lastTsFloor = floor;
    // The young rows' slots are read ahead, TOUCH_AHEAD positions at a time (see FirstSightings.touchOrder).
    let touchedTo = 0;
    for (let i = 0, j = firsts.skipDead(start); i < keptObjs.length || j < end; ) {
      if (n <= 0) return;
      if (j >= end || (i < keptObjs.length && keptObjs[i]!.seq < firsts.seqAt(j))) {
        const p = keptObjs[i++]!;
        if (out !== null) scoreAndEmit(p, out);
        else pendingEvicted.push(p);
        pairs.evict(p);
      } else {
        if (j >= touchedTo) {
          firsts.touchOrder(j, Math.min(TOUCH_AHEAD, n));
          touchedTo = j + TOUCH_AHEAD;
        }
        firsts.remove(firsts.rowAt(j));
        evictedFirsts++;
        j = firsts.skipDead(j + 1);
      }
      n--;
    }
  }
  /**
   * Most records miss the object table and look their key up in `firsts`, a table too big for the
   * cache: the hash slot and then the row are each a cache miss, and the probe waits for them.
   * `push` reads the slot and row of each of the next `TOUCH_AHEAD` records' keys first (only reads:
   * the lookups are unchanged), so their misses are under way at once instead of one after another
   * (measured: c2.beacon alone 4-6 % less CPU on the realistic 2M-line log; 64 ahead helped less, a
   * single record 8 ahead made it slower). The keys' hashes are taken first, in a loop of their own,
   * and `touchAll` reads in short loops over them (see there: 0.884x against a loop of hash, probe
   * and reads per record).
   */
  function touchAhead(flows: readonly FlowRecord[], from: number, to: number): void {
    let k = 0;
    for (let j = from; j < to; j++) {
      const f = flows[j]!;
      const va = f.origV4;
      const vb = f.respV4;
      if (va === undefined || vb === undefined || va === -1 || vb === -1) continue;
      aheadHashes[k++] = hashCode(va, vb, pairNumber(f.respP, f.proto));
    }
    firsts.touchAll(aheadHashes, k);
  }
  /** The hashes of the records touchAhead reads ahead for. */
  const aheadHashes = new Int32Array(TOUCH_AHEAD);
  /** Pairs evicted while a batch was read, scored after it. */
  const pendingEvicted: Pair[] = [];

  return {
    name: 'c2.beacon',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      const flows = batch.flows;
      for (let i = 0; i < flows.length; i++) {
        if (i % TOUCH_AHEAD === 0) touchAhead(flows, i, Math.min(flows.length, i + TOUCH_AHEAD));
        const f = flows[i]!;
        // Event time moves record by record: the pairs are scored (once per
        // beaconMinSpanSec of event time) at the same record whatever the batch boundaries.
        if (f.ts > clock.watermark) {
          clock.watermark = f.ts;
          advance(out);
        }
        pushFlow(f);
      }
      while (pendingEvicted.length > 0) scoreAndEmit(pendingEvicted.pop()!, out);
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      while (pendingEvicted.length > 0) scoreAndEmit(pendingEvicted.pop()!, out);
      // In seq order (a pair that moved from firsts is listed last in pairs).
      for (const p of [...pairs.rows()].sort(bySeq)) scoreAndEmit(p, out);
      pairs.clear();
      firsts.clear();
      clock.watermark = Number.NEGATIVE_INFINITY;
      clock.lastSweep = Number.NEGATIVE_INFINITY;
      return out;
    },
    snapshot() {
      // Between batches pendingEvicted is empty: every evicted pair was scored at the end of its batch.
      // Young pairs are written as the rows they were before first-sightings.ts, with the wake-up their objects had.
      const table = pairs.snapshot(keyOfPair);
      const rows = table.rows.map((p) => rowOfPair(p, p.wakeTs));
      for (const r of firsts.bySeq()) rows.push(rowOfPair(pairOfFirst(r), firsts.wake(r)));
      rows.sort(bySeq);
      return encodeState({ pairs: { rows, nextSeq: table.nextSeq, evicted: table.evicted + evictedFirsts }, watermark: clock.watermark, lastSweep: clock.lastSweep, allowed });
    },
    restore(state) {
      const o = readStateObject(state, 'c2.beacon', { watermark: 'number', lastSweep: 'number', allowed: 'number' });
      pendingEvicted.length = 0;
      firsts.clear();
      evictedFirsts = 0;
      clock.watermark = o.watermark as number;
      clock.lastSweep = o.lastSweep as number;
      allowed = o.allowed as number;
      if (o.pairs instanceof Map) {
        // A state written when the pairs were a Map of id → pair: the rows in its order, each queued as a push would.
        const rows: Pair[] = [];
        for (const row of (o.pairs as Map<string, PairRow>).values()) rows.push(pairOfRow({ ...row, seq: rows.length, wakeTs: null }));
        pairs.restore(rows, rows.length, typeof o.evicted === 'number' ? o.evicted : 0);
        for (const p of rows) wake(p);
        return;
      }
      checkFields(o, 'c2.beacon', { pairs: 'table' });
      const table = tableOf<PairRow>(o.pairs);
      // The key string is the snapshot's (the table keys rows by their fields).
      const rows = table.rows.map(pairOfRow);
      pairs.restore(rows, table.nextSeq, table.evicted);
    },
    stats() {
      const evicted = pairs.evicted + evictedFirsts;
      return { beaconPairs: pairs.size + firsts.held, beaconAllowed: allowed, beaconPairsEvicted: evicted, evictedKeys: evicted };
    },
  };
}

/** Port and protocol as one number of the pair's key (beacons are TCP or UDP). */
function pairNumber(port: number, proto: Proto): number {
  return port * 2 + (proto === 'tcp' ? 0 : 1);
}

const bySeq = (a: { seq: number }, b: { seq: number }): number => a.seq - b.seq;

/** A pair's key; hashed as pushFlow hashes a record's (tuple-code.ts), for the table's restore. */
const PAIR_KEY: TupleKey<Pair> = {
  a: (p) => p.src,
  b: (p) => p.dst,
  n: (p) => pairNumber(p.port, p.proto),
  hash(p) {
    const c = new TupleCode();
    c.encode(p.src, p.dst, pairNumber(p.port, p.proto));
    return c.hash;
  },
};

/**
 * A pair as the state writes it: its fields but `hash` and `pos`, in their order, the conn_state counts
 * as they were before ConnStateCounts (`states`, null while the pair has one connection, and
 * `firstState`), and its key string.
 */
type PairRow = Omit<Pair, 'hash' | 'pos' | keyof ConnStateCounts> & { states: Record<string, number> | null; firstState: string; key: string };

function rowOfPair(p: Omit<Pair, 'hash' | 'pos'>, wakeTs: number | null): PairRow {
  return {
    seq: p.seq, wakeTs, src: p.src, dst: p.dst, port: p.port, proto: p.proto, times: p.times, firstTime: p.firstTime, lastTime: p.lastTime, sizes: p.sizes, firstSize: p.firstSize,
    connections: p.connections, failed: p.failed, states: p.connections > 1 ? stateTally(p) : null, firstState: p.state0,
    firstTs: p.firstTs, lastTs: p.lastTs, nextScoreSpan: p.nextScoreSpan, lastScore: p.lastScore, lastEmittedConnections: p.lastEmittedConnections, key: keyOfPair(p),
  };
}

/** The pair a state row stands for (see rowOfPair). */
function pairOfRow(r: Omit<PairRow, 'key'>): Pair {
  const p: Pair = {
    hash: 0, pos: 0, seq: r.seq, wakeTs: r.wakeTs, src: r.src, dst: r.dst, port: r.port, proto: r.proto, times: r.times, firstTime: r.firstTime, lastTime: r.lastTime, sizes: r.sizes, firstSize: r.firstSize,
    connections: r.connections, failed: r.failed, state0: r.firstState, count0: 1, state1: '', count1: 0, state2: '', count2: 0, moreStates: null,
    firstTs: r.firstTs, lastTs: r.lastTs, nextScoreSpan: r.nextScoreSpan, lastScore: r.lastScore, lastEmittedConnections: r.lastEmittedConnections,
  };
  // A state written before the counts were kept has none.
  if (r.states !== null && r.states !== undefined) setStateCounts(p, r.states);
  return p;
}

/** The key a pair had as a string (in snapshots, whose format predates the tuple table). */
function keyOfPair(p: Pick<Pair, 'src' | 'dst' | 'port' | 'proto'>): string {
  return `${p.src}|${p.dst}|${p.port}|${p.proto}`;
}


/** A connection's size for the size score: originator IP bytes (RITA), else payload bytes. */
function sizeOf(f: FlowRecord): number {
  return f.origIpBytes > 0 ? f.origIpBytes : (f.origBytes ?? 0);
}

/**
 * Buffers the scoring reuses (it never nests), grown as needed: the distinct times, the intervals and
 * the sizes, each sorted in a view of its buffer. A new Float64Array of each per score (four per
 * scored pair, with their ArrayBuffers) was most of scoreBeacon's own time.
 */
const scratch = { times: new Float64Array(64), intervals: new Float64Array(64), sizes: new Float64Array(64) };

/** `a` when it holds `n` numbers, else a new buffer that does (its contents are not kept). */
function room(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  return n <= a.length ? a : new Float64Array(Math.max(n, 2 * a.length));
}

/**
 * The last `max` distinct values of `values`, sorted ascending (flow logs arrive slightly out of
 * order), in a view of `scratch.times` (valid until the next call). Scoring sorts typed arrays,
 * natively and in place (a comparator sort of a plain array copied it and called back per
 * comparison; it was most of the scoring's time and allocation).
 */
function distinctSorted(values: readonly number[], max: number): Float64Array {
  scratch.times = room(scratch.times, values.length);
  const sorted = scratch.times.subarray(0, values.length);
  for (let i = 0; i < values.length; i++) sorted[i] = values[i]!;
  // Times mostly come in order: a check is one pass where the sort is n log n.
  if (!isAscending(sorted)) sorted.sort();
  let k = 0;
  for (let i = 0; i < sorted.length; i++) if (k === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i]!;
  return sorted.subarray(Math.max(0, k - max), k);
}

/**
 * RITA-style beacon score of one pair: `times` sorted distinct connection
 * times (at least 4), `sizes` the connections' sizes in bytes.
 */
export function scoreBeacon(times: ArrayLike<number>, sizes: ArrayLike<number>): BeaconScore {
  return scoreSeries(times, sizes, 0);
}

/** scoreBeacon of `times` and the sizes `sizes[from..]`. */
function scoreSeries(times: ArrayLike<number>, sizes: ArrayLike<number>, from: number): BeaconScore {
  const nIntervals = Math.max(0, times.length - 1);
  scratch.intervals = room(scratch.intervals, nIntervals);
  const intervals = scratch.intervals.subarray(0, nIntervals);
  for (let i = 1; i < times.length; i++) intervals[i - 1] = times[i]! - times[i - 1]!;
  intervals.sort();
  const span = times[times.length - 1]! - times[0]!;
  const iMedian = quantile(intervals, 0.5);
  const iMad = medianAbsoluteDeviation(intervals, iMedian);
  const intervalSkewScore = 1 - Math.abs(bowleySkewness(intervals));
  const intervalMadScore = iMedian > 0 ? clamp01((iMedian - iMad) / iMedian) : 1;
  const expectedIntervals = iMedian > 0 ? span / iMedian : intervals.length;
  const connCountScore = expectedIntervals > 0 ? Math.min(1, intervals.length / expectedIntervals) : 1;
  const nSizes = sizes.length - from;
  scratch.sizes = room(scratch.sizes, nSizes);
  const sorted = scratch.sizes.subarray(0, nSizes);
  for (let i = 0; i < nSizes; i++) sorted[i] = sizes[from + i]!;
  sorted.sort();
  const sMedian = sorted.length > 0 ? quantile(sorted, 0.5) : 0;
  const sMad = medianAbsoluteDeviation(sorted, sMedian);
  const sizeSkewScore = sorted.length >= 3 ? 1 - Math.abs(bowleySkewness(sorted)) : 0;
  const sizeMadScore = sMedian >= 1 ? clamp01((sMedian - sMad) / sMedian) : 0;
  const modeBytes = mode(sorted);
  const sizeSmallnessScore = clamp01(1 - modeBytes / 65535);
  const intervalScore = (intervalSkewScore + intervalMadScore + connCountScore) / 3;
  const sizeScore = (sizeSkewScore + sizeMadScore + sizeSmallnessScore) / 3;
  return {
    score: round3((intervalScore + sizeScore) / 2),
    intervalScore: round3(intervalScore),
    sizeScore: round3(sizeScore),
    intervalSkewScore: round3(intervalSkewScore),
    intervalMadScore: round3(intervalMadScore),
    connCountScore: round3(connCountScore),
    sizeSkewScore: round3(sizeSkewScore),
    sizeMadScore: round3(sizeMadScore),
    sizeSmallnessScore: round3(sizeSmallnessScore),
    medianIntervalSec: round3(iMedian),
    jitter: iMedian > 0 ? iMad / iMedian : 0,
    medianBytes: sMedian,
    modeBytes,
    distinctTimes: times.length,
    spanSec: span,
  };
}

/** Quantile of sorted values by linear interpolation (numpy's default). */
function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Bowley (quartile) skewness; 0 when the quartiles are closer than BOWLEY_MIN_IQR or the median equals one (RITA v5). */
function bowleySkewness(sorted: ArrayLike<number>): number {
  const q1 = quantile(sorted, 0.25);
  const q2 = quantile(sorted, 0.5);
  const q3 = quantile(sorted, 0.75);
  const den = q3 - q1;
  if (den < BOWLEY_MIN_IQR || q2 === q1 || q2 === q3) return 0;
  return (q1 + q3 - 2 * q2) / den;
}

/** Whether `a` is in ascending order as its `sort()` would leave it (no NaN; -0 before +0). */
function isAscending(a: Float64Array): boolean {
  for (let i = 1; i < a.length; i++) {
    const x = a[i - 1]!;
    const y = a[i]!;
    if (x < y || (x === y && !(Object.is(x, 0) && Object.is(y, -0)))) continue;
    return false;
  }
  return true;
}

/**
 * The median of |value - median| over `sorted` (ascending), as `quantile` of the deviations sorted.
 * The deviations fall from the start to the median and rise after it: two sorted runs, merged from
 * the median outwards only as far as the middle of all of them (no array, no sort of n numbers).
 */
function medianAbsoluteDeviation(sorted: ArrayLike<number>, median: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * 0.5;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  // Left run: deviations of sorted[j], j = k - 1 down to 0; right run: of sorted[i], i = k up.
  let k = 0;
  while (k < n && sorted[k]! < median) k++;
  let j = k - 1;
  let i = k;
  let atLo = 0;
  let atHi = 0;
  for (let m = 0; m <= hi; m++) {
    let d: number;
    const dl = j >= 0 ? Math.abs(sorted[j]! - median) : Number.POSITIVE_INFINITY;
    const dr = i < n ? Math.abs(sorted[i]! - median) : Number.POSITIVE_INFINITY;
    if (dl <= dr) {
      d = dl;
      j--;
    } else {
      d = dr;
      i++;
    }
    if (m === lo) atLo = d;
    atHi = d;
  }
  return atLo + (atHi - atLo) * (pos - lo);
}

/** The most frequent value of sorted values (the smallest on ties); 0 when empty. */
function mode(sorted: ArrayLike<number>): number {
  let best = 0;
  let bestCount = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = sorted[i]!;
    }
    i = j;
  }
  return best;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
