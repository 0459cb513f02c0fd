/**
 * Many second series in one Float64Array: values by whole second, held in
 * second order and read as a prefix (a `Map<second, value>` had to be
 * copied and sorted on every read). The rate-spike keys' pending rate
 * changes (a difference array) are one slab, their flow starts another.
 * A series is a block of the array, named by its offset (a small integer
 * the key holds; `NO_SERIES` for none).
 *
 * Why: a series object (the former SecondSeries) was three dependent loads
 * away from its key (the object, its array, the array's elements), and the
 * keys of a flow log are cold when their next record comes: on a realistic
 * 2M-line conn.log those loads were most of the replay of lazy keys
 * (`sync`) and of the series' `add`. A block is one load away (the slab's
 * array is warm), its header and first seconds in one run of memory. The
 * flow starts were the last such objects (two per key, flows and completed
 * exchanges; see START_UNIT in rate-spike-detector.ts): as blocks,
 * `detector-cpu --ref 96fd6f9 --detectors rate.spike --rounds 5` on
 * conn-realistic-2000000.log took 1.83 s, not 2.15 s (0.853×, 5/5 lower).
 *
 * 1. A block at offset b: head index at b, end index at b + 1, capacity
 *    (pairs) at b + 2, then pair i (its second, its value) at
 *    b + 3 + 2i; the series is pairs [head, end), seconds ascending.
 * 2. `add(b, sec, v)` adds `v` to the second's value (a new second starts
 *    at 0 + v), looking for the second from the end: records come in nearly time
 *    order, so the place is almost always the last slot or next to it.
 *    A full block has its pairs moved to its start when they take at most
 *    half of it (its head moved on), else to a block twice as large, so
 *    each pair is moved O(1) times amortised: `add` returns the block's
 *    offset, which may have changed.
 * 3. Blocks come in power-of-two capacities (2, 4, 8, … pairs: a key of
 *    one tick or one flow holds 2; with a first block of 4 the 200,000
 *    keys of the one-flow-per-packet capture at the cap took a slab of
 *    2^22 doubles, 33.6 MB, with 2 they fit 2^21); a freed
 *    block goes to the free list of its size and is reused by the next
 *    series of that size. The array doubles when it is full (offsets stay
 *    valid); nothing is allocated per record.
 */
export const NO_SERIES = -1;

const HEADER = 3;
const FIRST_CAPACITY = 2;

export class SeriesSlab {
  private data = new Float64Array(4096);
  /** Doubles in use (blocks are taken from here when no free one fits). */
  private top = 0;
  /** Per size class (capacity FIRST_CAPACITY << class): offsets of free blocks. */
  private readonly freeBlocks: number[][] = [];

  /** A new empty series; its offset. */
  alloc(): number {
    return this.take(0);
  }

  /** Gives the block back (the series is forgotten). */
  release(b: number): void {
    const cls = classOf(this.data[b + 2]!);
    let free = this.freeBlocks[cls];
    if (free === undefined) {
      free = [];
      this.freeBlocks[cls] = free;
    }
    free.push(b);
  }

  /** Distinct seconds held. */
  size(b: number): number {
    return this.data[b + 1]! - this.data[b]!;
  }

  /** The index of the first pair held. */
  head(b: number): number {
    return this.data[b]!;
  }

  /** One past the index of the last pair held. */
  end(b: number): number {
    return this.data[b + 1]!;
  }

  /** The second at index i (head ≤ i < end). */
  secAt(b: number, i: number): number {
    return this.data[b + HEADER + 2 * i]!;
  }

  /** The value at index i (head ≤ i < end). */
  valAt(b: number, i: number): number {
    return this.data[b + HEADER + 2 * i + 1]!;
  }

  /** Adds `v` to the value of second `sec`; the block's offset (a full block moves to a larger one). */
  add(b: number, sec: number, v: number): number {
    const d = this.data;
    const head = d[b]!;
    let end = d[b + 1]!;
    const p = b + HEADER;
    // Most adds land on the last second or after it; else a binary search.
    const i = end > head && d[p + 2 * (end - 1)]! > sec ? this.firstAfter(b, sec) - 1 : end - 1;
    if (i >= head && d[p + 2 * i] === sec) {
      d[p + 2 * i + 1]! += v;
      return b;
    }
    let at = i + 1;
    let d2 = d;
    if (end === d[b + 2]!) {
      // Full: the pairs move to index 0 of this block or of a larger one.
      b = this.makeRoom(b);
      d2 = this.data;
      end -= head;
      at -= head;
    }
    const q = b + HEADER;
    // Insert at `at`, shifting the later seconds up by one, pair by pair from the end.
    for (let j = end; j > at; j--) {
      d2[q + 2 * j] = d2[q + 2 * j - 2]!;
      d2[q + 2 * j + 1] = d2[q + 2 * j - 1]!;
    }
    d2[q + 2 * at] = sec;
    d2[q + 2 * at + 1] = 0 + v;
    d2[b + 1] = end + 1;
    return b;
  }

