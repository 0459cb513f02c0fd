import { computeFindingId, createFinding } from '../../src/score/finding-id.js';
import { createScorer } from '../../src/score/scorer.js';
import { confidenceFromRatio, severityFromRatio } from '../../src/score/severity.js';
import type { Finding } from '../../src/types.js';

function f(ts: number, count: number, over: Partial<Finding> = {}): Finding {
  return createFinding({ ts: 1000, end: ts, kind: 'scan.vertical', severity: 'low', confidence: 0.5, src: 'a', dst: 'b', port: null, proto: null, summary: '', evidence: { count }, ...over }, 3600);
}

describe('finding ids', () => {
  it('are stable, and differ by kind, source, target, domain and time bucket', () => {
    const base = { ts: 1000, kind: 'tunnel.dns' as const, src: 'a', dst: 'b', port: 53, proto: 'udp' as const, evidence: { domain: 'x.com' } };
    const id = computeFindingId(base, 3600);
    expect(id).toMatch(/^f-[0-9a-f]{8}$/);
    expect(computeFindingId({ ...base, ts: 3599 }, 3600)).toBe(id);
    expect(computeFindingId({ ...base, ts: 3600 }, 3600)).not.toBe(id);
    expect(computeFindingId({ ...base, evidence: { domain: 'y.com' } }, 3600)).not.toBe(id);
    expect(computeFindingId({ ...base, src: 'c' }, 3600)).not.toBe(id);
  });

  it('leave the attributed source out of rate spikes (watch may report before the flows that name it)', () => {
    const spike = { ts: 1000, kind: 'rate.spike' as const, src: null, dst: 'b', port: 80, proto: 'tcp' as const, evidence: {} };
    expect(computeFindingId({ ...spike, src: '10.0.0.66' }, 3600)).toBe(computeFindingId(spike, 3600));
  });
});

describe('scorer', () => {
  it('passes the first finding of a key, suppresses repeats within the interval, lets them through after it', () => {
    const s = createScorer({ suppressionSec: 3600 });
    expect(s.add([f(1010, 20)])).toHaveLength(1);
    expect(s.add([f(1500, 30), f(2000, 40)])).toHaveLength(0);
    expect(s.add([f(1010 + 3600, 50)])).toHaveLength(1);
    expect(s.stats).toEqual({ seen: 4, emitted: 2, suppressed: 2 });
  });

  it('lets a repeat through within the interval when its count grew tenfold (log scale)', () => {
    const s = createScorer({ suppressionSec: 3600 });
    s.add([f(1010, 20)]);
    expect(s.add([f(1100, 199)])).toHaveLength(0);
    expect(s.add([f(1200, 200)])).toHaveLength(1);
  });

  it('keeps keys apart', () => {
    const s = createScorer({ suppressionSec: 3600 });
    expect(s.add([f(1010, 20), f(1010, 20, { dst: 'c' }), f(1010, 20, { kind: 'scan.horizontal' })])).toHaveLength(3);
  });
});

describe('severity', () => {
  it('grows with the ratio over the threshold', () => {
    expect(severityFromRatio(1)).toBe('low');
    expect(severityFromRatio(3)).toBe('medium');
    expect(severityFromRatio(10)).toBe('high');
    expect(confidenceFromRatio(1)).toBe(0.5);
    expect(confidenceFromRatio(2)).toBe(0.75);
    expect(confidenceFromRatio(1000)).toBe(0.99);
  });
});
