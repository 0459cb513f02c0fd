import { createFlowUid, createFlowUidIpv4 } from '../../../src/ingest/flow-tracker/flow-uid.js';
import { createSeededRandom } from '../../../src/util/seeded-random.js';

/** Dotted-quad text of a 32-bit IPv4 address (signed or unsigned). */
function dottedQuad(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * The uid definition as first written (module state, `+=` base62 formatting), kept here as the reference:
 * the uids are stored by users, so any faster implementation must give exactly these strings.
 */
function referenceFlowUid(ipProto: number, oneWay: boolean, a: string, pa: number, b: string, pb: number, tsSec: number): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const us = Math.round(tsSec * 1e6);
  let h1 = 0x9e3779b1 ^ ipProto ^ (oneWay ? 0x100 : 0);
  let h2 = 0x85ebca77 ^ pa;
  let h3 = 0xc2b2ae3d ^ pb;
  const mix = (c: number): void => {
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h3 = Math.imul((h3 << 5) - h3 + c, 0x27d4eb2d);
  };
  for (let i = 0; i < a.length; i++) mix(a.charCodeAt(i));
  mix(0x7c);
  for (let i = 0; i < b.length; i++) mix(b.charCodeAt(i));
  mix(pa);
  mix(pb);
  mix((us >>> 0) & 0xffff);
  mix((us >>> 0) >>> 16);
  mix(Math.floor(us / 4294967296));
  const avalanche = (h: number): number => {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  };
  const base62 = (n: number): string => {
    let out = '';
    do {
      out += alphabet[n % 62];
      n = Math.floor(n / 62);
    } while (n > 0);
    return out;
  };
  return `C${base62(avalanche(h1 ^ h3))}${base62(avalanche(h2 ^ h1))}${base62(avalanche(h3 ^ h2))}`;
}

/** [ipProto, oneWay, a, pa, b, pb, tsSec, uid]: uids computed by the implementation before the speed-up. */
const PINNED: [number, boolean, string, number, string, number, number, string][] = [
  [6, false, '10.0.0.1', 1234, '192.168.1.200', 443, 1795132800.123456, 'CMXlWd2De7AA14wW6t2'],
  [17, true, '0.0.0.0', 0, '255.255.255.255', 65535, 1.000001, 'CLe3bOFqMst15JLNf1'],
  [1, true, '8.8.8.8', 8, '172.16.254.3', 0, 1700000000.5, 'CK6Wpb3bAFxi1KkRAI1'],
  [6, true, '99.100.9.10', 65535, '1.22.133.255', 22, 1234567890.000123, 'C44Ns02t1yrO1Piw4c3'],
  [17, false, '127.0.0.1', 53, '127.0.0.53', 40000, 4102444800.999999, 'CvEmWzGrexv3sXMxb'],
  [6, false, '2001:db8::1', 51515, 'fe80::1ff:fe23:4567:890a', 80, 1234567890.000123, 'CFeqJy4a8aJc2ua8Ka'],
  [17, false, '::1', 53, '::ffff:10.1.2.3', 5353, 0, 'CcXabf2dL5jz4SkOAA'],
  [58, true, 'fe80::1', 128, 'ff02::1', 0, 1600000000.25, 'CvddAK39AFUd4HPVza4'],
  [1, false, '10.10.10.10', 0, '10.10.10.11', 0, -1.5, 'ClJBBC9KsMb4DGOwl'],
  [132, false, '200.201.202.203', 2905, '3.4.5.6', 2905, 0.000001, 'CUCUdeG5a98iJEaF3'],
  [6, false, '255.0.255.0', 1, '0.255.0.255', 65534, 4000.000999, 'CV4r5E2Hsnuz1VEkV4'],
  [0, true, '1.2.3.4', 0, '4.3.2.1', 0, 99999999999.25, 'CNNTOUsO7a31Bedxh'],
  [17, true, '100.64.0.1', 4500, '9.99.199.249', 500, 1e15, 'Cj4hml2wFa911EeTjo4'],
  [6, false, '::', 65535, '::', 65535, -1000000000.000001, 'CMDG3W3Mwnj51osuxt4'],
];

/** The address text as a 32-bit integer, or undefined if it is not a dotted quad. */
function parseDottedQuad(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return undefined;
  return parts.reduce((n, p) => (n << 8) | Number(p), 0);
}

