/**
 * Zeek-style connection uids: "C" followed by base62 digits (alphabet
 * 0-9a-zA-Z, least significant digit first, as Zeek's `util::uitoa_n`).
 * Zeek draws 96 random bits per uid; flowhound derives 96 bits from the
 * connection key and start time instead (three 32-bit hashes in one pass),
 * so the same input always yields the same uids (in `flows`, `analyze` and
 * `watch` alike).
 *
 * The hashes run over the text `${a}|${b}` and then over pa, pb and the start
 * time in µs (low 16 bits, next 16 bits, the rest). The uids are stored by
 * users and pinned in tests, so this definition must not change; only how it
 * is computed may (test/ingest/flow-tracker/flow-uid.test.ts pins outputs).
 *
 * Speed notes (measured, node 20): the three running hashes are locals (module
 * `let` state made each step a context load and store, about twice as slow), and
 * the uid is built by one `String.fromCharCode` call with the char codes as
 * explicit arguments, the digits taken two at a time from a table of the 3844
 * base62 digit pairs (repeated `+=` of one-char strings was most of the cost).
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz' + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const P1 = 0x01000193;
const P2 = 0x5bd1e995;
const P3 = 0x27d4eb2d;

const CHAR_0 = 0x30;
const CHAR_DOT = 0x2e;
const CHAR_BAR = 0x7c;
const CHAR_C = 0x43;

/** Char codes of the two base62 digits of i < 62², least significant first: [2i] = digit 0, [2i + 1] = digit 1. */
const PAIR_CODES = new Int32Array(62 * 62 * 2);
for (let i = 0; i < 62 * 62; i++) {
  PAIR_CODES[2 * i] = ALPHABET.charCodeAt(i % 62);
  PAIR_CODES[2 * i + 1] = ALPHABET.charCodeAt((i / 62) | 0);
}

/** uid of the connection with key (ipProto, a:pa, b:pb, one-way) that started at `tsSec`. */
export function createFlowUid(ipProto: number, oneWay: boolean, a: string, pa: number, b: string, pb: number, tsSec: number): string {
  return uidText(flowUidCodes(ipProto, oneWay, a, pa, b, pb, tsSec));
}

/** `createFlowUid`'s char codes, left in UID_CODES; returns how many. */
export function flowUidCodes(ipProto: number, oneWay: boolean, a: string, pa: number, b: string, pb: number, tsSec: number): number {
  let h1 = 0x9e3779b1 ^ ipProto ^ (oneWay ? 0x100 : 0);
  let h2 = 0x85ebca77 ^ pa;
  let h3 = 0xc2b2ae3d ^ pb;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, P1);
    h2 = Math.imul(h2 ^ c, P2);
    h3 = Math.imul((h3 << 5) - h3 + c, P3);
  }
  h1 = Math.imul(h1 ^ CHAR_BAR, P1);
  h2 = Math.imul(h2 ^ CHAR_BAR, P2);
  h3 = Math.imul((h3 << 5) - h3 + CHAR_BAR, P3);
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, P1);
    h2 = Math.imul(h2 ^ c, P2);
    h3 = Math.imul((h3 << 5) - h3 + c, P3);
  }
  return finishUidCodes(h1, h2, h3, pa, pb, tsSec);
}

/**
 * `createFlowUid` for IPv4 addresses given as 32-bit integers (`(b0 << 24) | (b1 << 16) | (b2 << 8) | b3`,
 * signed or unsigned): the same uid as `createFlowUid` with the dotted-quad texts `${b0}.${b1}.${b2}.${b3}`,
 * without building them (the decimal digits of each byte are hashed directly).
 */
export function createFlowUidIpv4(ipProto: number, oneWay: boolean, aN: number, pa: number, bN: number, pb: number, tsSec: number): string {
  return uidText(flowUidIpv4Codes(ipProto, oneWay, aN, pa, bN, pb, tsSec));
}

/** `createFlowUidIpv4`'s char codes, left in UID_CODES; returns how many. */
export function flowUidIpv4Codes(ipProto: number, oneWay: boolean, aN: number, pa: number, bN: number, pb: number, tsSec: number): number {
  let h1 = 0x9e3779b1 ^ ipProto ^ (oneWay ? 0x100 : 0);
  let h2 = 0x85ebca77 ^ pa;
  let h3 = 0xc2b2ae3d ^ pb;
  // The 8 bytes of a then b, most significant first; '.' between the bytes of an address, '|' between a and b.
  for (let i = 0; i < 8; i++) {
    let v = ((i < 4 ? aN : bN) >>> (24 - 8 * (i & 3))) & 255;
    let c: number;
    if (i !== 0) {
      c = i === 4 ? CHAR_BAR : CHAR_DOT;
      h1 = Math.imul(h1 ^ c, P1);
      h2 = Math.imul(h2 ^ c, P2);
      h3 = Math.imul((h3 << 5) - h3 + c, P3);
    }
    if (v >= 100) {
      c = CHAR_0 + ((v / 100) | 0);
      h1 = Math.imul(h1 ^ c, P1);
      h2 = Math.imul(h2 ^ c, P2);
      h3 = Math.imul((h3 << 5) - h3 + c, P3);
      v %= 100;
      c = CHAR_0 + ((v / 10) | 0);
      h1 = Math.imul(h1 ^ c, P1);
      h2 = Math.imul(h2 ^ c, P2);
      h3 = Math.imul((h3 << 5) - h3 + c, P3);
    } else if (v >= 10) {
      c = CHAR_0 + ((v / 10) | 0);
      h1 = Math.imul(h1 ^ c, P1);
      h2 = Math.imul(h2 ^ c, P2);
      h3 = Math.imul((h3 << 5) - h3 + c, P3);
    }
    c = CHAR_0 + (v % 10);
    h1 = Math.imul(h1 ^ c, P1);
    h2 = Math.imul(h2 ^ c, P2);
    h3 = Math.imul((h3 << 5) - h3 + c, P3);
  }
  return finishUidCodes(h1, h2, h3, pa, pb, tsSec);
}

