import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { createScanDetector } from '../../src/detect/scan-detector.js';
import type { Finding, FlowRecord } from '../../src/types.js';
import { batch, flow } from './make-records.js';

function run(flows: FlowRecord[], settings = DEFAULT_SETTINGS): Finding[] {
  const d = createScanDetector(settings);
  return [...d.push(batch({ flows })), ...d.flush()];
}

const T0 = 1_700_000_000;

function verticalProbes(n: number, spacingSec: number, state = 'REJ'): FlowRecord[] {
  return Array.from({ length: n }, (_, i) =>
    flow({ ts: T0 + i * spacingSec, origH: '10.0.0.5', respH: '10.0.0.9', respP: 1000 + i, connState: state, history: state === 'REJ' ? 'Sr' : 'S', respPkts: state === 'REJ' ? 1 : 0 }),
  );
}

describe('scan.vertical', () => {
  it('stays quiet at 14 distinct ports and fires at 15 (Zeek port_scan_threshold)', () => {
    expect(run(verticalProbes(14, 1)).filter((f) => f.kind === 'scan.vertical')).toEqual([]);
    const found = run(verticalProbes(15, 1)).filter((f) => f.kind === 'scan.vertical');
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect(f).toMatchObject({ src: '10.0.0.5', dst: '10.0.0.9', kind: 'scan.vertical', detector: 'rule' });
    expect(f.evidence.count).toBe(15);
    // The first port too (the key was a row of columns holding it as a port and proto until its second attempt).
    expect(f.evidence.ports).toEqual(Array.from({ length: 15 }, (_, i) => `${1000 + i}/tcp`));
    expect(f.evidence.slow).toBe(false);
    expect(f.id).toMatch(/^f-[0-9a-f]{8}$/);
    expect(f.ts).toBe(T0);
    expect(f.end).toBe(T0 + 14);
  });

  it('honours a changed threshold', () => {
    const found = run(verticalProbes(10, 1), { ...DEFAULT_SETTINGS, scanVerticalPorts: 10, scanSlowVerticalPorts: 10 });
    expect(found.filter((f) => f.kind === 'scan.vertical')).toHaveLength(1);
  });

  it('does not count established connections (an SSH brute force or a client talking to many services)', () => {
    const flows = Array.from({ length: 60 }, (_, i) =>
      flow({ ts: T0 + i, origH: '10.0.0.5', respH: '10.0.0.9', respP: 22, connState: 'SF', history: 'ShAdDaFf', origBytes: 900, respBytes: 1500, respPkts: 10, origPkts: 12 }),
    );
    const services = Array.from({ length: 30 }, (_, i) =>
      flow({ ts: T0 + i, origH: '10.0.0.5', respH: '10.0.0.7', respP: 8000 + i, connState: 'SF', history: 'ShADadFf', origBytes: 100, respBytes: 100, respPkts: 5 }),
    );
    expect(run([...flows, ...services])).toEqual([]);
  });

  it('counts failed SSH attempts to one port as no scan', () => {
    const flows = Array.from({ length: 200 }, (_, i) => flow({ ts: T0 + i, origH: '10.0.0.5', respH: '10.0.0.9', respP: 22, connState: 'REJ', respPkts: 1 }));
    expect(run(flows)).toEqual([]);
  });

  it('counts SYN probes torn down before any data (nmap -sS on open ports) as attempts', () => {
    const flows = Array.from({ length: 15 }, (_, i) =>
      flow({ ts: T0 + i * 0.01, origH: '10.0.0.5', respH: '10.0.0.9', respP: 20 + i, connState: 'RSTO', history: 'ShR', respPkts: 1, origPkts: 2 }),
    );
    expect(run(flows).map((f) => f.kind)).toEqual(['scan.vertical']);
  });

  it('spreads 15 ports over 50 minutes: missed by the 5-min window, caught by the 1-h window as slow', () => {
    const found = run(verticalProbes(15, 200));
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.slow).toBe(true);
    expect(found[0]!.summary).toMatch(/slow scan/);
  });

  it('is quiet when 15 ports are spread over more than an hour', () => {
    expect(run(verticalProbes(15, 300))).toEqual([]);
  });

  it('counts unanswered UDP probes but not answered UDP', () => {
    const unanswered = Array.from({ length: 20 }, (_, i) => flow({ ts: T0 + i, origH: '10.0.0.5', respH: '10.0.0.9', respP: 100 + i, proto: 'udp', connState: 'S0', respPkts: 0 }));
    expect(run(unanswered).map((f) => f.kind)).toEqual(['scan.vertical']);
    const answered = unanswered.map((f) => ({ ...f, connState: 'SF', respPkts: 1, respBytes: 40 }));
    expect(run(answered)).toEqual([]);
  });

  it('gives the same id for the same input across runs', () => {
    const a = run(verticalProbes(20, 1));
    const b = run(verticalProbes(20, 1));
    expect(a.map((f) => f.id)).toEqual(b.map((f) => f.id));
  });

  it('raises severity with the count over the threshold', () => {
    const small = run(verticalProbes(16, 0.1))[0]!;
    const big = run(verticalProbes(400, 0.1)).find((f) => f.kind === 'scan.vertical')!;
    expect(small.severity).toBe('low');
    expect(big.severity).toBe('high');
    expect(big.confidence).toBeGreaterThan(small.confidence);
  });
});

