import { LeastRecentIndex } from '../../src/detect/least-recent-index.js';
import { selectLeastRecent } from '../../src/detect/least-recent.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

interface Row {
  seq: number;
  t: number;
  busy: boolean;
}

describe('LeastRecentIndex', () => {
  it('takes the rows selectLeastRecent picks from the eligible rows in table order, as rows come, move on and leave', () => {
    const rnd = createSeededRandom(5);
    for (let trial = 0; trial < 60; trial++) {
      const table = new Map<number, Row>();
      let seq = 0;
      const index = new LeastRecentIndex<Row>({ timeOf: (r) => r.t, orderOf: (r) => r.seq, isLive: (r) => table.get(r.seq) === r, size: () => table.size });
      for (let step = 0; step < 400; step++) {
        const r = rnd();
        if (r < 0.5 || table.size === 0) {
          // Times within a few seconds, fractions often equal: ties and shared seconds are common.
          const row = { seq: seq++, t: Math.floor(rnd() * 40) / 4, busy: rnd() < 0.1 };
          table.set(row.seq, row);
          index.see(row, Number.NaN);
        } else if (r < 0.8) {
          const rows = [...table.values()];
          const row = rows[Math.floor(rnd() * rows.length)]!;
          const prev = row.t;
          row.t += Math.floor(rnd() * 8) / 4;
          index.see(row, prev);
          if (rnd() < 0.2) row.busy = !row.busy;
        } else if (r < 0.9) {
          const rows = [...table.values()];
          table.delete(rows[Math.floor(rnd() * rows.length)]!.seq);
        } else {
          const n = Math.floor(rnd() * 12);
          const eligible = [...table.values()].filter((row) => !row.busy);
          const expected = selectLeastRecent(eligible, n, (row) => row.t);
          const taken = index.takeLeast(n, (row) => !row.busy);
          expect(taken.map((row) => row.seq).sort((a, b) => a - b)).toEqual(expected.map((row) => row.seq));
          for (const row of taken) table.delete(row.seq);
        }
      }
    }
  });
});
