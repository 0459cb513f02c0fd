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
import { FLAG_ONE_WAY, type FlowTable, I_FLAGS, I_IP_PROTO, I_K_PA, I_K_PB, S_K_A, S_K_B, SLOT_I32, SLOT_STR } from './flow-table.js';

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
  /** slot + 1 per position; 0 is empty. */
  private entries = new Int32Array(INITIAL_SIZE);
  private hashes = new Int32Array(INITIAL_SIZE);
  count = 0;

  constructor(private readonly t: FlowTable) {}

  /** The slot of the live connection with this key, or -1. */
  find(hash: number, ipProto: number, a: string, pa: number, b: string, pb: number, oneWay: boolean): number {
    const t = this.t;
    let i = hash & this.mask;
    for (;;) {
      const e = this.entries[i]!;
      if (e === 0) return -1;
      if (this.hashes[i] === hash) {
        const s = e - 1;
        if (
          t.i32[s * SLOT_I32 + I_K_PA] === pa &&
          t.i32[s * SLOT_I32 + I_K_PB] === pb &&
          t.i32[s * SLOT_I32 + I_IP_PROTO] === ipProto &&
          t.str[s * SLOT_STR + S_K_A] === a &&
          t.str[s * SLOT_STR + S_K_B] === b &&
          ((t.i32[s * SLOT_I32 + I_FLAGS]! & FLAG_ONE_WAY) !== 0) === oneWay
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
    const entries = this.entries;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const e = entries[i]!;
      if (e === 0) return;
      if (e === slot + 1) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion keeps every probe chain unbroken.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = entries[j]!;
      if (e === 0) break;
      const k = this.hashes[j]! & mask;
      const movable = i <= j ? k <= i || k > j : k <= i && k > j;
      if (movable) {
        entries[i] = e;
        this.hashes[i] = this.hashes[j]!;
        i = j;
      }
    }
    entries[i] = 0;
    this.count--;
  }

  private place(hash: number, slot: number): void {
    let i = hash & this.mask;
    while (this.entries[i] !== 0) i = (i + 1) & this.mask;
    this.entries[i] = slot + 1;
    this.hashes[i] = hash;
  }

  private rehash(size: number): void {
    const oldEntries = this.entries;
    const oldHashes = this.hashes;
    this.size = size;
    this.mask = size - 1;
    this.entries = new Int32Array(size);
    this.hashes = new Int32Array(size);
    for (let i = 0; i < oldEntries.length; i++) {
      const e = oldEntries[i]!;
      if (e !== 0) this.place(oldHashes[i]!, e - 1);
    }
  }
}
