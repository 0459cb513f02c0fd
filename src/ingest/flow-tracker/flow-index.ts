/**
 * Finds the live connection of a packet without building a key string:
 * an open-addressing hash table (linear probing, backward-shift deletion)
 * over the flow table's key fields (`S_K_A`, `I_K_PA`, `S_K_B`, `I_K_PB`, `I_IP_PROTO`,
 * one-way flag). The key is the connection's endpoints in canonical order,
 * so both directions of a connection meet (one-way ICMP keeps its order).
 * Typed arrays only: nothing is allocated per lookup, and the collector has
 * no per-connection map entries to trace (a JS Map of a million string keys
 * costs microseconds per operation and most of the run in garbage collection).
 */
import { FLAG_NUMERIC_ADDR, FLAG_ONE_WAY, type FlowTable, I_FLAGS, I_IP_PROTO, I_K_AN, I_K_BN, I_K_PA, I_K_PB, S_K_A, S_K_B, SLOT_I32, SLOT_STR } from './flow-table.js';

const INITIAL_SIZE = 2048;

/** 32-bit FNV-1a hash of an address string (also orders a connection's two endpoints). */
export function hashAddress(a: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  return h | 0;
}

const FNV_PRIME = 0x01000193;
const CHAR_0 = 48;
const CHAR_DOT = 46;

/**
 * `hashAddress` of an IPv4 address's dotted-quad text, computed from its 4
 * bytes at `bytes[off..off+4)` without building or reading the string (same
 * value, so endpoint order and uids are those of the string hash).
 */
export function hashIpv4Address(bytes: Uint8Array, off: number): number {
  let h = hashOctet(0x811c9dc5, bytes[off]!);
  h = hashOctet(Math.imul(h ^ CHAR_DOT, FNV_PRIME), bytes[off + 1]!);
  h = hashOctet(Math.imul(h ^ CHAR_DOT, FNV_PRIME), bytes[off + 2]!);
  h = hashOctet(Math.imul(h ^ CHAR_DOT, FNV_PRIME), bytes[off + 3]!);
  return h | 0;
}

/**
 * A direct-mapped cache of `hashIpv4Address` by the address's 32-bit value, 4096 entries: the tracker hashes
 * both addresses of every packet, and a capture has few hosts compared to packets. Every entry always holds a
 * valid pair (all start as 0.0.0.0). The tracker looks an address up in place (`ipv4HashSlot`, then the key
 * and value at that slot) and calls `cacheIpv4Hash` on a miss: a function for the whole lookup, inlined into
 * addPacket twice, took its inlining budget and left the expiry queue's `schedule` out of it (+26 M
 * instructions of `analyze` on capture-realistic-220000.pcap), and a call made rarely is not inlined.
 * `flows --no-sort` on capture-realistic-220000.pcap ran 0.984x the instructions (callgrind, node
 * --single-threaded: 4.186 G against 4.252 G); on capture-per-packet-200000.pcap, whose every address is
 * new, 1.008x (8.098 G against 8.033 G).
 */
export const ipv4HashKeys = new Int32Array(1 << 12);
export const ipv4HashValues = new Int32Array(1 << 12).fill(hashAddress('0.0.0.0'));

/** The cache slot of the IPv4 address whose value is `n`. */
export function ipv4HashSlot(n: number): number {
  return Math.imul(n, 0x9e3779b1) >>> 20;
}

/** A miss of the cache at `slot`: hashes the address `n` (its bytes at `bytes[off..off+4)`) and keeps it there. */
export function cacheIpv4Hash(bytes: Uint8Array, off: number, n: number, slot: number): number {
  const h = hashIpv4Address(bytes, off);
  ipv4HashKeys[slot] = n;
  ipv4HashValues[slot] = h;
  return h;
}

