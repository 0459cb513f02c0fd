import { DEFAULT_POLICY_DATA, DEFAULT_POLICY_YAML, defaultPolicyRules } from '../../src/detect/default-policy.js';
import { parseRules } from '../../src/detect/policy-rules.js';
import { parseYamlText } from '../../src/config/parse-yaml.js';

describe('shipped policy rules', () => {
  it('are the data the YAML shown to users reads as, and give the same rules', () => {
    expect(DEFAULT_POLICY_DATA).toEqual(parseYamlText(DEFAULT_POLICY_YAML, 'default', 'RULES_INVALID'));
    expect(defaultPolicyRules()).toEqual(parseRules(DEFAULT_POLICY_YAML, '(shipped default policy)').rules);
    expect(defaultPolicyRules().map((r) => r.name)).toEqual(['data_leakage', 'risky_port']);
  });
});
