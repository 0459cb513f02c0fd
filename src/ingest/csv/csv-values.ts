/**
 * Value parsers shared by the CSV flow-export mappings: times in the
 * formats the exporters write, numbers, protocol names and numbers, and
 * Zeek's way of putting ICMP type and code into the port fields.
 */
import { dottedQuadValue } from '../../detect/dotted-quad.js';
import type { FlowRecord, Proto } from '../../types.js';
import { IP_PROTO_ICMP6, IP_PROTO_UNKNOWN, ipProtoOfProto } from '../ip-proto.js';
import { LogFlowRecord } from '../log-flow-record.js';
import { parseIsoTime } from '../zeek/parse-field.js';

/** A problem with one field of a row; the reader reports it with file and line. */
export class RowError extends Error {}

export function fail(column: string, what: string, value: string): never {
  const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  throw new RowError(`column ${column}: expected ${what}, got ${JSON.stringify(shown)}`);
}

const EPOCH_RE = /^\d+(\.\d+)?$/;
const DMY_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:\s*([AaPp][Mm]))?$/;
const TIME_ONLY_RE = /^\d{1,2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * A timestamp as the exporters write it, to epoch seconds:
 * - epoch numbers: seconds (below 1e11), milliseconds (below 1e14), else microseconds;
 * - "2026-11-23 05:31:57[.fff]" / "2026/11/23 05:31:57" / ISO 8601 with T, Z or an offset;
 * - CICFlowMeter's day-first "7/7/2017 3:30", "07/07/2017 03:30:00 PM".
 * Times without a zone are read as UTC. Returns NaN when not a time; throws
 * for a time of day without a date (Argus' default StartTime format).
 */
export function parseCsvTime(column: string, value: string): number {
  const v = value.trim();
  if (EPOCH_RE.test(v)) {
    const n = Number(v);
    if (n < 1e11) return n;
    if (n < 1e14) return n / 1e3;
    return n / 1e6;
  }
  const iso = parseIsoTime(v.replace(/^(\d{4})\/(\d{2})\/(\d{2})/, '$1-$2-$3'));
  if (!Number.isNaN(iso)) return iso;
  const m = DMY_RE.exec(v);
  if (m) {
    const [, d, mo, y, h, mi, s, frac, ampm] = m;
    let hour = Number(h);
    if (ampm !== undefined) {
      const pm = ampm.toLowerCase() === 'pm';
      if (hour === 12) hour = pm ? 12 : 0;
      else if (pm) hour += 12;
    }
    const day = Number(d);
    const month = Number(mo);
    if (day < 1 || day > 31 || month < 1 || month > 12 || hour > 23) return Number.NaN;
    const whole = Date.UTC(Number(y), month - 1, day, hour, Number(mi), s === undefined ? 0 : Number(s)) / 1000;
    return frac === undefined ? whole : (whole * 10 ** frac.length + Number(frac)) / 10 ** frac.length;
  }
  if (TIME_ONLY_RE.test(v)) {
    throw new RowError(`column ${column}: time ${JSON.stringify(v)} has no date (for Argus, run ra with -u, or set RA_TIME_FORMAT="%Y-%m-%d %T.%f")`);
  }
  return Number.NaN;
}

export function requireTime(column: string, value: string | undefined): number {
  if (value === undefined || value.trim() === '') throw new RowError(`column ${column}: empty`);
  const t = parseCsvTime(column, value);
  if (Number.isNaN(t)) fail(column, 'a time', value);
  return t;
}

/** A non-negative number (counts, durations); null when the cell is empty or "-". */
export function optionalNumber(column: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '' || v === '-') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(column, 'a non-negative number', value);
  return n;
}

/** A count: a non-negative integer; scaled suffixes like nfdump's "1.2 M" are refused (use nfdump -N). */
export function optionalCount(column: string, value: string | undefined): number | null {
  const n = optionalNumber(column, value);
  if (n !== null && !Number.isInteger(n)) fail(column, 'a count', value as string);
  return n;
}

/** A port: decimal, or hex "0x0303" (Argus writes ICMP type/code so); null when empty. */
export function optionalPort(column: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '' || v === '-') return null;
  const n = /^0x[0-9a-fA-F]{1,4}$/.test(v) ? Number.parseInt(v, 16) : /^\d{1,5}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= 0 && n <= 65535)) fail(column, 'a port', value);
  return n;
}

