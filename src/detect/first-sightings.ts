/**
 * Keys seen a few times, held in a table of fixed-size rows (numbers in
 * one buffer, strings aside) instead of one object each: c2.beacon's
 * (source, destination, port, proto) pairs of a busy network mostly connect
 * once or a few times, too few to be scored, and one row object per such
 * pair, with an array of its times and one of its sizes, kept for the hour
 * a pair may stay idle, was the detector's whole cost (young-generation
 * copies, old-generation growth and the memory traffic of three objects per
 * repeat connection, not the lookups). A key leaves this table for the
 * detector's object table, keeping its `seq`, once it has enough
 * connections to be scored.
 *
 * 1. Lookup: open addressing with linear probing over an `Int32Array` of
 *    (hash, row number + 1) pairs, at most half full. Keys are given as
 *    their `TupleCode` (tuple-code.ts: two 32-bit addresses and the number,
 *    or a textual code), kept in the row: a probe reads a row only where
 *    the hash matches, and compares three integers there (the strings only
 *    for a textual code). Deletion shifts the probe run back.
 * 2. Rows: one `ArrayBuffer` of `ROW_BYTES` per row (a `Float64Array` and
 *    an `Int32Array` over it), indexed by row number. A key's later
 *    connections come whenever they come, so they meet its row at random:
 *    a cache miss per line touched. With a typed array per field (the
 *    layout before) a second connection touched ten lines; a row is two.
 *    A new key takes the next free row after the last one taken, round the
 *    table (a stack of freed rows handed them out in no order, and adding
 *    and expiring a key touched some fifteen lines each): most keys
 *    connect once and are dropped in the order they came, so adds and
 *    drops walk the rows in order, a line serving several keys. The addresses of a dotted-quad key are
 *    its code (their text is made again from it when the key leaves);
 *    only a textual key keeps its strings and number, in arrays aside.
 *    A row's first connection is in the row; each later one is an entry
 *    of a shared log (rounded time, size, conn_state), linked from the row
 *    newest first: a new entry links to the one before without writing
 *    that one, which lies anywhere in the log (appending wrote the old
 *    tail's link, a cache miss). A row that leaves gives its entries back
 *    whole, as one chain on a stack of free chains (O(1)): the log needs
 *    no compaction. New entries come from a stack of free entries, refilled
 *    by walking up to `REFILL_CHAINS` free chains side by side (`refill`).
 * 3. Wake-ups, as the detector's object table would do them for the row
 *    (incident-table.ts `WakeQueue`; `wake` is the row's `wakeTs` there):
 *    first at `lastTs + idleSec - slackSec` of its first connection, then of
 *    its second; the earliest request wins, so later connections leave it.
 *    `expire(watermark)` takes the rows whose wake time has come, drops the
 *    ones idle for longer than `idleSec` and wakes the others again. Rows
 *    are listed under the `WAKE_SPAN_SEC` span of their wake time (a timer
 *    wheel: span-lists.ts, a list per span in blocks of one typed array, a
 *    heap of the spans; the rows of the span the watermark is in that are
 *    not due yet are listed again). Spans, not
 *    seconds: the caller expires once per several minutes, so a finer wheel
 *    only cost one map lookup per listing, which a span makes rare (the
 *    list last used is kept at hand: new keys mostly fall in the span of
 *    the key before). A list entry whose row left, was reused or moved to
 *    another span is stale and skipped; lists are rebuilt when stale
 *    entries pile up.
 * 4. Seq order: rows are added with increasing `seq` (the detector takes
 *    one per new key), so a log of (row, seq) in add order lists them
 *    oldest first without a sort (sorted once if a row came out of order);
 *    entries of rows that left are skipped (`skipDead`), passed for good
 *    at the front, and squeezed out when the log would grow.
 * 5. `lastTsFloor` is at most every row's `lastTs` (lowered by `add`, set
 *    by a caller that has seen every row): a caller looking for rows idle
 *    since some time knows when there is none without a walk.
 * Memory: about 110 bytes per row (80 in the row, 16 of hash slots, the
 * first conn_state and the seq log), 32 per later connection and 8 per
 * list entry; rows are bounded by the detector's cap, connections per row
 * by the detector's promotion threshold.
 */
