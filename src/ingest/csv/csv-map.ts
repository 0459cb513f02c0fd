/**
 * The generic CSV mapping of `--csv-map`, for exports whose columns are none
 * of the known formats':
 *
 *   --csv-map 'ts=StartTime,origH=SrcAddr,origP=Sport,respH=DstAddr,respP=Dport,proto=Proto,origPkts=SrcPkts'
 *
 * Keys are FlowRecord field names (plus `end`, an end time from which the
 * duration is computed); values are column names as the header spells them
 * (compared trimmed and case-insensitively when there is no exact match).
 * `ts`, `duration` and `end` take an optional unit suffix `:s` (default),
 * `:ms` or `:us` for numbers in milli- or microseconds (times may also be
 * dates, see parseCsvTime). ts, origH and respH are required; unnamed fields
 * get their "unknown" value (null, 0, "" for uid, unknown_transport for proto).
 */
import { FlowhoundError } from '../../errors.js';
import type { FlowRecord } from '../../types.js';
import { type CsvFlowMapping, cell, findColumn, type RowResult } from './csv-mapping.js';
import { emptyFlow, ipProtoFromText, fail, optionalCount, optionalNumber, optionalPort, parseCsvTime, protoFromText, requireText, zeekIcmpPorts } from './csv-values.js';

export const CSV_MAP_FIELDS = [
  'ts', 'end', 'uid', 'origH', 'origP', 'respH', 'respP', 'proto', 'service', 'duration', 'origBytes', 'respBytes',
  'connState', 'history', 'missedBytes', 'origPkts', 'origIpBytes', 'respPkts', 'respIpBytes',
] as const;

export type CsvMapField = (typeof CSV_MAP_FIELDS)[number];

/** FlowRecord field → source column (with an optional ":ms"/":us" unit for ts, end, duration). */
export type CsvMap = Partial<Record<CsvMapField, string>>;

const UNIT_FIELDS: readonly CsvMapField[] = ['ts', 'end', 'duration'];

/** Parses the `--csv-map` flag value; throws FlowhoundError USAGE saying what is wrong. */
export function parseCsvMap(spec: string): CsvMap {
  const map: CsvMap = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new FlowhoundError('USAGE', `--csv-map: "${part}" is not FIELD=COLUMN`, { option: 'csv-map' });
    const key = part.slice(0, eq).trim();
    const column = part.slice(eq + 1);
    if (!(CSV_MAP_FIELDS as readonly string[]).includes(key)) {
      throw new FlowhoundError('USAGE', `--csv-map: unknown field "${key}"; fields are ${CSV_MAP_FIELDS.join(', ')}`, { option: 'csv-map' });
    }
    if (column.trim() === '') throw new FlowhoundError('USAGE', `--csv-map: field ${key} names no column`, { option: 'csv-map' });
    if (map[key as CsvMapField] !== undefined) throw new FlowhoundError('USAGE', `--csv-map: field ${key} is given twice`, { option: 'csv-map' });
    map[key as CsvMapField] = column;
  }
  const missing = (['ts', 'origH', 'respH'] as const).filter((k) => map[k] === undefined);
  if (missing.length > 0) throw new FlowhoundError('USAGE', `--csv-map: ${missing.join(', ')} must be mapped`, { option: 'csv-map' });
  return map;
}

function splitUnit(field: CsvMapField, column: string): { column: string; divisor: number } {
  if (UNIT_FIELDS.includes(field)) {
    const m = /^(.*):(s|ms|us)$/.exec(column);
    if (m) return { column: m[1] as string, divisor: m[2] === 'ms' ? 1e3 : m[2] === 'us' ? 1e6 : 1 };
  }
  return { column, divisor: 1 };
}

