/**
 * `flowhound watch FILE|DIR|-`: streaming scoring of a growing log.
 *
 * Follows a file like `tail -F` (rotation and truncation included), or the
 * conn.log and dns.log of a Zeek log directory (e.g. /opt/zeek/logs/current),
 * or standard input; runs the rule detectors and the model's
 * baseline.deviation detector on event time with `--lateness` (default
 * 120 s) and prints each finding as it becomes certain: JSON lines by
 * default, `--output eve|table`, and/or `--webhook URL`.
 *
 * `--state FILE` keeps the read position (file identity, offset, TSV header)
 * and the recently emitted finding ids, saved atomically every
 * `--state-interval-sec` and at exit, so a restart resumes without
 * re-reporting. The model folder is polled and reloaded when it changes; a
 * reload that fails keeps the old model and warns. SIGINT/SIGTERM: stop
 * following, flush the detectors, save the state, print the run summary,
 * exit 0.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { escapeControl } from '../text/escape-control.js';
import type { Settings } from '../config/settings.js';
import { SETTING_SPECS } from '../config/settings.js';
import { createRuleDetectors } from '../detect/create-rule-detectors.js';
import { defaultPolicyRules } from '../detect/default-policy.js';
import type { Detector } from '../detect/detector.js';
import { combineRules, loadRulesFile } from '../detect/policy-rules.js';
import { createRunCounters } from '../detect/run-detectors.js';
import { isFlowhoundError } from '../errors.js';
import type { FollowPosition } from '../io/follow-file.js';
import { BACKEND_NAMES, type BackendName, isBackendName } from '../model/backend.js';
import { type FlowhoundModel, loadModel } from '../model/flowhound-model.js';
import { createScorer } from '../score/scorer.js';
import { createEveSink } from '../sink/eve.js';
import { createJsonlSink } from '../sink/jsonl.js';
import { OUTPUT_FORMATS, type OutputFormat, type Sink, type TextOutput } from '../sink/sink.js';
import { createTableSink } from '../sink/table.js';
import { createWebhookSink, type WebhookSink } from '../sink/webhook.js';
import { createEmittedFindings } from '../watch/emitted-findings.js';
import { createModelReloader, readModelIdentity } from '../watch/model-reloader.js';
import { openWatchInput } from '../watch/watch-input.js';
import { createWatchPipeline } from '../watch/watch-pipeline.js';
import { readWatchState, WATCH_STATE_VERSION, type WatchState, writeWatchState } from '../watch/watch-state.js';
import { loadModelFromArgs, settingsFromArgs } from './analysis-options.js';
import { FOLLOW_INPUT_OPTION_NAMES, formatWarning, toReadOptions, withInputOptions } from './input-options.js';
import { formatRunSummary } from './run-summary.js';
import { UsageError } from './usage-error.js';

/** DESIGN.md: the default lateness of `watch`. */
export const WATCH_LATENESS_SEC = 120;
export const WATCH_IDLE_FLUSH_SEC = 60;

export interface WatchArgs {
  target?: string;
  model?: string | boolean;
  backend?: string;
  state?: string;
  output?: string;
  webhook?: string;
  lateness?: number;
  'idle-flush'?: number;
  'exit-idle'?: number;
  'from-end'?: boolean;
  'model-unlearned-ports'?: boolean;
  'poll-ms'?: number;
  'state-interval-sec'?: number;
  'model-poll-sec'?: number;
  rules?: string;
  config?: string;
  format?: string;
  'max-invalid': number;
  'csv-map'?: string;
  quiet?: boolean;
  [flag: string]: unknown;
}

export interface WatchIo {
  stdout: TextOutput;
  stderr: { write(s: string): unknown };
  /** Stops the watch (the command wires SIGINT and SIGTERM to it). */
  signal: AbortSignal;
  /** Standard input, for `watch -`. */
  stdin?: AsyncIterable<Uint8Array>;
}

