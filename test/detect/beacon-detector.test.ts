import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { createBeaconDetector, scoreBeacon } from '../../src/detect/beacon-detector.js';
import { type ConnStateCounts, countState, setStateCounts, stateTally } from '../../src/detect/conn-state-counts.js';
import { parseRules } from '../../src/detect/policy-rules.js';
import { createSeededRandom as createRandom } from '../../src/util/seeded-random.js';
import type { Finding, FlowRecord } from '../../src/types.js';
import { batch, flow } from './make-records.js';

const T0 = 1_700_000_000;
const http = { connState: 'SF', history: 'ShADadFf', origPkts: 6, respPkts: 5, origBytes: 180, respBytes: 900, origIpBytes: 500, respIpBytes: 1200 };

/**
 * The incidents as finally reported: a long beacon is reported again (same
 * id, grown counts) each time its span doubles while the input goes on;
 * the last report of each id stands for it.
 */
function run(flows: FlowRecord[], rulesYaml?: string): Finding[] {
  const rules = rulesYaml ? parseRules(rulesYaml, 'rules.yaml').rules : [];
  const d = createBeaconDetector(DEFAULT_SETTINGS, rules);
  const last = new Map<string, Finding>();
  for (const f of [...d.push(batch({ flows })), ...d.flush()]) {
    last.delete(f.id);
    last.set(f.id, f);
  }
  return [...last.values()];
}

/** Connections every `periodSec` ± jitter share (uniform), like a C2 implant's sleep. */
function schedule(n: number, periodSec: number, jitter: number, seed: number, over: Partial<FlowRecord> = {}): FlowRecord[] {
  const rnd = createRandom(seed);
  const out: FlowRecord[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    out.push(flow({ ts: t, origH: '10.0.0.5', respH: '203.0.113.80', respP: 8000, ...http, ...over }));
    t += periodSec * (1 + (rnd() * 2 - 1) * jitter);
  }
  return out;
}

