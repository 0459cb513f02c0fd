/**
 * Values by whole second, held in second order: the pending rate changes of
 * a rate-spike key (a difference array) and its connection starts per
 * second. It replaces a `Map<second, value>` that had to be copied and
 * sorted on every read: here the seconds stay sorted as they come, so the
 * reader takes a prefix.
 *
 * 1. `add(sec, v)` adds `v` to the second's value (a new second starts at
 *    0 + v, as `(map.get(sec) ?? 0) + v` would), looking for the second from
 *    the end: records come in nearly time order, so the place is almost
 *    always the last slot or next to it. The seconds that can be pending
 *    are bounded by the caller (a key's seconds between its finalized
 *    frontier and the watermark), which bounds the search and the shift of
 *    an insertion in the middle.
 * 2. Reading is by index from `head` to `end`; `dropTo(i)` forgets the
 *    seconds before index `i` (taken or pruned). The arrays are compacted
 *    when the dropped prefix is the larger part, so each slot is moved
 *    O(1) times amortised.
 * 3. Memory: one array of numbers, each second next to its value (a
 *    reader of a cold series touches one run of memory, not two arrays),
 *    grown by doubling and never shrunk; an emptied series can be kept for
 *    reuse (`clear()`), so a caller with a pool allocates nothing per record.
 */
export class SecondSeries {
  /** For each index i in [head, end): its second (ascending) at 2i, its value at 2i + 1. */
  private readonly sv: number[] = [];
  head = 0;
  end = 0;

  /** Distinct seconds held. */
  get size(): number {
    return this.end - this.head;
  }

  /** The second at index i (head ≤ i < end). */
  secAt(i: number): number {
    return this.sv[2 * i]!;
  }

  /** The value at index i (head ≤ i < end). */
  valAt(i: number): number {
    return this.sv[2 * i + 1]!;
  }

  add(sec: number, v: number): void {
    const sv = this.sv;
    // Most adds land on the last second or after it; else a binary search.
    const i = this.end > this.head && sv[2 * (this.end - 1)]! > sec ? this.firstAfter(sec) - 1 : this.end - 1;
    if (i >= this.head && sv[2 * i] === sec) {
      sv[2 * i + 1]! += v;
      return;
    }
    // Insert at i + 1, shifting the later seconds up by one.
    const at = i + 1;
    // Pair by pair from the end, the second before its value: the array grows at its end, never with a hole.
    for (let j = this.end; j > at; j--) {
      sv[2 * j] = sv[2 * j - 2]!;
      sv[2 * j + 1] = sv[2 * j - 1]!;
    }
    sv[2 * at] = sec;
    sv[2 * at + 1] = 0 + v;
    this.end++;
  }

  /** Forgets the seconds at indices before `i` (head ≤ i ≤ end). */
  dropTo(i: number): void {
    this.head = i;
    if (i === this.end) {
      this.head = 0;
      this.end = 0;
      return;
    }
    // Compact when the dropped prefix outweighs what is left.
    if (i > 32 && i > this.end - i) {
      const n = this.end - i;
      const sv = this.sv;
      for (let j = 0; j < 2 * n; j++) sv[j] = sv[2 * i + j]!;
      this.head = 0;
      this.end = n;
    }
  }

  /** Forgets the seconds before `sec`. */
  dropBefore(sec: number): void {
    let i = this.head;
    while (i < this.end && this.sv[2 * i]! < sec) i++;
    this.dropTo(i);
  }

  /** The sum of the values of the seconds in [from, to]. */
  sumBetween(from: number, to: number): number {
    let n = 0;
    for (let i = this.firstAtOrAfter(from); i < this.end; i++) {
      const s = this.sv[2 * i]!;
      if (s > to) break;
      if (s >= from) n += this.sv[2 * i + 1]!;
    }
    return n;
  }

  clear(): void {
    this.head = 0;
    this.end = 0;
  }

  /** The index of the first second > `sec` (end when none). */
  private firstAfter(sec: number): number {
    let lo = this.head;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sv[2 * mid]! <= sec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the first second ≥ `sec` (end when none). */
  private firstAtOrAfter(sec: number): number {
    let lo = this.head;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sv[2 * mid]! < sec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** As a Map in second order (checkpoints keep the Map form). */
  toMap(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = this.head; i < this.end; i++) m.set(this.sv[2 * i]!, this.sv[2 * i + 1]!);
    return m;
  }

  /** Fills an empty series from a Map's entries (any order; seconds distinct). */
  fillFrom(m: Map<number, number>): void {
    this.clear();
    const entries = [...m].sort((a, b) => a[0] - b[0]);
    for (const [s, v] of entries) {
      this.sv[2 * this.end] = s;
      this.sv[2 * this.end + 1] = v;
      this.end++;
    }
  }
}
