/** The flags of `watch` beyond the shared ones, and their checks. */
import { type WebhookFormat, isWebhookFormat, WEBHOOK_FORMATS } from '../sink/webhook-format.js';
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
  'webhook-header'?: string | string[];
  'webhook-format'?: string;
  'webhook-spool-max'?: number;
}

/** Undelivered webhook findings kept at most (some 10–20 MB of spool). */
export const WEBHOOK_SPOOL_MAX = 10_000;

/** Flags shown only by --help-all. */
export const WATCH_ADVANCED = ['idle-flush', 'poll-ms', 'state-interval-sec', 'model-poll-sec'];
const hidden = !showAllOptions();

export const WATCH_OPTIONS = {
  state: { type: 'string', describe: 'state file: a checkpoint (positions, open incidents, emitted findings) for exactly-once restarts' },
  lateness: { type: 'number', default: WATCH_DEFAULTS.latenessSec, describe: 'allowed lateness in s of event time (older records: late)' },
  'idle-flush': { hidden, type: 'number', default: WATCH_DEFAULTS.idleFlushSec, describe: 'after this many s without input, report open incidents as at end of input (0: never)' },
  'from-end': { type: 'boolean', describe: 'start at the end of each file, like tail -F -n 0' },
  'exit-idle': { type: 'number', describe: 'exit after this many seconds without new input (scripts, tests)' },
  'poll-ms': { hidden, type: 'number', default: 250, describe: 'how often to check the followed files for new bytes' },
  'state-interval-sec': { hidden, type: 'number', default: 5, describe: 'how often to save the state file' },
  'model-poll-sec': { hidden, type: 'number', default: 5, describe: 'how often to check the model folder for a new model' },
  'webhook-header': { type: 'string', array: true, describe: "extra webhook request header 'Name: value' (repeatable), e.g. 'Authorization: Bearer TOKEN'" },
  'webhook-format': { type: 'string', choices: [...WEBHOOK_FORMATS], default: 'json', describe: 'webhook body: json, eve (EVE lines), slack, wecom, dingtalk (a message per finding)' },
  'webhook-spool-max': { hidden, type: 'number', default: WEBHOOK_SPOOL_MAX, describe: 'most undelivered webhook findings kept (spool beside --state, or memory); past it the oldest are dropped and counted' },
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

/** The webhook flags, checked: headers, body format, spool bound. */
export function webhookOptionsFromArgs(args: WatchFlagArgs): { headers: Record<string, string>; format: WebhookFormat; maxQueue: number } {
  const format = args['webhook-format'] ?? 'json';
  if (!isWebhookFormat(format)) throw new UsageError(`--webhook-format: expected one of ${WEBHOOK_FORMATS.join(', ')}, got ${format}`);
  const max = checkNumber('webhook-spool-max', args['webhook-spool-max'] ?? WEBHOOK_SPOOL_MAX, 1);
  return { headers: parseWebhookHeaders(args['webhook-header']), format, maxQueue: Math.floor(max) };
}

/** `--webhook-header 'Name: value'` (repeatable) as a header object; a bad one is a usage error. */
export function parseWebhookHeaders(raw: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const h of list) {
    const i = h.indexOf(':');
    const name = i < 0 ? '' : h.slice(0, i).trim();
    const value = i < 0 ? '' : h.slice(i + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--webhook-header: expected 'Name: value', got ${JSON.stringify(h)}`);
    if (/[\r\n\0]/.test(value)) throw new UsageError(`--webhook-header ${name}: the value holds a line break`);
    out[name] = value;
  }
  return out;
}
