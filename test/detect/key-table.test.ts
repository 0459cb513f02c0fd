import { KeyTable, hashOfId, hashOfName, hashOfPair } from '../../src/detect/key-table.js';

describe('KeyTable', () => {
  it('agrees with a Map under random adds, replacements and removals, insertion order included', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const table = new KeyTable<number>(8);
    const map = new Map<string, number>();
    for (let step = 0; step < 20000; step++) {
      const id = `k|${rnd(600)}|${rnd(3)}`;
      const h = hashOfName(id);
      const op = rnd(10);
      if (op < 5) {
        table.set(id, 0, h, step);
        map.set(id, step);
      } else if (op < 8) {
        expect(table.delete(id, 0, h)).toBe(map.delete(id));
      } else expect(table.get(id, 0, h)).toBe(map.get(id));
      expect(table.size).toBe(map.size);
    }
    expect(table.inOrder()).toEqual([...map.values()]);
    for (const [id, v] of map) expect(table.get(id, 0, hashOfName(id))).toBe(v);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.inOrder()).toEqual([]);
  });

  it('finds ids whose hashes collide in one bucket', () => {
    const table = new KeyTable<string>(4);
    for (let i = 0; i < 40; i++) table.set(`id${i}`, 0, 7, `v${i}`);
    for (let i = 0; i < 40; i += 2) expect(table.delete(`id${i}`, 0, 7)).toBe(true);
    for (let i = 0; i < 40; i++) expect(table.get(`id${i}`, 0, 7)).toBe(i % 2 === 0 ? undefined : `v${i}`);
  });

  it('agrees with a Map on two-part ids, a number part never taken for its digits as a string', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const table = new KeyTable<number, string, string | number>(8);
    const map = new Map<string, number>();
    for (let step = 0; step < 30000; step++) {
      const a = `10.0.${rnd(40)}.${rnd(4)}`;
      const b: string | number = rnd(2) === 0 ? rnd(50) : String(rnd(50));
      const h = hashOfPair(hashOfName(a), hashOfId(b));
      const id = `${a}|${typeof b}|${b}`;
      const op = rnd(10);
      if (op < 5) {
        table.set(a, b, h, step);
        map.set(id, step);
      } else if (op < 8) {
        expect(table.delete(a, b, h)).toBe(map.delete(id));
      } else expect(table.get(a, b, h)).toBe(map.get(id));
      expect(table.size).toBe(map.size);
    }
    expect(table.inOrder()).toEqual([...map.values()]);
  });
});
