/**
 * `flowhound watch FILE|DIR|-`: streaming scoring of a growing log. Parses
 * the flags and runs `runWatchPipeline` (src/pipeline/watch-run.ts), which
 * follows the input (rotation and truncation included), runs the detectors
 * on event time with `--lateness`, keeps `--state`, reloads a changed model.
 * Findings go to stdout (JSON lines by default) and/or `--webhook URL`.
 * SIGINT/SIGTERM or a closed stdout: stop following, flush the detectors,
 * save the state, print the run summary, exit 0.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { escapeControl } from '../text/escape-control.js';
import { modelRequestFromFlag } from '../pipeline/model-choice.js';
import { createFormatSink, type PipelineSink } from '../pipeline/sinks.js';
import { runWatchPipeline } from '../pipeline/watch-run.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../sink/sink.js';
import { createWebhookSink, webhookSpoolPath } from '../sink/webhook.js';
import { createWarningCounter, INPUT_OPTION_NAMES, type InputArgs, toReadOptions, withInputOptions } from './input-options.js';
import { formatWatchEvent, formatWatchSummary } from './run-summary.js';
import { BACKEND_OPTION, runSetupFromArgs, withTuning } from './shared-options.js';
import { type CommandIo, showAllOptions, whenStdoutCloses } from './stdio.js';
import { FINDINGS_STREAM_OPTION, NATS_OPTION, STREAM_OPTION } from './scale-options.js';
import { UsageError } from './usage-error.js';
import { parseWebhookUrl, WATCH_ADVANCED, WATCH_OPTIONS, type WatchFlagArgs, watchTimingFromArgs, webhookOptionsFromArgs } from './watch-options.js';

export type WatchArgs = InputArgs &
  WatchFlagArgs & {
    target?: string;
    model?: string | boolean;
    backend?: string;
    output?: string;
    webhook?: string;
    rules?: string;
    config?: string;
    quiet?: boolean;
    nats?: string;
    stream?: string;
    'findings-stream'?: string;
    worker?: string;
    'checkpoint-interval-sec'?: number;
    [flag: string]: unknown;
  };

export interface WatchIo extends CommandIo {
  /** Stops the watch (the command wires SIGINT, SIGTERM and a closed stdout to it). */
  signal: AbortSignal;
  /** Standard input, for `watch -`. */
  stdin?: AsyncIterable<Uint8Array>;
}

export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch [target]',
  describe: 'Follow a growing Zeek log (file, log directory such as current/, or - for stdin) and print findings as they happen',
  builder: (y: Argv) =>
    withTuning(
      withInputOptions(y)
        .positional('target', { type: 'string', describe: 'a log file to follow like tail -F, a Zeek log folder (its conn.log and dns.log), or -' })
        .options({
          model: { type: 'string', describe: 'trained model folder, reloaded when it changes (default: rules only)' },
          output: { type: 'string', choices: [...OUTPUT_FORMATS], default: 'jsonl', describe: 'findings format on stdout' },
          webhook: { type: 'string', describe: 'also POST findings to this http(s) URL (retried; with --state, spooled across restarts)' },
          'findings-nats': { type: 'string', hidden: !showAllOptions(), describe: 'also publish findings to a NATS JetStream findings stream at this URL, de-duplicated by finding id (docs/scale-out.md)' },
          'findings-stream': { ...FINDINGS_STREAM_OPTION, hidden: !showAllOptions(), describe: 'the JetStream findings stream (--nats, --findings-nats)' },
          nats: { ...NATS_OPTION, describe: 'worker of a scale-out group on this NATS server (--worker I/N)' },
          worker: { type: 'string', hidden: !showAllOptions(), describe: "with --nats: this worker's I/N, e.g. 0/3 (docs/scale-out.md)" },
          stream: { ...STREAM_OPTION, hidden: !showAllOptions() },
          'checkpoint-interval-sec': { type: 'number', default: 5, hidden: !showAllOptions(), describe: 'with --nats: how often each partition saves its checkpoint to the KV bucket (and acks what it covers)' },
          rules: { type: 'string', describe: 'port-policy rules file (YAML/JSON), added to the shipped rules' },
          config: { type: 'string', describe: 'settings file (YAML/JSON), as for analyze' },
          quiet: { alias: 'q', type: 'boolean', describe: 'no run summary on stderr' },
          backend: { ...BACKEND_OPTION, hidden: !showAllOptions() },
          ...WATCH_OPTIONS,
        })
        .group(['state', 'output', 'webhook', 'webhook-format', 'webhook-header', 'model', 'lateness', 'from-end', 'exit-idle', 'rules', 'config', 'quiet', 'nats'], 'Watch options:')
        .group([...INPUT_OPTION_NAMES], 'Input options:')
        .group(['backend', 'worker', 'findings-nats', 'findings-stream', 'stream', 'checkpoint-interval-sec', ...WATCH_ADVANCED], 'Advanced:')
        .example('$0 watch zeek/current/ --state w.state', 'follow conn.log and dns.log, resume after restarts')
        .example('$0 watch conn.log --webhook https://siem/hook', 'findings to stdout and to a webhook')
        .example('ssh s1 tail -n +1 -F conn.log | $0 watch -', 'a remote log on standard input'),
      'watch',
    ) as unknown as Argv<WatchArgs>,
  handler: async (args) => {
    // yargs drops a lone "-" positional: put it back.
    const target = args.target || (process.argv.slice(2).includes('-') ? '-' : undefined);
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // `flowhound watch x | head`: a closed pipe stops the watch like SIGINT (state saved, exit 0).
    const undoStdout = whenStdoutCloses(stop);
    try {
      const code = await runWatch({ ...args, ...(target !== undefined ? { target } : {}) }, { stdout: process.stdout, stderr: process.stderr, signal: ac.signal, stdin: process.stdin });
      if (code !== 0) process.exitCode = code;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      undoStdout();
      // Standard input keeps the event loop alive otherwise.
      if (target === '-') process.stdin.destroy();
    }
  },
};

