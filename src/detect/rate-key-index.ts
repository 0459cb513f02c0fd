/**
 * The rate-spike detector's keys by (host id, port·proto): one open-addressing
 * table of integers, so a record's key is found with one hash of two small
 * integers instead of a Map per host (or a string built per record).
 *
 * Linear probing over a power-of-two table, at most half full (it doubles
 * past that); a deletion shifts the rows of its probe run back, so there
 * are no tombstones and lookups stay short whatever the churn. The two
 * integers of each row sit in typed arrays beside the key objects: a probe
 * compares them without loading the object of every row it passes (the
 * keys of a capture are spread over the heap). Each operation is O(1)
 * expected; nothing is allocated except when the table grows.
 */
export interface IndexedKey {
  readonly hostId: number;
  /** port × 4 + protocol index. */
  readonly portProto: number;
}

const INITIAL_SIZE = 64;

export class RateKeyIndex<K extends IndexedKey> {
  private slots: (K | null)[] = new Array<K | null>(INITIAL_SIZE).fill(null);
  /** The key's host id in each slot (-1: empty). */
  private hostIds = new Int32Array(INITIAL_SIZE).fill(-1);
  private portProtos = new Int32Array(INITIAL_SIZE);
  private mask = INITIAL_SIZE - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(hostId: number, portProto: number): K | undefined {
    const hostIds = this.hostIds;
    const mask = this.mask;
    for (let i = slotOf(hostId, portProto, mask); ; i = (i + 1) & mask) {
      const h = hostIds[i]!;
      if (h < 0) return undefined;
      if (h === hostId && this.portProtos[i] === portProto) return this.slots[i]!;
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
    const hostIds = this.hostIds;
    const portProtos = this.portProtos;
    const mask = this.mask;
    let i = slotOf(key.hostId, key.portProto, mask);
    for (;;) {
      if (hostIds[i]! < 0) return false;
      if (slots[i] === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later rows of the run into the hole when their home allows it.
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const h = hostIds[j]!;
      if (h < 0) break;
      const home = slotOf(h, portProtos[j]!, mask);
      // The row at j may move to the hole when its home is not in (hole, j] (cyclically).
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        slots[hole] = slots[j]!;
        hostIds[hole] = h;
        portProtos[hole] = portProtos[j]!;
        hole = j;
      }
    }
    slots[hole] = null;
    hostIds[hole] = -1;
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
    this.slots = new Array<K | null>(INITIAL_SIZE).fill(null);
    this.hostIds = new Int32Array(INITIAL_SIZE).fill(-1);
    this.portProtos = new Int32Array(INITIAL_SIZE);
    this.mask = INITIAL_SIZE - 1;
    this.count = 0;
  }

  private place(key: K): void {
    this.placeAs(key, key.hostId, key.portProto);
  }

  private placeAs(key: K, hostId: number, portProto: number): void {
    const hostIds = this.hostIds;
    let i = slotOf(hostId, portProto, this.mask);
    while (hostIds[i]! >= 0) i = (i + 1) & this.mask;
    this.slots[i] = key;
    hostIds[i] = hostId;
    this.portProtos[i] = portProto;
  }

  /** Doubles the table, rehashing from the typed arrays: the key objects (spread over the heap) are not read. */
  private grow(): void {
    const old = this.slots;
    const oldHostIds = this.hostIds;
    const oldPortProtos = this.portProtos;
    const size = old.length * 2;
    this.slots = new Array<K | null>(size).fill(null);
    this.hostIds = new Int32Array(size).fill(-1);
    this.portProtos = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) if (oldHostIds[i]! >= 0) this.placeAs(old[i]!, oldHostIds[i]!, oldPortProtos[i]!);
  }
}

function slotOf(hostId: number, portProto: number, mask: number): number {
  let h = Math.imul(hostId, 0x9e3779b1) ^ Math.imul(portProto + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h & mask;
}