export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch [target]',
  describe: 'Follow a growing Zeek log (file, log directory such as current/, or - for stdin) and print findings as they happen',
  builder: (y: Argv) => {
    let b = withInputOptions(y, { threads: false })
      .positional('target', { type: 'string', describe: 'a log file to follow like tail -F, a Zeek log directory (its conn.log and dns.log), or - for standard input' })
      .option('model', { type: 'string', describe: 'model folder (default: the shipped models/default when present), reloaded when it changes; --no-model runs the rules only' })
      .option('backend', { type: 'string', choices: [...BACKEND_NAMES], describe: 'force a TensorFlow.js backend' })
      .option('state', { type: 'string', describe: 'state file: read position and emitted findings, so a restart resumes without re-reporting' })
      .option('output', { type: 'string', choices: [...OUTPUT_FORMATS], default: 'jsonl', describe: 'findings format on stdout' })
      .option('webhook', { type: 'string', describe: 'also POST findings (JSON arrays) to this http(s) URL, with retries and a bounded queue' })
      .option('lateness', { type: 'number', default: WATCH_LATENESS_SEC, describe: 'allowed lateness in seconds of event time: records arriving later than the newest record time minus this are counted as late' })
      .option('idle-flush', { type: 'number', default: WATCH_IDLE_FLUSH_SEC, describe: 'after this many seconds without new input, report open incidents as at the end of input (0: never)' })
      .option('model-unlearned-ports', { type: 'boolean', default: false, describe: 'also report baseline.deviation on ports the model never saw in training (as for analyze)' })
      .option('from-end', { type: 'boolean', describe: 'start at the current end of each file (like tail -F -n 0) instead of its start, unless --state has a position for it' })
      .option('exit-idle', { type: 'number', describe: 'exit after this many seconds without new input (scripts, tests)' })
      .option('poll-ms', { type: 'number', default: 250, describe: 'how often to check the followed files for new bytes' })
      .option('state-interval-sec', { type: 'number', default: 5, describe: 'how often to save the state file' })
      .option('model-poll-sec', { type: 'number', default: 5, describe: 'how often to check the model folder for a new model' })
      .option('rules', { type: 'string', describe: 'port-policy rules file (YAML or JSON), added to the shipped rules' })
      .option('config', { type: 'string', describe: 'settings file (YAML or JSON), as for analyze' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no run summary on stderr' })
      .group(['model', 'backend', 'state', 'output', 'webhook', 'lateness', 'idle-flush', 'from-end', 'exit-idle', 'poll-ms', 'state-interval-sec', 'model-poll-sec', 'model-unlearned-ports', 'rules', 'config', ...FOLLOW_INPUT_OPTION_NAMES, 'quiet'], 'Watch options:');
    for (const s of SETTING_SPECS) b = b.option(s.flag, { type: 'number', describe: `${s.description} [default ${s.default}; ${s.source}]` });
    return b.group(
      SETTING_SPECS.map((s) => s.flag),
      'Detector settings (flag > --config file > default):',
    ) as unknown as Argv<WatchArgs>;
  },
  handler: async (args) => {
    // yargs drops a lone "-" positional: put it back.
    const target = args.target || (process.argv.slice(2).includes('-') ? '-' : undefined);
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // `flowhound watch x | head`: a closed pipe stops the watch like SIGINT (state saved, exit 0).
    const onStdoutError = (e: NodeJS.ErrnoException): void => {
      if (e.code === 'EPIPE') stop();
      else throw e;
    };
    process.stdout.on('error', onStdoutError);
    try {
      const code = await runWatch({ ...args, ...(target !== undefined ? { target } : {}) }, { stdout: process.stdout, stderr: process.stderr, signal: ac.signal, stdin: process.stdin });
      if (code !== 0) process.exitCode = code;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.off('error', onStdoutError);
      // Standard input keeps the event loop alive otherwise.
      if (target === '-') process.stdin.destroy();
    }
  },
};

function checkNumber(name: string, v: unknown, min: number, strictlyAbove = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (strictlyAbove && v <= min)) {
    throw new UsageError(`--${name} must be a number ${strictlyAbove ? 'above' : 'of at least'} ${min}, got ${String(v)}`);
  }
  return v;
}

