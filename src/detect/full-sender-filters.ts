/**
 * Membership filters of full sender tables (sender-table.ts), one per key
 * whose table is full: a full table never changes its hosts, so "is this
 * host id one of them?" can be answered "no" here for most hosts that are
 * not, without reaching the table.
 *
 * Why: on a realistic 2M-line conn.log 1.46M of 1.9M sender lookups were a
 * new sender to a full table, and each one reached a cold table (its
 * object, its index array, the index's memory: dependent cache misses).
 * Here a lookup reads one word of one shared Int32Array whose slot number
 * sits on the key. A blocked Bloom filter: 64 words (2048 bits) per table,
 * an id sets two bits of one word; with 256 hosts about 6% of other ids
 * pass (and are then looked up in the table). Slots are reused when their
 * key goes. Never a false "no".
 */
import type { SenderTables } from './sender-table.js';

const WORDS = 64;

export class FullSenderFilters {
  private words = new Int32Array(WORDS * 16);
  private slots = 0;
  private readonly freeSlots: number[] = [];

  /** A filter holding table t's host ids (a full table: they do not change); its slot. */
  make(tables: SenderTables, t: number): number {
    const slot = this.freeSlots.pop() ?? this.slots++;
    if (WORDS * this.slots > this.words.length) {
      const grown = new Int32Array(2 * this.words.length);
      grown.set(this.words);
      this.words = grown;
    }
    const words = this.words;
    const at = WORDS * slot;
    words.fill(0, at, at + WORDS);
    for (let p = 0, n = tables.count(t); p < n; p++) {
      const h = hashOf(tables.idAt(t, p));
      words[at + (h >>> 26)]! |= (1 << (h & 31)) | (1 << ((h >>> 5) & 31));
    }
    return slot;
  }

  /** False when `id` is surely not one of the slot's ids. */
  mayHold(slot: number, id: number): boolean {
    const h = hashOf(id);
    const bits = (1 << (h & 31)) | (1 << ((h >>> 5) & 31));
    return (this.words[WORDS * slot + (h >>> 26)]! & bits) === bits;
  }

  free(slot: number): void {
    this.freeSlots.push(slot);
  }

  clear(): void {
    this.words = new Int32Array(WORDS * 16);
    this.slots = 0;
    this.freeSlots.length = 0;
  }
}

function hashOf(id: number): number {
  const h = Math.imul(id, 0x9e3779b1);
  return h ^ (h >>> 15);
}
