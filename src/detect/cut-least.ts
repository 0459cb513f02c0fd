/**
 * Eviction over two populations of one table (scan's key objects and the
 * rows of scan-sole-keys.ts): each index gives its own `n` least recently
 * active, and the `n` least of both go. Both lists come in ascending
 * second of their time (as `LeastRecentIndex.takeLeast` and
 * `ScanSoleKeys.takeLeast` give them, one second after another), so they
 * merge second by second in O(n); only the second where the cut falls is
 * sorted (by time, ties by `seq`, the table's order). Sorting all 2n
 * candidates every eviction of a tenth of 200,000 keys cost more than the
 * eviction itself. The cut second is sorted as indexes into reused typed
 * arrays of times and seqs, not as an object per item; with the rows of a
 * second taken into one reused array (ScanSoleKeys.takeSecond):
 * `detector-cpu --detectors scan,scan.distributed --rounds 5` on
 * capture-per-packet-1000000.pcap, 0.937× of 7a8ba99 (faster in 4 of 5).
 *
 * The comparators return -1 or 1 by the sign of the time difference (the
 * seq difference, an integer, on a tie; a NaN difference ties, as `d || s`
 * did): returning the difference of two fractional times made the sort
 * builtin's every call a new heap number, 29 MB of the 622 MB allocated by
 * `analyze --no-model` on capture-per-packet-200000.pcap (allocprof.cjs);
 * `detector-cpu --ref 291657b --detectors scan,scan.distributed --rounds 5`
 * on capture-per-packet-1000000.pcap: 0.899× (faster in 5 of 5). One
 * population alone (a flood's sole rows) is ordered by cutSecond too, each
 * item's time read once into `times`: its comparator's `b.timeOf` calls (not
 * inlined, a new heap number each) were 10 MB of the 1.8 GB allocated on
 * capture-per-packet-1000000.pcap; the same detector-cpu, 0.938× of 293388c
 * (faster in 4 of 5).
 */

/** A list cutLeast reorders in place: an array, or a view of a typed array of row numbers. */
export interface CutList<T> {
  readonly length: number;
  [i: number]: T;
  sort(compare: (x: T, y: T) => number): unknown;
}

/** How a list's items are ordered: last activity (event time) and table order. */
export interface CutOrder<T> {
  timeOf(item: T): number;
  seqOf(item: T): number;
}

/**
 * Splits `as` and `bs` (each in ascending whole second of time) into the
 * `n` least by (time, seq) over both, which go, and the rest, which stay.
 * Returns the number of items of each list that go and the lists in the
 * order the split needs: `as.slice(0, goA)` go, `as.slice(goA)` stay (the
 * cut second's items are reordered in place), and the same for `bs`.
 */
export function cutLeast<A, B>(as: CutList<A>, a: CutOrder<A>, bs: CutList<B>, b: CutOrder<B>, n: number): { goA: number; goB: number } {
  if (as.length === 0) {
    // One population only (a flood's sole rows): ordered in place by cutSecond, each item's time read once
    // (`b.timeOf`, called from a comparator twice per comparison, returned a new heap number per call).
    if (n < bs.length) return cutSecond(as, a, 0, 0, bs, b, 0, bs.length, n);
    return { goA: 0, goB: bs.length };
  }
  let i = 0;
  let j = 0;
  let taken = 0;
  while (i < as.length || j < bs.length) {
    const secA = i < as.length ? Math.floor(a.timeOf(as[i]!)) : Number.POSITIVE_INFINITY;
    const secB = j < bs.length ? Math.floor(b.timeOf(bs[j]!)) : Number.POSITIVE_INFINITY;
    const sec = Math.min(secA, secB);
    let i2 = i;
    while (i2 < as.length && Math.floor(a.timeOf(as[i2]!)) === sec) i2++;
    let j2 = j;
    while (j2 < bs.length && Math.floor(b.timeOf(bs[j2]!)) === sec) j2++;
    const count = i2 - i + (j2 - j);
    if (taken + count <= n) {
      taken += count;
      i = i2;
      j = j2;
      continue;
    }
    // The cut falls in this second: its items of both lists by (time, seq), the first `n - taken` go.
    return cutSecond(as, a, i, i2, bs, b, j, j2, n - taken);
  }
  return { goA: as.length, goB: bs.length };
}

/**
 * The scratch of `cutSecond`, kept between calls: the cut second's items'
 * times and seqs, their order, and copies of the items. An object per
 * item, sorted, was 63 MB of scan.distributed's allocation on
 * capture-per-packet-1000000.pcap (allocation profile of the detector alone).
 */
let times = new Float64Array(64);
let seqs = new Float64Array(64);
let order = new Int32Array(64);
const copyA: unknown[] = [];
const copyB: unknown[] = [];

/**
 * cutLeast's cut: `as[i, i2)` and `bs[j, j2)` ordered by (time, seq), the
 * first `room` of them go: each list's going items first, then those that
 * stay, each in that order.
 */
function cutSecond<A, B>(as: CutList<A>, a: CutOrder<A>, i: number, i2: number, bs: CutList<B>, b: CutOrder<B>, j: number, j2: number, room: number): { goA: number; goB: number } {
  const countA = i2 - i;
  const count = countA + (j2 - j);
  if (order.length < count) {
    const size = Math.max(count, 2 * order.length);
    times = new Float64Array(size);
    seqs = new Float64Array(size);
    order = new Int32Array(size);
  }
  const t = times;
  const s = seqs;
  for (let k = 0; k < countA; k++) {
    const x = as[i + k]!;
    t[k] = a.timeOf(x);
    s[k] = a.seqOf(x);
    copyA[k] = x;
    order[k] = k;
  }
  for (let k = countA; k < count; k++) {
    const x = bs[j + k - countA]!;
    t[k] = b.timeOf(x);
    s[k] = b.seqOf(x);
    copyB[k - countA] = x;
    order[k] = k;
  }
  // Stable, as a sort of the items in this order (those of `as` first) would be.
  const sorted = order.subarray(0, count).sort((x, y) => {
    const d = t[x]! - t[y]!;
    return d < 0 ? -1 : d > 0 ? 1 : s[x]! - s[y]!;
  });
  let pa = i;
  let pb = j;
  let goA = i;
  let goB = j;
  for (let k = 0; k < count; k++) {
    if (k === room) {
      goA = pa;
      goB = pb;
    }
    const x = sorted[k]!;
    if (x < countA) as[pa++] = copyA[x] as A;
    else bs[pb++] = copyB[x - countA] as B;
  }
  if (room >= count) {
    goA = pa;
    goB = pb;
  }
  // Let the items go.
  copyA.fill(undefined, 0, countA);
  copyB.fill(undefined, 0, count - countA);
  return { goA, goB };
}
