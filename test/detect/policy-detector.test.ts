import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { createPolicyDetector } from '../../src/detect/policy-detector.js';
import { combineRules, matchRule, parseRules } from '../../src/detect/policy-rules.js';
import { FlowhoundError } from '../../src/errors.js';
import type { Finding, FlowRecord } from '../../src/types.js';
import { batch, flow } from './make-records.js';

const T0 = 1_700_000_000;

function run(flows: FlowRecord[], rules = defaultPolicyRules()): Finding[] {
  const d = createPolicyDetector(rules, DEFAULT_SETTINGS);
  return [...d.push(batch({ flows })), ...d.flush()];
}

const established = { connState: 'SF', history: 'ShADadFf', respPkts: 5, origPkts: 5 };

describe('policy: shipped rules', () => {
  it('flow logs: flags data sent from port 2012 with a mean payload per packet ≥ 1024 bytes as policy.data_leakage (confidence 0.8), and says so', () => {
    const leak = flow({ ts: T0, origH: '10.0.0.5', origP: 2012, respH: '203.0.113.9', respP: 443, ...established, origBytes: 5120, respBytes: 10 });
    const found = run([leak]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'policy.data_leakage', confidence: 0.8, severity: 'high', src: '10.0.0.5', dst: '203.0.113.9', port: 2012 });
    expect(found[0]!.evidence).toMatchObject({ packetReading: 'mean-per-packet', packetPayloadBytes: 1024 });
    expect(found[0]!.summary).toContain('mean payload per packet 1024 B');
    // 85 kB in 100 packets (mean 850 B): many bytes, no large packet.
    expect(run([{ ...leak, origBytes: 85_000, origPkts: 100 }])).toEqual([]);
    expect(run([{ ...leak, origBytes: 5115 }])).toEqual([]);
  });

  it('captures: reads the largest packet from port 2012 — 1024 B fires, 85 kB echoed in packets of ≤ 932 B does not', () => {
    const f = flow({ ts: T0, origH: '198.51.100.7', respH: '10.0.0.5', respP: 2012, ...established, origBytes: 85_000, respBytes: 85_000, origPkts: 92, respPkts: 92 });
    expect(run([{ ...f, origMaxPayload: 932, respMaxPayload: 932 }]).filter((x) => x.kind === 'policy.data_leakage')).toEqual([]);
    const found = run([{ ...f, origMaxPayload: 932, respMaxPayload: 1024 }]).filter((x) => x.kind === 'policy.data_leakage');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ src: '10.0.0.5', dst: '198.51.100.7', port: 2012 });
    expect(found[0]!.evidence).toMatchObject({ packetReading: 'largest-packet', packetPayloadBytes: 1024 });
    expect(found[0]!.summary).toContain('largest packet payload 1024 B');
  });

  it('allow rules (suppress) report nothing themselves; client/server match addresses and prefixes', () => {
    const rules = combineRules(
      defaultPolicyRules(),
      parseRules('rules:\n  - name: ntp_ok\n    suppress: [c2.beacon]\n    match: { proto: udp, service-port: 123, client: 10.0.0.0/8, server: [192.0.2.1, "2001:db8::/32"] }\n', 't.yaml'),
    );
    const ntp = flow({ ts: T0, origH: '10.0.0.5', respH: '192.0.2.1', respP: 123, proto: 'udp', connState: 'SF', respPkts: 1, origBytes: 48, respBytes: 48 });
    expect(run([ntp], rules)).toEqual([]);
    const rule = rules.find((r) => r.name === 'ntp_ok')!;
    expect(matchRule(rule, ntp)).not.toBeNull();
    expect(matchRule(rule, { ...ntp, respH: '192.0.2.2' })).toBeNull();
    expect(matchRule(rule, { ...ntp, origH: '11.0.0.5' })).toBeNull();
    expect(matchRule(rule, { ...ntp, origH: '10.9.9.9', respH: '2001:db8:1::7' })).not.toBeNull();
    expect(() => parseRules('- name: x\n  suppress: [scan.vertical]\n  match: { proto: udp }\n', 'bad.yaml')).toThrow(/suppress/);
    expect(() => parseRules('- name: x\n  match: { client: 10.0.0.0/33 }\n', 'bad.yaml')).toThrow(/client/);
  });

  it('flags established sessions on watch-listed ports, not failed attempts (scan material)', () => {
    const rdp = flow({ ts: T0, origH: '10.0.0.5', respH: '10.0.0.9', respP: 3389, ...established, origBytes: 900, respBytes: 4000 });
    const found = run([rdp, { ...rdp, ts: T0 + 10 }]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'policy.risky_port', port: 3389 });
    expect(found[0]!.evidence.connections).toBe(2);
    const probes = [23, 445, 3389, 5900, 502].map((p, i) => flow({ ts: T0 + i, origH: '10.0.0.5', respH: '10.0.0.9', respP: p, connState: i % 2 ? 'REJ' : 'S0' }));
    const synAck = flow({ ts: T0, origH: '10.0.0.5', respH: '10.0.0.9', respP: 445, connState: 'RSTO', history: 'ShR', respPkts: 1 });
    expect(run([...probes, synAck])).toEqual([]);
  });

  it('stays quiet for ordinary web, SSH and DNS traffic', () => {
    const flows = [443, 80, 22, 53].map((p) => flow({ ts: T0, origH: '10.0.0.5', respH: '93.184.216.34', respP: p, ...established, origBytes: 5000, respBytes: 50000 }));
    expect(run(flows)).toEqual([]);
  });
});

