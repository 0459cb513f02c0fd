/**
 * Eviction over two populations of one table (scan's key objects and the
 * rows of scan-sole-keys.ts): each index gives its own `n` least recently
 * active, and the `n` least of both go. Both lists come in ascending
 * second of their time (as `LeastRecentIndex.takeLeast` and
 * `ScanSoleKeys.takeLeast` give them, one second after another), so they
 * merge second by second in O(n); only the second where the cut falls is
 * sorted (by time, ties by `seq`, the table's order). Sorting all 2n
 * candidates every eviction of a tenth of 200,000 keys cost more than the
 * eviction itself.
 */

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
export function cutLeast<A, B>(as: A[], a: CutOrder<A>, bs: B[], b: CutOrder<B>, n: number): { goA: number; goB: number } {
  if (as.length === 0) {
    // One population only (a flood's sole rows): ordered in place, no object per item.
    if (n < bs.length) bs.sort((x, y) => b.timeOf(x) - b.timeOf(y) || b.seqOf(x) - b.seqOf(y));
    return { goA: 0, goB: Math.min(n, bs.length) };
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
    const group: { t: number; s: number; fromA: boolean; item: A | B }[] = [];
    for (let k = i; k < i2; k++) group.push({ t: a.timeOf(as[k]!), s: a.seqOf(as[k]!), fromA: true, item: as[k]! });
    for (let k = j; k < j2; k++) group.push({ t: b.timeOf(bs[k]!), s: b.seqOf(bs[k]!), fromA: false, item: bs[k]! });
    group.sort((x, y) => x.t - y.t || x.s - y.s);
    const goA: A[] = [];
    const stayA: A[] = [];
    const goB: B[] = [];
    const stayB: B[] = [];
    for (let k = 0; k < group.length; k++) {
      const g = group[k]!;
      if (g.fromA) (k < n - taken ? goA : stayA).push(g.item as A);
      else (k < n - taken ? goB : stayB).push(g.item as B);
    }
    let p = i;
    for (const x of goA) as[p++] = x;
    for (const x of stayA) as[p++] = x;
    p = j;
    for (const x of goB) bs[p++] = x;
    for (const x of stayB) bs[p++] = x;
    return { goA: i + goA.length, goB: j + goB.length };
  }
  return { goA: as.length, goB: bs.length };
}
