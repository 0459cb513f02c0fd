/**
 * The shape every CSV flow-export mapping has: recognise a header, then turn
 * each row into a FlowRecord, a counted skip (rows that are not IP flows,
 * such as Argus management or ARP records) or a RowError.
 */
import type { FlowRecord } from '../../types.js';

export type CsvFormat = 'nfdump' | 'argus' | 'cicflowmeter' | 'csv-map';

export type RowResult = FlowRecord | { skip: string };

export interface CsvFlowMapping {
  format: CsvFormat;
  /** Maps one data row (throws RowError naming the column for a bad value). */
  mapRow(row: readonly string[]): RowResult;
  /** True when the row starts a trailer that is not flows (nfdump's "Summary" block). */
  isTrailer?(row: readonly string[]): boolean;
}

/** Finds a column by any of its names, comparing with `normalize`; -1 when absent. */
export function findColumn(header: readonly string[], names: readonly string[], normalize: (s: string) => string = (s) => s.trim()): number {
  const wanted = names.map(normalize);
  for (let i = 0; i < header.length; i++) {
    if (wanted.includes(normalize(header[i] as string))) return i;
  }
  return -1;
}

/** Cell `i` of a row, undefined when the column is absent (i < 0) or the row is short. */
export function cell(row: readonly string[], i: number): string | undefined {
  return i < 0 ? undefined : row[i];
}
