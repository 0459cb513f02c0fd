/**
 * The `n` rows that come first in the order (time, then `tieOrder`), in
 * that order: what sorting all the rows and taking the first `n` gives, at
 * the cost of one native sort of a Float64Array of the times (no
 * comparator calls over all rows) plus a comparator sort of the `n` chosen.
 * For eviction past a cap, where `n` is a tenth of the rows: O(rows) plus
 * O(n log n), instead of sorting every row object.
 */
export function selectLeastActive<R>(rows: readonly R[], n: number, timeOf: (row: R) => number, tieOrder: (a: R, b: R) => number): R[] {
  if (n <= 0) return [];
  const byTime = (a: R, b: R): number => timeOf(a) - timeOf(b) || tieOrder(a, b);
  if (n >= rows.length) return rows.slice().sort(byTime);
  const times = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) times[i] = timeOf(rows[i] as R);
  times.sort();
  const cutoff = times[n - 1] as number;
  // Every row before the cutoff goes; of the rows at it, the first in tieOrder fill the rest.
  const out: R[] = [];
  const atCutoff: R[] = [];
  for (const row of rows) {
    const t = timeOf(row);
    if (t < cutoff) out.push(row);
    else if (t === cutoff) atCutoff.push(row);
  }
  atCutoff.sort(tieOrder);
  for (let i = 0; out.length < n; i++) out.push(atCutoff[i] as R);
  return out.sort(byTime);
}
