/**
 * One shared string per address for the log readers: the addresses of a
 * log repeat on most lines, so a reader asks this cache for the string of
 * the address in `text[start, end)` instead of slicing a new one per line.
 *
 * 1. A canonical dotted quad (four decimal octets ≤ 255, no leading zeros:
 *    how Zeek writes IPv4) is looked up by its 32-bit value, read from the
 *    characters: no string is made on a hit. On a miss the string is built
 *    from the octets, which equals the text; from bytes (internBytes,
 *    internV4Text) it is decoded from them instead, one flat copy: measured
 *    on the conn.log of random hosts (a miss on every line), the read took
 *    a fifth less CPU and `analyze` a sixth less than with the template of
 *    four numbers. (Why is not settled: the template's intermediate strings
 *    and cons-string flattening are the likely cost; building the same
 *    flat string with String.fromCharCode gained nothing on the JSON log.)
 *    From bytes the copy is made by asciiString (ascii-string.ts): measured
 *    on the findings-heavy conn.log (a miss on most lines; the TSV line
 *    parser alone, best of 40 passes), about 620 ns a line against 670
 *    with Buffer's latin1Slice.
 * 2. Anything else (IPv6, odd forms) is looked up by its text; on a miss a
 *    copy is kept.
 * 3. Either way the string kept is a copy, never a V8 slice of the reader's
 *    text: a slice of 13 or more characters shares its parent's memory, so
 *    an address a detector holds for an hour would keep the whole text
 *    segment it came from alive (4 KiB per address on a log of random
 *    hosts).
 * Memory is bounded and every lookup O(1): dotted quads sit in a
 * direct-mapped table of `capacity` slots (a new address takes its slot
 * from the one there: no rehashing, no growth, cheap when every line brings
 * new addresses); other forms in two generations of at most `capacity`
 * entries (when the newer is full the older is dropped; a hit in the older
 * moves the entry to the newer). A dropped entry costs only a new string on
 * its next miss: results never depend on the cache.
 */

/** Slots (dotted quads) and entries per generation (other forms): more than the hosts of a large network's day. */
import { asciiString } from './ascii-string.js';

export const DEFAULT_ADDRESS_CACHE_ENTRIES = 1 << 16;

export interface AddressInterner {
  /** The address written in `text` between `start` and `end` (exclusive), as a shared, unsliced string. */
  intern(text: string, start: number, end: number): string;
  /** The same for the address written in bytes `b[start, end)` (UTF-8). */
  internBytes(b: Buffer, start: number, end: number): string;
  /** The canonical dotted quad of the 32-bit address `value` (`| 0`: as an Int32), for a reader that read the octets itself. */
  internV4(value: number): string;
  /**
   * internV4 for a reader that has the canonical text in bytes `b[start, end)`: on a miss the string is
   * made from them (one flat string, where building it from the octets makes a chain of concatenations).
   */
  internV4Text(value: number, b: Buffer, start: number, end: number): string;
}

export function createAddressInterner(capacity = DEFAULT_ADDRESS_CACHE_ENTRIES): AddressInterner {
  // Direct-mapped dotted quads: slot = top bits of a multiplicative hash of the 32-bit value.
  const slotBits = Math.max(4, Math.min(24, Math.ceil(Math.log2(capacity))));
  const v4Keys = new Int32Array(1 << slotBits);
  const v4Names: (string | undefined)[] = new Array<string | undefined>(1 << slotBits).fill(undefined);
  let other = new Map<string, string>();
  let otherOld = new Map<string, string>();

  function internV4(key: number, a: number, b: number, c: number, d: number): string {
    const slot = Math.imul(key, 0x9e3779b1) >>> (32 - slotBits);
    const held = v4Names[slot];
    if (held !== undefined && v4Keys[slot] === key) return held;
    const s = `${a}.${b}.${c}.${d}`;
    v4Keys[slot] = key;
    v4Names[slot] = s;
    return s;
  }

  function internOther(text: string, start: number, end: number): string {
    const slice = text.slice(start, end);
    // A copy that does not share the reader's text (see 3. above).
    return internKey(slice, slice.length < 13 ? slice : ` ${slice}`.slice(1));
  }

  /** `key` in the generations, else `copy` (the same characters, sharing no reader text) added. */
  function internKey(key: string, copy: string): string {
    let s = other.get(key);
    if (s !== undefined) return s;
    s = otherOld.get(key) ?? copy;
    if (other.size >= capacity) {
      otherOld = other;
      other = new Map();
    }
    other.set(s, s);
    return s;
  }

  const api: AddressInterner = {
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
    internBytes(bytes, start, end) {
      // As intern() above, reading bytes: a string is made only on a miss.
      let octets = 0;
      let value = 0;
      let octet = 0;
      let digits = 0;
      let canonical = true;
      for (let i = start; i < end; i++) {
        const ch = bytes[i] as number;
        if (ch === 46 /* . */) {
          if (digits === 0 || octets === 3) {
            canonical = false;
            break;
          }
          value = value * 256 + octet;
          octets++;
          octet = 0;
          digits = 0;
          continue;
        }
        const dg = ch - 48;
        if (dg < 0 || dg > 9 || (digits === 1 && octet === 0)) {
          canonical = false;
          break;
        }
        octet = octet * 10 + dg;
        if (++digits > 3 || octet > 255) {
          canonical = false;
          break;
        }
      }
      if (canonical && octets === 3 && digits > 0) return api.internV4Text(value * 256 + octet, bytes, start, end);
      // Decoding makes a new string: it is its own copy.
      const key = decodeBytes(bytes, start, end);
      return internKey(key, key);
    },
    internV4Text(value, bytes, start, end) {
      const key = value | 0;
      const slot = Math.imul(key, 0x9e3779b1) >>> (32 - slotBits);
      const held = v4Names[slot];
      if (held !== undefined && v4Keys[slot] === key) return held;
      const s = asciiString(bytes, start, end);
      v4Keys[slot] = key;
      v4Names[slot] = s;
      return s;
    },
    internV4(value) {
      return internV4(value | 0, value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
    },
  };
  return api;
}

/** UTF-8 decode of `b[start, end)`: the one-byte decode when it is ASCII. */
function decodeBytes(b: Buffer, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if ((b[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  return b.toString(ascii ? 'latin1' : 'utf8', start, end);
}