/** FNV-1a step over the decimal digits of `b` (0-255, no leading zeros). */
function hashOctet(h: number, b: number): number {
  if (b >= 100) {
    h = Math.imul(h ^ (CHAR_0 + ((b / 100) | 0)), FNV_PRIME);
    b %= 100;
    h = Math.imul(h ^ (CHAR_0 + ((b / 10) | 0)), FNV_PRIME);
  } else if (b >= 10) {
    h = Math.imul(h ^ (CHAR_0 + ((b / 10) | 0)), FNV_PRIME);
  }
  return Math.imul(h ^ (CHAR_0 + (b % 10)), FNV_PRIME);
}

/** 32-bit hash of a connection key from its address hashes, ports and protocol (murmur3 finalizer). */
export function hashFlowKey(ipProto: number, ha: number, pa: number, hb: number, pb: number, oneWay: boolean): number {
  let h = Math.imul(ha ^ Math.imul(ipProto + (oneWay ? 256 : 0), 0x9e3779b1), 0x85ebca6b);
  h = Math.imul((h << 13) | (h >>> 19), 5) ^ hb;
  h = Math.imul(h ^ ((pa << 16) | pb), 0xcc9e2d51);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export class FlowIndex {
  private size = INITIAL_SIZE;
  private mask = INITIAL_SIZE - 1;
  /** Two words per position, side by side (one cache line per probe): slot + 1 (0 is empty), then the key hash. */
  private cells = new Int32Array(INITIAL_SIZE * 2);
  count = 0;

  constructor(private readonly t: FlowTable) {}

  /**
   * The slot of the live connection with this key, or -1. With `numeric`, `an`/`bn` are the addresses
   * `a`/`b` as IPv4 integers, compared instead of the strings when the connection has them too (the text
   * of an IPv4 address is a function of its 4 bytes, so the answer is the same).
   */
  find(hash: number, ipProto: number, a: string, pa: number, b: string, pb: number, oneWay: boolean, numeric: boolean, an: number, bn: number): number {
    const t = this.t;
    const cells = this.cells;
    let i = hash & this.mask;
    for (;;) {
      const e = cells[i * 2]!;
      if (e === 0) return -1;
      if (cells[i * 2 + 1] === hash) {
        const s = e - 1;
        const si = s * SLOT_I32;
        const flags = t.i32[si + I_FLAGS]!;
        if (
          t.i32[si + I_K_PA] === pa &&
          t.i32[si + I_K_PB] === pb &&
          t.i32[si + I_IP_PROTO] === ipProto &&
          ((flags & FLAG_ONE_WAY) !== 0) === oneWay &&
          (numeric && (flags & FLAG_NUMERIC_ADDR) !== 0
            ? t.i32[si + I_K_AN] === an && t.i32[si + I_K_BN] === bn
            : t.str[s * SLOT_STR + S_K_A] === a && t.str[s * SLOT_STR + S_K_B] === b)
        ) {
          return s;
        }
      }
      i = (i + 1) & this.mask;
    }
  }

  insert(hash: number, slot: number): void {
    if ((this.count + 1) * 2 > this.size) this.rehash(this.size * 2);
    this.place(hash, slot);
    this.count++;
  }

  remove(hash: number, slot: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const e = cells[i * 2]!;
      if (e === 0) return;
      if (e === slot + 1) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion keeps every probe chain unbroken.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = cells[j * 2]!;
      if (e === 0) break;
      const k = cells[j * 2 + 1]! & mask;
      const movable = i <= j ? k <= i || k > j : k <= i && k > j;
      if (movable) {
        cells[i * 2] = e;
        cells[i * 2 + 1] = cells[j * 2 + 1]!;
        i = j;
      }
    }
    cells[i * 2] = 0;
    this.count--;
  }

  private place(hash: number, slot: number): void {
    let i = hash & this.mask;
    while (this.cells[i * 2] !== 0) i = (i + 1) & this.mask;
    this.cells[i * 2] = slot + 1;
    this.cells[i * 2 + 1] = hash;
  }

  private rehash(size: number): void {
    const old = this.cells;
    this.size = size;
    this.mask = size - 1;
    this.cells = new Int32Array(size * 2);
    for (let i = 0; i < old.length; i += 2) {
      const e = old[i]!;
      if (e !== 0) this.place(old[i + 1]!, e - 1);
    }
  }
}
