import { FlowhoundError, isFlowhoundError } from '../src/errors.js';

describe('FlowhoundError', () => {
  it('carries a code, a message and a context', () => {
    const e = new FlowhoundError('ZEEK_BAD_HEADER', 'conn.log:3: bad #fields', { file: 'conn.log', line: 3 });
    expect(isFlowhoundError(e)).toBe(true);
    expect(e.code).toBe('ZEEK_BAD_HEADER');
    expect(e.context.line).toBe(3);
    expect(e.message).toContain('conn.log:3');
    expect(isFlowhoundError(new Error('x'))).toBe(false);
  });
});