  /** Forgets the seconds at indices before `i` (head ≤ i ≤ end). */
  dropTo(b: number, i: number): void {
    const d = this.data;
    if (i === d[b + 1]) {
      d[b] = 0;
      d[b + 1] = 0;
    } else d[b] = i;
  }

  /** Forgets the seconds before `sec`. */
  dropBefore(b: number, sec: number): void {
    const d = this.data;
    const p = b + HEADER;
    let i = d[b]!;
    const end = d[b + 1]!;
    while (i < end && d[p + 2 * i]! < sec) i++;
    this.dropTo(b, i);
  }

  /** The index of the first second ≥ `sec` (end when none). */
  firstAtOrAfter(b: number, sec: number): number {
    const d = this.data;
    const p = b + HEADER;
    let lo = d[b]!;
    let hi = d[b + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[p + 2 * mid]! < sec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** As a Map in second order (checkpoints keep the Map form). */
  toMap(b: number): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = this.head(b); i < this.end(b); i++) m.set(this.secAt(b, i), this.valAt(b, i));
    return m;
  }

  /** A new series holding a Map's entries (any order; seconds distinct); its offset. */
  fromMap(m: Map<number, number>): number {
    const entries = [...m].sort((x, y) => x[0] - y[0]);
    let cls = 0;
    while (FIRST_CAPACITY << cls < entries.length) cls++;
    const b = this.take(cls);
    const d = this.data;
    for (let i = 0; i < entries.length; i++) {
      d[b + HEADER + 2 * i] = entries[i]![0];
      d[b + HEADER + 2 * i + 1] = entries[i]![1];
    }
    d[b + 1] = entries.length;
    return b;
  }

  /** Forgets every series. */
  clear(): void {
    this.data = new Float64Array(4096);
    this.top = 0;
    this.freeBlocks.length = 0;
  }

  /**
   * A full block's pairs moved to index 0: in place when at most half of it is in use (its head has moved
   * past the rest), else into a block twice as large (this one freed); the block's offset.
   */
  private makeRoom(b: number): number {
    let d = this.data;
    const head = d[b]!;
    const end = d[b + 1]!;
    const cap = d[b + 2]!;
    let nb = b;
    if (2 * (end - head) > cap) {
      nb = this.take(classOf(cap) + 1);
      // take may have replaced the array.
      d = this.data;
    }
    d.copyWithin(nb + HEADER, b + HEADER + 2 * head, b + HEADER + 2 * end);
    d[nb] = 0;
    d[nb + 1] = end - head;
    if (nb !== b) this.release(b);
    return nb;
  }

  /** An empty block of the size class; its offset. */
  private take(cls: number): number {
    const free = this.freeBlocks[cls];
    const cap = FIRST_CAPACITY << cls;
    let b: number;
    if (free !== undefined && free.length > 0) b = free.pop()!;
    else {
      b = this.top;
      const need = b + HEADER + 2 * cap;
      if (need > this.data.length) {
        let n = 2 * this.data.length;
        while (n < need) n *= 2;
        const grown = new Float64Array(n);
        grown.set(this.data.subarray(0, this.top));
        this.data = grown;
      }
      this.top = need;
    }
    const d = this.data;
    d[b] = 0;
    d[b + 1] = 0;
    d[b + 2] = cap;
    return b;
  }

  /**
   * The index of the first second > `sec`, which the last second is. Galloping back from the end (1, 2,
   * 4, … pairs), then a binary search in the last step: a flow's first second is mostly a few pairs
   * from the end (behind the ends of the flows before it; on a realistic 2M-line conn.log 1.6M searches,
   * 42% one pair from the end, 89% within 16, series of 78 pairs on average), and those pairs sit in the
   * cache lines the last second was read from, where a binary search over the whole series started
   * in its cold middle.
   */
  private firstAfter(b: number, sec: number): number {
    const d = this.data;
    const p = b + HEADER;
    const head = d[b]!;
    // The second at `hi` is > sec; the one at `lo` is ≤ sec (or lo is before head).
    let hi = d[b + 1]! - 1;
    let lo = head - 1;
    for (let step = 1; ; step *= 2) {
      const j = hi - step;
      if (j < head) break;
      if (d[p + 2 * j]! <= sec) {
        lo = j;
        break;
      }
      hi = j;
    }
    let l = lo + 1;
    while (l < hi) {
      const mid = (l + hi) >>> 1;
      if (d[p + 2 * mid]! <= sec) l = mid + 1;
      else hi = mid;
    }
    return l;
  }

}

/** The size class of a block of `cap` pairs (a power of two times FIRST_CAPACITY). */
function classOf(cap: number): number {
  return 31 - Math.clz32(cap / FIRST_CAPACITY);
}
