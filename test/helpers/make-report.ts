/** Test helper: one HTML report from inputs, made by the pipeline `analyze` runs (src/pipeline/analysis.ts). */
import { resolveSettings } from '../../src/config/settings.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { runAnalysis } from '../../src/pipeline/analysis.js';
import type { ModelRequest } from '../../src/pipeline/model-choice.js';
import { createHtmlReportSink } from '../../src/sink/html-report.js';
import type { Finding } from '../../src/types.js';

export async function makeReport(inputs: string[], model: ModelRequest = { kind: 'none' }): Promise<{ html: string; findings: Finding[]; modelNote: string }> {
  const settings = resolveSettings({}, {});
  const rules = defaultPolicyRules();
  let html = '';
  const out = {
    write(s: string) {
      html += s;
      return true;
    },
  };
  const report = createHtmlReportSink(out, { inputs, rules, ratePps: settings.ratePps });
  const findings: Finding[] = [];
  const result = await runAnalysis({
    inputs,
    read: { maxInvalid: 25, onWarning: (w) => report.noteWarning(w.code, w.message) },
    settings,
    rules,
    model,
    openSinks: async () => [report],
    onFindings: (f) => {
      findings.push(...f);
    },
  });
  return { html, findings, modelNote: result.modelNote };
}
