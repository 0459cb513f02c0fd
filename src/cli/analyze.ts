/**
 * `flowhound analyze INPUT...`: offline analysis. Reads every input, runs
 * the rule detectors (scans, DNS/ICMP tunnels, rate spikes, port policy)
 * and the model's `baseline.deviation` detector, dedupes and suppresses
 * repeats, and writes findings to stdout (or --out) with a run summary on
 * stderr.
 *
 * Output format: `--output table|jsonl|eve`; without it, a table when
 * stdout is a terminal and no --out is given, JSON lines otherwise (the
 * Suricata/Zeek convention: machine-readable output when piped or written
 * to a file).
 *
 * Exit codes: 0 ran (findings or not), 1 runtime error (bad input, bad
 * rules/config file, model that cannot load), 2 usage error, 3 ran and
 * found something at or above `--fail-on SEVERITY` (distinct from 1 so a
 * CI job can tell "found" from "broke").
 */
import { createWriteStream } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { SETTING_SPECS } from '../config/settings.js';
import { createRuleDetectors } from '../detect/create-rule-detectors.js';
import { defaultPolicyRules } from '../detect/default-policy.js';
import type { Detector } from '../detect/detector.js';
import { combineRules, loadRulesFile } from '../detect/policy-rules.js';
import { createRunCounters, runDetectors } from '../detect/run-detectors.js';
import type { CaptureIngestOptions, CaptureIngestStats } from '../ingest/capture-tracking.js';
import { addCaptureStats, createPacketCounts } from '../ingest/packet-counts.js';
import { readInputs } from '../ingest/read-input.js';
import type { ReadOptions } from '../ingest/read-options.js';
import { BACKEND_NAMES, type BackendName, isBackendName } from '../model/backend.js';
import type { FlowhoundModel } from '../model/flowhound-model.js';
import { createScorer } from '../score/scorer.js';
import { severityRank } from '../score/severity.js';
import { createEveSink } from '../sink/eve.js';
import { createJsonlSink } from '../sink/jsonl.js';
import type { OutputFormat, Sink, TextOutput } from '../sink/sink.js';
import { OUTPUT_FORMATS } from '../sink/sink.js';
import { createTableSink } from '../sink/table.js';
import { type RecordBatch, SEVERITY_ORDER, type Severity } from '../types.js';
import { loadModelFromArgs, settingsFromArgs } from './analysis-options.js';
import type { JudgedWindow } from '../model/judge-windows.js';
import { createModelDetector } from '../model/model-detector.js';
import { createScoresArrowSink } from '../sink/scores-arrow.js';
import { DEFAULT_WINDOW_SEC } from '../window/windower.js';
import { formatWarning, INPUT_OPTION_NAMES, type InputArgs, toReadOptions, withInputOptions } from './input-options.js';
import { createProgressLine, type ProgressLine } from './progress.js';
import { formatRunSummary } from './run-summary.js';
import { UsageError } from './usage-error.js';

/** Exit code when findings at or above --fail-on were reported. */
export const EXIT_FINDINGS = 3;

export { DEFAULT_MODEL_DIR, settingsFromArgs } from './analysis-options.js';