describe('scan.horizontal', () => {
  function sweep(n: number, port = 23, state = 'S0'): FlowRecord[] {
    return Array.from({ length: n }, (_, i) => flow({ ts: T0 + i * 2, origH: '192.168.2.16', respH: `10.1.${i >> 8}.${i & 255}`, respP: port, connState: state }));
  }

  it('stays quiet at 24 hosts and fires at 25 (Zeek addr_scan_threshold)', () => {
    expect(run(sweep(24))).toEqual([]);
    const found = run(sweep(25));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'scan.horizontal', src: '192.168.2.16', dst: null, port: 23, proto: 'tcp' });
    expect(found[0]!.evidence.count).toBe(25);
  });

  it('ignores a web client that reaches many servers successfully', () => {
    const flows = sweep(100, 443, 'SF').map((f) => ({ ...f, history: 'ShADadFf', origBytes: 500, respBytes: 5000, respPkts: 8 }));
    expect(run(flows)).toEqual([]);
  });

  it('ignores multicast and broadcast destinations', () => {
    const flows = Array.from({ length: 40 }, (_, i) => flow({ ts: T0 + i, origH: '10.0.0.5', respH: `239.255.0.${i}`, respP: 1900, proto: 'udp', respPkts: 0 }));
    expect(run(flows)).toEqual([]);
  });

  it('catches an ICMP echo sweep whether or not the hosts answer', () => {
    const flows = Array.from({ length: 30 }, (_, i) =>
      flow({ ts: T0 + i * 0.05, origH: '192.168.1.109', respH: `192.168.1.${i + 1}`, respP: 0, origP: 8, proto: 'icmp', connState: 'OTH', history: null, respPkts: i % 2 }),
    );
    const found = run(flows);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'scan.horizontal', src: '192.168.1.109', proto: 'icmp', port: 8 });
  });

  it('reports a long sweep once within the window and again only as it grows in later windows', () => {
    const d = createScanDetector(DEFAULT_SETTINGS);
    const first = d.push(batch({ flows: sweep(30) }));
    expect(first).toEqual([]); // incident open, emitted one window after it opened
    // The record that moves event time past the due instant is reported with
    // the next emission: it happened after the first report was due.
    const later = d.push(batch({ flows: [flow({ ts: T0 + 400, origH: '192.168.2.16', respH: '10.9.9.9', respP: 23 })] }));
    expect(later).toHaveLength(1);
    expect(later[0]!.evidence.count).toBe(30);
    const last = d.flush();
    expect(last.map((f) => [f.id, f.evidence.count])).toEqual([[later[0]!.id, 31]]);
  });
});

