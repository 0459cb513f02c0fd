/**
 * Writes FlowRecords as a Zeek conn.log and DnsRecords as a Zeek dns.log, in
 * Zeek's TSV format (the full header: #separator, #set_separator,
 * #empty_field, #unset_field, #path, #open, #fields, #types, and #close at
 * the end) or as Zeek JSON lines (Zeek's field names; unset fields left out,
 * as Zeek's JSON writer does).
 *
 * conn.log columns are Zeek's default set up to `ip_proto` (Zeek 7 and later; `-` when unknown);
 * `local_orig`/`local_resp` follow Zeek's default `Site::local_nets` (the
 * private address space: RFC 1918, CGNAT, loopback, link-local, IPv6 ULA,
 * 224.0.0.0/24 and 239.0.0.0/8). The dns.log has Zeek's columns up to
 * `rejected`; rtt, qclass and the flags come from DnsRecord.zeek (read from a
 * Zeek dns.log), else they are unset.
 *
 * Strings are escaped as Zeek's ASCII writer does (escapeZeek): UTF-8 as is,
 * control bytes as \xNN (the separator as \x09), a "," inside a set element
 * as \x2c; empty strings and empty sets print as (empty), unset values as -.
 */
import type { DnsRecord, FlowRecord } from '../types.js';
import { type ByteLines, createByteLines, putByte, putNumber, putText, reserveBytes, takeBytes } from './byte-lines.js';
import type { TextOutput } from './sink.js';

export type ZeekLogFormat = 'tsv' | 'json';

export interface ZeekLogWriter<T> {
  write(records: readonly T[]): Promise<void>;
  /** Writes lines already encoded in the log's format (TSV: conn-line.ts), and takes them out of `lines`. */
  writeLines(lines: ByteLines): Promise<void>;
  /** Writes the #close line (TSV) and waits for the output to drain. */
  close(): Promise<void>;
}

export interface ZeekLogWriterOptions {
  format: ZeekLogFormat;
  /** The time written in #open/#close (default: now). */
  now?: () => Date;
}

const CONN_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
  'tunnel_parents',
  'ip_proto',
];
const CONN_TYPES = [
  'time',
  'string',
  'addr',
  'port',
  'addr',
  'port',
  'enum',
  'string',
  'interval',
  'count',
  'count',
  'string',
  'bool',
  'bool',
  'count',
  'string',
  'count',
  'count',
  'count',
  'count',
  'set[string]',
  'count',
];

/** Zeek's dns.log columns, in Zeek's order (base/protocols/dns/main.zeek), up to `rejected`. */
const DNS_FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query', 'qclass', 'qclass_name', 'qtype', 'qtype_name',
  'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'answers', 'TTLs', 'rejected',
];
const DNS_TYPES = [
  'time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'count', 'interval', 'string', 'count', 'string', 'count', 'string',
  'count', 'string', 'bool', 'bool', 'bool', 'bool', 'count', 'vector[string]', 'vector[interval]', 'bool',
];

export function createZeekConnLogWriter(out: TextOutput, options: ZeekLogWriterOptions): ZeekLogWriter<FlowRecord> {
  return createWriter(out, options, 'conn', CONN_FIELDS, CONN_TYPES, encodeConnTsv, formatConnJson);
}

export function createZeekDnsLogWriter(out: TextOutput, options: ZeekLogWriterOptions): ZeekLogWriter<DnsRecord> {
  return createWriter(out, options, 'dns', DNS_FIELDS, DNS_TYPES, encodeDnsTsv, formatDnsJson);
}

function createWriter<T>(
  out: TextOutput,
  options: ZeekLogWriterOptions,
  path: string,
  fields: string[],
  types: string[],
  tsv: (b: ByteLines, r: T) => void,
  json: (r: T) => string,
): ZeekLogWriter<T> {
  const now = options.now ?? (() => new Date());
  const bytes = acceptsBytes(out);
  const lines = createByteLines();
  let headerWritten = false;

  async function emit(text: string | Uint8Array): Promise<void> {
    if (text.length === 0) return;
    // Node streams take the bytes as they are (TextOutput's type names strings, which they take too).
    if (!(out.write as (chunk: string | Uint8Array) => boolean)(text) && out.once) await new Promise<void>((resolve) => out.once?.('drain', () => resolve()));
  }

  /** The TSV lines encoded so far, as the output takes them. */
  function takeTsv(): string | Uint8Array {
    return bytes ? takeBytes(lines) : takeText(lines);
  }

  function header(): string {
    headerWritten = true;
    if (options.format === 'json') return '';
    return [
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      `#path\t${path}`,
      `#open\t${formatZeekDate(now())}`,
      `#fields\t${fields.join('\t')}`,
      `#types\t${types.join('\t')}`,
      '',
    ].join('\n');
  }

  return {
    async write(records) {
      const head = headerWritten ? '' : header();
      if (options.format === 'json') {
        let text = head;
        for (const r of records) text += `${json(r)}\n`;
        await emit(text);
        return;
      }
      reserveBytes(lines, 3 * head.length);
      putText(lines, head);
      for (const r of records) tsv(lines, r);
      await emit(takeTsv());
    },
    async writeLines(encoded) {
      if (!headerWritten) await emit(header());
      if (encoded.at === 0) return;
      await emit(bytes ? takeBytes(encoded) : takeText(encoded));
    },
    async close() {
      let text = headerWritten ? '' : header();
      if (options.format === 'tsv') text += `#close\t${formatZeekDate(now())}\n`;
      await emit(text);
    },
  };
}