/**
 * uid of an IP tunnel (the `tunnel_parents` of the connections inside it) from its identity `key`
 * (decode-frame.ts: the outer address pair). Zeek draws a fresh uid per tunnel and logs it in
 * tunnel.log; flowhound writes no tunnel.log, so the same tunnel always gets the same uid.
 */
export function createTunnelUid(key: number): string {
  return uidText(finishUidCodes(Math.imul(key, P1) ^ 0x54554e4c, Math.imul(key, P2), Math.imul(key, P3) ^ 0x47524500, 0, 0, 0));
}

/** Mixes pa, pb and the start time into the hashes of the address text; leaves the uid's char codes in UID_CODES and returns how many. */
function finishUidCodes(h1: number, h2: number, h3: number, pa: number, pb: number, tsSec: number): number {
  const us = Math.round(tsSec * 1e6);
  const usHigh = Math.floor(us / 4294967296);
  const usLow = us >>> 0;
  h1 = Math.imul(h1 ^ pa, P1);
  h2 = Math.imul(h2 ^ pa, P2);
  h3 = Math.imul((h3 << 5) - h3 + pa, P3);
  h1 = Math.imul(h1 ^ pb, P1);
  h2 = Math.imul(h2 ^ pb, P2);
  h3 = Math.imul((h3 << 5) - h3 + pb, P3);
  let c = usLow & 0xffff;
  h1 = Math.imul(h1 ^ c, P1);
  h2 = Math.imul(h2 ^ c, P2);
  h3 = Math.imul((h3 << 5) - h3 + c, P3);
  c = usLow >>> 16;
  h1 = Math.imul(h1 ^ c, P1);
  h2 = Math.imul(h2 ^ c, P2);
  h3 = Math.imul((h3 << 5) - h3 + c, P3);
  h1 = Math.imul(h1 ^ usHigh, P1);
  h2 = Math.imul(h2 ^ usHigh, P2);
  h3 = Math.imul((h3 << 5) - h3 + usHigh, P3);
  return uidCodes(avalanche(h1 ^ h3), avalanche(h2 ^ h1), avalanche(h3 ^ h2));
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Char codes of the last uid worked out: "C" and up to 3 × 6 digits (62⁶ > 2³²). The conn.log line encoder
 * copies them into its bytes (conn-line.ts), so no uid string is made there.
 */
export const UID_CODES: number[] = new Array<number>(19).fill(0);

/** Leaves "C" + base62(u1) + base62(u2) + base62(u3) (each unsigned 32-bit) in UID_CODES; returns the length. */
function uidCodes(u1: number, u2: number, u3: number): number {
  const s = UID_CODES;
  s[0] = CHAR_C;
  return putBase62(s, putBase62(s, putBase62(s, 1, u1), u2), u3);
}

/** The uid whose `n` char codes are in UID_CODES. */
function uidText(n: number): string {
  const s = UID_CODES;
  // Most uids have 19, 18 or 17 chars (each number has 6 digits with probability 1 - 62⁵/2³² ≈ 0.79).
  if (n === 19) return String.fromCharCode(CHAR_C, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!, s[8]!, s[9]!, s[10]!, s[11]!, s[12]!, s[13]!, s[14]!, s[15]!, s[16]!, s[17]!, s[18]!);
  if (n === 18) return String.fromCharCode(CHAR_C, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!, s[8]!, s[9]!, s[10]!, s[11]!, s[12]!, s[13]!, s[14]!, s[15]!, s[16]!, s[17]!);
  if (n === 17) return String.fromCharCode(CHAR_C, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!, s[8]!, s[9]!, s[10]!, s[11]!, s[12]!, s[13]!, s[14]!, s[15]!, s[16]!);
  return String.fromCharCode.apply(null, s.slice(0, n));
}

/**
 * Writes the base62 digits of the unsigned 32-bit `u` (least significant first, no trailing zero digits;
 * "0" for 0) at s[at..]; returns the index after the last one. Always writes 6 codes: those past the last
 * digit are overwritten by the next number or ignored.
 */
function putBase62(s: number[], at: number, u: number): number {
  const q = (u / 3844) >>> 0;
  const p0 = (u - q * 3844) * 2;
  const p2 = (q / 3844) | 0;
  const p1 = (q - p2 * 3844) * 2;
  s[at] = PAIR_CODES[p0]!;
  s[at + 1] = PAIR_CODES[p0 + 1]!;
  s[at + 2] = PAIR_CODES[p1]!;
  s[at + 3] = PAIR_CODES[p1 + 1]!;
  s[at + 4] = PAIR_CODES[p2 * 2]!;
  s[at + 5] = PAIR_CODES[p2 * 2 + 1]!;
  // The digit count as a sum of every comparison (p2 >= 62 implies p2 > 0, which implies q >= 62, ...): a
  // chain of conditionals made its rarer comparisons first when a rare uid length came, without type
  // feedback, which deoptimised the uid formatting there (30 % into the realistic bench capture).
  return at + 1 + (u >= 62 ? 1 : 0) + (q > 0 ? 1 : 0) + (q >= 62 ? 1 : 0) + (p2 > 0 ? 1 : 0) + (p2 >= 62 ? 1 : 0);
}