import { dottedQuadText } from './dotted-quad.js';
import { SpanLists } from './span-lists.js';
import { TEXT_CODE, type TupleCode } from './tuple-code.js';
import { grownFloat64, grownInt32 } from '../util/grown-array.js';

/**
 * When a connection started: its event time `ts` and `time`, `ts` rounded as the caller keeps times.
 * Given to `add` and `see` as the fields of one object the caller rewrites per connection, not as two
 * arguments: V8 passes a fraction (and an epoch second, past the small integers) to a call it does not
 * inline as a new heap number, and `add` and `see` are not inlined: two per connection, most of
 * c2.beacon's allocation (measured: its push allocated 38 MB on the realistic 2M-line log, 13 MB with
 * the object, allocprof.cjs; c2.beacon alone 0.979x CPU there and 0.972x on the findings-heavy 2M-line
 * log, detector-cpu.mjs 9 rounds each, 7 of 9 faster).
 */
export interface ConnTime {
  ts: number;
  time: number;
}

const MIN_ROWS = 64;
/** List entries per chunk whose rows, and then hash slots, `expire` reads before it uses them (see `touchAll`). */
const TOUCH_CHUNK = 256;
/** Free chains of log entries `refill` walks side by side (see 2). */
const REFILL_CHAINS = 64;
/** The span of wake times one list holds (see 3). */
const WAKE_SPAN_SEC = 60;

/** The list (see 3) of wake time `ts`. */
function spanOf(ts: number): number {
  return Math.floor(ts / WAKE_SPAN_SEC);
}

/**
 * A row (see 2): 10 doubles. Doubles 0-5 are event times, sizes and the
 * seq; doubles 6-9 hold eight 32-bit integers. Offsets below are in doubles
 * (`F_`) or in 32-bit integers from the row's start (`I_`). The fields a
 * second connection reads and writes (times, wake, counts, log links) come
 * first, the key after them.
 */
const ROW_F64 = 10;
const ROW_I32 = 2 * ROW_F64;
const F_FIRST_TS = 0;
const F_LAST_TS = 1;
const F_TIME = 2;
const F_SIZE = 3;
const F_WAKE = 4;
const F_SEQ = 5;
/** Connections; 0 while the row holds no key. */
const I_CONNS = 12;
const I_FAILED = 13;
/** The row's newest log entry (-1: none); integer 15 is not used. */
const I_NEWEST = 14;
const I_CODE_A = 16;
const I_CODE_B = 17;
const I_CODE_N = 18;
const I_HASH = 19;
/** A log entry: its rounded time, size (doubles 0, 1) and the row's entry before it (integer 4; -1: none). */
const LOG_F64 = 3;
const L_NEXT = 4;

