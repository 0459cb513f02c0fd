/**
 * Zeek ASCII (TSV) conn.log and dns.log to FlowRecord / DnsRecord batches,
 * one batch per input chunk.
 *
 * 1. Lines come from `splitLines` (one UTF-8 decode per chunk); a line is
 *    walked with `indexOf(separator)` and numbers are parsed in place
 *    (parse-field.ts), so a conn.log line allocates only the strings it keeps;
 *    addresses come from a cache (address-interner.ts): one shared string
 *    per address, not one per line.
 * 2. Header lines (`#...`) update the header state; `#fields` starts a log
 *    section whose kind comes from `#path` (or the columns): conn and dns are
 *    read, other logs (http, ssl, ...) are skipped and counted, reported
 *    once per section through `onWarning`.
 * 3. Columns are looked up by name: unknown extra columns are ignored;
 *    missing optional ones give null (or 0 for counts); a header without
 *    ts / id.orig_h / id.orig_p / id.resp_h / id.resp_p is refused
 *    (ZEEK_BAD_HEADER). A data line before any `#fields` is ZEEK_NO_HEADER.
 * 4. A bad data line is skipped and reported with file, line and field;
 *    `maxInvalid` bad lines in a row stop the read (INPUT_TOO_MANY_INVALID).
 *    A last line without newline that does not parse is reported as
 *    truncated (code TRUNCATED_LINE), not counted against maxInvalid.
 * 5. Tolerance (documented in docs/inputs.md): leading blanks before a header
 *    line are ignored with a warning (Slips' test10 conn.log starts with a
 *    TAB before `#separator`); CRLF line ends and a UTF-8 BOM are accepted.
 */
import { FlowhoundError } from '../../errors.js';
import { dottedQuadValue } from '../../detect/dotted-quad.js';
import type { ByteSource } from '../../io/byte-source.js';
import { createInvalidLineCounter, decode, splitLines, trimCr } from '../../io/lines.js';
import { createRecordBatch, type DnsLogColumns, type DnsRecord, type FlowRecord, type Proto, type RecordBatch } from '../../types.js';
import { ipProtoOfProto } from '../ip-proto.js';
import { LogFlowRecord } from '../log-flow-record.js';
import type { ReadOptions } from '../read-options.js';
import { completeDnsCodes } from '../dns-constants.js';
import { type AddressInterner, createAddressInterner } from './address-interner.js';
import { type ConnByteLayout, connLine, createShortStringCache, parseConnBytes, type ShortStringCache } from './conn-line-bytes.js';
import { CONN_COLUMNS, classifyZeekLog, DNS_COLUMNS, REQUIRED_COLUMNS, type ZeekLogKind } from './log-kind.js';
import { isToken, parseCount, parseDecimal, parsePort, parseProto, quoteValue } from './parse-field.js';
import { scanCount, scanDecimal, scanned, scanPort, scanToSeparator } from './scan-field.js';
import { ipProtoColumnOf, isStandardConnLayout, parseStandardConnBytes } from './standard-conn-line.js';
import { applyHeaderLine, createZeekHeader } from './zeek-header.js';

// Column slots (index + 1 into CONN_COLUMNS / DNS_COLUMNS; 0 = ignored column).
const C_TS = 1, C_UID = 2, C_OH = 3, C_OP = 4, C_RH = 5, C_RP = 6, C_PROTO = 7, C_SERVICE = 8, C_DURATION = 9;
const C_OBYTES = 10, C_RBYTES = 11, C_STATE = 12, C_MISSED = 13, C_HISTORY = 14, C_OPKTS = 15, C_OIPB = 16, C_RPKTS = 17, C_RIPB = 18;
const C_IPPROTO = 19;
const D_TRANS = 8, D_QUERY = 9, D_QTYPE = 10, D_QTYPE_NAME = 11, D_RCODE = 12, D_RCODE_NAME = 13, D_ANSWERS = 14, D_TTLS = 15;
const D_RTT = 16, D_QCLASS = 17, D_QCLASS_NAME = 18, D_AA = 19, D_TC = 20, D_RD = 21, D_RA = 22, D_Z = 23, D_REJECTED = 24;

/**
 * Lines are decoded in segments of this size: a record's strings (uid,
 * addresses) may be V8 slices of their segment, so a consumer that keeps a
 * few of them (a window's address set) keeps 4 KiB each alive at most, not
 * a whole 1 MiB chunk.
 */
