import { FullSenderFilters } from '../../src/detect/full-sender-filters.js';
import { SenderTables } from '../../src/detect/sender-table.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

const senders = new SenderTables();

/** A full table of the ids: its number in `senders`. */
function fullTable(ids: number[]): number {
  const t = senders.make(ids.length);
  for (const id of ids) senders.add(t, id, 1, 0, 0);
  return t;
}

describe('FullSenderFilters', () => {
  it('holds every id of its table, and passes few others (256 hosts: about 6%)', () => {
    const rnd = createSeededRandom(7);
    const filters = new FullSenderFilters();
    const tables: number[][] = [];
    const slots: number[] = [];
    // More tables than the first allocation holds: the words array grows and keeps earlier filters.
    for (let t = 0; t < 40; t++) {
      const ids = new Set<number>();
      while (ids.size < 256) ids.add(Math.floor(rnd() * 200_000));
      tables.push([...ids]);
      slots.push(filters.make(senders, fullTable([...ids])));
    }
    let others = 0;
    let passed = 0;
    for (let t = 0; t < tables.length; t++) {
      const held = new Set(tables[t]);
      for (const id of tables[t]!) expect(filters.mayHold(slots[t]!, id)).toBe(true);
      for (let id = 0; id < 20_000; id++) {
        if (held.has(id)) continue;
        others++;
        if (filters.mayHold(slots[t]!, id)) passed++;
      }
    }
    expect(passed / others).toBeLessThan(0.12);
  });

  it('gives a freed slot to the next table with only that table in it', () => {
    const filters = new FullSenderFilters();
    const first = Array.from({ length: 256 }, (_, i) => i);
    const a = filters.make(senders, fullTable(first));
    filters.free(a);
    const second = Array.from({ length: 256 }, (_, i) => 100_000 + i);
    const b = filters.make(senders, fullTable(second));
    expect(b).toBe(a);
    for (const id of second) expect(filters.mayHold(b, id)).toBe(true);
    expect(first.filter((id) => filters.mayHold(b, id)).length).toBeLessThan(40);
  });
});
