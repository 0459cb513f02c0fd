import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { decodeState } from '../../src/detect/plain-state.js';
import { createRateSpikeDetector, type RateSpikeOptions } from '../../src/detect/rate-spike-detector.js';
import type { Finding, FlowRecord, PacketTick, RecordBatch } from '../../src/types.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';
import { batch, flow, tick } from './make-records.js';

const T0 = 1_650_000_000;
const HOST = '10.0.0.80';

/** Per-second ticks to HOST:80 from a rate function of the second index. */
function ticks(seconds: number, pps: (i: number) => number, start = T0): PacketTick[] {
  const out: PacketTick[] = [];
  for (let i = 0; i < seconds; i++) {
    const n = pps(i);
    if (n > 0) out.push(tick({ sec: start + i, dst: HOST, port: 80, pkts: n }));
  }
  return out;
}

/** Tick-only tests have no flows to count connections with: those use rateMinConnections 1. */
const TICKS_ONLY = { ...DEFAULT_SETTINGS, rateMinConnections: 1 };

function run(t: PacketTick[], flows: FlowRecord[] = [], options: RateSpikeOptions = {}, settings = flows.length ? DEFAULT_SETTINGS : TICKS_ONLY): Finding[] {
  const d = createRateSpikeDetector(settings, options);
  const out: Finding[] = [];
  // Feed in batches of 50 ticks, as a capture reader would.
  for (let i = 0; i < t.length; i += 50) out.push(...d.push(batch({ ticks: t.slice(i, i + 50) })));
  if (flows.length) out.push(...d.push(batch({ flows })));
  return [...out, ...d.flush()];
}

