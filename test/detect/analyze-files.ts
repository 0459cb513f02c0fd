/** Runs the rule detectors (no model) over input files, as `analyze --no-model` does. */
import { DEFAULT_SETTINGS, type Settings } from '../../src/config/settings.js';
import { createRuleDetectors } from '../../src/detect/create-rule-detectors.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import type { PolicyRule } from '../../src/detect/policy-rules.js';
import { createDetectorDriver } from '../../src/pipeline/detector-driver.js';
import { readInputs } from '../../src/ingest/read-input.js';
import { createScorer } from '../../src/score/scorer.js';
import type { Finding } from '../../src/types.js';

export async function analyzeFiles(paths: string[], settings: Settings = DEFAULT_SETTINGS, rules: readonly PolicyRule[] = defaultPolicyRules()): Promise<Finding[]> {
  const detectors = createRuleDetectors(settings, { rules });
  const scorer = createScorer({ suppressionSec: settings.suppressionSec });
  const out: Finding[] = [];
  const driver = createDetectorDriver({ detectors, scorer, onFindings: (f) => void out.push(...f) });
  await driver.run(readInputs(paths, { maxInvalid: 25, onWarning: () => {} }));
  return out;
}

/** "kind src → dst:port" lines, for readable failure messages. */
export function describeFindings(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.kind} ${f.src ?? '*'} → ${f.dst ?? '*'}:${f.port ?? '-'} ${f.summary}`);
}