describe('c2.beacon', () => {
  it('over its cap drops idle one-off pairs first, keeps a beacon among them, counts the evictions, and forgets an expired pair', () => {
    const settings = { ...DEFAULT_SETTINGS, beaconMaxPairs: 100 };
    const d = createBeaconDetector(settings);
    const flows: FlowRecord[] = [];
    // A beacon every 60 s for 2 h, and a one-off pair (a new destination) every 10 s around it: the
    // table fills in ~17 min; then each eviction finds one-off pairs idle for over beaconMinSpanSec.
    for (let i = 0; i < 120; i++) {
      flows.push(flow({ ts: T0 + i * 60, origH: '10.0.0.5', respH: '203.0.113.80', respP: 8000, ...http }));
      for (let k = 0; k < 6; k++) flows.push(flow({ ts: T0 + i * 60 + 1 + k * 10, origH: '10.0.1.9', respH: `198.51.${(i * 6 + k) >> 8}.${(i * 6 + k) & 255}`, respP: 443, ...http }));
    }
    const out = [...d.push(batch({ flows })), ...d.flush()];
    expect(out.filter((f) => f.kind === 'c2.beacon').map((f) => f.dst)).toContain('203.0.113.80');
    const stats = d.stats?.() ?? {};
    // 721 pairs through a table of 100, none idle for beaconLongSpanSec: all but the ones held at the end were dropped at the cap.
    expect(stats.beaconPairsEvicted).toBeGreaterThanOrEqual(721 - 100);
    expect(stats.beaconPairsEvicted).toBeLessThanOrEqual(721 - 90);

    // A pair idle past beaconLongSpanSec is dropped: seen again, it starts anew (1 connection, not 2).
    const e = createBeaconDetector(DEFAULT_SETTINGS);
    const once = flow({ ts: T0, origH: '10.0.0.7', respH: '203.0.113.9', respP: 80, ...http });
    const later = (t: number) => flow({ ts: t, origH: '10.0.0.7', respH: '203.0.113.9', respP: 80, ...http });
    e.push(batch({ flows: [once, flow({ ts: T0 + DEFAULT_SETTINGS.beaconLongSpanSec + 400, origH: '10.0.0.8', respH: '203.0.113.10', respP: 80, ...http })] }));
    e.push(batch({ flows: [later(T0 + DEFAULT_SETTINGS.beaconLongSpanSec + 500)] }));
    const state = JSON.parse(JSON.stringify(e.snapshot())) as { pairs: { rows: { key: string; connections: number }[] } };
    expect(state.pairs.rows.map((r) => [r.key, r.connections])).toEqual([
      ['10.0.0.8|203.0.113.10|80|tcp', 1],
      ['10.0.0.7|203.0.113.9|80|tcp', 1],
    ]);
  });

  it('finds a check-in every 30 s ± 10% for 20 min, names the pair, low severity under an hour', () => {
    const found = run(schedule(40, 30, 0.1, 7));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'c2.beacon', src: '10.0.0.5', dst: '203.0.113.80', port: 8000, proto: 'tcp', severity: 'low' });
    expect(found[0]!.evidence.score).toBeGreaterThanOrEqual(0.9);
    expect(found[0]!.evidence.medianIntervalSec).toBeGreaterThan(25);
  });

  it('the same beacon over 8 hours is high severity', () => {
    const found = run(schedule(960, 30, 0.1, 8));
    expect(found.map((f) => f.severity)).toEqual(['high']);
  });

  it('a destination refused over and over (a C2 that is down) is a failing beacon, medium under an hour', () => {
    const rej = { connState: 'REJ', history: 'Sr', origPkts: 1, respPkts: 1, origBytes: 0, respBytes: 0, origIpBytes: 52, respIpBytes: 40 };
    const found = run(schedule(300, 2, 0.05, 9, rej));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'medium' });
    expect(found[0]!.evidence.failed).toBe(300);
    expect(found[0]!.summary).toMatch(/300 failed connection attempts/);
  });

  it('stays silent on a person: random pauses of 3–40 s, bursts of page loads, varied sizes', () => {
    const rnd = createRandom(11);
    const flows: FlowRecord[] = [];
    let t = T0;
    for (let i = 0; i < 200; i++) {
      const burst = rnd() < 0.3 ? 1 + Math.floor(rnd() * 8) : 1;
      for (let j = 0; j < burst; j++) flows.push(flow({ ts: t + j * 0.05, origH: '10.0.0.5', respH: '10.0.0.20', respP: 80, ...http, origIpBytes: 300 + Math.floor(rnd() * 2000) }));
      t += 3 + rnd() * 37;
    }
    expect(run(flows)).toEqual([]);
  });

  it('stays silent below 20 connections or 5 minutes, and on multicast', () => {
    expect(run(schedule(19, 30, 0, 1))).toEqual([]);
    expect(run(schedule(100, 2, 0, 2))).toEqual([]); // 198 s
    expect(run(schedule(100, 30, 0, 3, { respH: '239.255.255.250', proto: 'udp', respP: 1900 }))).toEqual([]);
  });

  it('an allow rule of the rules file (suppress: [c2.beacon]) exempts periodic monitoring', () => {
    const ntp = schedule(100, 64, 0, 4, { proto: 'udp', respP: 123, respH: '192.0.2.1', connState: 'SF', history: 'Dd', origIpBytes: 76 });
    expect(run(ntp)).toHaveLength(1);
    expect(run(ntp, 'rules:\n  - name: ntp\n    suppress: [c2.beacon]\n    match: { proto: udp, service-port: 123 }\n')).toEqual([]);
    expect(run(ntp, 'rules:\n  - name: mon\n    suppress: [c2.beacon]\n    match: { server: 192.0.2.99 }\n')).toHaveLength(1);
  });

  it('scores as RITA does: a perfect schedule of equal sizes is 1 on every sub-score', () => {
    const times = Array.from({ length: 50 }, (_, i) => T0 + i * 60);
    const s = scoreBeacon(times, new Array(50).fill(400));
    expect(s).toMatchObject({ intervalSkewScore: 1, intervalMadScore: 1, connCountScore: 1, sizeSkewScore: 1, sizeMadScore: 1, medianIntervalSec: 60, jitter: 0 });
    expect(s.score).toBeGreaterThan(0.99);
    // Every other check-in missed: the count score halves.
    const gappy = scoreBeacon([...times.slice(0, 25), ...times.slice(25).filter((_, i) => i % 2 === 0).map((t) => t)], new Array(50).fill(400));
    expect(gappy.connCountScore).toBeLessThan(1);
  });

  it('scores a series the same whatever was scored before it (the scoring reuses its buffers)', () => {
    const rnd = createRandom(5);
    const series = Array.from({ length: 40 }, () => {
      const n = 4 + Math.floor(rnd() * (rnd() < 0.2 ? 600 : 30));
      const times = Array.from({ length: n }, (_, i) => T0 + i * 60 + Math.floor(rnd() * 20));
      return { times, sizes: Array.from({ length: n }, () => 300 + Math.floor(rnd() * 50)) };
    });
    const alone = series.map(({ times, sizes }) => JSON.stringify(scoreBeacon(times, sizes)));
    // In reverse and forward order, after series longer and shorter than each.
    for (const i of [...series.keys()].reverse()) expect(JSON.stringify(scoreBeacon(series[i]!.times, series[i]!.sizes))).toBe(alone[i]);
    for (const i of series.keys()) expect(JSON.stringify(scoreBeacon(series[i]!.times, series[i]!.sizes))).toBe(alone[i]);
  });

  it('takes the median absolute deviations exactly as sorting the deviations does (odd and even counts, ties, out-of-order times)', () => {
    const rnd = createRandom(11);
    /** numpy-style median of the |x - median| sorted, as the score took it before. */
    const madBySort = (sorted: Float64Array, median: number): number => {
      const dev = Float64Array.from(sorted, (x) => Math.abs(x - median)).sort();
      const pos = (dev.length - 1) / 2;
      return dev[Math.floor(pos)]! + (dev[Math.ceil(pos)]! - dev[Math.floor(pos)]!) * (pos - Math.floor(pos));
    };
    const median = (sorted: Float64Array): number => {
      const pos = (sorted.length - 1) / 2;
      return sorted[Math.floor(pos)]! + (sorted[Math.ceil(pos)]! - sorted[Math.floor(pos)]!) * (pos - Math.floor(pos));
    };
    for (let k = 0; k < 300; k++) {
      const n = 4 + Math.floor(rnd() * 60);
      const period = 1 + Math.floor(rnd() * 300);
      const times: number[] = [];
      let t = T0;
      for (let i = 0; i < n; i++) {
        t += period + Math.floor(rnd() * rnd() * 3 * period);
        times.push(t);
      }
      if (k % 3 === 0) times.reverse();
      const sizes = Array.from({ length: n }, () => (k % 2 === 0 ? 400 + Math.floor(rnd() * 5) : Math.floor(rnd() * 3000) / 7));
      const s = scoreBeacon(Float64Array.from(times).sort(), sizes);
      const sorted = Float64Array.from(times).sort();
      const intervals = Float64Array.from({ length: n - 1 }, (_, i) => sorted[i + 1]! - sorted[i]!).sort();
      const im = median(intervals);
      expect(s.jitter).toBe(im > 0 ? madBySort(intervals, im) / im : 0);
      const ss = Float64Array.from(sizes).sort();
      const sm = median(ss);
      const smad = sm >= 1 ? Math.min(1, Math.max(0, (sm - madBySort(ss, sm)) / sm)) : 0;
      expect(s.sizeMadScore).toBe(Math.round(smad * 1000) / 1000);
    }
  });
});