describe('rate.spike', () => {
  it('fires on 5 s at 100 pps after 5 min at 5 pps, not on 4 s', () => {
    const five = run(ticks(400, (i) => (i >= 300 && i < 305 ? 100 : 5)));
    expect(five).toHaveLength(1);
    expect(five[0]).toMatchObject({ kind: 'rate.spike', dst: HOST, port: 80, proto: 'tcp', src: null, ts: T0 + 300, end: T0 + 305 });
    expect(five[0]!.evidence).toMatchObject({ seconds: 5, peakPps: 100, baseline: 'online', normalPps: 5 });
    expect(run(ticks(400, (i) => (i >= 300 && i < 304 ? 100 : 5)))).toEqual([]);
  });

  it('stays quiet for a busy web server: steady 40 pps with 2-second bursts of 300 pps', () => {
    expect(run(ticks(900, (i) => (i % 30 < 2 ? 300 : 40)))).toEqual([]);
  });

  it('stays quiet for a steady stream above 20 pps from the start of the run (a control stream)', () => {
    expect(run(ticks(900, () => 50))).toEqual([]);
  });

  it('needs the rate to be well above the earlier peak, not just above 20 pps', () => {
    // Earlier 10-s peaks around 40 pps; 90 pps for 20 s is not 3x that.
    expect(run(ticks(600, (i) => (i >= 400 && i < 420 ? 90 : i % 20 < 10 ? 40 : 10)))).toEqual([]);
  });

  it('fires on a flood at the very start of a capture only above the no-baseline bar (200 pps)', () => {
    const flood = run(ticks(30, () => 1600));
    expect(flood).toHaveLength(1);
    expect(flood[0]!.evidence.baseline).toBe('none');
    expect(flood[0]!.severity).toBe('medium');
    expect(run(ticks(30, () => 150))).toEqual([]);
  });

  it('uses a learned peak from a model when one is given', () => {
    const t = ticks(400, (i) => (i >= 300 && i < 320 ? 100 : 5));
    expect(run(t, [], { learnedPeakPps: () => 50 })).toEqual([]);
    const f = run(t, [], { learnedPeakPps: () => 10 });
    expect(f).toHaveLength(1);
    expect(f[0]!.evidence.baseline).toBe('model');
  });

  it('spreads flow-log packets evenly over each flow (no ticks)', () => {
    // 10 min of background flows at ~2 pps, then 30 flows of 100 packets each within 30 s (100 pps).
    const bg = Array.from({ length: 60 }, (_, i) => flow({ ts: T0 + i * 10, origH: '10.0.0.5', respH: HOST, respP: 80, connState: 'SF', duration: 10, origPkts: 20, respPkts: 20 }));
    const burst = Array.from({ length: 30 }, (_, i) => flow({ ts: T0 + 700 + i, origH: '10.0.0.6', respH: HOST, respP: 80, connState: 'SF', duration: 0.9, origPkts: 100, respPkts: 10 }));
    const found = run([], [...bg, ...burst]);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence).toMatchObject({ basis: 'flows', seconds: 30, connections: 30 });
    // The same packets spread over 10 minutes are 5 pps: quiet.
    expect(run([], [...bg, ...burst.map((f, i) => ({ ...f, ts: T0 + 700 + i * 20, duration: 19 }))])).toEqual([]);
  });

  it('reports a spike carried by completed exchanges (a busy client) at most low, a flood of failed connections by its ratio', () => {
    const bg = Array.from({ length: 60 }, (_, i) => flow({ ts: T0 + i * 10, origH: '10.0.0.5', respH: HOST, respP: 80, connState: 'SF', duration: 10, origPkts: 20, respPkts: 20 }));
    // 40 requests a second for 30 s, 10 packets each way, answered with a page: a curl loop.
    const requests = Array.from({ length: 1200 }, (_, i) => flow({ ts: T0 + 700 + i / 40, origH: '10.0.0.6', respH: HOST, respP: 80, connState: 'SF', history: 'ShADadFf', duration: 0.02, origPkts: 5, respPkts: 5, origBytes: 80, respBytes: 4000 }));
    const busy = run([], [...bg, ...requests]);
    expect(busy).toHaveLength(1);
    expect(busy[0]!.severity).toBe('low');
    expect(busy[0]!.evidence).toMatchObject({ connections: 1200, completedConnections: 1200 });
    expect(busy[0]!.summary).toContain('1200 of 1200 connections were completed exchanges');
    // The same packets as SYNs rejected by the server (a SYN flood): the severity of the ratio, and no such note.
    const flood = run([], [...bg, ...requests.map((f) => ({ ...f, connState: 'REJ', history: 'Sr', origBytes: 0, respBytes: 0 }))]);
    expect(flood).toHaveLength(1);
    expect(flood[0]!.severity).not.toBe('low');
    expect(flood[0]!.evidence).toMatchObject({ connections: 1200, completedConnections: 0 });
    expect(flood[0]!.summary).not.toContain('completed exchanges');
    // Connections opened and held without an answer carrying data (a connection flood) are not exchanges either.
    const held = run([], [...bg, ...requests.map((f) => ({ ...f, connState: 'S1', history: 'ShA', origBytes: 0, respBytes: 0 }))]);
    expect(held[0]!.severity).toBe(flood[0]!.severity);
  });

  it('does not report one busy connection (a download, a call): a flood opens many', () => {
    const bg = Array.from({ length: 60 }, (_, i) => flow({ ts: T0 + i * 10, origH: '10.0.0.5', respH: HOST, respP: 443, connState: 'SF', duration: 10, origPkts: 20, respPkts: 20 }));
    const download = flow({ ts: T0 + 700, origH: '10.0.0.6', respH: HOST, respP: 80, connState: 'SF', duration: 60, origPkts: 30000, respPkts: 60000 });
    expect(run([], [...bg, download])).toEqual([]);
  });

  it('fires on a service first seen after the run began (silent before: baseline 0) at 30 pps for 5 s', () => {
    const other = ticks(120, () => 3).map((t) => ({ ...t, port: 443 }));
    const flood = ticks(5, () => 30, T0 + 60);
    const found = run([...other, ...flood].sort((a, b) => a.sec - b.sec));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ port: 80, ts: T0 + 60 });
    expect(found[0]!.evidence).toMatchObject({ baseline: 'online', normalPps: 0 });
  });

  it('names the host that sent most of the packets as the source, from the flows', () => {
    const flood = ticks(10, () => 100, T0 + 60);
    const other = ticks(120, () => 3).map((t) => ({ ...t, port: 443 }));
    const flows = [
      ...Array.from({ length: 99 }, (_, i) => flow({ ts: T0 + 60 + i * 0.1, origH: '10.77.0.66', respH: HOST, respP: 80, origPkts: 10 })),
      flow({ ts: T0 + 61, origH: '10.77.0.10', respH: HOST, respP: 80, connState: 'SF', duration: 1, origPkts: 10, respPkts: 10 }),
    ];
    const found = run([...other, ...flood].sort((a, b) => a.sec - b.sec), flows);
    expect(found).toHaveLength(1);
    expect(found[0]!.src).toBe('10.77.0.66');
    expect(found[0]!.evidence.topSenderShare).toBe(0.99);
  });

  it('does not report packets to a client endpoint (replies to its own connections: a download, a scan)', () => {
    const replies = ticks(20, () => 200, T0 + 60).map((t) => ({ ...t, dst: '10.77.0.66', port: 50041 }));
    const other = ticks(120, () => 3).map((t) => ({ ...t, port: 443 }));
    const scanFlows = Array.from({ length: 50 }, (_, i) => flow({ ts: T0 + 60 + i * 0.2, origH: '10.77.0.66', origP: 50041, respH: HOST, respP: 1000 + i, connState: 'REJ', origPkts: 80, respPkts: 80 }));
    expect(run([...other, ...replies].sort((a, b) => a.sec - b.sec), scanFlows)).toEqual([]);
  });

  it('reports an ICMP echo flood of one pair at the flooded host, from the flooder, and not the echo replies at the flooder', () => {
    // A capture of hping3 --icmp: ticks at port 0 both ways (ICMP has no ports), one Zeek-style ICMP
    // connection for all echoes of the pair (orig_p 8, resp_p 0), so no count of connections tells it
    // from a ping; the replies come back to the flooder at the same rate.
    const other = ticks(120, () => 3).map((t) => ({ ...t, port: 443 }));
    const requests = ticks(15, () => 400, T0 + 60).map((t) => ({ ...t, port: 0, proto: 'icmp' as const }));
    const replies = requests.map((t) => ({ ...t, dst: '10.77.0.66' }));
    const echoFlow = flow({ ts: T0 + 60, origH: '10.77.0.66', origP: 8, respH: HOST, respP: 0, proto: 'icmp', connState: 'OTH', history: null, duration: 15, origPkts: 6000, respPkts: 6000 });
    const found = run([...other, ...requests, ...replies].sort((a, b) => a.sec - b.sec), [echoFlow]);
    expect(found.map((f) => [f.kind, f.src, f.dst, f.port, f.proto])).toEqual([['rate.spike', '10.77.0.66', HOST, 0, 'icmp']]);
  });

  it('does not report a fast ping of one pair (50/s for 10 s, under the 200-pps flood bar): one ICMP connection is no count of floods', () => {
    const other = ticks(120, () => 3).map((t) => ({ ...t, port: 443 }));
    const requests = ticks(10, () => 50, T0 + 60).map((t) => ({ ...t, port: 0, proto: 'icmp' as const }));
    const replies = requests.map((t) => ({ ...t, dst: '10.77.0.10' }));
    const pingFlow = flow({ ts: T0 + 60, origH: '10.77.0.10', origP: 8, respH: HOST, respP: 0, proto: 'icmp', connState: 'OTH', history: null, duration: 10, origPkts: 500, respPkts: 500 });
    expect(run([...other, ...requests, ...replies].sort((a, b) => a.sec - b.sec), [pingFlow])).toEqual([]);
  });

  it('treats an input from much earlier as a new time line, not as late records', () => {
    const today = ticks(400, (i) => (i >= 300 && i < 305 ? 100 : 5));
    const lastYear = ticks(400, (i) => (i >= 300 && i < 305 ? 100 : 5), T0 - 365 * 86400);
    const d = createRateSpikeDetector(TICKS_ONLY);
    const out = [...d.push(batch({ ticks: today })), ...d.push(batch({ ticks: lastYear })), ...d.flush()];
    expect(out.map((f) => f.ts)).toEqual([T0 + 300, T0 - 365 * 86400 + 300]);
    expect(d.stats?.()).toMatchObject({ lateRecords: 0 });
  });

  it('reports records later than the lateness as late instead of counting them', () => {
    const d = createRateSpikeDetector(DEFAULT_SETTINGS);
    d.push(batch({ ticks: ticks(600, () => 1) }));
    d.push(batch({ ticks: [tick({ sec: T0 + 10, dst: HOST, port: 80, pkts: 5 })] }));
    expect(d.stats?.()).toMatchObject({ lateRecords: 1 });
  });

  it('keeps at most rateMaxSenders senders and rateMaxFlowStartSeconds seconds of connection starts per key, counting what it drops', () => {
    // 40 hosts, one flow a second each second for 400 s, to HOST:80.
    const flows = Array.from({ length: 400 }, (_, i) => flow({ ts: T0 + i, origH: `10.3.0.${i % 40}`, respH: HOST, respP: 80, origPkts: 3 }));
    const d = createRateSpikeDetector({ ...DEFAULT_SETTINGS, rateMaxSenders: 8, rateMaxFlowStartSeconds: 50 });
    d.push(batch({ flows }));
    d.flush();
    // Flows 0-32 (99 packets) are under the attribution gate. Of the other 367, the 79 of the first 8 hosts
    // (10.3.0.33-39: 10 flows each, 10.3.0.0: 9) are counted, and the starts of the first 50 seconds.
    expect(d.stats?.()).toMatchObject({ sendersDropped: 367 - 79, flowStartsDropped: 367 - 50 });
  });

  it('once a key\'s senders are full, still counts its own senders and drops others, whatever their host ids (also after a restore)', () => {
    // Hosts 10.3.0.0-13 get interleaved ids as senders to HOST:443 (even) and HOST:8443 (odd), each table full at 8.
    // HOST:80's table then fills with 10.9.9.9 and the even hosts: the odd ones have ids below its largest and
    // are not in it; 10.3.1.1 has no id at all.
    const settings = { ...DEFAULT_SETTINGS, rateMaxSenders: 8 };
    const gate = (port: number, ts: number) => flow({ ts, origH: '10.9.9.9', respH: HOST, respP: port, origPkts: 200 });
    const fill = [gate(443, T0), gate(8443, T0), ...Array.from({ length: 14 }, (_, i) => flow({ ts: T0 + 1 + i, origH: `10.3.0.${i}`, respH: HOST, respP: i % 2 === 0 ? 443 : 8443, origPkts: 1 }))];
    const full = [gate(80, T0 + 20), ...Array.from({ length: 7 }, (_, i) => flow({ ts: T0 + 21 + i, origH: `10.3.0.${2 * i}`, respH: HOST, respP: 80, origPkts: 1 }))];
    const more = [...Array.from({ length: 14 }, (_, i) => flow({ ts: T0 + 30 + i, origH: `10.3.0.${i}`, respH: HOST, respP: 80, origPkts: 1 })), flow({ ts: T0 + 50, origH: '10.3.1.1', respH: HOST, respP: 80, origPkts: 1 })];
    const senders80 = (d: ReturnType<typeof createRateSpikeDetector>) => {
      const keys = (decodeState(d.snapshot()) as { keys: { port: number; senders: Map<string, { pkts: number }> }[] }).keys;
      return [...keys.find((k) => k.port === 80)!.senders].map(([h, c]) => [h, c.pkts]);
    };
    const expected = [['10.9.9.9', 200], ...Array.from({ length: 7 }, (_, i) => [`10.3.0.${2 * i}`, 2])];
    const d = createRateSpikeDetector(settings);
    d.push(batch({ flows: [...fill, ...full, ...more] }));
    expect(d.stats?.()).toMatchObject({ sendersDropped: 8 });
    expect(senders80(d)).toEqual(expected);
    const before = createRateSpikeDetector(settings);
    before.push(batch({ flows: [...fill, ...full] }));
    const restored = createRateSpikeDetector(settings);
    restored.restore(before.snapshot());
    restored.push(batch({ flows: more }));
    expect(restored.stats?.()).toMatchObject({ sendersDropped: 8 });
    expect(senders80(restored)).toEqual(expected);
  });

  it('keeps a key\'s flow starts and completed exchanges by second, in the checkpoint form and through a restore', () => {
    // A gate flow of 200 packets (counted: the key is past the gate with it), then per second two failed
    // attempts and one completed exchange, at T0+1..T0+3.
    const gate = flow({ ts: T0, origH: '10.9.9.9', respH: HOST, respP: 80, origPkts: 200 });
    const failed = (ts: number) => flow({ ts, origH: '10.3.0.1', respH: HOST, respP: 80, origPkts: 1, respPkts: 0, respBytes: 0, history: 'S' });
    const done = (ts: number) => flow({ ts, origH: '10.3.0.2', respH: HOST, respP: 80, origPkts: 3, respPkts: 3, respBytes: 500, history: 'ShADadfF', connState: 'SF' });
    const flows = [gate, ...[1, 2, 3].flatMap((i) => [failed(T0 + i), done(T0 + i + 0.5), failed(T0 + i + 0.7)])];
    const starts = (d: ReturnType<typeof createRateSpikeDetector>) => {
      const k = (decodeState(d.snapshot()) as { keys: { flowStarts: Map<number, number>; completedStarts: Map<number, number> }[] }).keys[0]!;
      return [[...k.flowStarts], [...k.completedStarts]];
    };
    const expected = [[[T0, 1], ...[1, 2, 3].map((i) => [T0 + i, 3])], [1, 2, 3].map((i) => [T0 + i, 1])];
    const d = createRateSpikeDetector(DEFAULT_SETTINGS);
    d.push(batch({ flows }));
    expect(starts(d)).toEqual(expected);
    const restored = createRateSpikeDetector(DEFAULT_SETTINGS);
    restored.restore(d.snapshot());
    expect(starts(restored)).toEqual(expected);
    restored.push(batch({ flows: [done(T0 + 4)] }));
    expect(starts(restored)).toEqual([[...expected[0]!, [T0 + 4, 1]], [...expected[1]!, [T0 + 4, 1]]]);
  });

  it('reports the spike of a key evicted at the cap as it would have without the cap; keys too small for one go unfinalized', () => {
    // HOST floods for 10 s, then 400 small keys (3 packets each) arrive: HOST is the least recently active key at the cap of 100.
    const small: PacketTick[] = [];
    for (let i = 0; i < 400; i++) small.push(tick({ sec: T0 + 11 + Math.floor(i / 40), dst: `10.9.${i >> 8}.${i & 255}`, port: 443, pkts: 3 }));
    const all = [...ticks(10, () => 1600), ...small];
    const capped = run(all, [], {}, { ...TICKS_ONLY, rateMaxKeys: 100 });
    expect(capped).toHaveLength(1);
    expect(capped[0]).toMatchObject({ dst: HOST, port: 80, ts: T0, end: T0 + 10 });
    expect(capped).toEqual(run(all));
  });

  it('gives the same findings and counts when restored from a checkpoint amid key evictions and attributed senders', () => {
    // Many one-flow keys (evicted at the cap of 100), a busy key with many senders, and a flood from one host.
    const flows: FlowRecord[] = [];
    for (let i = 0; i < 900; i++) {
      const ts = T0 + i;
      flows.push(flow({ ts, origH: `10.1.${i % 7}.${i % 200}`, respH: `10.2.${Math.floor(i / 250)}.${i % 250}`, respP: 443, origPkts: 3 }));
      flows.push(flow({ ts, origH: `10.3.0.${i % 40}`, respH: HOST, respP: 80, connState: 'SF', duration: 1, origPkts: 3, respPkts: 3 }));
      if (i >= 600 && i < 640) for (let j = 0; j < 5; j++) flows.push(flow({ ts: ts + j * 0.2, origH: '10.77.0.66', respH: HOST, respP: 80, origPkts: 40 }));
    }
    const settings = { ...DEFAULT_SETTINGS, rateMaxKeys: 100 };
    const batches = Array.from({ length: Math.ceil(flows.length / 64) }, (_, i) => batch({ flows: flows.slice(i * 64, i * 64 + 64) }));
    const whole = createRateSpikeDetector(settings);
    const expected = [...batches.flatMap((b) => whole.push(b)), ...whole.flush()];
    expect(expected.map((f) => [f.dst, f.port, f.src])).toEqual([[HOST, 80, '10.77.0.66']]);
    expect(whole.stats?.()).toMatchObject({ evictedKeys: expect.any(Number) });
    expect(Number(whole.stats?.().evictedKeys)).toBeGreaterThan(500);

    let d = createRateSpikeDetector(settings);
    const got: Finding[] = [];
    batches.forEach((b, i) => {
      if (i % 9 === 4) {
        const next = createRateSpikeDetector(settings);
        next.restore(JSON.parse(JSON.stringify(d.snapshot())));
        d = next;
      }
      got.push(...d.push(b));
    });
    got.push(...d.flush());
    expect(got).toEqual(expected);
    expect(d.stats?.()).toEqual(whole.stats?.());
  });
  it('reports and holds what finalizing every key at each pass does (lazy keys replayed exactly): random traffic', () => {
    // The same batches to a detector with lazy keys, one finalizing every key at each pass, and one
    // restored from its own checkpoint now and then (restored keys are eager until a record lets them
    // go lazy again): the same findings from each push, the same counts, the same snapshots.
    const settings = { ...DEFAULT_SETTINGS, rateLatenessSec: 20, rateKeyIdleSec: 400, reportDelaySec: 60, rateMaxSenders: 8, rateMaxKeys: 120 };
    for (let seed = 1; seed <= 5; seed++) expectLazyAsEager(settings, randomTraffic(seed));
  });

  it('reports and holds what finalizing every key at each pass does: capture-like ticks to many client ports (keys held as rows)', () => {
    // Client ports getting a few ticks of replies (rows), some again after passes (made keys by a
    // replay), flows from them (client-side counts kept in the row), late ticks, idle keys dropped,
    // and with a small cap evictions (rows evicted as rows, beside key objects); floods on a server port.
    const small = { ...DEFAULT_SETTINGS, ratePps: 3, rateMinSeconds: 3, rateMinConnections: 2, rateLatenessSec: 20, rateKeyIdleSec: 150, reportDelaySec: 30, rateMaxSenders: 8 };
    const one = captureLikeTraffic(1);
    expectLazyAsEager({ ...small, rateMaxKeys: 100_000 }, one);
    expectLazyAsEager({ ...small, rateMaxKeys: 900 }, one);
    expectLazyAsEager({ ...DEFAULT_SETTINGS, rateLatenessSec: 20, rateKeyIdleSec: 150, rateMinConnections: 2 }, captureLikeTraffic(2));
  });

  it('reports and holds what finalizing every key at each pass does: a new key per packet, its flow seconds later (flows to rows of ticks), past a small cap', () => {
    const small = { ...DEFAULT_SETTINGS, ratePps: 3, rateMinSeconds: 3, rateMinConnections: 2, rateLatenessSec: 20, rateKeyIdleSec: 150, reportDelaySec: 30, rateMaxSenders: 8 };
    const one = perPacketLikeTraffic(1);
    expectLazyAsEager({ ...small, rateMaxKeys: 100_000 }, one);
    expectLazyAsEager({ ...small, rateMaxKeys: 700 }, one);
    expectLazyAsEager({ ...small, rateMaxKeys: 700 }, perPacketLikeTraffic(2));
  });

  it('reports and holds what finalizing every key at each pass does: scan-like flows to many ports (keys of flows held as rows)', () => {
    // One-flow keys (rows), some getting more flows (counted on the row, or made keys: past the
    // attribution gate, too many, before the first second, after a pass), late and long flows, ticks
    // to keys of flows and flows from them, idle keys dropped, and with a small cap evictions of rows and keys.
    const small = { ...DEFAULT_SETTINGS, ratePps: 3, rateMinSeconds: 3, rateMinConnections: 2, rateLatenessSec: 20, rateKeyIdleSec: 150, reportDelaySec: 30, rateMaxSenders: 8 };
    const one = scanLikeTraffic(1);
    expectLazyAsEager({ ...small, rateMaxKeys: 100_000 }, one);
    expectLazyAsEager({ ...small, rateMaxKeys: 1500 }, one);
    expectLazyAsEager({ ...DEFAULT_SETTINGS, rateLatenessSec: 20, rateKeyIdleSec: 150, rateMinConnections: 2 }, scanLikeTraffic(2));
  });
});

