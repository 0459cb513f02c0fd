/**
 * The rate-spike detector's state structures against the plain Maps they
 * replace, under seeded random operations: same contents, same order.
 */
import { dottedQuadValue } from '../../src/detect/dotted-quad.js';
import { HostIds } from '../../src/detect/host-ids.js';
import { LeastActiveIndex } from '../../src/detect/least-active.js';
import { RateKeyIndex } from '../../src/detect/rate-key-index.js';
import { SenderTables } from '../../src/detect/sender-table.js';
import { NO_SERIES, SeriesSlab } from '../../src/detect/series-slab.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

describe('SeriesSlab dropBefore and firstAtOrAfter', () => {
  it('hold what a Map of second → summed value holds, in second order, through adds and drops before a second', () => {
    const rnd = createSeededRandom(7);
    const slab = new SeriesSlab();
    // A second series in the slab, so blocks move past each other as they grow.
    let other = slab.alloc();
    let b = slab.alloc();
    let ref = new Map<number, number>();
    let t = 1000;
    for (let step = 0; step < 5000; step++) {
      const r = rnd();
      if (r < 0.85) {
        // Mostly near the newest second, sometimes well behind it.
        t += Math.floor(rnd() * 3);
        const sec = rnd() < 0.9 ? t - Math.floor(rnd() * 4) : t - Math.floor(rnd() * 200);
        const v = Math.round(rnd() * 100) / 8 - 6;
        b = slab.add(b, sec, v);
        other = slab.add(other, sec, 1);
        ref.set(sec, (ref.get(sec) ?? 0) + v);
      } else {
        const cut = t - Math.floor(rnd() * 150);
        slab.dropBefore(b, cut);
        ref = new Map([...ref].filter(([sec]) => sec >= cut));
      }
      if (step % 97 === 0) {
        expect([...slab.toMap(b)]).toEqual([...ref].sort((x, y) => x[0] - y[0]));
        const from = t - Math.floor(rnd() * 100);
        const to = from + Math.floor(rnd() * 60);
        let sum = 0;
        for (const [sec, v] of ref) if (sec >= from && sec <= to) sum += v;
        let got = 0;
        const i0 = slab.firstAtOrAfter(b, from);
        if (i0 > slab.head(b)) expect(slab.secAt(b, i0 - 1)).toBeLessThan(from);
        for (let i = i0; i < slab.end(b) && slab.secAt(b, i) <= to; i++) got += slab.valAt(b, i);
        expect(got).toBeCloseTo(sum, 9);
      }
    }
    expect(slab.size(b)).toBe(ref.size);
  });
});

