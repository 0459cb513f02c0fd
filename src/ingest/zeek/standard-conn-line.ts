/**
 * The conn.log reader's fastest path: a data line of the layout Zeek writes
 * by default (STANDARD_CONN_FIELDS, then any columns flowhound does not read,
 * such as tunnel_parents, and Zeek 7's `ip_proto`, which it reads; TAB
 * separator, `-` unset, `(empty)` empty field),
 * read from its bytes field after field, with no per-column dispatch.
 *
 * 1. Each field is scanned once and must end at a TAB (the last column at
 *    the newline or the input's end; its end is left in `connLine.end`);
 *    numbers are accumulated while scanned.
 * 2. It accepts a subset of what parseConnBytes (conn-line-bytes.ts)
 *    accepts and makes the same record from it, field for field, in the
 *    same property order; for any other line it gives null and the caller
 *    tries parseConnBytes, then the text parser, which is authoritative.
 * 3. Strings as in parseConnBytes: addresses from the read's address cache,
 *    service / conn_state / history from the short-string cache, the uid a
 *    new flat copy.
 *
 * Measured (the parser alone over the first 16 MiB of the 2M-line realistic
 * conn.log, best of 40 passes): about 470 ns a line against 520 for
 * parseConnBytes' loop over column slots, both making the uid with
 * latin1Slice.
 */
import type { FlowRecord, Proto } from '../../types.js';
import { ipProtoOfProto } from '../ip-proto.js';
import { LogFlowRecord } from '../log-flow-record.js';
import { asciiString } from './ascii-string.js';
import { type ConnByteLayout, connLine, protoOf } from './conn-line-bytes.js';

/** Zeek's default conn.log columns, up to the last one flowhound reads. */
export const STANDARD_CONN_FIELDS: readonly string[] = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes',
];

const TAB = 9;
const LF = 10;
const DASH = 45;
const EMPTY = [40, 101, 109, 112, 116, 121, 41]; // "(empty)"

/**
 * Four digits at once: four bytes read as one little-endian Int32 (the
 * first byte lowest) are all digits when each byte's high nibble is 3 and
 * adding 6 to each carries out of none's low nibble (both checks are
 * needed: '*' + 6 is '0'); their value is then formed pairwise from the
 * bytes minus '0' (d0d1 and d2d3 in bytes 0 and 2, then d0d1 * 100 + d2d3).
 * Measured (the parser alone over the 2M-line realistic log's first 8 MiB,
 * valgrind instruction counts): about 300 fewer instructions a line, of
 * some 5,400, than reading ts and duration digit by digit.
 */
const HIGH_NIBBLES = 0xf0f0f0f0 | 0;
const DIGITS4_HIGH = 0x30303030;

/** 0 when the four bytes of `w` (little-endian) are all digits, else not 0. */
function notFourDigits(w: number): number {
  return ((w & HIGH_NIBBLES) ^ DIGITS4_HIGH) | ((((w + 0x06060606) | 0) & HIGH_NIBBLES) ^ DIGITS4_HIGH);
}

