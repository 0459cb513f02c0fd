/**
 * The rate-spike keys that have only received a few packet ticks, or a few
 * small flows, as rows of typed arrays instead of key objects (see `rows`
 * in rate-spike-detector.ts for when a key is held here and how it becomes
 * a full key again).
 *
 * On a capture nearly every key is a client's ephemeral port receiving the
 * replies of one connection: on the realistic 1.1M-packet capture 113,305
 * of 116,126 keys got ticks and never a flow, one to three ticks each, and
 * none reached the 100 packets an incident needs. On a log of scans nearly
 * every key is one port getting one small flow (the findings-heavy 2M-line
 * conn.log: 2M keys, one flow each, 8.6 packets on average). As objects
 * they were ~30 fields, a pending-seconds series, a wake-queue entry and a
 * retained string each, all promoted to the old generation and copied by
 * the scavenger; as rows they are a few numbers in arrays the collector
 * does not scan. A row holds ticks or flows, not both (`hasTicks`).
 *
 * A row holds what such a key's object would hold that is not a constant
 * (its level, baseline and incident fields are still their initial values:
 * nothing was ever finalized on it): its identity and order (host id,
 * port·proto, seq, hostSeq), its seconds (first, last active, frontier),
 * its packet, flow-packet and client-side counts, the passes replayed
 * (`syncPass`), its idle wake time and its records (at most ROW_TICKS, in
 * arrival order, each its first second, seconds and packets, so that the
 * series they stand for is rebuilt by the same additions).
 *
 * Idle wake-ups: rows by wake second in one-second buckets (an int list per
 * second, the seconds in a small heap), each row listed once, at the second
 * in `wakeSec` (a row's entry is stale when that no longer matches).
 *
 * Freed rows are handed out again in ascending order (see sortFree): on the
 * one-flow-per-packet capture (1.33M rows made, 1.15M freed by evictions of
 * 20,000 in key order) the last-freed-first stack gave rows scattered over
 * the freed set, each new row a cache line per array. `node
 * scripts/detector-cpu.mjs --ref 515f93e --detectors rate.spike` on
 * capture-per-packet-1000000.pcap: 0.934× over 8 rounds (6 lower), 0.998×
 * over 6 (3 lower) in a busier moment; the 14 rounds' median ratio 0.953.
 * Tried with it, no gain measured: the same order for freed host ids
 * (host-ids.ts), a last-second list in wakeAt, and the eviction index's sort
 * by key order alone (least-active.ts).
 */
import { popSec, pushSec } from './second-heap.js';
import { grownFloat64, grownInt32, grownUint8 } from '../util/grown-array.js';

/** Ticks a row holds; a key with more becomes a full key. */
export const ROW_TICKS = 3;

const INITIAL_ROWS = 1024;

/**
 * Rows freed, and a quarter of the free stack, before it is put in order again (see sortFree): an
 * eviction frees thousands at once; rows freed one by one sort O(log n) each, amortised.
 */
const SORT_FREED = 256;

/** The flag of a row of flows in its record count. */
const FLOW_ROW = 0x80;

export class TickKeyRows {
  hostId = new Int32Array(INITIAL_ROWS);
  portProto = new Int32Array(INITIAL_ROWS);
  seq = new Float64Array(INITIAL_ROWS);
  hostSeq = new Float64Array(INITIAL_ROWS);
  firstSec = new Float64Array(INITIAL_ROWS);
  lastActivitySec = new Float64Array(INITIAL_ROWS);
  frontier = new Float64Array(INITIAL_ROWS);
  ratePkts = new Float64Array(INITIAL_ROWS);
  clientSidePkts = new Float64Array(INITIAL_ROWS);
  syncPass = new Float64Array(INITIAL_ROWS);
  /** The idle wake time (the key's `wakeTs` in the detector's queue). */
  wakeTs = new Float64Array(INITIAL_ROWS);
  /** The second of the row's live entry in the idle buckets (NaN: none). */
  private wakeSec = new Float64Array(INITIAL_ROWS);
  /**
   * The key's flow packets (its `flowPkts`; read with flowPktsOf): a row of flows' flows, or the flows
   * a row of ticks was sent (which count nothing else on a key of ticks). Made with the first (flowSecs
   * with the first row of flows): a capture of replies has next to none, and growing arrays it does
   * not use cost it time.
   */
  private flowPkts = new Float64Array(0);
  /**
   * The number of records held, with FLOW_ROW set for a row of flows: the kind in the byte a tick reads
   * anyway (a separate array of kinds cost a tick a cache line more: rate.spike 1.1x on the realistic capture).
   */
  private counts = new Uint8Array(INITIAL_ROWS);
  /** Row r's records at [r × ROW_TICKS, r × ROW_TICKS + recordCount(r)): first second and packets (a tick: over one second). */
  tickSec = new Float64Array(INITIAL_ROWS * ROW_TICKS);
  tickPkts = new Float64Array(INITIAL_ROWS * ROW_TICKS);
  /** A flow's seconds, beside its tickSec and tickPkts (not written for a tick). */
  flowSecs = new Float64Array(0);