const SEGMENT_BYTES = 4 * 1024;

/** One log section (between `#fields` lines) of a known kind. */
interface Section {
  kind: ZeekLogKind;
  fields: string[];
  slots: Uint8Array;
  sep: string;
  setSep: string;
  unset: string;
  empty: string;
  /** dns.log: the header has one of the columns kept in DnsRecord.zeek (rtt, qclass, flags, ...). */
  dnsExtra: boolean;
  /** The read's address strings (shared by its sections). */
  addresses: AddressInterner;
  /** A conn section whose data lines can be read from bytes (one-byte ASCII separator and unset tokens); else null. */
  bytes: ConnByteLayout | null;
}

/** Statistics of one read, for callers that want them (tests, the directory reader). */
export interface ZeekReadStats {
  flows: number;
  dns: number;
  invalid: number;
  /** Data lines of other Zeek logs (http, ssl, ...), by path. */
  skippedByPath: Record<string, number>;
}

export async function* readZeekTsv(source: ByteSource, options: ReadOptions, stats?: ZeekReadStats): AsyncGenerator<RecordBatch> {
  const file = source.name;
  const bad = createInvalidLineCounter(file, options.maxInvalid, options.onWarning);
  const header = createZeekHeader();
  let section: Section | null = null;
  /** Set while skipping a log of another path. */
  let skipPath: string | null = null;
  let skipCount = 0;
  let skipFirst = 0;
  let skipLast = 0;
  let sawHeader = false;
  let warnedBlank = false;
  const st = stats ?? { flows: 0, dns: 0, invalid: 0, skippedByPath: {} };
  const addresses = createAddressInterner();
  const strings = createShortStringCache();

  const endSkip = (): void => {
    if (skipPath !== null && skipCount > 0) {
      st.skippedByPath[skipPath] = (st.skippedByPath[skipPath] ?? 0) + skipCount;
      options.onWarning({
        code: 'ZEEK_SKIPPED_LOG',
        file,
        line: skipFirst,
        message: `${file}:${skipFirst}-${skipLast}: skipped ${skipCount} lines of Zeek log '${skipPath}' (flowhound reads conn and dns logs)`,
      });
    }
    skipPath = null;
    skipCount = 0;
  };

  const startSection = (lineNo: number): void => {
    endSkip();
    section = null;
    const fields = header.fields;
    if (fields === null) return;
    const has = (f: string): boolean => fields.includes(f);
    const kind = classifyZeekLog(header.path, has);
    if (kind === null) {
      skipPath = header.path ?? `unknown (columns ${fields.slice(0, 4).join(',')}...)`;
      return;
    }
    const missing = REQUIRED_COLUMNS.filter((c) => !has(c));
    if (missing.length > 0) {
      throw new FlowhoundError('ZEEK_BAD_HEADER', `${file}:${lineNo}: #fields of a ${kind} log lacks required column(s) ${missing.join(', ')}`, {
        file,
        line: lineNo,
      });
    }
    const names: readonly string[] = kind === 'conn' ? CONN_COLUMNS : DNS_COLUMNS;
    warnBadFieldNames(file, lineNo, fields, options.onWarning);
    const slots = new Uint8Array(fields.length);
    fields.forEach((f, i) => {
      slots[i] = names.indexOf(f) + 1;
    });
    section = {
      kind,
      fields,
      slots,
      sep: header.separator,
      setSep: header.setSeparator,
      unset: header.unsetField,
      empty: header.emptyField,
      dnsExtra: kind === 'dns' && slots.some((sl) => sl >= D_RTT),
      addresses,
      bytes: kind === 'conn' ? connByteLayout(fields, slots, header.separator, header.unsetField, header.emptyField, addresses, strings) : null,
    };
  };

  /** One line, `text[pos, end)` without its newline (and CR); `lastOfInput`: the input's last line, without newline. */
  const readLine = (text: string, pos: number, end: number, lineNo: number, lastOfInput: boolean, batch: RecordBatch): void => {
    const c0 = text.charCodeAt(pos);
    if (end === pos) {
      // empty line: nothing to read
    } else if (c0 === 35 /* # */ || ((c0 === 9 || c0 === 32) && isBlankThenHash(text, pos, end))) {
      let hs = pos;
      if (c0 !== 35) {
        while (text.charCodeAt(hs) !== 35) hs++;
        if (!warnedBlank) {
          warnedBlank = true;
          options.onWarning({
            code: 'ZEEK_HEADER_WHITESPACE',
            file,
            line: lineNo,
            message: `${file}:${lineNo}: header line starts with blanks before '#'; ignored them and read the header`,
          });
        }
      }
      const ev = applyHeaderLine(header, text.slice(hs + 1, end), lineNo);
      if (ev === 'fields') {
        sawHeader = true;
        startSection(lineNo);
      } else if (ev === 'separator' || ev === 'close') {
        endSkip();
        if (ev === 'separator') section = null;
      }
    } else if (section !== null) {
      const sec: Section = section;
      const r = sec.kind === 'conn' ? parseConnLine(sec, text, pos, end) : parseDnsLine(sec, text, pos, end);
      if (typeof r === 'string') {
        if (lastOfInput) {
          bad.truncatedLast(lineNo, r);
        } else {
          st.invalid++;
          bad.invalid(lineNo, r);
        }
      } else {
        bad.valid();
        if (sec.kind === 'conn') batch.flows.push(r as FlowRecord);
        else batch.dns.push(r as DnsRecord);
      }
    } else if (skipPath !== null) {
      if (skipCount === 0) skipFirst = lineNo;
      skipCount++;
      skipLast = lineNo;
    } else if (!sawHeader) {
      throw new FlowhoundError(
        'ZEEK_NO_HEADER',
        `${file}:${lineNo}: data line before any #fields header: a Zeek TSV log needs its header (#separator, #fields, ...) to say what the columns are`,
        { file, line: lineNo },
      );
    }
  };

  /** The lines of a decoded segment starting at line `lineNo`; returns the number of the line after them. */
  const readText = (text: string, lineNo: number, unterminated: boolean, batch: RecordBatch): number => {
    const n = text.length;
    let pos = 0;
    let no = lineNo;
    while (pos < n) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = n;
      readLine(text, pos, trimCr(text, pos, nl), no, nl === n && unterminated, batch);
      pos = nl + 1;
      no++;
    }
    return no;
  };

  /**
   * A block of whole lines as bytes: in a conn section with one-byte
   * separator and unset tokens, data lines are read from the bytes (Zeek's
   * default layout by standard-conn-line.ts, then any layout by
   * conn-line-bytes.ts) and any other line (header, blank, a line both
   * decline) is decoded alone and read as text; other sections are decoded
   * a segment at a time and read as text.
   */
  const readBlock = (b: Buffer, firstLine: number, unterminated: boolean, batch: RecordBatch): void => {
    const n = b.length;
    let pos = firstLine === 1 && n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
    let lineNo = firstLine;
    while (pos < n) {
      const lay = section === null ? null : (section as Section).bytes;
      if (lay !== null) {
        const c0 = b[pos] as number;
        if (c0 !== 35 && c0 !== 9 && c0 !== 32 && c0 !== 10 && c0 !== 13) {
          let r = lay.standard ? parseStandardConnBytes(lay, b, pos, lay.slots.length) : null;
          if (r === null) r = parseConnBytes(lay, b, pos, n);
          if (r !== null) {
            bad.valid();
            batch.flows.push(r);
            pos = connLine.end + 1;
            lineNo++;
            continue;
          }
        }
        let nl = b.indexOf(0x0a, pos);
        if (nl < 0) nl = n;
        const text = decode(b, pos, nl);
        readLine(text, 0, trimCr(text, 0, text.length), lineNo, nl === n && unterminated, batch);
        pos = nl + 1;
        lineNo++;
      } else {
        let segEnd = n;
        if (pos + SEGMENT_BYTES < n) {
          const nl = b.indexOf(0x0a, pos + SEGMENT_BYTES - 1);
          segEnd = nl < 0 ? n : nl + 1;
        }
        lineNo = readText(decode(b, pos, segEnd), lineNo, segEnd === n && unterminated, batch);
        pos = segEnd;
      }
    }
  };

  // Nothing here keeps a chunk, or a view of one, past the block it came in
  // (strings are copies; splitLines copies a line cut by a chunk boundary),
  // so the source may read into reused buffers (ByteSource.reuseChunks).
  source.reuseChunks?.();
  for await (const block of splitLines(source.chunks, { bytes: true })) {
    if (block.droppedLongLine !== undefined) {
      st.invalid++;
      bad.invalid(block.droppedLongLine, 'line longer than 4 MiB, skipped');
      continue;
    }
    const batch = createRecordBatch();
    if (block.carried === undefined) {
      readBlock(block.bytes as Buffer, block.firstLine, block.unterminated, batch);
    } else {
      readBlock(block.carried, block.firstLine, false, batch);
      readBlock(block.bytes as Buffer, block.firstLine + 1, block.unterminated, batch);
    }
    st.flows += batch.flows.length;
    st.dns += batch.dns.length;
    if (batch.flows.length > 0 || batch.dns.length > 0) yield batch;
  }
  endSkip();
  if (!sawHeader) {
    throw new FlowhoundError('ZEEK_NO_HEADER', `${file}: no #fields header found: not a Zeek TSV log`, { file });
  }
}

