/**
 * The fast path of the conn.log reader (read-zeek-tsv.ts): one data line
 * read from the input's bytes, not from decoded text, so a chunk is never
 * decoded to a string and a line allocates only its record, its uid and the
 * strings a cache does not already hold.
 *
 * 1. Each field is scanned once, up to the separator or the line's newline
 *    (the line's end is found on the way and left in `connLine.end`); a
 *    numeric field is accumulated while scanned.
 * 2. Addresses come from the read's address cache (from the bytes: no string
 *    on a hit); conn_state, service and history from a small cache of
 *    short strings (a log repeats a few dozen values); the uid is a new
 *    string, a copy, never a view of the chunk.
 * 3. It is conservative: anything but a plain line (a field that does not
 *    parse, a number needing the general parser, a wrong field count, a
 *    non-ASCII byte in a kept string, a CR in a numeric field) gives null,
 *    and the caller reads that line from its text with parseConnLine, which
 *    is authoritative (its record or its error message). So a record made
 *    here equals the one parseConnLine makes of the same line, field for
 *    field, in the same property order (one hidden class for both).
 * 4. origV4 / respV4 are the values scanDottedQuad read, `| 0` (-1 when
 *    not a canonical dotted quad); only an address in the last column of a CRLF
 *    line, whose scan included the CR, is parsed again from its string.
 */
import { dottedQuadValue } from '../../detect/dotted-quad.js';
import type { FlowRecord, Proto } from '../../types.js';
import { ipProtoOfProto } from '../ip-proto.js';
import { LogFlowRecord } from '../log-flow-record.js';
import type { AddressInterner } from './address-interner.js';
import { asciiString } from './ascii-string.js';

// Column slots: index + 1 into CONN_COLUMNS (log-kind.ts), as in read-zeek-tsv.ts.
// Literals, not imports: a switch over literal cases compiles to a jump table.
const C_TS = 1, C_UID = 2, C_OH = 3, C_OP = 4, C_RH = 5, C_RP = 6, C_PROTO = 7, C_SERVICE = 8, C_DURATION = 9;
const C_OBYTES = 10, C_RBYTES = 11, C_STATE = 12, C_MISSED = 13, C_HISTORY = 14, C_OPKTS = 15, C_OIPB = 16, C_RPKTS = 17, C_RIPB = 18;
const C_IPPROTO = 19;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const MAX_EXACT = 2 ** 53;

/** A conn section's layout, for sections whose separator and unset token are one ASCII byte each (every real Zeek log). */
export interface ConnByteLayout {
  /** Per column: its slot (above), 0 for a column not read. */
  slots: Uint8Array;
  /** The separator byte (never LF or CR). */
  sep: number;
  /** The unset token's byte. */
  unset: number;
  /** The empty-field token as bytes (ASCII). */
  empty: Uint8Array;
  addresses: AddressInterner;
  strings: ShortStringCache;
  /** The section has Zeek's default columns and tokens: its lines are tried with parseStandardConnBytes (standard-conn-line.ts) first. */
  standard: boolean;
  /** The index of the `ip_proto` column, -1 when the section has none (parseStandardConnBytes reads it by index). */
  ipProtoColumn: number;
}

/** Where the line read by the last parseConnBytes call ended: its newline's index, or the limit. */
export const connLine = { end: 0 };

/**
 * Where the last scanned field ended, and (scanHashed) the hash of its bytes,
 * -1 when one is not ASCII: module variables, not a returned object (no
 * allocation per field).
 */
const at = { end: 0, hash: 0 };

/** Buffer's one-byte decode of a range, without toString's argument handling (a copy, not a view). */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/**
 * Conn line `b[start, ...)` (up to its newline or `limit`) to a FlowRecord,
 * or null when the line is not plain (see 3. above).
 */
