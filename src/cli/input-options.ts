/**
 * The input options every reading command shares (`--format`, `--max-invalid`,
 * `--csv-map`, `--strict`), validated once here and turned into the library's
 * ReadOptions.
 */
import type { Argv } from 'yargs';
import { INPUT_FORMATS, type InputFormat } from '../ingest/detect.js';
import { parseCsvMap } from '../ingest/csv/csv-map.js';
import { DEFAULT_MAX_INVALID, type ReadOptions } from '../ingest/read-input.js';
import { escapeControl } from '../text/escape-control.js';
import type { IngestWarning } from '../types.js';
import { showAllOptions } from './stdio.js';
import { UsageError } from './usage-error.js';

export interface InputArgs {
  format?: string;
  'max-invalid': number;
  'csv-map'?: string;
  strict?: boolean;
}

export const INPUT_OPTION_NAMES = ['format', 'max-invalid', 'csv-map', 'strict'] as const;

/** Adds --format, --max-invalid, --strict and --csv-map to a command's builder. */
export function withInputOptions<T>(y: Argv<T>): Argv<T & InputArgs> {
  return y
    .option('format', { type: 'string', choices: [...INPUT_FORMATS], describe: 'force the input format (default: detected from the content)' })
    .option('max-invalid', { type: 'number', default: DEFAULT_MAX_INVALID, describe: 'stop after this many invalid lines in a row (0: never)' })
    .option('strict', {
      type: 'boolean',
      describe: 'stop at the first input not readable to its end (default: warn, go on)',
    })
    .option('csv-map', {
      type: 'string',
      hidden: !showAllOptions(),
      describe: 'columns of a CSV export that is not nfdump, Argus or CICFlowMeter, e.g. ts=StartTime,origH=SrcAddr,respH=DstAddr,respP=Dport,proto=Proto',
    }) as unknown as Argv<T & InputArgs>;
}

/** Validates the shared input flags and builds the ReadOptions the library takes. */
export function toReadOptions(args: InputArgs, onWarning: (w: IngestWarning) => void): ReadOptions {
  const maxInvalid = args['max-invalid'];
  if (!(Number.isInteger(maxInvalid) && maxInvalid >= 0)) throw new UsageError(`--max-invalid must be a whole number ≥ 0, got ${maxInvalid}`);
  const options: ReadOptions = { maxInvalid, onWarning };
  if (args.strict === true) options.strict = true;
  if (args.format !== undefined) options.format = args.format as InputFormat;
  if (args['csv-map'] !== undefined) options.csvMap = parseCsvMap(args['csv-map']);
  return options;
}

/**
 * A warning as one stderr line: readers put the file and position in the
 * message; add them when one did not. File names and values quoted from the
 * input are attacker-controlled: control bytes are escaped (escape-control.ts).
 */
export function formatWarning(w: IngestWarning): string {
  if (w.message.startsWith(w.file)) return escapeControl(w.message);
  const where = w.line !== undefined ? `:${w.line}` : w.offset !== undefined ? `: byte ${w.offset}` : '';
  return escapeControl(`${w.file}${where}: ${w.message}`);
}

export interface WarningCounter {
  onWarning(w: IngestWarning): void;
  summary(): { warnings: number; warningsByCode: Record<string, number> };
}

/** Counts input warnings by code and prints the first 20 on stderr (unless quiet); `beforePrint` clears a progress line. */
export function createWarningCounter(stderr: { write(s: string): unknown }, quiet: boolean, beforePrint?: () => void): WarningCounter {
  let warnings = 0;
  const warningsByCode: Record<string, number> = {};
  return {
    onWarning(w) {
      warnings++;
      warningsByCode[w.code] = (warningsByCode[w.code] ?? 0) + 1;
      if (warnings <= 20 && !quiet) {
        beforePrint?.();
        stderr.write(`flowhound: warning: ${formatWarning(w)}\n`);
      }
    },
    summary: () => ({ warnings, warningsByCode }),
  };
}
