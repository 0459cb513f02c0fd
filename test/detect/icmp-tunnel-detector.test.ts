import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { createIcmpTunnelDetector } from '../../src/detect/icmp-tunnel-detector.js';
import type { Finding, FlowRecord, IcmpEcho } from '../../src/types.js';
import { batch, echo, flow } from './make-records.js';
import { findingsResumed } from './findings-resumed.js';

const T0 = 1_600_000_000;

function run(echoes: IcmpEcho[], flows: FlowRecord[] = []): Finding[] {
  const d = createIcmpTunnelDetector(DEFAULT_SETTINGS);
  return [...d.push(batch({ echoes, flows })), ...d.flush()];
}

function pings(n: number, payload: number, intervalSec: number, src = '10.0.2.15', dst = '54.144.215.114'): IcmpEcho[] {
  const out: IcmpEcho[] = [];
  for (let i = 0; i < n; i++) {
    out.push(echo({ ts: T0 + i * intervalSec, src, dst, type: 8, seq: i, payloadBytes: payload }));
    out.push(echo({ ts: T0 + i * intervalSec + 0.02, src: dst, dst: src, type: 0, seq: i, payloadBytes: payload }));
  }
  return out;
}

describe('tunnel.icmp', () => {
  it('stays quiet for ping (56 B, 1/s) and Windows ping (32 B), IPv6 ping too', () => {
    expect(run(pings(100, 56, 1))).toEqual([]);
    expect(run(pings(4, 32, 1))).toEqual([]);
    const v6 = pings(10, 56, 1, 'fe80::1', 'fe80::2').map((e) => ({ ...e, type: e.type === 8 ? 128 : 129 }));
    expect(run(v6)).toEqual([]);
  });

  it('fires on payloads over ping size (hping3 95-byte echoes every 5 s)', () => {
    const found = run(pings(5, 95, 5));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'tunnel.icmp', src: '10.0.2.15', dst: '54.144.215.114', proto: 'icmp' });
    expect(found[0]!.evidence.signals).toMatchObject({ overPingSize: true });
  });

  it('fires on varying payload sizes (PyExfil)', () => {
    const sizes = [45, 516, 92, 4, 43];
    const echoes = sizes.map((s, i) => echo({ ts: T0 + i, src: '10.0.0.1', dst: '8.8.4.4', seq: i, payloadBytes: s }));
    const found = run(echoes);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.signals).toMatchObject({ variedSizes: true });
  });

  it('fires on requests streamed at a high rate with ping-sized payloads (Icmp-File-Transfer)', () => {
    const requests = Array.from({ length: 9 }, (_, i) => echo({ ts: T0 + i * 0.0005, src: '10.0.2.15', dst: '54.144.215.114', seq: i, payloadBytes: 56 }));
    const replies = requests.slice(0, 8).map((e) => echo({ ...e, ts: e.ts + 0.01, src: e.dst, dst: e.src, type: 0 }));
    const found = run([...requests, ...replies]);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.signals).toMatchObject({ rate: true });
    expect(found[0]!.evidence.backToBackRequests).toBe(9);
  });

  it('does not call a stream of one repeated payload a tunnel (hping3 --icmp flood at a host that does not answer)', () => {
    // Every request repeats the one before (payloadHash equal): a flood, which rate.spike reports.
    const flood = Array.from({ length: 400 }, (_, i) => echo({ ts: T0 + i * 0.0023, src: '10.77.0.66', dst: '10.77.0.20', seq: i, payloadBytes: 56, payloadHash: 0x1234 }));
    expect(run(flood)).toEqual([]);
    // The same stream with changing payloads (data) is a tunnel; so is one whose payloads were not captured (hash 0: unknown).
    const data = flood.map((e, i) => ({ ...e, payloadHash: 1 + i }));
    const found = run(data);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence).toMatchObject({ repeatedPayloadRequests: 0, signals: { rate: true } });
    expect(run(flood.map((e) => ({ ...e, payloadHash: 0 })))).toHaveLength(1);
    // At most half the requests may repeat the one before: a tunnel's idle polls among its data still fire.
    const half = flood.map((e, i) => ({ ...e, payloadHash: i % 2 === 0 ? 7 : 1 + i }));
    expect(run(half)).toHaveLength(1);
    const mostly = flood.map((e, i) => ({ ...e, payloadHash: i % 5 === 0 ? 1 + i : 7 }));
    expect(run(mostly)).toEqual([]);
  });

  it('restored in the middle of a repeated-payload stream, reports what the uninterrupted run reports', () => {
    const flood = Array.from({ length: 40 }, (_, i) => echo({ ts: T0 + i * 0.01, src: '10.0.0.1', dst: '10.0.0.2', seq: i, payloadBytes: 56, payloadHash: i < 30 ? 5 : 6 + i }));
    const whole = run(flood);
    const resumed = findingsResumed(() => createIcmpTunnelDetector(DEFAULT_SETTINGS), batch({ echoes: flood.slice(0, 25) }), batch({ echoes: flood.slice(25) }));
    expect(whole).toEqual([]);
    expect(resumed).toEqual(whole);
  });

  it('stays quiet for a fast ping that alternates request and reply (ping -i 0.01)', () => {
    expect(run(pings(5, 52, 0.016))).toEqual([]);
    expect(run(pings(50, 56, 0.01))).toEqual([]);
  });

  it('fires, low, on one echo above the large size (Snort "Large ICMP Packet")', () => {
    const found = run([echo({ ts: T0, src: '10.0.0.1', dst: '54.1.1.1', payloadBytes: 1444 })]);
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('low');
  });

  it('works from ICMP flow totals (flow logs) and ignores flows of pairs seen as packets', () => {
    const f = flow({ ts: T0, origH: '10.0.0.1', respH: '1.2.3.4', respP: 0, origP: 8, proto: 'icmp', connState: 'OTH', duration: 60, origPkts: 60, origIpBytes: 60 * (28 + 500), respPkts: 60, respIpBytes: 60 * (28 + 500) });
    const found = run([], [f]);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.basis).toBe('flows');
    const normal = { ...f, origIpBytes: 60 * 84, respIpBytes: 60 * 84 };
    expect(run([], [normal])).toEqual([]);
    // Whole-frame counters (Argus: + 14 bytes Ethernet) of ordinary pings stay quiet too.
    const frames = { ...f, origPkts: 3, respPkts: 3, duration: 2, origIpBytes: 3 * 98, respIpBytes: 3 * 98 };
    expect(run([], [frames])).toEqual([]);
    // The same pair as packets: the flow is not counted twice.
    const withEchoes = run(pings(3, 56, 1, '10.0.0.1', '1.2.3.4'), [f]);
    expect(withEchoes).toEqual([]);
  });
});

