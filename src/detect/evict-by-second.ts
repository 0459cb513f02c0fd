/**
 * The eviction of scan and scan.distributed: their keys live in two stores,
 * key objects indexed by last activity (LeastRecentIndex) and keys seen
 * once as rows of ScanSoleKeys, and at the cap the `n` least recently
 * active over both go, ties by `seq`.
 *
 * 1. Both stores are taken a second at a time, earliest first, from both at
 *    once; a second wholly inside the `n` goes without being sorted.
 * 2. In the second where the cut falls the items are ordered by (time, seq)
 *    (cutLeast) and the rest of that second is listed again.
 * 3. An optional newcomer (a key in no store yet) stands in second 0 among
 *    the objects, after those of second 0; it is never handed to `dropObj`,
 *    and `newcomerKept` says whether it stayed.
 *
 * The lists it takes into are kept between evictions (no garbage).
 *
 * 4. Rows are dropped in runs of `DROP_AHEAD`, each run first handed to
 *    `touchRows` (when given): the detectors read their tables' slots and
 *    entries of the run in short loops, so the misses of a run are under
 *    way at once (a flood's rows at the cap are the oldest keys, cold).
 *    `detector-cpu --detectors scan,scan.distributed --rounds 5` on
 *    capture-per-packet-1000000.pcap: 0.920× of 07737da (5 of 5).
 */
import { type CutOrder, cutLeast } from './cut-least.js';
import type { LeastRecentIndex } from './least-recent-index.js';
import type { ScanSoleKeys } from './scan-sole-keys.js';

export class EvictBySecond<T> {
  /** After `run` with a newcomer: whether it is among those that stay. */
  newcomerKept = false;
  private readonly objs: T[] = [];

  constructor(
    private readonly recency: LeastRecentIndex<T>,
    private readonly sole: ScanSoleKeys<string | number>,
    private readonly order: CutOrder<T>,
    /** Objects that may go (those with an open incident stay). */
    private readonly isIdle: (item: T) => boolean,
    /** Called with each run of up to `DROP_AHEAD` rows before they are dropped (a read-ahead of what `dropRow` reads), if given. */
    private readonly touchRows: ((rows: Int32Array, from: number, to: number) => void) | null = null,
  ) {}

  /**
   * Takes up to `n`: `dropObj` for each object that goes, `dropRow` then
   * `sole.remove` for each row. Returns how many went (the newcomer counted
   * when it is one of them).
   */
  run(n: number, dropObj: (item: T) => void, dropRow: (r: number) => void, newcomer: T | null = null): number {
    const { recency, sole, objs } = this;
    // A view of `sole.taken`, the rows of the second at hand.
    let rows = NO_ROWS;
    let newPending = newcomer !== null;
    this.newcomerKept = false;
    let taken = 0;
    let goA = 0;
    let goB = 0;
    while (taken < n) {
      const secA = recency.nextSecond();
      const secB = sole.nextSecond();
      const sec = Math.min(secA, secB, newPending ? 0 : Number.POSITIVE_INFINITY);
      if (sec === Number.POSITIVE_INFINITY) break;
      objs.length = 0;
      rows = NO_ROWS;
      if (secA === sec) recency.takeSecond(this.isIdle, objs);
      if (newPending && sec === 0) {
        objs.push(newcomer as T);
        newPending = false;
      }
      if (secB === sec) {
        const count = sole.takeSecond();
        rows = sole.taken.subarray(0, count);
      }
      goA = objs.length;
      goB = rows.length;
      if (taken + goA + goB > n) ({ goA, goB } = cutLeast(objs, this.order, rows, sole.order, n - taken));
      for (let i = 0; i < goA; i++) if (objs[i] !== newcomer) dropObj(objs[i]!);
      const touchRows = this.touchRows;
      for (let i = 0; i < goB; i++) {
        if (touchRows !== null && i % DROP_AHEAD === 0) touchRows(rows, i, Math.min(goB, i + DROP_AHEAD));
        dropRow(rows[i]!);
        sole.remove(rows[i]!);
      }
      taken += goA + goB;
    }
    recency.endTake();
    // The rest of the second where the cut fell stays.
    for (let i = goA; i < objs.length; i++) {
      const o = objs[i]!;
      if (o === newcomer) this.newcomerKept = true;
      else recency.see(o, Number.NaN);
    }
    for (let i = goB; i < rows.length; i++) sole.relist(rows[i]!);
    objs.length = 0;
    return taken;
  }
}

const NO_ROWS = new Int32Array(0);
/** Rows per `touchRows` call. */
export const DROP_AHEAD = 256;
