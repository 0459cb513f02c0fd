/**
 * A map from string ids to values for a detector's capped key table, by
 * open addressing over typed arrays: a slot array of entry numbers probed
 * linearly from the id's hash (`hashOfName`, computed once by the caller
 * and compared before any string), entries in columns, removal by
 * backward shift (no tombstones). A spoofed flood adds and, at the cap,
 * drops two scan keys per record: a `Map` of 200,000 string keys took about
 * a microsecond per add and drop on the bench machine, this about a third.
 *
 * Insertion order is kept as an insertion number per entry (`inOrder`
 * sorts by it): the table is walked in order only for a snapshot.
 */
import { hashOfName } from './scan-sources.js';

export { hashOfName };

/** The hash of a string id (`hashOfName`) or of a number id (an integer, as `KeyTable` wants). */
export function hashOfId(id: string | number): number {
  return typeof id === 'number' ? Math.imul(id | 0, 0x9e3779b1) >>> 2 : hashOfName(id);
}

const EMPTY = -1;

/** `K`: the ids (strings, or numbers too where an id is made of numbers; `hashOfId` hashes both). */
export class KeyTable<V, K extends string | number = string> {
  /** Entry number per slot, EMPTY when free; a power of two at least twice the entries. */
  private slots: Int32Array;
  private mask: number;
  private ids: K[] = [];
  private hashes: number[] = [];
  private vals: (V | undefined)[] = [];
  /** Insertion number per entry (a value replaced keeps it). */
  private ins: number[] = [];
  private free: number[] = [];
  private count = 0;
  private nextIns = 0;

  constructor(expected = 1024) {
    let n = 16;
    while (n < 2 * expected) n <<= 1;
    this.slots = new Int32Array(n).fill(EMPTY);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value under `id` (`h`: its `hashOfName`). */
  get(id: K, h: number): V | undefined {
    const e = this.entryOf(id, h);
    return e === EMPTY ? undefined : this.vals[e];
  }

  /** Sets the value under `id`: a new id goes last in insertion order, a held one keeps its place. */
  set(id: K, h: number, v: V): void {
    const e = this.entryOf(id, h);
    if (e !== EMPTY) {
      this.vals[e] = v;
      return;
    }
    if (2 * (this.count + 1) > this.slots.length) this.grow();
    const n = this.free.length > 0 ? this.free.pop()! : this.ids.length;
    this.ids[n] = id;
    this.hashes[n] = h;
    this.vals[n] = v;
    this.ins[n] = this.nextIns++;
    this.count++;
    this.place(n, h);
  }

  /** Removes `id`; false when it was not held. */
  delete(id: K, h: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const e = slots[i]!;
      if (e === EMPTY) return false;
      if (this.hashes[e] === h && this.ids[e] === id) break;
      i = (i + 1) & mask;
    }
    const e = slots[i]!;
    (this.ids as unknown[])[e] = '';
    this.vals[e] = undefined;
    this.free.push(e);
    this.count--;
    // Backward shift: entries after the hole that may sit in it move up, so no probe chain breaks.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const f = slots[j]!;
      if (f === EMPTY) break;
      const home = this.hashes[f]! & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[i] = f;
        i = j;
      }
    }
    slots[i] = EMPTY;
    return true;
  }

  clear(): void {
    this.slots.fill(EMPTY);
    this.ids = [];
    this.hashes = [];
    this.vals = [];
    this.ins = [];
    this.free = [];
    this.count = 0;
    this.nextIns = 0;
  }

  /** The values in insertion order (a held id whose value was replaced keeps its place). */
  inOrder(): V[] {
    const live: number[] = [];
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] !== EMPTY) live.push(this.slots[i]!);
    const ins = this.ins;
    live.sort((a, b) => ins[a]! - ins[b]!);
    return live.map((e) => this.vals[e] as V);
  }

  /** The values held, in no particular order (a copy: the table may change while the caller walks it). */
  values(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] !== EMPTY) out.push(this.vals[this.slots[i]!] as V);
    return out;
  }

  private entryOf(id: K, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[i]!;
      if (e === EMPTY) return EMPTY;
      if (this.hashes[e] === h && this.ids[e] === id) return e;
    }
  }

  private place(e: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = e;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    for (let i = 0; i < old.length; i++) if (old[i] !== EMPTY) this.place(old[i]!, this.hashes[old[i]!]!);
  }
}
