/**
 * Keys seen once, held in columns (typed arrays and arrays of shared
 * strings) instead of one object each: c2.beacon's (source, destination,
 * port, proto) pairs of a busy network mostly connect once, and one row
 * object per such pair, kept for the hour a pair may stay idle, was the
 * detector's whole cost (young-generation copies and old-generation growth,
 * not the lookups). A key seen a second time leaves this table for the
 * detector's object table, keeping its `seq`.
 *
 * 1. Lookup: open addressing with linear probing over an `Int32Array` of
 *    row numbers (+1), at most half full; hash as `hashTuple`
 *    (tuple-table.ts), kept per row; deletion shifts the probe run back.
 * 2. Rows live in columns indexed by row number; freed numbers are reused.
 * 3. Expiry: rows are listed under the whole second of their time (a timer
 *    wheel as incident-table.ts's `WakeQueue`: a list per second, a heap of
 *    the seconds); `expire(watermark, idleSec)` drops exactly the rows with
 *    `watermark - ts > idleSec`, looking only at the seconds that can hold
 *    them. A list entry whose row left or was reused for another second is
 *    stale and skipped; lists are rebuilt when stale entries pile up.
 * Memory: about 60 bytes per row plus 8 per list entry; rows are bounded by
 * the detector's cap.
 */
import { popSec, pushSec } from './second-heap.js';

const MIN_ROWS = 64;

export class FirstSightings {
  /** Row number + 1 per hash slot; 0 = empty. */
  private slots = new Int32Array(2 * MIN_ROWS);
  private mask = 2 * MIN_ROWS - 1;
  private cap = MIN_ROWS;
  private count = 0;
  /** Row numbers past `top` were never used; below it, `free` holds the released ones. */
  private top = 0;
  private free: number[] = [];
  /** Columns. `alive[i]` is 1 while row i holds a key. */
  alive = new Uint8Array(MIN_ROWS);
  hash = new Int32Array(MIN_ROWS);
  src: string[] = [];
  dst: string[] = [];
  /** The key's number (c2.beacon: port × 2 + proto). */
  n = new Float64Array(MIN_ROWS);
  seq = new Float64Array(MIN_ROWS);
  ts = new Float64Array(MIN_ROWS);
  size = new Float64Array(MIN_ROWS);
  failed = new Uint8Array(MIN_ROWS);
  state: string[] = [];
  private readonly lists = new Map<number, number[]>();
  private secs: number[] = [];
  private entries = 0;

  /** Rows held. */
  get held(): number {
    return this.count;
  }