export async function runWatch(args: WatchArgs, io: WatchIo): Promise<number> {
  const started = performance.now();
  const target = args.target;
  if (target === undefined || target === '') throw new UsageError('name what to watch: a log file, a Zeek log directory, or - for standard input');
  const latenessSec = checkNumber('lateness', args.lateness ?? WATCH_LATENESS_SEC, 0);
  const idleFlushSec = checkNumber('idle-flush', args['idle-flush'] ?? WATCH_IDLE_FLUSH_SEC, 0);
  const exitIdleSec = args['exit-idle'] === undefined ? null : checkNumber('exit-idle', args['exit-idle'], 0, true);
  const pollMs = checkNumber('poll-ms', args['poll-ms'] ?? 250, 0, true);
  const stateIntervalSec = checkNumber('state-interval-sec', args['state-interval-sec'] ?? 5, 0, true);
  const modelPollSec = checkNumber('model-poll-sec', args['model-poll-sec'] ?? 5, 0, true);
  let warnings = 0;
  const warningsByCode: Record<string, number> = {};
  const readOptions = toReadOptions(args, (w) => {
    warnings++;
    warningsByCode[w.code] = (warningsByCode[w.code] ?? 0) + 1;
    if (warnings <= 20 && !args.quiet) io.stderr.write(`flowhound: warning: ${formatWarning(w)}\n`);
  });
  // Growing files are followed in this thread.
  readOptions.captureThreads = 1;
  if (target !== '-' && !existsSync(target)) {
    // A file that does not exist yet is followed until it appears; its folder must exist.
    if (!existsSync(dirname(resolve(target)))) throw new UsageError(`${target}: neither the file nor its folder exists`);
  }
  let webhookUrl: URL | null = null;
  if (args.webhook !== undefined) {
    try {
      webhookUrl = new URL(args.webhook);
    } catch {
      throw new UsageError(`--webhook: not a URL: ${args.webhook}`);
    }
    if (webhookUrl.protocol !== 'http:' && webhookUrl.protocol !== 'https:') throw new UsageError(`--webhook: expected an http or https URL, got ${args.webhook}`);
  }
  const settings: Settings = settingsFromArgs(args, args.config);
  // --lateness drives the rate detector's lateness unless that is set on its own.
  if (args['rate-lateness-sec'] === undefined) settings.rateLatenessSec = latenessSec;
  const rules = combineRules(defaultPolicyRules(), args.rules ? loadRulesFile(args.rules, settings.policyMaxRules) : null);
  const backend: BackendName | undefined = args.backend !== undefined && isBackendName(args.backend) ? args.backend : undefined;
  const warn = (m: string): void => {
    io.stderr.write(`flowhound: warning: ${escapeControl(m)}\n`);
  };

  // State.
  const statePath = args.state ?? null;
  if (statePath !== null && !existsSync(dirname(resolve(statePath)))) throw new UsageError(`--state ${statePath}: its folder does not exist`);
  const prior: WatchState | null = statePath ? readWatchState(statePath) : null;

  // Model.
  /** flowhound.json's identity before loading, so a model replaced during the load is loaded again. */
  let modelIdentity: string | null = null;
  const chosen = await loadModelFromArgs(args.model, backend, (dir) => {
    modelIdentity = readModelIdentity(dir);
  });
  let model: FlowhoundModel | null = chosen.model;
  const modelDir = chosen.dir;
  const modelNote = chosen.note;
  const modelSettings = { allowedLatenessSec: latenessSec, judgeUnlearnedPorts: args['model-unlearned-ports'] === true };
  let reloads = 0;
  let reloadFailures = 0;

  const detectors: Detector[] = createRuleDetectors(settings, { rules, learnedPeakPps: (port, proto) => model?.learnedPeakPps(proto, port) ?? null });
  let modelDetector: Detector | null = model ? model.detector(modelSettings) : null;
  if (modelDetector) detectors.push(modelDetector);

  const format = (args.output as OutputFormat | undefined) ?? 'jsonl';
  const sink: Sink = format === 'table' ? createTableSink(io.stdout) : format === 'eve' ? createEveSink(io.stdout) : createJsonlSink(io.stdout);
  const webhook: WebhookSink | null = webhookUrl ? createWebhookSink(webhookUrl.href, { onWarning: warn }) : null;

  const counters = createRunCounters();
  const scorer = createScorer({ suppressionSec: settings.suppressionSec, repeatFactor: settings.suppressionRepeatFactor });
  const pipeline = createWatchPipeline({
    detectors,
    scorer,
    latenessSec,
    idleFlushMs: idleFlushSec > 0 ? idleFlushSec * 1000 : null,
    emitted: createEmittedFindings(prior?.emitted ?? []),
    counters,
    onFindings: (findings) => {
      sink.write(findings);
      webhook?.write(findings);
    },
  });

  const reopens = { rotation: 0, truncation: 0 };
  // Stops the followers on SIGINT/SIGTERM, and when the pipeline fails (bad input), so no follower keeps polling.
  const following = new AbortController();
  const stopFollowing = (): void => following.abort();
  io.signal.addEventListener('abort', stopFollowing, { once: true });
  if (io.signal.aborted) following.abort();
  const input = openWatchInput(target, {
    pollMs,
    signal: following.signal,
    ...(exitIdleSec !== null ? { idleEndMs: exitIdleSec * 1000 } : {}),
    ...(prior ? { positions: prior.files } : {}),
    ...(args['from-end'] === true ? { startAtEnd: true } : {}),
    ...(io.stdin ? { stdin: io.stdin } : {}),
    read: readOptions,
    onReopen: (e) => {
      reopens[e.kind]++;
      if (!args.quiet) io.stderr.write(`flowhound: ${escapeControl(e.path)}: ${e.kind === 'rotation' ? 'rotated, following the new file' : 'truncated, reading from the start'}\n`);
    },
  });

  if (!args.quiet) {
    const what = input.followers.length
      ? input.followers.map((f) => `${f.path}${!existsSync(f.path) ? ' (waiting for it to appear)' : prior?.files[f.path] ? ' (resuming where the state file says, if it is still the same file)' : args['from-end'] === true ? ' (from its end)' : ' (from its start)'}`).join(', ')
      : 'standard input';
    io.stderr.write(`flowhound watch: following ${what}; lateness ${latenessSec} s; model ${modelNote}\n`);
  }

  const stateOf = (final: boolean): WatchState => {
    const files: Record<string, FollowPosition> = { ...(prior?.files ?? {}), ...pipeline.committed() };
    if (final) for (const f of input.followers) if (f.position().identity !== null) files[f.path] = f.position();
    return { version: WATCH_STATE_VERSION, files, emitted: pipeline.emitted.entries() };
  };
  const saveState = (final: boolean): void => {
    if (!statePath) return;
    try {
      writeWatchState(statePath, stateOf(final));
    } catch (e) {
      warn((e as Error).message);
    }
  };

  const timers: ReturnType<typeof setInterval>[] = [];
  if (statePath) timers.push(setInterval(() => saveState(false), stateIntervalSec * 1000));
  if (modelDir !== null && model !== null) {
    const reloader = createModelReloader(modelDir, (d) => loadModel(d, backend ? { backend } : {}), modelIdentity);
    timers.push(
      setInterval(() => {
        reloader.check().then(
          (next) => {
            if (next === null || io.signal.aborted) {
              next?.dispose();
              return;
            }
            const old = model;
            const nextDetector = next.detector(modelSettings);
            if (modelDetector) pipeline.replaceDetector(modelDetector, nextDetector);
            else detectors.push(nextDetector);
            modelDetector = nextDetector;
            model = next;
            old?.dispose();
            reloads++;
            if (!args.quiet) io.stderr.write(`flowhound: model ${modelDir} reloaded (${next.meta.training.windows} training windows up to ${new Date(next.meta.training.lastWindowSec * 1000).toISOString()})\n`);
          },
          (e: unknown) => {
            reloadFailures++;
            warn(`model ${modelDir}: reload failed, keeping the loaded model: ${isFlowhoundError(e) ? e.message : String(e)}`);
          },
        );
      }, modelPollSec * 1000),
    );
  }

  let failure: unknown = null;
  try {
    await pipeline.run(input.batches);
  } catch (e) {
    failure = e;
  } finally {
    following.abort();
    io.signal.removeEventListener('abort', stopFollowing);
    for (const t of timers) clearInterval(t);
    saveState(failure === null);
    await sink.close();
    if (webhook) await webhook.close();
    model?.dispose();
  }

  if (!args.quiet) {
    const lateRecords: Record<string, number> = {};
    for (const d of detectors) {
      const late = (d.stats?.() as Record<string, unknown> | undefined)?.lateRecords;
      if (typeof late === 'number') lateRecords[d.name] = late;
    }
    const base = formatRunSummary({
      inputs: [target],
      counters,
      warnings,
      warningsByCode,
      suppressed: scorer.stats.suppressed,
      lateRecords,
      model: modelNote,
      backend: model ? model.backend : null,
      rules: rules.length,
      rulesFile: args.rules ?? null,
      configFile: args.config ?? null,
      elapsedSec: (performance.now() - started) / 1000,
    }).replace(/^flowhound analyze:/, 'flowhound watch:');
    const extra: string[] = [];
    const followed = input.followers.map((f) => `${f.path}${f.stats.resumed ? ' (resumed)' : ''}`);
    if (followed.length) extra.push(`  followed:  ${followed.join(', ')}; ${reopens.rotation} rotations, ${reopens.truncation} truncations`);
    extra.push(
      `  watch:     lateness ${latenessSec} s, ${pipeline.stats.lateRecords} late records (passed to the detectors), watermark ${pipeline.stats.watermark === null ? '-' : new Date(Math.floor(pipeline.stats.watermark * 1000)).toISOString()}, ${pipeline.stats.idleFlushes} idle flushes, ${pipeline.stats.alreadyEmitted} findings already emitted before a restart dropped`,
    );
    if (modelDir) extra.push(`  reloads:   ${reloads} model reloads, ${reloadFailures} failed`);
    if (webhook) extra.push(`  webhook:   ${webhook.stats.sent} sent, ${webhook.stats.retries} retried POSTs, ${webhook.stats.dropped} dropped, ${webhook.stats.rejected} refused`);
    if (statePath) extra.push(`  state:     ${statePath}`);
    io.stderr.write(base + (extra.length ? `${extra.join('\n')}\n` : ''));
  }
  if (failure !== null) throw failure;
  return 0;
}
