/**
 * The rate-spike detector's state structures against the plain Maps they
 * replace, under seeded random operations: same contents, same order.
 */
import { HostIds } from '../../src/detect/host-ids.js';
import { selectLeastActive } from '../../src/detect/least-active.js';
import { RateKeyIndex } from '../../src/detect/rate-key-index.js';
import { SecondSeries } from '../../src/detect/second-series.js';
import { SenderTable } from '../../src/detect/sender-table.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

describe('SecondSeries', () => {
  it('holds what a Map of second → summed value holds, in second order, through adds and prefix drops', () => {
    const rnd = createSeededRandom(7);
    const s = new SecondSeries();
    let ref = new Map<number, number>();
    let t = 1000;
    for (let step = 0; step < 5000; step++) {
      const r = rnd();
      if (r < 0.85) {
        // Mostly near the newest second, sometimes well behind it.
        t += Math.floor(rnd() * 3);
        const sec = rnd() < 0.9 ? t - Math.floor(rnd() * 4) : t - Math.floor(rnd() * 200);
        const v = Math.round(rnd() * 100) / 8 - 6;
        s.add(sec, v);
        ref.set(sec, (ref.get(sec) ?? 0) + v);
      } else {
        const cut = t - Math.floor(rnd() * 150);
        s.dropBefore(cut);
        ref = new Map([...ref].filter(([sec]) => sec >= cut));
      }
      if (step % 97 === 0) {
        expect([...s.toMap()]).toEqual([...ref].sort((a, b) => a[0] - b[0]));
        const from = t - Math.floor(rnd() * 100);
        const to = from + Math.floor(rnd() * 60);
        let sum = 0;
        for (const [sec, v] of ref) if (sec >= from && sec <= to) sum += v;
        expect(s.sumBetween(from, to)).toBeCloseTo(sum, 9);
      }
    }
    expect(s.size).toBe(ref.size);
  });
});

describe('RateKeyIndex', () => {
  it('finds exactly the keys added and not deleted, through heavy churn (probe runs shifted back on delete)', () => {
    const rnd = createSeededRandom(3);
    const index = new RateKeyIndex<{ hostId: number; portProto: number }>();
    const ref = new Map<string, { hostId: number; portProto: number }>();
    for (let step = 0; step < 20_000; step++) {
      const hostId = Math.floor(rnd() * 300);
      const portProto = Math.floor(rnd() * 40);
      const name = `${hostId}/${portProto}`;
      const held = ref.get(name);
      expect(index.get(hostId, portProto)).toBe(held);
      if (held === undefined) {
        const k = { hostId, portProto };
        index.add(k);
        ref.set(name, k);
      } else if (rnd() < 0.6) {
        expect(index.delete(held)).toBe(true);
        expect(index.delete(held)).toBe(false);
        ref.delete(name);
      }
    }
    expect(index.size).toBe(ref.size);
    expect(new Set(index.values())).toEqual(new Set(ref.values()));
  });
});

describe('SenderTable', () => {
  it('keeps the first `capacity` senders in first-seen order and finds each one', () => {
    const rnd = createSeededRandom(5);
    const table = new SenderTable(256);
    const order: number[] = [];
    for (let step = 0; step < 3000; step++) {
      const id = Math.floor(rnd() * 400);
      const p = table.find(id);
      expect(p).toBe(order.indexOf(id));
      if (p >= 0) table.pkts[p]! += 1;
      else if (!table.full) {
        table.add(id, 1, step, step);
        order.push(id);
      }
    }
    expect(order).toHaveLength(256);
    expect([...table.ids.subarray(0, table.count)]).toEqual(order);
  });
});

describe('HostIds', () => {
  it('keeps a host while referenced and reuses its id once released', () => {
    const hosts = new HostIds();
    const a = hosts.acquire('10.0.0.1');
    expect(hosts.acquire('10.0.0.1')).toBe(a);
    const b = hosts.acquire('10.0.0.2');
    hosts.release(a);
    expect(hosts.idOf('10.0.0.1')).toBe(a);
    hosts.release(a);
    expect(hosts.idOf('10.0.0.1')).toBe(-1);
    expect(hosts.acquire('10.0.0.3')).toBe(a);
    expect(hosts.nameOf(b)).toBe('10.0.0.2');
    expect(hosts.size).toBe(2);
  });
});

describe('selectLeastActive', () => {
  it('gives the first n rows of a full sort by (time, tie order), in that order', () => {
    const rnd = createSeededRandom(13);
    for (let trial = 0; trial < 200; trial++) {
      const len = Math.floor(rnd() * 80);
      // Few distinct times: ties at the cutoff are common.
      const rows = Array.from({ length: len }, (_, i) => ({ seq: (i * 37) % 101, t: Math.floor(rnd() * 6) }));
      const n = Math.floor(rnd() * (len + 3)) - 1;
      const bySeq = (a: { seq: number }, b: { seq: number }): number => a.seq - b.seq;
      const expected = [...rows].sort((a, b) => a.t - b.t || bySeq(a, b)).slice(0, Math.max(0, n));
      expect(selectLeastActive(rows, n, (r) => r.t, bySeq)).toEqual(expected);
    }
  });
});
