/**
 * The conn.log reader's fastest path: a data line of the layout Zeek writes
 * by default (STANDARD_CONN_FIELDS, then any columns flowhound does not read,
 * such as tunnel_parents; TAB separator, `-` unset, `(empty)` empty field),
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
  for (let i = 0; i < fields.length; i++) {
    if (i < STANDARD_CONN_FIELDS.length ? fields[i] !== STANDARD_CONN_FIELDS[i] : slots[i] !== 0) return false;
  }
  return true;
}

/** Where the last scanned field ended (its TAB's index), and (scanText) the hash of its bytes: module variables, not a returned object. */
const at = { end: 0, hash: 0 };

/**
 * Standard conn line `b[start, ...)` (up to its newline or `limit`) to a
 * FlowRecord, or null when it is not a plain line of that layout (see 2.).
 * `ncol`: the section's number of columns.
 */
export function parseStandardConnBytes(lay: ConnByteLayout, b: Buffer, start: number, limit: number, ncol: number): FlowRecord | null {
  // ts
  const ts = scanDecimal(b, start, limit);
  if (ts < 0) return null;
  // uid
  let p = at.end + 1;
  let uid = '';
  if (!isUnset(b, p, limit)) {
    if (scanText(b, p, limit) < 0) return null;
    uid = asciiString(b, p, at.end);
  } else at.end = p + 1;
  // id.orig_h, id.orig_p
  p = at.end + 1;
  const origH = readAddress(lay, b, p, limit);
  if (origH === null) return null;
  p = at.end + 1;
  const origP = scanPort(b, p, limit);
  if (origP < 0) return null;
  // id.resp_h, id.resp_p
  p = at.end + 1;
  const respH = readAddress(lay, b, p, limit);
  if (respH === null) return null;
  p = at.end + 1;
  const respP = scanPort(b, p, limit);
  if (respP < 0) return null;
  // proto
  p = at.end + 1;
  const proto = readProto(b, p, limit);
  if (proto === null) return null;
  // service
  p = at.end + 1;
  let service: string | null = null;
  if (isUnset(b, p, limit)) at.end = p + 1;
  else {
    const h = scanText(b, p, limit);
    if (h < -1) return null;
    if (!isEmpty(b, p, at.end)) {
      service = lay.strings.get(b, p, at.end, h);
      if (service === null) return null;
    }
  }
  // duration, orig_bytes, resp_bytes
  p = at.end + 1;
  let duration: number | null = scanDecimal(b, p, limit);
  if (duration < 0) {
    if (!isUnset(b, p, limit)) return null;
    duration = null;
    at.end = p + 1;
  }
  p = at.end + 1;
  const origBytes = scanOptionalCount(b, p, limit);
  if (origBytes === -1) return null;
  p = at.end + 1;
  const respBytes = scanOptionalCount(b, p, limit);
  if (respBytes === -1) return null;
  // conn_state
  p = at.end + 1;
  let connState: string | null = null;
  if (isUnset(b, p, limit)) at.end = p + 1;
  else {
    const h = scanText(b, p, limit);
    if (h < -1) return null;
    connState = lay.strings.get(b, p, at.end, h);
    if (connState === null) return null;
  }
  // local_orig, local_resp (not read)
  if (scanText(b, at.end + 1, limit) < -1 || scanText(b, at.end + 1, limit) < -1) return null;
  // missed_bytes
  p = at.end + 1;
  const missedBytes = scanDefaultCount(b, p, limit);
  if (missedBytes < 0) return null;
  // history
  p = at.end + 1;
  let history: string | null = null;
  if (isUnset(b, p, limit)) at.end = p + 1;
  else {
    const h = scanText(b, p, limit);
    if (h < -1) return null;
    if (isEmpty(b, p, at.end)) history = '';
    else {
      history = lay.strings.get(b, p, at.end, h);
      if (history === null) return null;
    }
  }
  // orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes
  p = at.end + 1;
  const origPkts = scanDefaultCount(b, p, limit);
  if (origPkts < 0) return null;
  p = at.end + 1;
  const origIpBytes = scanDefaultCount(b, p, limit);
  if (origIpBytes < 0) return null;
  p = at.end + 1;
  const respPkts = scanDefaultCount(b, p, limit);
  if (respPkts < 0) return null;
  p = at.end + 1;
  const respIpBytes = scanDefaultCount(b, p, limit);
  if (respIpBytes < 0) return null;
  // The columns not read: all but the last end at a TAB, the last at the line's end.
  p = at.end + 1;
  for (let c = STANDARD_CONN_FIELDS.length; c < ncol - 1; c++) {
    if (scanText(b, p, limit) < -1) return null;
    p = at.end + 1;
  }
  let i = p;
  while (i < limit) {
    const ch = b[i] as number;
    if (ch === LF) break;
    if (ch === TAB) return null;
    i++;
  }
  connLine.end = i;
  return {
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
  };
}

