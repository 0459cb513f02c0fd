/**
 * One shared string per address for the log readers: the addresses of a
 * log repeat on most lines, so a reader asks this cache for the string of
 * the address in `text[start, end)` instead of slicing a new one per line.
 *
 * 1. A canonical dotted quad (four decimal octets ≤ 255, no leading zeros:
 *    how Zeek writes IPv4) is looked up by its 32-bit value, read from the
 *    characters: no string is made on a hit. On a miss the string is built
 *    from the octets, which equals the text.
 * 2. Anything else (IPv6, odd forms) is looked up by its text; on a miss a
 *    copy is kept.
 * 3. Either way the string kept is a copy, never a V8 slice of the reader's
 *    text: a slice of 13 or more characters shares its parent's memory, so
 *    an address a detector holds for an hour would keep the whole text
 *    segment it came from alive (4 KiB per address on a log of random
 *    hosts).
 * Memory is bounded: two generations of at most `capacity` entries each;
 * when the newer one is full the older is dropped (a hit in the older
 * generation moves the entry to the newer one). O(1) per lookup, and a
 * dropped entry costs only a new string on its next miss: results never
 * depend on the cache.
 */

/** Entries per generation (two generations): more than the hosts of a large network's day. */
export const DEFAULT_ADDRESS_CACHE_ENTRIES = 1 << 16;

export interface AddressInterner {
  /** The address written in `text` between `start` and `end` (exclusive), as a shared, unsliced string. */
  intern(text: string, start: number, end: number): string;
}

export function createAddressInterner(capacity = DEFAULT_ADDRESS_CACHE_ENTRIES): AddressInterner {
  let v4 = new Map<number, string>();
  let v4Old = new Map<number, string>();
  let other = new Map<string, string>();
  let otherOld = new Map<string, string>();

  function internV4(key: number, a: number, b: number, c: number, d: number): string {
    let s = v4.get(key);
    if (s !== undefined) return s;
    s = v4Old.get(key);
    if (s === undefined) s = `${a}.${b}.${c}.${d}`;
    if (v4.size >= capacity) {
      v4Old = v4;
      v4 = new Map();
    }
    v4.set(key, s);
    return s;
  }

  function internOther(text: string, start: number, end: number): string {
    const slice = text.slice(start, end);
    let s = other.get(slice);
    if (s !== undefined) return s;
    // A copy that does not share the reader's text (see 3. above).
    s = otherOld.get(slice) ?? (slice.length < 13 ? slice : ` ${slice}`.slice(1));
    if (other.size >= capacity) {
      otherOld = other;
      other = new Map();
    }
    other.set(s, s);
    return s;
  }

  return {
    intern(text, start, end) {
      // Dotted quad: octets accumulated as the characters are read.
      let octets = 0;
      let value = 0;
      let octet = 0;
      let digits = 0;
      let a = 0;
      let b = 0;
      let c = 0;
      for (let i = start; i < end; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 46 /* . */) {
          if (digits === 0 || octets === 3) return internOther(text, start, end);
          if (octets === 0) a = octet;
          else if (octets === 1) b = octet;
          else c = octet;
          value = value * 256 + octet;
          octets++;
          octet = 0;
          digits = 0;
          continue;
        }
        const dg = ch - 48;
        // Not a digit, a leading zero, or over 255: not canonical.
        if (dg < 0 || dg > 9 || (digits === 1 && octet === 0)) return internOther(text, start, end);
        octet = octet * 10 + dg;
        if (++digits > 3 || octet > 255) return internOther(text, start, end);
      }
      if (octets !== 3 || digits === 0) return internOther(text, start, end);
      // value * 256 + d < 2^32; `| 0` makes it a small integer key.
      return internV4((value * 256 + octet) | 0, a, b, c, octet);
    },
  };
}
