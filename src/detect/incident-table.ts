/**
 * The keyed state of a rule detector: rows (a detector's per-key counters
 * and open incident) held in insertion order, bounded by a cap that is a
 * setting, with a wake-up queue so that a detector looks only at the rows
 * whose report is due or whose time is up, not at every row per batch.
 *
 * State is plain data: the rows themselves (the detector's objects, which
 * carry their `key`, insertion `seq` and `wakeTs`), `nextSeq` and the
 * eviction count. `snapshot()` hands them out in insertion order and
 * `restore()` rebuilds the index and the wake-up queue from them, so a
 * checkpoint (watch `--state`) can store a detector's open incidents.
 * A detector whose rows hold a `Set` or a `Map` converts those itself.
 *
 * Costs, all O(1) amortised per record:
 * 1. Eviction of the oldest row: one iterator over the map is kept for as
 *    long as the map lives, so each deleted slot is passed once. (A fresh
 *    `map.keys().next()` per eviction walks every slot deleted since V8
 *    last rehashed the map: quadratic.)
 * 2. Wake-ups: a timer wheel of one-second buckets (`WakeQueue`): O(1) to
 *    queue a row, a heap only over the seconds that hold rows.
 *    `takeDue(watermark)` returns the rows due by then in insertion order,
 *    the order in which a walk over the whole map would have met them, so
 *    findings come out in the same order as a full walk gives.
 */
import { popSec, pushSec } from './second-heap.js';

/** The fields a row carries for a wake-up queue. */
export interface WakeRow {
  /** Insertion number: rows due together come back in this order unless the queue is given another. */
  seq: number;
  /** Event time at which the detector asked to look at the row again; null when it did not (JSON keeps null, not Infinity). */
  wakeTs: number | null;
}

/** The fields a row carries for its table; a detector's row type extends this. */
export interface TableRow extends WakeRow {
  /** The row's key in its table. */
  readonly key: string;
}

/** A table's state as plain data: rows in insertion order. */
export interface TableSnapshot<R extends TableRow> {
  rows: R[];
  nextSeq: number;
  evicted: number;
}

const bySeq = (a: WakeRow, b: WakeRow): number => a.seq - b.seq;

/** Up to this many rows due at once are sorted in place: a typed array of keys costs more than it saves. */
const SMALL_SORT = 16;

/** `rows` sorted in place by `seq`, stably (ties keep their order); by the comparator when a seq is not an integer ≥ 0, as `sortBySeq`. */
function insertionSortBySeq<R extends WakeRow>(rows: R[]): R[] {
  for (let i = 0; i < rows.length; i++) {
    const seq = rows[i]!.seq;
    if (!(seq >= 0 && Number.isInteger(seq))) return rows.sort(bySeq);
  }
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i]!;
    const seq = row.seq;
    let j = i - 1;
    while (j >= 0 && rows[j]!.seq > seq) {
      rows[j + 1] = rows[j]!;
      j--;
    }
    rows[j + 1] = row;
  }
  return rows;
}

/** Up to this many keys `sortBySeq` sorts in a view of one kept buffer; more get an array of their own (not kept). */
const KEPT_SORT_KEYS = 4096;
let sortKeyBuffer = new Float64Array(64);

/**
 * `n` cells for `sortBySeq`'s keys: a view of a buffer kept between calls.
 * A new `Float64Array` of more than 8 elements has its memory allocated
 * outside the heap: with it a `takeDue` of 34 rows due took 2.9 µs, with
 * the view 1.6 µs (a WakeQueue alone, 100,000 takes, median of 7).
 */
function sortKeysOf(n: number): Float64Array {
  if (n > KEPT_SORT_KEYS) return new Float64Array(n);
  if (n > sortKeyBuffer.length) sortKeyBuffer = new Float64Array(KEPT_SORT_KEYS);
  return sortKeyBuffer.subarray(0, n);
}

/**
 * `rows` in `seq` order (ties in their order in `rows`, as a stable sort
 * gives), reading each row once: keys `seq * n + i` in a `Float64Array`,
 * sorted natively, then the rows gathered by `key % n`. A comparator sort
 * reads two rows per comparison, and rows scattered over a large heap are
 * a cache miss each. Falls back to the comparator when a key would not be
 * an exact integer.
 */
function sortBySeq<R extends WakeRow>(rows: R[]): R[] {
  const n = rows.length;
  if (n <= SMALL_SORT) return insertionSortBySeq(rows);
  const keys = sortKeysOf(n);
  let maxSeq = 0;
  for (let i = 0; i < n; i++) {
    const seq = rows[i]!.seq;
    if (!(seq >= 0 && Number.isInteger(seq))) return rows.sort(bySeq);
    if (seq > maxSeq) maxSeq = seq;
    keys[i] = seq * n + i;
  }
  if ((maxSeq + 1) * n > Number.MAX_SAFE_INTEGER) return rows.sort(bySeq);
  keys.sort();
  const out = new Array<R>(n);
  for (let i = 0; i < n; i++) out[i] = rows[keys[i]! % n]!;
  return out;
}

