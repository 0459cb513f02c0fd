/**
 * The HTML report as a sink. It sees every record batch (`observeBatch`,
 * called by the pipeline before the detectors see the batch) and every
 * finding that reaches the outputs; both go into the bounded report
 * aggregator (src/report/report-aggregator.ts). At close the whole report
 * is rendered (src/report/render-report.ts) and written to `out`.
 */
import type { JudgedWindow } from '../model/judge-windows.js';
import { createReportAggregator, type ReportAggregator, type ReportAggregatorOptions, type WindowScorePoint } from '../report/report-aggregator.js';
import type { ReportRunInfo } from '../report/report-data.js';
import { renderReportHtml } from '../report/render-report.js';
import type { Finding, RecordBatch } from '../types.js';
import { finishOutput, type Sink, type TextOutput } from './sink.js';

/** Warnings quoted in the summary (all are counted). */
const MAX_WARNING_SAMPLES = 20;

export interface HtmlReportSinkOptions extends ReportAggregatorOptions {
  title?: string;
  inputs: readonly string[];
  /** The rate-spike threshold drawn on the packet-rate charts. */
  ratePps: number;
  /** What filters the findings passed (describeFilter), empty for none. */
  filters?: string;
  /** End `out` after writing (a file). */
  endOutput?: boolean;
}

export interface HtmlReportSink extends Sink {
  observeBatch(batch: RecordBatch): void;
  /** Every judged window: each port's score ÷ threshold over time in the Model section. */
  observeWindowScores(judged: readonly JudgedWindow[]): void;
  /** The model that judged the run (null: none, and why). */
  observeModel(model: { dir: string | null; backend: string | null } | null, note: string): void;
  noteWarning(code: string, text: string): void;
  /** Bytes of HTML written at close (0 before). */
  readonly bytesWritten: number;
  readonly aggregator: ReportAggregator;
}

export function createHtmlReportSink(out: TextOutput, options: HtmlReportSinkOptions): HtmlReportSink {
  const started = performance.now();
  const aggregator = createReportAggregator(options);
  let bytes = 0;
  let model: ReportRunInfo['model'] = null;
  let modelNote = 'no model was chosen for this run';
  const warnings: ReportRunInfo['warnings'] = { total: 0, byCode: {}, samples: [] };
  return {
    aggregator,
    get bytesWritten() {
      return bytes;
    },
    observeBatch(batch) {
      aggregator.push(batch);
    },
    observeWindowScores(judged) {
      const points: WindowScorePoint[] = [];
      for (const j of judged) {
        if (j.status !== 'judged') continue;
        points.push({ startSec: j.window.startSec, proto: j.window.proto, port: j.window.port, model: j.network ? `port baseline + ${j.network.kind}` : 'port baseline', ratio: j.ratio });
      }
      if (points.length) aggregator.addWindowScores(points);
    },
    observeModel(m, note) {
      model = m;
      modelNote = note;
    },
    noteWarning(code, text) {
      warnings.total++;
      warnings.byCode[code] = (warnings.byCode[code] ?? 0) + 1;
      if (warnings.samples.length < MAX_WARNING_SAMPLES) warnings.samples.push(text);
    },
    write(findings: readonly Finding[]) {
      if (findings.length) aggregator.addFindings(findings);
    },
    async close() {
      const r = aggregator.records;
      const run: ReportRunInfo = {
        title: options.title ?? 'flowhound report',
        inputs: [...options.inputs],
        generatedAt: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        records: { flows: r.flows, dns: r.dns, ticks: r.ticks, echoes: r.echoes },
        firstTs: r.firstTs,
        lastTs: r.lastTs,
        model,
        modelNote,
        warnings,
        filters: options.filters ?? '',
        ratePps: options.ratePps,
        elapsedSec: (performance.now() - started) / 1000,
      };
      const html = renderReportHtml(run, aggregator.snapshot());
      bytes = Buffer.byteLength(html);
      if (!out.write(html) && out.once) await new Promise<void>((resolve) => out.once?.('drain', () => resolve()));
      await finishOutput(out, options.endOutput ?? false);
    },
  };
}
