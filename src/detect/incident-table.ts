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
 *    queue a row, a ring of lists over the next two hours or so and a heap
 *    only over the seconds outside it that hold rows.
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

/** Seconds of wake time the ring of `WakeQueue` spans ahead of the watermark (a power of two): wake-ups an hour or so ahead all fall in it. */
const RING_SECS = 8192;
/** A ring list longer than this is dropped once emptied (not kept for its slot's later seconds, to be refilled or not). */
const KEPT_LIST = 1024;

/**
 * Rows waiting for the watermark to reach their wake time, in buckets of
 * one second of event time (a timer wheel). A row whose wake time moves
 * earlier is listed again; its old entry is recognised as stale when its
 * second comes. Buckets are keyed by the second minus `base`, the first
 * finite second queued while the queue was empty: event seconds (about
 * 1.7e9) are past 2^30 and would be heap numbers; their offsets from
 * `base` are small integers. The offset is exact for seconds below 2^52
 * and never reorders seconds, so the buckets and the order they are taken
 * in do not change.
 *
 * Two kinds of bucket, taken together in key order:
 * 1. The ring: the `RING_SECS` seconds from `lo` (the watermark's second,
 *    or the earliest second not passed yet), a list per second at
 *    `key & (RING_SECS - 1)`, each list an array kept for the next second
 *    that falls on its slot (unless a burst grew it past `KEPT_LIST`), with
 *    its length beside it in an `Int32Array`.
 *    Queueing a row is a store into its second's list; taking walks the
 *    slots from `lo` to the watermark's second, once each. Every wake-up
 *    of the detectors at their default settings (an hour ahead) lands here.
 * 2. The rest (a wake time before `lo` or past the ring): a `Map` of a
 *    list per second and a min-heap of its keys, as the whole queue was
 *    before. A key held by both is taken from the map first: its entries
 *    there were listed while the key was past the ring, before any entry
 *    of the ring's (a key before `lo` never has a ring entry).
 * With the map and heap alone, each second's list was a new array that
 * lived for the hour until its second came (copied by scavenges, promoted,
 * then left for a mark-compact), plus a map insert, lookup and delete and
 * a heap push and pop per second: on the realistic 2M-line log the queues
 * made 283k lists of two rows on average. With the ring, all detectors on
 * that log: 0.963x and 0.937x CPU (`node scripts/detector-cpu.mjs --ref
 * 3b9560d --rounds 7`, two runs, faster in 7 of 7 rounds each), findings
 * identical; on the findings-heavy 2M-line log, where the queues list a
 * third as many rows, within noise.
 * `wakeAt` is only the test of whether the row's wake time moves earlier,
 * so that callers inline it (most calls do not move it: rate.spike's 1.27M
 * calls on that log listed 188k rows); `list` does the rest.
 */
export class WakeQueue<R extends WakeRow> {
  /** The ring (see 1): lists by slot, empty until a row is queued in it, and their lengths. */
  private lists: (R | undefined)[][] = [];
  private counts = new Int32Array(0);
  /** The ring's first key: its slots hold keys in [lo, lo + RING_SECS). */
  private lo = 0;
  /** Entries in the ring, stale ones included. */
  private ringEntries = 0;
  /** The rest (see 2). */
  private readonly buckets = new Map<number, R[]>();
  /** Min-heap of the keys in `buckets`. */
  private secs: number[] = [];
  private entries = 0;
  /** Rows with a wake time (live entries); stale entries beyond twice this are swept out. */
  private queued = 0;
  /** Subtracted from a second to give its bucket's key (see above); 0 until a finite second is queued. */
  private base = 0;
  /** The watermark's second `takeDue` or `hasDue` was last given (NaN: none), for the ring's start when the queue is empty. */
  private seenSec = Number.NaN;
  /** `keepLive`'s wake times set aside. */
  private readonly held: number[] = [];

  /** Entries held, stale ones included (for tests and bounds). */
  get size(): number {
    return this.entries;
  }

