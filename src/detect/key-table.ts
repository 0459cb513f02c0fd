/**
 * A map from ids of one or two parts (strings or numbers) to values, for a
 * detector's capped key table, by open addressing over typed arrays: a
 * slot array of entry numbers, each beside its id's hash, probed linearly
 * from the hash (computed once by the caller: `hashOfName`, `hashOfId`,
 * `hashOfPair`; a probe compares hashes in the slot array before it looks
 * at an entry), an entry's id parts, value and insertion number side by
 * side in one array (one cache line per entry looked at), removal by
 * backward shift (no tombstones). A spoofed flood adds and, at the cap, drops two scan keys
 * per record: a `Map` of 200,000 string keys took about a microsecond per
 * add and drop on the bench machine, this about a third.
 *
 * Two-part ids (scan's source and target set) need no string joined from
 * their parts: the parts are compared one by one.
 *
 * Insertion order is kept as an insertion number per entry (`inOrder`
 * sorts by it): the table is walked in order only for a snapshot.
 */
import { hashOfName } from './scan-sources.js';

export { hashOfName };

/**
 * The hash of a string id (`hashOfName`; `v4`: its number as a record carries it, when it is an
 * address) or of a number id (an integer, as `KeyTable` wants).
 */
export function hashOfId(id: string | number, v4?: number): number {
  return typeof id === 'number' ? Math.imul(id | 0, 0x9e3779b1) >>> 2 : hashOfName(id, v4);
}

/** The hash of a two-part id from the hashes of its parts (`hashOfId` of each). */
export function hashOfPair(ha: number, hb: number): number {
  let x = Math.imul(ha, 0x9e3779b1) ^ hb;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return x & 0x3fffffff;
}

const EMPTY = -1;

/** Records per `touchAll` call of a detector's read-ahead (scan, scan.distributed). */
export const TOUCH_AHEAD = 256;
/** Keys held from which a detector reads its table ahead (a smaller table stays in the cache). */
export const TOUCH_MIN_KEYS = 16384;
/** Cells per entry: the id's two parts, then the value and the insertion number. */
const CELLS = 4;
const VAL = 2;
const INS = 3;

/**
 * `A`, `B`: the id's parts (strings, or numbers too where a part is made of
 * numbers); a table of one-part ids gives every id the same second part.
 */
export class KeyTable<V, A extends string | number = string, B extends string | number = number> {
  /** Per slot: the entry number (EMPTY when free), then its id's hash; slots are a power of two at least twice the entries. */
  private slots: Int32Array;
  private mask: number;
  /** Per entry, `CELLS` cells: the id's parts, the value and the insertion number (a value replaced keeps it). */
  private cells: unknown[] = [];
  private free: number[] = [];
  private count = 0;
  private nextIns = 0;
  /** The entries `touchAll` found, and what it read. */
  private ahead = new Int32Array(0);
  touched = 0;
  /** Entries the last `touchAll` found. */
  aheadCount = 0;

  constructor(expected = 1024) {
    let n = 16;
    while (n < 2 * expected) n <<= 1;
    this.slots = new Int32Array(2 * n).fill(EMPTY);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value under id (`a`, `b`) (`h`: its hash). */
  get(a: A, b: B, h: number): V | undefined {
    const e = this.entryOf(a, b, h);
    return e === EMPTY ? undefined : (this.cells[e * CELLS + VAL] as V);
  }

  /** Sets the value under id (`a`, `b`): a new id goes last in insertion order, a held one keeps its place. */
  set(a: A, b: B, h: number, v: V): void {
    const e = this.entryOf(a, b, h);
    if (e !== EMPTY) {
      this.cells[e * CELLS + VAL] = v;
      return;
    }
    this.add(a, b, h, v);
  }

  /**
   * Adds id (`a`, `b`), which the caller knows is not held, last in
   * insertion order; returns its entry number (`replaceAt`, `deleteAt`),
   * which stays the id's until it is removed.
   */
  add(a: A, b: B, h: number, v: V): number {
    if (2 * (this.count + 1) > this.mask + 1) this.grow();
    const cells = this.cells;
    const n = this.free.length > 0 ? this.free.pop()! : cells.length / CELLS;
    const c = n * CELLS;
    cells[c] = a;
    cells[c + 1] = b;
    cells[c + VAL] = v;
    cells[c + INS] = this.nextIns++;
    this.count++;
    this.place(n, h);
    return n;
  }

  /** Replaces the value of the held entry `e` (as `add` returned it); it keeps its place in insertion order. */
  replaceAt(e: number, v: V): void {
    this.cells[e * CELLS + VAL] = v;
  }

  /** Removes id (`a`, `b`); false when it was not held. */
  delete(a: A, b: B, h: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[2 * i]!;
      if (e === EMPTY) return false;
      if (slots[2 * i + 1] === h && this.cells[e * CELLS] === a && this.cells[e * CELLS + 1] === b) {
        this.removeAt(i, e);
        return true;
      }
    }
  }

