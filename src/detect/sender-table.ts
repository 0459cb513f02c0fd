/**
 * The source hosts of one rate-spike key, for attribution: per host id its
 * packets and the first start and last end of its flows, in the order the
 * hosts were first seen, at most `capacity` hosts (later ones are not
 * counted).
 *
 * One plain array of rows (id, packets, first start, last end; V8 holds
 * its numbers unboxed): a flow's update touches one row, one cache line,
 * where four parallel typed arrays cost four array objects and four lines
 * (the table of a busy key is cold when its next flow comes; this update
 * was 5% of analyze on a 2M-line conn.log). Not a Float64Array: typed
 * arrays past 64 bytes keep their memory off the heap, costly to make per
 * key. A host is found by a linear look over a few rows, past 8 by an
 * open-addressing index of the ids, at most half full (rebuilt twice as
 * large when it would not be; nothing is ever removed). Each index slot holds the id next to
 * its position, so a probe reads one cache line. O(1) per flow, no
 * allocation per flow.
 */
const STRIDE = 4;

/** What `noteFlow` and `addFlow` read of a flow record. */
export interface FlowSpan {
  readonly ts: number;
  readonly duration: number | null;
  readonly origPkts: number;
}

export class SenderTable {
  /** Row p at STRIDE·p: host id, packets, first flow start, last flow end; rows in first-seen order. */
  private readonly rows: number[] = [];
  count = 0;
  /** Per slot, by hashed id: the id at 2·slot and its position + 1 at 2·slot + 1 (0: empty); once there are more than 8 senders. */
  private index: Int32Array | null = null;

  constructor(readonly capacity: number) {}

  /** The host id of row p (p < count). */
  idAt(p: number): number {
    return this.rows[STRIDE * p]!;
  }

  pktsAt(p: number): number {
    return this.rows[STRIDE * p + 1]!;
  }

  firstTsAt(p: number): number {
    return this.rows[STRIDE * p + 2]!;
  }

  lastTsAt(p: number): number {
    return this.rows[STRIDE * p + 3]!;
  }

  /** The sender's position, or -1. */
  find(id: number): number {
    const index = this.index;
    if (index === null) {
      const rows = this.rows;
      for (let i = 0; i < this.count; i++) if (rows[STRIDE * i] === id) return i;
      return -1;
    }
    const mask = (index.length >>> 1) - 1;
    for (let s = hashOf(id, mask); ; s = (s + 1) & mask) {
      const p = index[2 * s + 1]!;
      if (p === 0) return -1;
      if (index[2 * s] === id) return p - 1;
    }
  }

  /**
   * Counts one more flow of row p's host: its originator's packets, its start and its end (start +
   * duration). Takes the record, not its times: doubles passed to a call that is not inlined are boxed,
   * one heap number each.
   */
  noteFlow(p: number, f: FlowSpan): void {
    const rows = this.rows;
    const at = STRIDE * p;
    const firstTs = f.ts;
    const lastTs = firstTs + (f.duration ?? 0);
    rows[at + 1]! += f.origPkts;
    if (firstTs < rows[at + 2]!) rows[at + 2] = firstTs;
    if (lastTs > rows[at + 3]!) rows[at + 3] = lastTs;
  }

  /** `add` for a flow's packets, start and end (see noteFlow); returns its position. */
  addFlow(id: number, f: FlowSpan): number {
    return this.add(id, 0 + f.origPkts, f.ts, f.ts + (f.duration ?? 0));
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Adds a sender that is not in the table (the caller checked `full`); returns its position. */
  add(id: number, pkts: number, firstTs: number, lastTs: number): number {
    const p = this.count++;
    this.rows.push(id, pkts, firstTs, lastTs);
    if (this.index === null) {
      if (this.count > 8) this.reindex();
    } else if (2 * this.count > this.index.length >>> 1) this.reindex();
    else this.indexAt(p);
    return p;
  }

  private reindex(): void {
    // Slots at least twice the senders (a power of two): probes stay short.
    let slots = 32;
    while (slots < 2 * this.count) slots *= 2;
    this.index = new Int32Array(2 * slots);
    for (let p = 0; p < this.count; p++) this.indexAt(p);
  }

  private indexAt(p: number): void {
    const index = this.index!;
    const mask = (index.length >>> 1) - 1;
    const id = this.idAt(p);
    let s = hashOf(id, mask);
    while (index[2 * s + 1] !== 0) s = (s + 1) & mask;
    index[2 * s] = id;
    index[2 * s + 1] = p + 1;
  }
}

function hashOf(id: number, mask: number): number {
  const h = Math.imul(id, 0x9e3779b1);
  return (h ^ (h >>> 16)) & mask;
}
