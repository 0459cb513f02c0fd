/**
 * `flowhound analyze INPUT...`: offline analysis. Parses the flags, runs
 * `runAnalysis` (src/pipeline/analysis.ts) and writes the run summary on
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
import type { Argv, CommandModule } from 'yargs';
import { runAnalysis } from '../pipeline/analysis.js';
import { modelRequestFromFlag } from '../pipeline/model-choice.js';
import { createFormatSink, type PipelineSink } from '../pipeline/sinks.js';
import { severityRank } from '../score/severity.js';
import { createFilteredSink } from '../sink/finding-filter.js';
import type { HtmlReportSink } from '../sink/html-report.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../sink/sink.js';
import { SEVERITY_ORDER, type Severity } from '../types.js';
import { createWarningCounter, formatWarning, INPUT_OPTION_NAMES, type InputArgs, toReadOptions, withInputOptions } from './input-options.js';
import { OUTPUT_OPTION_NAMES, type OutputArgs, outputChoicesFromArgs, withOutputOptions } from './output-options.js';
import { clearingProgress, createProgressLine } from './progress.js';
import { formatAnalysisSummary } from './run-summary.js';
import { BACKEND_OPTION, runSetupFromArgs, withTuning } from './shared-options.js';
import { type CommandIo, openOutputFile, recoverStdinInputs, showAllOptions } from './stdio.js';
import { UsageError } from './usage-error.js';

/** Exit code when findings at or above --fail-on were reported. */
export const EXIT_FINDINGS = 3;

export { settingsFromArgs } from './analysis-options.js';
export { recoverStdinInputs } from './stdio.js';

interface AnalyzeArgs extends InputArgs, OutputArgs {
  inputs: string[];
  model?: string | boolean;
  backend?: string;
  output?: string;
  out?: string;
  rules?: string;
  config?: string;
  'fail-on'?: string;
  scores?: string;
  quiet?: boolean;
  [flag: string]: unknown;
}

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze <inputs..>',
  describe: 'Find scans, DNS/ICMP tunnels, rate spikes, policy violations and baseline deviations in captures and logs',
  builder: (y: Argv) =>
    withTuning(
      withOutputOptions(withInputOptions(y))
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'pcap, pcapng, Zeek conn.log/dns.log, CSV flow export, .gz, Zeek log folder, or -' })
      .options({
        model: { type: 'string', describe: 'trained model folder (default: a self-baseline of the input)' },
        scores: { type: 'string', describe: 'Arrow file of every window the baseline judged' },
        output: { type: 'string', choices: [...OUTPUT_FORMATS], describe: 'findings format (default: table on a terminal, else jsonl)' },
        out: { type: 'string', describe: 'write findings to this file instead of stdout' },
        rules: { type: 'string', describe: 'port-policy rules file (YAML/JSON), added to the shipped rules' },
        config: { type: 'string', describe: 'settings file (YAML/JSON), e.g. scan-vertical-ports: 20' },
        'fail-on': { type: 'string', choices: [...SEVERITY_ORDER], describe: `exit ${EXIT_FINDINGS} when a finding reaches this severity` },
        quiet: { alias: 'q', type: 'boolean', describe: 'no run summary on stderr' },
        backend: { ...BACKEND_OPTION, hidden: !showAllOptions() },
      })
      .group(['model', 'output', 'out', 'rules', 'config', 'fail-on', 'quiet'], 'Analyze options:')
      .group([...OUTPUT_OPTION_NAMES], 'Report and filter options:')
      .group([...INPUT_OPTION_NAMES], 'Input options:')
      .group(['scores', 'backend'], 'Model options:')
      .example('$0 analyze capture.pcapng --report report.html', 'findings as a table, run summary on stderr, and an HTML report')
      .example('$0 analyze zeek/2026-12-01/ --out found.jsonl', 'a day of Zeek logs, JSON lines to a file')
      .example('$0 analyze conn.log --fail-on high', `exit ${EXIT_FINDINGS} on a high finding (CI)`)
      .example('$0 analyze conn.log --no-model', 'rules only, no baseline'),
      'analyze',
    ) as unknown as Argv<AnalyzeArgs>,
  handler: async (args) => {
    const inputs = recoverStdinInputs(args.inputs, process.argv.slice(2));
    const tty = process.stdout.isTTY === true;
    const io: AnalyzeIo = { stdout: process.stdout, stderr: process.stderr, stdoutIsTty: tty, color: tty && !process.env.NO_COLOR };
    if (tty && process.stdout.columns) io.columns = process.stdout.columns;
    const code = await runAnalyze({ ...args, inputs }, io);
    if (code !== 0) process.exitCode = code;
  },
};