/** The value 0..9999 of the four digits in `w` (little-endian, checked by notFourDigits). */
function fourDigits(w: number): number {
  let v = (w - DIGITS4_HIGH) | 0;
  v = (v * 10 + (v >>> 8)) & 0x00ff00ff;
  return (v & 0xff) * 100 + (v >>> 16);
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const MAX_EXACT = 2 ** 53;

/**
 * True when a conn section's columns and tokens are the standard ones: its
 * #fields begin with STANDARD_CONN_FIELDS and have at least one more column
 * (none of them read), the separator is TAB, unset `-` and empty `(empty)`.
 */
export function isStandardConnLayout(fields: readonly string[], slots: Uint8Array, sep: number, unset: number, empty: Uint8Array): boolean {
  if (sep !== TAB || unset !== DASH || empty.length !== EMPTY.length || !EMPTY.every((ch, i) => empty[i] === ch)) return false;
  if (fields.length <= STANDARD_CONN_FIELDS.length) return false;
  const ipProtoAt = ipProtoColumnOf(fields);
  for (let i = 0; i < fields.length; i++) {
    if (i < STANDARD_CONN_FIELDS.length ? fields[i] !== STANDARD_CONN_FIELDS[i] : slots[i] !== 0 && i !== ipProtoAt) return false;
  }
  return true;
}

/** The index of the `ip_proto` column (Zeek 7 and later: after tunnel_parents), -1 when there is none. */
export function ipProtoColumnOf(fields: readonly string[]): number {
  return fields.indexOf('ip_proto');
}

/**
 * Where the last scanned field ended (its TAB's index), (scanText) the hash of its bytes and (readAddress) the address
 * (its value, else -1): module variables, not a returned object.
 */
const at = { end: 0, hash: 0, v4: -1 };

/**
 * Standard conn line `b[start, ...)` (up to its newline or the end of `b`) to a
 * FlowRecord, or null when it is not a plain line of that layout (see 2.).
 * `ncol`: the section's number of columns.
 *
 * The numeric and address fields are scanned by loops written out here, not
 * by helpers: TurboFan inlined only the first few of some twenty helper
 * calls (its inlining budget), and the parser alone took about 420 ns a
 * line with the calls against 350 with everything inlined (measured by
 * raising the budget; the realistic 2M-line log's first 16 MiB, best of
 * 40 passes).
 *
 * The line is read up to its newline or the end of `b`; the loops do not
 * compare the index with the end: a read past it gives undefined, which
 * ends every loop (`undefined ^ 48` is 48, not a digit; `undefined > LF`
 * and `undefined < TAB` are false) and is not a TAB, so such a line gives
 * null. A digit is `(ch ^ 48) < 10`: one compare, exact for bytes (XOR with
 * 48 maps 48..57, and only them, to 0..9); a dotted quad is read octet by
 * octet (up to three digits each, no loop per character). Measured with
 * valgrind on the parser alone (the realistic log's first 8 MiB): about
 * 5,000 instructions a line against 6,500 with the index compared with the
 * end and two compares per digit.
 */
export function parseStandardConnBytes(lay: ConnByteLayout, b: Buffer, start: number, ncol: number): FlowRecord | null {
  let i = start;
  let ch = 0;
  let mant = 0;
  let dot = -1;
  let frac = -1;
  // ts: as Zeek writes it (10 digits, a dot, 6 digits; read 4 digits at a time), else any plain decimal.
  const view = viewOf(b);
  if (b[i + 10] === 46 && b[i + 17] === TAB) {
    // Digits 0-3, 4-7 and 11-14 as three little-endian words (see DIGITS4_HIGH), 8, 9, 15 and 16 alone.
    const w0 = view.getInt32(i, true);
    const w1 = view.getInt32(i + 4, true);
    const w2 = view.getInt32(i + 11, true);
    const d8 = (b[i + 8] as number) ^ 48;
    const d9 = (b[i + 9] as number) ^ 48;
    const d15 = (b[i + 15] as number) ^ 48;
    const d16 = (b[i + 16] as number) ^ 48;
    if ((notFourDigits(w0) | notFourDigits(w1) | notFourDigits(w2)) === 0 && d8 < 10 && d9 < 10 && d15 < 10 && d16 < 10) {
      mant = ((fourDigits(w0) * 10000 + fourDigits(w1)) * 100 + d8 * 10 + d9) * 1e6 + (fourDigits(w2) * 100 + d15 * 10 + d16);
      i += 17;
      ch = TAB;
      frac = 6;
    }
  }
  if (frac < 0) {
    for (; ; i++) {
      ch = b[i] as number;
      const d = ch ^ 48;
      if (d < 10) mant = mant * 10 + d;
      else if (ch === 46 && dot < 0) dot = i;
      else break;
    }
    frac = dot < 0 ? 0 : i - dot - 1;
    if (ch !== TAB || i - start === (dot < 0 ? 0 : 1)) return null;
  }
  // Clinger's fast path, as parse-field.ts: digits below 2^53 and at most 22 decimals give the correctly rounded double.
  if (mant >= MAX_EXACT || frac > 22) return null;
  const ts = frac === 0 ? mant : mant / (POW10[frac] as number);
  // uid: ASCII, `-` for none.
  let p = ++i;
  let high = 0;
  for (; ; i++) {
    ch = b[i] as number;
    if (!(ch > LF || ch < TAB)) break;
    high |= ch;
  }
  if (ch !== TAB || high >= 0x80) return null;
  const uid = i - p === 1 && b[p] === DASH ? '' : asciiString(b, p, i);
  // id.orig_h, id.orig_p, id.resp_h, id.resp_p: each address a canonical dotted quad (else readAddress), each port a count ≤ 65535 of at most 5 digits.
  let origH = '';
  let origP = 0;
  let respH = '';
  let respP = 0;
  let origV4 = -1;
  let respV4 = -1;
  for (let k = 0; k < 2; k++) {
    p = ++i;
    // Octet by octet: 1 to 3 digits without a leading zero, ≤ 255, then a dot (the fourth: the TAB).
    let value = 0;
    let q = 0;
    for (; q < 4; q++) {
      let o = (b[i] as number) ^ 48;
      if (o >= 10) break;
      let d = (b[i + 1] as number) ^ 48;
      if (d < 10) {
        if (o === 0) break;
        o = o * 10 + d;
        d = (b[i + 2] as number) ^ 48;
        if (d < 10) {
          o = o * 10 + d;
          i += 3;
        } else i += 2;
      } else i++;
      if (o > 255) break;
      value = value * 256 + o;
      if (q < 3) {
        if (b[i] !== 46) break;
        i++;
      } else if (b[i] !== TAB) break;
    }
    let address: string | null;
    let v4 = -1;
    if (q === 4) {
      v4 = value;
      address = lay.addresses.internV4Text(v4, b, p, i);
    } else {
      address = readAddress(lay, b, p);
      if (address === null) return null;
      i = at.end;
      v4 = at.v4;
    }
    p = ++i;
    let port = 0;
    for (; ; i++) {
      ch = b[i] as number;
      const d = ch ^ 48;
      if (d >= 10) break;
      port = port * 10 + d;
    }
    if (ch !== TAB || i === p || i - p > 5 || port > 65535) return null;
    if (k === 0) {
      origH = address;
      origP = port;
      origV4 = v4 | 0;
    } else {
      respH = address;
      respP = port;
      respV4 = v4 | 0;
    }
  }
  // proto
  const proto = readProto(b, i + 1);
  if (proto === null) return null;
  // service: null when unset or empty.
  p = at.end + 1;
  let service: string | null = null;
  if (isUnset(b, p)) at.end = p + 1;
  else {
    const h = scanText(b, p);
    if (h < -1) return null;
    if (!isEmpty(b, p, at.end)) {
      service = lay.strings.get(b, p, at.end, h);
      if (service === null) return null;
    }
  }
  // duration: a plain decimal, null when unset; Zeek writes 6 decimals, read as for ts.
  i = p = at.end + 1;
  mant = 0;
  dot = -1;
  frac = -1;
  for (; ; i++) {
    ch = b[i] as number;
    const d = ch ^ 48;
    if (d >= 10) break;
    mant = mant * 10 + d;
  }
  if (ch === 46 && b[i + 7] === TAB) {
    const w = view.getInt32(i + 1, true);
    const d5 = (b[i + 5] as number) ^ 48;
    const d6 = (b[i + 6] as number) ^ 48;
    if (notFourDigits(w) === 0 && d5 < 10 && d6 < 10) {
      mant = mant * 1e6 + (fourDigits(w) * 100 + d5 * 10 + d6);
      dot = i;
      i += 7;
      ch = TAB;
      frac = 6;
    }
  }
  if (frac < 0) {
    for (; ; i++) {
      ch = b[i] as number;
      const d = ch ^ 48;
      if (d < 10) mant = mant * 10 + d;
      else if (ch === 46 && dot < 0) dot = i;
      else break;
    }
    frac = dot < 0 ? 0 : i - dot - 1;
  }
  let duration: number | null = null;
  if (ch === TAB && i - p > (dot < 0 ? 0 : 1) && mant < MAX_EXACT && frac <= 22) {
    duration = frac === 0 ? mant : mant / (POW10[frac] as number);
  } else {
    if (!isUnset(b, p)) return null;
    i = p + 1;
  }
  // orig_bytes, resp_bytes: counts, null when unset.
  let origBytes: number | null = null;
  let respBytes: number | null = null;
  for (let k = 0; k < 2; k++) {
    p = ++i;
    let v = 0;
    for (; ; i++) {
      ch = b[i] as number;
      const d = ch ^ 48;
      if (d >= 10) break;
      v = v * 10 + d;
    }
    let count: number | null = v;
    if (ch !== TAB || i === p || v >= MAX_EXACT) {
      if (!isUnset(b, p)) return null;
      count = null;
      i = p + 1;
    }
    if (k === 0) origBytes = count;
    else respBytes = count;
  }
  // conn_state: null when unset.
  p = i + 1;
  let connState: string | null = null;
  if (isUnset(b, p)) at.end = p + 1;
  else {
    const h = scanText(b, p);
    if (h < -1) return null;
    connState = lay.strings.get(b, p, at.end, h);
    if (connState === null) return null;
  }
  // local_orig, local_resp (not read)
  i = at.end;
  for (let k = 0; k < 2; k++) {
    for (i++; ; i++) {
      ch = b[i] as number;
      if (!(ch > LF || ch < TAB)) break;
    }
    if (ch !== TAB) return null;
  }
  // missed_bytes, then (after history) orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes: counts, 0 when unset.
  let missedBytes = 0;
  let origPkts = 0;
  let origIpBytes = 0;
  let respPkts = 0;
  let respIpBytes = 0;
  let history: string | null = null;
  for (let k = 0; k < 5; k++) {
    p = ++i;
    let v = 0;
    for (; ; i++) {
      ch = b[i] as number;
      const d = ch ^ 48;
      if (d >= 10) break;
      v = v * 10 + d;
    }
    if (ch !== TAB || i === p || v >= MAX_EXACT) {
      if (!isUnset(b, p)) return null;
      v = 0;
      i = p + 1;
    }
    if (k === 0) {
      missedBytes = v;
      // history: null when unset, "" when empty.
      p = i + 1;
      if (isUnset(b, p)) at.end = p + 1;
      else {
        const h = scanText(b, p);
        if (h < -1) return null;
        if (isEmpty(b, p, at.end)) history = '';
        else {
          history = lay.strings.get(b, p, at.end, h);
          if (history === null) return null;
        }
      }
      i = at.end;
    } else if (k === 1) origPkts = v;
    else if (k === 2) origIpBytes = v;
    else if (k === 3) respPkts = v;
    else respIpBytes = v;
  }
  // The further columns: all but the last end at a TAB, the last at the line's end. Only ip_proto
  // (Zeek 7 and later, after tunnel_parents) is read: a count ≤ 255, or unset (then derived from proto).
  let ipProto = -1;
  const ipProtoColumn = lay.ipProtoColumn;
  for (let c = STANDARD_CONN_FIELDS.length; c < ncol; c++) {
    p = ++i;
    if (c === ipProtoColumn) {
      let v = 0;
      for (; ; i++) {
        ch = b[i] as number;
        const d = ch ^ 48;
        if (d >= 10) break;
        v = v * 10 + d;
      }
      if (i === p || i - p > 3 || v > 255) {
        if (b[p] !== DASH) return null;
        i = p + 1;
        ch = b[i] as number;
      } else ipProto = v;
    } else {
      for (; ; i++) {
        ch = b[i] as number;
        if (!(ch > LF || ch < TAB)) break;
      }
    }
    if (c < ncol - 1 ? ch !== TAB : ch !== LF && ch !== undefined) return null;
  }
  connLine.end = i;
  return new LogFlowRecord(
    ts,
    uid,
    origH,
    origP,
    respH,
    respP,
    proto,
    service,
    duration,
    origBytes,
    respBytes,
    connState,
    history,
    missedBytes,
    origPkts,
    origIpBytes,
    respPkts,
    respIpBytes,
    origV4,
    respV4,
    ipProto >= 0 ? ipProto : ipProtoOfProto(proto, respH),
  );
}

let viewBytes: Buffer | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** A DataView of `b` (made once per buffer: the reader passes one buffer per block of lines). */
function viewOf(b: Buffer): DataView<ArrayBufferLike> {
  if (b !== viewBytes) {
    view = new DataView(b.buffer, b.byteOffset, b.length);
    viewBytes = b;
  }
  return view;
}

/** True when the field at `p` is the unset token `-` followed by a TAB. */
function isUnset(b: Buffer, p: number): boolean {
  return b[p] === DASH && b[p + 1] === TAB;
}

function isEmpty(b: Buffer, s: number, e: number): boolean {
  if (e - s !== EMPTY.length) return false;
  for (let i = 0; i < EMPTY.length; i++) if (b[s + i] !== EMPTY[i]) return false;
  return true;
}

/**
 * Skips a field to its TAB; returns the hash of its bytes (the short-string
 * cache's), -1 when one is not ASCII, -2 when the field does not end at a
 * TAB (the line or `b` ends first). Sets `at.end`.
 */
function scanText(b: Buffer, p: number): number {
  let i = p;
  let h = 0;
  let high = 0;
  let ch = 0;
  for (; ; i++) {
    ch = b[i] as number;
    if (!(ch > LF || ch < TAB)) break;
    h = (Math.imul(h, 31) + ch) | 0;
    high |= ch;
  }
  at.end = i;
  if (ch !== TAB) return -2;
  return high >= 0x80 ? -1 : h & 0x7fffffff;
}

/**
 * An address field up to its TAB: a canonical dotted quad by its value from
 * the address cache, any other form from its bytes; null when unset or the
 * line ends first. Sets `at.end` and `at.v4` (the value, else -1).
 */
function readAddress(lay: ConnByteLayout, b: Buffer, p: number): string | null {
  const v = scanDottedQuad(b, p, b.length);
  // Not a dotted quad ending at a TAB: the field up to its TAB is not one either.
  at.v4 = v;
  if (v >= 0) return lay.addresses.internV4Text(v, b, p, at.end);
  if (isUnset(b, p) || scanText(b, p) < -1) return null;
  return lay.addresses.internBytes(b, p, at.end);
}

/**
 * A canonical dotted quad (four decimal octets ≤ 255 without leading zeros,
 * as address-interner.ts reads one) ending at a TAB: its 32-bit value, else
 * -1. Sets `at.end` when it is one.
 */
function scanDottedQuad(b: Buffer, p: number, limit: number): number {
  let value = 0;
  let i = p;
  for (let k = 0; k < 4; k++) {
    const s = i;
    let octet = 0;
    for (; i < limit; i++) {
      const d = (b[i] as number) - 48;
      if (d < 0 || d > 9) break;
      octet = octet * 10 + d;
    }
    const n = i - s;
    if (n === 0 || n > 3 || octet > 255 || (n > 1 && b[s] === 48) || i === limit || b[i] !== (k === 3 ? TAB : 46)) return -1;
    value = value * 256 + octet;
    i++;
  }
  at.end = i - 1;
  return value;
}

/** The proto field up to its TAB; unset is unknown_transport; null when not a Zeek proto. Sets `at.end`. */
function readProto(b: Buffer, p: number): Proto | null {
  if (b[p + 3] === TAB) {
    const a = b[p];
    if (a === 116 && b[p + 1] === 99 && b[p + 2] === 112) {
      at.end = p + 3;
      return 'tcp';
    }
    if (a === 117 && b[p + 1] === 100 && b[p + 2] === 112) {
      at.end = p + 3;
      return 'udp';
    }
  }
  if (isUnset(b, p)) {
    at.end = p + 1;
    return 'unknown_transport';
  }
  if (scanText(b, p) < -1) return null;
  return protoOf(b, p, at.end);
}
