/** The full collection behind training's memory bound runs without --expose-gc and leaves no gc global. */
import { collectGarbageAbove } from '../../src/util/full-gc.js';

describe('collectGarbageAbove', () => {
  it('collects only past the bound, without --expose-gc, and exposes no gc global', () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    expect(collectGarbageAbove(Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(collectGarbageAbove(0)).toBe(true);
    expect(typeof (globalThis as { gc?: unknown }).gc === 'function').toBe(hadGc);
  });
});
