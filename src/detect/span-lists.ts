/**
 * Lists of small integers (row numbers) keyed by a whole number (a span of
 * event time), taken earliest key first: the timer wheel of
 * first-sightings.ts, held in one `Int32Array` instead of a `Map` of arrays.
 *
 * An array per list (pushed to as rows came, dropped when the list was
 * taken) lived for the wheel's whole period, an hour of event time: long
 * enough to be copied by scavenges and promoted, then left for a
 * mark-compact, and its growth copied it along the way. Here a list is a
 * chain of fixed-size blocks of one pool; a taken list's blocks go back to
 * a free stack, so the wheel allocates nothing once the pool is big enough.
 *
 * 1. A block is `BLOCK` integers: the next block of its chain (-1: none),
 *    its item count, the chain's last block (kept in the first block only)
 *    and `BLOCK - 3` items.
 * 2. `add` appends to the chain of the key's first block, found in a `Map`
 *    of key → first block; the key last added to and its blocks are kept at
 *    hand (items mostly come in runs of one key). Keys with a list are in a
 *    min-heap (second-heap.ts).
 * 3. `take` moves the earliest key's items, in the order they were added,
 *    into `items` and frees its blocks.
 */
import { popSec, pushSec } from './second-heap.js';

/** Integers per block (see 1). */
const BLOCK = 64;
const B_NEXT = 0;
const B_COUNT = 1;
const B_LAST = 2;
const B_ITEMS = 3;

export class SpanLists {
  private pool = new Int32Array(BLOCK * 16);
  /** Blocks at or past this were never used. */
  private top = 0;
  /** Free blocks, linked by their next block; -1: none. */
  private free = -1;
  /** Key → its chain's first block. */
  private readonly firstOf = new Map<number, number>();
  /** Min-heap of the keys that have a list. */
  private keys: number[] = [];
  /** The key `add` used last and its chain's first and last block; NaN: none. */
  private atKey = Number.NaN;
  private atFirst = -1;
  private atLast = -1;
  /** The items of the list `take` took last (the first `take()` of them). */
  items = new Int32Array(BLOCK);

  /** The earliest key with a list; +Infinity when none. */
  get earliest(): number {
    return this.keys.length > 0 ? this.keys[0]! : Number.POSITIVE_INFINITY;
  }

  /** Appends `item` to the list of `key` (an integer). */
  add(key: number, item: number): void {
    if (key !== this.atKey) {
      let first = this.firstOf.get(key);
      if (first === undefined) {
        first = this.takeBlock();
        this.pool[BLOCK * first + B_LAST] = first;
        this.firstOf.set(key, first);
        pushSec(this.keys, key);
      }
      this.atKey = key;
      this.atFirst = first;
      this.atLast = this.pool[BLOCK * first + B_LAST]!;
    }
    let o = BLOCK * this.atLast;
    if (this.pool[o + B_COUNT] === BLOCK - B_ITEMS) {
      const b = this.takeBlock();
      this.pool[o + B_NEXT] = b;
      this.pool[BLOCK * this.atFirst + B_LAST] = b;
      this.atLast = b;
      o = BLOCK * b;
    }
    const pool = this.pool;
    pool[o + B_ITEMS + pool[o + B_COUNT]!] = item;
    pool[o + B_COUNT]!++;
  }

  /** Takes the list of the earliest key (there is one): its items go to `items`, in the order added; returns their count. */
  take(): number {
    const key = popSec(this.keys);
    let b = this.firstOf.get(key)!;
    this.firstOf.delete(key);
    if (key === this.atKey) this.atKey = Number.NaN;
    const pool = this.pool;
    let n = 0;
    while (b >= 0) {
      const o = BLOCK * b;
      const count = pool[o + B_COUNT]!;
      if (n + count > this.items.length) {
        const items = new Int32Array(2 * (n + count));
        items.set(this.items.subarray(0, n));
        this.items = items;
      }
      this.items.set(pool.subarray(o + B_ITEMS, o + B_ITEMS + count), n);
      n += count;
      const next = pool[o + B_NEXT]!;
      pool[o + B_NEXT] = this.free;
      this.free = b;
      b = next;
    }
    return n;
  }

  /** Drops every list (the pool is kept). */
  clear(): void {
    this.top = 0;
    this.free = -1;
    this.firstOf.clear();
    this.keys = [];
    this.atKey = Number.NaN;
  }

  private takeBlock(): number {
    let b = this.free;
    if (b >= 0) this.free = this.pool[BLOCK * b + B_NEXT]!;
    else {
      b = this.top++;
      if (BLOCK * this.top > this.pool.length) {
        const pool = new Int32Array(2 * this.pool.length);
        pool.set(this.pool);
        this.pool = pool;
      }
    }
    const o = BLOCK * b;
    this.pool[o + B_NEXT] = -1;
    this.pool[o + B_COUNT] = 0;
    return b;
  }
}
