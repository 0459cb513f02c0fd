/**
 * CSV flow exports (nfdump `-o csv`, Argus `ra -c ,`, CICFlowMeter, or any
 * CSV with `--csv-map`) to FlowRecord batches, one batch per input chunk.
 *
 * 1. Lines come from `splitLines` (exact 1-based line numbers, CRLF, a
 *    truncated last line, over-long lines dropped); each chunk's lines are
 *    parsed by csv-parse in one call. If that call fails (a quote error),
 *    the chunk's lines are parsed one by one so that one bad line costs one
 *    line. Quoted fields spanning lines are not supported (no flow exporter
 *    writes them): each of those lines is reported.
 * 2. The first non-empty row is the header; it picks the mapping:
 *    `options.csvMap` when given, else nfdump, Argus or CICFlowMeter by
 *    their column names. A first row that looks like data is refused with
 *    CSV_NO_HEADER; a header of unknown columns with CSV_BAD_HEADER.
 * 3. Rows map to FlowRecords (the mappings' files document how). Rows that
 *    are not IP flows (Argus management and ARP records) are skipped and
 *    counted, one warning per reason. Rows of empty cells are skipped and
 *    counted. Bad rows are reported with file, line and column; maxInvalid
 *    in a row stop the read.
 * 4. nfdump's trailing Summary block is not flows: it ends the records; its
 *    flow count is checked against the rows read (CSV_SUMMARY_MISMATCH
 *    warning when they differ).
 */
import { parse } from 'csv-parse/sync';
import { FlowhoundError } from '../../errors.js';
import type { ByteSource } from '../../io/byte-source.js';
import { createInvalidLineCounter, splitLines } from '../../io/lines.js';
import { createRecordBatch, type RecordBatch } from '../../types.js';
import type { ReadOptions } from '../read-options.js';
import { createArgusMapping } from './argus-mapping.js';
import { createCicflowmeterMapping } from './cicflowmeter-mapping.js';
import { createCsvMapMapping } from './csv-map.js';
import type { CsvFlowMapping, CsvFormat } from './csv-mapping.js';
import { isIpAddress, parseCsvTime, RowError } from './csv-values.js';
import { createNfdumpMapping } from './nfdump-mapping.js';

const PARSE_OPTIONS = { relax_quotes: true, relax_column_count: true, skip_empty_lines: false, record_delimiter: '\n' } as const;

/** What a CSV read found, for callers that want it (tests, the run summary). */
export interface CsvReadStats {
  format: CsvFormat | null;
  flows: number;
  invalid: number;
  /** Rows skipped because they are not IP flows, by reason. */
  skipped: Record<string, number>;
  blankRows: number;
  /** nfdump's trailing Summary values (flows, bytes, packets, ...), when present. */
  summary: Record<string, number> | null;
}

