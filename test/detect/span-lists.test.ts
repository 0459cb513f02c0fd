import { SpanLists } from '../../src/detect/span-lists.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

/** Takes every list, earliest key first: [key, items] each. */
function takeAll(l: SpanLists): [number, number[]][] {
  const out: [number, number[]][] = [];
  while (l.earliest !== Number.POSITIVE_INFINITY) {
    const key = l.earliest;
    const n = l.take();
    out.push([key, Array.from(l.items.subarray(0, n))]);
  }
  return out;
}

describe('SpanLists', () => {
  it('is empty at first', () => {
    const l = new SpanLists();
    expect(l.earliest).toBe(Number.POSITIVE_INFINITY);
    expect(takeAll(l)).toEqual([]);
  });

  it('gives each key its items in the order added, earliest key first, across blocks', () => {
    const l = new SpanLists();
    const want = new Map<number, number[]>();
    const rnd = createSeededRandom(7);
    // Runs of one key (as rows come) and keys out of order; some lists span many blocks.
    for (let i = 0; i < 5000; i++) {
      const key = 29_000_000 + Math.floor(rnd() * (i % 3 === 0 ? 40 : 5));
      const item = Math.floor(rnd() * 1_000_000);
      l.add(key, item);
      if (!want.has(key)) want.set(key, []);
      want.get(key)!.push(item);
    }
    expect(takeAll(l)).toEqual([...want].sort((a, b) => a[0] - b[0]));
  });

  it('reuses the blocks of taken lists and keeps lists apart when keys alternate', () => {
    const l = new SpanLists();
    for (let round = 0; round < 20; round++) {
      const want: [number, number[]][] = [
        [round, []],
        [round + 1, []],
      ];
      for (let i = 0; i < 300; i++) {
        const k = i % 2;
        l.add(round + k, round * 1000 + i);
        want[k]![1].push(round * 1000 + i);
      }
      expect(l.earliest).toBe(round);
      expect(takeAll(l)).toEqual(want);
    }
  });

  it('takes a list while others are added to, and lists a key again after its list was taken', () => {
    const l = new SpanLists();
    l.add(5, 1);
    l.add(3, 2);
    l.add(5, 3);
    expect(l.earliest).toBe(3);
    expect(l.items.subarray(0, l.take())).toEqual(Int32Array.from([2]));
    l.add(3, 4);
    l.add(5, 6);
    expect(takeAll(l)).toEqual([
      [3, [4]],
      [5, [1, 3, 6]],
    ]);
  });

  it('clear drops every list', () => {
    const l = new SpanLists();
    for (let i = 0; i < 1000; i++) l.add(i % 7, i);
    l.clear();
    expect(l.earliest).toBe(Number.POSITIVE_INFINITY);
    l.add(2, 9);
    expect(takeAll(l)).toEqual([[2, [9]]]);
  });
});