interface AnalyzeArgs extends InputArgs {
  inputs: string[];
  model?: string | boolean;
  backend?: string;
  output?: string;
  out?: string;
  rules?: string;
  config?: string;
  'fail-on'?: string;
  quiet?: boolean;
  scores?: string;
  [flag: string]: unknown;
}

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze <inputs..>',
  describe: 'Find scans, DNS/ICMP tunnels, rate spikes, policy violations and baseline deviations in captures and logs',
  builder: (y: Argv) => {
    let b = withInputOptions(y)
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'pcap, pcapng, Zeek conn.log/dns.log (TSV or JSON), CSV flow export, .gz, or - for stdin' })
      .option('model', { type: 'string', describe: 'model folder trained on this network (flowhound train) for baseline.deviation and learned port rates (default: a self-baseline learned from the input; see docs/models.md); --no-model runs the rules only' })
      .option('scores', { type: 'string', describe: 'write every window the baseline looked at, with its score and threshold, to this Arrow file' })
      .option('backend', { type: 'string', choices: [...BACKEND_NAMES], describe: 'force a TensorFlow.js backend (default: node, else wasm, else cpu)' })
      .option('output', { type: 'string', choices: [...OUTPUT_FORMATS], describe: 'findings format (default: table on a terminal, jsonl otherwise)' })
      .option('out', { type: 'string', describe: 'write findings to this file instead of stdout' })
      .option('rules', { type: 'string', describe: 'port-policy rules file (YAML or JSON), added to the shipped rules' })
      .option('config', { type: 'string', describe: 'settings file (YAML or JSON): setting names as below, e.g. scan-vertical-ports: 20' })
      .option('fail-on', { type: 'string', choices: [...SEVERITY_ORDER], describe: `exit with code ${EXIT_FINDINGS} when a finding at or above this severity is reported` })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no run summary on stderr' })
      .group(['model', 'scores', 'backend', 'output', 'out', 'rules', 'config', 'fail-on', ...INPUT_OPTION_NAMES, 'quiet'], 'Analyze options:');
    for (const s of SETTING_SPECS) {
      b = b.option(s.flag, { type: 'number', describe: `${s.description} [default ${s.default}; ${s.source}]` });
    }
    return b.group(
      SETTING_SPECS.map((s) => s.flag),
      'Detector settings (flag > --config file > default):',
    ) as unknown as Argv<AnalyzeArgs>;
  },
  handler: async (args) => {
    // `flowhound analyze x | head`: a closed pipe ends the output quietly, as for grep or zeek-cut.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
    const inputs = recoverStdinInputs(args.inputs, process.argv.slice(2));
    const code = await runAnalyze({ ...args, inputs }, { stdout: process.stdout, stderr: process.stderr, stdoutIsTty: process.stdout.isTTY === true });
    if (code !== 0) process.exitCode = code;
  },
};

/**
 * yargs drops a lone `-` (standard input) from positional arrays: put it
 * back where it stood among the inputs on the command line.
 */
export function recoverStdinInputs(parsed: readonly string[] | undefined, rawArgs: readonly string[]): string[] {
  const inputs = [...(parsed ?? [])];
  if (inputs.includes('-') || !rawArgs.includes('-')) return inputs;
  const known = new Set(inputs);
  return rawArgs.filter((a) => a === '-' || known.has(a));
}

export interface AnalyzeIo {
  stdout: TextOutput;
  stderr: { write(s: string): unknown };
  stdoutIsTty: boolean;
}

