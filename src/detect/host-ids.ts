/**
 * Small integer ids for host addresses, counted by reference: a detector
 * looks a record's address up once and then works with the id (tables keyed
 * by integers, no string hashing per lookup).
 *
 * 1. `acquire(host)` gives the host's id, making one (a freed id first) if
 *    the host has none, and counts one more reference; `release(id)`
 *    counts one less and frees the id with the last reference, so the table
 *    holds exactly the hosts some state still refers to: its size is
 *    bounded by the caller's caps.
 * 2. `idOf(host)` only looks: -1 for a host no state refers to.
 * 3. `nameOf(id)` is the address string (kept while referenced).
 * 4. IPv4 text is looked up by its 32-bit number in an integer table, other
 *    hosts in a Map (see V4Table): the lookup of a record's addresses was
 *    the largest cost of the per-packet capture's rate.spike after eviction.
 */
import { dottedQuadValue } from './dotted-quad.js';

export class HostIds {
  /** IPv4 hosts (nearly all): see V4Table. */
  private readonly v4 = new V4Table();
  /** Other hosts (IPv6, anything not a canonical dotted quad). */
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  /** Per id: its IPv4 address as a number, or -1 (a host of `ids`), so that freeing an id does not parse its name again. */
  private readonly addrs: number[] = [];
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];

  /** Hosts held. */
  get size(): number {
    return this.v4.size + this.ids.size;
  }

  /** The host's id, or -1 when nothing refers to it. */
  idOf(host: string): number {
    const a = dottedQuadValue(host);
    return a >= 0 ? this.v4.get(a) : (this.ids.get(host) ?? -1);
  }

  /** As idOf, for a host whose IPv4 address the caller already has as a number (`dottedQuadValue(host)`). */
  idOfV4(addr: number): number {
    return this.v4.get(addr);
  }

  nameOf(id: number): string {
    return this.names[id]!;
  }

  /** The host's id, with one more reference to it. */
  acquire(host: string): number {
    const id = this.idOf(host);
    if (id < 0) return this.add(host);
    this.refs[id]!++;
    return id;
  }

  /** A new id, with one reference, for a host that has none (`idOf` gave -1). */
  add(host: string): number {
    return this.addAs(host, dottedQuadValue(host));
  }

  /** As add, for a host whose `dottedQuadValue` the caller already has (`addr`): the text is not parsed again. */
  addAs(host: string, addr: number): number {
    const id = this.freeIds.pop() ?? this.names.length;
    if (addr >= 0) this.v4.set(addr, id);
    else this.ids.set(host, id);
    this.names[id] = host;
    this.addrs[id] = addr;
    this.refs[id] = 1;
    return id;
  }

  /** One more reference to a held id. */
  retain(id: number): void {
    this.refs[id]!++;
  }

  /** One reference less; the id is freed with the last. */
  release(id: number): void {
    if (--this.refs[id]! > 0) return;
    const a = this.addrs[id]!;
    if (a >= 0) this.v4.delete(a);
    else this.ids.delete(this.names[id]!);
    this.names[id] = '';
    this.freeIds.push(id);
  }

  clear(): void {
    this.v4.clear();
    this.ids.clear();
    this.names.length = 0;
    this.addrs.length = 0;
    this.refs.length = 0;
    this.freeIds.length = 0;
  }
}

const V4_INITIAL_SLOTS = 1024;

/**
 * IPv4 address → id, open addressing over one Int32Array of (address,
 * id + 1) pairs (id + 1 of 0: empty), at most half full, backward-shift
 * deletion (no tombstones). A lookup hashes one integer and reads one
 * cache line, where a Map of address strings hashed the string (the
 * capture's are fresh strings) and compared it with the stored one.
 */
class V4Table {
  private slots = new Int32Array(2 * V4_INITIAL_SLOTS);
  private mask = V4_INITIAL_SLOTS - 1;
  size = 0;

  get(addr: number): number {
    const slots = this.slots;
    const key = addr | 0;
    for (let i = hashV4(key, this.mask); ; i = (i + 1) & this.mask) {
      const v = slots[2 * i + 1]!;
      if (v === 0) return -1;
      if (slots[2 * i] === key) return v - 1;
    }
  }

  /** Adds an address that is not in the table. */
  set(addr: number, id: number): void {
    if (2 * (this.size + 1) > this.mask + 1) this.grow();
    this.place(addr | 0, id + 1);
    this.size++;
  }

  delete(addr: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const key = addr | 0;
    let i = hashV4(key, mask);
    for (;;) {
      if (slots[2 * i + 1] === 0) return;
      if (slots[2 * i] === key) break;
      i = (i + 1) & mask;
    }
    // Move later pairs of the run into the hole when their home is not in (hole, j] (cyclically).
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const v = slots[2 * j + 1]!;
      if (v === 0) break;
      const home = hashV4(slots[2 * j]!, mask);
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        slots[2 * hole] = slots[2 * j]!;
        slots[2 * hole + 1] = v;
        hole = j;
      }
    }
    slots[2 * hole + 1] = 0;
    this.size--;
  }

  clear(): void {
    this.slots = new Int32Array(2 * V4_INITIAL_SLOTS);
    this.mask = V4_INITIAL_SLOTS - 1;
    this.size = 0;
  }

  private place(key: number, v: number): void {
    const slots = this.slots;
    let i = hashV4(key, this.mask);
    while (slots[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    slots[2 * i] = key;
    slots[2 * i + 1] = v;
  }

  private grow(): void {
    const old = this.slots;
    const n = 2 * (this.mask + 1);
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
    for (let i = 1; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i - 1]!, old[i]!);
  }
}

function hashV4(key: number, mask: number): number {
  let h = Math.imul(key, 0x9e3779b1);
  h ^= h >>> 16;
  return h & mask;
}
