/**
 * Zeek JSON logs (one object per line, `LogAscii::use_json=T` or the
 * json-streaming-logs package) to FlowRecord / DnsRecord batches, one batch
 * per input chunk.
 *
 * 1. Each line is one `JSON.parse`; keys are Zeek's (`id.orig_h`, ...; a
 *    nested `"id": {"orig_h": ...}` object is accepted too).
 * 2. `ts` is a number (epoch seconds) or an ISO 8601 string with its
 *    fraction kept exactly (json_timestamps=JSON::TS_ISO8601).
 * 3. The line's `_path` decides conn vs dns; without `_path` its keys do
 *    (log-kind.ts). Lines of other logs are skipped and counted (one
 *    warning per file with the count per path).
 * 4. Bad lines are skipped and reported with file, line and field, and stop
 *    the read after `maxInvalid` in a row; an unterminated last line that
 *    does not parse is reported as truncated.
 * Field meanings, nulls and defaults are those of the TSV reader, so the
 * TSV and JSON forms of one log give identical records.
 */
import { dottedQuadValue } from '../../detect/dotted-quad.js';
import type { ByteSource } from '../../io/byte-source.js';
import { createInvalidLineCounter, splitLines } from '../../io/lines.js';
import { createRecordBatch, type DnsLogColumns, type DnsRecord, type FlowRecord, type Proto, type RecordBatch } from '../../types.js';
import { ipProtoOfProto } from '../ip-proto.js';
import { LogFlowRecord } from '../log-flow-record.js';
import type { ReadOptions } from '../read-options.js';
import { completeDnsCodes } from '../dns-constants.js';
import { classifyZeekLog, type ZeekLogKind } from './log-kind.js';
import { parseIsoTime } from './parse-field.js';
import { trimDot, type ZeekReadStats } from './read-zeek-tsv.js';

type Json = Record<string, unknown>;

export async function* readZeekJson(source: ByteSource, options: ReadOptions, stats?: ZeekReadStats): AsyncGenerator<RecordBatch> {
  const file = source.name;
  const bad = createInvalidLineCounter(file, options.maxInvalid, options.onWarning);
  const st = stats ?? { flows: 0, dns: 0, invalid: 0, skippedByPath: {} };
  const skipped = new Map<string, { count: number; first: number }>();
  for await (const block of splitLines(source.chunks)) {
    if (block.droppedLongLine !== undefined) {
      st.invalid++;
      bad.invalid(block.droppedLongLine, 'line longer than 4 MiB, skipped');
      continue;
    }
    const text = block.text;
    const n = text.length;
    const batch = createRecordBatch();
    let pos = 0;
    let lineNo = block.firstLine;
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) pos = 1;
    while (pos < n) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = n;
      const line = text.slice(pos, nl).trim();
      if (line !== '') {
        const r = parseJsonLine(line);
        if (typeof r === 'string') {
          if (nl === n && block.unterminated) {
            bad.truncatedLast(lineNo, r);
          } else {
            st.invalid++;
            bad.invalid(lineNo, r);
          }
        } else if (r.kind === 'skip') {
          const s = skipped.get(r.path);
          if (s) s.count++;
          else skipped.set(r.path, { count: 1, first: lineNo });
        } else {
          bad.valid();
          if (r.kind === 'conn') batch.flows.push(r.flow);
          else batch.dns.push(r.dns);
        }
      }
      pos = nl + 1;
      lineNo++;
    }
    st.flows += batch.flows.length;
    st.dns += batch.dns.length;
    if (batch.flows.length > 0 || batch.dns.length > 0) yield batch;
  }
  for (const [path, s] of skipped) {
    st.skippedByPath[path] = (st.skippedByPath[path] ?? 0) + s.count;
    options.onWarning({
      code: 'ZEEK_SKIPPED_LOG',
      file,
      line: s.first,
      message: `${file}: skipped ${s.count} lines of Zeek log '${path}' (first at line ${s.first}; flowhound reads conn and dns logs)`,
    });
  }
}