/**
 * Rows waiting for the watermark to reach their wake time, in buckets of
 * one second of event time (a timer wheel): queueing a row is one push onto
 * its second's list, and only the seconds that hold rows sit in a small
 * heap of plain numbers. A row whose wake time moves earlier is listed
 * again; its old entry is recognised as stale when its second comes.
 *
 * Buckets are keyed by the second minus `base`, the first finite second
 * queued while the queue was empty: event seconds (about 1.7e9) are past
 * 2^30, so as keys they were heap numbers, boxed for each Map lookup and
 * hashed as doubles, and the heap an array of doubles; their offsets from
 * `base` are small integers. The offset is exact for seconds below 2^52
 * and never reorders seconds (subtraction of a constant is monotonic), so
 * the buckets and the order they are taken in do not change.
 */
export class WakeQueue<R extends WakeRow> {
  private readonly buckets = new Map<number, R[]>();
  /** Min-heap of the keys in `buckets`. */
  private secs: number[] = [];
  private entries = 0;
  /** Rows with a wake time (live entries); stale entries beyond twice this are swept out. */
  private queued = 0;
  /** Subtracted from a second to give its bucket's key (see above); 0 until a finite second is queued. */
  private base = 0;
  /**
   * The key last listed into and its list: wake times come in runs of
   * one second (a record's ts plus a fixed interval), so most `wakeAt`s
   * skip the map lookup. Forgotten whenever a list is taken or replaced.
   */
  private lastKey = Number.NaN;
  private lastList: R[] | null = null;

  /** Entries held, stale ones included (for tests and bounds). */
  get size(): number {
    return this.entries;
  }

  /** Asks for the row to be returned by `takeDue` once the watermark reaches `ts` (the earliest request wins). */
  wakeAt(row: R, ts: number): void {
    const prev = row.wakeTs;
    if (prev !== null && !(ts < prev)) return;
    row.wakeTs = ts;
    if (prev === null) this.queued++;
    const sec = Math.floor(ts);
    // Already listed in that second: the entry stands for the earlier time too.
    if (prev !== null && Math.floor(prev) === sec) return;
    let key = sec - this.base;
    if (key === this.lastKey) this.lastList!.push(row);
    else {
      // An empty queue (the last list is forgotten whenever buckets go) takes a new base.
      if (this.buckets.size === 0 && Number.isFinite(sec)) {
        this.base = sec;
        key = 0;
      }
      let list = this.buckets.get(key);
      if (list !== undefined) list.push(row);
      else {
        list = [row];
        this.buckets.set(key, list);
        pushSec(this.secs, key);
      }
      this.lastKey = key;
      this.lastList = list;
    }
    if (++this.entries > 2 * this.queued + 1024) this.sweep();
  }

  private forgetLast(): void {
    this.lastKey = Number.NaN;
    this.lastList = null;
  }

  /** Takes the row out of the queue (when it is dropped); its entries become stale. */
  remove(row: R): void {
    if (row.wakeTs === null) return;
    row.wakeTs = null;
    this.queued--;
  }

  /**
   * Whether `takeDue(watermark)` may return a row: false when no row is
   * queued for the watermark's second or earlier (then nothing is due, and
   * a caller asking at every record makes no array for it).
   */
  hasDue(watermark: number): boolean {
    return this.secs.length > 0 && this.secs[0]! <= Math.floor(watermark) - this.base;
  }

  /**
   * The rows whose wake time is at or before `watermark`, in `order`
   * (insertion order by default, `seq`, sorted by `sortBySeq`; null:
   * unsorted, for a caller that orders only what it makes of them); each
   * one's wake time is cleared (ask again with `wakeAt`).
   */
  takeDue(watermark: number, order: ((a: R, b: R) => number) | null = bySeq): R[] {
    const due: R[] = [];
    const base = this.base;
    const last = Math.floor(watermark) - base;
    const secs = this.secs;
    if (secs.length > 0 && secs[0]! <= last) this.forgetLast();
    while (secs.length > 0 && secs[0]! <= last) {
      const key = secs[0]!;
      const list = this.buckets.get(key)!;
      let keep: R[] | null = null;
      for (let i = 0; i < list.length; i++) {
        const row = list[i]!;
        const t = row.wakeTs;
        if (t === null || Math.floor(t) - base !== key) continue; // stale: dropped, taken, or moved to another second
        if (t > watermark) {
          keep ??= [];
          keep.push(row);
        } else {
          row.wakeTs = null;
          this.queued--;
          due.push(row);
        }
      }
      this.entries -= list.length;
      if (keep !== null) {
        // The watermark is inside this second: its later rows wait.
        this.buckets.set(key, keep);
        this.entries += keep.length;
        break;
      }
      this.buckets.delete(key);
      popSec(secs);
    }
    if (order === null || due.length <= 1) return due;
    return order === bySeq ? sortBySeq(due) : due.sort(order);
  }

