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
 * Shape: as `LeastRecentIndex` (least-recent-index.ts), a bucket of rows
 * per second of last activity, listed when a row is added and again each
 * time its time moves to a later second (a row's time only grows), and a
 * small heap of the seconds that hold entries. An entry is stale once the
 * row left the table or its time left that second; stale entries are
 * skipped when their second is taken and swept out when they outnumber the
 * rows twice over. Unlike it, the order within a second is the caller's
 * comparator (the key order is two numbers, not one), and a bucket is
 * sorted only when it is taken (already sorted buckets, the usual case of
 * rows made in key order, are only checked).
 *
 * The index is kept only once the table first reaches its cap (`start`):
 * a run that never evicts pays nothing per record.
 */
import { popSec, pushSec } from './second-heap.js';

/** What the index needs to know of a table's rows. */
export interface ActivityRows<R> {
  /** The row's last activity (event time); it only grows while the row is in the table. */
  timeOf(row: R): number;
  /** Whether the row is still in the table. */
  isLive(row: R): boolean;
  /** Rows in the table. */
  size(): number;
  /** The table's order of rows (a total order), for ties in time. */
  order(a: R, b: R): number;
}

export class LeastActiveIndex<R> {
  private readonly buckets = new Map<number, R[]>();
  /** Min-heap of the seconds in `buckets`. */
  private secs: number[] = [];
  private entries = 0;
  private on = false;
  private readonly byTime: (a: R, b: R) => number;

  constructor(private readonly rows: ActivityRows<R>) {
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

  /** Lists a row added to the table (`prevTime` NaN) or whose time moved on from `prevTime`. */
  see(row: R, prevTime: number): void {
    if (!this.on) return;
    const sec = Math.floor(this.rows.timeOf(row));
    if (sec === Math.floor(prevTime)) return;
    const list = this.buckets.get(sec);
    if (list !== undefined) list.push(row);
    else {
      this.buckets.set(sec, [row]);
      pushSec(this.secs, sec);
    }
    if (++this.entries > 2 * this.rows.size() + 1024) this.sweep();
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

  clear(): void {
    this.buckets.clear();
    this.secs = [];
    this.entries = 0;
    this.on = false;
  }

  private isCurrent(row: R, sec: number): boolean {
    return Math.floor(this.rows.timeOf(row)) === sec && this.rows.isLive(row);
  }

  /** Drops stale entries: O(entries), amortised O(1) per `see`. A row is current in one second only, so no duplicates remain. */
  private sweep(): void {
    this.entries = 0;
    this.secs = [];
    for (const [sec, list] of this.buckets) {
      const live = list.filter((row) => this.isCurrent(row, sec));
      if (live.length === 0) {
        this.buckets.delete(sec);
        continue;
      }
      this.buckets.set(sec, live);
      this.entries += live.length;
      pushSec(this.secs, sec);
    }
  }
}

function isSorted<R>(list: readonly R[], order: (a: R, b: R) => number): boolean {
  for (let i = 1; i < list.length; i++) if (order(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}
