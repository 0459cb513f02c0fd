import { dottedQuadText, dottedQuadValue } from '../../src/detect/dotted-quad.js';
import { createSeededRandom } from '../../src/util/seeded-random.js';

describe('dottedQuadValue', () => {
  it('reads canonical dotted quads, and only them', () => {
    expect(dottedQuadValue('0.0.0.0')).toBe(0);
    expect(dottedQuadValue('10.1.2.3')).toBe(0x0a010203);
    expect(dottedQuadValue('255.255.255.255')).toBe(0xffffffff);
    for (const s of ['', '1.2.3', '1.2.3.4.5', '1.2.3.', '.1.2.3', '1..2.3', '01.2.3.4', '1.2.3.00', '256.1.1.1', '1.2.3.1000', '1.2.3.4 ', '::1', 'fe80::1', '1.2.3.a', '1.2.3.4/8', '010.0.0.1', '10.0.0.01', '10.0.0.256', '1e1.0.0.1']) {
      expect([s, dottedQuadValue(s)]).toEqual([s, -1]);
    }
  });

  it('is the inverse of dottedQuadText', () => {
    const rnd = createSeededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const v = Math.floor(rnd() * 2 ** 32);
      expect(dottedQuadValue(dottedQuadText(v))).toBe(v);
      expect(dottedQuadText(v | 0)).toBe(dottedQuadText(v));
    }
  });
});