  clear(): void {
    for (const list of this.buckets.values()) for (const row of list) row.wakeTs = null;
    this.buckets.clear();
    this.forgetLast();
    this.secs = [];
    this.entries = 0;
    this.queued = 0;
    this.base = 0;
  }

  /**
   * Drops stale entries (rows dropped, taken or moved to an earlier second): O(entries), amortised O(1).
   * A row listed twice in its second (removed and queued again there) is kept once: each row kept has
   * its wake time set aside (null) until its bucket is done, so its later entries look stale.
   */
  private sweep(): void {
    this.forgetLast();
    this.entries = 0;
    const base = this.base;
    const keys = this.secs;
    const keptKeys: number[] = [];
    const held: number[] = [];
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const list = this.buckets.get(key)!;
      let n = 0;
      for (let i = 0; i < list.length; i++) {
        const row = list[i]!;
        const t = row.wakeTs;
        if (t === null || Math.floor(t) - base !== key) continue;
        row.wakeTs = null;
        held[n] = t;
        list[n++] = row;
      }
      for (let i = 0; i < n; i++) list[i]!.wakeTs = held[i]!;
      if (n > 0) {
        list.length = n;
        this.entries += n;
        keptKeys.push(key);
      } else this.buckets.delete(key);
    }
    this.secs = [];
    for (let k = 0; k < keptKeys.length; k++) pushSec(this.secs, keptKeys[k]!);
  }

  /** Queues rows restored from a snapshot by their `wakeTs`. */
  restore(rows: Iterable<R>): void {
    this.clear();
    for (const row of rows) {
      const t = row.wakeTs;
      row.wakeTs = null;
      if (t !== null) this.wakeAt(row, t);
    }
  }
}

export class IncidentTable<R extends TableRow> {
  private readonly map = new Map<string, R>();
  /** The one long-lived iterator over `map` (insertion order) and the row it last gave. */
  private cursor: IterableIterator<R> | null = null;
  private head: R | undefined = undefined;
  private readonly queue = new WakeQueue<R>();
  private nextSeq = 0;
  private evictedCount = 0;

  /** `maxRows`: the cap (a setting); `evictOverCap` brings the table back under it. */
  constructor(readonly maxRows: number) {}

  get size(): number {
    return this.map.size;
  }

  /** Rows dropped by `evictOverCap` or `evict` since the table was made (not reset by `clear`). */
  get evicted(): number {
    return this.evictedCount;
  }

  get(key: string): R | undefined {
    return this.map.get(key);
  }

  /** Adds a row whose key is not in the table, as the newest. */
  add(row: R): void {
    row.seq = this.nextSeq++;
    row.wakeTs = null;
    this.map.set(row.key, row);
  }

  delete(row: R): void {
    if (this.map.get(row.key) !== row) return;
    this.map.delete(row.key);
    if (row === this.head) this.head = undefined;
    this.queue.remove(row);
  }

  /** Drops a row as `evictOverCap` does, counted as evicted (for a detector's own choice of victims). */
  evict(row: R): void {
    if (this.map.get(row.key) !== row) return;
    this.delete(row);
    this.evictedCount++;
  }

  /** Moves a row to the newest end (least-recently-used order); its `seq` is renewed. */
  touch(row: R): void {
    this.delete(row);
    this.add(row);
  }

  /** The oldest row, or undefined when the table is empty. */
  oldest(): R | undefined {
    for (;;) {
      if (this.head !== undefined) return this.head;
      this.cursor ??= this.map.values();
      const n = this.cursor.next();
      if (n.done) {
        // Every row was passed: the table is empty (later rows would still be ahead of the cursor).
        this.cursor = null;
        return undefined;
      }
      this.head = n.value;
    }
  }

  /**
   * Drops the oldest rows while the table holds more than its cap, calling
   * `onEvict` on each before it goes (to report a pending incident).
   */
  evictOverCap(onEvict?: (row: R) => void): void {
    while (this.map.size > this.maxRows) {
      const row = this.oldest();
      if (row === undefined) return;
      onEvict?.(row);
      this.delete(row);
      this.evictedCount++;
    }
  }

  /** Rows in insertion order (the map's live iterator: rows may be deleted while iterating). */
  rows(): IterableIterator<R> {
    return this.map.values();
  }

