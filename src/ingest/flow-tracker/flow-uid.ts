/**
 * Zeek-style connection uids: "C" followed by base62 digits (alphabet
 * 0-9a-zA-Z, least significant digit first, as Zeek's `util::uitoa_n`).
 * Zeek draws 96 random bits per uid; flowhound derives them from the
 * connection key and start time instead, so the same input always yields
 * the same uids (in `flows`, `analyze` and `watch` alike).
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** uid of the connection with this key that started at `tsSec`. */
export function createFlowUid(key: string, tsSec: number): string {
  const text = `${key}|${tsSec.toFixed(6)}`;
  return `C${formatBase62(hashString(text, 0x9e3779b1))}${formatBase62(hashString(text, 0x85ebca77))}${formatBase62(hashString(text, 0xc2b2ae3d))}`;
}

/** 32-bit murmur3-style hash of a string's UTF-16 code units. */
function hashString(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= s.length;
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
