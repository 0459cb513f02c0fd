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
 * Shape: a timer wheel of one-second buckets, as `WakeQueue` keeps
 * (incident-table.ts): a row is listed in the bucket of its time's second
 * when it is added and again each time its time moves to a later second
 * (a row's time only grows). An entry is stale once the row left the table
 * or its time left that second; stale entries are skipped when their second
 * is taken and swept out when they outnumber the rows twice over. Only the
 * seconds that hold entries sit in a small heap of plain numbers.
 */
import { popSec, pushSec } from './second-heap.js';

/** What the index needs to know of a table's rows. */
export interface RecencyRows<R> {
  /** The row's last activity (event time); it only grows while the row is in the table. */
  timeOf(row: R): number;
  /** The row's place in the table (insertion number): ties in time go to the earlier row. */
  orderOf(row: R): number;
  /** Whether the row is still in the table. */
  isLive(row: R): boolean;
  /** Rows in the table. */
  size(): number;
}

export class LeastRecentIndex<R> {
  private readonly buckets = new Map<number, R[]>();
  /** Min-heap of the seconds in `buckets`. */
  private secs: number[] = [];
  private entries = 0;
  private readonly byTime: (a: R, b: R) => number;

  constructor(private readonly rows: RecencyRows<R>) {
    this.byTime = (a, b) => rows.timeOf(a) - rows.timeOf(b) || rows.orderOf(a) - rows.orderOf(b);
  }

  /** Lists a row added to the table (`prevTime` NaN) or whose time moved on from `prevTime`. */
  see(row: R, prevTime: number): void {
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
   * The `n` least recently active rows for which `eligible` holds (all of
   * them when fewer), ties in table order; the caller takes them out of the
   * table. Ineligible rows stay listed.
   */
  takeLeast(n: number, eligible: (row: R) => boolean): R[] {
    const out: R[] = [];
    const kept: number[] = [];
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

  /** Lists `rows` afresh (a table restored from a snapshot), forgetting every entry. */
  rebuild(rows: Iterable<R>): void {
    this.clear();
    for (const row of rows) this.see(row, Number.NaN);
  }

  clear(): void {
    this.buckets.clear();
    this.secs = [];
    this.entries = 0;
  }

  /** The time first: it rules out most stale entries without a lookup in the table. */
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