export async function runWatch(args: WatchArgs, io: WatchIo): Promise<number> {
  if (args.nats !== undefined) return (await import('./watch-worker.js')).runWatchWorker(args, io);
  const started = performance.now();
  const target = args.target;
  if (target === undefined || target === '') throw new UsageError('name what to watch: a log file, a Zeek log directory, or - for standard input');
  const timing = watchTimingFromArgs(args);
  const latenessSec = timing.latenessSec;
  const warnings = createWarningCounter(io.stderr, args.quiet === true);
  // Growing files are followed in this thread.
  const read = toReadOptions(args, warnings.onWarning);
  // A file that does not exist yet is followed until it appears; its folder must exist.
  if (target !== '-' && !existsSync(target) && !existsSync(dirname(resolve(target)))) throw new UsageError(`${target}: neither the file nor its folder exists`);
  const webhookUrl = args.webhook === undefined ? null : parseWebhookUrl(args.webhook);
  const setup = runSetupFromArgs(args);
  // --lateness drives the rate detector's lateness unless that is set on its own.
  if (args['rate-lateness-sec'] === undefined) setup.settings.rateLatenessSec = latenessSec;
  const warn = (m: string): void => void io.stderr.write(`flowhound: warning: ${escapeControl(m)}\n`);
  const statePath = args.state ?? null;
  if (statePath !== null && !existsSync(dirname(resolve(statePath)))) throw new UsageError(`--state ${statePath}: its folder does not exist`);

  const sinks: PipelineSink[] = [];
  const webhookOptions = webhookOptionsFromArgs(args);
  const webhook = webhookUrl
    ? createWebhookSink(webhookUrl.href, { onWarning: warn, ...webhookOptions, ...(statePath !== null ? { spoolPath: webhookSpoolPath(statePath) } : {}) })
    : null;
  if (webhook) sinks.push(webhook);
  const nats = typeof args['findings-nats'] === 'string' ? await (await import('../scale/jetstream-findings.js')).createJetStreamFindingsSink({ servers: args['findings-nats'], stream: String(args['findings-stream']) }) : null;
  if (nats) sinks.push(nats);
  // stdout last, acknowledged: a finding counts as emitted (journal, state) once stdout took it, after the
  // webhook spool's fsync; its pending journal line before both (a kill between: printed again, redelivered).
  sinks.push(createFormatSink((args.output as OutputFormat | undefined) ?? 'jsonl', io.stdout, { acknowledgeWrites: true, table: { live: true } }));
  const result = await runWatchPipeline({
    target,
    ...(io.stdin ? { stdin: io.stdin } : {}),
    read,
    ...setup,
    model: modelRequestFromFlag(args.model),
    ...timing,
    startAtEnd: args['from-end'] === true,
    statePath,
    sinks,
    signal: io.signal,
    onEvent: (e) => {
      const line = formatWatchEvent(e, latenessSec);
      if (line !== null && (e.kind === 'warning' || !args.quiet)) io.stderr.write(line);
    },
  });
  if (!args.quiet) {
    io.stderr.write(
      formatWatchSummary({ target, result, ...warnings.summary(), rules: setup.rules.length, rulesFile: args.rules ?? null, configFile: args.config ?? null, elapsedSec: (performance.now() - started) / 1000, webhook: webhook?.stats ?? null, statePath, latenessSec }),
    );
  }
  if (result.failure !== null) throw result.failure;
  return 0;
}
