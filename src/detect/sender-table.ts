/**
 * The source hosts of the rate-spike keys, for attribution: per table (one
 * per key that counts senders) its hosts in the order they were first
 * seen, at most its `capacity` (later ones are not counted), each with its
 * packets and the first start and last end of its flows.
 *
 * All tables live in two slabs. A table's rows (host id, packets, first
 * start, last end) sit in a block of one Float64Array (`rows`) in
 * first-seen order; its hosts are found by an open-addressing index in a
 * block of one Int32Array (`index`), each slot the id + 1 (0: empty) next
 * to the row's position, at most half full. Blocks come in power-of-two
 * sizes (rows: 8, 16, …; index: 16, 32, … slots) and move to one twice as
 * large when full (the index rehashed); freed blocks are reused by size,
 * and per table its blocks' offsets and sizes sit in one Int32Array
 * (`meta`). O(1) expected per flow, nothing allocated per flow.
 *
 * Why: a table as objects (the table, its index Int32Array with its memory
 * off the heap, its rows array and their elements) put dependent loads
 * before the index slot, each a cache miss as a key's table is cold by its
 * next flow, and each growth of its index made a new off-heap array. Here
 * the slabs and `meta` are warm and a lookup goes straight to its slot.
 * `node scripts/detector-cpu.mjs --ref 3b9560d --detectors rate.spike
 * --rounds 7` on conn-realistic-2000000.log: 1.84 s vs 1.90 s (0.969×,
 * every round lower). Tried without gain: one hash of (table, host) rows
 * for all tables (1.005×: its probes spread over 32 MB, the busy keys'
 * rows no longer stay cached), and rows held in the index slots, 32 bytes
 * each (1.016×: the index four times larger missed the cache more).
 */
import { grownFloat64, grownInt32 } from '../util/grown-array.js';

/** What `noteFlow` and `addFlow` read of a flow record. */
export interface FlowSpan {
  readonly ts: number;
  readonly duration: number | null;
  readonly origPkts: number;
}

const FIRST_SLOTS = 16;
const FIRST_ROWS = 8;
/** Per table in `meta`: its index block (first int), slots − 1, host count, capacity (-1: a free table number), rows block (first double) and size in rows. */
const META = 8;
const INDEX = 0;
const MASK = 1;
const COUNT = 2;
const CAPACITY = 3;
const ROWS = 4;
const ROWS_SIZE = 5;

export class SenderTables {
  /** Index slot s of a block at b: the host id + 1 at b + 2s (0: empty), its row's position at b + 2s + 1. */
  private index = new Int32Array(8192);
  private indexTop = 0;
  /** Row p of a block at b: host id at b + 4p, packets, first flow start, last flow end. */
  private rows = new Float64Array(8192);
  private rowsTop = 0;
  /** Per size class (FIRST_SLOTS or FIRST_ROWS << class): offsets of free blocks. */
  private readonly freeIndex: number[][] = [];
  private readonly freeRows: number[][] = [];
  private meta = new Int32Array(META * 64);
  private tables = 0;
  private readonly freeTables: number[] = [];

  /** A new empty table holding at most `capacity` hosts; its number. */
  make(capacity: number): number {
    let t = this.freeTables.pop();
    if (t === undefined) {
      t = this.tables++;
      if (META * this.tables > this.meta.length) {
        const grown = new Int32Array(2 * this.meta.length);
        grown.set(this.meta);
        this.meta = grown;
      }
    }
    const index = this.takeIndex(0);
    const rows = this.takeRows(0);
    const m = this.meta;
    const at = META * t;
    m[at + INDEX] = index;
    m[at + MASK] = FIRST_SLOTS - 1;
    m[at + COUNT] = 0;
    m[at + CAPACITY] = capacity;
    m[at + ROWS] = rows;
    m[at + ROWS_SIZE] = FIRST_ROWS;
    return t;
  }

  /** Hosts in table t. */
  count(t: number): number {
    return this.meta[META * t + COUNT]!;
  }

  full(t: number): boolean {
    return this.meta[META * t + COUNT]! >= this.meta[META * t + CAPACITY]!;
  }

  /** The row of table t's p-th host (first-seen order, p < count), for idAt, pktsAt, firstTsAt and lastTsAt. */
  rowAt(t: number, p: number): number {
    return this.meta[META * t + ROWS]! + 4 * p;
  }

  /** The host id of table t's p-th host (first-seen order, p < count). */
  idAt(t: number, p: number): number {
    return this.rows[this.rowAt(t, p)]!;
  }

  /** The row of table t's host `id`, or -1. Valid until the next add or free. */
  find(t: number, id: number): number {
    const m = this.meta;
    const at = META * t;
    const b = m[at + INDEX]!;
    const mask = m[at + MASK]!;
    const index = this.index;
    const tag = id + 1;
    for (let s = hashOf(id, mask); ; s = (s + 1) & mask) {
      const u = index[b + 2 * s]!;
      if (u === 0) return -1;
      if (u === tag) return m[at + ROWS]! + 4 * index[b + 2 * s + 1]!;
    }
  }

  pktsAt(r: number): number {
    return this.rows[r + 1]!;
  }

  firstTsAt(r: number): number {
    return this.rows[r + 2]!;
  }

  lastTsAt(r: number): number {
    return this.rows[r + 3]!;
  }

  /**
   * Counts one more flow of row r's host: its originator's packets, its start and its end (start +
   * duration). Takes the record, not its times: doubles passed to a call that is not inlined are boxed,
   * one heap number each.
   */
  noteFlow(r: number, f: FlowSpan): void {
    const rows = this.rows;
    const firstTs = f.ts;
    const lastTs = firstTs + (f.duration ?? 0);
    rows[r + 1]! += f.origPkts;
    if (firstTs < rows[r + 2]!) rows[r + 2] = firstTs;
    if (lastTs > rows[r + 3]!) rows[r + 3] = lastTs;
  }

