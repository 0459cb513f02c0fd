/**
 * A (source address, destination address, number) key as three 32-bit
 * integers and a hash of them, for tables that compare and hash keys
 * without reading their strings (first-sightings.ts; c2.beacon's pairs).
 *
 * 1. When both addresses are canonical dotted quads (how Zeek and the
 *    capture reader write IPv4: four decimal octets ≤ 255, no leading
 *    zeros) and the number is an integer in [0, 2^20): the two addresses'
 *    32-bit values and the number. Two such keys are equal exactly when
 *    their codes are: a canonical dotted quad is the one text of its value.
 * 2. Otherwise (IPv6, any other text, a wide number) a textual code: FNV-1a
 *    of each address, the number's low bits and `TEXT_CODE`. Equal codes
 *    then only say the key may be equal: a table compares the strings and
 *    the number it keeps for such a key.
 * 3. `hash` mixes the three integers (murmur3's finaliser steps): the slot
 *    of an open-addressing table comes from its low bits.
 *
 * Parsing a dotted quad costs about what hashing its characters did (one
 * pass over them), and then a key is three integers to compare: a table
 * probe no longer reads the row's strings (their cache lines) to confirm a
 * match.
 */

import { dottedQuadValue } from './dotted-quad.js';
import { hashTuple } from './tuple-table.js';

/** Set in `n` of a textual code (see 2.); never set in a dotted-quad code's number (< 2^20). */
export const TEXT_CODE = 1 << 30;

/** Numbers below this go into a dotted-quad code as they are. */
const NUMBER_LIMIT = 1 << 20;

/** The code of one key; `encode` overwrites it (one object per caller, no allocation per key). */
export class TupleCode {
  a = 0;
  b = 0;
  n = 0;
  hash = 0;

  /** Sets the code of key (a, b, n); returns whether it is textual (see 2.). */
  encode(a: string, b: string, n: number): boolean {
    const va = dottedQuadValue(a);
    const vb = va >= 0 ? dottedQuadValue(b) : -1;
    let text = false;
    if (vb >= 0 && n >= 0 && n < NUMBER_LIMIT && Number.isInteger(n)) {
      this.a = va | 0;
      this.b = vb | 0;
      this.n = n;
    } else {
      this.a = fnv(a);
      this.b = fnv(b);
      this.n = TEXT_CODE | ((n >= 0 && n < NUMBER_LIMIT ? n : 0) & (NUMBER_LIMIT - 1));
      text = true;
    }
    this.hash = hashCode(this.a, this.b, this.n);
    return text;
  }

  /**
   * As encode, for a caller that has the addresses as FlowRecord.origV4 / respV4 give them: the
   * Int32 of `a` (`b`) when it is a canonical dotted quad, -1 when not known (then its text is
   * read, as encode reads it). Saves parsing both dotted quads again per record.
   */
  encodeKnown(a: string, b: string, va: number, vb: number, n: number): boolean {
    if (va === -1 || vb === -1 || !(n >= 0 && n < NUMBER_LIMIT && Number.isInteger(n))) return this.encode(a, b, n);
    this.a = va;
    this.b = vb;
    this.n = n;
    this.hash = hashCode(va, vb, n);
    return false;
  }
}

/**
 * The hash of key (a, b, n) of two addresses and a number, for a TupleTable: hashCode of the
 * addresses' Int32s when both are canonical dotted quads (`va`, `vb`: FlowRecord.origV4 / respV4 of
 * a record; undefined: parsed here), else hashTuple of the text. A function of the key alone, so a
 * table's restore gets it from the strings (`hashOfAddressTuple(a, b, undefined, undefined, n)`).
 * Mixing two integers costs a few instructions where hashTuple reads every character.
 */
export function hashOfAddressTuple(a: string, b: string, va: number | undefined, vb: number | undefined, n: number): number {
  const x = va ?? (dottedQuadValue(a) | 0);
  const y = vb ?? (dottedQuadValue(b) | 0);
  return x !== -1 && y !== -1 ? hashCode(x, y, n) : hashTuple(a, b, n);
}

/** The hash of code (a, b, n), as a 32-bit integer. */
export function hashCode(a: number, b: number, n: number): number {
  let h = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ n, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** FNV-1a of the string's UTF-16 code units. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
