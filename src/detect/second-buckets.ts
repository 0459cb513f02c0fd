/**
 * The rows of a capped table listed by the second of their last activity:
 * the shared shape of the eviction indexes (least-recent-index.ts for scan
 * and scan.distributed, least-active.ts for rate.spike), which differ only
 * in how they take rows out.
 *
 * A row is listed in the bucket of its time's second when it is added and
 * again each time its time moves to a later second (a row's time only
 * grows). An entry is stale once the row left the table or its time left
 * that second; stale entries are skipped when their second is taken and
 * swept out when they outnumber the rows twice over. Only the seconds that
 * hold entries sit in a small heap of plain numbers (second-heap.ts).
 */
import { pushSec } from './second-heap.js';

/** What the buckets need to know of a table's rows. */
export interface TimedRows<R> {
  /** The row's last activity (event time); it only grows while the row is in the table. */
  timeOf(row: R): number;
  /** Whether the row is still in the table. */
  isLive(row: R): boolean;
  /** Rows in the table. */
  size(): number;
}

export class SecondBuckets<R> {
  protected readonly buckets = new Map<number, R[]>();
  /** Min-heap of the seconds in `buckets`. */
  protected secs: number[] = [];
  protected entries = 0;
  /**
   * The second last listed into and its list: rows move on in runs of one
   * second, so most `see`s skip the map lookup (which boxes a second past
   * 2^30 on every call). Trusted only while non-empty, as a subclass may
   * empty a list and drop it from the map; one that replaces a list calls
   * `forgetLast`.
   */
  private lastSec = Number.NaN;
  private lastList: R[] = [];

  constructor(protected readonly rows: TimedRows<R>) {}

  /** Lists a row added to the table (`prevTime` NaN) or whose time moved on from `prevTime`. */
  see(row: R, prevTime: number): void {
    const sec = Math.floor(this.rows.timeOf(row));
    if (sec === Math.floor(prevTime)) return;
    if (sec === this.lastSec && this.lastList.length > 0) this.lastList.push(row);
    else {
      let list = this.buckets.get(sec);
      if (list !== undefined) list.push(row);
      else {
        list = [row];
        this.buckets.set(sec, list);
        pushSec(this.secs, sec);
      }
      this.lastSec = sec;
      this.lastList = list;
    }
    if (++this.entries > 2 * this.rows.size() + 1024) this.sweep();
  }

  clear(): void {
    this.buckets.clear();
    this.forgetLast();
    this.secs = [];
    this.entries = 0;
  }

  /** The time first: it rules out most stale entries without a lookup in the table. */
  /** Forgets the last list (the caller replaced or dropped lists of `buckets`). */
  protected forgetLast(): void {
    this.lastSec = Number.NaN;
    this.lastList = [];
  }

  protected isCurrent(row: R, sec: number): boolean {
    return Math.floor(this.rows.timeOf(row)) === sec && this.rows.isLive(row);
  }

  /**
   * Drops stale entries: O(entries), amortised O(1) per `see`. A row is current in one second only, so no duplicates remain.
   * Each list is compacted in place and the map walked with forEach: a new array per list (filter), an
   * entry array per second (for...of) and a map store per second were 33 MB of allocation on
   * conn-realistic-2000000.log (`detector-cpu --detectors scan,scan.distributed --rounds 5`, this
   * against the filter: 0.919× on that log, 0.970× on conn-findings-heavy-2000000.log).
   */
  private sweep(): void {
    this.forgetLast();
    this.entries = 0;
    this.secs = [];
    this.buckets.forEach(this.sweepList, this);
  }

  /** sweep's step for the list of second `sec`: its current rows kept in order, the list dropped when none is. */
  private sweepList(list: R[], sec: number): void {
    let n = 0;
    for (let i = 0; i < list.length; i++) {
      const row = list[i]!;
      if (this.isCurrent(row, sec)) list[n++] = row;
    }
    if (n === 0) {
      this.buckets.delete(sec);
      return;
    }
    list.length = n;
    this.entries += n;
    pushSec(this.secs, sec);
  }
}