/**
 * Zeek writes field names of letters, digits, `_` and `.`: a name holding
 * control bytes (NUL padding, an escape sequence) is a damaged or forged
 * header, and that column's values cannot be read. Said once per column,
 * with its position and the name cut to 40 characters (the caller escapes
 * control bytes before printing).
 */
function warnBadFieldNames(file: string, lineNo: number, fields: readonly string[], onWarning: ReadOptions['onWarning']): void {
  fields.forEach((f, i) => {
    const controls = f.match(/[\x00-\x1f\x7f]/g);
    if (controls === null) return;
    const shown = f.length > 40 ? `${f.slice(0, 40)}… (${f.length} characters)` : f;
    onWarning({
      code: 'ZEEK_BAD_FIELD_NAME',
      file,
      line: lineNo,
      message: `${file}:${lineNo}: #fields column ${i + 1} is named "${shown}", which holds ${controls.length} control byte(s); its values are not read`,
    });
  });
}

/** The byte layout of a conn section, or null when its tokens are not one-byte ASCII (then its lines are read as text). */
function connByteLayout(fields: readonly string[], slots: Uint8Array, sep: string, unset: string, empty: string, addresses: AddressInterner, strings: ShortStringCache): ConnByteLayout | null {
  const s = sep.charCodeAt(0);
  const u = unset.charCodeAt(0);
  if (sep.length !== 1 || s >= 0x80 || s === 10 || s === 13 || unset.length !== 1 || u >= 0x80) return null;
  const e = new Uint8Array(empty.length);
  for (let i = 0; i < empty.length; i++) {
    const ch = empty.charCodeAt(i);
    if (ch >= 0x80) return null;
    e[i] = ch;
  }
  return { slots, sep: s, unset: u, empty: e, addresses, strings, standard: isStandardConnLayout(fields, slots, s, u, e), ipProtoColumn: ipProtoColumnOf(fields) };
}

