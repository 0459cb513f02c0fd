/** Test helper: one HTML report from inputs, through the rule detectors and the report sink. */
import { resolveSettings } from '../../src/config/settings.js';
import { createRuleDetectors } from '../../src/detect/create-rule-detectors.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { readInputs } from '../../src/ingest/read-input.js';
import { createDetectorDriver } from '../../src/pipeline/detector-driver.js';
import { createScorer } from '../../src/score/scorer.js';
import { createHtmlReportSink } from '../../src/sink/html-report.js';
import type { Finding, RecordBatch } from '../../src/types.js';

export async function makeReport(inputs: string[]): Promise<{ html: string; findings: Finding[] }> {
  const settings = resolveSettings({}, {});
  const rules = defaultPolicyRules();
  const detectors = createRuleDetectors(settings, { rules });
  let html = '';
  const out = {
    write(s: string) {
      html += s;
      return true;
    },
  };
  const sink = createHtmlReportSink(out, { inputs, rules, ratePps: settings.ratePps });
  sink.setModel(null, '--no-model');
  const findings: Finding[] = [];
  async function* tap(src: AsyncIterable<RecordBatch>) {
    for await (const b of src) {
      sink.observeBatch(b);
      yield b;
    }
  }
  const scorer = createScorer({ suppressionSec: settings.suppressionSec, repeatFactor: settings.suppressionRepeatFactor });
  const driver = createDetectorDriver({
    detectors,
    scorer,
    onFindings: (f) => {
      findings.push(...f);
      sink.write(f);
    },
  });
  await driver.run(tap(readInputs(inputs, { maxInvalid: 25, onWarning: (w) => sink.noteWarning(w.code, w.message) })));
  await sink.close();
  return { html, findings };
}