/**
 * Pushes the batches to a detector with lazy keys, one finalizing every key at each pass (no lazy
 * keys, no rows), and one restored from its own checkpoint now and then: expects the same findings
 * from each push, the same counts and the same snapshots, and some findings.
 */
function expectLazyAsEager(settings: typeof DEFAULT_SETTINGS, batches: RecordBatch[]): void {
  const lazy = createRateSpikeDetector(settings);
  const eager = createRateSpikeDetector(settings, { eager: true });
  let restored = createRateSpikeDetector(settings);
  let findings = 0;
  batches.forEach((b, i) => {
    if (i % 13 === 7) {
      const held = JSON.parse(JSON.stringify(restored.snapshot())) as unknown;
      expect(held).toEqual(JSON.parse(JSON.stringify(eager.snapshot())));
      restored = createRateSpikeDetector(settings);
      restored.restore(held);
    }
    if (i % 29 === 11) expect(JSON.parse(JSON.stringify(lazy.snapshot()))).toEqual(JSON.parse(JSON.stringify(eager.snapshot())));
    const want = eager.push(b);
    findings += want.length;
    expect(lazy.push(b)).toEqual(want);
    expect(restored.push(b)).toEqual(want);
  });
  const want = eager.flush();
  expect(lazy.flush()).toEqual(want);
  expect(restored.flush()).toEqual(want);
  expect(findings + want.length).toBeGreaterThan(2);
  expect(lazy.stats?.()).toEqual(eager.stats?.());
  expect(restored.stats?.()).toEqual(eager.stats?.());
}

