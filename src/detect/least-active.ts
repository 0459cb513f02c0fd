/**
 * The rows of a capped table by their last active second, so that eviction
 * past the cap takes the least recently active rows, ties in the table's
 * key order, without walking the table: the rate-spike detector evicts a
 * tenth of its 200,000 keys every 20,000 new keys under a spoofed flood,
 * and selecting them from all keys each time was a sixth of analyze's CPU.
 *
 * It gives exactly what sorting every row but the one kept by (time, key
 * order) and taking the first `n` gives, in that order.
 *
 * Shape: one-second buckets (second-buckets.ts), as `LeastRecentIndex`
 * (least-recent-index.ts) keeps. Unlike it, the order within a second is
 * the caller's comparator (the key order is two numbers, not one), and a
 * bucket is sorted only when it is taken (already sorted buckets, the usual
 * case of rows made in key order, are only checked).
 *
 * The index is kept only once the table first reaches its cap (`start`):
 * a run that never evicts pays nothing per record.
 */
import { type TimedRows, SecondBuckets } from './second-buckets.js';
import { popSec, pushSec } from './second-heap.js';

/** What the index needs to know of a table's rows. */
export interface ActivityRows<R> extends TimedRows<R> {
  /** The table's order of rows (a total order), for ties in time. */
  order(a: R, b: R): number;
}

export class LeastActiveIndex<R> extends SecondBuckets<R> {
  private on = false;
  private readonly byTime: (a: R, b: R) => number;

  constructor(rows: ActivityRows<R>) {
    super(rows);
    this.byTime = (a, b) => rows.timeOf(a) - rows.timeOf(b) || rows.order(a, b);
  }

  /** Whether rows are being listed (`see` is a no-op before `start`). */
  get started(): boolean {
    return this.on;
  }

  /** Lists every row of the table and keeps listing them from now on. */
  start(rows: Iterable<R>): void {
    this.clear();
    this.on = true;
    for (const row of rows) this.see(row, Number.NaN);
  }

  /** Lists a row added to the table (`prevTime` NaN) or whose time moved on from `prevTime`; nothing before `start`. */
  override see(row: R, prevTime: number): void {
    if (this.on) super.see(row, prevTime);
  }

  /**
   * The `n` least recently active rows other than `keep` (all of them when
   * fewer), least recent first, ties in the table's order; the caller takes
   * them out of the table. `keep` stays listed.
   */
  takeLeast(n: number, keep: R): R[] {
    const out: R[] = [];
    let keptSec = Number.NaN;
    while (out.length < n && this.secs.length > 0) {
      const sec = popSec(this.secs);
      const list = this.buckets.get(sec)!;
      const listed = list.length;
      let w = 0;
      let kept = false;
      for (let i = 0; i < listed; i++) {
        const row = list[i]!;
        if (!this.isCurrent(row, sec)) continue;
        if (row === keep) kept = true;
        else list[w++] = row;
      }
      list.length = w;
      if (!isSorted(list, this.byTime)) list.sort(this.byTime);
      // A row listed twice in its second (see dropRepeats) is taken once.
      w = dropRepeats(list);
      const take = Math.min(n - out.length, w);
      for (let i = 0; i < take; i++) out.push(list[i]!);
      // The second where the cut falls keeps its later rows listed, and `keep` stays.
      if (take < w) list.splice(0, take);
      else list.length = 0;
      if (kept) list.push(keep);
      this.entries -= listed - list.length;
      if (list.length === 0) this.buckets.delete(sec);
      else if (take < w) pushSec(this.secs, sec);
      else keptSec = sec;
    }
    if (!Number.isNaN(keptSec)) pushSec(this.secs, keptSec);
    return out;
  }

  override clear(): void {
    super.clear();
    this.on = false;
  }
}

/**
 * Drops repeated entries from a list in order (a repeat sorts next to its row: the order is total),
 * leaving its length at the count kept; returns that count. A table whose rows are numbers it
 * reuses (rate.spike's rows of tick-key-rows.ts) may have a freed row's stale entry pass for the
 * new tenant's, in the second the tenant is listed in.
 */
function dropRepeats<R>(list: R[]): number {
  let w = list.length === 0 ? 0 : 1;
  for (let i = 1; i < list.length; i++) if (list[i] !== list[w - 1]) list[w++] = list[i]!;
  list.length = w;
  return w;
}

function isSorted<R>(list: readonly R[], order: (a: R, b: R) => number): boolean {
  for (let i = 1; i < list.length; i++) if (order(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}
