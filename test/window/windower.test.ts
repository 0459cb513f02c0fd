import { F, FEATURE_COUNT, FEATURE_NAMES } from '../../src/window/feature-schema.js';
import { collectFeatureWindows, createWindower, measureQueryEntropy } from '../../src/window/windower.js';
import { iterate, makeBatch, makeDns, makeFlow } from '../model/records.js';

describe('createWindower', () => {
  it('keys windows by (start, proto, service port) and computes counts', () => {
    const w = createWindower({ windowSec: 10 });
    const out = w.push(
      makeBatch({
        flows: [
          makeFlow({ ts: 100.5, respP: 80, origH: 'a', respH: 'x', origPkts: 3, respPkts: 2, origIpBytes: 200, respIpBytes: 800, duration: 0 }),
          makeFlow({ ts: 101.5, respP: 80, origH: 'b', respH: 'x', origPkts: 1, respPkts: 0, origIpBytes: 60, respIpBytes: 0, connState: 'S0', duration: null }),
          makeFlow({ ts: 103, respP: 443, origH: 'a', respH: 'y' }),
          makeFlow({ ts: 112, respP: 80, origH: 'a', respH: 'x' }),
          makeFlow({ ts: 104, proto: 'icmp', origP: 8, respP: 0, origPkts: 4, respPkts: 4 }),
        ],
      }),
    );
    expect(out).toEqual([]); // infinite lateness: nothing closes before flush
    const ws = w.flush();
    expect(ws.map((x) => `${x.startSec} ${x.proto}/${x.port}`)).toEqual(['100 icmp/8', '100 tcp/80', '100 tcp/443', '110 tcp/80']);
    const web = ws[1]!;
    expect(web.values.length).toBe(FEATURE_COUNT);
    expect(web.values[F.flows]).toBe(2);
    expect(web.values[F.packets]).toBe(6);
    expect(web.values[F.bytes]).toBe(1060);
    expect(web.values[F.uniqueSrc]).toBe(2);
    expect(web.values[F.uniqueDst]).toBe(1);
    expect(web.values[F.failedShare]).toBe(0.5);
    expect(web.values[F.bytesPerPacket]).toBeCloseTo(1060 / 6, 9);
    expect(web.values[F.directionRatio]).toBeCloseTo(260 / 1060, 9);
    expect(web.values[F.meanDuration]).toBe(0);
    expect(web.values[F.meanPps]).toBeCloseTo(0.6, 9);
    expect(web.values[F.peakPps]).toBe(5); // zero-duration flow: all 5 packets in second 100
    expect(web.topDst).toEqual({ addr: 'x', flows: 2 });
    expect(web.topSrc).toEqual({ addr: 'a', flows: 1 }); // a tie goes to the smaller address
  });

  it('spreads a flow\'s packets over its duration for peak pps, and prefers exact ticks', () => {
    const w = createWindower({ windowSec: 10 });
    w.push(makeBatch({ flows: [makeFlow({ ts: 200, duration: 4, origPkts: 20, respPkts: 20 })] }));
    const [spread] = w.flush();
    expect(spread!.values[F.peakPps]).toBeCloseTo(10, 9);
    w.push(
      makeBatch({
        flows: [makeFlow({ ts: 200, duration: 4, origPkts: 20, respPkts: 20 })],
        ticks: [
          { sec: 200, dst: '10.0.0.2', port: 80, proto: 'tcp', pkts: 3, bytes: 300 },
          { sec: 201, dst: '10.0.0.2', port: 80, proto: 'tcp', pkts: 17, bytes: 900 },
          { sec: 201, dst: '10.0.0.3', port: 80, proto: 'tcp', pkts: 2, bytes: 100 },
          { sec: 201, dst: '10.0.0.9', port: 40001, proto: 'tcp', pkts: 50, bytes: 100 },
        ],
      }),
    );
    const exact = w.flush();
    expect(exact).toHaveLength(1); // the tick-only key 40001 (a client port) makes no window
    expect(exact[0]!.values[F.peakPps]).toBe(19);
    expect(exact[0]!.values[F.meanPps]).toBeCloseTo(2.2, 9);
  });

  it('closes windows when the watermark passes and counts late records', () => {
    const w = createWindower({ windowSec: 10, allowedLatenessSec: 5 });
    expect(w.push(makeBatch({ flows: [makeFlow({ ts: 100 }), makeFlow({ ts: 112 })] }))).toEqual([]);
    const closed = w.push(makeBatch({ flows: [makeFlow({ ts: 116 })] }));
    expect(closed.map((x) => x.startSec)).toEqual([100]);
    w.push(makeBatch({ flows: [makeFlow({ ts: 105 }), makeFlow({ ts: 111 })] }));
    expect(w.stats().lateRecords).toBe(1);
    const rest = w.flush();
    expect(rest.map((x) => [x.startSec, x.values[F.flows]])).toEqual([[110, 3]]);
  });

  it('computes DNS features on the server port', () => {
    const w = createWindower({ windowSec: 10 });
    w.push(
      makeBatch({
        dns: [
          makeDns({ ts: 50, query: 'www.example.com' }),
          makeDns({ ts: 51, query: 'aGVsbG8gd29ybGQK.t.example.com', rcode: 3, rcodeName: 'NXDOMAIN' }),
        ],
      }),
    );
    const [dns] = w.flush();
    expect(dns!.proto).toBe('udp');
    expect(dns!.port).toBe(53);
    expect(dns!.values[F.dnsQueryLen]).toBeCloseTo((15 + 30) / 2, 9);
    expect(dns!.values[F.dnsNxdomainShare]).toBe(0.5);
    expect(dns!.values[F.dnsLabelEntropy]).toBeCloseTo((measureQueryEntropy('www.example.com') + measureQueryEntropy('aGVsbG8gd29ybGQK.t.example.com')) / 2, 9);
    expect(measureQueryEntropy('aaaa.example.com')).toBe(0);
    expect(measureQueryEntropy('ab.example.com')).toBe(1);
  });

  it('closes the oldest windows early past maxOpenWindows (infinite lateness stays bounded)', () => {
    const w = createWindower({ windowSec: 10, maxOpenWindows: 3 });
    const early = w.push(makeBatch({ flows: [0, 10, 20, 30, 40].map((t) => makeFlow({ ts: 1000 + t })) }));
    expect(early.map((x) => x.startSec)).toEqual([1000, 1010]);
    w.push(makeBatch({ flows: [makeFlow({ ts: 1005 })] }));
    expect(w.stats().earlyClosedWindows).toBe(2);
    expect(w.stats().lateRecords).toBe(1);
    expect(w.flush().map((x) => x.startSec)).toEqual([1020, 1030, 1040]);
  });

  it('bounds keys per window and counts the overflow', () => {
    const w = createWindower({ windowSec: 10, maxKeysPerWindow: 3 });
    w.push(makeBatch({ flows: [1, 2, 3, 4, 5].map((p) => makeFlow({ ts: 10, respP: p })) }));
    expect(w.flush()).toHaveLength(3);
    expect(w.stats().overflowRecords).toBe(2);
  });

  it('collectFeatureWindows gives the same windows however the input is batched', async () => {
    const flows = Array.from({ length: 200 }, (_, i) => makeFlow({ ts: 1000 + i * 0.7, respP: i % 3 === 0 ? 22 : 80, origH: `10.0.0.${i % 7}` }));
    const one = await collectFeatureWindows(iterate([makeBatch({ flows })]));
    const many = await collectFeatureWindows(iterate(flows.map((f) => makeBatch({ flows: [f] }))));
    expect(many.windows.length).toBe(one.windows.length);
    expect(many.windows.map((x) => [x.startSec, x.port, ...x.values])).toEqual(one.windows.map((x) => [x.startSec, x.port, ...x.values]));
    expect(FEATURE_NAMES.length).toBe(FEATURE_COUNT);
  });
});
