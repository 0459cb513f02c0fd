import { type ConnTime, FirstSightings } from '../../src/detect/first-sightings.js';
import { TupleCode } from '../../src/detect/tuple-code.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

const IDLE = 100;
const SLACK = 1e-3;

/** The code of key (a, b, n). */
/** A connection's start as `add` and `see` take it. */
function at(ts: number, time: number): ConnTime {
  return { ts, time };
}

function codeOf(a: string, b: string, n: number): TupleCode {
  const c = new TupleCode();
  c.encode(a, b, n);
  return c;
}

/** The later connections of row `r` as [time, size, state], in arrival order. */
function later(t: FirstSightings, r: number): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (let e = t.newest(r); e >= 0; e = t.before(e)) out.push([t.logTime(e), t.logSize(e), t.logState(e)]);
  return out.reverse();
}

/** The log entries of row `r`. */
function entriesOf(t: FirstSightings, r: number): number[] {
  const out: number[] = [];
  for (let e = t.newest(r); e >= 0; e = t.before(e)) out.push(e);
  return out;
}

function walk(t: FirstSightings): number[] {
  const out: number[] = [];
  for (let i = t.skipDead(t.orderStart()); i < t.orderEnd; i = t.skipDead(i + 1)) out.push(t.seq(t.rowAt(i)));
  return out;
}

