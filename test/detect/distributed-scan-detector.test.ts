import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { createDistributedScanDetector } from '../../src/detect/distributed-scan-detector.js';
import { decodeState } from '../../src/detect/plain-state.js';
import type { Detector } from '../../src/detect/detector.js';
import type { Finding, FlowRecord } from '../../src/types.js';
import { batch, flow } from './make-records.js';

const T0 = 1_700_000_000;

function run(flows: FlowRecord[]): Finding[] {
  const d = createDistributedScanDetector(DEFAULT_SETTINGS);
  return [...d.push(batch({ flows: [...flows].sort((a, b) => a.ts - b.ts) })), ...d.flush()];
}

/** `sources` each send a SYN to `perSource` hosts of 198.51.100.0/24 on port 23 (no answer), starting at `startOf(i)`. */
function sweep(sources: string[], perSource: number, startOf: (i: number) => number): FlowRecord[] {
  return sources.flatMap((src, i) =>
    Array.from({ length: perSource }, (_, j) => flow({ ts: startOf(i) + j * 0.5, origH: src, respH: `198.51.100.${i * perSource + j + 1}`, respP: 23 })),
  );
}

describe('scan.distributed', () => {
  it('finds five sources of one /24, 8 hosts each, sweeping port 23 together, and names every source', () => {
    const sources = ['203.0.113.61', '203.0.113.62', '203.0.113.63', '203.0.113.64', '203.0.113.65'];
    const found = run(sweep(sources, 8, (i) => T0 + i * 60));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'scan.distributed', src: null, dst: null, port: 23, proto: 'tcp' });
    expect(found[0]!.evidence).toMatchObject({ sources, count: 40, sourceCount: 5 });
    expect(found[0]!.summary).toContain('203.0.113.0/24');
  });

  it('finds sources in different prefixes when they start within seconds of one another; not when minutes apart', () => {
    const sources = ['192.0.2.9', '198.51.200.7', '203.0.113.5', '100.64.3.3', '45.33.1.1'];
    expect(run(sweep(sources, 8, (i) => T0 + i * 2)).map((f) => f.kind)).toEqual(['scan.distributed']);
    expect(run(sweep(sources, 8, (i) => T0 + i * 40))).toEqual([]);
  });

  it('stays silent for three sources, for targets too few together, and leaves a source over the per-source threshold to scan.horizontal', () => {
    expect(run(sweep(['203.0.113.61', '203.0.113.62', '203.0.113.63'], 10, (i) => T0 + i))).toEqual([]);
    expect(run(sweep(['203.0.113.61', '203.0.113.62', '203.0.113.63', '203.0.113.64'], 5, (i) => T0 + i))).toEqual([]);
    const big = sweep(['203.0.113.61'], 30, () => T0);
    const small = sweep(['203.0.113.62', '203.0.113.63', '203.0.113.64'], 8, (i) => T0 + i).map((f) => ({ ...f, respH: f.respH.replace('198.51.100', '198.51.101') }));
    expect(run([...big, ...small])).toEqual([]);
  });

  it('many clients failing to reach one dead server is not a scan', () => {
    const flows = Array.from({ length: 60 }, (_, i) => flow({ ts: T0 + i, origH: `10.0.0.${i + 1}`, respH: '10.0.1.5', respP: 443 }));
    expect(run(flows)).toEqual([]);
  });

  it('drops the sets idle for a window at the sweep, those probed once and those probed more, restored ones too', () => {
    const w = DEFAULT_SETTINGS.scanDistWindowSec;
    const setIds = (d: Detector): string[] => [...((decodeState(JSON.parse(JSON.stringify(d.snapshot()))) as { sets: Map<string, unknown> }).sets.keys())];
    const early = [
      // Port 23 probed twice (an object), its hosts and port 80 once each (rows of columns).
      flow({ ts: T0, origH: '203.0.113.7', respH: '198.51.100.1', respP: 23 }),
      flow({ ts: T0 + 1, origH: '203.0.113.7', respH: '198.51.100.2', respP: 23 }),
      flow({ ts: T0 + 2, origH: '203.0.113.8', respH: '198.51.100.3', respP: 80 }),
    ];
    const late = [flow({ ts: T0 + w + 100, origH: '203.0.113.9', respH: '198.51.100.9', respP: 8080 })];
    const d = createDistributedScanDetector(DEFAULT_SETTINGS);
    d.push(batch({ flows: early }));
    expect(setIds(d)).toEqual(['h|tcp|23', 'v|198.51.100.1', 'v|198.51.100.2', 'h|tcp|80', 'v|198.51.100.3']);
    const e = createDistributedScanDetector(DEFAULT_SETTINGS);
    e.restore(JSON.parse(JSON.stringify(d.snapshot())));
    for (const x of [d, e]) {
      x.push(batch({ flows: late }));
      expect(setIds(x)).toEqual(['h|tcp|8080', 'v|198.51.100.9']);
    }
  });

  it('reports a campaign at the end of input after a restore', () => {
    const sources = ['203.0.113.61', '203.0.113.62', '203.0.113.63', '203.0.113.64', '203.0.113.65'];
    const d = createDistributedScanDetector(DEFAULT_SETTINGS);
    d.push(batch({ flows: sweep(sources, 8, (i) => T0 + i * 5) }));
    const e = createDistributedScanDetector(DEFAULT_SETTINGS);
    e.restore(JSON.parse(JSON.stringify(d.snapshot())));
    const found = e.flush();
    expect(found.map((f) => f.kind)).toEqual(['scan.distributed']);
    expect(found).toEqual(d.flush());
  });

  it("keeps a host's first probed port, as a set probed once and once probed again", () => {
    type Plain = { sources: Map<string, { targets: Map<string, number> }> };
    const targetsOf = (d: Detector, id: string): string[] => {
      const sets = (decodeState(JSON.parse(JSON.stringify(d.snapshot()))) as { sets: Map<string, Plain> }).sets;
      return [...sets.get(id)!.sources.get('203.0.113.7')!.targets.keys()];
    };
    const d = createDistributedScanDetector(DEFAULT_SETTINGS);
    d.push(batch({ flows: [flow({ ts: T0, origH: '203.0.113.7', respH: '198.51.100.1', respP: 23 })] }));
    expect(targetsOf(d, 'v|198.51.100.1')).toEqual(['23/tcp']);
    d.push(batch({ flows: [flow({ ts: T0 + 1, origH: '203.0.113.7', respH: '198.51.100.1', respP: 53, proto: 'udp' })] }));
    expect(targetsOf(d, 'v|198.51.100.1')).toEqual(['23/tcp', '53/udp']);
  });
});