describe('scan: what is not an attempt', () => {
  it('ignores connections whose originator sent nothing (SYN-ACK backscatter flipped by the tracker)', () => {
    const flows = Array.from({ length: 50 }, (_, i) =>
      flow({ ts: T0 + i * 0.01, origH: '10.10.10.10', respH: `198.51.100.${i}`, respP: 80, connState: 'RSTRH', history: '^r', origPkts: 0, respPkts: 1 }),
    );
    expect(run(flows)).toEqual([]);
  });
});

describe('scan: slow scans that age out', () => {
  it('reports the most ports seen within the long window, not what is left when it is reported', () => {
    // One port every 4 minutes for 4 hours: 15 within any hour, older ones age out as it goes.
    const found = run(verticalProbes(60, 240, 'S0'));
    expect(found.length).toBeGreaterThanOrEqual(1);
    for (const f of found) expect(f.evidence.count).toBeGreaterThanOrEqual(15);
  });
});

describe('scan: midstream traffic', () => {
  it('does not count connections without the originator SYN (stale keep-alives, late FINs: OTH A, SH AFa)', () => {
    const flows = Array.from({ length: 40 }, (_, i) =>
      flow({ ts: T0 + i * 30, origH: '10.0.0.5', respH: `198.51.100.${i}`, respP: 443, connState: i % 2 ? 'OTH' : 'SH', history: i % 2 ? 'A' : 'AFa', origPkts: 2, respPkts: 0 }),
    );
    expect(run(flows)).toEqual([]);
  });
});

describe('scan: unidirectional flow exports (NetFlow: no state, no response counts)', () => {
  const uni = (over: Partial<FlowRecord> & Pick<FlowRecord, 'ts' | 'origH' | 'respH' | 'respP'>) => flow({ connState: null, history: null, respPkts: 0, ...over });

  it('does not take the reply halves of real connections for probes', () => {
    const flows: FlowRecord[] = [];
    for (let i = 0; i < 40; i++) {
      const eph = 40000 + i;
      // TCP: request and response halves of HTTP connections.
      flows.push(uni({ ts: T0 + i, origH: '10.0.0.10', origP: eph, respH: '10.0.0.20', respP: 80, origPkts: 7 }));
      flows.push(uni({ ts: T0 + i, origH: '10.0.0.20', origP: 80, respH: '10.0.0.10', respP: eph, origPkts: 5 }));
      // UDP: DNS query and answer halves.
      flows.push(uni({ ts: T0 + i, origH: '10.0.0.10', origP: 50000 + i, respH: '10.0.0.53', respP: 53, proto: 'udp', origPkts: 1 }));
      flows.push(uni({ ts: T0 + i + 0.01, origH: '10.0.0.53', origP: 53, respH: '10.0.0.10', respP: 50000 + i, proto: 'udp', origPkts: 1 }));
    }
    expect(run(flows)).toEqual([]);
  });

  it('still finds SYN probes (1–2 packets) and unanswered UDP probes', () => {
    const tcp = Array.from({ length: 20 }, (_, i) => uni({ ts: T0 + i * 0.01, origH: '10.0.0.66', origP: 50041, respH: '10.0.0.20', respP: 1 + i, origPkts: 1 }));
    expect(run(tcp).map((f) => f.kind)).toEqual(['scan.vertical']);
    const udp = Array.from({ length: 20 }, (_, i) => uni({ ts: T0 + i * 0.01, origH: '10.0.0.66', origP: 50041, respH: '10.0.0.20', respP: 1 + i, proto: 'udp', origPkts: 1 }));
    expect(run(udp).map((f) => f.kind)).toEqual(['scan.vertical']);
  });
});
