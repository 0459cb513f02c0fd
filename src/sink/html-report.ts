/**
 * The HTML report as a sink: findings go into the report aggregator (which
 * also sees the run's batches, fed by the pipeline), and at close the whole
 * report is rendered (src/report/render-report.ts) and written to `out`.
 * The run's own description (inputs, counters, model, warnings) is asked
 * for at close, when it is complete.
 */
import type { ReportAggregator } from '../report/report-aggregator.js';
import type { ReportRunInfo } from '../report/report-data.js';
import { renderReportHtml } from '../report/render-report.js';
import type { Finding } from '../types.js';
import { finishOutput, type Sink, type TextOutput } from './sink.js';

export interface HtmlReportSinkOptions {
  aggregator: ReportAggregator;
  /** Called once at close. */
  describeRun: () => ReportRunInfo;
  /** End `out` after writing (a file). */
  endOutput?: boolean;
}

export interface HtmlReportSink extends Sink {
  /** Bytes of HTML written at close (0 before). */
  readonly bytesWritten: number;
}

export function createHtmlReportSink(out: TextOutput, options: HtmlReportSinkOptions): HtmlReportSink {
  let bytes = 0;
  return {
    get bytesWritten() {
      return bytes;
    },
    write(findings: readonly Finding[]) {
      if (findings.length) options.aggregator.addFindings(findings);
    },
    async close() {
      const html = renderReportHtml(options.describeRun(), options.aggregator.snapshot());
      bytes = Buffer.byteLength(html);
      if (!out.write(html) && out.once) await new Promise<void>((resolve) => out.once?.('drain', () => resolve()));
      await finishOutput(out, options.endOutput ?? false);
    },
  };
}
