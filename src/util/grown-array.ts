/**
 * Typed arrays grown to a new length, their contents kept: the one way the
 * detectors' and the flow tracker's typed-array tables grow (a new array of
 * `n` elements holding the first min(n, length) of the old). One function
 * per element type, so that each call site stays monomorphic; growth is rare
 * (doubling), never per record.
 */

export function grownInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(n < a.length ? a.subarray(0, n) : a);
  return b;
}

export function grownUint8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(n < a.length ? a.subarray(0, n) : a);
  return b;
}

export function grownFloat64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(n < a.length ? a.subarray(0, n) : a);
  return b;
}
