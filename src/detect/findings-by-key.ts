/**
 * Findings put back in the order of the keys that made them, when a
 * detector walks its keys in whatever order it holds them (a wake-up
 * queue's, a hash table's) instead of sorting every key first: only the
 * keys that reported are sorted, usually none or one.
 */
import type { Finding } from '../types.js';

/** The findings `out[from..to)` were made by `key`. */
export interface KeyFindings<K> {
  key: K;
  from: number;
  to: number;
}

/**
 * Reorders `out` from the first group's `from`: the groups (contiguous,
 * in the order they were made, together covering the rest of `out`) by
 * `order` of their keys, each group's findings kept in their order.
 */
export function sortFindingsByKey<K>(out: Finding[], groups: KeyFindings<K>[], order: (a: K, b: K) => number): void {
  const start = groups[0]!.from;
  const made = out.slice(start);
  groups.sort((a, b) => order(a.key, b.key));
  let j = start;
  for (const g of groups) for (let i = g.from; i < g.to; i++) out[j++] = made[i - start]!;
}
