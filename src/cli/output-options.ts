/**
 * Flags shaping what `analyze` writes besides the findings format: the HTML
 * report (`--report FILE.html`, or `report:` in the --config file), the
 * table's `--expand`, and the finding filters `--min-severity`, `--since`,
 * `--until` (flags override the config file's `min-severity`, `since`,
 * `until`). Validated here; the pipeline gets typed options.
 */
import type { Argv } from 'yargs';
import { loadOutputConfig } from '../config/load-config.js';
import { describeFilter, type FindingFilter, parseTimeBound } from '../sink/finding-filter.js';
import { SEVERITY_ORDER, type Severity } from '../types.js';
import { showAllOptions } from './stdio.js';
import { UsageError } from './usage-error.js';

export const OUTPUT_OPTION_NAMES = ['report', 'expand', 'min-severity', 'since', 'until'];

export interface OutputArgs {
  report?: string;
  expand?: boolean;
  'min-severity'?: string;
  since?: string;
  until?: string;
}

export function withOutputOptions<T>(y: Argv<T>): Argv<T & OutputArgs> {
  return y.options({
    report: { type: 'string', describe: 'also write a self-contained HTML report to this file (docs/report.md)' },
    expand: { type: 'boolean', hidden: !showAllOptions(), describe: 'table: one row per finding instead of one per incident (source and kind)' },
    'min-severity': { type: 'string', choices: [...SEVERITY_ORDER], describe: 'only findings at or above this severity (every output)' },
    since: { type: 'string', hidden: !showAllOptions(), describe: 'only findings still going on at or after this time (epoch seconds or ISO 8601, UTC)' },
    until: { type: 'string', hidden: !showAllOptions(), describe: 'only findings that began at or before this time' },
  }) as unknown as Argv<T & OutputArgs>;
}

export interface OutputChoices {
  reportPath: string | null;
  filter: FindingFilter;
  /** The filter as the report's summary names it ('' for none). */
  filterText: string;
  expand: boolean;
}

export function outputChoicesFromArgs(args: OutputArgs, configFile: string | undefined): OutputChoices {
  const fromConfig = configFile ? loadOutputConfig(configFile) : {};
  const filter: FindingFilter = {};
  const minSeverity = (args['min-severity'] as Severity | undefined) ?? fromConfig.minSeverity;
  if (minSeverity !== undefined) filter.minSeverity = minSeverity;
  const since = args.since ?? fromConfig.since;
  const until = args.until ?? fromConfig.until;
  try {
    if (since !== undefined) filter.sinceSec = parseTimeBound(since, '--since');
    if (until !== undefined) filter.untilSec = parseTimeBound(until, '--until');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (filter.sinceSec !== undefined && filter.untilSec !== undefined && filter.untilSec < filter.sinceSec) {
    throw new UsageError(`--until (${until}) is before --since (${since})`);
  }
  const report = args.report ?? fromConfig.report ?? null;
  if (report === '') throw new UsageError('--report: name the HTML file to write');
  return { reportPath: report, filter, filterText: describeFilter(filter), expand: args.expand === true };
}
