/** The byte encoder of the conn.log writer writes what a template literal would. */
import { createByteLines, putNumber, putText, reserveBytes, takeBytes } from '../../src/sink/byte-lines.js';

describe('byte lines', () => {
  it('writes numbers as String(n) does and text as UTF-8', () => {
    const numbers = [0, 7, 9, 10, 99, 100, 65535, 1e15, 2 ** 53 - 1, 2 ** 53, -1, 0.5, 1.25e-7, 1e21, Number.NaN];
    const texts = ['10.0.0.1', 'ShADadFf', 'é', 'a\u{1F600}b', '\\x2d', ''];
    const b = createByteLines(4);
    for (const n of numbers) {
      reserveBytes(b, 24);
      putNumber(b, n);
      putText(b, '|');
    }
    for (const t of texts) {
      reserveBytes(b, 3 * t.length + 1);
      putText(b, t);
      putText(b, '|');
    }
    expect(takeBytes(b).toString('utf8')).toBe(`${[...numbers.map(String), ...texts].join('|')}|`);
    expect(b.at).toBe(0);
  });
});
