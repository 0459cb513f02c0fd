import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { mayMatchPorts, portGateOf } from '../../src/detect/policy-port-gate.js';
import { matchRule, parseRules, type PolicyRule } from '../../src/detect/policy-rules.js';
import type { FlowRecord } from '../../src/types.js';
import { flow } from './make-records.js';

const RULES = `
rules:
  - name: from_2012
    match: { src-port: 2012 }
  - name: to_range
    match: { dst-port: "8000-8010" }
  - name: both_sides
    match: { src-port: [53, 2012], dst-port: 8080 }
  - name: service
    match: { proto: tcp, service-port: [22, "6000-6005"], src-port: 2012 }
  - name: no_ports
    match: { proto: udp, min-payload-bytes: 100 }
`;

/** A small deterministic generator (xorshift), so a failure repeats. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Records whose ports are drawn mostly from the rules' ports and their neighbours, so matches and near misses are common. */
function records(n: number): FlowRecord[] {
  const r = rng(7);
  const ports = [0, 21, 22, 23, 52, 53, 54, 135, 445, 2011, 2012, 2013, 5900, 6000, 6003, 6005, 6006, 7999, 8000, 8005, 8010, 8011, 8080, 40000, 65535];
  const pick = (): number => (r() < 0.8 ? ports[Math.floor(r() * ports.length)]! : Math.floor(r() * 65536));
  const out: FlowRecord[] = [];
  for (let i = 0; i < n; i++) {
    const proto = r() < 0.6 ? 'tcp' : 'udp';
    out.push(
      flow({ ts: 1_700_000_000 + i, origH: '10.0.0.1', respH: '10.0.0.2', proto, origP: pick(), respP: pick(), connState: 'SF', origPkts: 3, respPkts: 3, origBytes: Math.floor(r() * 5000), respBytes: Math.floor(r() * 5000) }),
    );
  }
  return out;
}

describe('policy port gate', () => {
  const rules: PolicyRule[] = [...parseRules(RULES, 'test').rules, ...defaultPolicyRules()];
  const recs = records(20_000);

  it('never turns away a record the rule matches, and turns away most of the others of a port rule', () => {
    for (const rule of rules) {
      const gate = portGateOf(rule);
      let matched = 0;
      let turnedAway = 0;
      for (const f of recs) {
        const through = gate === null || mayMatchPorts(gate, f.origP, f.respP);
        if (matchRule(rule, f) !== null) {
          matched++;
          expect(through).toBe(true);
        } else if (!through) turnedAway++;
      }
      expect(matched).toBeGreaterThan(0);
      if (rule.name === 'no_ports') expect(gate).toBeNull();
      else expect(turnedAway).toBeGreaterThan(recs.length / 4);
    }
  });

  it('lets through a port it has no entry for, as matchRule decides it', () => {
    const gate = portGateOf(parseRules(RULES, 'test').rules[0]!)!;
    expect(mayMatchPorts(gate, 2011, 80)).toBe(false);
    expect(mayMatchPorts(gate, 80, 2012)).toBe(true);
    expect(mayMatchPorts(gate, 70_000, 80)).toBe(true);
    expect(mayMatchPorts(gate, 2012.5, 80)).toBe(true);
  });
});
