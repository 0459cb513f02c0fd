/**
 * Reads a Zeek btest baseline conn.log as stored in
 * ../shared/data/zeek-conformance: a full Zeek TSV log (`#fields` header),
 * or a `zeek-cut -m` file whose first non-comment line is the column list.
 * The first line (`### BTest baseline ...`) and `#` lines are skipped; the
 * masked `ts` (XXXXXXXXXX.XXXXXX) reads as null.
 */
import { readFileSync } from 'node:fs';
import { FlowhoundError } from '../errors.js';

/** One baseline row by column name; `-` and masked values are null. */
export type BaselineRow = Record<string, string | null>;

export interface BaselineConnLog {
  columns: string[];
  rows: BaselineRow[];
}

export function readBaselineConnLog(path: string): BaselineConnLog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FlowhoundError('INPUT_NOT_FOUND', `${path}: cannot open: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  const lines = text.split('\n');
  let columns: string[] | null = null;
  const rows: BaselineRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '' || line.startsWith('###')) continue;
    if (line.startsWith('#fields\t')) {
      columns = line.split('\t').slice(1);
      continue;
    }
    if (line.startsWith('#')) continue;
    const cells = line.split('\t');
    if (columns === null) {
      // zeek-cut -m: the first plain line names the columns.
      columns = cells;
      continue;
    }
    if (cells.length !== columns.length) {
      throw new FlowhoundError('ZEEK_BAD_HEADER', `${path}:${i + 1}: expected ${columns.length} fields, got ${cells.length}`, { file: path, line: i + 1 });
    }
    const row: BaselineRow = {};
    columns.forEach((c, j) => {
      const v = cells[j]!;
      row[c] = v === '-' || v.startsWith('XXXXXXXXXX') ? null : v;
    });
    rows.push(row);
  }
  if (columns === null) throw new FlowhoundError('ZEEK_NO_HEADER', `${path}: no #fields header and no column line`, { file: path });
  return { columns, rows };
}