type JsonLineResult = { kind: 'conn'; flow: FlowRecord } | { kind: 'dns'; dns: DnsRecord } | { kind: 'skip'; path: string } | string;

/** Parses one JSON log line (exported for the directory reader's sniffing and for tests). */
export function parseJsonLine(line: string): JsonLineResult {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    return `not valid JSON (${(e as Error).message.slice(0, 80)})`;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return 'expected a JSON object';
  const obj = o as Json;
  const id = obj.id !== null && typeof obj.id === 'object' ? (obj.id as Json) : null;
  const get = (k: string): unknown => {
    const v = obj[k];
    if (v !== undefined || id === null || !k.startsWith('id.')) return v;
    return id[k.slice(3)];
  };
  const path = typeof obj._path === 'string' ? obj._path : null;
  const kind = classifyJson(path, get);
  if (kind === null) return { kind: 'skip', path: path ?? 'unknown' };
  return kind === 'conn' ? mapConn(get) : mapDns(get);
}

function classifyJson(path: string | null, get: (k: string) => unknown): ZeekLogKind | null {
  return classifyZeekLog(path, (f) => get(f) !== undefined);
}

class FieldError {
  constructor(readonly message: string) {}
}

function fail(field: string, what: string, v: unknown): never {
  const shown = JSON.stringify(v) ?? String(v);
  throw new FieldError(`field ${field}: expected ${what}, got ${shown.length > 40 ? `${shown.slice(0, 40)}...` : shown}`);
}

function time(get: (k: string) => unknown, field: string): number {
  const v = get(field);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = parseIsoTime(v);
    if (!Number.isNaN(t)) return t;
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n)) return n;
  }
  if (v === undefined || v === null || v === '-') throw new FieldError(`field ${field}: unset`);
  return fail(field, 'a time (epoch seconds or ISO 8601)', v);
}

function str(get: (k: string) => unknown, field: string, required: boolean): string | null {
  const v = get(field);
  // Zeek's JSON writer leaves unset fields out: a "-" is the string "-" (a query of "-"), not unset.
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) {
    if (required) throw new FieldError(`field ${field}: unset`);
    return null;
  }
  return fail(field, 'a string', v);
}

const DNS_EXTRA_FIELDS = ['rtt', 'qclass', 'qclass_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'rejected'];

/** The dns.log columns kept for writing back (DnsRecord.zeek), or null when the line has none of them. */
function dnsExtraColumns(get: (k: string) => unknown, queryUnset: boolean): DnsLogColumns | null {
  if (!DNS_EXTRA_FIELDS.some((f) => get(f) !== undefined)) return null;
  const rtt = get('rtt');
  if (rtt !== undefined && rtt !== null && !(typeof rtt === 'number' && Number.isFinite(rtt))) fail('rtt', 'an interval', rtt);
  return {
    // Microsecond resolution, as Zeek's TSV writer prints intervals (a JSON log's twin gives the same record).
    rtt: typeof rtt === 'number' ? Math.round(rtt * 1e6) / 1e6 : null,
    qclass: count(get, 'qclass'),
    qclassName: str(get, 'qclass_name', false),
    AA: bool(get, 'AA'),
    TC: bool(get, 'TC'),
    RD: bool(get, 'RD'),
    RA: bool(get, 'RA'),
    Z: count(get, 'Z'),
    rejected: bool(get, 'rejected'),
    queryUnset,
  };
}

function bool(get: (k: string) => unknown, field: string): boolean | null {
  const v = get(field);
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  return fail(field, 'true or false', v);
}

function count(get: (k: string) => unknown, field: string): number | null {
  const v = get(field);
  if (v === undefined || v === null || v === '-') return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  return fail(field, 'a count', v);
}

function port(get: (k: string) => unknown, field: string): number {
  const v = get(field);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) return v;
  if (v === undefined || v === null) throw new FieldError(`field ${field}: unset`);
  return fail(field, 'a port', v);
}