export async function runAnalyze(args: AnalyzeArgs, io: AnalyzeIo): Promise<number> {
  const started = performance.now();
  if (args.inputs.length === 0) throw new UsageError('name at least one INPUT: a capture, a Zeek log or CSV export, a .gz, or - for standard input');
  const settings = settingsFromArgs(args, args.config);
  const ruleFile = args.rules ? loadRulesFile(args.rules, settings.policyMaxRules) : null;
  const rules = combineRules(defaultPolicyRules(), ruleFile);
  const warningsByCode: Record<string, number> = {};
  let warnings = 0;
  // A progress line on stderr while reading, only when stderr is a terminal.
  const progress = createProgressLine({ unit: 'records' });
  const readOptions = toReadOptions(args, (w) => {
    warnings++;
    if (warnings <= 20 && !args.quiet) progress.done();
    warningsByCode[w.code] = (warningsByCode[w.code] ?? 0) + 1;
    if (warnings <= 20 && !args.quiet) io.stderr.write(`flowhound: warning: ${formatWarning(w)}\n`);
  });
  const backend: BackendName | undefined = args.backend !== undefined && isBackendName(args.backend) ? args.backend : undefined;

  // The model: --no-model skips it; an explicit --model must load; the shipped default is used when present.
  const { model, note: modelNote } = await loadModelFromArgs(args.model, backend);

  const detectors: Detector[] = createRuleDetectors(settings, {
    rules,
    ...(model ? { learnedPeakPps: (port: number, proto: Parameters<FlowhoundModel['learnedPeakPps']>[0]) => model.learnedPeakPps(proto, port) } : {}),
  });
  // No --model: a self-baseline learned from the input (src/model/model-detector.ts); --no-model: rules only.
  const scoresSink = args.scores ? createScoresArrowSink(args.scores) : null;
  const modelSettings = scoresSink ? { onScores: (j: readonly JudgedWindow[]) => scoresSink.write(j) } : {};
  const modelDetector = model ? model.detector(modelSettings) : args.model === false ? null : createModelDetector({ kind: 'self', windowSec: DEFAULT_WINDOW_SEC }, modelSettings);
  if (modelDetector) detectors.push(modelDetector);

  const outputFormat: OutputFormat = (args.output as OutputFormat | undefined) ?? (io.stdoutIsTty && !args.out ? 'table' : 'jsonl');
  const fileOut = args.out ? createWriteStream(args.out) : null;
  if (fileOut) {
    await new Promise<void>((resolve, reject) => {
      fileOut.once('open', () => resolve());
      fileOut.once('error', (e) => reject(new UsageError(`--out ${args.out}: ${e.message}`)));
    });
  }
  const target: TextOutput = fileOut ?? io.stdout;
  const sinkOptions = { endOutput: fileOut !== null };
  const sink: Sink =
    outputFormat === 'table' ? createTableSink(target, sinkOptions) : outputFormat === 'eve' ? createEveSink(target, sinkOptions) : createJsonlSink(target, sinkOptions);

  const failOn = args['fail-on'] as Severity | undefined;
  let failHit = false;
  const scorer = createScorer({ suppressionSec: settings.suppressionSec, repeatFactor: settings.suppressionRepeatFactor });
  const counters = createRunCounters();
  const packetCounts = createPacketCounts();
  try {
    await runDetectors(
      countRecords(
        readInputs(args.inputs, {
          ...readOptions,
          onProgress: (name, bytesRead, sizeBytes) => progress.onRead(name, bytesRead, sizeBytes),
          onCaptureStats: (st: CaptureIngestStats) => addCaptureStats(packetCounts, st),
        } as ReadOptions & CaptureIngestOptions),
        progress,
      ),
      detectors,
      scorer,
      (findings) => {
        if (findings.length) progress.done();
        sink.write(findings);
        if (failOn) for (const f of findings) if (severityRank(f.severity) >= severityRank(failOn)) failHit = true;
      },
      counters,
    );
  } finally {
    progress.done();
    await sink.close();
    scoresSink?.close();
    model?.dispose();
  }
  const lateRecords: Record<string, number> = {};
  for (const d of detectors) {
    const st = d.stats?.() as Record<string, unknown> | undefined;
    if (!st) continue;
    const late = st.lateRecords;
    if (typeof late === 'number') lateRecords[d.name] = late;
  }
  if (!args.quiet) {
    io.stderr.write(
      formatRunSummary({
        inputs: args.inputs,
        counters,
        packets: packetCounts,
        warnings,
        warningsByCode,
        suppressed: scorer.stats.suppressed,
        lateRecords,
        model: modelDetector ? modelDetector.notes().join('\n             ') || modelNote : modelNote,
        backend: model ? model.backend : null,
        modelStats: modelDetector ? modelDetector.stats() : null,
        rules: rules.length,
        rulesFile: args.rules ?? null,
        configFile: args.config ?? null,
        elapsedSec: (performance.now() - started) / 1000,
      }),
    );
  }
  return failHit ? EXIT_FINDINGS : 0;
}

/** Passes batches through, adding their records to the progress line. */
async function* countRecords(batches: AsyncIterable<RecordBatch>, progress: ProgressLine): AsyncGenerator<RecordBatch> {
  for await (const b of batches) {
    progress.addRecords(b.flows.length + b.dns.length);
    yield b;
  }
}
