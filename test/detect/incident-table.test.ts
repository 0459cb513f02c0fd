import { IncidentTable, RecencyMap, type TableRow, WakeQueue } from '../../src/detect/incident-table.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

interface Row extends TableRow {
  n: number;
}

const row = (key: string, n = 0): Row => ({ key, seq: 0, wakeTs: null, n });

describe('IncidentTable', () => {
  it('evicts oldest first, exactly as a Map in insertion order would, under random adds, deletes, re-adds and touches', () => {
    const rnd = createSeededRandom(11);
    const cap = 50;
    const t = new IncidentTable<Row>(cap);
    const model = new Map<string, Row>();
    const evictedT: string[] = [];
    const evictedM: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const key = `k${Math.floor(rnd() * 120)}`;
      const r = rnd();
      const cur = t.get(key);
      expect(cur).toBe(model.get(key));
      if (cur !== undefined && r < 0.3) {
        t.delete(cur);
        model.delete(key);
      } else if (cur !== undefined && r < 0.5) {
        t.touch(cur);
        model.delete(key);
        model.set(key, cur);
      } else if (cur === undefined) {
        const x = row(key, i);
        t.add(x);
        model.set(key, x);
        t.evictOverCap((old) => evictedT.push(old.key));
        while (model.size > cap) {
          const first = model.keys().next().value as string;
          evictedM.push(first);
          model.delete(first);
        }
      }
      if (i % 16 === 0) {
        expect(t.size).toBe(model.size);
        expect(t.oldest()).toBe(model.values().next().value);
      }
    }
    expect(evictedT).toEqual(evictedM);
    expect(t.evicted).toBe(evictedM.length);
    expect(evictedM.length).toBeGreaterThan(50);
    expect([...t.rows()].map((x) => x.key)).toEqual([...model.keys()]);
  });

  it('takeDue returns only rows due by the watermark, in insertion order, once per wake-up', () => {
    const t = new IncidentTable<Row>(100);
    const rows = ['a', 'b', 'c', 'd', 'e'].map((k) => row(k));
    for (const r of rows) t.add(r);
    t.wakeAt(rows[3]!, 5);
    t.wakeAt(rows[0]!, 9);
    t.wakeAt(rows[1]!, 20);
    t.wakeAt(rows[0]!, 7); // earlier request wins
    t.wakeAt(rows[2]!, 30);
    t.wakeAt(rows[2]!, 40); // later request is ignored
    expect(t.takeDue(4)).toEqual([]);
    expect(t.takeDue(10).map((r) => r.key)).toEqual(['a', 'd']);
    expect(t.takeDue(10)).toEqual([]);
    t.delete(rows[1]!);
    expect(t.takeDue(100).map((r) => r.key)).toEqual(['c']);
    // A row deleted and added again is the newest and has no pending wake-up.
    t.wakeAt(rows[0]!, 50);
    t.delete(rows[0]!);
    t.add(rows[0]!);
    t.wakeAt(rows[4]!, 60);
    t.wakeAt(rows[0]!, 60);
    expect(t.takeDue(100).map((r) => r.key)).toEqual(['e', 'a']);
  });

  it('keeps its entries bounded however often a wake time moves earlier', () => {
    const q = new WakeQueue<Row>();
    const r = row('x');
    const other = row('y');
    for (let i = 100_000; i > 0; i--) q.wakeAt(r, i);
    q.wakeAt(other, 3);
    // Stale entries (each earlier second listed anew) are swept out past twice the live rows plus 1024.
    expect(q.size).toBeLessThan(1100);
    expect(q.takeDue(0.5)).toEqual([]);
    expect(q.takeDue(1)).toEqual([r]);
    q.remove(other);
    expect(q.takeDue(1e6)).toEqual([]);
    expect(q.size).toBe(0);
  });

  it('orders due rows by a given order, and returns each queued row once under random wake-ups and removals', () => {
    const rnd = createSeededRandom(3);
    const q = new WakeQueue<Row>();
    const rows = Array.from({ length: 300 }, (_, i) => ({ ...row(`r${i}`, i), seq: i }));
    const want = new Map<Row, number>();
    for (let i = 0; i < 5000; i++) {
      const r = rows[Math.floor(rnd() * rows.length)]!;
      if (rnd() < 0.2) {
        q.remove(r);
        want.delete(r);
      } else {
        const t = Math.floor(rnd() * 1000);
        q.wakeAt(r, t);
        const prev = want.get(r);
        if (prev === undefined || t < prev) want.set(r, t);
      }
    }
    const due = q.takeDue(500, (a, b) => b.n - a.n);
    const expected = [...want].filter(([, t]) => t <= 500).map(([r]) => r).sort((a, b) => b.n - a.n);
    expect(due).toEqual(expected);
    const rest = q.takeDue(Number.POSITIVE_INFINITY);
    expect(new Set(rest)).toEqual(new Set([...want].filter(([, t]) => t > 500).map(([r]) => r)));
    expect(rest.length).toBe(want.size - expected.length);
  });

  it('returns due rows in seq order, ties in wake-up order, whatever the sizes of the takes before (sort keys kept between takes)', () => {
    const rnd = createSeededRandom(23);
    const q = new WakeQueue<Row>();
    let t = 1_700_000_000;
    // Small (insertion sort), growing and shrinking within the kept keys, past them, and small again.
    for (const n of [17, 40, 3000, 25, 5000, 4096, 200, 18]) {
      const rows = Array.from({ length: n }, (_, i) => ({ ...row(`r${i}`, i), seq: Math.floor(rnd() * n * 0.7) }));
      for (const r of rows) q.wakeAt(r, t + 0.5);
      const expected = [...rows].sort((a, b) => a.seq - b.seq || a.n - b.n);
      expect(q.takeDue(t + 0.9)).toEqual(expected);
      t += 1;
    }
  });

  it('matches a plain list of wake times at epoch-scale times, through sweeps, drains and a clear', () => {
    const rnd = createSeededRandom(17);
    const q = new WakeQueue<Row>();
    const rows = Array.from({ length: 40 }, (_, i) => ({ ...row(`r${i}`, i), seq: i }));
    const want = new Map<Row, number>();
    let sweeps = 0;
    for (const t0 of [1_700_000_000, -5_000, 4e15]) {
      let watermark = t0;
      for (let i = 0; i < 6000; i++) {
        const before = q.size;
        const r = rows[Math.floor(rnd() * rows.length)]!;
        const x = rnd();
        if (x < 0.3) {
          // Removed and queued again in the same second: duplicate entries that a sweep must keep once.
          q.remove(r);
          want.delete(r);
          const t = watermark + Math.floor(rnd() * 3) + rnd();
          q.wakeAt(r, t);
          want.set(r, t);
        } else if (x < 0.9) {
          // Far ahead and moving earlier: stale entries pile up until a sweep.
          const t = watermark + 130_000 - 20 * i + rnd() * 400;
          q.wakeAt(r, t);
          const prev = want.get(r);
          if (prev === undefined || t < prev) want.set(r, t);
        } else {
          watermark += rnd() * 60;
          // hasDue may say yes with nothing due (stale entries, later in the second), never no with a row due.
          const mayHave = q.hasDue(watermark);
          const due = q.takeDue(watermark);
          const expected = [...want].filter(([, t]) => t <= watermark).map(([row]) => row).sort((a, b) => a.seq - b.seq);
          expect(due).toEqual(expected);
          if (!mayHave) expect(due).toEqual([]);
          for (const row of due) want.delete(row);
        }
        expect(q.size).toBeLessThanOrEqual(2 * rows.length + 1025);
        if (x < 0.9 && q.size < before) sweeps++;
      }
      const rest = q.takeDue(Number.POSITIVE_INFINITY);
      expect(rest).toEqual([...want.keys()].sort((a, b) => a.seq - b.seq));
      want.clear();
      if (t0 < 0) q.clear();
    }
    expect(sweeps).toBeGreaterThan(3);
  });

  it('takes rows in the order of a plain map of per-second lists (unsorted), with wake times before, in and past its ring', () => {
    // The model: a list per second, appended to when a row is listed anew, taken second by second; an entry is
    // live when its row's wake time is still in that second (as in the queue, whatever holds the second).
    const model = new Map<number, Row[]>();
    const list = (r: Row, t: number): void => {
      const prev = r.wakeTs;
      if (prev !== null && !(t < prev)) return;
      r.wakeTs = t;
      if (prev !== null && Math.floor(prev) === Math.floor(t)) return;
      const sec = Math.floor(t);
      const l = model.get(sec);
      if (l === undefined) model.set(sec, [r]);
      else l.push(r);
    };
    const take = (w: number): Row[] => {
      const out: Row[] = [];
      for (const sec of [...model.keys()].filter((s) => s <= Math.floor(w)).sort((a, b) => a - b)) {
        const keep: Row[] = [];
        for (const r of model.get(sec)!) {
          const t = r.wakeTs;
          if (t === null || Math.floor(t) !== sec) continue;
          if (t > w) keep.push(r);
          else {
            r.wakeTs = null;
            out.push(r);
          }
        }
        if (keep.length > 0) model.set(sec, keep);
        else model.delete(sec);
      }
      return out;
    };
    for (const seed of [1, 2, 3, 4]) {
      const rnd = createSeededRandom(seed);
      const q = new WakeQueue<Row>();
      const rows = Array.from({ length: 200 }, (_, i) => ({ ...row(`q${i}`, i), seq: i }));
      const shadow = rows.map((r) => ({ ...r }));
      model.clear();
      let watermark = 1_795_132_800 + rnd();
      for (let i = 0; i < 20_000; i++) {
        const j = Math.floor(rnd() * rows.length);
        const x = rnd();
        if (x < 0.55) {
          // Mostly an hour or so ahead; some past the ring (8192 s), some already due, a few never.
          const y = rnd();
          const t = y < 0.02 ? Number.POSITIVE_INFINITY : watermark + (y < 0.1 ? -300 : y < 0.15 ? 20_000 : 3600) * rnd() + (y < 0.3 ? 0 : 1);
          q.wakeAt(rows[j]!, t);
          list(shadow[j]!, t);
        } else if (x < 0.65) {
          q.remove(rows[j]!);
          shadow[j]!.wakeTs = null;
        } else if (x < 0.995) {
          const y = rnd();
          watermark += y < 0.01 ? 30_000 * rnd() : y < 0.03 ? -50 * rnd() : 40 * rnd();
          const mayHave = q.hasDue(watermark);
          const got = q.takeDue(watermark, null).map((r) => r.n);
          expect(got).toEqual(take(watermark).map((r) => r.n));
          if (!mayHave) expect(got).toEqual([]);
        } else if (x < 0.998) {
          expect(q.takeDue(Number.POSITIVE_INFINITY, null).map((r) => r.n)).toEqual(take(Number.POSITIVE_INFINITY).map((r) => r.n));
        } else {
          q.clear();
          model.clear();
          for (const r of shadow) r.wakeTs = null;
        }
        expect(rows.map((r) => r.wakeTs)).toEqual(shadow.map((r) => r.wakeTs));
      }
    }
  });

  it('takes a burst of rows in one second, and later seconds on the same slot of its ring', () => {
    const q = new WakeQueue<Row>();
    const t0 = 1_795_132_800;
    const burst = Array.from({ length: 3000 }, (_, i) => ({ ...row(`b${i}`, i), seq: i }));
    for (const r of burst) q.wakeAt(r, t0 + 3600.5);
    expect(q.takeDue(t0 + 3600.2)).toEqual([]);
    expect(q.takeDue(t0 + 3600.7)).toEqual(burst);
    // 8192 s later (the ring's span): the same slot, its burst list dropped once emptied.
    const later = [row('x', 1), row('y', 2)].map((r, i) => ({ ...r, seq: i }));
    for (const r of later) q.wakeAt(r, t0 + 3600 + 8192 + 0.5);
    q.wakeAt(burst[7]!, t0 + 3600 + 8192 + 0.25);
    expect(q.takeDue(t0 + 3600 + 8192 + 0.9, null)).toEqual([...later, burst[7]!]);
    expect(q.size).toBe(0);
  });

  it('snapshot and restore give back the same rows, order, wake-ups and counts', () => {
    const t = new IncidentTable<Row>(3);
    for (const k of ['a', 'b', 'c', 'd', 'e']) {
      t.add(row(k));
      t.evictOverCap();
    }
    t.wakeAt(t.get('d')!, 12);
    const snap = JSON.parse(JSON.stringify(t.snapshot()));
    const u = new IncidentTable<Row>(3);
    u.restore(snap);
    expect([...u.rows()].map((r) => r.key)).toEqual(['c', 'd', 'e']);
    expect(u.evicted).toBe(2);
    expect(u.takeDue(12).map((r) => r.key)).toEqual(['d']);
    u.add(row('f'));
    u.evictOverCap();
    expect(u.oldest()?.key).toBe('d');
    expect(u.get('f')!.seq).toBeGreaterThan(u.get('e')!.seq);
  });
});

