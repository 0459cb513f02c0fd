/**
 * Which Zeek log a header (or a JSON line) belongs to. The log's path
 * (`#path` / `_path`) decides when present: "conn" and "dns" are read, any
 * other path (http, ssl, conn_long, ...) is skipped and counted. Without a
 * path the columns decide: a dns.log has `query` or `qtype`; a conn.log has
 * the 5-tuple and `conn_state`, `history` or `orig_pkts`.
 */
export type ZeekLogKind = 'conn' | 'dns';

export function classifyZeekLog(path: string | null, has: (field: string) => boolean): ZeekLogKind | null {
  if (path !== null && path !== '') {
    if (path === 'conn') return 'conn';
    if (path === 'dns') return 'dns';
    return null;
  }
  const tuple = has('id.orig_h') && has('id.resp_h');
  if (!tuple || !has('ts')) return null;
  if (has('query') || has('qtype')) return 'dns';
  if (has('conn_state') || has('history') || has('orig_pkts')) return 'conn';
  return null;
}

/** The Zeek columns flowhound reads, in its records' terms. */
export const CONN_COLUMNS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes',
  'ip_proto',
] as const;

export const DNS_COLUMNS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'query', 'qtype',
  'qtype_name', 'rcode', 'rcode_name', 'answers', 'TTLs', 'rtt', 'qclass', 'qclass_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'rejected',
] as const;

/** Columns without which a record cannot be made (a header lacking one is refused). */
export const REQUIRED_COLUMNS = ['ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'] as const;