describe('c2.beacon state', () => {
  it('keys pairs by dotted quad, IPv6 and other text alike, and a state written at any record restores to an uninterrupted run', () => {
    // Three beacons whose addresses take each kind of key code (tuple-code.ts), interleaved by time.
    const flows = [
      ...schedule(60, 30, 0.1, 21),
      ...schedule(60, 30, 0.1, 22, { origH: 'fd00::5', respH: '2001:db8::80' }),
      ...schedule(60, 30, 0.1, 23, { origH: '10.0.0.05', respH: '203.0.113.80' }),
    ].sort((a, b) => a.ts - b.ts);
    const whole = createBeaconDetector(DEFAULT_SETTINGS);
    const expected = [...whole.push(batch({ flows })), ...whole.flush()];
    expect(expected.map((f) => `${f.src}>${f.dst}`).sort()).toEqual(['10.0.0.05>203.0.113.80', '10.0.0.5>203.0.113.80', 'fd00::5>2001:db8::80']);
    // Cuts while the pairs are young (first-sightings.ts rows), as they are promoted, and after.
    for (const cut of [5, 29, 57, 58, 61, 90, 150]) {
      const first = createBeaconDetector(DEFAULT_SETTINGS);
      const got = first.push(batch({ flows: flows.slice(0, cut) }));
      const second = createBeaconDetector(DEFAULT_SETTINGS);
      second.restore(JSON.parse(JSON.stringify(first.snapshot())));
      got.push(...second.push(batch({ flows: flows.slice(cut) })), ...second.flush());
      expect([cut, got]).toEqual([cut, expected]);
    }
  });

  it('restores a state whose pairs were written as a Map (before they were a table) and goes on as an uninterrupted run', () => {
    const flows = schedule(80, 30, 0.1, 11);
    const whole = createBeaconDetector(DEFAULT_SETTINGS);
    const expected = [...whole.push(batch({ flows })), ...whole.flush()];
    const first = createBeaconDetector(DEFAULT_SETTINGS);
    const got = first.push(batch({ flows: flows.slice(0, 30) }));
    // The older form: `pairs` a tagged Map of id → pair without the table's key, seq and wakeTs.
    const state = JSON.parse(JSON.stringify(first.snapshot())) as { pairs: { rows: Record<string, unknown>[] } } & Record<string, unknown>;
    const map = state.pairs.rows.map(({ key, seq: _seq, wakeTs: _wakeTs, ...pair }) => [key, pair]);
    const old = { ...state, pairs: { $map: map }, evicted: 0 };
    const second = createBeaconDetector(DEFAULT_SETTINGS);
    second.restore(JSON.parse(JSON.stringify(old)));
    got.push(...second.push(batch({ flows: flows.slice(30) })), ...second.flush());
    expect(expected.length).toBeGreaterThan(0);
    expect(got).toEqual(expected);
  });
});

