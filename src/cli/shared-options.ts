/**
 * Options `analyze` and `watch` share: the detector settings (one flag per
 * entry of SETTING_SPECS), `--rules`, `--config`, `--backend`, and turning
 * them into the pipeline's settings, rules and backend.
 */
import type { Argv } from 'yargs';
import { SETTING_SPECS, type Settings } from '../config/settings.js';
import { defaultPolicyRules } from '../detect/default-policy.js';
import { combineRules, loadRulesFile, type PolicyRule } from '../detect/policy-rules.js';
import { BACKEND_NAMES, type BackendName, isBackendName } from '../model/backend-names.js';
import { settingsFromArgs } from './analysis-options.js';
import { showAllOptions } from './stdio.js';

/**
 * Adds one flag per detector setting, in the "Detector tuning" group that
 * `--help-all` shows (the default help says how to see them). Wrap the
 * rest of a builder in it: yargs lists groups in the order they are made.
 */
export function withTuning<T>(y: Argv<T>, command: string): Argv<T> {
  const all = showAllOptions();
  let b = all ? y : y.epilog(`${SETTING_SPECS.length} detector tuning flags (thresholds, windows, caps): flowhound ${command} --help-all`);
  for (const s of SETTING_SPECS) b = b.option(s.flag, { type: 'number', hidden: !all, describe: `${s.description} [default ${s.default}; ${s.source}]` });
  return b.group(
    SETTING_SPECS.map((s) => s.flag),
    'Detector tuning (flag > --config file > default):',
  );
}

export const BACKEND_OPTION = { type: 'string', choices: [...BACKEND_NAMES], describe: 'force a TensorFlow.js backend (default: node, else wasm, else cpu)' } as const;

export interface RunSetup {
  settings: Settings;
  rules: readonly PolicyRule[];
  backend?: BackendName;
}

/** Settings (defaults, --config, flags), policy rules (shipped + --rules) and --backend. */
export function runSetupFromArgs(args: Record<string, unknown> & { config?: string; rules?: string; backend?: string }): RunSetup {
  const settings = settingsFromArgs(args, args.config);
  const rules = combineRules(defaultPolicyRules(), args.rules ? loadRulesFile(args.rules, settings.policyMaxRules) : null);
  return { settings, rules, ...(args.backend !== undefined && isBackendName(args.backend) ? { backend: args.backend } : {}) };
}