function isBlankThenHash(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && (text.charCodeAt(i) === 9 || text.charCodeAt(i) === 32)) i++;
  return i < end && text.charCodeAt(i) === 35 && /^#(separator|fields|path|types|set_separator|empty_field|unset_field|open|close)\b/.test(text.slice(i, Math.min(end, i + 20)));
}

function fieldCountError(sec: Section, got: number): string {
  return `expected ${sec.fields.length} fields (the #fields header), got ${got}`;
}

function expected(sec: Section, col: number, what: string, text: string, s: number, e: number): string {
  return `field ${sec.fields[col]}: expected ${what}, got ${quoteValue(text, s, e)}`;
}

/**
 * One conn.log data line to a FlowRecord, or the problem as a string. With a
 * one-character separator (every real Zeek log) each numeric field is scanned
 * and parsed in one pass (scan-field.ts); with a longer one the field's end is
 * found first and the value parsed from it.
 */
function parseConnLine(sec: Section, text: string, start: number, end: number): FlowRecord | string {
  const slots = sec.slots;
  const ncol = slots.length;
  const sep = sec.sep;
  const sepLen = sep.length;
  const sep1 = sepLen === 1 ? sep.charCodeAt(0) : -1;
  const unset = sec.unset;
  const unset1 = unset.length === 1 ? unset.charCodeAt(0) : -1;
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
  let ipProto = -1;
  let p = start;
  for (let c = 0; c < ncol; c++) {
    if (p > end) return fieldCountError(sec, c);
    const slot = slots[c] as number;
    let fe: number;
    let v = 0;
    if (sep1 >= 0) {
      switch (slot) {
        case C_TS:
        case C_DURATION:
          v = scanDecimal(text, p, end, sep1);
          fe = scanned.end;
          break;
        case C_OP:
        case C_RP:
          v = scanPort(text, p, end, sep1);
          fe = scanned.end;
          break;
        case C_OBYTES:
        case C_RBYTES:
        case C_MISSED:
        case C_OPKTS:
        case C_OIPB:
        case C_RPKTS:
        case C_RIPB:
        case C_IPPROTO:
          v = scanCount(text, p, end, sep1);
          fe = scanned.end;
          break;
        default:
          fe = scanToSeparator(text, p, end, sep1);
      }
    } else {
      fe = fieldEnd(text, p, end, sep, -1);
      v = parseNumericField(slot, text, p, fe);
    }
    if (fe < end && c === ncol - 1) return `more fields than the ${ncol} of the #fields header`;
    if (slot !== 0 && !(unset1 >= 0 ? fe - p === 1 && text.charCodeAt(p) === unset1 : isToken(text, p, fe, unset))) {
      switch (slot) {
        case C_TS:
          if (Number.isNaN(v)) return expected(sec, c, 'a time', text, p, fe);
          ts = v;
          break;
        case C_UID:
          uid = text.slice(p, fe);
          break;
        case C_OH:
          origH = sec.addresses.intern(text, p, fe);
          break;
        case C_OP:
          if (Number.isNaN(v)) return expected(sec, c, 'a port', text, p, fe);
          origP = v;
          break;
        case C_RH:
          respH = sec.addresses.intern(text, p, fe);
          break;
        case C_RP:
          if (Number.isNaN(v)) return expected(sec, c, 'a port', text, p, fe);
          respP = v;
          break;
        case C_PROTO: {
          const pr = parseProto(text, p, fe);
          if (pr === null) return expected(sec, c, 'tcp, udp, icmp or unknown_transport', text, p, fe);
          proto = pr;
          break;
        }
        case C_SERVICE:
          service = isToken(text, p, fe, sec.empty) ? null : internService(text, p, fe);
          break;
        case C_DURATION:
          if (!(v >= 0)) return expected(sec, c, 'an interval', text, p, fe);
          duration = v;
          break;
        case C_OBYTES:
          if (Number.isNaN(v)) return expected(sec, c, 'a count', text, p, fe);
          origBytes = v;
          break;
        case C_RBYTES:
          if (Number.isNaN(v)) return expected(sec, c, 'a count', text, p, fe);
          respBytes = v;
          break;
        case C_STATE:
          connState = internConnState(text, p, fe);
          break;
        case C_MISSED:
          if (Number.isNaN(v)) return expected(sec, c, 'a count', text, p, fe);
          missedBytes = v;
          break;
        case C_HISTORY:
          history = isToken(text, p, fe, sec.empty) ? '' : text.slice(p, fe);
          break;
        case C_OPKTS:
          if (Number.isNaN(v)) return expected(sec, c, 'a count', text, p, fe);
          origPkts = v;
          break;
        case C_OIPB:
          if (Number.isNaN(v)) return expected(sec, c, 'a count', text, p, fe);
          origIpBytes = v;
          break;
        case C_RPKTS:
          if (Number.isNaN(v)) return expected(sec, c, 'a count', text, p, fe);
          respPkts = v;
          break;
        case C_RIPB:
          if (Number.isNaN(v)) return expected(sec, c, 'a count', text, p, fe);
          respIpBytes = v;
          break;
        case C_IPPROTO:
          if (!(v <= 255)) return expected(sec, c, 'an IP protocol number (0..255)', text, p, fe);
          ipProto = v;
          break;
      }
    }
    p = fe + sepLen;
  }
  if (Number.isNaN(ts)) return 'field ts: unset';
  if (origH === null || respH === null) return 'field id.orig_h/id.resp_h: unset';
  if (Number.isNaN(origP) || Number.isNaN(respP)) return 'field id.orig_p/id.resp_p: unset';
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
    // The line parsers' fallback (rare): the interned strings parsed again, not the interner's values.
    dottedQuadValue(origH) | 0,
    dottedQuadValue(respH) | 0,
    // Zeek 7 and later write ip_proto; an older log's is derived from proto.
    ipProto >= 0 ? ipProto : ipProtoOfProto(proto, respH),
  );
}

