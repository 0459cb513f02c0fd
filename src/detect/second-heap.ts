/**
 * A binary min-heap of whole seconds in a plain number array: the bucket
 * seconds of the wake queues and eviction indexes (incident-table.ts,
 * first-sightings.ts, least-recent-index.ts), whose buckets are keyed by
 * second in a Map and taken earliest first. Push and pop are O(log n) with
 * no allocation beyond the array's growth.
 */

/** Adds `sec` to the heap `h`. */
export function pushSec(h: number[], sec: number): void {
  let i = h.length;
  h.push(sec);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= sec) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = sec;
}

/** Removes and returns the earliest second of the non-empty heap `h`. */
export function popSec(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && h[r]! < h[l]! ? r : l;
    if (h[c]! >= last) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
  return top;
}