describe('tunnel.icmp state of pairs with one request size', () => {
  // A pair holds its first request size without a set until a second one comes; findings and snapshots see the sizes as a set.
  const sizes = [45, 45, 45, 516, 92, 4, 43];
  const echoes = sizes.map((s, i) => echo({ ts: T0 + i, src: '10.0.0.1', dst: '8.8.4.4', seq: i, payloadBytes: s }));

  it('counts the first size once when more sizes come', () => {
    const found = run(echoes);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.distinctRequestSizes).toEqual([4, 43, 45, 92, 516]);
    expect(found[0]!.summary).toContain('5 distinct request sizes');
  });

  it('snapshots a one-size pair with its sizes as a set, and no other field', () => {
    const d = createIcmpTunnelDetector(DEFAULT_SETTINGS);
    d.push(batch({ echoes: echoes.slice(0, 2) }));
    const state = JSON.parse(JSON.stringify(d.snapshot())) as { pairs: { rows: Record<string, unknown>[] } };
    const row = state.pairs.rows[0]!;
    expect(row.sizes).toEqual({ $set: [45] });
    expect(row).not.toHaveProperty('soleSize');
  });

  it('restored while it has one size, reports what the uninterrupted run reports', () => {
    const whole = run(echoes);
    const resumed = findingsResumed(() => createIcmpTunnelDetector(DEFAULT_SETTINGS), batch({ echoes: echoes.slice(0, 3) }), batch({ echoes: echoes.slice(3) }));
    expect(resumed).toEqual(whole);
  });
});

describe('tunnel.icmp pairs keyed by their addresses (no key strings)', () => {
  const f = flow({ ts: T0 + 10, origH: '10.0.0.1', respH: '1.2.3.4', respP: 0, origP: 8, proto: 'icmp', connState: 'OTH', duration: 60, origPkts: 60, origIpBytes: 60 * (28 + 500), respPkts: 60, respIpBytes: 60 * (28 + 500) });

  it('snapshots each pair with its key string and the echo pairs as a set of key strings', () => {
    const d = createIcmpTunnelDetector(DEFAULT_SETTINGS);
    d.push(batch({ echoes: pings(2, 56, 1, '10.0.0.1', '1.2.3.4') }));
    const state = JSON.parse(JSON.stringify(d.snapshot())) as { pairs: { rows: Record<string, unknown>[] }; echoPairs: unknown };
    expect(state.pairs.rows).toHaveLength(1);
    expect(state.pairs.rows[0]!.key).toBe('10.0.0.1|1.2.3.4');
    expect(state.pairs.rows[0]).not.toHaveProperty('hash');
    expect(state.pairs.rows[0]).not.toHaveProperty('pos');
    expect(state.echoPairs).toEqual({ $set: ['10.0.0.1|1.2.3.4'] });
  });

  it('restored, still ignores the flows of a pair seen as packets and counts its echoes in the same row', () => {
    const echoes = pings(6, 95, 1, '10.0.0.1', '1.2.3.4');
    const whole = run(echoes, [f]);
    // The flow comes after the restore with no echo of its pair in its batch: only the restored echo pairs can set it aside.
    const resumed = findingsResumed(() => createIcmpTunnelDetector(DEFAULT_SETTINGS), batch({ echoes }), batch({ flows: [f] }));
    expect(whole).toHaveLength(1);
    expect(whole[0]!.evidence).toMatchObject({ basis: 'packets', requests: 6, replies: 6 });
    expect(resumed).toEqual(whole);
  });
});
