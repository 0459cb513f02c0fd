/**
 * Keys seen a few times, held in columns (typed arrays and arrays of shared
 * strings) instead of one object each: c2.beacon's (source, destination,
 * port, proto) pairs of a busy network mostly connect once or a few times,
 * too few to be scored, and one row object per such pair, with an array of
 * its times and one of its sizes, kept for the hour a pair may stay idle,
 * was the detector's whole cost (young-generation copies, old-generation
 * growth and the memory traffic of three objects per repeat connection, not
 * the lookups). A key leaves this table for the detector's object table,
 * keeping its `seq`, once it has enough connections to be scored.
 *
 * 1. Lookup: open addressing with linear probing over an `Int32Array` of
 *    (hash, row number + 1) pairs, at most half full; hash as `hashTuple`
 *    (tuple-table.ts), kept per row too. A probe reads a row's columns
 *    only where the hash matches; deletion shifts the probe run back.
 * 2. Rows live in columns indexed by row number; freed numbers are reused.
 *    A row's first connection is in its columns; each later one is an
 *    entry of a shared log (rounded time, size, conn_state), linked from
 *    the row in arrival order. A row that leaves gives its entries back to
 *    the log's free list whole (O(1)): the log needs no compaction.
 * 3. Wake-ups, as the detector's object table would do them for the row
 *    (incident-table.ts `WakeQueue`; `wake` is the row's `wakeTs` there):
 *    first at `lastTs + idleSec - slackSec` of its first connection, then of
 *    its second; the earliest request wins, so later connections leave it.
 *    `expire(watermark)` takes the rows whose wake time has come, drops the
 *    ones idle for longer than `idleSec` and wakes the others again. Rows
 *    are listed under the `WAKE_SPAN_SEC` span of their wake time (a timer
 *    wheel: a list per span, a heap of the spans; the rows of the span the
 *    watermark is in that are not due yet stay listed). Spans, not
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
 * Memory: about 110 bytes per row, 28 per later connection and 8 per list
 * entry; rows are bounded by the detector's cap, connections per row by
 * the detector's promotion threshold.
 */
import { popSec, pushSec } from './second-heap.js';

const MIN_ROWS = 64;
/** The span of wake times one list holds (see 3). */
const WAKE_SPAN_SEC = 60;

/** The list (see 3) of wake time `ts`. */
function spanOf(ts: number): number {
  return Math.floor(ts / WAKE_SPAN_SEC);
}

export class FirstSightings {
  /** Per hash slot the key's hash and its row number + 1 (0: empty), side by side. */
  private slots = new Int32Array(4 * MIN_ROWS);
  private mask = 2 * MIN_ROWS - 1;
  private cap = MIN_ROWS;
  private count = 0;
  /**
   * Row numbers past `top` were never used; below it, `free` holds the released ones (a stack of
   * `freeLen`). `free` and `due` are typed stacks that keep their room: a plain array emptied by
   * pops or `length = 0` gave its room back and grew again by copies, some 180 kB per expire.
   */
  private top = 0;
  private free = new Int32Array(MIN_ROWS);
  private freeLen = 0;
  /** Columns. `alive[i]` is 1 while row i holds a key. */
  alive = new Uint8Array(MIN_ROWS);
  hash = new Int32Array(MIN_ROWS);
  src: string[] = [];
  dst: string[] = [];
  /** The key's number (c2.beacon: port × 2 + proto). */
  n = new Float64Array(MIN_ROWS);
  seq = new Float64Array(MIN_ROWS);
  /** Event time of the earliest and of the latest connection. */
  firstTs = new Float64Array(MIN_ROWS);
  lastTs = new Float64Array(MIN_ROWS);
  /** The first connection's rounded time, size and conn_state. */
  time = new Float64Array(MIN_ROWS);
  size = new Float64Array(MIN_ROWS);
  state: string[] = [];
  /** Connections, failed attempts among them. */
  conns = new Int32Array(MIN_ROWS);
  failed = new Int32Array(MIN_ROWS);
  /** Wake time (see 3); NaN while `expire` holds the row. */
  wake = new Float64Array(MIN_ROWS);
  /** First and last log entry of the row's later connections; -1: none. */
  head = new Int32Array(MIN_ROWS);
  private tail = new Int32Array(MIN_ROWS);
  /** The log of later connections: per entry its rounded time, size, conn_state and the row's next entry (-1: none). */
  logTime = new Float64Array(MIN_ROWS);
  logSize = new Float64Array(MIN_ROWS);
  logState: string[] = [];
  logNext = new Int32Array(MIN_ROWS);
  private logTop = 0;
  /** Free log entries, linked by `logNext`; -1: none. */
  private logFree = -1;
  /** Lists of rows by wake-time span (see 3), and a heap of their spans. */
  private readonly lists = new Map<number, number[]>();
  private spans: number[] = [];
  private entries = 0;
  /** The list of span `listSpan`, the one `list` used last; NaN: none. */
  private listSpan = Number.NaN;
  private listAt: number[] = [];
  /** The rows `expire` takes (a stack of `dueLen`, kept for the next call). */
  private due = new Int32Array(MIN_ROWS);
  private dueLen = 0;
  /** Rows in add order with their seq (see 4); entries before `orderHead` are gone. */
  private order = new Int32Array(MIN_ROWS);
  private orderSeq = new Float64Array(MIN_ROWS);
  private orderLen = 0;
  private orderHead = 0;
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

