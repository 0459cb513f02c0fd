import { ScanSoleKeys } from '../../src/detect/scan-sole-keys.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

interface Row {
  id: string;
  seq: number;
  t: number;
}

/** The `n` rows least recently active, ties by seq (what eviction at the cap takes). */
function least(rows: Row[], n: number): string[] {
  return [...rows]
    .sort((a, b) => a.t - b.t || a.seq - b.seq)
    .slice(0, n)
    .map((r) => r.id);
}

describe('ScanSoleKeys', () => {
  it('takes the least recently active rows and expires the idle ones exactly, as rows come, leave and their numbers are reused', () => {
    const rnd = createSeededRandom(11);
    for (let trial = 0; trial < 20; trial++) {
      const keys = new ScanSoleKeys();
      const held = new Map<string, { row: Row; r: number }>();
      let seq = 0;
      let now = 1000;
      for (let step = 0; step < 600; step++) {
        const x = rnd();
        if (x < 0.55 || held.size === 0) {
          now += Math.floor(rnd() * 6) / 4;
          const row = { id: `k${seq}`, seq, t: now };
          const r = keys.add(row.id, seq % 1000, rnd() < 0.5, '10.0.0.1', 'tcp', 22, 't', now, 'S0', 'syn', seq++);
          // A number is reused only once its row left and its list entry was passed: never one a held row has.
          expect([...held.values()].some((h) => h.r === r)).toBe(false);
          held.set(row.id, { row, r });
        } else if (x < 0.75) {
          // Seen again (promoted) or dropped: the row leaves.
          const ids = [...held.keys()];
          const id = ids[Math.floor(rnd() * ids.length)]!;
          keys.remove(held.get(id)!.r);
          held.delete(id);
        } else if (x < 0.9) {
          const n = Math.floor(rnd() * 10);
          const expected = least([...held.values()].map((h) => h.row), n);
          const taken = keys.takeLeast(n);
          expect(taken.map((r) => keys.idOf(r)).sort()).toEqual([...expected].sort());
          // Some go, the others are listed again.
          for (const r of taken) {
            if (rnd() < 0.5) {
              held.delete(keys.idOf(r));
              keys.remove(r);
            } else keys.relist(r);
          }
        } else if (x < 0.95) {
          // A second at a time, earliest first: all of that second's rows; some go, the others are listed again.
          const sec = keys.nextSecond();
          const rows = [...held.values()].map((h) => h.row);
          if (sec === Number.POSITIVE_INFINITY) expect(rows).toEqual([]);
          else {
            expect(rows.filter((row) => Math.floor(row.t) < sec)).toEqual([]);
            const count = keys.takeSecond();
            const out = [...keys.taken.subarray(0, count)];
            expect(out.map((r) => keys.idOf(r)).sort()).toEqual(rows.filter((row) => Math.floor(row.t) === sec).map((row) => row.id).sort());
            for (const r of out) {
              if (rnd() < 0.5) {
                held.delete(keys.idOf(r));
                keys.remove(r);
              } else keys.relist(r);
            }
          }
        } else {
          const idle = Math.floor(rnd() * 20) / 2;
          const expected = [...held.values()].filter((h) => now - h.row.t > idle).map((h) => h.row.id);
          const gone: string[] = [];
          keys.expire(now, idle, (r) => {
            expect(keys.hashOf(r)).toBe(held.get(keys.idOf(r))!.row.seq % 1000);
            gone.push(keys.idOf(r));
          });
          expect(gone.sort()).toEqual(expected.sort());
          for (const id of expected) held.delete(id);
        }
        expect(keys.size).toBe(held.size);
        if (step % 50 === 0) expect([...held.values()].every(({ row, r }) => keys.idOf(r) === row.id)).toBe(true);
      }
      expect(keys.bySeq().map((r) => keys.idOf(r))).toEqual([...held.values()].sort((a, b) => a.row.seq - b.row.seq).map((h) => h.row.id));
    }
  });

  it('keeps every live row listed once through rebuilds of lists full of dead entries', () => {
    const rnd = createSeededRandom(23);
    const keys = new ScanSoleKeys();
    const held = new Map<string, { row: Row; r: number }>();
    let seq = 0;
    for (let round = 0; round < 4; round++) {
      // Many rows over a few hundred seconds (out of order too), most of them leaving again: dead entries pile up past
      // twice the rows held plus 1024, and the lists are rebuilt.
      for (let i = 0; i < 3000; i++) {
        const t = 1_700_000_000 + round * 500 + Math.floor(rnd() * 400) + rnd();
        const row = { id: `k${seq}`, seq, t };
        const r = keys.add(row.id, seq % 1000, false, '10.0.0.1', 'udp', 53, 'h', t, 'S0', 'udp', seq++);
        expect([...held.values()].some((h) => h.r === r)).toBe(false);
        held.set(row.id, { row, r });
        if (rnd() < 0.9) {
          const ids = [...held.keys()];
          const id = ids[Math.floor(rnd() * ids.length)]!;
          keys.remove(held.get(id)!.r);
          held.delete(id);
        }
      }
      expect(keys.size).toBe(held.size);
      // The least recent tenth, then the idle ones: each live row exactly once, in (time, seq) order for the cut.
      const n = Math.floor(held.size / 10);
      const expected = least([...held.values()].map((h) => h.row), n);
      const taken = keys.takeLeast(n);
      expect(taken.map((r) => keys.idOf(r)).sort()).toEqual([...expected].sort());
      for (const r of taken) {
        held.delete(keys.idOf(r));
        keys.remove(r);
      }
      const now = 1_700_000_000 + round * 500 + 400;
      const idle = 150;
      const gone: string[] = [];
      keys.expire(now, idle, (r) => gone.push(keys.idOf(r)));
      expect(gone.sort()).toEqual([...held.values()].filter((h) => now - h.row.t > idle).map((h) => h.row.id).sort());
      for (const id of gone) held.delete(id);
      expect(keys.bySeq().map((r) => keys.idOf(r))).toEqual([...held.values()].sort((a, b) => a.row.seq - b.row.seq).map((h) => h.row.id));
    }
  });
});
