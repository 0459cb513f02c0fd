import { cutLeast } from '../../src/detect/cut-least.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

interface Item {
  t: number;
  seq: number;
}

const order = { timeOf: (x: Item) => x.t, seqOf: (x: Item) => x.seq };

/** A list in ascending whole second, items of one second in any order (as the indexes give them). */
function listOf(items: Item[], rnd: () => number): Item[] {
  const bySec = new Map<number, Item[]>();
  for (const x of items) {
    const sec = Math.floor(x.t);
    bySec.set(sec, [...(bySec.get(sec) ?? []), x]);
  }
  const out: Item[] = [];
  for (const sec of [...bySec.keys()].sort((a, b) => a - b)) out.push(...bySec.get(sec)!.sort(() => rnd() - 0.5));
  return out;
}

describe('cutLeast', () => {
  it('with one list empty, orders the other in place by time then seq and takes its first n', () => {
    const rnd = createSeededRandom(5);
    for (let trial = 0; trial < 100; trial++) {
      const count = 1 + Math.floor(rnd() * 30);
      const all: Item[] = [];
      for (let seq = 0; seq < count; seq++) all.push({ t: 7 + Math.floor(rnd() * 4) / 4, seq });
      const bs = listOf(all, rnd);
      const n = Math.floor(rnd() * (count + 2));
      const { goA, goB } = cutLeast([] as Item[], order, bs, order, n);
      expect(goA).toBe(0);
      expect(goB).toBe(Math.min(n, count));
      const sorted = [...all].sort((x, y) => x.t - y.t || x.seq - y.seq);
      expect(bs.slice(0, goB).map((x) => x.seq).sort((x, y) => x - y)).toEqual(sorted.slice(0, goB).map((x) => x.seq).sort((x, y) => x - y));
      expect(new Set(bs).size).toBe(count);
    }
  });

  it('takes the n least by time then seq over both lists, as a sort of all of them would', () => {
    const rnd = createSeededRandom(3);
    for (let trial = 0; trial < 300; trial++) {
      const all: Item[] = [];
      const count = Math.floor(rnd() * 40);
      for (let seq = 0; seq < count; seq++) all.push({ t: Math.floor(rnd() * 24) / 4, seq });
      const as = listOf(all.filter(() => rnd() < 0.5), rnd);
      const inA = new Set(as);
      const bs = listOf(all.filter((x) => !inA.has(x)), rnd);
      const n = Math.floor(rnd() * (count + 2));
      const expected = [...all].sort((x, y) => x.t - y.t || x.seq - y.seq).slice(0, n);
      const { goA, goB } = cutLeast(as, order, bs, order, n);
      const went = [...as.slice(0, goA), ...bs.slice(0, goB)].map((x) => x.seq).sort((x, y) => x - y);
      expect(went).toEqual(expected.map((x) => x.seq).sort((x, y) => x - y));
      expect(new Set([...as, ...bs]).size).toBe(all.length);
    }
  });
});
