/**
 * The keyed state of a rule detector whose key is two strings and a number
 * (c2.beacon's source, destination and port with protocol), held without
 * key strings: the same contract as `IncidentTable` (rows in insertion
 * order, a cap, a wake-up queue, evictions counted, plain-data snapshots)
 * for detectors that meet a new key on most records.
 *
 * A string key per row (`${src}|${dst}|${port}|${proto}`) cost a cons
 * string per record, flattened and hashed by the `Map` on every lookup, and
 * two more objects per row that outlived the young generation; on a log of
 * mostly new pairs that was most of the detector's time.
 *
 * 1. Lookup: open addressing with linear probing over a power-of-two array
 *    of rows, at most half full (doubles when it would be fuller). The hash
 *    (FNV-1a over the strings' UTF-16 code units and the number) is kept in
 *    the row and, per slot, beside an occupied mark in an `Int32Array`:
 *    a probe reads a row (elsewhere in the heap) only where the hash
 *    matches; `find(a, b, n)` then compares the row's fields: no
 *    allocation.
 * 2. Deletion shifts the following rows of the probe run back (no
 *    tombstones), so lookups never slow down as rows come and go.
 * 3. Insertion order: an array of rows with holes where rows were deleted,
 *    each row knowing its position; compacted when holes outnumber rows
 *    (amortised O(1)). `rows()` walks it oldest first; the row being
 *    visited may be deleted during the walk.
 * 4. Wake-ups: `WakeQueue` of incident-table.ts, as `IncidentTable`.
 * 5. Snapshot: the rows in insertion order, each with the key string it
 *    would have had in an `IncidentTable` (`keyOf`), so the state's format
 *    does not depend on which table a detector uses.
 */
import { type TableRow, type TableSnapshot, type WakeRow, WakeQueue } from './incident-table.js';

/** The fields a row carries for its table: its key's hash and its place in the insertion order (both the table's). */
export interface TupleRow extends WakeRow {
  hash: number;
  pos: number;
}

/** How a table reads a row's key: two strings and a number. */
export interface TupleKey<R> {
  a(row: R): string;
  b(row: R): string;
  n(row: R): number;
  /** The hash its caller gives `add` for the row's key, when that is not `hashTuple` (used by `restore`). */
  hash?(row: R): number;
}

/** FNV-1a of (a, b, n) as a 32-bit integer. */
export function hashTuple(a: string, b: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x7c, 0x01000193);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (n & 0xffff), 0x01000193);
  h = Math.imul(h ^ ((n / 0x10000) & 0xffff), 0x01000193);
  h = Math.imul(h ^ ((n / 0x100000000) & 0xfffff), 0x01000193);
  // Spread the bits FNV leaves weak in the low end (the slot is taken from the low bits).
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

const MIN_SLOTS = 64;

