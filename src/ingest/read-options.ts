/**
 * What every input reader takes: a leaf module (it imports no reader), so
 * the readers and read-input.ts, which dispatches to them, do not import
 * each other.
 */
import type { IngestWarning } from '../types.js';
import type { CsvMap } from './csv/csv-map.js';
import type { InputFormat } from './detect.js';

export interface ReadOptions {
  /** Forces the input format instead of detecting it. */
  format?: InputFormat;
  /** Stop after this many invalid lines/records in a row (default 25; 0: no limit). */
  maxInvalid: number;
  /** Receives every skipped line, truncation and other recoverable problem. */
  onWarning: (w: IngestWarning) => void;
  /** Column mapping for CSV flow exports of no known format (`--csv-map`, parsed by parseCsvMap). */
  csvMap?: CsvMap;
  /** Called as bytes are read, for a progress line. */
  onProgress?: (name: string, bytesRead: number, sizeBytes: number | null) => void;
  /**
   * `--strict`: a truncated or corrupt .gz input, a garbage capture record,
   * or an input that cannot be read to its end (unknown format, bad header,
   * too many invalid lines) stops the run with its error. Without it (the
   * default) the first two are warnings and the input is read up to the
   * fault, and in a run of several inputs the third is a warning
   * (INPUT_ABANDONED) and the run goes on with the other inputs, as a
   * truncated capture already is.
   */
  strict?: boolean;
}

export const DEFAULT_MAX_INVALID = 25;
