/**
 * The rate-spike detector's keys by (host id, port·proto): one open-addressing
 * table of integers, so a record's key is found with one hash of two small
 * integers instead of a Map per host (or a string built per record).
 *
 * Linear probing over a power-of-two array of rows, at most half full (it
 * doubles past that); a deletion shifts the rows of its probe run back, so
 * there are no tombstones and lookups stay short whatever the churn. Each
 * operation is O(1) expected; nothing is allocated except when the table
 * grows.
 */
export interface IndexedKey {
  readonly hostId: number;
  /** port × 4 + protocol index. */
  readonly portProto: number;
}

export class RateKeyIndex<K extends IndexedKey> {
  private slots: (K | null)[] = new Array<K | null>(64).fill(null);
  private mask = 63;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(hostId: number, portProto: number): K | undefined {
    const slots = this.slots;
    for (let i = slotOf(hostId, portProto, this.mask); ; i = (i + 1) & this.mask) {
      const k = slots[i];
      if (k === null || k === undefined) return undefined;
      if (k.hostId === hostId && k.portProto === portProto) return k;
    }
  }

  /** Adds a key that is not in the table. */
  add(key: K): void {
    if (2 * (this.count + 1) > this.slots.length) this.grow();
    this.place(key);
    this.count++;
  }

  /** Removes the key if it is the one held for its host and port; returns whether it was. */
  delete(key: K): boolean {
    const slots = this.slots;
    const mask = this.mask;
    let i = slotOf(key.hostId, key.portProto, mask);
    for (;;) {
      const k = slots[i];
      if (k === null || k === undefined) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later rows of the run into the hole when their home allows it.
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = slots[j];
      if (k === null || k === undefined) break;
      const home = slotOf(k.hostId, k.portProto, mask);
      // k may move to the hole when its home is not in (hole, j] (cyclically).
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        slots[hole] = k;
        hole = j;
      }
    }
    slots[hole] = null;
    this.count--;
    return true;
  }

  /** Every key, in table order (callers sort). */
  values(): K[] {
    const out: K[] = [];
    for (const k of this.slots) if (k !== null && k !== undefined) out.push(k);
    return out;
  }

  clear(): void {
    this.slots = new Array<K | null>(64).fill(null);
    this.mask = 63;
    this.count = 0;
  }

  private place(key: K): void {
    const slots = this.slots;
    let i = slotOf(key.hostId, key.portProto, this.mask);
    while (slots[i] !== null) i = (i + 1) & this.mask;
    slots[i] = key;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Array<K | null>(old.length * 2).fill(null);
    this.mask = this.slots.length - 1;
    for (const k of old) if (k !== null && k !== undefined) this.place(k);
  }
}

function slotOf(hostId: number, portProto: number, mask: number): number {
  let h = Math.imul(hostId, 0x9e3779b1) ^ Math.imul(portProto + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h & mask;
}
