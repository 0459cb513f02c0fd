/** Test helper: one report from inputs, through the detectors and the report aggregator. */
import { createRuleDetectors } from '../../src/detect/create-rule-detectors.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { createRunCounters, runDetectors } from '../../src/detect/run-detectors.js';
import { resolveSettings } from '../../src/config/settings.js';
import { readInputs } from '../../src/ingest/read-input.js';
import { createReportAggregator } from '../../src/report/report-aggregator.js';
import { renderReportHtml } from '../../src/report/render-report.js';
import { createScorer } from '../../src/score/scorer.js';
import type { Finding, RecordBatch } from '../../src/types.js';

export async function makeReport(inputs: string[]): Promise<{ html: string; findings: Finding[] }> {
  const findings: Finding[] = [];
  const settings = resolveSettings({}, {});
  const rules = defaultPolicyRules();
  const detectors = createRuleDetectors(settings, { rules });
  const agg = createReportAggregator({ rules, modelUsed: false });
  const counters = createRunCounters();
  async function* tap(src: AsyncIterable<RecordBatch>) {
    for await (const b of src) {
      agg.push(b);
      yield b;
    }
  }
  const scorer = createScorer({ suppressionSec: settings.suppressionSec, repeatFactor: settings.suppressionRepeatFactor });
  await runDetectors(tap(readInputs(inputs, { maxInvalid: 25, onWarning: () => {} })), detectors, scorer, (f) => {
    findings.push(...f);
    agg.addFindings(f);
  }, counters);
  const html = renderReportHtml(
    {
      title: 'flowhound report',
      inputs,
      generatedAt: '2026-12-04 00:00 UTC',
      records: { flows: counters.flows, dns: counters.dns, ticks: counters.ticks, echoes: counters.echoes },
      firstTs: counters.firstTs,
      lastTs: counters.lastTs,
      model: null,
      modelNote: '--no-model',
      warnings: { total: 0, byCode: {}, samples: [] },
      filters: '',
      ratePps: settings.ratePps,
      elapsedSec: null,
    },
    agg.snapshot(),
  );
  return { html, findings };
}