describe('policy: rules files', () => {
  it('parses YAML and JSON rules with every condition', () => {
    const yaml = `
rules:
  - name: modbus_from_outside
    severity: critical
    confidence: 0.9
    match:
      proto: [tcp]
      service-port: "500-505"
      direction: inbound
      established: true
  - name: big_udp
    match: { proto: udp, dst-port: [9999], min-payload-bytes: 100, max-payload-bytes: 200, min-pps: 1, conn-state: [SF, S0] }
`;
    const set = parseRules(yaml, 'my.yaml');
    expect(set.rules.map((r) => r.name)).toEqual(['modbus_from_outside', 'big_udp']);
    const json = parseRules(JSON.stringify({ rules: [{ name: 'x', match: { 'src-port': 1 } }], 'include-defaults': false }), 'r.json');
    expect(json.includeDefaults).toBe(false);
    const inbound = flow({ ts: T0, origH: '198.51.100.1', respH: '10.0.0.2', respP: 502, ...established, origBytes: 12, respBytes: 12 });
    const found = run([inbound, { ...inbound, origH: '10.0.0.3' }], combineRules(defaultPolicyRules(), set));
    expect(found.map((f) => f.kind).sort()).toEqual(['policy.modbus_from_outside', 'policy.risky_port', 'policy.risky_port']);
    const udp = flow({ ts: T0, origH: '10.0.0.1', respH: '10.0.0.2', respP: 9999, proto: 'udp', connState: 'SF', duration: 1, origPkts: 3, respPkts: 1, origBytes: 150, respBytes: 0 });
    expect(run([udp], set.rules).map((f) => f.kind)).toEqual(['policy.big_udp']);
    expect(run([{ ...udp, origBytes: 250 }], set.rules)).toEqual([]);
  });

  it('replaces a shipped rule of the same name and can drop the defaults', () => {
    const set = parseRules('rules:\n  - name: data_leakage\n    confidence: 0.3\n    match: { src-port: 2012, min-payload-bytes: 10 }\n', 'r.yaml');
    const rules = combineRules(defaultPolicyRules(), set);
    expect(rules.find((r) => r.name === 'data_leakage')!.confidence).toBe(0.3);
    expect(rules.some((r) => r.name === 'risky_port')).toBe(true);
    const only = combineRules(defaultPolicyRules(), { ...set, includeDefaults: false });
    expect(only.map((r) => r.name)).toEqual(['data_leakage']);
  });

  it.each([
    ['rules:\n  - name: ok\n    match: { src-port: 70000 }\n', /rules.yaml: rule 1 \("ok"\): match.src-port: expected a port 0..65535/],
    ['rules:\n  - name: Bad Name\n    match: { src-port: 1 }\n', /rule 1 \("Bad Name"\): name: expected lower-case/],
    ['rules:\n  - name: a\n    match: { src-port: 1 }\n  - name: b\n    match: { colour: red }\n', /rule 2 \("b"\): unknown condition "colour"/],
    ['rules:\n  - name: a\n    severity: urgent\n    match: { src-port: 1 }\n', /rule 1 \("a"\): severity: expected info, low, medium, high or critical, got "urgent"/],
    ['rules:\n  - name: a\n    confidence: 2\n    match: { src-port: 1 }\n', /confidence: expected a number from 0 to 1/],
    ['rules:\n  - name: a\n    match: {}\n', /match: no conditions/],
    ['rules:\n  - name: a\n    match: { direction: sideways }\n', /match.direction: expected outbound/],
    ['rules:\n  - name: a\n    match: { conn-state: [XX] }\n', /match.conn-state: expected Zeek conn_state/],
    ['rules:\n  - name: a\n    match: { min-payload-bytes: 10, max-payload-bytes: 5 }\n', /nothing can match/],
    ['rules:\n  - name: a\n    match: { src-port: 1 }\n  - name: a\n    match: { src-port: 2 }\n', /rule 2 \("a"\): the name is used by an earlier rule/],
    ['rules: [\n', /rules.yaml(:\d+)?: not valid YAML\/JSON/],
    ['colour: red\n', /unknown top-level key "colour"/],
  ])('refuses a bad rules file with file, rule and reason: %#', (text, message) => {
    let err: unknown;
    try {
      parseRules(text, 'rules.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlowhoundError);
    expect((err as FlowhoundError).code).toBe('RULES_INVALID');
    expect((err as FlowhoundError).message).toMatch(message);
    expect((err as FlowhoundError).context.file).toBe('rules.yaml');
  });
});

describe('policy: bounded state', () => {
  it('holds at most --policy-max-aggregates aggregates: the oldest are reported, dropped and counted as evicted', () => {
    const d = createPolicyDetector(defaultPolicyRules(), { ...DEFAULT_SETTINGS, policyMaxAggregates: 100 });
    const flows = Array.from({ length: 150 }, (_, i) =>
      flow({ ts: T0 + i * 0.01, origH: `10.0.${i >> 8}.${i & 255}`, origP: 2012, respH: '203.0.113.9', respP: 443, ...established, origBytes: 5120, respBytes: 10 }),
    );
    const early = d.push(batch({ flows }));
    // The 50 oldest aggregates were reported when they were dropped, before their report delay.
    expect(early).toHaveLength(50);
    expect(early.map((f) => f.src)).toEqual(flows.slice(0, 50).map((f) => f.origH));
    expect(d.stats?.()).toMatchObject({ evictedKeys: 50 });
    expect(d.flush()).toHaveLength(100);
  });
});
