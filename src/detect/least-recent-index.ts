/**
 * The rows of a capped detector table by the second of their last activity,
 * so that eviction past the cap takes the least recently active rows from
 * the oldest seconds: the cost of an eviction is the rows it takes and the
 * stale or ineligible entries it passes, not a walk and a sort of the whole
 * table (a spoofed flood evicts a tenth of 200,000 keys every 20,000 new
 * keys; walking all of them each time was a sixth of analyze's CPU).
 *
 * It picks exactly the rows `selectLeastRecent` picks from the table's
 * eligible rows: a stable sort by time in table order, the first `n`.
 *
 * Shape: one-second buckets (second-buckets.ts), a timer wheel as
 * `WakeQueue` keeps (incident-table.ts); ties in a second go to the earlier
 * row in the table.
 */
import { type TimedRows, SecondBuckets } from './second-buckets.js';
import { popSec, pushSec } from './second-heap.js';

/** What the index needs to know of a table's rows. */
export interface RecencyRows<R> extends TimedRows<R> {
  /** The row's place in the table (insertion number): ties in time go to the earlier row. */
  orderOf(row: R): number;
}

export class LeastRecentIndex<R> extends SecondBuckets<R> {
  private readonly byTime: (a: R, b: R) => number;
  /** Seconds `takeSecond` passed over with rows left listed in them, listed again by `endTake`. */
  private readonly passed: number[] = [];

  constructor(rows: RecencyRows<R>) {
    super(rows);
    this.byTime = (a, b) => rows.timeOf(a) - rows.timeOf(b) || rows.orderOf(a) - rows.orderOf(b);
  }

  /**
   * The `n` least recently active rows for which `eligible` holds (all of
   * them when fewer), ties in table order; the caller takes them out of the
   * table. Ineligible rows stay listed.
   */
  takeLeast(n: number, eligible: (row: R) => boolean): R[] {
    const out: R[] = [];
    const kept: number[] = [];
    // Lists are replaced below.
    this.forgetLast();
    while (out.length < n && this.secs.length > 0) {
      const sec = popSec(this.secs);
      const list = this.buckets.get(sec)!;
      const keep: R[] = [];
      const take: R[] = [];
      for (const row of list) {
        if (!this.isCurrent(row, sec)) continue;
        if (eligible(row)) take.push(row);
        else keep.push(row);
      }
      const room = n - out.length;
      // The second where the cut falls: its earliest rows go, the rest stay listed.
      if (take.length > room) take.sort(this.byTime);
      for (let i = 0; i < take.length; i++) {
        if (i < room) out.push(take[i]!);
        else keep.push(take[i]!);
      }
      this.entries -= list.length - keep.length;
      if (keep.length > 0) {
        this.buckets.set(sec, keep);
        kept.push(sec);
      } else this.buckets.delete(sec);
    }
    for (const sec of kept) pushSec(this.secs, sec);
    return out;
  }

  /**
   * The earliest second with rows listed that this take has not passed
   * (Infinity when none): where `takeSecond` takes next. A take of seconds,
   * one after another, ends with `endTake`.
   */
  nextSecond(): number {
    return this.secs.length > 0 ? this.secs[0]! : Number.POSITIVE_INFINITY;
  }

  /**
   * Takes the rows of the second `nextSecond` gives for which `eligible`
   * holds into `out`, in no particular order; the caller takes them out of
   * the table, or lists those that stay again with `see(row, NaN)`.
   * Ineligible rows stay listed.
   */
  takeSecond(eligible: (row: R) => boolean, out: R[]): void {
    this.forgetLast();
    const sec = popSec(this.secs);
    const list = this.buckets.get(sec)!;
    const listed = list.length;
    let w = 0;
    for (let i = 0; i < listed; i++) {
      const row = list[i]!;
      if (!this.isCurrent(row, sec)) continue;
      if (eligible(row)) out.push(row);
      else list[w++] = row;
    }
    list.length = w;
    this.entries -= listed - w;
    if (w > 0) this.passed.push(sec);
    else this.buckets.delete(sec);
  }

  override clear(): void {
    super.clear();
    this.passed.length = 0;
  }

  /** Ends a take: the seconds it passed over keep their place (list rows that stay only after it). */
  endTake(): void {
    for (let i = 0; i < this.passed.length; i++) pushSec(this.secs, this.passed[i]!);
    this.passed.length = 0;
  }

  /** Lists `rows` afresh (a table restored from a snapshot), forgetting every entry. */
  rebuild(rows: Iterable<R>): void {
    this.clear();
    for (const row of rows) this.see(row, Number.NaN);
  }
}