/**
 * 1000 s of capture-like records in batches: each second a few connections
 * from 40 clients to 6 servers (port 80), ticks both ways (to the server
 * port, and 1 to 4 seconds of replies to the client's port, some late,
 * the port reused now and then after a pause, a reply now and then out of
 * order or after a pause), the connection's flow, and
 * a flood of many connections on one server every 400 s. Half the ticks
 * carry their address as a number, as a capture's do.
 */
/**
 * The one-flow-per-packet capture in small: each second some packets to new (host, port) keys (a
 * tick each), the flow of each coming a few seconds later (most with one packet; now and then a
 * key gets many, past the attribution gate, or a second tick), and a flood on one server port.
 */
function perPacketLikeTraffic(seed: number): RecordBatch[] {
  const rand = createSeededRandom(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const out: RecordBatch[] = [];
  const due = new Map<number, FlowRecord[]>();
  let flows: FlowRecord[] = [];
  let ticksOf: PacketTick[] = [];
  for (let sec = 0; sec < 600; sec++) {
    flows.push(...(due.get(sec) ?? []));
    const flood = sec % 200 >= 100 && sec % 200 < 115;
    if (flood) {
      ticksOf.push(tick({ sec: T0 + sec, dst: '10.9.9.9', port: 80, pkts: 40 }));
      for (let j = 0; j < 6; j++) flows.push(flow({ ts: T0 + sec + rand() * 0.9, origH: `203.0.113.${pick(200)}`, respH: '10.9.9.9', respP: 80, origPkts: 6, respPkts: 0, duration: 0 }));
    }
    for (let j = 5 + pick(10); j > 0; j--) {
      const dst = `10.${pick(4)}.${pick(250)}.${1 + pick(250)}`;
      const port = 1 + pick(2000);
      ticksOf.push(tick({ sec: T0 + sec, dst, port, pkts: 1 }));
      if (rand() < 0.05) ticksOf.push(tick({ sec: T0 + sec + 1, dst, port, pkts: 1 }));
      const at = sec + 1 + pick(8);
      const many = rand() < 0.03 ? 12 : 1;
      for (let k = 0; k < many; k++) {
        const f = flow({ ts: T0 + sec + rand() * 0.9, origH: `198.51.${pick(200)}.${pick(250)}`, respH: dst, respP: port, origPkts: 1, respPkts: 0, duration: 0 });
        due.set(at, [...(due.get(at) ?? []), f]);
      }
    }
    if (sec % 5 === 4) {
      out.push(batch({ flows: flows.sort((a, b) => a.ts - b.ts), ticks: ticksOf }));
      flows = [];
      ticksOf = [];
    }
  }
  out.push(batch({ flows, ticks: ticksOf }));
  return out;
}

function captureLikeTraffic(seed: number): RecordBatch[] {
  const rand = createSeededRandom(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const out: RecordBatch[] = [];
  let flows: FlowRecord[] = [];
  let ticksOf: PacketTick[] = [];
  const v4 = (host: string): number => host.split('.').reduce((a, x) => a * 256 + Number(x), 0);
  const tickTo = (sec: number, dst: string, port: number, pkts: number): void => {
    const t = tick({ sec, dst, port, pkts });
    ticksOf.push(rand() < 0.5 ? { ...t, dstV4: v4(dst) } : t);
  };
  /** Replies that come after a pause, by second (emitted in their second, as a capture's are). */
  const laterReplies = new Map<number, [string, number][]>();
  for (let sec = 0; sec < 1000; sec++) {
    for (const [client, port] of laterReplies.get(sec) ?? []) tickTo(T0 + sec, client, port, 1 + pick(3));
    const flood = sec % 400 >= 150 && sec % 400 < 170;
    for (let j = flood ? 12 : 1 + pick(4); j > 0; j--) {
      const client = `10.1.0.${pick(40)}`;
      const server = `10.2.0.${flood ? 1 : pick(6)}`;
      const origP = rand() < 0.1 ? 50000 + pick(20) : 30000 + pick(20000);
      const replySecs = 1 + pick(4);
      const late = rand() < 0.03 ? 5 + pick(40) : 0;
      tickTo(T0 + sec - late, server, 80, 1 + pick(flood ? 20 : 6));
      // Replies, now and then out of order (a key's first tick is not always its first second), and
      // now and then one more after a pause of about a pass or more (a key touched after a pass).
      const backwards = rand() < 0.1;
      for (let s = 0; s < replySecs; s++) tickTo(T0 + sec + (backwards ? replySecs - 1 - s : s) - late, client, origP, 1 + pick(rand() < 0.05 ? 60 : 4));
      if (rand() < 0.15) {
        const at = sec + 15 + pick(20);
        laterReplies.set(at, [...(laterReplies.get(at) ?? []), [client, origP]]);
      }
      flows.push(flow({ ts: T0 + sec - late + rand() * 0.5, origH: client, origP, respH: server, respP: 80, origPkts: 1 + pick(6), respPkts: 1 + pick(6), duration: replySecs }));
    }
    if (sec % 7 === 6) {
      out.push(batch({ flows, ticks: ticksOf }));
      flows = [];
      ticksOf = [];
    }
  }
  out.push(batch({ flows, ticks: ticksOf }));
  return out;
}

/**
 * 1500 s of scan-like flow records in batches: each second a few flows from
 * scanners to one port each of 60 hosts (1 to 3 packets, some lasting a few
 * seconds, some late), a port now and then scanned again (the key's next
 * flow: later, earlier than its first, or with many packets, or late ones
 * with many packets soon after its first), now and then
 * a flow from a scanned host and port (a client-side count on its row) or a
 * tick to a scanned port, and a flood of many connections on one server
 * every 500 s. Ticks and flows share a batch.
 */
function scanLikeTraffic(seed: number): RecordBatch[] {
  const rand = createSeededRandom(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const out: RecordBatch[] = [];
  let flows: FlowRecord[] = [];
  let ticksOf: PacketTick[] = [];
  const scanned: [string, number, number][] = [];
  for (let sec = 0; sec < 1500; sec++) {
    for (let j = 1 + pick(6); j > 0; j--) {
      const late = rand() < 0.04 ? 3 + pick(50) : 0;
      const respH = `10.4.0.${pick(60)}`;
      const respP = 1 + pick(3000);
      flows.push(flow({ ts: T0 + sec - late + rand() * 0.9, origH: `10.9.0.${pick(4)}`, origP: 40000 + pick(20), respH, respP, origPkts: 1 + pick(3), duration: rand() < 0.2 ? pick(6) : 0 }));
      scanned.push([respH, respP, sec]);
    }
    if (scanned.length > 0 && rand() < 0.5) {
      const [respH, respP, at] = scanned[pick(scanned.length)]!;
      const r = rand();
      // Again: a few packets later on; before its first second; a burst past the attribution gate; a long flow.
      const ts = r < 0.15 ? T0 + at - 1 - pick(3) : T0 + Math.max(at, sec - pick(10)) + rand();
      const origPkts = r > 0.9 ? 60 + pick(80) : 1 + pick(5);
      flows.push(flow({ ts, origH: `10.9.0.${pick(6)}`, respH, respP, origPkts, duration: r > 0.8 && r <= 0.9 ? 30 + pick(200) : pick(3) }));
    }
    if (scanned.length > 0 && rand() < 0.3) {
      // A recent key (still a row) gets late flows of many packets: past the attribution gate, not the floor.
      const [respH, respP] = scanned[Math.max(0, scanned.length - 1 - pick(20))]!;
      flows.push(flow({ ts: T0 + sec - 30 - pick(30) + rand(), origH: `10.9.1.${pick(3)}`, respH, respP, origPkts: 40 + pick(40) }));
    }
    if (scanned.length > 0 && rand() < 0.1) {
      const [host, port] = scanned[pick(scanned.length)]!;
      if (rand() < 0.5) flows.push(flow({ ts: T0 + sec + rand(), origH: host, origP: port, respH: '10.8.0.1', respP: 53, origPkts: 1 + pick(4) }));
      else ticksOf.push(tick({ sec: T0 + sec, dst: host, port, pkts: 1 + pick(4) }));
    }
    if (sec % 500 >= 300 && sec % 500 < 320) {
      for (let j = 0; j < 15; j++) flows.push(flow({ ts: T0 + sec + j / 15, origH: `10.66.0.${pick(5)}`, origP: 30000 + pick(1000), respH: '10.2.0.1', respP: 80, origPkts: 2 + pick(6) }));
    }
    if (sec % 5 === 4) {
      out.push(batch({ flows, ticks: ticksOf }));
      flows = [];
      ticksOf = [];
    }
  }
  out.push(batch({ flows, ticks: ticksOf }));
  return out;
}

/**
 * 3000 s of random traffic in batches of flows and ticks: short flows to 36
 * keys (some late, a few long), a steady key, a flood of 30 to 50 s on one
 * key every 500 s, ticks now and then far above the threshold, and many
 * one-flow keys (evicted at a cap of 120).
 */
function randomTraffic(seed: number): RecordBatch[] {
  const rand = createSeededRandom(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const flows: FlowRecord[] = [];
  const ticksOf: PacketTick[] = [];
  for (let sec = 0; sec < 3000; sec++) {
    for (let j = pick(4); j > 0; j--) {
      const late = rand() < 0.05 ? pick(60) : 0;
      const long = rand() < 0.03;
      flows.push(flow({ ts: T0 + sec - late + rand(), origH: `10.1.0.${pick(30)}`, respH: `10.2.0.${pick(12)}`, respP: [80, 443, 53][pick(3)]!, origPkts: 1 + pick(long ? 2000 : 40), duration: long ? 100 + pick(900) : pick(20) }));
    }
    // A steady key whose flows last 40 s: more pending seconds than a key is checked for quiet.
    flows.push(flow({ ts: T0 + sec, origH: `10.5.0.${pick(3)}`, respH: '10.2.0.99', respP: 443, origPkts: 1 + pick(8), duration: 40 }));
    if (sec % 500 >= 200 && sec % 500 < 230 + (seed % 3) * 10) {
      for (let j = 0; j < 30; j++) flows.push(flow({ ts: T0 + sec + j / 30, origH: `10.66.0.${seed % 2 ? 1 : pick(4)}`, respH: `10.2.0.${(sec / 500) | 0}`, respP: 80, origPkts: 5 + pick(10) }));
    }
    if (rand() < 0.3) ticksOf.push(tick({ sec: T0 + sec, dst: `10.3.0.${pick(5)}`, port: 8080, pkts: rand() < 0.02 ? 400 : 1 + pick(30) }));
    if (rand() < 0.2) flows.push(flow({ ts: T0 + sec, origH: '10.9.9.9', respH: `10.4.${pick(4)}.${pick(250)}`, respP: 1000 + pick(100), origPkts: 1 }));
  }
  const batches: RecordBatch[] = [];
  for (let i = 0; i < Math.max(flows.length, ticksOf.length); i += 97) batches.push(batch({ flows: flows.slice(i, i + 97), ticks: ticksOf.slice(i, i + 97) }));
  return batches;
}