describe('FirstSightings', () => {
  // Dotted quads (keys by value), and textual keys: IPv6, dotted quads that are not canonical (a
  // leading zero: another text of a value that is also used), a number too wide for a dotted-quad code.
  it.each([
    ['dotted quads', (rnd: () => number) => [`10.0.0.${Math.floor(rnd() * 30)}`, `10.1.0.${Math.floor(rnd() * 4)}`, Math.floor(rnd() * 6)] as const],
    [
      'textual and mixed keys',
      (rnd: () => number) =>
        [
          rnd() < 0.5 ? `fe80::${Math.floor(rnd() * 8)}` : `10.0.0.${Math.floor(rnd() * 8)}`,
          rnd() < 0.5 ? `10.1.0.${Math.floor(rnd() * 3)}` : `10.1.0.0${Math.floor(rnd() * 3)}`,
          rnd() < 0.3 ? (1 << 20) + Math.floor(rnd() * 3) : Math.floor(rnd() * 3),
        ] as const,
    ],
  ])('finds, adds and removes keys as a Map does; keeps each key\'s connections and lists the keys in seq order (%s)', (_name, keyOf) => {
    const rnd = createSeededRandom(11);
    const t = new FirstSightings(IDLE, SLACK);
    const model = new Map<string, { seq: number; conns: [number, number, string][] }>();
    let seq = 0;
    for (let i = 0; i < 20000; i++) {
      const [a, b, n] = keyOf(rnd);
      const k = `${a}|${b}|${n}`;
      const c = codeOf(a, b, n);
      const r = t.find(c, a, b, n);
      const m = model.get(k);
      expect(r >= 0).toBe(m !== undefined);
      const conn: [number, number, string] = [i, Math.floor(rnd() * 5), rnd() < 0.5 ? 'SF' : 'S0'];
      if (rnd() < 0.15 && r >= 0) {
        t.remove(r);
        model.delete(k);
      } else if (r < 0) {
        const added = t.add(c, a, b, n, seq, at(i, conn[0]), conn[1], false, conn[2]);
        // The key as given, whatever its code.
        expect([t.src(added), t.dst(added), t.n(added)]).toEqual([a, b, n]);
        model.set(k, { seq: seq++, conns: [conn] });
      } else {
        t.see(r, at(i, conn[0]), conn[1], true, conn[2]);
        m!.conns.push(conn);
        expect(t.conns(r)).toBe(m!.conns.length);
        expect(t.failed(r)).toBe(m!.conns.length - 1);
        expect([[t.time(r), t.size(r), t.state(r)], ...later(t, r)]).toEqual(m!.conns);
      }
    }
    expect(t.held).toBe(model.size);
    const seqs = [...model.values()].map((m) => m.seq);
    expect(walk(t)).toEqual(seqs);
    expect([...t.bySeq()].map((r) => t.seq(r))).toEqual(seqs);
  });

  it('touchAll reads the rows lookups of the hashes find: each held key\'s first code, nothing for a key not held', () => {
    const t = new FirstSightings(IDLE, SLACK);
    const c = codeOf('10.0.0.1', '10.0.0.2', 7);
    const d = codeOf('10.0.0.3', '10.0.0.4', 9);
    const hashes = Int32Array.of(c.hash, d.hash, 0);
    expect(t.touchAll(hashes, 1)).toBe(0);
    t.add(c, '10.0.0.1', '10.0.0.2', 7, 0, at(1, 1), 10, false, 'SF');
    // The key's first code XOR the row's first 32 bits: the low half of firstTs, 0 for a small integer.
    expect(t.touchAll(hashes, 1)).toBe(c.a);
    expect(t.touchAll(hashes, 3)).toBe(c.a);
    t.add(d, '10.0.0.3', '10.0.0.4', 9, 1, at(2, 2), 10, false, 'SF');
    expect(t.touchAll(hashes, 2)).toBe(c.a ^ d.a);
    // Only the first `count` hashes.
    expect(t.touchAll(hashes, 1)).toBe(c.a);
    t.remove(t.find(c, '10.0.0.1', '10.0.0.2', 7));
    expect(t.touchAll(hashes, 2)).toBe(d.a);
    expect(t.touchAll(hashes, 0)).toBe(0);
  });

  it('reuses the log entries of keys that left, every one of them, for the later connections of new keys', () => {
    const t = new FirstSightings(IDLE, SLACK);
    // Rounds of 300 keys of 1 to 6 connections each (chains of 0 to 5 entries, 750 in all), dropped in a shuffled order.
    const rnd = createSeededRandom(3);
    let used = 0;
    for (let round = 0; round < 4; round++) {
      const rows: number[] = [];
      let entries = 0;
      for (let k = 0; k < 300; k++) {
        const [a, b] = [`10.0.${round}.${k % 250}`, `10.9.${Math.floor(k / 250)}.1`];
        const r = t.add(codeOf(a, b, 80), a, b, 80, round * 1000 + k, at(0, 0), 1, false, 'SF');
        const later = (k + round) % 6;
        for (let i = 1; i <= later; i++) t.see(r, at(i, i), 100 * round + i, false, i % 2 === 0 ? 'S0' : 'SF');
        entries += later;
        rows.push(r);
        expect(t.conns(r)).toBe(later + 1);
      }
      // No entry is held by two keys.
      const all = rows.flatMap((r) => entriesOf(t, r));
      expect(new Set(all).size).toBe(entries);
      if (round === 0) used = t.logLength;
      // The log grows only in the first round: later rounds take the entries the first gave back.
      expect(t.logLength).toBe(used);
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [rows[i], rows[j]] = [rows[j]!, rows[i]!];
      }
      for (const r of rows) t.remove(r);
      expect(t.held).toBe(0);
    }
  });

  it('sorts its seq log once when a key was added with an older seq', () => {
    const t = new FirstSightings(IDLE, SLACK);
    for (const [i, seq] of [5, 3, 9, 1].entries()) t.add(codeOf('a', 'b', i), 'a', 'b', i, seq, at(0, 0), 0, false, 'SF');
    expect(walk(t)).toEqual([1, 3, 5, 9]);
    expect([...t.bySeq()].map((r) => t.seq(r))).toEqual([1, 3, 5, 9]);
  });

  it('drops a key once it has been idle for longer than idleSec, at the wake-up its second connection set', () => {
    const t = new FirstSightings(IDLE, SLACK);
    const h = codeOf('a', 'b', 1);
    const r = t.add(h, 'a', 'b', 1, 0, at(10, 10), 1, false, 'SF');
    expect(t.wake(r)).toBe(10 + IDLE - SLACK);
    t.see(r, at(50, 50), 1, false, 'SF');
    expect(t.wake(r)).toBe(50 + IDLE - SLACK);
    // Later connections leave the wake-up (the earliest request wins).
    t.see(r, at(120, 120), 1, false, 'SF');
    expect(t.wake(r)).toBe(50 + IDLE - SLACK);
    t.expire(149);
    expect(t.wake(r)).toBe(50 + IDLE - SLACK);
    // Woken, not idle for long enough: woken again from its last connection.
    t.expire(150);
    expect(t.find(h, 'a', 'b', 1)).toBe(r);
    expect(t.wake(r)).toBe(120 + IDLE - SLACK);
    t.expire(220);
    expect(t.find(h, 'a', 'b', 1)).toBe(r);
    t.expire(220.01);
    expect(t.find(h, 'a', 'b', 1)).toBe(-1);
    expect(t.held).toBe(0);
  });

  it('keeps lastTsFloor at most every key\'s last time', () => {
    const t = new FirstSightings(IDLE, SLACK);
    t.add(codeOf('a', 'b', 1), 'a', 'b', 1, 0, at(30, 30), 1, false, 'SF');
    t.add(codeOf('a', 'b', 2), 'a', 'b', 2, 1, at(20, 20), 1, false, 'SF');
    expect(t.lastTsFloor).toBe(20);
    t.clear();
    expect(t.lastTsFloor).toBe(Number.POSITIVE_INFINITY);
  });
});
