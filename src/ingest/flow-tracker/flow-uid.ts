/**
 * Zeek-style connection uids: "C" followed by base62 digits (alphabet
 * 0-9a-zA-Z, least significant digit first, as Zeek's `util::uitoa_n`).
 * Zeek draws 96 random bits per uid; flowhound derives 96 bits from the
 * connection key and start time instead (three 32-bit hashes in one pass),
 * so the same input always yields the same uids (in `flows`, `analyze` and
 * `watch` alike).
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz' + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** uid of the connection with key (ipProto, a:pa, b:pb, one-way) that started at `tsSec`. */
export function createFlowUid(ipProto: number, oneWay: boolean, a: string, pa: number, b: string, pb: number, tsSec: number): string {
  const us = Math.round(tsSec * 1e6);
  const usHigh = Math.floor(us / 4294967296);
  const usLow = us >>> 0;
  h1 = 0x9e3779b1 ^ ipProto ^ (oneWay ? 0x100 : 0);
  h2 = 0x85ebca77 ^ pa;
  h3 = 0xc2b2ae3d ^ pb;
  for (let i = 0; i < a.length; i++) mix(a.charCodeAt(i));
  mix(0x7c);
  for (let i = 0; i < b.length; i++) mix(b.charCodeAt(i));
  mix(pa);
  mix(pb);
  mix(usLow & 0xffff);
  mix(usLow >>> 16);
  mix(usHigh);
  return `C${formatBase62(avalanche(h1 ^ h3))}${formatBase62(avalanche(h2 ^ h1))}${formatBase62(avalanche(h3 ^ h2))}`;
}

/** The three running hashes of createFlowUid (module state rather than a closure per call). */
let h1 = 0;
let h2 = 0;
let h3 = 0;

function mix(c: number): void {
  h1 = Math.imul(h1 ^ c, 0x01000193);
  h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  h3 = Math.imul((h3 << 5) - h3 + c, 0x27d4eb2d);
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function formatBase62(n: number): string {
  let out = '';
  do {
    out += ALPHABET[n % 62];
    n = Math.floor(n / 62);
  } while (n > 0);
  return out;
}