/** The numeric value of a conn.log field of a numeric slot (NaN when it does not parse); 0 for other slots. */
function parseNumericField(slot: number, text: string, s: number, e: number): number {
  switch (slot) {
    case C_TS:
    case C_DURATION:
      return parseDecimal(text, s, e);
    case C_OP:
    case C_RP:
      return parsePort(text, s, e);
    case C_OBYTES:
    case C_RBYTES:
    case C_MISSED:
    case C_OPKTS:
    case C_OIPB:
    case C_RPKTS:
    case C_RIPB:
    case C_IPPROTO:
      return parseCount(text, s, e);
    default:
      return 0;
  }
}

/** One dns.log data line to a DnsRecord, or the problem as a string. */
function parseDnsLine(sec: Section, text: string, start: number, end: number): DnsRecord | string {
  const slots = sec.slots;
  const ncol = slots.length;
  const sep = sec.sep;
  const sep1 = sep.length === 1 ? sep.charCodeAt(0) : -1;
  let ts = Number.NaN;
  let uid = '';
  let client: string | null = null;
  let clientP = Number.NaN;
  let server: string | null = null;
  let serverP = Number.NaN;
  let proto: Proto = 'unknown_transport';
  let transId: number | null = null;
  let query = '';
  let qtype: number | null = null;
  let qtypeName: string | null = null;
  let rcode: number | null = null;
  let rcodeName: string | null = null;
  let answers: string[] = [];
  let ttls: number[] = [];
  /** The kept-but-unused columns, made when the header has any of them. */
  const zeek: DnsLogColumns | undefined = sec.dnsExtra
    ? { rtt: null, qclass: null, qclassName: null, AA: null, TC: null, RD: null, RA: null, Z: null, rejected: null, queryUnset: false }
    : undefined;
  let p = start;
  for (let c = 0; c < ncol; c++) {
    if (p > end) return fieldCountError(sec, c);
    const fe = fieldEnd(text, p, end, sep, sep1);
    if (fe < end && c === ncol - 1) return `more fields than the ${ncol} of the #fields header`;
    const slot = slots[c] as number;
    if (slot !== 0 && !isToken(text, p, fe, sec.unset)) {
      switch (slot) {
        case C_TS:
          ts = parseDecimal(text, p, fe);
          if (Number.isNaN(ts)) return expected(sec, c, 'a time', text, p, fe);
          break;
        case C_UID:
          uid = text.slice(p, fe);
          break;
        case C_OH:
          client = sec.addresses.intern(text, p, fe);
          break;
        case C_OP:
          clientP = parsePort(text, p, fe);
          if (Number.isNaN(clientP)) return expected(sec, c, 'a port', text, p, fe);
          break;
        case C_RH:
          server = sec.addresses.intern(text, p, fe);
          break;
        case C_RP:
          serverP = parsePort(text, p, fe);
          if (Number.isNaN(serverP)) return expected(sec, c, 'a port', text, p, fe);
          break;
        case C_PROTO: {
          const pr = parseProto(text, p, fe);
          if (pr === null) return expected(sec, c, 'tcp, udp, icmp or unknown_transport', text, p, fe);
          proto = pr;
          break;
        }
        case D_TRANS:
          transId = parseCount(text, p, fe);
          if (Number.isNaN(transId)) return expected(sec, c, 'a count', text, p, fe);
          break;
        case D_QUERY:
          query = isToken(text, p, fe, sec.empty) ? '' : trimDot(text.slice(p, fe));
          break;
        case D_QTYPE:
          qtype = parseCount(text, p, fe);
          if (Number.isNaN(qtype)) return expected(sec, c, 'a count', text, p, fe);
          break;
        case D_QTYPE_NAME:
          qtypeName = text.slice(p, fe);
          break;
        case D_RCODE:
          rcode = parseCount(text, p, fe);
          if (Number.isNaN(rcode)) return expected(sec, c, 'a count', text, p, fe);
          break;
        case D_RCODE_NAME:
          rcodeName = text.slice(p, fe);
          break;
        case D_ANSWERS:
          if (!isToken(text, p, fe, sec.empty)) answers = text.slice(p, fe).split(sec.setSep);
          break;
        case D_RTT:
        case D_QCLASS:
        case D_QCLASS_NAME:
        case D_AA:
        case D_TC:
        case D_RD:
        case D_RA:
        case D_Z:
        case D_REJECTED: {
          const problem = readDnsExtra(zeek as DnsLogColumns, slot, text, p, fe);
          if (problem !== null) return expected(sec, c, problem, text, p, fe);
          break;
        }
        case D_TTLS:
          if (!isToken(text, p, fe, sec.empty)) {
            const parts = text.slice(p, fe).split(sec.setSep);
            ttls = new Array<number>(parts.length);
            for (let i = 0; i < parts.length; i++) {
              const s = parts[i] as string;
              const v = parseDecimal(s, 0, s.length);
              if (Number.isNaN(v)) return `field TTLs: expected intervals, got ${JSON.stringify(s.slice(0, 40))}`;
              ttls[i] = v;
            }
          }
          break;
      }
    } else if (slot === D_QUERY && zeek !== undefined) {
      zeek.queryUnset = true;
    }
    p = fe + sep.length;
  }
  if (Number.isNaN(ts)) return 'field ts: unset';
  if (client === null || server === null) return 'field id.orig_h/id.resp_h: unset';
  if (Number.isNaN(clientP) || Number.isNaN(serverP)) return 'field id.orig_p/id.resp_p: unset';
  const rec: DnsRecord = { ts, uid, client, clientP, server, serverP, proto, transId, query, qtype, qtypeName, rcode, rcodeName, answers, ttls, responseBytes: null };
  if (zeek !== undefined) rec.zeek = zeek;
  return completeDnsCodes(rec);
}