  /**
   * Removes the held entry `e` (as `add` returned it; `h`: its id's hash).
   * Its slot is found by entry number alone: the probe reads only the slot
   * array, not the entries' ids (a flood's scan keys seen once are dropped
   * by the million, and their rows keep the entry).
   */
  deleteAt(e: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (let s = slots[2 * i]!; s !== e; s = slots[2 * i]!) {
      // An entry not held under `h` would otherwise be probed for forever.
      if (s === EMPTY) throw new Error(`KeyTable.deleteAt: entry ${e} is not held under hash ${h}`);
      i = (i + 1) & mask;
    }
    this.removeAt(i, e);
  }

  /** Frees entry `e`, in slot `i`. */
  private removeAt(i: number, e: number): void {
    const slots = this.slots;
    const mask = this.mask;
    // Let the id and the value go.
    this.cells[e * CELLS] = 0;
    this.cells[e * CELLS + 1] = 0;
    this.cells[e * CELLS + VAL] = 0;
    this.free.push(e);
    this.count--;
    // Backward shift: entries after the hole that may sit in it move up, so no probe chain breaks.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const f = slots[2 * j]!;
      if (f === EMPTY) break;
      const hf = slots[2 * j + 1]!;
      const home = hf & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[2 * i] = f;
        slots[2 * i + 1] = hf;
        i = j;
      }
    }
    slots[2 * i] = EMPTY;
  }

  clear(): void {
    this.slots.fill(EMPTY);
    this.cells = [];
    this.free = [];
    this.count = 0;
    this.nextIns = 0;
  }

  /**
   * Reads the hash slots that lookups of the ids hashed `hashes[0..count)`
   * read, and the cells of the entries they find: a hint that loads their
   * cache lines ahead of the `get`s for those ids (the caller calls it for
   * the next records' ids). Three short loops, as FirstSightings.touchAll
   * (first-sightings.ts) reads: the home slots, then the probes (slots from
   * the home slot to an empty one or the hash; no id is compared), then the
   * entries found; one loop per id waited for each miss in turn. Returns
   * what it read (also kept in `touched`: a load whose value is unused may
   * be dropped). Measured where scan and scan.distributed call it
   * (`touchAhead`: 0.920× and 0.864× of df2ae4a, each detector alone on
   * capture-per-packet-1000000.pcap).
   */
  touchAll(hashes: Int32Array, count: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let v = 0;
    for (let k = 0; k < count; k++) v ^= slots[2 * (hashes[k]! & mask)]!;
    if (this.ahead.length < count) this.ahead = new Int32Array(count);
    const ahead = this.ahead;
    let found = 0;
    for (let k = 0; k < count; k++) {
      const h = hashes[k]!;
      for (let i = h & mask; ; i = (i + 1) & mask) {
        const e = slots[2 * i]!;
        if (e === EMPTY) break;
        if (slots[2 * i + 1] === h) {
          ahead[found++] = e;
          break;
        }
      }
    }
    const cells = this.cells;
    for (let k = 0; k < found; k++) if (cells[ahead[k]! * CELLS + VAL] === undefined) v++;
    this.touched = v;
    this.aheadCount = found;
    return v;
  }

  /**
   * Reads the home slots of the hashes `hashes[0..count)` and the cells of
   * the held entries `entries[0..count)` (entry k held under hash k): a
   * hint ahead of `deleteAt`s of those entries (at the cap a flood's oldest
   * keys go by the ten thousand, each slot and entry a miss). Two short
   * loops, as `touchAll`. Returns what it read (also kept in `touched`).
   */
  touchEntries(hashes: Int32Array, entries: Int32Array, count: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let v = 0;
    for (let k = 0; k < count; k++) v ^= slots[2 * (hashes[k]! & mask)]!;
    const cells = this.cells;
    for (let k = 0; k < count; k++) if (cells[entries[k]! * CELLS + VAL] === undefined) v++;
    this.touched = v;
    return v;
  }

  /** The value of the `k`th entry the last `touchAll` found (`k` below `aheadCount`), for the caller to read ahead in turn. */
  aheadValue(k: number): V {
    return this.cells[this.ahead[k]! * CELLS + VAL] as V;
  }

  /** The values in insertion order (a held id whose value was replaced keeps its place). */
  inOrder(): V[] {
    const live: number[] = [];
    for (let i = 0; i <= this.mask; i++) if (this.slots[2 * i] !== EMPTY) live.push(this.slots[2 * i]!);
    const cells = this.cells;
    live.sort((a, b) => (cells[a * CELLS + INS] as number) - (cells[b * CELLS + INS] as number));
    return live.map((e) => cells[e * CELLS + VAL] as V);
  }

  private entryOf(a: A, b: B, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[2 * i]!;
      if (e === EMPTY) return EMPTY;
      if (slots[2 * i + 1] === h && this.cells[e * CELLS] === a && this.cells[e * CELLS + 1] === b) return e;
    }
  }

  private place(e: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[2 * i] !== EMPTY) i = (i + 1) & mask;
    slots[2 * i] = e;
    slots[2 * i + 1] = h;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = (this.slots.length >> 1) - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY) this.place(old[i]!, old[i + 1]!);
  }
}
