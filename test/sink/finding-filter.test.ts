import { createFilteredSink, describeFilter, parseTimeBound, passesFilter } from '../../src/sink/finding-filter.js';
import type { Sink } from '../../src/sink/sink.js';
import type { Finding } from '../../src/types.js';

const f = (ts: number, end: number, severity: Finding['severity']): Finding => ({
  id: `f-${ts}`, ts, end, kind: 'scan.vertical', severity, confidence: 1, src: 'a', dst: 'b', port: null, proto: null, detector: 'rule', summary: '', evidence: {},
});

describe('finding filters', () => {
  it('keeps findings at or above the minimum severity whose span overlaps [since, until]', () => {
    expect(passesFilter(f(100, 110, 'low'), { minSeverity: 'medium' })).toBe(false);
    expect(passesFilter(f(100, 110, 'high'), { minSeverity: 'medium' })).toBe(true);
    expect(passesFilter(f(100, 110, 'high'), { sinceSec: 105 })).toBe(true);
    expect(passesFilter(f(100, 110, 'high'), { sinceSec: 111 })).toBe(false);
    expect(passesFilter(f(100, 110, 'high'), { untilSec: 99 })).toBe(false);
    expect(passesFilter(f(100, 110, 'high'), { untilSec: 100 })).toBe(true);
  });

  it('parses epoch seconds and ISO 8601 (UTC without a zone), refuses anything else', () => {
    expect(parseTimeBound('1795411917.5', '--since')).toBe(1795411917.5);
    expect(parseTimeBound('2026-11-23T05:31:57Z', '--since')).toBe(1795411917);
    expect(parseTimeBound('2026-11-23 05:31:57', '--since')).toBe(1795411917);
    expect(parseTimeBound('2026-11-23', '--since')).toBe(1795392000);
    expect(parseTimeBound('2026-11-23T06:31:57+01:00', '--since')).toBe(1795411917);
    expect(() => parseTimeBound('yesterday', '--until')).toThrow(/--until: expected seconds since the epoch or an ISO 8601 date-time/);
  });

  it('wraps a sink', async () => {
    const seen: Finding[] = [];
    const inner: Sink = { write: (x) => void seen.push(...x), close: async () => {} };
    const s = createFilteredSink(inner, { minSeverity: 'high' });
    s.write([f(1, 2, 'low'), f(3, 4, 'critical')]);
    await s.close();
    expect(seen.map((x) => x.severity)).toEqual(['critical']);
    expect(describeFilter({ minSeverity: 'high', sinceSec: 1795411917 })).toBe('--min-severity high, --since 2026-11-23T05:31:57.000Z');
  });
});
