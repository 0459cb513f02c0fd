import { LeastRecentIndex } from '../../src/detect/least-recent-index.js';
import { selectLeastRecent } from '../../src/detect/least-recent.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

interface Row {
  seq: number;
  t: number;
  busy: boolean;
}

describe('LeastRecentIndex', () => {
  it('takes the rows selectLeastRecent picks from the eligible rows in table order, and a second at a time, as rows come, move on and leave', () => {
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
        } else if (r < 0.85) {
          const rows = [...table.values()];
          table.delete(rows[Math.floor(rnd() * rows.length)]!.seq);
        } else if (r < 0.93) {
          const n = Math.floor(rnd() * 12);
          const eligible = [...table.values()].filter((row) => !row.busy);
          const expected = selectLeastRecent(eligible, n, (row) => row.t);
          const taken = index.takeLeast(n, (row) => !row.busy);
          expect(taken.map((row) => row.seq).sort((a, b) => a - b)).toEqual(expected.map((row) => row.seq));
          for (const row of taken) table.delete(row.seq);
        } else {
          // A second at a time, earliest first: each second's eligible rows; some go, the others are listed again after the take.
          const seconds = Math.floor(rnd() * 4);
          const stay: Row[] = [];
          let last = Number.NEGATIVE_INFINITY;
          for (let k = 0; k < seconds && index.nextSecond() !== Number.POSITIVE_INFINITY; k++) {
            const sec = index.nextSecond();
            expect(sec).toBeGreaterThan(last);
            last = sec;
            const eligible = [...table.values()].filter((row) => !row.busy && Math.floor(row.t) === sec);
            const earlier = [...table.values()].filter((row) => !row.busy && Math.floor(row.t) < sec && !stay.includes(row));
            expect(earlier).toEqual([]);
            const out: Row[] = [];
            index.takeSecond((row) => !row.busy, out);
            expect(out.map((row) => row.seq).sort((a, b) => a - b)).toEqual(eligible.map((row) => row.seq));
            for (const row of out) {
              if (rnd() < 0.5) table.delete(row.seq);
              else stay.push(row);
            }
          }
          index.endTake();
          for (const row of stay) index.see(row, Number.NaN);
        }
      }
    }
  });
});