export class FirstSightings {
  /** Per hash slot the key's hash and its row number + 1 (0: empty), side by side. */
  private slots = new Int32Array(4 * MIN_ROWS);
  private mask = 2 * MIN_ROWS - 1;
  private cap = MIN_ROWS;
  private count = 0;
  /** Row numbers at or past `top` were never used. */
  private top = 0;
  /** Where the search for a free row starts (see 2). */
  private cursor = 0;
  /** The rows (see 2), as doubles and as integers. */
  private rowF = new Float64Array(ROW_F64 * MIN_ROWS);
  private rowI = new Int32Array(this.rowF.buffer);
  /** The first connection's conn_state per row. */
  private states: string[] = [];
  /** The key of a row with a textual code (tuple-code.ts), as given; not set for other rows. */
  private textA: string[] = [];
  private textB: string[] = [];
  private textN: number[] = [];
  /** The log of later connections (see 2), as doubles and as integers, and each entry's conn_state. */
  private logF = new Float64Array(LOG_F64 * MIN_ROWS);
  private logI = new Int32Array(this.logF.buffer);
  private logStates: string[] = [];
  private logTop = 0;
  /** The first entries of the chains of log entries rows gave back (a stack of `freeChainsLen`); each chain ends at -1. */
  private freeChains = new Int32Array(MIN_ROWS);
  private freeChainsLen = 0;
  /** Free log entries ready to be taken (a stack of `freeLen`, filled by `refill`). */
  private freeEntries = new Int32Array(MIN_ROWS);
  private freeLen = 0;
  /** The chains `refill` is walking. */
  private readonly walking = new Int32Array(REFILL_CHAINS);
  /** Lists of rows by wake-time span (see 3), and their entries (stale ones included). */
  private readonly wheel = new SpanLists();
  private entries = 0;
  /** The rows `expire` wakes again (a stack of `dueLen`, kept for the next call). */
  private due = new Int32Array(MIN_ROWS);
  private dueLen = 0;
  /** The due rows of one chunk of a list `expire` walks. */
  private readonly chunk = new Int32Array(TOUCH_CHUNK);
  /** Rows in add order with their seq (see 4); entries before `orderHead` are gone. */
  private order = new Int32Array(MIN_ROWS);
  private orderSeq = new Float64Array(MIN_ROWS);
  private orderLen = 0;
  private orderHead = 0;
  /** What `touchAll`, `touchSlots` and `touchRows` read (kept so that their loads are not dropped). */
  private touched = 0;
  /** The rows `touchAll` found (kept between calls). */
  private aheadRows = new Int32Array(0);
  /** See 5. */
  lastTsFloor = Number.POSITIVE_INFINITY;
  /** False once a row was added with a seq below an earlier one's: `bySeq` sorts. */
  private ordered = true;
  private lastSeq = Number.NEGATIVE_INFINITY;

  /** `idleSec`, `slackSec`: see 3. */
  constructor(
    private readonly idleSec: number,
    private readonly slackSec: number,
  ) {}

  /** Rows held. */
  get held(): number {
    return this.count;
  }

  /** Log entries ever used, free ones included (for tests and bounds). */
  get logLength(): number {
    return this.logTop;
  }

