import { grownFloat64, grownInt32, grownUint8 } from '../../src/util/grown-array.js';

describe('grown typed arrays', () => {
  it('keep the contents in a longer array of the same type, zeros after', () => {
    const i = grownInt32(Int32Array.of(1, -2, 3), 6);
    expect(i).toBeInstanceOf(Int32Array);
    expect([...i]).toEqual([1, -2, 3, 0, 0, 0]);
    const f = grownFloat64(Float64Array.of(0.5, 1e300), 3);
    expect(f).toBeInstanceOf(Float64Array);
    expect([...f]).toEqual([0.5, 1e300, 0]);
    const u = grownUint8(Uint8Array.of(255), 2);
    expect([...u]).toEqual([255, 0]);
  });

  it('keep the first n when n is shorter, and copy (the old array is not shared)', () => {
    const a = Int32Array.of(1, 2, 3, 4);
    const b = grownInt32(a, 2);
    expect([...b]).toEqual([1, 2]);
    b[0] = 9;
    expect(a[0]).toBe(1);
  });
});