  /** Asks for the row to be returned by `takeDue` once the watermark reaches `ts` (the earliest request wins). */
  wakeAt(row: R, ts: number): void {
    const prev = row.wakeTs;
    if (prev !== null && !(ts < prev)) return;
    this.list(row, ts, prev);
  }

  /** `wakeAt` of a row whose wake time `prev` is later than `ts` or null (apart, so that callers inline the test above). */
  private list(row: R, ts: number, prev: number | null): void {
    row.wakeTs = ts;
    if (prev === null) this.queued++;
    const sec = Math.floor(ts);
    // Already listed in that second: the entry stands for the earlier time too.
    if (prev !== null && Math.floor(prev) === sec) return;
    if (this.entries === 0 && Number.isFinite(sec)) this.rebase(sec);
    const key = sec - this.base;
    const lo = this.lo;
    if (key >= lo && key < lo + RING_SECS) this.listInRing(row, key);
    else this.listInMap(row, key);
    if (++this.entries > 2 * this.queued + 1024) this.sweep();
  }

  /** An empty queue takes `sec` as its base, and starts its ring at the watermark's second (when known and near). */
  private rebase(sec: number): void {
    this.base = sec;
    const seen = this.seenSec - sec;
    this.lo = seen <= 0 && seen > -RING_SECS ? seen : 0;
  }

  private listInRing(row: R, key: number): void {
    if (this.lists.length === 0) {
      this.lists = Array.from({ length: RING_SECS }, () => []);
      this.counts = new Int32Array(RING_SECS);
    }
    const slot = key & (RING_SECS - 1);
    this.lists[slot]![this.counts[slot]!++] = row;
    this.ringEntries++;
  }

  private listInMap(row: R, key: number): void {
    const list = this.buckets.get(key);
    if (list !== undefined) list.push(row);
    else {
      this.buckets.set(key, [row]);
      pushSec(this.secs, key);
    }
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
    const last = this.keyOf(watermark);
    if (this.secs.length > 0 && this.secs[0]! <= last) return true;
    return this.ringAt(last) <= last;
  }

  /** The bucket key of `watermark`'s second (kept as the last second seen, for `rebase`). */
  private keyOf(watermark: number): number {
    const sec = Math.floor(watermark);
    if (Number.isFinite(sec)) this.seenSec = sec;
    return sec - this.base;
  }

  /**
   * The ring's first key with entries if it is at or before `last`, else
   * +Infinity; moves the ring's start over empty slots up to `last` (never
   * past it: a row may yet be queued later in that second), or to `last`
   * when the ring is empty.
   */
  private ringAt(last: number): number {
    if (this.ringEntries === 0) {
      if (last > this.lo && last < 2 ** 30) this.lo = last;
      return Number.POSITIVE_INFINITY;
    }
    const counts = this.counts;
    let lo = this.lo;
    while (lo < last && counts[lo & (RING_SECS - 1)] === 0) lo++;
    this.lo = lo;
    return lo <= last && counts[lo & (RING_SECS - 1)]! > 0 ? lo : Number.POSITIVE_INFINITY;
  }

  /**
   * The rows whose wake time is at or before `watermark`, in `order`
   * (insertion order by default, `seq`, sorted by `sortBySeq`; null:
   * unsorted, for a caller that orders only what it makes of them); each
   * one's wake time is cleared (ask again with `wakeAt`).
   */
  takeDue(watermark: number, order: ((a: R, b: R) => number) | null = bySeq): R[] {
    const due: R[] = [];
    const last = this.keyOf(watermark);
    const secs = this.secs;
    let mapDone = false;
    for (;;) {
      const inMap = !mapDone && secs.length > 0 && secs[0]! <= last;
      const ringKey = this.ringAt(last);
      if (!inMap && ringKey === Number.POSITIVE_INFINITY) break;
      const mapKey = inMap ? secs[0]! : Number.POSITIVE_INFINITY;
      if (inMap && mapKey <= ringKey) {
        // Rows later in the watermark's second stay: no other bucket of the map is due.
        if (this.takeBucket(mapKey, watermark, due)) mapDone = true;
      } else if (this.takeSlot(ringKey, watermark, due) || ringKey >= last) break;
      else this.lo = ringKey + 1;
    }
    if (order === null || due.length <= 1) return due;
    return order === bySeq ? sortBySeq(due) : due.sort(order);
  }