export function requireText(column: string, value: string | undefined): string {
  const v = value?.trim() ?? '';
  if (v === '') throw new RowError(`column ${column}: empty`);
  return v;
}

const PROTO_NUMBERS: Record<string, Proto> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmp' };

/** A transport name or IP protocol number to Zeek's proto; null when it is not an IP transport flowhound knows. */
export function protoFromText(value: string): { proto: Proto; ipv6Icmp: boolean } | null {
  const v = value.trim().toLowerCase();
  if (v === 'tcp' || v === '6') return { proto: 'tcp', ipv6Icmp: false };
  if (v === 'udp' || v === '17') return { proto: 'udp', ipv6Icmp: false };
  if (v === 'icmp' || v === '1') return { proto: 'icmp', ipv6Icmp: false };
  if (v === 'ipv6-icmp' || v === 'icmp6' || v === 'icmpv6' || v === '58') return { proto: 'icmp', ipv6Icmp: true };
  return PROTO_NUMBERS[v] ? { proto: PROTO_NUMBERS[v], ipv6Icmp: false } : null;
}

/** Request/reply ICMP types and their counterparts (Zeek ICMP4_counterpart / ICMP6_counterpart). */
const ICMP4_COUNTERPART: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const ICMP6_COUNTERPART: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144 };

/** Zeek's ICMP ports: origP = type; respP = the counterpart type for request/reply pairs, else the code. */
export function zeekIcmpPorts(type: number, code: number, ipv6: boolean): { origP: number; respP: number } {
  const counterpart = (ipv6 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART)[type];
  return { origP: type, respP: counterpart ?? code };
}

export function isIpAddress(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+(%\w+)?$/.test(s));
}

/**
 * IP protocol numbers of the names exports use for transports other than TCP, UDP and ICMP (IANA
 * keywords as in /etc/protocols, lower case; Argus and nfdump print these).
 */
const IP_PROTO_NAMES: Record<string, number> = {
  igmp: 2, ipip: 4, ipencap: 4, ipv4: 4, ipv6: 41, rsvp: 46, gre: 47, esp: 50, ah: 51, eigrp: 88, ospf: 89, ospfigp: 89,
  pim: 103, ipcomp: 108, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136,
};

/** The IP protocol number a transport name or number stands for; -1 when not known (FlowRecord.ipProto). */
export function ipProtoFromText(value: string, respH: string): number {
  const v = value.trim().toLowerCase();
  if (/^\d{1,3}$/.test(v) && Number(v) <= 255) return Number(v);
  const p = protoFromText(v);
  if (p !== null) return p.ipv6Icmp ? IP_PROTO_ICMP6 : ipProtoOfProto(p.proto, respH);
  return IP_PROTO_NAMES[v] ?? IP_PROTO_UNKNOWN;
}

/** A FlowRecord with every optional field at its "unknown" value; `ipProto` derived from `proto` unless given. */
export function emptyFlow(ts: number, origH: string, origP: number, respH: string, respP: number, proto: Proto, ipProto = ipProtoOfProto(proto, respH)): FlowRecord {
  return new LogFlowRecord(
    ts,
    '',
    origH,
    origP,
    respH,
    respP,
    proto,
    // service, duration, origBytes, respBytes, connState, history: unknown
    null,
    null,
    null,
    null,
    null,
    null,
    // missedBytes, origPkts, origIpBytes, respPkts, respIpBytes
    0,
    0,
    0,
    0,
    0,
    dottedQuadValue(origH) | 0,
    dottedQuadValue(respH) | 0,
    ipProto,
  );
}
