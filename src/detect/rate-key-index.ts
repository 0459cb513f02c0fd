/**
 * The rate-spike detector's keys by (host id, port·proto): one open-addressing
 * table of integers, so a record's key is found with one hash of two small
 * integers instead of a Map per host (or a string built per record).
 *
 * Linear probing over a power-of-two table, at most half full (it doubles
 * past that); a deletion shifts the rows of its probe run back, so there
 * are no tombstones and lookups stay short whatever the churn. The two
 * integers of each row sit side by side in one typed array beside the key
 * objects: a probe compares them without loading the object of every row
 * it passes (the keys of a capture are spread over the heap), and a hit
 * reads one cache line for both, not one per array. Each operation is O(1)
 * expected; nothing is allocated except when the table grows.
 *
 * A slot holds the key object or, for a key the detector holds as a row of
 * its compact table (tick-key-rows.ts), that row's number.
 */
export interface IndexedKey {
  readonly hostId: number;
  /** port × 4 + protocol index. */
  readonly portProto: number;
}

const INITIAL_SIZE = 64;

export class RateKeyIndex<K extends IndexedKey> {
  private slots: (K | number | null)[] = new Array<K | number | null>(INITIAL_SIZE).fill(null);
  /** Slot i's key: its host id at 2i (-1: empty), its port·proto at 2i + 1. */
  private ids = emptyIds(INITIAL_SIZE);
  private mask = INITIAL_SIZE - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The key object or row number held for (hostId, portProto). */
  get(hostId: number, portProto: number): K | number | undefined {
    const ids = this.ids;
    const mask = this.mask;
    for (let i = slotOf(hostId, portProto, mask); ; i = (i + 1) & mask) {
      const h = ids[2 * i]!;
      if (h < 0) return undefined;
      if (h === hostId && ids[2 * i + 1] === portProto) return this.slots[i]!;
    }
  }

  /** Adds a key that is not in the table. */
  add(key: K): void {
    this.addAs(key, key.hostId, key.portProto);
  }

  /** Adds a key held as a row (`row` ≥ 0) or an object, under (hostId, portProto), which is not in the table. */
  addAs(v: K | number, hostId: number, portProto: number): void {
    if (2 * (this.count + 1) > this.slots.length) this.grow();
    this.placeAs(v, hostId, portProto);
    this.count++;
  }

  /** Replaces what is held for (hostId, portProto), which is in the table (a row by its key object). */
  replace(hostId: number, portProto: number, v: K): void {
    this.slots[this.slotAt(hostId, portProto)] = v;
  }

  /** Removes the key if it is the one held for its host and port; returns whether it was. */
  delete(key: K): boolean {
    const slots = this.slots;
    const ids = this.ids;
    const mask = this.mask;
    let i = slotOf(key.hostId, key.portProto, mask);
    for (;;) {
      if (ids[2 * i]! < 0) return false;
      if (slots[i] === key) break;
      i = (i + 1) & mask;
    }
    this.removeAt(i);
    return true;
  }

  /** Removes what is held for (hostId, portProto), which is in the table. */
  deleteAt(hostId: number, portProto: number): void {
    this.removeAt(this.slotAt(hostId, portProto));
  }

  /** The slot of (hostId, portProto), which is in the table. */
  private slotAt(hostId: number, portProto: number): number {
    const ids = this.ids;
    const mask = this.mask;
    for (let i = slotOf(hostId, portProto, mask); ; i = (i + 1) & mask) {
      const h = ids[2 * i]!;
      if (h < 0) throw new Error(`rate key index: no key (${hostId}, ${portProto})`);
      if (h === hostId && ids[2 * i + 1] === portProto) return i;
    }
  }

  private removeAt(i: number): void {
    const slots = this.slots;
    const ids = this.ids;
    const mask = this.mask;
    // Backward-shift deletion: move later rows of the run into the hole when their home allows it.
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const h = ids[2 * j]!;
      if (h < 0) break;
      const pp = ids[2 * j + 1]!;
      const home = slotOf(h, pp, mask);
      // The row at j may move to the hole when its home is not in (hole, j] (cyclically).
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        slots[hole] = slots[j]!;
        ids[2 * hole] = h;
        ids[2 * hole + 1] = pp;
        hole = j;
      }
    }
    slots[hole] = null;
    ids[2 * hole] = -1;
    this.count--;
  }

  /** Every key held as an object, in table order (callers sort). */
  values(): K[] {
    const out: K[] = [];
    for (const k of this.slots) if (k !== null && k !== undefined && typeof k !== 'number') out.push(k);
    return out;
  }

  clear(): void {
    this.slots = new Array<K | number | null>(INITIAL_SIZE).fill(null);
    this.ids = emptyIds(INITIAL_SIZE);
    this.mask = INITIAL_SIZE - 1;
    this.count = 0;
  }

  private placeAs(key: K | number, hostId: number, portProto: number): void {
    const ids = this.ids;
    let i = slotOf(hostId, portProto, this.mask);
    while (ids[2 * i]! >= 0) i = (i + 1) & this.mask;
    this.slots[i] = key;
    ids[2 * i] = hostId;
    ids[2 * i + 1] = portProto;
  }

  /** Doubles the table, rehashing from the typed arrays: the key objects (spread over the heap) are not read. */
  private grow(): void {
    const old = this.slots;
    const oldIds = this.ids;
    const size = old.length * 2;
    this.slots = new Array<K | number | null>(size).fill(null);
    this.ids = emptyIds(size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) if (oldIds[2 * i]! >= 0) this.placeAs(old[i]!, oldIds[2 * i]!, oldIds[2 * i + 1]!);
  }
}

/** Ids for `size` empty slots. */
function emptyIds(size: number): Int32Array {
  const ids = new Int32Array(2 * size);
  for (let i = 0; i < size; i++) ids[2 * i] = -1;
  return ids;
}

function slotOf(hostId: number, portProto: number, mask: number): number {
  let h = Math.imul(hostId, 0x9e3779b1) ^ Math.imul(portProto + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h & mask;
}