  private capacity = INITIAL_ROWS;
  /** Rows [0, used) have been handed out; the freed ones are in `freeRows`. */
  private used = 0;
  /**
   * Freed rows, a stack: taken from its top ([freeTop - 1]). Kept in descending row order (see
   * sortFree) so that new rows are handed out in ascending order, next to each other.
   */
  private freeRows = new Int32Array(INITIAL_ROWS);
  private freeTop = 0;
  /** Rows freed since the stack was last put in order (they sit on its top). */
  private unsorted = 0;
  private live = 0;
  private readonly buckets = new Map<number, number[]>();
  private secs: number[] = [];

  /** Rows held. */
  get size(): number {
    return this.live;
  }

  /** A new row for ticks or for flows (its fields to be set by the caller; no records, not in the idle buckets). */
  alloc(flows: boolean): number {
    let r: number;
    if (this.freeTop > 0) {
      if (this.unsorted >= SORT_FREED && 4 * this.unsorted >= this.freeTop) this.sortFree();
      r = this.freeRows[--this.freeTop]!;
      if (this.unsorted > 0) this.unsorted--;
    } else {
      if (this.used === this.capacity) this.grow();
      r = this.used++;
    }
    this.live++;
    if (flows && this.flowSecs.length === 0) this.flowSecs = new Float64Array(this.capacity * ROW_TICKS);
    if (this.flowPkts.length > 0) this.flowPkts[r] = 0;
    this.counts[r] = flows ? FLOW_ROW : 0;
    this.wakeSec[r] = Number.NaN;
    return r;
  }

  /** Frees a row (its host id becomes -1; its idle entry goes stale). */
  free(r: number): void {
    this.hostId[r] = -1;
    this.wakeSec[r] = Number.NaN;
    if (this.freeTop === this.freeRows.length) this.freeRows = grownInt32(this.freeRows, 2 * this.freeRows.length);
    this.freeRows[this.freeTop++] = r;
    this.unsorted++;
    this.live--;
  }

  /**
   * Puts the freed rows in descending order, so that the rows handed out next are in ascending order:
   * a row's numbers sit in some fifteen arrays, and rows freed by an eviction come in key order, which
   * handed out next to each other touched a cache line per array per row.
   */
  private sortFree(): void {
    const top = this.freeRows.subarray(0, this.freeTop);
    top.sort();
    top.reverse();
    this.unsorted = 0;
  }

  /** The row's flow packets (0 while no row has had any). */
  flowPktsOf(r: number): number {
    return this.flowPkts.length > 0 ? this.flowPkts[r]! : 0;
  }

  /** Sets the row's flow packets. */
  setFlowPkts(r: number, pkts: number): void {
    if (this.flowPkts.length === 0) this.flowPkts = new Float64Array(this.capacity);
    this.flowPkts[r] = pkts;
  }

  /** Whether the row holds flows (else ticks). */
  holdsFlows(r: number): boolean {
    return (this.counts[r]! & FLOW_ROW) !== 0;
  }

  /** Records held (at most ROW_TICKS). */
  recordCount(r: number): number {
    return this.counts[r]! & ~FLOW_ROW;
  }

