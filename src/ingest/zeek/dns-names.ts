/**
 * DNS QTYPE and RCODE numbers and the names Zeek writes for them
 * (`qtype_name`, `rcode_name`; Zeek's base/protocols/dns/consts.zeek), so a
 * record always carries both when the log gives either.
 */

const QTYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL',
  11: 'WKS', 12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 19: 'X25',
  20: 'ISDN', 21: 'RT', 22: 'NSAP', 23: 'NSAP-PTR', 24: 'SIG', 25: 'KEY', 26: 'PX', 27: 'GPOS', 28: 'AAAA',
  29: 'LOC', 30: 'EID', 31: 'NIMLOC', 32: 'NB', 33: 'SRV', 34: 'ATMA', 35: 'NAPTR', 36: 'KX', 37: 'CERT',
  38: 'A6', 39: 'DNAME', 40: 'SINK', 41: 'EDNS', 42: 'APL', 43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY',
  46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA',
  53: 'SMIMEA', 55: 'HIP', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC', 63: 'ZONEMD',
  64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 100: 'UINFO', 101: 'UID', 102: 'GID', 103: 'UNSPEC', 249: 'TKEY',
  250: 'TSIG', 251: 'IXFR', 252: 'AXFR', 253: 'MAILB', 254: 'MAILA', 255: '*', 256: 'URI', 257: 'CAA',
  32768: 'TA', 32769: 'DLV', 65422: 'WINS', 65521: 'INTEGRITY',
};

const RCODES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 11: 'DSOTYPENI', 16: 'BADVERS', 17: 'BADKEY',
  18: 'BADTIME', 19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG', 22: 'BADTRUNC', 23: 'BADCOOKIE',
};

function invert(t: Record<number, string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(t)) m.set(v, Number(k));
  return m;
}

const QTYPE_BY_NAME = invert(QTYPES);
const RCODE_BY_NAME = invert(RCODES);

/** Zeek's name for a QTYPE ("A", "TXT", ...; "query-<n>" for unknown ones, as Zeek writes them). */
export function nameQtype(qtype: number): string {
  return QTYPES[qtype] ?? `query-${qtype}`;
}

export function numberQtype(name: string): number | null {
  const n = QTYPE_BY_NAME.get(name);
  if (n !== undefined) return n;
  const m = /^(?:query-|TYPE)(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Zeek's name for an RCODE ("NOERROR", "NXDOMAIN", ...; "rcode-<n>" for unknown ones). */
export function nameRcode(rcode: number): string {
  return RCODES[rcode] ?? `rcode-${rcode}`;
}

export function numberRcode(name: string): number | null {
  const n = RCODE_BY_NAME.get(name);
  if (n !== undefined) return n;
  const m = /^rcode-(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}
