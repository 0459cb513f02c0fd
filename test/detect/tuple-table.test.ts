import { hashTuple, type TupleKey, type TupleRow, TupleTable } from '../../src/detect/tuple-table.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

interface Row extends TupleRow {
  src: string;
  dst: string;
  port: number;
  n: number;
}

const KEY: TupleKey<Row> = { a: (r) => r.src, b: (r) => r.dst, n: (r) => r.port };
const keyOf = (r: Row): string => `${r.src}|${r.dst}|${r.port}`;
const row = (src: string, dst: string, port: number, n = 0): Row => ({ hash: 0, pos: 0, seq: 0, wakeTs: null, src, dst, port, n });

describe('TupleTable', () => {
  it('finds, adds and deletes exactly as a Map in insertion order does, under random operations and walks that delete', () => {
    const rnd = createSeededRandom(7);
    const t = new TupleTable<Row>(1000, KEY);
    const model = new Map<string, Row>();
    // Few distinct strings and ports: long probe runs, so deletion's shifting is exercised.
    let mismatches = 0;
    for (let i = 0; i < 6000; i++) {
      const src = `10.0.0.${Math.floor(rnd() * 20)}`;
      const dst = `10.1.${Math.floor(rnd() * 3)}.1`;
      const port = Math.floor(rnd() * 8) * 70000;
      const k = `${src}|${dst}|${port}`;
      const cur = t.find(src, dst, port);
      if (cur !== model.get(k)) mismatches++;
      if (cur === undefined) {
        const x = row(src, dst, port, i);
        t.add(x, hashTuple(src, dst, port));
        model.set(k, x);
      } else if (rnd() < 0.4) {
        t.delete(cur);
        model.delete(k);
      }
      if (i % 1500 === 0) {
        // A walk deleting every third row it meets, as a detector's eviction pass does.
        let j = 0;
        for (const r of t.rows()) {
          if (j++ % 3 === 0) {
            t.evict(r);
            model.delete(keyOf(r));
          }
        }
      }
      if (t.size !== model.size) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect([...t.rows()]).toEqual([...model.values()]);
    expect(t.evicted).toBeGreaterThan(0);
  });

  it('evicts the oldest rows over its cap, as a Map in insertion order would, with deletions in between', () => {
    const rnd = createSeededRandom(3);
    const cap = 40;
    const t = new TupleTable<Row>(cap, KEY);
    const model = new Map<string, Row>();
    const evictedT: string[] = [];
    const evictedM: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const src = `h${Math.floor(rnd() * 90)}`;
      const cur = t.find(src, 'd', 1);
      if (cur !== undefined) {
        if (rnd() < 0.5) {
          t.delete(cur);
          model.delete(src);
        }
        continue;
      }
      const x = row(src, 'd', 1, i);
      t.add(x, hashTuple(src, 'd', 1));
      model.set(src, x);
      t.evictOverCap((old) => evictedT.push(old.src));
      while (model.size > cap) {
        const first = model.keys().next().value as string;
        evictedM.push(first);
        model.delete(first);
      }
    }
    expect(evictedT).toEqual(evictedM);
    expect(evictedT.length).toBeGreaterThan(100);
    expect(t.evicted).toBe(evictedM.length);
    expect([...t.rows()]).toEqual([...model.values()]);
  });

  it('snapshots rows in insertion order with their key strings and restores them (order, seq, wake-ups)', () => {
    const t = new TupleTable<Row>(100, KEY);
    const rows = [row('a', 'b', 1), row('a', 'b', 2), row('c', 'd', 1), row('e', 'f', 9)];
    for (const r of rows) t.add(r, hashTuple(r.src, r.dst, r.port));
    t.delete(rows[1]!);
    t.wakeAt(rows[3]!, 50);
    t.wakeAt(rows[0]!, 60);
    const snap = JSON.parse(JSON.stringify(t.snapshot(keyOf))) as { rows: (Row & { key: string })[]; nextSeq: number; evicted: number };
    expect(snap.rows.map((r) => r.key)).toEqual(['a|b|1', 'c|d|1', 'e|f|9']);
    expect(snap.rows.every((r) => !('hash' in r) && !('pos' in r))).toBe(true);

    const back = new TupleTable<Row>(100, KEY);
    const restored = snap.rows.map(({ key: _key, ...r }): Row => ({ ...r, hash: 0, pos: 0 }));
    back.restore(restored, snap.nextSeq, snap.evicted);
    expect([...back.rows()].map(keyOf)).toEqual(['a|b|1', 'c|d|1', 'e|f|9']);
    expect(back.find('c', 'd', 1)?.seq).toBe(2);
    expect(back.find('a', 'b', 2)).toBeUndefined();
    expect(back.takeDue(55).map(keyOf)).toEqual(['e|f|9']);
    expect(back.takeDue(60).map(keyOf)).toEqual(['a|b|1']);
    // New rows continue the sequence.
    const x = row('g', 'h', 3);
    back.add(x, hashTuple('g', 'h', 3));
    expect(x.seq).toBe(4);
  });
});
