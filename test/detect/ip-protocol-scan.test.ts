/**
 * scan.vertical over IP protocols (nmap -sO): unanswered records of transports other than TCP,
 * UDP and ICMP (unknown_transport, ports 0) count their IP protocol numbers (FlowRecord.ipProto) as
 * a port scan counts ports, with the vertical scan's thresholds; a finding of its own
 * (proto unknown_transport, evidence.basis ip-protocols). Benign peers exchanging a few protocols
 * (GRE, ESP, OSPF, VRRP, IGMP) never fire.
 */
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { isProtocolProbe } from '../../src/detect/failed-attempt.js';
import { createScanDetector } from '../../src/detect/scan-detector.js';
import type { Finding, FlowRecord } from '../../src/types.js';
import { batch, flow } from './make-records.js';

const T0 = 1_700_000_000;

function run(flows: FlowRecord[], settings = DEFAULT_SETTINGS): Finding[] {
  const d = createScanDetector(settings);
  return [...d.push(batch({ flows })), ...d.flush()];
}

/** An unknown-transport record (ports 0, Zeek OTH) of IP protocol `ipProto`. */
function other(ts: number, origH: string, respH: string, ipProto: number | undefined, respPkts = 0): FlowRecord {
  const f = flow({ ts, origH, respH, respP: 0, origP: 0, proto: 'unknown_transport', connState: 'OTH', history: null, origBytes: 0, respBytes: 0, respPkts });
  if (ipProto !== undefined) f.ipProto = ipProto;
  return f;
}

/** nmap -sO's unknown-transport probes: protocols 0..n-1 but 1, 6, 17, 58. */
function protocolProbes(n: number, spacingSec: number, src = '10.0.0.66', dst = '10.0.0.30'): FlowRecord[] {
  const protocols = Array.from({ length: n + 4 }, (_, i) => i).filter((p) => ![1, 6, 17, 58].includes(p)).slice(0, n);
  return protocols.map((p, i) => other(T0 + i * spacingSec, src, dst, p));
}

