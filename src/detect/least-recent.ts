/**
 * The `n` least recently active rows of a detector's table, for eviction
 * past a cap: the same rows as a stable sort of `rows` by time taking the
 * first `n` (ties go to the row that comes first in `rows`), found with one
 * sort of a Float64Array of the times (native, no comparator calls) and one
 * pass, instead of sorting the row objects. Returned in `rows` order.
 */
export function selectLeastRecent<R>(rows: readonly R[], n: number, timeOf: (row: R) => number): R[] {
  if (n <= 0) return [];
  if (n >= rows.length) return rows.slice();
  const times = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) times[i] = timeOf(rows[i] as R);
  times.sort();
  const cutoff = times[n - 1] as number;
  // Rows strictly before the cutoff all go; of those at it, the first ones in `rows` order fill the rest.
  let below = 0;
  while (below < n && (times[below] as number) < cutoff) below++;
  let atCutoff = n - below;
  const out: R[] = [];
  for (const row of rows) {
    const t = timeOf(row);
    if (t < cutoff) out.push(row);
    else if (t === cutoff && atCutoff > 0) {
      atCutoff--;
      out.push(row);
    }
  }
  return out;
}
