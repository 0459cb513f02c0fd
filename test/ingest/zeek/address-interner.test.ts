import { createAddressInterner } from '../../../src/ingest/zeek/address-interner.js';

describe('createAddressInterner', () => {
  const cases = ['10.0.0.1', '0.0.0.0', '255.255.255.255', '192.168.100.200', '010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', 'fe80::1', '2001:db8::ff00:42:8329', '-', 'host.example', '1.2.3.4a', '1234.1.1.1'];

  it('gives back the text of every address, canonical dotted quad or not', () => {
    const names = createAddressInterner();
    for (const a of cases) {
      const text = `x\t${a}\ty`;
      expect(names.intern(text, 2, 2 + a.length)).toBe(a);
    }
  });

  it('returns the same string for the same address on every line', () => {
    const names = createAddressInterner();
    const one = names.intern('\t192.168.100.200\t', 1, 16);
    const again = names.intern('ts\t192.168.100.200\tx', 3, 18);
    expect(again).toBe(one);
    expect(names.intern('2001:db8::ff00:42:8329', 0, 22)).toBe(names.intern(' 2001:db8::ff00:42:8329', 1, 23));
  });

  it('stays correct past its capacity (older entries are dropped, not confused)', () => {
    const names = createAddressInterner(16);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) {
        const a = `10.1.${i}.${round}`;
        expect(names.intern(a, 0, a.length)).toBe(a);
        const v6 = `fd00::${i}:${round}`;
        expect(names.intern(v6, 0, v6.length)).toBe(v6);
      }
    }
  });

  it('reads the same address from bytes as from text', () => {
    const names = createAddressInterner(16);
    const forms = ['10.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', 'fe80::1', '2001:db8::ff00:42:8329', 'é.1.2.3', ''];
    for (const f of forms) {
      const b = Buffer.from(`\t${f}\t`);
      expect(names.internBytes(b, 1, b.length - 1)).toBe(f);
      expect(names.intern(f, 0, f.length)).toBe(f);
    }
  });
});
