/**
 * IP addresses as Zeek prints them: IPv4 dotted quad; IPv6 per RFC 5952
 * (lower case, no leading zeros, the longest run of two or more zero groups
 * as "::", the first one on a tie), with inet_ntop's embedded IPv4 forms
 * (`::ffff:a.b.c.d` is printed as plain IPv4, since Zeek keeps IPv4 as
 * v4-mapped IPv6 internally; `::a.b.c.d` as inet_ntop does).
 *
 * The capture reader formats two addresses per packet, so both formatters
 * cache their strings: a packet stream has few distinct hosts compared to
 * packets. The caches are bounded.
 */

/**
 * IPv4 cache: two generations of open-addressed tables of 2^15 slots (small
 * enough to stay in the CPU caches). A miss in the current table looks in
 * the previous one and moves the string over; when the current table is half
 * full it becomes the previous one. Busy hosts so stay cached across the
 * turnover without an LRU list.
 */
const V4_CACHE_SLOTS = 1 << 15;
const V4_CACHE_MAX = V4_CACHE_SLOTS >> 1;
const V6_CACHE_SLOTS = 1 << 12;

export interface AddressFormatter {
  /** IPv4 address at `bytes[off..off+4)`. */
  formatIpv4(bytes: Uint8Array, off: number): string;
  /** IPv6 address at `bytes[off..off+16)`. */
  formatIpv6(bytes: Uint8Array, off: number): string;
}

interface V4Table {
  keys: Int32Array;
  text: (string | undefined)[];
  size: number;
}

function createV4Table(): V4Table {
  return { keys: new Int32Array(V4_CACHE_SLOTS), text: new Array(V4_CACHE_SLOTS).fill(undefined), size: 0 };
}

const V4_MASK = V4_CACHE_SLOTS - 1;

/** The slot holding `key` in `t`, or the empty slot where it would go (as -1 - slot). */
function findV4(t: V4Table, key: number): number {
  let slot = (Math.imul(key, 0x9e3779b1) >>> 15) & V4_MASK;
  while (true) {
    const s = t.text[slot];
    if (s === undefined) return -1 - slot;
    if (t.keys[slot] === key) return slot;
    slot = (slot + 1) & V4_MASK;
  }
}

export function createAddressFormatter(): AddressFormatter {
  // A Map keyed by the 32-bit value is slow here: keys above 2^30 are heap
  // numbers. These tables keep keys in an Int32Array and probe linearly.
  let current = createV4Table();
  let previous = createV4Table();
  // Direct-mapped cache for IPv6: slot by hash, verified against the stored bytes.
  const v6Keys = new Uint8Array(V6_CACHE_SLOTS * 16);
  const v6Text: (string | undefined)[] = new Array(V6_CACHE_SLOTS).fill(undefined);

  function formatIpv4(bytes: Uint8Array, off: number): string {
    const key = (bytes[off]! << 24) | (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!;
    let at = findV4(current, key);
    if (at >= 0) return current.text[at]!;
    const old = findV4(previous, key);
    const text = old >= 0 ? previous.text[old]! : `${bytes[off]}.${bytes[off + 1]}.${bytes[off + 2]}.${bytes[off + 3]}`;
    if (current.size >= V4_CACHE_MAX) {
      const t = previous;
      previous = current;
      current = t;
      current.text.fill(undefined);
      current.size = 0;
      at = findV4(current, key);
    }
    const slot = -1 - at;
    current.keys[slot] = key;
    current.text[slot] = text;
    current.size++;
    return text;
  }

  function formatIpv6(bytes: Uint8Array, off: number): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < 16; i++) h = Math.imul(h ^ bytes[off + i]!, 0x01000193);
    const slot = (h >>> 0) & (V6_CACHE_SLOTS - 1);
    const cached = v6Text[slot];
    const k = slot * 16;
    if (cached !== undefined) {
      let same = true;
      for (let i = 0; i < 16; i++) {
        if (v6Keys[k + i] !== bytes[off + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const s = formatIpv6Uncached(bytes, off);
    for (let i = 0; i < 16; i++) v6Keys[k + i] = bytes[off + i]!;
    v6Text[slot] = s;
    return s;
  }

  return { formatIpv4, formatIpv6 };
}

/** IPv4 text without caching. */
export function formatIpv4Uncached(bytes: Uint8Array, off: number): string {
  return `${bytes[off]}.${bytes[off + 1]}.${bytes[off + 2]}.${bytes[off + 3]}`;
}

/** IPv6 text (RFC 5952, Zeek's form) without caching. */
export function formatIpv6Uncached(bytes: Uint8Array, off: number): string {
  const words = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) words[i] = (bytes[off + 2 * i]! << 8) | bytes[off + 2 * i + 1]!;
  // Longest run of zero words (length >= 2), first on a tie.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  // Embedded IPv4: v4-mapped is IPv4 to Zeek; IPv4-compatible as inet_ntop prints it.
  if (bestBase === 0 && bestLen === 5 && words[5] === 0xffff) return formatIpv4Uncached(bytes, off + 12);
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    if (bestBase === 0 && bestLen === 6 && i === 6) {
      out += formatIpv4Uncached(bytes, off + 12);
      break;
    }
    out += words[i]!.toString(16);
    if (i < 7) out += ':';
  }
  return out;
}
