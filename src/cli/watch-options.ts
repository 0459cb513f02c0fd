/** The flags of `watch` beyond the shared ones, and their checks. */
import { showAllOptions } from './stdio.js';
import { UsageError } from './usage-error.js';

export const WATCH_DEFAULTS = {
  /** The default allowed lateness of `watch` (Zeek writes conn.log lines when connections end). */
  latenessSec: 120,
  idleFlushSec: 60,
};

export interface WatchFlagArgs {
  state?: string;
  lateness?: number;
  'idle-flush'?: number;
  'exit-idle'?: number;
  'from-end'?: boolean;
  'poll-ms'?: number;
  'state-interval-sec'?: number;
  'model-poll-sec'?: number;
}

/** Flags shown only by --help-all. */
export const WATCH_ADVANCED = ['idle-flush', 'poll-ms', 'state-interval-sec', 'model-poll-sec'];
const hidden = !showAllOptions();

export const WATCH_OPTIONS = {
  state: { type: 'string', describe: 'state file: positions and emitted findings, for restarts' },
  lateness: { type: 'number', default: WATCH_DEFAULTS.latenessSec, describe: 'allowed lateness in s of event time (older records: late)' },
  'idle-flush': { hidden, type: 'number', default: WATCH_DEFAULTS.idleFlushSec, describe: 'after this many s without input, report open incidents as at end of input (0: never)' },
  'from-end': { type: 'boolean', describe: 'start at the end of each file, like tail -F -n 0' },
  'exit-idle': { type: 'number', describe: 'exit after this many seconds without new input (scripts, tests)' },
  'poll-ms': { hidden, type: 'number', default: 250, describe: 'how often to check the followed files for new bytes' },
  'state-interval-sec': { hidden, type: 'number', default: 5, describe: 'how often to save the state file' },
  'model-poll-sec': { hidden, type: 'number', default: 5, describe: 'how often to check the model folder for a new model' },
} as const;

/** The timing flags of watch, checked. */
export function watchTimingFromArgs(args: WatchFlagArgs) {
  return {
    latenessSec: checkNumber('lateness', args.lateness ?? WATCH_DEFAULTS.latenessSec, 0),
    idleFlushSec: checkNumber('idle-flush', args['idle-flush'] ?? WATCH_DEFAULTS.idleFlushSec, 0),
    exitIdleSec: args['exit-idle'] === undefined ? null : checkNumber('exit-idle', args['exit-idle'], 0, true),
    pollMs: checkNumber('poll-ms', args['poll-ms'] ?? 250, 0, true),
    stateIntervalSec: checkNumber('state-interval-sec', args['state-interval-sec'] ?? 5, 0, true),
    modelPollSec: checkNumber('model-poll-sec', args['model-poll-sec'] ?? 5, 0, true),
  };
}

function checkNumber(name: string, v: unknown, min: number, strictlyAbove = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (strictlyAbove && v <= min)) {
    throw new UsageError(`--${name} must be a number ${strictlyAbove ? 'above' : 'of at least'} ${min}, got ${String(v)}`);
  }
  return v;
}

/** --webhook: an http or https URL. */
export function parseWebhookUrl(s: string): URL {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new UsageError(`--webhook: not a URL: ${s}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--webhook: expected an http or https URL, got ${s}`);
  return url;
}