/** True when the field at `p` is the unset token `-` followed by a TAB. */
function isUnset(b: Buffer, p: number, limit: number): boolean {
  return p + 1 < limit && b[p] === DASH && b[p + 1] === TAB;
}

function isEmpty(b: Buffer, s: number, e: number): boolean {
  if (e - s !== EMPTY.length) return false;
  for (let i = 0; i < EMPTY.length; i++) if (b[s + i] !== EMPTY[i]) return false;
  return true;
}

/**
 * Skips a field to its TAB; returns the hash of its bytes (the short-string
 * cache's), -1 when one is not ASCII, -2 when the field does not end at a
 * TAB (the line ends first). Sets `at.end`.
 */
function scanText(b: Buffer, p: number, limit: number): number {
  let i = p;
  let h = 0;
  let high = 0;
  while (i < limit) {
    const ch = b[i] as number;
    if (ch === TAB || ch === LF) break;
    h = (Math.imul(h, 31) + ch) | 0;
    high |= ch;
    i++;
  }
  at.end = i;
  if (i === limit || b[i] !== TAB) return -2;
  return high >= 0x80 ? -1 : h & 0x7fffffff;
}

/** Digits up to a TAB, as a number; -1 when the field is anything else (empty, another byte, no TAB, 2^53 or more). Sets `at.end`. */
function scanCount(b: Buffer, p: number, limit: number): number {
  let v = 0;
  let i = p;
  for (; i < limit; i++) {
    const d = (b[i] as number) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  at.end = i;
  return i > p && i < limit && b[i] === TAB && v < MAX_EXACT ? v : -1;
}

/** A port (0..65535, at most five digits) up to a TAB; -1 when not one. */
function scanPort(b: Buffer, p: number, limit: number): number {
  const v = scanCount(b, p, limit);
  return v > 65535 || at.end - p > 5 ? -1 : v;
}

/** A count, null when unset; -1 when neither. */
function scanOptionalCount(b: Buffer, p: number, limit: number): number | null {
  const v = scanCount(b, p, limit);
  if (v >= 0) return v;
  if (!isUnset(b, p, limit)) return -1;
  at.end = p + 1;
  return null;
}

/** A count, 0 when unset; -1 when neither. */
function scanDefaultCount(b: Buffer, p: number, limit: number): number {
  const v = scanCount(b, p, limit);
  if (v >= 0 || !isUnset(b, p, limit)) return v;
  at.end = p + 1;
  return 0;
}

/**
 * A plain decimal up to a TAB (digits with at most one dot; Clinger's fast
 * path as in parse-field.ts, so the correctly rounded double); -1 for
 * anything else. Sets `at.end`.
 */
function scanDecimal(b: Buffer, p: number, limit: number): number {
  let mant = 0;
  let dotAt = -1;
  let i = p;
  for (; i < limit; i++) {
    const ch = b[i] as number;
    const d = ch - 48;
    if (d >= 0 && d <= 9) mant = mant * 10 + d;
    else if (ch === 46 && dotAt < 0) dotAt = i;
    else break;
  }
  at.end = i;
  if (i === limit || b[i] !== TAB || mant >= MAX_EXACT) return -1;
  const digits = dotAt < 0 ? i - p : i - p - 1;
  const frac = dotAt < 0 ? 0 : i - dotAt - 1;
  if (digits === 0 || frac > 22) return -1;
  return frac === 0 ? mant : mant / (POW10[frac] as number);
}

/**
 * An address field up to its TAB: a canonical dotted quad by its value from
 * the address cache, any other form from its bytes; null when unset or the
 * line ends first. Sets `at.end`.
 */
function readAddress(lay: ConnByteLayout, b: Buffer, p: number, limit: number): string | null {
  const v = scanDottedQuad(b, p, limit);
  if (v >= 0) return lay.addresses.internV4Text(v, b, p, at.end);
  if (isUnset(b, p, limit) || scanText(b, p, limit) < -1) return null;
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
function readProto(b: Buffer, p: number, limit: number): Proto | null {
  if (p + 3 < limit && b[p + 3] === TAB) {
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
  if (isUnset(b, p, limit)) {
    at.end = p + 1;
    return 'unknown_transport';
  }
  if (scanText(b, p, limit) < -1) return null;
  return protoOf(b, p, at.end);
}