/** The lines in `b` as a string, emptying it (for an output that takes strings only). */
function takeText(b: ByteLines): string {
  const text = b.buf.toString('utf8', 0, b.at);
  b.at = 0;
  return text;
}

/** True for a Node writable stream (stdout, a file stream), which takes bytes as well as strings. */
function acceptsBytes(out: TextOutput): boolean {
  return typeof (out as { writableHighWaterMark?: unknown }).writableHighWaterMark === 'number';
}

/** A dns.log line is formatted as a string (dns.log is written far less often than conn.log). */
function encodeDnsTsv(b: ByteLines, d: DnsRecord): void {
  const line = formatDnsTsv(d);
  reserveBytes(b, 3 * line.length + 1);
  putText(b, line);
  putByte(b, NEWLINE);
}

/** Zeek's #open/#close time: local-time-free UTC, YYYY-MM-DD-HH-MM-SS. */
export function formatZeekDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

/** Room for a conn.log line but its strings: 19 fields of at most 24 bytes and the separators. */
const CONN_LINE_FIXED_BYTES = 512;
const TAB = 0x09;
const NEWLINE = 0x0a;
const DASH = 0x2d;

/** Appends one conn.log TSV line (with its newline) to `b`. */
function encodeConnTsv(b: ByteLines, f: FlowRecord): void {
  const uid = escapeOrUnset(f.uid);
  const service = escapeOrUnset(f.service);
  const history = escapeOrUnset(f.history);
  const tunnels = f.tunnelParents !== undefined && f.tunnelParents.length > 0 ? f.tunnelParents.map((u) => escapeZeek(u, true)).join(',') : '-';
  const connState = f.connState ?? '-';
  const strings = uid.length + f.origH.length + f.respH.length + f.proto.length + service.length + connState.length + history.length + tunnels.length;
  reserveBytes(b, CONN_LINE_FIXED_BYTES + 3 * strings);
  putText(b, f.ts.toFixed(6));
  putByte(b, TAB);
  putText(b, uid);
  putByte(b, TAB);
  putText(b, f.origH);
  putByte(b, TAB);
  putNumber(b, f.origP);
  putByte(b, TAB);
  putText(b, f.respH);
  putByte(b, TAB);
  putNumber(b, f.respP);
  putByte(b, TAB);
  putText(b, f.proto);
  putByte(b, TAB);
  putText(b, service);
  putByte(b, TAB);
  if (f.duration === null) putByte(b, DASH);
  else putText(b, f.duration.toFixed(6));
  putByte(b, TAB);
  putCount(b, f.origBytes);
  putByte(b, TAB);
  putCount(b, f.respBytes);
  putByte(b, TAB);
  putText(b, connState);
  putByte(b, TAB);
  putByte(b, isLocalAddress(f.origH) ? 0x54 : 0x46);
  putByte(b, TAB);
  putByte(b, isLocalAddress(f.respH) ? 0x54 : 0x46);
  putByte(b, TAB);
  putNumber(b, f.missedBytes);
  putByte(b, TAB);
  putText(b, history);
  putByte(b, TAB);
  putNumber(b, f.origPkts);
  putByte(b, TAB);
  putNumber(b, f.origIpBytes);
  putByte(b, TAB);
  putNumber(b, f.respPkts);
  putByte(b, TAB);
  putNumber(b, f.respIpBytes);
  putByte(b, TAB);
  putText(b, tunnels);
  putByte(b, TAB);
  putCount(b, f.ipProto !== undefined && f.ipProto >= 0 ? f.ipProto : null);
  putByte(b, NEWLINE);
}

/**
 * `escapeZeek(s)`, or `-` for null. One function for the uid, service and history: its call of escapeZeek
 * then has type feedback from the first line (every uid is a string), while a call of its own for the
 * history, first made when the first connection with a history was written, deoptimised encodeConnTsv.
 */