export function parseConnBytes(lay: ConnByteLayout, b: Buffer, start: number, limit: number): FlowRecord | null {
  const slots = lay.slots;
  const ncol = slots.length;
  const sep = lay.sep;
  const unset = lay.unset;
  let ts = Number.NaN;
  let uid = '';
  let origH: string | null = null;
  let origP = Number.NaN;
  let respH: string | null = null;
  let respP = Number.NaN;
  let proto: Proto = 'unknown_transport';
  let service: string | null = null;
  let duration: number | null = null;
  let origBytes: number | null = null;
  let respBytes: number | null = null;
  let connState: string | null = null;
  let history: string | null = null;
  let missedBytes = 0;
  let origPkts = 0;
  let origIpBytes = 0;
  let respPkts = 0;
  let respIpBytes = 0;
  let origV4 = -1;
  let respV4 = -1;
  let ipProto = -1;
  let p = start;
  for (let c = 0; c < ncol; c++) {
    const slot = slots[c] as number;
    let v = 0;
    switch (slot) {
      case C_TS:
      case C_DURATION:
        v = scanDecimal(b, p, limit, sep);
        break;
      case C_OP:
      case C_RP:
        v = scanCount(b, p, limit, sep);
        if (v > 65535 || at.end - p > 5) v = Number.NaN;
        break;
      case C_OBYTES:
      case C_RBYTES:
      case C_MISSED:
      case C_OPKTS:
      case C_OIPB:
      case C_RPKTS:
      case C_RIPB:
      case C_IPPROTO:
        v = scanCount(b, p, limit, sep);
        break;
      case C_OH:
      case C_RH:
        v = scanDottedQuad(b, p, limit, sep);
        break;
      case C_SERVICE:
      case C_STATE:
      case C_HISTORY:
        scanHashed(b, p, limit, sep);
        break;
      default:
        scanField(b, p, limit, sep);
    }
    const i = at.end;
    let fe = i;
    if (i === limit || b[i] === 10) {
      if (c !== ncol - 1) return null;
      connLine.end = i;
      if (i > p && b[i - 1] === 13) fe = i - 1;
    } else if (c === ncol - 1) {
      return null;
    }
    if (slot !== 0 && !(fe - p === 1 && b[p] === unset)) {
      switch (slot) {
        case C_TS:
          if (Number.isNaN(v)) return null;
          ts = v;
          break;
        case C_UID: {
          if (!isAscii(b, p, fe)) return null;
          uid = asciiString(b, p, fe);
          break;
        }
        case C_OH:
          origH = v >= 0 && fe === i ? lay.addresses.internV4Text(v, b, p, fe) : lay.addresses.internBytes(b, p, fe);
          origV4 = (v >= 0 ? v : fe === i ? -1 : dottedQuadValue(origH)) | 0;
          break;
        case C_OP:
          if (Number.isNaN(v)) return null;
          origP = v;
          break;
        case C_RH:
          respH = v >= 0 && fe === i ? lay.addresses.internV4Text(v, b, p, fe) : lay.addresses.internBytes(b, p, fe);
          respV4 = (v >= 0 ? v : fe === i ? -1 : dottedQuadValue(respH)) | 0;
          break;
        case C_RP:
          if (Number.isNaN(v)) return null;
          respP = v;
          break;
        case C_PROTO: {
          const pr = protoOf(b, p, fe);
          if (pr === null) return null;
          proto = pr;
          break;
        }
        case C_SERVICE:
          if (isEmpty(lay.empty, b, p, fe)) service = null;
          else {
            service = fe === i ? lay.strings.get(b, p, fe, at.hash) : lay.strings.get(b, p, fe, hashOf(b, p, fe));
            if (service === null) return null;
          }
          break;
        case C_DURATION:
          if (!(v >= 0)) return null;
          duration = v;
          break;
        case C_OBYTES:
          if (Number.isNaN(v)) return null;
          origBytes = v;
          break;
        case C_RBYTES:
          if (Number.isNaN(v)) return null;
          respBytes = v;
          break;
        case C_STATE:
          connState = fe === i ? lay.strings.get(b, p, fe, at.hash) : lay.strings.get(b, p, fe, hashOf(b, p, fe));
          if (connState === null) return null;
          break;
        case C_MISSED:
          if (Number.isNaN(v)) return null;
          missedBytes = v;
          break;
        case C_HISTORY:
          if (isEmpty(lay.empty, b, p, fe)) history = '';
          else {
            history = fe === i ? lay.strings.get(b, p, fe, at.hash) : lay.strings.get(b, p, fe, hashOf(b, p, fe));
            if (history === null) return null;
          }
          break;
        case C_OPKTS:
          if (Number.isNaN(v)) return null;
          origPkts = v;
          break;
        case C_OIPB:
          if (Number.isNaN(v)) return null;
          origIpBytes = v;
          break;
        case C_RPKTS:
          if (Number.isNaN(v)) return null;
          respPkts = v;
          break;
        case C_RIPB:
          if (Number.isNaN(v)) return null;
          respIpBytes = v;
          break;
        case C_IPPROTO:
          if (!(v <= 255)) return null;
          ipProto = v;
          break;
      }
    }
    p = i + 1;
  }
  if (Number.isNaN(ts) || origH === null || respH === null || Number.isNaN(origP) || Number.isNaN(respP)) return null;
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

/** Skips to the end of the field at `p` (separator, newline or limit); sets `at.end`. */
function scanField(b: Buffer, p: number, limit: number, sep: number): void {
  let i = p;
  while (i < limit) {
    const ch = b[i] as number;
    if (ch === sep || ch === 10) break;
    i++;
  }
  at.end = i;
}

/**
 * An address field: its 32-bit value when it is a canonical dotted quad
 * (four decimal octets ≤ 255 without leading zeros, as address-interner.ts
 * reads one), else -1 (the caller asks the interner with the bytes). Sets
 * `at.end`.
 */
function scanDottedQuad(b: Buffer, p: number, limit: number, sep: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let ok = true;
  let i = p;
  for (; i < limit; i++) {
    const ch = b[i] as number;
    if (ch === sep || ch === 10) break;
    if (ch === 46 /* . */) {
      if (digits === 0 || digits > 3 || octet > 255) ok = false;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
      continue;
    }
    const d = ch - 48;
    if (d < 0 || d > 9 || (digits === 1 && octet === 0)) ok = false;
    octet = octet * 10 + d;
    digits++;
  }
  at.end = i;
  if (!ok || dots !== 3 || digits === 0 || digits > 3 || octet > 255) return -1;
  return value * 256 + octet;
}

/** As scanField, also leaving the field's hash (hashOf) in `at.hash`. */
function scanHashed(b: Buffer, p: number, limit: number, sep: number): void {
  let i = p;
  let h = 0;
  let high = 0;
  while (i < limit) {
    const ch = b[i] as number;
    if (ch === sep || ch === 10) break;
    h = (Math.imul(h, 31) + ch) | 0;
    high |= ch;
    i++;
  }
  at.end = i;
  at.hash = high >= 0x80 ? -1 : h & 0x7fffffff;
}

/** The hash ShortStringCache.get takes: of the bytes, -1 when one is not ASCII. */
function hashOf(b: Buffer, s: number, e: number): number {
  let h = 0;
  let high = 0;
  for (let i = s; i < e; i++) {
    const ch = b[i] as number;
    h = (Math.imul(h, 31) + ch) | 0;
    high |= ch;
  }
  return high >= 0x80 ? -1 : h & 0x7fffffff;
}

/** A count; NaN when the field is not only digits (or too big). Sets `at.end`. */
function scanCount(b: Buffer, p: number, limit: number, sep: number): number {
  let v = 0;
  let ok = true;
  let i = p;
  for (; i < limit; i++) {
    const ch = b[i] as number;
    if (ch === sep || ch === 10) break;
    const d = ch - 48;
    if (d >= 0 && d <= 9) v = v * 10 + d;
    else ok = false;
  }
  at.end = i;
  return ok && i > p && v < MAX_EXACT ? v : Number.NaN;
}

/**
 * A plain decimal (digits with at most one dot: Clinger's fast path, as
 * parse-field.ts, so the value is the correctly rounded double); NaN for
 * anything else (the caller then uses the general parser). Sets `at.end`.
 */
function scanDecimal(b: Buffer, p: number, limit: number, sep: number): number {
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  let ok = true;
  let i = p;
  for (; i < limit; i++) {
    const ch = b[i] as number;
    if (ch === sep || ch === 10) break;
    const d = ch - 48;
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d;
      digits++;
      if (dot) frac++;
    } else if (ch === 46 && !dot) {
      dot = true;
    } else {
      ok = false;
    }
  }
  at.end = i;
  if (ok && digits > 0 && mant < MAX_EXACT && frac <= 22) return frac === 0 ? mant : mant / (POW10[frac] as number);
  return Number.NaN;
}

