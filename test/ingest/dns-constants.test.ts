/** The one DNS names table agrees with Zeek's consts.zeek for every QTYPE and RCODE Zeek names, and renders the rest as Zeek does. */
import { nameDnsQueryType, nameDnsRcode, numberDnsQueryType, numberDnsRcode } from '../../src/ingest/dns-constants.js';
import { ZEEK_BASE_ERRORS, ZEEK_QUERY_TYPES } from '../helpers/zeek-dns-consts.js';

const zeekQtype = new Map(ZEEK_QUERY_TYPES);
const zeekRcode = new Map(ZEEK_BASE_ERRORS);

describe('DNS constants against Zeek', () => {
  it.each(ZEEK_QUERY_TYPES)('QTYPE %d is %s', (n, name) => {
    expect(nameDnsQueryType(n)).toBe(name);
    expect(numberDnsQueryType(name)).toBe(n);
  });

  it.each(ZEEK_BASE_ERRORS)('RCODE %d is %s', (n, name) => {
    expect(nameDnsRcode(n)).toBe(name);
    expect(numberDnsRcode(name)).toBe(n);
  });

  it('names no number Zeek leaves to its default, and renders those as Zeek does', () => {
    for (let n = 0; n <= 65535; n++) {
      expect(nameDnsQueryType(n)).toBe(zeekQtype.get(n) ?? `query-${n}`);
      expect(nameDnsRcode(n)).toBe(zeekRcode.get(n) ?? `rcode-${n}`);
    }
    expect(numberDnsQueryType('query-1234')).toBe(1234);
    expect(numberDnsRcode('rcode-99')).toBe(99);
  });

  it('reads the names older writers use', () => {
    expect(numberDnsQueryType('NB')).toBe(32);
    expect(numberDnsQueryType('EDNS')).toBe(41);
    expect(numberDnsQueryType('TYPE65534')).toBe(65534);
    expect(numberDnsRcode('NXRRSET')).toBe(8);
    expect(numberDnsQueryType('NOT-A-TYPE')).toBeNull();
    expect(numberDnsRcode('?5')).toBeNull();
  });
});
