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
 *
 * Beside the index, a blocked Bloom filter of the ids (4 bits per index
 * slot, so at least 8 per sender; 3 bits set per id within one 64-byte block): a flow whose
 * host is not in the table reads one line of it and not the index. Most
 * flows to a busy key are such: on a 2M-line conn.log 1.45M of 1.9M
 * lookups were for a host not in a full table, each a cold probe of a
 * 4 KiB index; the filters of all tables are an eighth of their indexes'
 * size and answer all but ~3 % of those. (Nothing is removed, so the
 * filter never forgets an id.)
 */
const STRIDE = 4;

export class SenderTable {
  /** Row p at STRIDE·p: host id, packets, first flow start, last flow end; rows in first-seen order. */
  private readonly rows: number[] = [];
  count = 0;
  /** Per slot, by hashed id: the id at 2·slot and its position + 1 at 2·slot + 1 (0: empty); once there are more than 8 senders. */
  private index: Int32Array | null = null;
  /** 16-int (64-byte) blocks of filter bits, made (and remade) with the index; see above. */
  private filter: Int32Array | null = null;

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
    if (!this.mayHold(id)) return -1;
    const mask = (index.length >>> 1) - 1;
    for (let s = hashOf(id, mask); ; s = (s + 1) & mask) {
      const p = index[2 * s + 1]!;
      if (p === 0) return -1;
      if (index[2 * s] === id) return p - 1;
    }
  }

  /** Counts one more flow of row p's host: its packets, start and end. */
  note(p: number, pkts: number, firstTs: number, lastTs: number): void {
    const rows = this.rows;
    const at = STRIDE * p;
    rows[at + 1]! += pkts;
    if (firstTs < rows[at + 2]!) rows[at + 2] = firstTs;
    if (lastTs > rows[at + 3]!) rows[at + 3] = lastTs;
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
      return p;
    }
    this.filterAdd(id);
    if (2 * this.count > this.index.length >>> 1) this.reindex();
    else this.indexAt(p);
    return p;
  }

  private reindex(): void {
    // Slots at least twice the senders (a power of two): probes stay short.
    let slots = 32;
    while (slots < 2 * this.count) slots *= 2;
    this.index = new Int32Array(2 * slots);
    // Four filter bits per slot (at least 8 per sender), in whole 512-bit blocks.
    this.filter = new Int32Array(16 * Math.max(1, slots >>> 7));
    for (let p = 0; p < this.count; p++) {
      this.filterAdd(this.idAt(p));
      this.indexAt(p);
    }
  }

  /** Whether the id may be in the table (false: it is not); the filter exists. */
  private mayHold(id: number): boolean {
    const filter = this.filter!;
    const h = filterHashOf(id);
    const at = blockOf(id, filter.length >>> 4) << 4;
    return (
      (filter[at + ((h >>> 5) & 15)]! & (1 << (h & 31))) !== 0 &&
      (filter[at + ((h >>> 14) & 15)]! & (1 << ((h >>> 9) & 31))) !== 0 &&
      (filter[at + ((h >>> 23) & 15)]! & (1 << ((h >>> 18) & 31))) !== 0
    );
  }

  private filterAdd(id: number): void {
    const filter = this.filter!;
    const h = filterHashOf(id);
    const at = blockOf(id, filter.length >>> 4) << 4;
    filter[at + ((h >>> 5) & 15)]! |= 1 << (h & 31);
    filter[at + ((h >>> 14) & 15)]! |= 1 << ((h >>> 9) & 31);
    filter[at + ((h >>> 23) & 15)]! |= 1 << ((h >>> 18) & 31);
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

/** The filter's bits of an id: three 9-bit picks (a word of the block and a bit of it) from one mixed hash. */
function filterHashOf(id: number): number {
  let h = Math.imul(id ^ 0x5bd1e995, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The filter block of an id (`blocks` a power of two), from a hash independent of the bits'. */
function blockOf(id: number, blocks: number): number {
  const h = Math.imul(id, 0x27d4eb2f);
  return (h ^ (h >>> 15)) & (blocks - 1);
}