describe('RecencyMap', () => {
  // Two keys keep it moving between holding one key in fields and holding a Map.
  it.each([2, 80])('keeps keys oldest first by last sighting, as a Map moved on every sighting would (%i keys)', (distinct) => {
    const rnd = createSeededRandom(5);
    const r = new RecencyMap();
    const model = new Map<string, number>();
    let ts = 0;
    for (let i = 0; i < 6000; i++) {
      ts += rnd() < 0.7 ? 1 : 0;
      const key = `t${Math.floor(rnd() * distinct)}`;
      const op = rnd();
      if (op < 0.8) {
        r.see(key, ts);
        const prev = model.get(key);
        if (prev === undefined || ts > prev) {
          model.delete(key);
          model.set(key, ts);
        }
      } else if (op < 0.9) {
        r.dropOldest();
        const first = model.keys().next();
        if (!first.done) model.delete(first.value);
      } else {
        r.dropOlderThan(ts - 30);
        for (const [k, v] of model) {
          if (v >= ts - 30) break;
          model.delete(k);
        }
      }
      if (i % 16 === 0) {
        expect(r.size).toBe(model.size);
        expect(r.oldestTs()).toBe(model.values().next().value);
        expect(r.get(key)).toBe(model.get(key));
        expect([...r.keys()]).toEqual([...model.keys()]);
      }
    }
    expect(r.entries()).toEqual([...model.entries()]);
  });
});
