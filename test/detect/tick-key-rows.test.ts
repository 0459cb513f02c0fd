import { TickKeyRows } from '../../src/detect/tick-key-rows.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

describe('TickKeyRows free rows', () => {
  it('hands out rows freed by an eviction (thousands, in any order) in ascending order', () => {
    const rows = new TickKeyRows();
    const made: number[] = [];
    for (let i = 0; i < 5000; i++) made.push(rows.alloc(false));
    // Freed in a scrambled order, as an eviction in key order frees them.
    const rnd = createSeededRandom(5);
    const freed = made.filter(() => rnd() < 0.5).sort(() => rnd() - 0.5);
    for (const r of freed) rows.free(r);
    const again: number[] = [];
    for (let i = 0; i < freed.length; i++) again.push(rows.alloc(false));
    expect(again).toEqual([...freed].sort((a, b) => a - b));
    expect(rows.size).toBe(5000);
  });

  it('never hands out a live row, nor a freed row twice, as rows are freed and made one by one or in runs', () => {
    const rows = new TickKeyRows();
    const rnd = createSeededRandom(11);
    const live = new Set<number>();
    for (let step = 0; step < 40_000; step++) {
      if (live.size === 0 || rnd() < 0.5) {
        const r = rows.alloc(rnd() < 0.5);
        expect(live.has(r)).toBe(false);
        live.add(r);
        rows.hostId[r] = 0;
      } else {
        // Sometimes a run of frees (an eviction), else one.
        const n = rnd() < 0.01 ? Math.floor(rnd() * 2000) : 1;
        const all = [...live];
        for (let i = 0; i < n && all.length > 0; i++) {
          const r = all.splice(Math.floor(rnd() * all.length), 1)[0]!;
          rows.free(r);
          live.delete(r);
        }
      }
      expect(rows.size).toBe(live.size);
    }
  });
});