/** The object of counts the fields replace: `{ [first]: 1 }`, then `states[st]++` per record. */
function stateModel(sequence: string[]): Record<string, number> {
  const o: Record<string, number> = { [sequence[0]!]: 1 };
  for (const st of sequence.slice(1)) o[st] = (o[st] ?? 0) + 1;
  return o;
}

/** Counts of `n` records of state `first`, as a key's object starts them. */
function firstStateCounts(first: string, n: number): ConnStateCounts {
  return { state0: first, count0: n, state1: '', count1: 0, state2: '', count2: 0, moreStates: null };
}

const NAMES = ['SF', 'S0', 'REJ', 'RSTO', 'SH', 'OTH', '-', 'unanswered', '12', '7', 'S1'];

describe('c2.beacon conn_state counts', () => {
  it('tally as the object of counts they replace, keys in its order (integer-like names first, as an object orders them), through a write and read', () => {
    const rnd = createRandom(5);
    for (let trial = 0; trial < 300; trial++) {
      // Few distinct names in most trials, up to all of them in some.
      const names = NAMES.slice(0, 1 + Math.floor(rnd() * (trial % 3 === 0 ? NAMES.length : 4)));
      const seq = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => names[Math.floor(rnd() * names.length)]!);
      const c = firstStateCounts(seq[0]!, 1);
      for (const st of seq.slice(1)) countState(c, st);
      const want = stateModel(seq);
      expect(JSON.stringify(stateTally(c))).toBe(JSON.stringify(want));
      const back: ConnStateCounts = firstStateCounts('', 0);
      setStateCounts(back, JSON.parse(JSON.stringify(want)) as Record<string, number>);
      expect(JSON.stringify(stateTally(back))).toBe(JSON.stringify(want));
      // Counting goes on after a read as it would have without one.
      countState(c, 'SF');
      countState(back, 'SF');
      expect(JSON.stringify(stateTally(back))).toBe(JSON.stringify(stateTally(c)));
    }
  });

  it('tally nothing while nothing was counted', () => {
    expect(stateTally(firstStateCounts('S0', 0))).toEqual({});
    const c = firstStateCounts('S0', 0);
    countState(c, 'S0');
    expect(stateTally(c)).toEqual({ S0: 1 });
  });
});