export async function* readFlowCsv(source: ByteSource, options: ReadOptions, stats?: CsvReadStats): AsyncGenerator<RecordBatch> {
  const file = source.name;
  const st: CsvReadStats = stats ?? { format: null, flows: 0, invalid: 0, skipped: {}, blankRows: 0, summary: null };
  const bad = createInvalidLineCounter(file, options.maxInvalid, options.onWarning);
  let header: string[] | null = null;
  let mapping: CsvFlowMapping | null = null;
  let trailer: string[][] | null = null;
  let trailerLine = 0;

  const handleRow = (row: string[], lineNo: number, batch: RecordBatch, unterminated: boolean): void => {
    if (row.every((c) => c.trim() === '')) {
      st.blankRows++;
      return;
    }
    if (header === null || mapping === null) {
      header = row;
      mapping = pickMapping(row, options, file);
      st.format = mapping.format;
      return;
    }
    if (trailer !== null) {
      trailer.push(row);
      return;
    }
    if (mapping.isTrailer?.(row)) {
      trailer = [];
      trailerLine = lineNo;
      return;
    }
    let problem: string;
    if (row.length !== header.length) {
      problem = `expected ${header.length} columns (the header's), got ${row.length}`;
    } else {
      try {
        const r = mapping.mapRow(row);
        if ('skip' in r) {
          st.skipped[r.skip] = (st.skipped[r.skip] ?? 0) + 1;
        } else {
          batch.flows.push(r);
        }
        bad.valid();
        return;
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        problem = e.message;
      }
    }
    if (unterminated) {
      bad.truncatedLast(lineNo, problem);
      return;
    }
    st.invalid++;
    bad.invalid(lineNo, problem);
  };

  for await (const block of splitLines(source.chunks)) {
    if (block.droppedLongLine !== undefined) {
      st.invalid++;
      bad.invalid(block.droppedLongLine, 'line longer than 4 MiB, skipped');
      continue;
    }
    const batch = createRecordBatch();
    let text = block.text;
    if (block.firstLine === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const lines = text.split('\n');
    if (!block.unterminated) lines.pop();
    const kept: string[] = [];
    const lineNos: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      let l = lines[i] as string;
      if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
      if (l.trim() === '') continue;
      kept.push(l);
      lineNos.push(block.firstLine + i);
    }
    if (kept.length === 0) continue;
    const lastIsUnterminated = (i: number): boolean => block.unterminated && lineNos[i] === block.firstLine + lines.length - 1;
    let rows: string[][] | null = null;
    try {
      rows = parse(kept.join('\n'), PARSE_OPTIONS) as string[][];
      if (rows.length !== kept.length) rows = null;
    } catch {
      rows = null;
    }
    if (rows !== null) {
      for (let i = 0; i < rows.length; i++) handleRow(rows[i] as string[], lineNos[i] as number, batch, lastIsUnterminated(i));
    } else {
      for (let i = 0; i < kept.length; i++) {
        let row: string[] | null = null;
        let problem = '';
        try {
          const r = parse(kept[i] as string, PARSE_OPTIONS) as string[][];
          if (r.length === 1) row = r[0] as string[];
          else problem = 'not one CSV record';
        } catch (e) {
          problem = `CSV: ${(e as Error).message.replace(/ at line \d+.*$/, '')}`;
        }
        if (row !== null) {
          handleRow(row, lineNos[i] as number, batch, lastIsUnterminated(i));
        } else if (lastIsUnterminated(i)) {
          bad.truncatedLast(lineNos[i] as number, problem);
        } else if (header === null) {
          throw new FlowhoundError('CSV_BAD_HEADER', `${file}:${lineNos[i]}: the header row does not parse as CSV: ${problem}`, { file, line: lineNos[i] as number });
        } else {
          st.invalid++;
          bad.invalid(lineNos[i] as number, problem);
        }
      }
    }
    st.flows += batch.flows.length;
    if (batch.flows.length > 0) yield batch;
  }
  if (header === null) throw new FlowhoundError('CSV_NO_HEADER', `${file}: empty: no header row and no flows`, { file });
  for (const [reason, n] of Object.entries(st.skipped)) {
    options.onWarning({ code: 'CSV_SKIPPED_ROWS', file, message: `${file}: skipped ${n} rows: ${reason}` });
  }
  if (st.blankRows > 0) options.onWarning({ code: 'CSV_BLANK_ROWS', file, message: `${file}: skipped ${st.blankRows} rows with only empty cells` });
  const t = trailer as string[][] | null;
  if (t !== null) {
    st.summary = parseSummary(t);
    const rows = st.flows + st.invalid + Object.values(st.skipped).reduce((a, b) => a + b, 0);
    if (st.summary?.flows !== undefined && st.summary.flows !== rows) {
      options.onWarning({
        code: 'CSV_SUMMARY_MISMATCH',
        file,
        line: trailerLine,
        message: `${file}:${trailerLine}: the export's Summary says ${st.summary.flows} flows, but it has ${rows} flow rows`,
      });
    }
  }
}

function pickMapping(header: string[], options: ReadOptions, file: string): CsvFlowMapping {
  if (options.csvMap !== undefined) return createCsvMapMapping(header, options.csvMap, file);
  const m = createNfdumpMapping(header) ?? createArgusMapping(header) ?? createCicflowmeterMapping(header);
  if (m !== null) return m;
  const looksLikeData = header.some((c) => isIpAddress(c.trim()) || (/\d/.test(c) && !Number.isNaN(safeTime(c))));
  if (looksLikeData) {
    throw new FlowhoundError(
      'CSV_NO_HEADER',
      `${file}:1: no header row: the first row (${preview(header)}) looks like data; flowhound needs the export's header row (nfdump -o csv, Argus ra -c ",", CICFlowMeter) or --csv-map FIELD=COLUMN naming the columns`,
      { file, line: 1 },
    );
  }
  throw new FlowhoundError(
    'CSV_BAD_HEADER',
    `${file}:1: the header (${preview(header)}) is not a known flow export (nfdump -o csv: ts,te,td,sa,da,sp,dp,pr,...; Argus ra -c ",": StartTime,...,SrcAddr,...,DstAddr; CICFlowMeter: Source IP, Timestamp, Flow Duration, ...); name the columns with --csv-map`,
    { file, line: 1 },
  );
}

function safeTime(c: string): number {
  try {
    return parseCsvTime('', c);
  } catch {
    return 0;
  }
}

function preview(row: string[]): string {
  const s = row.slice(0, 8).join(',');
  return `${s.length > 120 ? `${s.slice(0, 120)}...` : s}${row.length > 8 ? ',...' : ''}`;
}

/** nfdump's trailer: "Summary", then a header row (flows,bytes,packets,...) and a values row. */
function parseSummary(rows: string[][]): Record<string, number> | null {
  const head = rows[0];
  const values = rows[1];
  if (head === undefined || values === undefined) return null;
  const out: Record<string, number> = {};
  head.forEach((k, i) => {
    const v = Number(values[i]);
    if (k.trim() !== '' && Number.isFinite(v)) out[k.trim()] = v;
  });
  return out;
}