  /** `add` for a flow's packets, start and end (see noteFlow). */
  addFlow(t: number, id: number, f: FlowSpan): void {
    const r = this.place(t, id);
    const rows = this.rows;
    rows[r + 1] = 0 + f.origPkts;
    rows[r + 2] = f.ts;
    rows[r + 3] = f.ts + (f.duration ?? 0);
  }

  /** Adds a host that is not in table t (the caller checked `full`). */
  add(t: number, id: number, pkts: number, firstTs: number, lastTs: number): void {
    const r = this.place(t, id);
    const rows = this.rows;
    rows[r + 1] = pkts;
    rows[r + 2] = firstTs;
    rows[r + 3] = lastTs;
  }

  /** Forgets table t and its rows; its number may be given to a later table. */
  free(t: number): void {
    const m = this.meta;
    const at = META * t;
    release(this.freeIndex, m[at + INDEX]!, classOf((m[at + MASK]! + 1) / FIRST_SLOTS));
    release(this.freeRows, m[at + ROWS]!, classOf(m[at + ROWS_SIZE]! / FIRST_ROWS));
    m[at + CAPACITY] = -1;
    m[at + COUNT] = 0;
    this.freeTables.push(t);
  }

  /** Forgets every table. */
  clear(): void {
    this.index = new Int32Array(8192);
    this.indexTop = 0;
    this.rows = new Float64Array(8192);
    this.rowsTop = 0;
    this.freeIndex.length = 0;
    this.freeRows.length = 0;
    this.meta = new Int32Array(META * 64);
    this.tables = 0;
    this.freeTables.length = 0;
  }

  /** A row for host `id`, which is not in table t, its id written and indexed; the row (counts to be written). */
  private place(t: number, id: number): number {
    const at = META * t;
    const p = this.meta[at + COUNT]!;
    if (2 * (p + 1) > this.meta[at + MASK]! + 1) this.growIndex(t);
    if (p === this.meta[at + ROWS_SIZE]) this.growRows(t);
    this.indexAt(this.meta[at + INDEX]!, this.meta[at + MASK]!, id, p);
    this.meta[at + COUNT] = p + 1;
    const r = this.meta[at + ROWS]! + 4 * p;
    this.rows[r] = id;
    return r;
  }

  private indexAt(b: number, mask: number, id: number, p: number): void {
    const index = this.index;
    let s = hashOf(id, mask);
    while (index[b + 2 * s] !== 0) s = (s + 1) & mask;
    index[b + 2 * s] = id + 1;
    index[b + 2 * s + 1] = p;
  }

  /** Table t's index rebuilt in a block twice as large. */
  private growIndex(t: number): void {
    const at = META * t;
    const slots = this.meta[at + MASK]! + 1;
    release(this.freeIndex, this.meta[at + INDEX]!, classOf(slots / FIRST_SLOTS));
    const b = this.takeIndex(classOf(slots / FIRST_SLOTS) + 1);
    const mask = 2 * slots - 1;
    this.meta[at + INDEX] = b;
    this.meta[at + MASK] = mask;
    const r = this.meta[at + ROWS]!;
    for (let p = 0, n = this.meta[at + COUNT]!; p < n; p++) this.indexAt(b, mask, this.rows[r + 4 * p]!, p);
  }

  /** Table t's rows, a full block, moved to one twice as large. */
  private growRows(t: number): void {
    const at = META * t;
    const size = this.meta[at + ROWS_SIZE]!;
    const from = this.meta[at + ROWS]!;
    const to = this.takeRows(classOf(size / FIRST_ROWS) + 1);
    // takeRows may have replaced the array.
    this.rows.copyWithin(to, from, from + 4 * size);
    release(this.freeRows, from, classOf(size / FIRST_ROWS));
    this.meta[at + ROWS] = to;
    this.meta[at + ROWS_SIZE] = 2 * size;
  }

  /** An empty index block of the size class; its offset. */
  private takeIndex(cls: number): number {
    const ints = 2 * (FIRST_SLOTS << cls);
    let b = this.freeIndex[cls]?.pop();
    if (b === undefined) {
      b = this.indexTop;
      this.indexTop = b + ints;
      if (this.indexTop > this.index.length) {
        let n = 2 * this.index.length;
        while (n < this.indexTop) n *= 2;
        this.index = grownInt32(this.index, n);
      }
    }
    this.index.fill(0, b, b + ints);
    return b;
  }

  /** An unused rows block of the size class; its offset. */
  private takeRows(cls: number): number {
    const b = this.freeRows[cls]?.pop();
    if (b !== undefined) return b;
    const top = this.rowsTop;
    this.rowsTop = top + 4 * (FIRST_ROWS << cls);
    if (this.rowsTop > this.rows.length) {
      let n = 2 * this.rows.length;
      while (n < this.rowsTop) n *= 2;
      this.rows = grownFloat64(this.rows, n);
    }
    return top;
  }
}

/** Gives a block back to the free list of its size class. */
function release(free: number[][], b: number, cls: number): void {
  let list = free[cls];
  if (list === undefined) {
    list = [];
    free[cls] = list;
  }
  list.push(b);
}

/** The size class of a block `multiple` times its first size (a power of two). */
function classOf(multiple: number): number {
  return 31 - Math.clz32(multiple);
}

function hashOf(id: number, mask: number): number {
  const h = Math.imul(id, 0x9e3779b1);
  return (h ^ (h >>> 16)) & mask;
}