/** `columns`: the terminal's width for the table (default 80; not a terminal: lines are not cut); `color`: severity in colour (a terminal without NO_COLOR). */
export type AnalyzeIo = CommandIo & { stdoutIsTty: boolean; columns?: number; color?: boolean };

export async function runAnalyze(args: AnalyzeArgs, io: AnalyzeIo): Promise<number> {
  const started = performance.now();
  if (args.inputs.length === 0) throw new UsageError('name at least one INPUT: a capture, a Zeek log or CSV export, a .gz, or - for standard input');
  const setup = runSetupFromArgs(args);
  // A progress line on stderr while reading, only when stderr is a terminal.
  const progress = createProgressLine({ unit: 'records' });
  const warnings = createWarningCounter(io.stderr, args.quiet === true, () => progress.done());
  const outputs = outputChoicesFromArgs(args, args.config);
  let report: HtmlReportSink | null = null;
  const onWarning: typeof warnings.onWarning = (w) => {
    warnings.onWarning(w);
    report?.noteWarning(w.code, formatWarning(w));
  };
  const read = { ...toReadOptions(args, onWarning), onProgress: (name: string, bytesRead: number, sizeBytes: number | null) => progress.onRead(name, bytesRead, sizeBytes) };
  const format: OutputFormat = (args.output as OutputFormat | undefined) ?? (io.stdoutIsTty && !args.out ? 'table' : 'jsonl');
  const failOn = args['fail-on'] as Severity | undefined;
  let failHit = false;
  let result: Awaited<ReturnType<typeof runAnalysis>>;
  try {
    result = await runAnalysis({
      inputs: args.inputs,
      read,
      ...setup,
      model: modelRequestFromFlag(args.model),
      scoresPath: args.scores ?? null,
      openSinks: async () => {
        const file = args.out ? await openOutputFile(args.out, '--out') : null;
        // Cut to the terminal's width on a terminal; whole lines into a file or a pipe (as ps does), where a cut would lose the port.
        const width = file === null && io.stdoutIsTty ? (io.columns ?? 80) : Number.POSITIVE_INFINITY;
        const table = { width, color: file === null && io.color === true, expand: outputs.expand };
        const sinks: PipelineSink[] = [createFilteredSink(clearingProgress(createFormatSink(format, file ?? io.stdout, { endOutput: file !== null, table }), progress), outputs.filter)];
        if (outputs.reportPath !== null) {
          const htmlOut = await openOutputFile(outputs.reportPath, '--report');
          // The report's renderer and DNS-name tables are loaded only for --report.
          const { createHtmlReportSink } = await import('../sink/html-report.js');
          report = createHtmlReportSink(htmlOut, {
            inputs: args.inputs,
            rules: setup.rules,
            ratePps: setup.settings.ratePps,
            probeMaxPkts: setup.settings.scanProbeMaxPkts,
            filters: outputs.filterText,
            endOutput: true,
          });
          sinks.push(createFilteredSink(report, outputs.filter));
        }
        return sinks;
      },
      onBatch: (b) => progress.addRecords(b.flows.length + b.dns.length),
      onFindings: (findings) => {
        if (failOn) for (const f of findings) if (severityRank(f.severity) >= severityRank(failOn)) failHit = true;
      },
    });
  } finally {
    progress.done();
  }
  if (!args.quiet) {
    const files = { rules: setup.rules.length, rulesFile: args.rules ?? null, configFile: args.config ?? null };
    io.stderr.write(formatAnalysisSummary(args.inputs, result, warnings.summary(), files, (performance.now() - started) / 1000));
  }
  return failHit ? EXIT_FINDINGS : 0;
}