/** Reads one of the dns.log columns kept for writing back (rtt, qclass, flags); returns what was expected on failure. */
function readDnsExtra(z: DnsLogColumns, slot: number, text: string, s: number, e: number): string | null {
  switch (slot) {
    case D_RTT:
      z.rtt = parseDecimal(text, s, e);
      return Number.isNaN(z.rtt) ? 'an interval' : null;
    case D_QCLASS:
      z.qclass = parseCount(text, s, e);
      return Number.isNaN(z.qclass) ? 'a count' : null;
    case D_QCLASS_NAME:
      z.qclassName = text.slice(s, e);
      return null;
    case D_Z:
      z.Z = parseCount(text, s, e);
      return Number.isNaN(z.Z) ? 'a count' : null;
    default: {
      const v = e - s === 1 ? text.charCodeAt(s) : 0;
      if (v !== 84 /* T */ && v !== 70 /* F */) return 'T or F';
      const b = v === 84;
      if (slot === D_AA) z.AA = b;
      else if (slot === D_TC) z.TC = b;
      else if (slot === D_RD) z.RD = b;
      else if (slot === D_RA) z.RA = b;
      else z.rejected = b;
      return null;
    }
  }
}

const CONN_STATES = ['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH'];
const SERVICES = ['dns', 'http', 'ssl', 'ssh', 'ntp', 'dhcp', 'smtp', 'ftp', 'ftp-data', 'krb', 'smb', 'dce_rpc', 'rdp', 'quic', 'snmp', 'sip', 'mysql', 'irc', 'ntlm', 'gssapi'];

/** The shared literal of `known` the text equals (no new string per line), else a copy. */
function intern(known: readonly string[], text: string, s: number, e: number): string {
  for (let i = 0; i < known.length; i++) {
    const k = known[i] as string;
    if (isToken(text, s, e, k)) return k;
  }
  return text.slice(s, e);
}

function internConnState(text: string, s: number, e: number): string {
  return intern(CONN_STATES, text, s, e);
}

function internService(text: string, s: number, e: number): string {
  return intern(SERVICES, text, s, e);
}

/** Where the field starting at `p` ends: the next separator before `end`, else `end` (`sep1`: the separator's code when it is one character, else -1). */
function fieldEnd(text: string, p: number, end: number, sep: string, sep1: number): number {
  if (sep1 >= 0) return scanToSeparator(text, p, end, sep1);
  const fe = text.indexOf(sep, p);
  return fe < 0 || fe > end ? end : fe;
}

/** Query names without the trailing dot (DnsRecord.query). */
export function trimDot(q: string): string {
  return q.length > 1 && q.charCodeAt(q.length - 1) === 46 ? q.slice(0, -1) : q;
}