  /** The row of key (a, b, n) whose `hashTuple` is `hash`, or -1. */
  find(hash: number, a: string, b: string, n: number): number {
    const slots = this.slots;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const r = slots[i]! - 1;
      if (r < 0) return -1;
      if (this.hash[r] === hash && this.n[r] === n && this.src[r] === a && this.dst[r] === b) return r;
    }
  }

  /** Adds a key not held yet; returns its row. */
  add(hash: number, a: string, b: string, n: number, seq: number, ts: number, size: number, failed: boolean, state: string): number {
    let r: number;
    if (this.free.length > 0) r = this.free.pop()!;
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
    this.ts[r] = ts;
    this.size[r] = size;
    this.failed[r] = failed ? 1 : 0;
    this.state[r] = state;
    let i = hash & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = r + 1;
    this.count++;
    this.list(r);
    return r;
  }

  /** Drops row `r` (its key left: seen again, evicted or expired). */
  remove(r: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hash[r]! & mask;
    while (slots[i] !== r + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const x = slots[j]! - 1;
      if (x < 0) break;
      const home = this.hash[x]! & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        slots[i] = x + 1;
        i = j;
      }
    }
    slots[i] = 0;
    this.alive[r] = 0;
    // Let the strings go.
    this.src[r] = '';
    this.dst[r] = '';
    this.state[r] = '';
    this.free.push(r);
    this.count--;
  }

  /** Drops every row with `watermark - ts > idleSec`. */
  expire(watermark: number, idleSec: number): void {
    const last = Math.floor(watermark - idleSec);
    let kept: [number, number[]][] | null = null;
    while (this.secs.length > 0 && this.secs[0]! <= last) {
      const sec = this.secs[0]!;
      const list = this.lists.get(sec)!;
      const keep: number[] = [];
      for (const r of list) {
        if (this.alive[r] !== 1 || Math.floor(this.ts[r]!) !== sec) continue;
        if (watermark - this.ts[r]! > idleSec) this.remove(r);
        else keep.push(r);
      }
      this.entries -= list.length;
      this.lists.delete(sec);
      popSec(this.secs);
      // Rows of the last second (or at the edge of rounding) not yet idle for long enough: listed again below.
      if (keep.length > 0) {
        kept ??= [];
        kept.push([sec, keep]);
      }
    }
    if (kept === null) return;
    for (const [sec, keep] of kept) {
      this.lists.set(sec, keep);
      pushSec(this.secs, sec);
      this.entries += keep.length;
    }
  }

  /** The rows held, oldest `seq` first. */
  bySeq(): number[] {
    const out: number[] = [];
    for (let r = 0; r < this.top; r++) if (this.alive[r] === 1) out.push(r);
    const seq = this.seq;
    return out.sort((x, y) => seq[x]! - seq[y]!);
  }

  clear(): void {
    this.slots = new Int32Array(2 * MIN_ROWS);
    this.mask = 2 * MIN_ROWS - 1;
    this.cap = MIN_ROWS;
    this.count = 0;
    this.top = 0;
    this.free = [];
    this.alive = new Uint8Array(MIN_ROWS);
    this.hash = new Int32Array(MIN_ROWS);
    this.src = [];
    this.dst = [];
    this.n = new Float64Array(MIN_ROWS);
    this.seq = new Float64Array(MIN_ROWS);
    this.ts = new Float64Array(MIN_ROWS);
    this.size = new Float64Array(MIN_ROWS);
    this.failed = new Uint8Array(MIN_ROWS);
    this.state = [];
    this.lists.clear();
    this.secs = [];
    this.entries = 0;
  }

  private list(r: number): void {
    const sec = Math.floor(this.ts[r]!);
    const l = this.lists.get(sec);
    if (l !== undefined) l.push(r);
    else {
      this.lists.set(sec, [r]);
      pushSec(this.secs, sec);
    }
    if (++this.entries > 2 * this.count + 1024) this.relist();
  }

  /** Rebuilds the per-second lists from the live rows (stale entries dropped): amortised O(1). */
  private relist(): void {
    this.lists.clear();
    this.secs = [];
    this.entries = 0;
    for (let r = 0; r < this.top; r++) {
      if (this.alive[r] !== 1) continue;
      const sec = Math.floor(this.ts[r]!);
      const l = this.lists.get(sec);
      if (l !== undefined) l.push(r);
      else {
        this.lists.set(sec, [r]);
        pushSec(this.secs, sec);
      }
      this.entries++;
    }
  }

  private grow(): void {
    const cap = this.cap * 2;
    const widen = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(cap);
      b.set(a);
      return b;
    };
    this.alive = widen(this.alive, Uint8Array);
    this.hash = widen(this.hash, Int32Array);
    this.n = widen(this.n, Float64Array);
    this.seq = widen(this.seq, Float64Array);
    this.ts = widen(this.ts, Float64Array);
    this.size = widen(this.size, Float64Array);
    this.failed = widen(this.failed, Uint8Array);
    this.cap = cap;
    // Hash slots: at most half full.
    const slots = new Int32Array(2 * cap);
    const mask = 2 * cap - 1;
    for (let r = 0; r < this.top; r++) {
      if (this.alive[r] !== 1) continue;
      let i = this.hash[r]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = r + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