describe('SeriesSlab', () => {
  const sorted = (m: Map<number, number>): [number, number][] => [...m].sort((a, b) => a[0] - b[0]);

  /** Seeded adds, prefix takes (as finalizeKey takes seconds up to a bound) and releases on `n` series of one slab, checked against Maps. */
  function churn(seed: number, n: number, steps: number, span: number, lag: number): void {
    const rnd = createSeededRandom(seed);
    const slab = new SeriesSlab();
    const blocks: number[] = new Array<number>(n).fill(NO_SERIES);
    const refs: Map<number, number>[] = Array.from({ length: n }, () => new Map<number, number>());
    const t: number[] = new Array<number>(n).fill(1000);
    for (let step = 0; step < steps; step++) {
      const k = Math.floor(rnd() * n);
      const ref = refs[k]!;
      const r = rnd();
      if (r < 0.85) {
        // Mostly near the newest second, sometimes well behind it; rates as a flow's spread gives them.
        t[k]! += Math.floor(rnd() * 3);
        const sec = rnd() < 0.9 ? t[k]! + Math.floor(rnd() * 4) : t[k]! + Math.floor(rnd() * span) - lag;
        const v = (1 + Math.floor(rnd() * 500)) / (1 + Math.floor(rnd() * 7));
        if (blocks[k] === NO_SERIES) blocks[k] = slab.alloc();
        blocks[k] = slab.add(blocks[k]!, sec, v);
        ref.set(sec, (ref.get(sec) ?? 0) + v);
      } else if (r < 0.99) {
        const b = blocks[k]!;
        if (b === NO_SERIES) continue;
        const upTo = t[k]! - lag + Math.floor(rnd() * 10);
        let i = slab.head(b);
        while (i < slab.end(b) && slab.secAt(b, i) <= upTo) i++;
        slab.dropTo(b, i);
        for (const sec of [...ref.keys()]) if (sec <= upTo) ref.delete(sec);
        if (slab.size(b) === 0) {
          slab.release(b);
          blocks[k] = NO_SERIES;
        }
      } else if (blocks[k] !== NO_SERIES) {
        slab.release(blocks[k]!);
        blocks[k] = NO_SERIES;
        ref.clear();
      }
      if (step % 101 === 0 || step === steps - 1) {
        for (let j = 0; j < n; j++) {
          const b = blocks[j]!;
          expect(b === NO_SERIES ? [] : [...slab.toMap(b)]).toEqual(sorted(refs[j]!));
        }
      }
    }
  }

  it('holds in each of many series what a Map of second → summed value holds, through adds, prefix takes, releases and growth', () => {
    // Short series whose head moves on (compacted in place), and long ones (moved to larger blocks, the slab grown).
    churn(11, 24, 40_000, 40, 30);
    churn(12, 8, 40_000, 600, 20);
    churn(13, 64, 60_000, 200, 150);
  });

  it('keeps a series whole when its growth grows the slab (the series at the end of the slab, full)', () => {
    const slab = new SeriesSlab();
    let b = slab.alloc();
    const ref = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      b = slab.add(b, 1000 + i, i / 3);
      ref.set(1000 + i, 0 + i / 3);
    }
    expect([...slab.toMap(b)]).toEqual(sorted(ref));
  });

  it('gives back a checkpoint Map as the same series', () => {
    const slab = new SeriesSlab();
    const m = new Map<number, number>([[1795132805, 2.5], [1795132800, -1], [1795132803, 0.125]]);
    const b = slab.fromMap(m);
    expect([...slab.toMap(b)]).toEqual(sorted(m));
    expect(slab.size(b)).toBe(3);
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

describe('SenderTables', () => {
  it('keeps the first `capacity` senders of each table in first-seen order and finds each one, tables made, grown and freed side by side', () => {
    const rnd = createSeededRandom(5);
    const tables = new SenderTables();
    // Several live tables sharing the slabs (their blocks grow and move), some freed and their numbers reused.
    const live = new Map<number, number[]>();
    for (let step = 0; step < 20_000; step++) {
      if (live.size < 6 || rnd() < 0.0005) {
        const t = tables.make(rnd() < 0.5 ? 256 : 40);
        expect(live.has(t)).toBe(false);
        live.set(t, []);
      }
      if (rnd() < 0.0003 && live.size > 1) {
        const t = [...live.keys()][Math.floor(rnd() * live.size)]!;
        tables.free(t);
        live.delete(t);
      }
      const t = [...live.keys()][Math.floor(rnd() * live.size)]!;
      const order = live.get(t)!;
      const id = Math.floor(rnd() * 400);
      const r = tables.find(t, id);
      const p = order.indexOf(id);
      expect(r >= 0).toBe(p >= 0);
      if (p >= 0) {
        expect(r).toBe(tables.rowAt(t, p));
        tables.noteFlow(r, { ts: step, duration: 0, origPkts: 1 });
      } else if (!tables.full(t)) {
        tables.add(t, id, 1, step, step);
        order.push(id);
      }
    }
    for (const [t, order] of live) {
      expect(tables.count(t)).toBe(order.length);
      expect(Array.from({ length: tables.count(t) }, (_, p) => tables.idAt(t, p))).toEqual(order);
      for (let p = 0; p < order.length; p++) expect(tables.find(t, order[p]!)).toBe(tables.rowAt(t, p));
    }
    expect([...live.values()].some((o) => o.length === 256)).toBe(true);
  });

  it('counts a flow record (addFlow, noteFlow): its packets summed, its earliest start and its latest end (start + duration) per host', () => {
    const rnd = createSeededRandom(9);
    const tables = new SenderTables();
    const other = tables.make(64);
    const byFlow = tables.make(16);
    const expected = new Map<number, number[]>();
    for (let step = 0; step < 2000; step++) {
      const id = Math.floor(rnd() * 24);
      const ts = 1.7e9 + rnd() * 3600;
      const duration = rnd() < 0.2 ? null : rnd() * 30;
      const f = { ts, duration, origPkts: 1 + Math.floor(rnd() * 9) };
      const end = ts + (duration ?? 0);
      // Another table's rows in between: each table keeps its own.
      if (tables.find(other, id) < 0 && !tables.full(other)) tables.addFlow(other, id, f);
      const r = tables.find(byFlow, id);
      const e = expected.get(id);
      expect(r >= 0).toBe(e !== undefined);
      if (r >= 0 && e !== undefined) {
        tables.noteFlow(r, f);
        e[1]! += f.origPkts;
        e[2] = Math.min(e[2]!, ts);
        e[3] = Math.max(e[3]!, end);
      } else if (!tables.full(byFlow)) {
        tables.addFlow(byFlow, id, f);
        expected.set(id, [id, f.origPkts, ts, end]);
      }
    }
    const rows = (t: number) =>
      Array.from({ length: tables.count(t) }, (_, p) => {
        const r = tables.rowAt(t, p);
        return [tables.idAt(t, p), tables.pktsAt(r), tables.firstTsAt(r), tables.lastTsAt(r)];
      });
    expect(tables.count(byFlow)).toBe(16);
    expect(rows(byFlow)).toEqual([...expected.values()]);
  });
});

describe('HostIds', () => {

  it('gives every held host its own id through churn, IPv4 and other text alike, added by text or by number (integer table shifted back on release)', () => {
    const rnd = createSeededRandom(11);
    const hosts = new HostIds();
    const held = new Map<string, { id: number; refs: number }>();
    for (let step = 0; step < 30_000; step++) {
      const r = rnd();
      const host = r < 0.1 ? `2001:db8::${Math.floor(rnd() * 50).toString(16)}` : `10.${Math.floor(rnd() * 3)}.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 200)}`;
      const h = held.get(host);
      expect(hosts.idOf(host)).toBe(h === undefined ? -1 : h.id);
      if (h === undefined || rnd() < 0.4) {
        // A new IPv4 host now and then by its number (as the detector adds a record's destination).
        const addr = dottedQuadValue(host);
        const id = h === undefined && addr >= 0 && rnd() < 0.5 ? hosts.addAs(host, addr) : hosts.acquire(host);
        if (h === undefined) held.set(host, { id, refs: 1 });
        else h.refs++;
        expect(hosts.nameOf(id)).toBe(host);
      } else {
        hosts.release(h.id);
        if (--h.refs === 0) held.delete(host);
      }
    }
    expect(hosts.size).toBe(held.size);
    expect(new Set([...held.values()].map((h) => h.id)).size).toBe(held.size);
  });

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

/**
 * The selection eviction made before the index (a native sort of all times,
 * then the rows at the cutoff in tie order): the first n rows of a sort by
 * (time, tie order), in that order.
 */
function selectLeastActive<R>(rows: readonly R[], n: number, timeOf: (row: R) => number, tieOrder: (a: R, b: R) => number): R[] {
  if (n <= 0) return [];
  const byTime = (a: R, b: R): number => timeOf(a) - timeOf(b) || tieOrder(a, b);
  if (n >= rows.length) return rows.slice().sort(byTime);
  const times = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) times[i] = timeOf(rows[i] as R);
  times.sort();
  const cutoff = times[n - 1] as number;
  const out: R[] = [];
  const atCutoff: R[] = [];
  for (const row of rows) {
    const t = timeOf(row);
    if (t < cutoff) out.push(row);
    else if (t === cutoff) atCutoff.push(row);
  }
  atCutoff.sort(tieOrder);
  for (let i = 0; out.length < n; i++) out.push(atCutoff[i] as R);
  return out.sort(byTime);
}

describe('LeastActiveIndex', () => {
  interface Row {
    host: number;
    seq: number;
    t: number;
    live: boolean;
  }
  const byKey = (a: Row, b: Row): number => a.host - b.host || a.seq - b.seq;

  it('takes what the full selection took (the first n by time, then key order, but the one kept), in that order, as rows come, move on and leave', () => {
    const rnd = createSeededRandom(17);
    for (let trial = 0; trial < 80; trial++) {
      const table = new Set<Row>();
      let seq = 0;
      const index = new LeastActiveIndex<Row>({ timeOf: (r) => r.t, isLive: (r) => r.live, size: () => table.size, order: byKey });
      // Some trials start listing late (as the detector does at its first eviction).
      const startAt = rnd() < 0.5 ? 0 : Math.floor(rnd() * 200);
      let t = 100;
      // Some trials long, with few takes, so that stale entries are swept.
      const long = trial % 8 === 0;
      const steps = long ? 5000 : 500;
      for (let step = 0; step < steps; step++) {
        if (step === startAt) index.start(table);
        const r = rnd();
        if (r < (long ? 0.1 : 0.5) || table.size === 0) {
          t += Math.floor(rnd() * 2);
          // New rows sometimes behind the newest second, hosts often shared: ties and unsorted seconds are common.
          const row = { host: Math.floor(rnd() * 30), seq: seq++, t: t - (rnd() < 0.2 ? Math.floor(rnd() * 5) : 0), live: true };
          table.add(row);
          index.see(row, Number.NaN);
        } else if (r < (long ? 0.95 : 0.8)) {
          const rows = [...table];
          const row = rows[Math.floor(rnd() * rows.length)]!;
          const prev = row.t;
          if (long) t += Math.floor(rnd() * 2);
          row.t = Math.max(row.t, t - Math.floor(rnd() * 3));
          index.see(row, prev);
        } else if (r < (long ? 0.99 : 0.88)) {
          const rows = [...table];
          const row = rows[Math.floor(rnd() * rows.length)]!;
          row.live = false;
          table.delete(row);
        } else if (step >= startAt && (!long || step % 2000 > 1990)) {
          const rows = [...table];
          const keep = rows[Math.floor(rnd() * rows.length)]!;
          const n = Math.floor(rnd() * 15);
          const expected = selectLeastActive(
            rows.filter((row) => row !== keep),
            n,
            (row) => row.t,
            byKey,
          );
          const taken = index.takeLeast(n, keep);
          expect(taken).toEqual(expected);
          for (const row of taken) {
            row.live = false;
            table.delete(row);
          }
        }
      }
    }
  });

  it('takes a reused row number once when its former tenant was listed in the same second (rate.spike rows)', () => {
    // Rows 0-2 by number; row 1 is freed and reused by a later key of the same second.
    const t = [5, 5, 6];
    const seq = [0, 1, 2];
    const live = [true, true, true];
    const index = new LeastActiveIndex<number>({ timeOf: (r) => t[r]!, isLive: (r) => live[r]!, size: () => 3, order: (a, b) => seq[a]! - seq[b]! });
    index.start([0, 1, 2]);
    live[1] = false;
    live[1] = true;
    seq[1] = 3;
    index.see(1, Number.NaN);
    expect(index.takeLeast(5, -1)).toEqual([0, 1, 2]);
  });
});