function escapeOrUnset(s: string | null): string {
  return s === null ? '-' : escapeZeek(s);
}

function putCount(b: ByteLines, n: number | null): void {
  if (n === null) putByte(b, DASH);
  else putNumber(b, n);
}

function formatConnJson(f: FlowRecord): string {
  const o: Record<string, unknown> = {
    ts: f.ts,
    uid: f.uid,
    'id.orig_h': f.origH,
    'id.orig_p': f.origP,
    'id.resp_h': f.respH,
    'id.resp_p': f.respP,
    proto: f.proto,
  };
  if (f.service !== null) o.service = f.service;
  if (f.duration !== null) o.duration = f.duration;
  if (f.origBytes !== null) o.orig_bytes = f.origBytes;
  if (f.respBytes !== null) o.resp_bytes = f.respBytes;
  if (f.connState !== null) o.conn_state = f.connState;
  o.local_orig = isLocalAddress(f.origH);
  o.local_resp = isLocalAddress(f.respH);
  o.missed_bytes = f.missedBytes;
  if (f.history !== null) o.history = f.history;
  o.orig_pkts = f.origPkts;
  o.orig_ip_bytes = f.origIpBytes;
  o.resp_pkts = f.respPkts;
  o.resp_ip_bytes = f.respIpBytes;
  if (f.tunnelParents !== undefined && f.tunnelParents.length > 0) o.tunnel_parents = f.tunnelParents;
  if (f.ipProto !== undefined && f.ipProto >= 0) o.ip_proto = f.ipProto;
  return JSON.stringify(o);
}

function tsvBool(b: boolean | null | undefined): string {
  return b === null || b === undefined ? '-' : b ? 'T' : 'F';
}

function formatDnsTsv(d: DnsRecord): string {
  const z = d.zeek;
  return [
    d.ts.toFixed(6),
    escapeZeek(d.uid),
    d.client,
    d.clientP,
    d.server,
    d.serverP,
    d.proto,
    d.transId ?? '-',
    z?.rtt == null ? '-' : z.rtt.toFixed(6),
    z?.queryUnset ? '-' : escapeZeek(d.query),
    z?.qclass ?? '-',
    z?.qclassName == null ? '-' : escapeZeek(z.qclassName),
    d.qtype ?? '-',
    d.qtypeName === null ? '-' : escapeZeek(d.qtypeName),
    d.rcode ?? '-',
    d.rcodeName === null ? '-' : escapeZeek(d.rcodeName),
    tsvBool(z?.AA),
    tsvBool(z?.TC),
    tsvBool(z?.RD),
    tsvBool(z?.RA),
    z?.Z ?? '-',
    d.answers.length === 0 ? '-' : d.answers.map((a) => escapeZeek(a, true)).join(','),
    d.ttls.length === 0 ? '-' : d.ttls.map((t) => t.toFixed(6)).join(','),
    tsvBool(z?.rejected),
  ].join('\t');
}

function formatDnsJson(d: DnsRecord): string {
  const z = d.zeek;
  const o: Record<string, unknown> = {
    ts: d.ts,
    uid: d.uid,
    'id.orig_h': d.client,
    'id.orig_p': d.clientP,
    'id.resp_h': d.server,
    'id.resp_p': d.serverP,
    proto: d.proto,
  };
  if (d.transId !== null) o.trans_id = d.transId;
  if (z?.rtt != null) o.rtt = z.rtt;
  if (!z?.queryUnset) o.query = d.query;
  if (z?.qclass != null) o.qclass = z.qclass;
  if (z?.qclassName != null) o.qclass_name = z.qclassName;
  if (d.qtype !== null) o.qtype = d.qtype;
  if (d.qtypeName !== null) o.qtype_name = d.qtypeName;
  if (d.rcode !== null) o.rcode = d.rcode;
  if (d.rcodeName !== null) o.rcode_name = d.rcodeName;
  if (z) {
    for (const k of ['AA', 'TC', 'RD', 'RA'] as const) if (z[k] !== null) o[k] = z[k];
    if (z.Z !== null) o.Z = z.Z;
  }
  if (d.answers.length > 0) o.answers = d.answers;
  if (d.ttls.length > 0) o.TTLs = d.ttls;
  if (z?.rejected != null) o.rejected = z.rejected;
  return JSON.stringify(o);
}

