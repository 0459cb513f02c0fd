import { selectLeastRecent } from '../../src/detect/least-recent.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

describe('selectLeastRecent', () => {
  it('picks the rows a stable sort by time would put first, in their original order', () => {
    const rnd = createSeededRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const len = Math.floor(rnd() * 60);
      // Few distinct times, so ties at the cutoff are common.
      const rows = Array.from({ length: len }, (_, i) => ({ i, t: Math.floor(rnd() * 8) - 2 }));
      const n = Math.floor(rnd() * (len + 3)) - 1;
      const expected = [...rows]
        .sort((a, b) => a.t - b.t)
        .slice(0, Math.max(0, n))
        .sort((a, b) => a.i - b.i);
      expect(selectLeastRecent(rows, n, (r) => r.t)).toEqual(expected);
    }
  });
});
