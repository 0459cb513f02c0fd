/**
 * The source hosts of one rate-spike key, for attribution: per host id its
 * packets and the first start and last end of its flows, in the order the
 * hosts were first seen, at most `capacity` hosts (later ones are not
 * counted).
 *
 * Typed arrays grown by doubling from 4 entries (most keys that get a table
 * see few senders); a host is found by a linear look over a few entries,
 * past 8 by an open-addressing index of the ids (rebuilt when the arrays
 * grow; nothing is ever removed). Each index slot holds the id next to its
 * position, so a probe reads one cache line, not the slot and then `ids`
 * (a key's table is cold when its next flow comes). O(1) per flow, no
 * allocation per flow.
 */
export class SenderTable {
  /** Host ids, in first-seen order. */
  ids: Int32Array = new Int32Array(4);
  pkts: Float64Array = new Float64Array(4);
  firstTs: Float64Array = new Float64Array(4);
  lastTs: Float64Array = new Float64Array(4);
  count = 0;
  /** Per slot, by hashed id: the id at 2·slot and its position + 1 at 2·slot + 1 (0: empty); once there are more than 8 senders. */
  private index: Int32Array | null = null;

  constructor(readonly capacity: number) {}

  /** The sender's position, or -1. */
  find(id: number): number {
    const index = this.index;
    if (index === null) {
      for (let i = 0; i < this.count; i++) if (this.ids[i] === id) return i;
      return -1;
    }
    const mask = (index.length >>> 1) - 1;
    for (let s = hashOf(id, mask); ; s = (s + 1) & mask) {
      const p = index[2 * s + 1]!;
      if (p === 0) return -1;
      if (index[2 * s] === id) return p - 1;
    }
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Adds a sender that is not in the table (the caller checked `full`); returns its position. */
  add(id: number, pkts: number, firstTs: number, lastTs: number): number {
    if (this.count === this.ids.length) this.grow();
    const p = this.count++;
    this.ids[p] = id;
    this.pkts[p] = pkts;
    this.firstTs[p] = firstTs;
    this.lastTs[p] = lastTs;
    if (this.index !== null) this.indexAt(p);
    else if (this.count > 8) this.reindex();
    return p;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const ids = new Int32Array(n);
    ids.set(this.ids);
    this.ids = ids;
    this.pkts = grown(this.pkts, n);
    this.firstTs = grown(this.firstTs, n);
    this.lastTs = grown(this.lastTs, n);
    if (this.index !== null) this.reindex();
  }

  private reindex(): void {
    this.index = new Int32Array(this.ids.length * 4);
    for (let p = 0; p < this.count; p++) this.indexAt(p);
  }

  private indexAt(p: number): void {
    const index = this.index!;
    const mask = (index.length >>> 1) - 1;
    const id = this.ids[p]!;
    let s = hashOf(id, mask);
    while (index[2 * s + 1] !== 0) s = (s + 1) & mask;
    index[2 * s] = id;
    index[2 * s + 1] = p + 1;
  }
}

function grown(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

function hashOf(id: number, mask: number): number {
  const h = Math.imul(id, 0x9e3779b1);
  return (h ^ (h >>> 16)) & mask;
}