/**
 * Zeek ASCII-writer escaping of one string value (`inSet`: also escape the
 * set separator), as Zeek's ODesc does with UTF-8 output enabled:
 * - text is UTF-8 written as is (`é` stays `é`, not `\xe9`);
 * - control bytes (below 0x20, and 0x7f) become `\xHH` (the tab separator `\x09`);
 * - flowhound's strings hold Zeek's own escapes already (a DNS name's
 *   byte 0x1b is the text `\x1b`, read from a capture or a Zeek log), so a
 *   `\xHH` sequence is written unchanged; any other backslash is `\x5c`,
 *   as Zeek writes a backslash byte;
 * - in a set or vector, `,` is `\x2c`; an empty string is `(empty)`, and the
 *   string `-` (the unset mark) is `\x2d`.
 */
export function escapeZeek(s: string, inSet = false): string {
  if (s === '') return '(empty)';
  if (s === '-') return '\\x2d';
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c < 0x20 || c === 0x7f) rep = `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x5c) rep = isHexEscape(s, i) ? null : '\\x5c';
    else if (inSet && c === 0x2c) rep = '\\x2c';
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate cannot be written as UTF-8: the replacement character's bytes.
      const pair = c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
      if (pair) i++;
      else rep = '\\xef\\xbf\\xbd';
    }
    if (rep === null) continue;
    out += s.slice(plainFrom, i) + rep;
    plainFrom = i + 1;
  }
  return plainFrom === 0 ? s : out + s.slice(plainFrom);
}

/** True when `s[i]` is the backslash of a `\xHH` escape. */
function isHexEscape(s: string, i: number): boolean {
  return i + 3 < s.length && s.charCodeAt(i + 1) === 0x78 && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3));
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Zeek's default `Site::local_nets` (`Site::private_address_space`), as far as flowhound checks it. */
export function isLocalAddress(addr: string): boolean {
  if (addr.includes(':')) {
    const a = addr.toLowerCase();
    if (a === '::1') return true;
    return /^f[cd][0-9a-f]{0,2}:/.test(a) || /^fe[89ab][0-9a-f]:/.test(a);
  }
  // The first three octets read in place (no split: this runs twice per connection of `flows`);
  // anything but digits and dots goes the general way.
  const o0 = readOctet(addr, 0);
  if (o0 < 0) return isLocalIpv4Parts(addr);
  if (o0 === 10 || o0 === 127 || o0 === 239) return true;
  if (o0 !== 172 && o0 !== 192 && o0 !== 100 && o0 !== 169 && o0 !== 224) return false;
  const at1 = addr.indexOf('.') + 1;
  const o1 = at1 === 0 ? Number.NaN : readOctet(addr, at1);
  if (o1 < 0) return isLocalIpv4Parts(addr);
  if (o0 === 172) return o1 >= 16 && o1 <= 31;
  if (o0 === 192) return o1 === 168;
  if (o0 === 100) return o1 >= 64 && o1 <= 127;
  if (o0 === 169) return o1 === 254;
  if (o1 !== 0) return false;
  const at2 = addr.indexOf('.', at1) + 1;
  const o2 = at2 === 0 ? Number.NaN : readOctet(addr, at2);
  if (o2 < 0) return isLocalIpv4Parts(addr);
  return o2 === 0;
}

/**
 * `isLocalAddress` of the dotted quad of a 32-bit IPv4 address (`(b0 << 24) | (b1 << 16) | (b2 << 8) | b3`,
 * signed or unsigned), read from its octets: the capture's flow table has the addresses as integers.
 */
export function isLocalIpv4Value(n: number): boolean {
  const o0 = n >>> 24;
  const o1 = (n >>> 16) & 255;
  if (o0 === 10 || o0 === 127 || o0 === 239) return true;
  if (o0 === 172) return o1 >= 16 && o1 <= 31;
  if (o0 === 192) return o1 === 168;
  if (o0 === 100) return o1 >= 64 && o1 <= 127;
  if (o0 === 169) return o1 === 254;
  if (o0 === 224) return o1 === 0 && ((n >>> 8) & 255) === 0;
  return false;
}

/** The decimal digits of `addr` from `at` to the next dot or the end (an empty part is 0, as Number('') is); -1 when another character comes first. */
function readOctet(addr: string, at: number): number {
  let n = 0;
  for (let i = at; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === 0x2e) return n;
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

function isLocalIpv4Parts(addr: string): boolean {
  const parts = addr.split('.');
  const o0 = Number(parts[0]);
  const o1 = Number(parts[1]);
  const o2 = Number(parts[2]);
  if (o0 === 10 || o0 === 127) return true;
  if (o0 === 172 && o1 >= 16 && o1 <= 31) return true;
  if (o0 === 192 && o1 === 168) return true;
  if (o0 === 100 && o1 >= 64 && o1 <= 127) return true;
  if (o0 === 169 && o1 === 254) return true;
  if (o0 === 224 && o1 === 0 && o2 === 0) return true;
  if (o0 === 239) return true;
  return false;
}
