import { createAddressFormatter, formatIpv6Uncached } from '../../../src/ingest/pcap/format-address.js';
import { ipv6Bytes } from './capture-builder.js';

describe('formatIpv6 (RFC 5952, Zeek/inet_ntop form)', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['fe80:0000:0000:0000:0202:b3ff:fe1e:8329', 'fe80::202:b3ff:fe1e:8329'],
    // A single zero group is not compressed.
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
    // The longest run wins; on a tie, the first.
    ['2001:0000:0000:0001:0000:0000:0000:0001', '2001:0:0:1::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['0001:0000:0000:0000:0000:0000:0000:0000', '1::'],
    ['2620:00fe:0000:0000:0000:0000:0000:0009', '2620:fe::9'],
    ['FF02:0000:0000:0000:0000:0000:0000:00FB', 'ff02::fb'],
    // v4-mapped: Zeek keeps IPv4 as v4-mapped and prints it as IPv4.
    ['0000:0000:0000:0000:0000:ffff:c000:0201', '192.0.2.1'],
    // IPv4-compatible, as inet_ntop prints it.
    ['0000:0000:0000:0000:0000:0000:c000:0201', '::192.0.2.1'],
  ];
  for (const [full, expected] of cases) {
    it(`${full} → ${expected}`, () => {
      const b = ipv6Bytes(full.toLowerCase());
      expect(formatIpv6Uncached(b, 0)).toBe(expected);
      const f = createAddressFormatter();
      expect(f.formatIpv6(b, 0)).toBe(expected);
      expect(f.formatIpv6(b, 0)).toBe(expected); // from the cache
    });
  }
});

describe('createAddressFormatter', () => {
  it('stays correct across cache generations (over 16,384 distinct IPv4 addresses)', () => {
    const f = createAddressFormatter();
    const b = new Uint8Array(4);
    const hot = Uint8Array.of(192, 168, 1, 1);
    for (let i = 0; i < 100_000; i++) {
      b[0] = 10 + (i & 1);
      b[1] = (i >> 16) & 0xff;
      b[2] = (i >> 8) & 0xff;
      b[3] = i & 0xff;
      const s = f.formatIpv4(b, 0);
      if (s !== `${b[0]}.${b[1]}.${b[2]}.${b[3]}`) throw new Error(`wrong text ${s} at ${i}`);
      if (i % 10 === 0 && f.formatIpv4(hot, 0) !== '192.168.1.1') throw new Error('hot address wrong');
    }
    // Signed keys (first octet >= 128) and an offset inside a larger buffer.
    expect(f.formatIpv4(Uint8Array.of(0, 255, 255, 255, 255), 1)).toBe('255.255.255.255');
    expect(f.formatIpv4(Uint8Array.of(128, 0, 0, 1), 0)).toBe('128.0.0.1');
  });

  it('does not confuse IPv6 addresses that share a cache slot', () => {
    const f = createAddressFormatter();
    const seen = new Map<string, string>();
    for (let i = 0; i < 20000; i++) {
      const b = ipv6Bytes(`2001:db8::${(i % 7919).toString(16)}:${i.toString(16)}`);
      const s = f.formatIpv6(b, 0);
      expect(s).toBe(formatIpv6Uncached(b, 0));
      seen.set(s, s);
    }
    expect(seen.size).toBe(20000);
  });
});