function proto(get: (k: string) => unknown): Proto {
  const v = get('proto');
  if (v === undefined || v === null) return 'unknown_transport';
  if (v === 'tcp' || v === 'udp' || v === 'icmp' || v === 'unknown_transport') return v;
  return fail('proto', 'tcp, udp, icmp or unknown_transport', v);
}

/** Zeek's `ip_proto` (Zeek 7 and later): a count 0..255; null when absent or unset. */
function ipProtoField(get: (k: string) => unknown): number | null {
  const v = get('ip_proto');
  if (v === undefined || v === null || v === '-') return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  return fail('ip_proto', 'an IP protocol number (0..255)', v);
}

function mapConn(get: (k: string) => unknown): JsonLineResult {
  try {
    const duration = get('duration');
    if (duration !== undefined && duration !== null && !(typeof duration === 'number' && duration >= 0)) fail('duration', 'an interval', duration);
    const flow = new LogFlowRecord(
      time(get, 'ts'),
      str(get, 'uid', false) ?? '',
      str(get, 'id.orig_h', true) as string,
      port(get, 'id.orig_p'),
      str(get, 'id.resp_h', true) as string,
      port(get, 'id.resp_p'),
      proto(get),
      str(get, 'service', false),
      typeof duration === 'number' ? duration : null,
      count(get, 'orig_bytes'),
      count(get, 'resp_bytes'),
      str(get, 'conn_state', false),
      str(get, 'history', false),
      count(get, 'missed_bytes') ?? 0,
      count(get, 'orig_pkts') ?? 0,
      count(get, 'orig_ip_bytes') ?? 0,
      count(get, 'resp_pkts') ?? 0,
      count(get, 'resp_ip_bytes') ?? 0,
      -1,
      -1,
      -1,
    );
    flow.origV4 = dottedQuadValue(flow.origH) | 0;
    flow.respV4 = dottedQuadValue(flow.respH) | 0;
    flow.ipProto = ipProtoField(get) ?? ipProtoOfProto(flow.proto, flow.respH);
    return { kind: 'conn', flow };
  } catch (e) {
    if (e instanceof FieldError) return e.message;
    throw e;
  }
}

function mapDns(get: (k: string) => unknown): JsonLineResult {
  try {
    const qtype = count(get, 'qtype');
    const qtypeName = str(get, 'qtype_name', false);
    const rcode = count(get, 'rcode');
    const rcodeName = str(get, 'rcode_name', false);
    const answers = get('answers');
    if (answers !== undefined && answers !== null && !(Array.isArray(answers) && answers.every((a) => typeof a === 'string'))) {
      fail('answers', 'an array of strings', answers);
    }
    const ttls = get('TTLs');
    if (ttls !== undefined && ttls !== null && !(Array.isArray(ttls) && ttls.every((a) => typeof a === 'number'))) {
      fail('TTLs', 'an array of numbers', ttls);
    }
    const query = str(get, 'query', false);
    const dns: DnsRecord = {
      ts: time(get, 'ts'),
      uid: str(get, 'uid', false) ?? '',
      client: str(get, 'id.orig_h', true) as string,
      clientP: port(get, 'id.orig_p'),
      server: str(get, 'id.resp_h', true) as string,
      serverP: port(get, 'id.resp_p'),
      proto: proto(get),
      transId: count(get, 'trans_id'),
      query: query === null ? '' : trimDot(query),
      qtype,
      qtypeName,
      rcode,
      rcodeName,
      answers: Array.isArray(answers) ? (answers as string[]) : [],
      ttls: Array.isArray(ttls) ? (ttls as number[]) : [],
      responseBytes: null,
    };
    const extra = dnsExtraColumns(get, query === null);
    if (extra !== null) dns.zeek = extra;
    return { kind: 'dns', dns: completeDnsCodes(dns) };
  } catch (e) {
    if (e instanceof FieldError) return e.message;
    throw e;
  }
}