function isAscii(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if ((b[i] as number) >= 0x80) return false;
  return true;
}

function isEmpty(token: Uint8Array, b: Buffer, s: number, e: number): boolean {
  if (e - s !== token.length) return false;
  for (let i = 0; i < token.length; i++) if (b[s + i] !== token[i]) return false;
  return true;
}

/** Zeek's proto column as the shared literal; null when not a Zeek proto. */
export function protoOf(b: Buffer, s: number, e: number): Proto | null {
  const len = e - s;
  const a = b[s] as number;
  if (len === 3) {
    if (a === 116 && b[s + 1] === 99 && b[s + 2] === 112) return 'tcp';
    if (a === 117 && b[s + 1] === 100 && b[s + 2] === 112) return 'udp';
    return null;
  }
  if (len === 4 && a === 105 && b[s + 1] === 99 && b[s + 2] === 109 && b[s + 3] === 112) return 'icmp';
  if (len === 17 && (b as unknown as Latin1Slicer).latin1Slice(s, e) === 'unknown_transport') return 'unknown_transport';
  return null;
}

/**
 * Strings of short repeated fields (conn_state, service, history) by their
 * bytes: a direct-mapped table of recent values, so a value a log repeats is
 * one shared string, not one per line. Longer or non-ASCII values are not
 * cached (null for non-ASCII: the caller reads the line as text).
 */
export interface ShortStringCache {
  /** The string of `b[start, end)`; `hash`: its hashOf (from the scan that found the field), -1 when not ASCII (then null). */
  get(b: Buffer, start: number, end: number, hash: number): string | null;
}

const CACHED_MAX_CHARS = 24;
const CACHE_SLOTS = 1024;

export function createShortStringCache(): ShortStringCache {
  const held: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);
  return {
    get(b, start, end, hash) {
      if (hash < 0) return null;
      const len = end - start;
      const slicer = b as unknown as Latin1Slicer;
      if (len > CACHED_MAX_CHARS) return slicer.latin1Slice(start, end);
      const slot = (hash ^ (hash >>> 10) ^ len) & (CACHE_SLOTS - 1);
      const k = held[slot];
      if (k !== undefined && k.length === len) {
        let j = 0;
        while (j < len && k.charCodeAt(j) === b[start + j]) j++;
        if (j === len) return k;
      }
      const s = slicer.latin1Slice(start, end);
      held[slot] = s;
      return s;
    },
  };
}