  /** Takes the due rows of the map's bucket `key` (the heap's first) into `due`; true when some stay (later in the watermark's second). */
  private takeBucket(key: number, watermark: number, due: R[]): boolean {
    const list = this.buckets.get(key)!;
    const base = this.base;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const row = list[i]!;
      const t = row.wakeTs;
      if (t === null || Math.floor(t) - base !== key) continue; // stale: dropped, taken, or moved to another second
      if (t > watermark) list[kept++] = row;
      else {
        row.wakeTs = null;
        this.queued--;
        due.push(row);
      }
    }
    this.entries -= list.length - kept;
    if (kept > 0) {
      list.length = kept;
      return true;
    }
    this.buckets.delete(key);
    popSec(this.secs);
    return false;
  }

  /** Takes the due rows of the ring's slot of `key` into `due` (its list is kept for later seconds); true when some stay. */
  private takeSlot(key: number, watermark: number, due: R[]): boolean {
    const slot = key & (RING_SECS - 1);
    const list = this.lists[slot]!;
    const n = this.counts[slot]!;
    const base = this.base;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const row = list[i]!;
      list[i] = undefined;
      const t = row.wakeTs;
      if (t === null || Math.floor(t) - base !== key) continue; // stale
      if (t > watermark) list[kept++] = row;
      else {
        row.wakeTs = null;
        this.queued--;
        due.push(row);
      }
    }
    this.counts[slot] = kept;
    this.ringEntries -= n - kept;
    this.entries -= n - kept;
    // A list grown by a burst is not kept for the slot's later seconds.
    if (kept === 0 && list.length > KEPT_LIST) this.lists[slot] = [];
    return kept > 0;
  }

  clear(): void {
    for (const list of this.buckets.values()) for (const row of list) row.wakeTs = null;
    for (let slot = 0; slot < this.lists.length; slot++) {
      const list = this.lists[slot]!;
      for (let i = 0; i < this.counts[slot]!; i++) {
        list[i]!.wakeTs = null;
        list[i] = undefined;
      }
    }
    this.counts.fill(0);
    this.ringEntries = 0;
    this.lo = 0;
    this.buckets.clear();
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
    this.entries = 0;
    const keys = this.secs;
    const keptKeys: number[] = [];
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const list = this.buckets.get(key)!;
      const n = this.keepLive(list, list.length, key);
      if (n > 0) {
        list.length = n;
        this.entries += n;
        keptKeys.push(key);
      } else this.buckets.delete(key);
    }
    this.secs = [];
    for (let k = 0; k < keptKeys.length; k++) pushSec(this.secs, keptKeys[k]!);
    this.ringEntries = 0;
    for (let key = this.lo; key < this.lo + this.lists.length; key++) {
      const slot = key & (RING_SECS - 1);
      const list = this.lists[slot]!;
      const count = this.counts[slot]!;
      const n = this.keepLive(list, count, key);
      for (let i = n; i < count; i++) list[i] = undefined;
      this.counts[slot] = n;
      this.ringEntries += n;
    }
    this.entries += this.ringEntries;
  }

  /** Moves the live entries of the first `count` of `list` (bucket `key`) to its front, each row once; returns how many. */
  private keepLive(list: (R | undefined)[], count: number, key: number): number {
    const base = this.base;
    const held = this.held;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const row = list[i]!;
      const t = row.wakeTs;
      if (t === null || Math.floor(t) - base !== key) continue;
      row.wakeTs = null;
      held[n] = t;
      list[n++] = row;
    }
    for (let i = 0; i < n; i++) list[i]!.wakeTs = held[i]!;
    return n;
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
