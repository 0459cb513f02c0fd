import { formatRunSummary } from '../../src/cli/run-summary.js';
import { createRunCounters } from '../../src/pipeline/run-counters.js';

describe('run summary', () => {
  it('lists inputs, records, time span, findings, suppressed repeats, warnings, late records, model and rules', () => {
    const counters = { ...createRunCounters(), batches: 3, flows: 120, dns: 40, ticks: 7, echoes: 2, firstTs: 1_700_000_000, lastTs: 1_700_000_090.5 };
    counters.findingsByKind = { 'scan.vertical': 2, 'tunnel.dns': 1 };
    counters.findingsBySeverity = { high: 1, low: 2 };
    const text = formatRunSummary({
      inputs: ['a.pcap', 'b.log'],
      counters,
      warnings: 3,
      warningsByCode: { INVALID_LINE: 2, TRUNCATED_LINE: 1 },
      suppressed: 4,
      lateRecords: { 'rate.spike': 5, scan: 0 },
      model: 'models/default',
      backend: 'wasm',
      rules: 3,
      rulesFile: 'my.yaml',
      configFile: 'cfg.yaml',
      elapsedSec: 1.234,
    });
    expect(text).toContain('flowhound analyze: 2 inputs: a.pcap, b.log');
    expect(text).toContain('records:   flows 120, dns 40, packet ticks 7, icmp echoes 2 (3 batches)');
    expect(text).toContain('time span: 2023-11-14T22:13:20Z … 2023-11-14T22:14:50.500Z (90.5 s)');
    expect(text).toContain('findings:  3 (scan.vertical 2, tunnel.dns 1; low 2, high 1), 4 repeats suppressed');
    expect(text).toContain('input:     3 warnings (INVALID_LINE 2, TRUNCATED_LINE 1)');
    expect(text).toContain('late:      rate.spike 5');
    expect(text).not.toContain('scan 0');
    expect(text).toContain('model:     models/default (backend wasm)');
    expect(text).toContain('rules:     3 policy rules (shipped + my.yaml); config cfg.yaml');
  });

  it('says when there were no records', () => {
    const text = formatRunSummary({ inputs: ['-'], counters: createRunCounters(), warnings: 0, warningsByCode: {}, suppressed: 0, lateRecords: {}, model: 'none (--no-model)', backend: null, rules: 2, rulesFile: null, configFile: null, elapsedSec: 0 });
    expect(text).toContain('time span: no records');
    expect(text).toContain('findings:  0\n');
  });
});