  /** The row of key (a, b, n) whose code is `c` (`c.encode(a, b, n)`), or -1. */
  find(c: TupleCode, a: string, b: string, n: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const rowI = this.rowI;
    const hash = c.hash;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const r = slots[2 * i + 1]! - 1;
      if (r < 0) return -1;
      if (slots[2 * i] !== hash) continue;
      const o = ROW_I32 * r;
      if (rowI[o + I_CODE_A] !== c.a || rowI[o + I_CODE_B] !== c.b || rowI[o + I_CODE_N] !== c.n) continue;
      if ((c.n & TEXT_CODE) === 0 || (this.textN[r] === n && this.textA[r] === a && this.textB[r] === b)) return r;
    }
  }

  /**
   * Reads the hash slots lookups of the keys hashed `hashes[0..count)` read and, for each key held,
   * its row's key and first word (an 80-byte row spans two cache lines: the key's, and the times'
   * that `see` reads): a hint that loads their cache lines ahead of the `find`s for those keys (the
   * caller calls it for the next records' keys). Returns what it read of the rows (XOR over the keys
   * held of the key's first code XOR the row's first 32 bits; 0: none held), also kept in `touched`
   * with what it read of the slots (a load whose value is not used may be dropped).
   *
   * Three passes, each a short loop over the keys: the home slot of each key (one load, nothing done
   * with what it holds), then the probes (as `find`: slots from the home slot until an empty one or
   * the hash), which note the rows found, then the rows. A miss waits only when something branches on
   * it or the reorder buffer fills up behind it: a probe of a slot not in the cache branched on the
   * miss (empty, another hash, this hash), and one loop doing the whole probe and the row's loads per
   * key let a few keys' misses be under way at once; short loops let many (measured: c2.beacon alone
   * 0.884x CPU on the realistic 2M-line log against one probe-and-read loop, detector-cpu.mjs 7 rounds,
   * all 7 faster; the slot pass alone, with the probe and the row's loads in one loop after it,
   * 0.965x; reading the row of whatever key sat in the home slot, with no probe, loaded a row `find`
   * never reads and missed the row of a key found further on; reading the times' line too cost more
   * than it saved; 128 keys at a time 0.929x, 512 0.905x). Reading the detector's own table's tags
   * (tuple-table.ts) and pair objects in such passes too did not pay (within the noise; 0.943x against
   * 0.884x).
   */
  touchAll(hashes: Int32Array, count: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let v = 0;
    for (let k = 0; k < count; k++) v ^= slots[2 * (hashes[k]! & mask) + 1]!;
    if (this.aheadRows.length < count) this.aheadRows = new Int32Array(count);
    const rows = this.aheadRows;
    let found = 0;
    for (let k = 0; k < count; k++) {
      const hash = hashes[k]!;
      for (let i = hash & mask; ; i = (i + 1) & mask) {
        const r = slots[2 * i + 1]! - 1;
        if (r < 0) break;
        if (slots[2 * i] === hash) {
          rows[found++] = r;
          break;
        }
      }
    }
    const rowI = this.rowI;
    let w = 0;
    for (let k = 0; k < found; k++) w ^= rowI[ROW_I32 * rows[k]! + I_CODE_A]! ^ rowI[ROW_I32 * rows[k]!]!;
    this.touched ^= v ^ w;
    return w;
  }

  /** Adds key (a, b, n), code `c`, not held yet, with its first connection (at `at`, see ConnTime); returns its row. */
  add(c: TupleCode, a: string, b: string, n: number, seq: number, at: ConnTime, size: number, failed: boolean, state: string): number {
    const ts = at.ts;
    const time = at.time;
    const r = this.takeRow();
    const hash = c.hash;
    const f = ROW_F64 * r;
    const rowF = this.rowF;
    rowF[f + F_FIRST_TS] = ts;
    rowF[f + F_LAST_TS] = ts;
    rowF[f + F_TIME] = time;
    rowF[f + F_SIZE] = size;
    rowF[f + F_WAKE] = ts + this.idleSec - this.slackSec;
    rowF[f + F_SEQ] = seq;
    const o = ROW_I32 * r;
    const rowI = this.rowI;
    rowI[o + I_CONNS] = 1;
    rowI[o + I_FAILED] = failed ? 1 : 0;
    rowI[o + I_NEWEST] = -1;
    rowI[o + I_CODE_A] = c.a;
    rowI[o + I_CODE_B] = c.b;
    rowI[o + I_CODE_N] = c.n;
    rowI[o + I_HASH] = hash;
    this.states[r] = state;
    if ((c.n & TEXT_CODE) !== 0) {
      this.textA[r] = a;
      this.textB[r] = b;
      this.textN[r] = n;
    }
    if (ts < this.lastTsFloor) this.lastTsFloor = ts;
    const slots = this.slots;
    let i = hash & this.mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    slots[2 * i] = hash;
    slots[2 * i + 1] = r + 1;
    this.count++;
    this.list(r);
    this.note(r, seq);
    return r;
  }

  /** Another connection of row `r`'s key (at `at`, see ConnTime). */
  see(r: number, at: ConnTime, size: number, failed: boolean, state: string): void {
    const ts = at.ts;
    const time = at.time;
    const f = ROW_F64 * r;
    const o = ROW_I32 * r;
    const rowF = this.rowF;
    const rowI = this.rowI;
    if (ts < rowF[f + F_FIRST_TS]!) rowF[f + F_FIRST_TS] = ts;
    if (ts > rowF[f + F_LAST_TS]!) rowF[f + F_LAST_TS] = ts;
    if (failed) rowI[o + I_FAILED]!++;
    const e = this.takeEntry();
    this.logF[LOG_F64 * e] = time;
    this.logF[LOG_F64 * e + 1] = size;
    this.logI[2 * LOG_F64 * e + L_NEXT] = rowI[o + I_NEWEST]!;
    this.logStates[e] = state;
    rowI[o + I_NEWEST] = e;
    if (++rowI[o + I_CONNS]! === 2) {
      // The object table would hold the key from here, woken first for this connection.
      const prev = spanOf(rowF[f + F_WAKE]!);
      rowF[f + F_WAKE] = rowF[f + F_LAST_TS]! + this.idleSec - this.slackSec;
      if (spanOf(rowF[f + F_WAKE]!) !== prev) this.list(r);
    }
  }

  /** Drops row `r` (its key left: promoted, evicted or expired). */
  remove(r: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const o = ROW_I32 * r;
    const rowI = this.rowI;
    let i = rowI[o + I_HASH]! & mask;
    while (slots[2 * i + 1] !== r + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      if (slots[2 * j + 1] === 0) break;
      const home = slots[2 * j]! & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        slots[2 * i] = slots[2 * j]!;
        slots[2 * i + 1] = slots[2 * j + 1]!;
        i = j;
      }
    }
    slots[2 * i + 1] = 0;
    rowI[o + I_CONNS] = 0;
    const h = rowI[o + I_NEWEST]!;
    if (h >= 0) {
      // The row's entries go back to the log whole.
      if (this.freeChainsLen === this.freeChains.length) this.freeChains = grownInt32(this.freeChains, 2 * this.freeChainsLen);
      this.freeChains[this.freeChainsLen++] = h;
    }
    if ((rowI[o + I_CODE_N]! & TEXT_CODE) !== 0) {
      // Let the strings go.
      this.textA[r] = '';
      this.textB[r] = '';
    }
    this.count--;
  }

  /**
   * Takes the rows whose wake time is at or before `watermark`: drops the
   * ones with `watermark - lastTs > idleSec` and wakes the others again at
   * `lastTs + idleSec - slackSec` (as the object table's sweep would).
   */
  expire(watermark: number): void {
    const last = spanOf(watermark);
    const rowF = this.rowF;
    const rowI = this.rowI;
    const wheel = this.wheel;
    const chunk = this.chunk;
    this.dueLen = 0;
    while (wheel.earliest <= last) {
      const span = wheel.earliest;
      const n = wheel.take();
      const list = wheel.items;
      let kept = 0;
      // By chunks of TOUCH_CHUNK entries, whose rows are read ahead (as `touchAll`) and, once due, removed
      // or set aside while they are still in the cache.
      for (let from = 0; from < n; from += TOUCH_CHUNK) {
        const to = Math.min(n, from + TOUCH_CHUNK);
        this.touchRows(list, from, to);
        let due = 0;
        for (let i = from; i < to; i++) {
          const r = list[i]!;
          const w = rowF[ROW_F64 * r + F_WAKE]!;
          // Stale: left, reused for another span, taken (NaN).
          if (rowI[ROW_I32 * r + I_CONNS] === 0 || spanOf(w) !== span) continue;
          if (w > watermark) list[kept++] = r;
          else {
            rowF[ROW_F64 * r + F_WAKE] = Number.NaN;
            chunk[due++] = r;
          }
        }
        this.touchSlots(chunk, due);
        for (let i = 0; i < due; i++) {
          const r = chunk[i]!;
          if (watermark - rowF[ROW_F64 * r + F_LAST_TS]! > this.idleSec) this.remove(r);
          else {
            // Woken again after the walk (listed now, it could be taken again by it).
            if (this.dueLen === this.due.length) this.due = grownInt32(this.due, 2 * this.dueLen);
            this.due[this.dueLen++] = r;
          }
        }
      }
      this.entries -= n;
      if (kept > 0) {
        // The watermark is inside this span: its later rows wait, listed again in their order.
        for (let i = 0; i < kept; i++) wheel.add(span, list[i]!);
        this.entries += kept;
        break;
      }
    }
    for (let i = 0; i < this.dueLen; i++) {
      const r = this.due[i]!;
      rowF[ROW_F64 * r + F_WAKE] = rowF[ROW_F64 * r + F_LAST_TS]! + this.idleSec - this.slackSec;
      this.list(r);
    }
  }

  /** Reads the hash slots where the rows `rows[0..count)` are looked up (a hint, as `touchAll`). */
  private touchSlots(rows: Int32Array, count: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const rowI = this.rowI;
    let v = 0;
    for (let i = 0; i < count; i++) v ^= slots[2 * (rowI[ROW_I32 * rows[i]! + I_HASH]! & mask) + 1]!;
    this.touched ^= v;
  }

  /** Reads the rows `list[from..to)` (their wake time and count; a hint, as `touchAll`). */
  private touchRows(list: Int32Array, from: number, to: number): void {
    const rowI = this.rowI;
    let v = 0;
    for (let i = from; i < to; i++) v ^= rowI[ROW_I32 * list[i]! + I_CONNS]! ^ rowI[ROW_I32 * list[i]! + 2 * F_WAKE]!;
    this.touched ^= v;
  }

  // The fields of row `r` (held) and of log entry `e`, for the detector and tests.

  /** Connections of the row's key. */
  conns(r: number): number {
    return this.rowI[ROW_I32 * r + I_CONNS]!;
  }

  failed(r: number): number {
    return this.rowI[ROW_I32 * r + I_FAILED]!;
  }

  seq(r: number): number {
    return this.rowF[ROW_F64 * r + F_SEQ]!;
  }

  /** Event time of the earliest and of the latest connection. */
  firstTs(r: number): number {
    return this.rowF[ROW_F64 * r + F_FIRST_TS]!;
  }

  lastTs(r: number): number {
    return this.rowF[ROW_F64 * r + F_LAST_TS]!;
  }

  /** Wake time (see 3); NaN while `expire` holds the row. */
  wake(r: number): number {
    return this.rowF[ROW_F64 * r + F_WAKE]!;
  }

  /** The first connection's rounded time, size and conn_state. */
  time(r: number): number {
    return this.rowF[ROW_F64 * r + F_TIME]!;
  }

  size(r: number): number {
    return this.rowF[ROW_F64 * r + F_SIZE]!;
  }

  state(r: number): string {
    return this.states[r]!;
  }

  /** The key's source, destination and number, as `add` was given them (a dotted quad's text made again). */
  src(r: number): string {
    const o = ROW_I32 * r;
    return (this.rowI[o + I_CODE_N]! & TEXT_CODE) !== 0 ? this.textA[r]! : dottedQuadText(this.rowI[o + I_CODE_A]!);
  }

  dst(r: number): string {
    const o = ROW_I32 * r;
    return (this.rowI[o + I_CODE_N]! & TEXT_CODE) !== 0 ? this.textB[r]! : dottedQuadText(this.rowI[o + I_CODE_B]!);
  }

  n(r: number): number {
    const n = this.rowI[ROW_I32 * r + I_CODE_N]!;
    return (n & TEXT_CODE) !== 0 ? this.textN[r]! : n;
  }

  /** The row's latest later connection (log entry), -1: none; `before(e)` the one before entry `e` (-1: none). */
  newest(r: number): number {
    return this.rowI[ROW_I32 * r + I_NEWEST]!;
  }

  before(e: number): number {
    return this.logI[2 * LOG_F64 * e + L_NEXT]!;
  }

  /** A later connection's rounded time, size and conn_state. */
  logTime(e: number): number {
    return this.logF[LOG_F64 * e]!;
  }

  logSize(e: number): number {
    return this.logF[LOG_F64 * e + 1]!;
  }

  logState(e: number): string {
    return this.logStates[e]!;
  }

  /** The rows held, oldest `seq` first. */
  bySeq(): Int32Array {
    this.squeeze();
    return this.order.slice(0, this.orderLen);
  }

  /**
   * Where a walk over the rows in `seq` order starts: positions from it to
   * `orderEnd` (`skipDead` passes those of rows that left; `rowAt` and
   * `seqAt` read the others). Rows may be removed during the walk, not added.
   */
  orderStart(): number {
    if (!this.ordered) this.squeeze();
    while (this.orderHead < this.orderLen && !this.liveAt(this.orderHead)) this.orderHead++;
    return this.orderHead;
  }

  get orderEnd(): number {
    return this.orderLen;
  }

  /** The first position at or after `i` of a row still held (`orderEnd`: none). */
  skipDead(i: number): number {
    while (i < this.orderLen && !this.liveAt(i)) i++;
    return i;
  }

  rowAt(i: number): number {
    return this.order[i]!;
  }

  /**
   * Reads the home hash slots of the rows at positions `from` to
   * `from + count` of a walk in `seq` order (dead positions too): a hint
   * ahead of `remove`s of those rows, whose slots, the oldest keys', are
   * cold (at the cap a tenth of the rows goes at once). Returns what it
   * read (also kept in `touched`). c2.beacon's eviction reads 256 ahead:
   * `detector-cpu --detectors c2.beacon --rounds 5` 0.896× of b5b7d0c on
   * capture-per-packet-1000000.pcap (4 of 5), 1.001× on
   * conn-realistic-2000000.log (it evicts little there).
   */
  touchOrder(from: number, count: number): number {
    const order = this.order;
    const rowI = this.rowI;
    const slots = this.slots;
    const mask = this.mask;
    const end = Math.min(this.orderLen, from + count);
    let v = 0;
    for (let i = from; i < end; i++) v ^= slots[2 * (rowI[ROW_I32 * order[i]! + I_HASH]! & mask) + 1]!;
    this.touched ^= v;
    return v;
  }

  seqAt(i: number): number {
    return this.orderSeq[i]!;
  }

  clear(): void {
    this.slots = new Int32Array(4 * MIN_ROWS);
    this.mask = 2 * MIN_ROWS - 1;
    this.cap = MIN_ROWS;
    this.count = 0;
    this.top = 0;
    this.cursor = 0;
    this.rowF = new Float64Array(ROW_F64 * MIN_ROWS);
    this.rowI = new Int32Array(this.rowF.buffer);
    this.states = [];
    this.textA = [];
    this.textB = [];
    this.textN = [];
    this.logF = new Float64Array(LOG_F64 * MIN_ROWS);
    this.logI = new Int32Array(this.logF.buffer);
    this.logStates = [];
    this.logTop = 0;
    this.freeChainsLen = 0;
    this.freeLen = 0;
    this.wheel.clear();
    this.entries = 0;
    this.order = new Int32Array(MIN_ROWS);
    this.orderSeq = new Float64Array(MIN_ROWS);
    this.orderLen = 0;
    this.orderHead = 0;
    this.lastTsFloor = Number.POSITIVE_INFINITY;
    this.ordered = true;
    this.lastSeq = Number.NEGATIVE_INFINITY;
  }

  /**
   * A free row: the first at or after the cursor, round the rows (see 2). The table grows before it
   * is seven eighths full, so the search passes few held rows: a full round of the cursor passes
   * each row once and takes at least an eighth of them. (Three quarters, as before, doubled the rows
   * of a table at c2.beacon's cap of 200,000 keys to 524,288: 42 MB where 262,144 rows take 21.)
   */
  private takeRow(): number {
    if (8 * (this.count + 1) > 7 * this.cap) this.grow();
    const rowI = this.rowI;
    const cap = this.cap;
    let r = this.cursor;
    while (rowI[ROW_I32 * r + I_CONNS] !== 0) r = r + 1 === cap ? 0 : r + 1;
    this.cursor = r + 1 === cap ? 0 : r + 1;
    if (r >= this.top) this.top = r + 1;
    return r;
  }

  private takeEntry(): number {
    if (this.freeLen === 0 && this.freeChainsLen > 0) this.refill();
    if (this.freeLen > 0) return this.freeEntries[--this.freeLen]!;
    if (LOG_F64 * this.logTop === this.logF.length) {
      this.logF = grownFloat64(this.logF, 2 * this.logF.length);
      this.logI = new Int32Array(this.logF.buffer);
    }
    return this.logTop++;
  }

  /**
   * Moves the entries of up to REFILL_CHAINS free chains to the free entries, walking the chains side
   * by side: a round reads the next link of each chain at once, so their cache misses overlap. Taking
   * entries one by one from a linked free list waited for each entry's miss in turn (the entry was
   * freed long before, its line long gone): that wait was most of `see`'s time (perf annotate).
   */
  private refill(): void {
    const walking = this.walking;
    const logI = this.logI;
    let live = Math.min(REFILL_CHAINS, this.freeChainsLen);
    for (let j = 0; j < live; j++) walking[j] = this.freeChains[--this.freeChainsLen]!;
    while (live > 0) {
      let m = 0;
      for (let j = 0; j < live; j++) {
        const e = walking[j]!;
        if (this.freeLen === this.freeEntries.length) this.freeEntries = grownInt32(this.freeEntries, 2 * this.freeLen);
        this.freeEntries[this.freeLen++] = e;
        const next = logI[2 * LOG_F64 * e + L_NEXT]!;
        if (next >= 0) walking[m++] = next;
      }
      live = m;
    }
  }

  private note(r: number, seq: number): void {
    if (seq < this.lastSeq) this.ordered = false;
    this.lastSeq = seq;
    if (this.orderLen === this.order.length) {
      if (this.orderLen > 2 * this.count + 1024) this.squeeze();
      if (this.orderLen === this.order.length) {
        this.order = grownInt32(this.order, 2 * this.orderLen);
        this.orderSeq = grownFloat64(this.orderSeq, 2 * this.orderLen);
      }
    }
    this.order[this.orderLen] = r;
    this.orderSeq[this.orderLen++] = seq;
  }

  private liveAt(i: number): boolean {
    const r = this.order[i]!;
    return this.rowI[ROW_I32 * r + I_CONNS] !== 0 && this.rowF[ROW_F64 * r + F_SEQ] === this.orderSeq[i];
  }

  /** Drops the entries of rows that left from the seq log (and sorts it if a row came out of order). */
  private squeeze(): void {
    const order = this.order;
    const orderSeq = this.orderSeq;
    let k = 0;
    for (let i = 0; i < this.orderLen; i++) {
      if (!this.liveAt(i)) continue;
      order[k] = order[i]!;
      orderSeq[k++] = orderSeq[i]!;
    }
    this.orderLen = k;
    this.orderHead = 0;
    if (this.ordered) return;
    const idx = Array.from({ length: k }, (_, i) => i).sort((x, y) => orderSeq[x]! - orderSeq[y]!);
    const rows = idx.map((i) => order[i]!);
    const seqs = idx.map((i) => orderSeq[i]!);
    order.set(rows);
    orderSeq.set(seqs);
    this.ordered = true;
  }

  private list(r: number): void {
    this.wheel.add(spanOf(this.rowF[ROW_F64 * r + F_WAKE]!), r);
    if (++this.entries > 2 * this.count + 1024) this.relist();
  }

  /** Rebuilds the lists from the live rows (stale entries dropped): amortised O(1). */
  private relist(): void {
    this.wheel.clear();
    this.entries = 0;
    for (let r = 0; r < this.top; r++) {
      const w = this.rowF[ROW_F64 * r + F_WAKE]!;
      if (this.rowI[ROW_I32 * r + I_CONNS] === 0 || Number.isNaN(w)) continue;
      this.wheel.add(spanOf(w), r);
      this.entries++;
    }
  }

  private grow(): void {
    const cap = this.cap * 2;
    this.rowF = grownFloat64(this.rowF, ROW_F64 * cap);
    this.rowI = new Int32Array(this.rowF.buffer);
    this.cap = cap;
    // Hash slots: at most half full.
    const slots = new Int32Array(4 * cap);
    const mask = 2 * cap - 1;
    for (let r = 0; r < this.top; r++) {
      if (this.rowI[ROW_I32 * r + I_CONNS] === 0) continue;
      const hash = this.rowI[ROW_I32 * r + I_HASH]!;
      let i = hash & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = hash;
      slots[2 * i + 1] = r + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