export class TupleTable<R extends TupleRow> {
  private slots: (R | undefined)[] = new Array<R | undefined>(MIN_SLOTS).fill(undefined);
  /** Per slot its row's hash and 1 (0: the slot is empty), side by side. */
  private tags = new Int32Array(2 * MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private count = 0;
  /** Rows in insertion order; null where a row was deleted. */
  private order: (R | null)[] = [];
  private holes = 0;
  /** Every position before it holds no row (where the search for the oldest row starts). */
  private head = 0;
  /** Walks in progress: compaction waits for them. */
  private walking = 0;
  private readonly queue = new WakeQueue<R>();
  private nextSeq = 0;
  private evictedCount = 0;

  /** `maxRows`: the cap (a setting); `evictOverCap` brings the table back under it, or the detector picks its victims (`evict`). */
  constructor(
    readonly maxRows: number,
    private readonly key: TupleKey<R>,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Rows dropped by `evict` since the table was made (not reset by `clear`). */
  get evicted(): number {
    return this.evictedCount;
  }

  /** The row of key (a, b, n), or undefined. */
  find(a: string, b: string, n: number): R | undefined {
    return this.findHashed(hashTuple(a, b, n), a, b, n);
  }

  /** As `find`, with the key's `hashTuple` already computed (to `add` a row with it on a miss). */
  findHashed(hash: number, a: string, b: string, n: number): R | undefined {
    const k = this.key;
    const tags = this.tags;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      if (tags[2 * i + 1] === 0) return undefined;
      if (tags[2 * i] !== hash) continue;
      const r = this.slots[i]!;
      if (k.n(r) === n && k.a(r) === a && k.b(r) === b) return r;
    }
  }

  /** A fresh insertion number, for a key kept elsewhere until it is added here with it. */
  takeSeq(): number {
    return this.nextSeq++;
  }

  /**
   * Adds a row whose key is not in the table; `hash` is its key's
   * `hashTuple`. It is the newest unless `seq` (from `takeSeq`) is given:
   * then `rows()` still lists it last, but due rows come back in `seq` order.
   */
  add(row: R, hash: number, seq: number = this.nextSeq++): void {
    row.hash = hash;
    row.seq = seq;
    row.wakeTs = null;
    if (2 * (this.count + 1) > this.slots.length) this.resize(this.slots.length * 2);
    this.place(row);
    this.count++;
    if (this.holes > this.order.length / 2 && this.holes > 64 && this.walking === 0) this.compact();
    row.pos = this.order.length;
    this.order.push(row);
  }

  delete(row: R): void {
    const slots = this.slots;
    const tags = this.tags;
    const mask = this.mask;
    let i = row.hash & mask;
    for (;;) {
      if (tags[2 * i + 1] === 0) return; // not in the table
      if (tags[2 * i] === row.hash && slots[i] === row) break;
      i = (i + 1) & mask;
    }
    // Shift back the rows after it whose home slot is not in (i, j].
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      if (tags[2 * j + 1] === 0) break;
      const home = tags[2 * j]! & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        slots[i] = slots[j];
        tags[2 * i] = tags[2 * j]!;
        tags[2 * i + 1] = 1;
        i = j;
      }
    }
    slots[i] = undefined;
    tags[2 * i] = 0;
    tags[2 * i + 1] = 0;
    this.count--;
    this.order[row.pos] = null;
    this.holes++;
    this.queue.remove(row);
  }

  /** Drops a row, counted as evicted. */
  evict(row: R): void {
    const before = this.count;
    this.delete(row);
    if (this.count < before) this.evictedCount++;
  }

  /**
   * Drops the oldest rows while the table holds more than its cap, calling
   * `onEvict` on each before it goes (to report a pending incident).
   */
  evictOverCap(onEvict?: (row: R) => void): void {
    while (this.count > this.maxRows) {
      const order = this.order;
      while (this.head < order.length && order[this.head] === null) this.head++;
      const row = order[this.head];
      if (row === null || row === undefined) return;
      onEvict?.(row);
      this.evict(row);
    }
  }

  /** Rows in insertion order; the row just returned may be deleted before the next. */
  *rows(): Generator<R> {
    this.walking++;
    try {
      const order = this.order;
      for (let i = 0; i < order.length; i++) {
        const r = order[i];
        if (r !== null && r !== undefined) yield r;
      }
    } finally {
      this.walking--;
    }
  }

  /** See `WakeQueue.wakeAt`. */
  wakeAt(row: R, ts: number): void {
    this.queue.wakeAt(row, ts);
  }

  /** The rows due by `watermark`, in insertion order. */
  takeDue(watermark: number): R[] {
    return this.queue.takeDue(watermark);
  }

  clear(): void {
    this.slots = new Array<R | undefined>(MIN_SLOTS).fill(undefined);
    this.tags = new Int32Array(2 * MIN_SLOTS);
    this.mask = MIN_SLOTS - 1;
    this.count = 0;
    this.order = [];
    this.holes = 0;
    this.head = 0;
    this.queue.clear();
  }

  /**
   * The rows in insertion order as plain data, each a copy with its key
   * string (`keyOf`) and without the table's own fields.
   */
  snapshot(keyOf: (row: R) => string): TableSnapshot<TableRow & Omit<R, 'hash' | 'pos'>> {
    const rows: (TableRow & Omit<R, 'hash' | 'pos'>)[] = [];
    for (const r of this.order) {
      if (r === null) continue;
      const { hash: _h, pos: _p, ...rest } = r;
      rows.push({ ...rest, key: keyOf(r) });
    }
    return { rows, nextSeq: this.nextSeq, evicted: this.evictedCount };
  }

  /** Puts back rows (insertion order, their `seq` and `wakeTs` kept), `nextSeq` and the eviction count. */
  restore(rows: readonly R[], nextSeq: number, evicted: number): void {
    this.clear();
    const k = this.key;
    for (const row of rows) {
      const seq = row.seq;
      const wakeTs = row.wakeTs;
      this.add(row, k.hash !== undefined ? k.hash(row) : hashTuple(k.a(row), k.b(row), k.n(row)));
      row.seq = seq;
      row.wakeTs = wakeTs;
    }
    this.nextSeq = nextSeq;
    this.evictedCount = evicted;
    this.queue.restore(rows);
  }

  private place(row: R): void {
    const tags = this.tags;
    let i = row.hash & this.mask;
    while (tags[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = row;
    tags[2 * i] = row.hash;
    tags[2 * i + 1] = 1;
  }

  private resize(n: number): void {
    const old = this.slots;
    this.slots = new Array<R | undefined>(n).fill(undefined);
    this.tags = new Int32Array(2 * n);
    this.mask = n - 1;
    for (const r of old) if (r !== undefined) this.place(r);
  }

  private compact(): void {
    const live: R[] = [];
    for (const r of this.order) if (r !== null) live.push(r);
    for (let i = 0; i < live.length; i++) live[i]!.pos = i;
    this.order = live;
    this.holes = 0;
    this.head = 0;
  }
}
