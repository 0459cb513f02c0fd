import { decodeState, encodeState, readStateObject } from '../../src/detect/plain-state.js';

/** Through JSON text, as a checkpoint file or a KV value carries it. */
const viaJson = (v: unknown): unknown => decodeState(JSON.parse(JSON.stringify(encodeState(v))));

describe('detector state as plain JSON data', () => {
  it('keeps maps and sets in order, typed arrays, infinities and NaN', () => {
    const history = new Map([['tcp/80', new Map([[1_795_000_000, Float32Array.from([0.5, -1.25])]])]]);
    const state = {
      watermark: Number.NEGATIVE_INFINITY,
      next: Number.POSITIVE_INFINITY,
      ratio: Number.NaN,
      keys: new Map<string, unknown>([['b', { names: new Set(['z', 'a']) }], ['a', { spread: Float64Array.from([1, 2.5]) }]]),
      history,
      rows: [{ key: 'k', wakeTs: null, f: { ts: 1.5, duration: null } }],
    };
    const back = viaJson(state) as typeof state;
    expect(back.watermark).toBe(Number.NEGATIVE_INFINITY);
    expect(back.next).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(back.ratio)).toBe(true);
    expect([...back.keys.keys()]).toEqual(['b', 'a']);
    expect([...((back.keys.get('b') as { names: Set<string> }).names)]).toEqual(['z', 'a']);
    expect((back.keys.get('a') as { spread: Float64Array }).spread).toEqual(Float64Array.from([1, 2.5]));
    expect(back.history).toEqual(history);
    expect(back.rows).toEqual(state.rows);
  });

  it('refuses unknown tagged numbers and malformed map entries, naming the detector', () => {
    expect(() => readStateObject({ watermark: { $num: 'soon' } }, 'scan', { watermark: 'number' })).toThrow(/detector scan: malformed detector state: unknown number "soon"/);
    expect(() => readStateObject({ keys: { $map: [['a']] } }, 'tunnel.dns', { keys: 'map' })).toThrow(/detector tunnel.dns: malformed detector state: a \$map entry/);
    expect(() => readStateObject([1, 2], 'policy', {})).toThrow(/detector policy: its state is not an object/);
    expect(() => readStateObject({ keys: [] }, 'c2.beacon', { keys: 'map' })).toThrow(/detector state c2.beacon: field keys: expected map, got a list/);
  });
});