describe('scan.vertical over IP protocols', () => {
  it('stays quiet at 14 distinct protocols and fires at 15 (the vertical scan threshold)', () => {
    expect(run(protocolProbes(14, 0.01))).toEqual([]);
    const found = run(protocolProbes(15, 0.01));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'scan.vertical', src: '10.0.0.66', dst: '10.0.0.30', port: null, proto: 'unknown_transport' });
    expect(found[0]!.evidence).toMatchObject({ count: 15, threshold: 15, basis: 'ip-protocols', slow: false, probeTypes: { 'ip-proto': 15 } });
    expect(found[0]!.evidence.ipProtocols).toEqual([0, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(found[0]!.evidence.ports).toBeUndefined();
    expect(found[0]!.summary).toBe('15 IP protocols of 10.0.0.30 probed without an answer in 0.1 s');
  });

  it('reports all 252 protocols of an nmap -sO, high, with the first 32 listed', () => {
    const found = run(protocolProbes(252, 0.01));
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('high');
    expect(found[0]!.evidence.count).toBe(252);
    expect(found[0]!.evidence.ipProtocols).toHaveLength(32);
  });

  it('finds a slow protocol scan over the long window, one severity lower', () => {
    // Re-emitted as it grows (the scorer keeps repeats to one per suppression interval).
    const found = run(protocolProbes(20, 60));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((f) => f.evidence.slow === true && f.severity === 'low')).toBe(true);
    expect(found.at(-1)!.evidence).toMatchObject({ count: 20, slow: true, basis: 'ip-protocols' });
  });

  it('is a finding of its own beside a port scan of the same host (its own id)', () => {
    const ports = Array.from({ length: 20 }, (_, i) => flow({ ts: T0 + i * 0.01, origH: '10.0.0.66', respH: '10.0.0.30', respP: 1000 + i }));
    const found = run([...ports, ...protocolProbes(20, 0.01)].sort((a, b) => a.ts - b.ts));
    expect(found.map((f) => [f.kind, f.proto, f.evidence.count])).toEqual(expect.arrayContaining([['scan.vertical', null, 20], ['scan.vertical', 'unknown_transport', 20]]));
    expect(found).toHaveLength(2);
    expect(found[0]!.id).not.toBe(found[1]!.id);
  });

  it('does not count answered records, records without a protocol number, multicast or the same protocol twice', () => {
    const answered = protocolProbes(30, 0.01).map((f) => ({ ...f, respPkts: 1, respIpBytes: 40 }));
    expect(run(answered)).toEqual([]);
    // A Zeek log before version 7: unknown_transport without ip_proto; nothing tells the protocols apart.
    const unnumbered = protocolProbes(30, 0.01).map((f) => other(f.ts, f.origH, f.respH, undefined));
    expect(run(unnumbered)).toEqual([]);
    const minusOne = protocolProbes(30, 0.01).map((f) => other(f.ts, f.origH, f.respH, -1));
    expect(run(minusOne)).toEqual([]);
    expect(run(protocolProbes(30, 0.01, '10.0.0.66', '224.0.0.5'))).toEqual([]);
    const same = Array.from({ length: 40 }, (_, i) => other(T0 + i, '10.0.0.66', '10.0.0.30', 47));
    expect(run(same)).toEqual([]);
  });

  it('stays quiet on benign peers with a few protocols: GRE, ESP, AH both ways, OSPF, VRRP, IGMP to multicast, an unanswered ESP stream', () => {
    const flows: FlowRecord[] = [];
    for (let i = 0; i < 600; i++) {
      const ts = T0 + i;
      flows.push(other(ts, '10.0.0.1', '10.0.0.2', 47, 1)); // GRE tunnel keepalives, answered
      flows.push(other(ts + 0.1, '10.0.0.1', '10.0.0.2', 50, 1)); // IPsec ESP both ways
      flows.push(other(ts + 0.2, '10.0.0.1', '10.0.0.2', 51, 1)); // AH
      flows.push(other(ts + 0.3, '10.0.0.1', '224.0.0.5', 89)); // OSPF hello
      flows.push(other(ts + 0.4, '10.0.0.2', '224.0.0.18', 112)); // VRRP advertisement
      flows.push(other(ts + 0.5, '10.0.0.1', '224.0.0.22', 2)); // IGMPv3 report
      flows.push(other(ts + 0.6, '10.0.0.3', '10.0.0.4', 50)); // one-way ESP (the capture sees one direction)
      flows.push(other(ts + 0.7, '10.0.0.3', '10.0.0.4', 47)); // and one-way GRE
      flows.push(other(ts + 0.8, '10.0.0.3', '10.0.0.4', 4)); // and IP-in-IP
      flows.push(other(ts + 0.9, '10.0.0.3', '10.0.0.4', 132)); // and SCTP without an answer
    }
    expect(run(flows)).toEqual([]);
  });

  it('keeps the key through a snapshot and restore (its id apart from the port scan key of the same pair)', () => {
    const probes = protocolProbes(20, 0.01);
    const ports = Array.from({ length: 10 }, (_, i) => flow({ ts: T0 + i * 0.01, origH: '10.0.0.66', respH: '10.0.0.30', respP: 1000 + i }));
    const whole = run([...ports, ...probes]);
    expect(whole.map((f) => f.evidence.count)).toEqual([20]);
    // Split after one probe (the key still a row of columns) and after ten (an object).
    for (const cut of [1, 10]) {
      const a = createScanDetector(DEFAULT_SETTINGS);
      const first = a.push(batch({ flows: [...ports, ...probes.slice(0, cut)] }));
      const b = createScanDetector(DEFAULT_SETTINGS);
      b.restore(a.snapshot());
      const rest = [...b.push(batch({ flows: probes.slice(cut) })), ...b.flush()];
      expect([...first, ...rest]).toEqual(whole);
    }
  });
});

describe('isProtocolProbe', () => {
  it('is an unanswered record of a known IP protocol other than TCP, UDP and ICMP', () => {
    expect(isProtocolProbe(other(T0, 'a', 'b', 47))).toBe(true);
    expect(isProtocolProbe(other(T0, 'a', 'b', 47, 2))).toBe(false); // answered
    expect(isProtocolProbe(other(T0, 'a', 'b', undefined))).toBe(false); // number unknown (Zeek before 7)
    expect(isProtocolProbe({ ...other(T0, 'a', 'b', 47), origPkts: 0 })).toBe(false); // the originator sent nothing
    expect(isProtocolProbe(flow({ ts: T0, origH: 'a', respH: 'b', respP: 53, proto: 'udp', respPkts: 0 }))).toBe(false);
  });
});