/** The mapping for `map` over this header; CSV_BAD_HEADER when a named column is absent. */
export function createCsvMapMapping(header: readonly string[], map: CsvMap, file: string): CsvFlowMapping {
  const idx: Partial<Record<CsvMapField, number>> = {};
  /** Unit divisors (1000 for :ms, 1e6 for :us). */
  const scale: Partial<Record<CsvMapField, number>> = {};
  for (const [field, spec] of Object.entries(map) as Array<[CsvMapField, string]>) {
    const { column, divisor } = splitUnit(field, spec);
    let i = header.indexOf(column);
    if (i < 0) i = findColumn(header, [column], (x) => x.trim().toLowerCase());
    if (i < 0) {
      throw new FlowhoundError(
        'CSV_BAD_HEADER',
        `${file}:1: --csv-map ${field}=${column}: no column "${column}" in the header (columns: ${header.slice(0, 30).join(', ')}${header.length > 30 ? ', ...' : ''})`,
        { file, line: 1 },
      );
    }
    idx[field] = i;
    scale[field] = divisor;
  }
  const at = (row: readonly string[], f: CsvMapField): string | undefined => cell(row, idx[f] ?? -1);
  const time = (row: readonly string[], f: CsvMapField): number | null => {
    const v = at(row, f);
    if (v === undefined || v.trim() === '') return null;
    const s = scale[f] ?? 1;
    const n = s !== 1 && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) / s : parseCsvTime(map[f] ?? f, v);
    if (Number.isNaN(n)) fail(map[f] ?? f, 'a time', v);
    return n;
  };
  return {
    format: 'csv-map',
    mapRow(row): RowResult {
      const ts = time(row, 'ts');
      if (ts === null) fail(map.ts ?? 'ts', 'a time', '');
      const origH = requireText(map.origH ?? 'origH', at(row, 'origH'));
      const respH = requireText(map.respH ?? 'respH', at(row, 'respH'));
      const protoText = at(row, 'proto');
      const p = protoText === undefined || protoText.trim() === '' ? null : protoFromText(protoText);
      if (p === null && protoText !== undefined && protoText.trim() !== '' && !/^\d+$/.test(protoText.trim())) fail(map.proto ?? 'proto', 'a protocol name or number', protoText);
      const flow: FlowRecord = emptyFlow(ts, origH, 0, respH, 0, p?.proto ?? 'unknown_transport', ipProtoFromText(protoText ?? '', respH));
      flow.origP = optionalPort(map.origP ?? 'origP', at(row, 'origP')) ?? 0;
      flow.respP = optionalPort(map.respP ?? 'respP', at(row, 'respP')) ?? 0;
      if (p?.proto === 'icmp' && idx.origP !== undefined) {
        const ports = zeekIcmpPorts(flow.origP, flow.respP, p.ipv6Icmp || origH.includes(':'));
        flow.respP = ports.respP;
      }
      const uid = at(row, 'uid');
      if (uid !== undefined) flow.uid = uid.trim();
      const text = (f: 'service' | 'connState' | 'history'): string | null => {
        const v = at(row, f)?.trim();
        return v === undefined || v === '' || v === '-' ? null : v;
      };
      flow.service = text('service');
      flow.connState = text('connState');
      flow.history = text('history');
      const d = optionalNumber(map.duration ?? 'duration', at(row, 'duration'));
      const end = time(row, 'end');
      flow.duration = d !== null ? d / (scale.duration ?? 1) : end !== null ? Math.max(0, end - ts) : null;
      flow.origBytes = optionalCount(map.origBytes ?? 'origBytes', at(row, 'origBytes'));
      flow.respBytes = optionalCount(map.respBytes ?? 'respBytes', at(row, 'respBytes'));
      flow.missedBytes = optionalCount(map.missedBytes ?? 'missedBytes', at(row, 'missedBytes')) ?? 0;
      flow.origPkts = optionalCount(map.origPkts ?? 'origPkts', at(row, 'origPkts')) ?? 0;
      flow.origIpBytes = optionalCount(map.origIpBytes ?? 'origIpBytes', at(row, 'origIpBytes')) ?? 0;
      flow.respPkts = optionalCount(map.respPkts ?? 'respPkts', at(row, 'respPkts')) ?? 0;
      flow.respIpBytes = optionalCount(map.respIpBytes ?? 'respIpBytes', at(row, 'respIpBytes')) ?? 0;
      return flow;
    },
  };
}