  /** Adds a tick to a row of ticks with fewer than ROW_TICKS records. */
  addTick(r: number, sec: number, pkts: number): void {
    const i = r * ROW_TICKS + this.counts[r]!++;
    this.tickSec[i] = sec;
    this.tickPkts[i] = pkts;
  }

  /** Adds a flow, `pkts` packets over `secs` seconds from `sec`, to a row of flows with fewer than ROW_TICKS records. */
  addFlow(r: number, sec: number, secs: number, pkts: number): void {
    const i = r * ROW_TICKS + (this.counts[r]!++ & ~FLOW_ROW);
    this.tickSec[i] = sec;
    this.tickPkts[i] = pkts;
    this.flowSecs[i] = secs;
  }

  /** Lists the row for an idle wake-up at `wakeTs` (its previous entry, if any, goes stale). */
  wakeAt(r: number, wakeTs: number): void {
    this.wakeTs[r] = wakeTs;
    const sec = Math.floor(wakeTs);
    this.wakeSec[r] = sec;
    const list = this.buckets.get(sec);
    if (list !== undefined) list.push(r);
    else {
      this.buckets.set(sec, [r]);
      pushSec(this.secs, sec);
    }
  }

  /** The live rows whose wake time is at or before `bound`, taken out of the buckets (wake them again with wakeAt). */
  takeDue(bound: number): number[] {
    const due: number[] = [];
    const secs = this.secs;
    while (secs.length > 0 && secs[0]! <= bound) {
      const sec = popSec(secs);
      const list = this.buckets.get(sec)!;
      this.buckets.delete(sec);
      let keep: number[] | null = null;
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!;
        if (this.wakeSec[r] !== sec) continue;
        if (this.wakeTs[r]! > bound) {
          keep ??= [];
          keep.push(r);
        } else {
          this.wakeSec[r] = Number.NaN;
          due.push(r);
        }
      }
      if (keep !== null) {
        // `bound` is inside this second: its later rows wait.
        this.buckets.set(sec, keep);
        pushSec(secs, sec);
        break;
      }
    }
    return due;
  }

  /** Every live row, in row order. */
  rows(): number[] {
    const out: number[] = [];
    for (let r = 0; r < this.used; r++) if (this.hostId[r]! >= 0) out.push(r);
    return out;
  }

  /** Forgets every row and gives the arrays back (the end of a time line, a restore). */
  clear(): void {
    this.used = 0;
    this.live = 0;
    this.freeTop = 0;
    this.unsorted = 0;
    if (this.freeRows.length > INITIAL_ROWS) this.freeRows = new Int32Array(INITIAL_ROWS);
    this.buckets.clear();
    this.secs = [];
    if (this.capacity > INITIAL_ROWS) this.resize(INITIAL_ROWS);
  }

  private grow(): void {
    this.resize(this.capacity * 2);
  }

  /** Copies the arrays to `n` rows (the rows handed out must fit). */
  private resize(n: number): void {
    this.hostId = grownInt32(this.hostId, n);
    this.portProto = grownInt32(this.portProto, n);
    this.seq = grownFloat64(this.seq, n);
    this.hostSeq = grownFloat64(this.hostSeq, n);
    this.firstSec = grownFloat64(this.firstSec, n);
    this.lastActivitySec = grownFloat64(this.lastActivitySec, n);
    this.frontier = grownFloat64(this.frontier, n);
    this.ratePkts = grownFloat64(this.ratePkts, n);
    this.clientSidePkts = grownFloat64(this.clientSidePkts, n);
    this.syncPass = grownFloat64(this.syncPass, n);
    this.wakeTs = grownFloat64(this.wakeTs, n);
    this.wakeSec = grownFloat64(this.wakeSec, n);
    if (this.flowPkts.length > 0) this.flowPkts = grownFloat64(this.flowPkts, n);
    if (this.flowSecs.length > 0) this.flowSecs = grownFloat64(this.flowSecs, n * ROW_TICKS);
    this.counts = grownUint8(this.counts, n);
    this.tickSec = grownFloat64(this.tickSec, n * ROW_TICKS);
    this.tickPkts = grownFloat64(this.tickPkts, n * ROW_TICKS);
    this.capacity = n;
  }
}