describe('createFlowUid', () => {
  it.each(PINNED)('proto %d oneWay %s %s:%d -> %s:%d at %d is unchanged', (ipProto, oneWay, a, pa, b, pb, tsSec, uid) => {
    expect(createFlowUid(ipProto, oneWay, a, pa, b, pb, tsSec)).toBe(uid);
    expect(referenceFlowUid(ipProto, oneWay, a, pa, b, pb, tsSec)).toBe(uid);
  });

  it('matches the reference definition on random IPv4, IPv6 and other address texts, ports and times', () => {
    const random = createSeededRandom(0x51d);
    const u32 = (): number => Math.floor(random() * 4294967296);
    const mismatches: string[] = [];
    for (let i = 0; i < 5000; i++) {
      let a: string;
      let b: string;
      if (i % 3 === 0) {
        a = dottedQuad(u32());
        b = dottedQuad(u32() >>> Math.floor(random() * 32));
      } else if (i % 3 === 1) {
        a = `2001:db8:${u32().toString(16)}::${Math.floor(random() * 65536).toString(16)}`;
        b = `fe80::${u32().toString(16)}`;
      } else {
        a = String.fromCharCode(...Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 65536)));
        b = String.fromCharCode(...Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 128)));
      }
      const ipProto = Math.floor(random() * 256);
      const oneWay = random() < 0.5;
      const pa = Math.floor(random() * 65536);
      const pb = Math.floor(random() * 65536);
      const tsSec = (random() - 0.25) * 10 ** Math.floor(random() * 16);
      const uid = createFlowUid(ipProto, oneWay, a, pa, b, pb, tsSec);
      const expected = referenceFlowUid(ipProto, oneWay, a, pa, b, pb, tsSec);
      if (uid !== expected) mismatches.push(`${JSON.stringify([ipProto, oneWay, a, pa, b, pb, tsSec])}: ${uid} !== ${expected}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('is "C" and base62 digits, 4 to 19 chars', () => {
    const random = createSeededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const uid = createFlowUid(6, false, dottedQuad(i), i, dottedQuad(~i), 80, 1700000000 + random());
      expect(uid).toMatch(/^C[0-9a-zA-Z]{3,18}$/);
    }
  });
});

describe('createFlowUidIpv4', () => {
  it('gives the pinned uids for the dotted-quad rows', () => {
    let checked = 0;
    for (const [ipProto, oneWay, a, pa, b, pb, tsSec, uid] of PINNED) {
      const aN = parseDottedQuad(a);
      const bN = parseDottedQuad(b);
      if (aN === undefined || bN === undefined) continue;
      expect(createFlowUidIpv4(ipProto, oneWay, aN, pa, bN, pb, tsSec)).toBe(uid);
      expect(createFlowUidIpv4(ipProto, oneWay, aN >>> 0, pa, bN >>> 0, pb, tsSec)).toBe(uid);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('equals createFlowUid of the dotted-quad texts for every byte value in every position', () => {
    for (let v = 0; v < 256; v++) {
      for (let pos = 0; pos < 8; pos++) {
        const bytes = [10, 200, 3, 99, 172, 16, 254, 1];
        bytes[pos] = v;
        const aN = (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
        const bN = (bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!;
        expect(createFlowUidIpv4(17, pos % 2 === 0, aN, 53, bN, 5353, 1700000000.000001)).toBe(createFlowUid(17, pos % 2 === 0, bytes.slice(0, 4).join('.'), 53, bytes.slice(4).join('.'), 5353, 1700000000.000001));
      }
    }
  });

  it('equals createFlowUid of the dotted-quad texts on 10,000 random address pairs, ports, protocols and times', () => {
    const random = createSeededRandom(20260107);
    const protocols = [1, 6, 17, 58, 132, 0, 255];
    let negative = 0;
    const mismatches: string[] = [];
    for (let i = 0; i < 10000; i++) {
      // Signed int32 as built from bytes; every 4th address has small octets (1- and 2-digit text).
      let aN = Math.floor(random() * 4294967296) | 0;
      let bN = Math.floor(random() * 4294967296) | 0;
      if (i % 4 === 1) aN &= 0x3f0f3f0f;
      if (i % 4 === 2) bN &= 0x0f3f0f3f;
      if (aN < 0) negative++;
      const ipProto = protocols[i % protocols.length]!;
      const oneWay = random() < 0.5;
      const pa = i % 97 === 0 ? 0 : i % 89 === 0 ? 65535 : Math.floor(random() * 65536);
      const pb = Math.floor(random() * 65536);
      const tsSec = i % 50 === 0 ? -random() * 1e9 : 1.5e9 + random() * 5e8;
      const expected = createFlowUid(ipProto, oneWay, dottedQuad(aN), pa, dottedQuad(bN), pb, tsSec);
      const uid = createFlowUidIpv4(ipProto, oneWay, aN, pa, bN, pb, tsSec);
      if (uid !== expected) mismatches.push(`${JSON.stringify([ipProto, oneWay, aN, pa, bN, pb, tsSec])}: ${uid} !== ${expected}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(negative).toBeGreaterThan(2500);
  });
});
