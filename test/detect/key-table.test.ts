import { dottedQuadValue } from '../../src/detect/dotted-quad.js';
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

  it('reads ahead without changing what it holds: touchAll finds the held entries of the hashes given, touchEntries reads them', () => {
    const table = new KeyTable<{ n: number } | number>(8);
    const ids = Array.from({ length: 300 }, (_, i) => `id${i}`);
    const entries = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) entries[i] = table.add(ids[i]!, 0, hashOfName(ids[i]!), i % 2 === 0 ? i : { n: i });
    // Held ids, ids never held and a colliding hash (1) whose id is not held.
    const hashes = new Int32Array([...ids.slice(0, 100).map((id) => hashOfName(id)), hashOfName('absent'), 1]);
    table.touchAll(hashes, hashes.length);
    expect(table.aheadCount).toBe(100);
    const found = Array.from({ length: table.aheadCount }, (_, k) => table.aheadValue(k));
    expect(found).toEqual(ids.slice(0, 100).map((_, i) => (i % 2 === 0 ? i : { n: i })));
    table.touchEntries(new Int32Array(ids.map((id) => hashOfName(id))), entries, ids.length);
    expect(table.size).toBe(ids.length);
    for (let i = 0; i < ids.length; i++) expect(table.get(ids[i]!, 0, hashOfName(ids[i]!))).toEqual(i % 2 === 0 ? i : { n: i });
    expect(table.inOrder()).toEqual(ids.map((_, i) => (i % 2 === 0 ? i : { n: i })));
  });

  it('finds ids whose hashes collide in one bucket', () => {
    const table = new KeyTable<string>(4);
    for (let i = 0; i < 40; i++) table.set(`id${i}`, 0, 7, `v${i}`);
    for (let i = 0; i < 40; i += 2) expect(table.delete(`id${i}`, 0, 7)).toBe(true);
    for (let i = 0; i < 40; i++) expect(table.get(`id${i}`, 0, 7)).toBe(i % 2 === 0 ? undefined : `v${i}`);
  });

  it('removes and replaces by entry number among colliding hashes, through growth and reused entries', () => {
    const table = new KeyTable<string>(4);
    const entry = new Map<string, number>();
    for (let i = 0; i < 40; i++) entry.set(`id${i}`, table.add(`id${i}`, 0, 7, `v${i}`));
    expect(new Set(entry.values()).size).toBe(40);
    // Every third by entry, from the middle of the chain of hash 7 as well as its ends.
    for (let i = 0; i < 40; i += 3) table.deleteAt(entry.get(`id${i}`)!, 7);
    for (let i = 1; i < 40; i += 3) table.replaceAt(entry.get(`id${i}`)!, `w${i}`);
    // Freed entries are reused by new ids: their numbers must lead to the new ids, not the old.
    for (let i = 40; i < 50; i++) entry.set(`id${i}`, table.add(`id${i}`, 0, 7, `v${i}`));
    for (let i = 40; i < 50; i += 2) table.deleteAt(entry.get(`id${i}`)!, 7);
    const want = (i: number): string | undefined => (i < 40 ? (i % 3 === 0 ? undefined : i % 3 === 1 ? `w${i}` : `v${i}`) : i % 2 === 0 ? undefined : `v${i}`);
    for (let i = 0; i < 50; i++) expect(table.get(`id${i}`, 0, 7)).toBe(want(i));
    expect(table.size).toBe(40 - 14 + 5);
    // A replaced value keeps its id's place in insertion order.
    expect(table.inOrder()).toEqual([...Array(50).keys()].map(want).filter((v) => v !== undefined));
  });

  it('refuses to remove an entry it does not hold instead of probing forever', () => {
    const table = new KeyTable<string>(4);
    const e = table.add('a', 0, 7, 'v');
    table.deleteAt(e, 7);
    expect(() => table.deleteAt(e, 7)).toThrow(/not held/);
    expect(table.size).toBe(0);
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

  it('hashOfName of an address is the same from its text and from the number a record carries', () => {
    for (const name of ['10.0.0.1', '0.0.0.0', '128.0.0.1', '255.255.255.254', '255.255.255.255', 'fe80::1', '010.0.0.1', 'h|tcp|80']) {
      const v4 = dottedQuadValue(name) | 0;
      expect(hashOfName(name, v4)).toBe(hashOfName(name));
      expect(hashOfId(name, v4)).toBe(hashOfId(name));
      expect(hashOfName(name, undefined)).toBe(hashOfName(name));
      expect(hashOfName(name)).toBeGreaterThanOrEqual(0);
      expect(hashOfName(name)).toBeLessThan(2 ** 30);
    }
  });
});
