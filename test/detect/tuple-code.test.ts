import { dottedQuadValue } from '../../src/detect/dotted-quad.js';
import { TEXT_CODE, TupleCode } from '../../src/detect/tuple-code.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

describe('TupleCode', () => {
  it('codes equal keys alike, and dotted-quad keys that differ differently', () => {
    const rnd = createSeededRandom(5);
    const seen = new Map<string, string>();
    const c = new TupleCode();
    for (let i = 0; i < 5000; i++) {
      const a = `10.0.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 256)}`;
      const b = `192.168.${Math.floor(rnd() * 2)}.${Math.floor(rnd() * 256)}`;
      const n = Math.floor(rnd() * 8) * 65536 + Math.floor(rnd() * 2);
      expect(c.encode(a, b, n)).toBe(false);
      const code = `${c.a},${c.b},${c.n}`;
      const key = `${a}|${b}|${n}`;
      const prev = seen.get(code);
      if (prev !== undefined) expect(prev).toBe(key);
      seen.set(code, key);
    }
  });

  it('codes other keys as textual, apart from every dotted-quad code', () => {
    const c = new TupleCode();
    for (const [a, b, n] of [
      ['fe80::1', '10.0.0.1', 1],
      ['10.0.0.1', '010.0.0.1', 1],
      ['10.0.0.1', '10.0.0.2', 2 ** 20],
      ['10.0.0.1', '10.0.0.2', 1.5],
      ['10.0.0.1', '10.0.0.2', -2],
    ] as const) {
      expect(c.encode(a, b, n)).toBe(true);
      expect(c.n & TEXT_CODE).toBe(TEXT_CODE);
    }
    expect(c.encode('10.0.0.1', '10.0.0.2', 2 ** 20 - 1)).toBe(false);
    expect(c.n & TEXT_CODE).toBe(0);
  });

  it('encodeKnown gives the code encode gives, from the addresses\' Int32 values or -1 (FlowRecord.origV4)', () => {
    const a = new TupleCode();
    const b = new TupleCode();
    const hosts = ['10.0.0.1', '0.0.0.0', '128.0.0.1', '192.168.1.254', '255.255.255.254', '255.255.255.255', 'fe80::1', '010.0.0.1'];
    for (const x of hosts) {
      for (const y of hosts) {
        for (const n of [0, 161, 2 ** 20 - 1, 2 ** 20, 1.5]) {
          const text = a.encode(x, y, n);
          expect(b.encodeKnown(x, y, dottedQuadValue(x) | 0, dottedQuadValue(y) | 0, n)).toBe(text);
          expect([b.a, b.b, b.n, b.hash]).toEqual([a.a, a.b, a.n, a.hash]);
          // Not known (a record without the numbers): read from the text.
          b.encodeKnown(x, y, -1, -1, n);
          expect([b.a, b.b, b.n, b.hash]).toEqual([a.a, a.b, a.n, a.hash]);
        }
      }
    }
  });
});