  /** The row of key (a, b, n) whose `hashTuple` is `hash`, or -1. */
  find(hash: number, a: string, b: string, n: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const r = slots[2 * i + 1]! - 1;
      if (r < 0) return -1;
      if (slots[2 * i] === hash && this.n[r] === n && this.src[r] === a && this.dst[r] === b) return r;
    }
  }

  /** Adds a key not held yet, with its first connection (`time`: `ts` rounded); returns its row. */
  add(hash: number, a: string, b: string, n: number, seq: number, ts: number, time: number, size: number, failed: boolean, state: string): number {
    let r: number;
    if (this.freeLen > 0) r = this.free[--this.freeLen]!;
    else {
      if (this.top === this.cap) this.grow();
      r = this.top++;
    }
    this.alive[r] = 1;
    this.hash[r] = hash;
    this.src[r] = a;
    this.dst[r] = b;
    this.n[r] = n;
    this.seq[r] = seq;
    this.firstTs[r] = ts;
    this.lastTs[r] = ts;
    if (ts < this.lastTsFloor) this.lastTsFloor = ts;
    this.time[r] = time;
    this.size[r] = size;
    this.state[r] = state;
    this.conns[r] = 1;
    this.failed[r] = failed ? 1 : 0;
    this.head[r] = -1;
    this.tail[r] = -1;
    this.wake[r] = ts + this.idleSec - this.slackSec;
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

  /** Another connection of row `r`'s key (`time`: `ts` rounded). */
  see(r: number, ts: number, time: number, size: number, failed: boolean, state: string): void {
    if (ts < this.firstTs[r]!) this.firstTs[r] = ts;
    if (ts > this.lastTs[r]!) this.lastTs[r] = ts;
    if (failed) this.failed[r]!++;
    const e = this.takeEntry();
    this.logTime[e] = time;
    this.logSize[e] = size;
    this.logState[e] = state;
    this.logNext[e] = -1;
    const t = this.tail[r]!;
    if (t < 0) this.head[r] = e;
    else this.logNext[t] = e;
    this.tail[r] = e;
    if (++this.conns[r]! === 2) {
      // The object table would hold the key from here, woken first for this connection.
      const prev = spanOf(this.wake[r]!);
      this.wake[r] = this.lastTs[r]! + this.idleSec - this.slackSec;
      if (spanOf(this.wake[r]!) !== prev) this.list(r);
    }
  }

  /** Drops row `r` (its key left: promoted, evicted or expired). */
  remove(r: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hash[r]! & mask;
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
    this.alive[r] = 0;
    const h = this.head[r]!;
    if (h >= 0) {
      // The row's entries go back to the log whole.
      this.logNext[this.tail[r]!] = this.logFree;
      this.logFree = h;
    }
    // Let the strings go.
    this.src[r] = '';
    this.dst[r] = '';
    this.state[r] = '';
    // At most `cap` rows are free: `free` grows with the columns.
    this.free[this.freeLen++] = r;
    this.count--;
  }

  /**
   * Takes the rows whose wake time is at or before `watermark`: drops the
   * ones with `watermark - lastTs > idleSec` and wakes the others again at
   * `lastTs + idleSec - slackSec` (as the object table's sweep would).
   */
  expire(watermark: number): void {
    const last = spanOf(watermark);
    this.dueLen = 0;
    this.listSpan = Number.NaN;
    while (this.spans.length > 0 && this.spans[0]! <= last) {
      const span = this.spans[0]!;
      const list = this.lists.get(span)!;
      let keep: number[] | null = null;
      for (const r of list) {
        const w = this.wake[r]!;
        // Stale: left, reused for another span, taken (NaN).
        if (this.alive[r] !== 1 || spanOf(w) !== span) continue;
        if (w > watermark) {
          keep ??= [];
          keep.push(r);
        } else {
          this.wake[r] = Number.NaN;
          if (this.dueLen === this.due.length) this.due = widen(this.due, 2 * this.dueLen);
          this.due[this.dueLen++] = r;
        }
      }
      this.entries -= list.length;
      if (keep !== null) {
        // The watermark is inside this span: its later rows wait.
        this.lists.set(span, keep);
        this.entries += keep.length;
        break;
      }
      this.lists.delete(span);
      popSec(this.spans);
    }
    for (let i = 0; i < this.dueLen; i++) {
      const r = this.due[i]!;
      if (watermark - this.lastTs[r]! > this.idleSec) this.remove(r);
      else {
        this.wake[r] = this.lastTs[r]! + this.idleSec - this.slackSec;
        this.list(r);
      }
    }
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

  seqAt(i: number): number {
    return this.orderSeq[i]!;
  }

  clear(): void {
    this.slots = new Int32Array(4 * MIN_ROWS);
    this.mask = 2 * MIN_ROWS - 1;
    this.cap = MIN_ROWS;
    this.count = 0;
    this.top = 0;
    this.free = new Int32Array(MIN_ROWS);
    this.freeLen = 0;
    this.alive = new Uint8Array(MIN_ROWS);
    this.hash = new Int32Array(MIN_ROWS);
    this.src = [];
    this.dst = [];
    this.n = new Float64Array(MIN_ROWS);
    this.seq = new Float64Array(MIN_ROWS);
    this.firstTs = new Float64Array(MIN_ROWS);
    this.lastTs = new Float64Array(MIN_ROWS);
    this.time = new Float64Array(MIN_ROWS);
    this.size = new Float64Array(MIN_ROWS);
    this.state = [];
    this.conns = new Int32Array(MIN_ROWS);
    this.failed = new Int32Array(MIN_ROWS);
    this.wake = new Float64Array(MIN_ROWS);
    this.head = new Int32Array(MIN_ROWS);
    this.tail = new Int32Array(MIN_ROWS);
    this.logTime = new Float64Array(MIN_ROWS);
    this.logSize = new Float64Array(MIN_ROWS);
    this.logState = [];
    this.logNext = new Int32Array(MIN_ROWS);
    this.logTop = 0;
    this.logFree = -1;
    this.lists.clear();
    this.spans = [];
    this.entries = 0;
    this.listSpan = Number.NaN;
    this.listAt = [];
    this.order = new Int32Array(MIN_ROWS);
    this.orderSeq = new Float64Array(MIN_ROWS);
    this.orderLen = 0;
    this.orderHead = 0;
    this.lastTsFloor = Number.POSITIVE_INFINITY;
    this.ordered = true;
    this.lastSeq = Number.NEGATIVE_INFINITY;
  }

  private takeEntry(): number {
    const e = this.logFree;
    if (e >= 0) {
      this.logFree = this.logNext[e]!;
      return e;
    }
    if (this.logTop === this.logTime.length) {
      const cap = 2 * this.logTop;
      this.logTime = widen(this.logTime, cap);
      this.logSize = widen(this.logSize, cap);
      this.logNext = widen(this.logNext, cap);
    }
    return this.logTop++;
  }

  private note(r: number, seq: number): void {
    if (seq < this.lastSeq) this.ordered = false;
    this.lastSeq = seq;
    if (this.orderLen === this.order.length) {
      if (this.orderLen > 2 * this.count + 1024) this.squeeze();
      if (this.orderLen === this.order.length) {
        this.order = widen(this.order, 2 * this.orderLen);
        this.orderSeq = widen(this.orderSeq, 2 * this.orderLen);
      }
    }
    this.order[this.orderLen] = r;
    this.orderSeq[this.orderLen++] = seq;
  }

  private liveAt(i: number): boolean {
    const r = this.order[i]!;
    return this.alive[r] === 1 && this.seq[r] === this.orderSeq[i];
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
    const span = spanOf(this.wake[r]!);
    if (span === this.listSpan) this.listAt.push(r);
    else {
      let l = this.lists.get(span);
      if (l !== undefined) l.push(r);
      else {
        l = [r];
        this.lists.set(span, l);
        pushSec(this.spans, span);
      }
      this.listSpan = span;
      this.listAt = l;
    }
    if (++this.entries > 2 * this.count + 1024) this.relist();
  }

  /** Rebuilds the lists from the live rows (stale entries dropped): amortised O(1). */
  private relist(): void {
    this.lists.clear();
    this.spans = [];
    this.entries = 0;
    this.listSpan = Number.NaN;
    for (let r = 0; r < this.top; r++) {
      if (this.alive[r] !== 1 || Number.isNaN(this.wake[r])) continue;
      const span = spanOf(this.wake[r]!);
      const l = this.lists.get(span);
      if (l !== undefined) l.push(r);
      else {
        this.lists.set(span, [r]);
        pushSec(this.spans, span);
      }
      this.entries++;
    }
  }

  private grow(): void {
    const cap = this.cap * 2;
    this.free = widen(this.free, cap);
    this.alive = widen(this.alive, cap);
    this.hash = widen(this.hash, cap);
    this.n = widen(this.n, cap);
    this.seq = widen(this.seq, cap);
    this.firstTs = widen(this.firstTs, cap);
    this.lastTs = widen(this.lastTs, cap);
    this.time = widen(this.time, cap);
    this.size = widen(this.size, cap);
    this.conns = widen(this.conns, cap);
    this.failed = widen(this.failed, cap);
    this.wake = widen(this.wake, cap);
    this.head = widen(this.head, cap);
    this.tail = widen(this.tail, cap);
    this.cap = cap;
    // Hash slots: at most half full.
    const slots = new Int32Array(4 * cap);
    const mask = 2 * cap - 1;
    for (let r = 0; r < this.top; r++) {
      if (this.alive[r] !== 1) continue;
      const hash = this.hash[r]!;
      let i = hash & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = hash;
      slots[2 * i + 1] = r + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** A copy of `a` with room for `cap` elements. */
function widen<T extends Uint8Array | Int32Array | Float64Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}