  /** See `WakeQueue.wakeAt`. */
  wakeAt(row: R, ts: number): void {
    this.queue.wakeAt(row, ts);
  }

  /** See `WakeQueue.hasDue`. */
  hasDue(watermark: number): boolean {
    return this.queue.hasDue(watermark);
  }

  /** The rows due by `watermark`, in insertion order (the order a walk over every row would meet them). */
  takeDue(watermark: number): R[] {
    return this.queue.takeDue(watermark);
  }

  clear(): void {
    this.map.clear();
    this.cursor = null;
    this.head = undefined;
    this.queue.clear();
  }

  snapshot(): TableSnapshot<R> {
    return { rows: [...this.map.values()], nextSeq: this.nextSeq, evicted: this.evictedCount };
  }

  restore(s: TableSnapshot<R>): void {
    this.clear();
    for (const row of s.rows) this.map.set(row.key, row);
    this.nextSeq = s.nextSeq;
    this.evictedCount = s.evicted;
    this.queue.restore(s.rows);
  }
}

/**
 * Keys with the time they were last seen, oldest first, for the small
 * per-key sets of a detector (a scan key's targets): `see` moves a key to
 * the newest end, `dropOlderThan` and `dropOldest` take from the oldest end,
 * all O(1) amortised with one long-lived iterator, as `IncidentTable` does.
 * A key's time only grows, which is how a stale position is recognised.
 * Most sets of a busy network (or a flood of spoofed sources) never hold
 * more than one key: that key is held in two fields, and the `Map` is made
 * only when a second key comes.
 * Plain data: `entries()` lists [key, ts] oldest first.
 */
export class RecencyMap {
  private map: Map<string, number> | null = null;
  /** While `map` is null: the one key held (null when empty) and its time. */
  private soleKey: string | null = null;
  private soleTs = 0;
  private cursor: IterableIterator<[string, number]> | null = null;
  private headKey: string | null = null;
  private headTs = 0;

  get size(): number {
    if (this.map !== null) return this.map.size;
    return this.soleKey !== null ? 1 : 0;
  }

  get(key: string): number | undefined {
    if (this.map !== null) return this.map.get(key);
    return this.soleKey === key ? this.soleTs : undefined;
  }

  /** Records `key` at `ts` as the newest, unless it was seen at `ts` or later already. */
  see(key: string, ts: number): void {
    let map = this.map;
    if (map === null) {
      if (this.soleKey === null) {
        this.soleKey = key;
        this.soleTs = ts;
        return;
      }
      if (this.soleKey === key) {
        if (ts > this.soleTs) this.soleTs = ts;
        return;
      }
      map = new Map();
      map.set(this.soleKey, this.soleTs);
      this.soleKey = null;
      this.map = map;
    }
    const prev = map.get(key);
    if (prev !== undefined) {
      if (ts <= prev) return;
      map.delete(key);
    }
    map.set(key, ts);
  }

  /** The oldest key's time, or undefined when empty. */
  oldestTs(): number | undefined {
    if (this.map === null) return this.soleKey !== null ? this.soleTs : undefined;
    return this.peek() ? this.headTs : undefined;
  }

  dropOldest(): void {
    if (this.map === null) {
      this.soleKey = null;
      return;
    }
    if (!this.peek()) return;
    this.map.delete(this.headKey!);
    this.headKey = null;
  }

  /** Drops keys from the oldest end while their time is before `cutoff`. */
  dropOlderThan(cutoff: number): void {
    if (this.map === null) {
      if (this.soleKey !== null && this.soleTs < cutoff) this.soleKey = null;
      return;
    }
    while (this.peek() && this.headTs < cutoff) {
      this.map.delete(this.headKey!);
      this.headKey = null;
    }
  }

  keys(): IterableIterator<string> {
    if (this.map === null) return (this.soleKey !== null ? [this.soleKey] : [])[Symbol.iterator]();
    return this.map.keys();
  }

  entries(): [string, number][] {
    if (this.map === null) return this.soleKey !== null ? [[this.soleKey, this.soleTs]] : [];
    return [...this.map.entries()];
  }

  /** A map holding `entries` (as `entries()` lists them, oldest first). */
  static fromEntries(entries: readonly (readonly [string, number])[]): RecencyMap {
    const m = new RecencyMap();
    for (const [k, ts] of entries) m.see(k, ts);
    return m;
  }

  private peek(): boolean {
    const map = this.map!;
    for (;;) {
      // The head is current while the map still holds it at the same time (a later `see` moves it to the end).
      if (this.headKey !== null && map.get(this.headKey) === this.headTs) return true;
      this.headKey = null;
      this.cursor ??= map.entries();
      const n = this.cursor.next();
      if (n.done) {
        this.cursor = null;
        return false;
      }
      this.headKey = n.value[0];
      this.headTs = n.value[1];
    }
  }
}
