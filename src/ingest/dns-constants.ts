/**
 * DNS QTYPE and RCODE numbers and the names Zeek writes for them in dns.log
 * (`qtype_name`, `rcode_name`): Zeek's `DNS::query_types` and
 * `DNS::base_errors` (base/protocols/dns/consts.zeek, Zeek 9.1), with its
 * defaults for numbers it does not name (`query-N`, `rcode-N`). The one table
 * for captures (the DNS tracker names what it parsed) and Zeek logs (a log
 * that gives only the number or only the name gets the other), so a capture
 * and Zeek's dns.log of the same traffic give the same records.
 * test/ingest/dns-constants.test.ts checks it against Zeek's list.
 */

import type { DnsRecord } from '../types.js';

const QUERY_TYPES: Readonly<Record<number, string>> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL', 11: 'WKS',
  12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 19: 'X25', 20: 'ISDN',
  21: 'RT', 22: 'NSAP', 23: 'NSAP-PTR', 24: 'SIG', 25: 'KEY', 26: 'PX', 27: 'GPOS', 28: 'AAAA', 29: 'LOC',
  30: 'NXT', 31: 'EID', 32: 'NIMLOC', 33: 'SRV', 34: 'ATMA', 35: 'NAPTR', 36: 'KX', 37: 'CERT', 38: 'A6',
  39: 'DNAME', 40: 'SINK', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY', 46: 'RRSIG',
  47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA', 53: 'SMIMEA', 55: 'HIP',
  56: 'NINFO', 57: 'RKEY', 58: 'TALINK', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC',
  63: 'ZONEMD', 64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 100: 'UINFO', 101: 'UID', 102: 'GID', 103: 'UNSPEC',
  104: 'NID', 105: 'L32', 106: 'L64', 107: 'LP', 108: 'EUI48', 109: 'EUI64', 249: 'TKEY', 250: 'TSIG',
  251: 'IXFR', 252: 'AXFR', 253: 'MAILB', 254: 'MAILA', 255: '*', 256: 'URI', 257: 'CAA', 32768: 'TA',
  32769: 'DLV', 65281: 'WINS', 65282: 'WINS-R', 65422: 'XPF', 65521: 'INTEGRITY',
};

const RCODES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSet', 9: 'NOTAUTH', 10: 'NOTZONE', 11: 'unassigned-11', 12: 'unassigned-12',
  13: 'unassigned-13', 14: 'unassigned-14', 15: 'unassigned-15', 16: 'BADVERS', 17: 'BADKEY', 18: 'BADTIME',
  19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG', 22: 'BADTRUNC', 23: 'BADCOOKIE', 3842: 'BADSIG',
};

/**
 * Names other writers use for a number of the tables above: older Zeek
 * releases (`NB` for 32, `EDNS` for 41), upper-case `NXRRSET`, and the
 * generic `TYPE<n>` of RFC 3597. Read only, never written.
 */
const QUERY_TYPE_ALIASES: Readonly<Record<string, number>> = { NB: 32, EDNS: 41 };
const RCODE_ALIASES: Readonly<Record<string, number>> = { NXRRSET: 8 };

function invert(t: Readonly<Record<number, string>>, aliases: Readonly<Record<string, number>>): Map<string, number> {
  const m = new Map<string, number>(Object.entries(aliases));
  for (const [k, v] of Object.entries(t)) m.set(v, Number(k));
  return m;
}

const QUERY_TYPE_BY_NAME = invert(QUERY_TYPES, QUERY_TYPE_ALIASES);
const RCODE_BY_NAME = invert(RCODES, RCODE_ALIASES);

/** Zeek's `qtype_name` for a QTYPE ("A", "TXT", ...; `query-<n>` for one Zeek does not name). */
export function nameDnsQueryType(qtype: number): string {
  return QUERY_TYPES[qtype] ?? `query-${qtype}`;
}

/** Zeek's `rcode_name` for an RCODE ("NOERROR", "NXDOMAIN", ...; `rcode-<n>` for one Zeek does not name). */
export function nameDnsRcode(rcode: number): string {
  return RCODES[rcode] ?? `rcode-${rcode}`;
}

/** The QTYPE of a name Zeek (or an older Zeek) writes, `query-<n>` or `TYPE<n>`; null for an unknown name. */
export function numberDnsQueryType(name: string): number | null {
  const n = QUERY_TYPE_BY_NAME.get(name);
  if (n !== undefined) return n;
  const m = /^(?:query-|TYPE)(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** The RCODE of a name Zeek writes, or `rcode-<n>`; null for an unknown name. */
export function numberDnsRcode(name: string): number | null {
  const n = RCODE_BY_NAME.get(name);
  if (n !== undefined) return n;
  const m = /^rcode-(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** A DNS record with `qtype`/`qtypeName` and `rcode`/`rcodeName` both filled when the log gave either. */
export function completeDnsCodes(d: DnsRecord): DnsRecord {
  if (d.qtype === null && d.qtypeName !== null) d.qtype = numberDnsQueryType(d.qtypeName);
  else if (d.qtype !== null && d.qtypeName === null) d.qtypeName = nameDnsQueryType(d.qtype);
  if (d.rcode === null && d.rcodeName !== null) d.rcode = numberDnsRcode(d.rcodeName);
  else if (d.rcode !== null && d.rcodeName === null) d.rcodeName = nameDnsRcode(d.rcode);
  return d;
}
