/** The byte encoder of the conn.log writer writes what a template literal would. */
import { createByteLines, putFixed6, putIpv4, putNumber, putText, reserveBytes, takeBytes } from '../../src/sink/byte-lines.js';

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

  it('writes numbers with 6 decimals as toFixed(6) does, ties and odd values included', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const numbers = [0, -0, 1, 0.5, 0.0000005, 0.0000015, 0.0000025, 1.0000005, 0.9999995, 0.99999951, 0.9999999, 2 ** 52 + 0.5, 2 ** 53, 2 ** 53 + 2];
    numbers.push(1e21, 1.5e21, -1, -0.0000005, Number.NaN, Number.POSITIVE_INFINITY, Number.MIN_VALUE, 123456789.1234565);
    for (let i = 0; i < 20000; i++) {
      // pcap times (whole µs, and ns), durations, and tie-ish halves of a µs.
      numbers.push(1_700_000_000 + Math.floor(random() * 1e8) + Math.floor(random() * 1e6) / 1e6);
      numbers.push(1_700_000_000 + Math.floor(random() * 1e8) + Math.floor(random() * 1e9) / 1e9);
      numbers.push(random() * 3600, random() * 1e-3, Math.floor(random() * 1e7) / 1e6 + 5e-7);
      numbers.push((Math.floor(random() * 1e6) + 0.5) / 1e6, Math.floor(random() * 1e12) / 1e6 - Math.floor(random() * 1e6) / 1e6);
    }
    const b = createByteLines(4);
    for (const n of numbers) {
      reserveBytes(b, 32);
      putFixed6(b, n);
      putText(b, '|');
    }
    expect(takeBytes(b).toString('utf8')).toBe(`${numbers.map((n) => n.toFixed(6)).join('|')}|`);
  });

  it('writes IPv4 addresses as their dotted quads, for every byte value in every position', () => {
    const b = createByteLines(4);
    const expected: string[] = [];
    for (let v = 0; v < 256; v++) {
      for (let pos = 0; pos < 4; pos++) {
        const bytes = [10, 200, 3, 99];
        bytes[pos] = v;
        const n = (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
        reserveBytes(b, 16);
        putIpv4(b, pos % 2 === 0 ? n : n >>> 0);
        putText(b, '|');
        expected.push(bytes.join('.'));
      }
    }
    expect(takeBytes(b).toString('utf8')).toBe(`${expected.join('|')}|`);
  });
});
