/**
 * A Zeek conn.log and dns.log (TSV) made in the test for the scale-out
 * tests: ten minutes of ordinary traffic from 60 clients to 10 servers on
 * 8 services, with a vertical scan, a horizontal scan, a DNS tunnel (TXT
 * queries with long random labels), a rate spike (a burst of connections
 * to one web port) and a telnet session (the shipped port policy's watch
 * list). Lines are in time order per file, as Zeek writes short
 * connections. Deterministic (a seeded generator).
 */
const CONN_FIELDS = 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents';
const CONN_TYPES = 'time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]';
const DNS_FIELDS = 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected';
const DNS_TYPES = 'time string addr port addr port enum count interval string count string count string count string bool bool bool bool count vector[string] vector[interval] bool';

function header(path: string, fields: string, types: string): string {
  return ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${path}`, '#open\t2026-11-23-06-00-00', `#fields\t${fields.replace(/ /g, '\t')}`, `#types\t${types.replace(/ /g, '\t')}`, ''].join('\n');
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const T0 = 1_795_000_000;

export interface ScaleOutLogs {
  conn: string;
  dns: string;
  connLines: number;
  dnsLines: number;
}

export function makeScaleOutLogs(spanSec = 600): ScaleOutLogs {
  const rand = seeded(12);
  const conn: [number, string][] = [];
  const dns: [number, string][] = [];
  let uid = 0;
  const flow = (ts: number, src: string, sp: number, dst: string, dp: number, proto: string, service: string, dur: string, ob: number, rb: number, state: string, history: string, op: number, rp: number): void => {
    conn.push([ts, [ts.toFixed(6), `C${++uid}`, src, sp, dst, dp, proto, service, dur, ob, rb, state, 'T', 'T', 0, history, op, ob + op * 40, rp, rb + rp * 40, '-'].join('\t')]);
  };
  const query = (ts: number, client: string, q: string, qtype: number, qname: string, rcode: number, rname: string, answers: string): void => {
    dns.push([ts, [ts.toFixed(6), `D${++uid}`, client, 30000 + (uid % 30000), '10.2.0.53', 53, 'udp', uid % 65536, '0.010000', q, 1, 'C_INTERNET', qtype, qname, rcode, rname, 'F', 'F', 'T', 'T', 0, answers, answers === '-' ? '-' : '60.000000', 'F'].join('\t')]);
  };
  const services: [number, string, string][] = [[443, 'tcp', 'ssl'], [80, 'tcp', 'http'], [22, 'tcp', 'ssh'], [53, 'udp', 'dns'], [8443, 'tcp', 'ssl'], [3306, 'tcp', '-'], [25, 'tcp', 'smtp'], [110, 'tcp', '-']];
  // Ordinary traffic.
  for (let t = 0; t < spanSec; t += 0.25) {
    const [port, proto, service] = services[Math.floor(rand() * services.length)] as [number, string, string];
    const client = `10.1.${Math.floor(rand() * 6)}.${10 + Math.floor(rand() * 10)}`;
    const server = port === 53 ? '10.2.0.53' : `10.2.0.${1 + Math.floor(rand() * 10)}`;
    const ob = 100 + Math.floor(rand() * 900);
    const rb = 200 + Math.floor(rand() * 9000);
    flow(T0 + t, client, 32768 + Math.floor(rand() * 28000), server, port, proto, service, (rand() * 2).toFixed(6), ob, rb, 'SF', proto === 'tcp' ? 'ShADadFf' : 'Dd', 6, 5);
    if (rand() < 0.3) query(T0 + t + 0.001, client, `www.site${Math.floor(rand() * 50)}.example.com`, 1, 'A', 0, 'NOERROR', '93.184.216.34');
  }
  // A vertical scan: 60 ports of one host, one probe every 0.2 s.
  for (let i = 0; i < 60; i++) flow(T0 + 100 + i * 0.2, '10.66.0.1', 40000 + i, '10.2.0.5', 1000 + i * 13, 'tcp', '-', '-', 0, 0, 'S0', 'S', 1, 0);
  // A horizontal scan: port 445 on 40 hosts.
  for (let i = 0; i < 40; i++) flow(T0 + 200 + i * 0.3, '10.66.0.2', 41000 + i, `10.2.1.${1 + i}`, 445, 'tcp', '-', '-', 0, 0, 'S0', 'S', 1, 0);
  // A DNS tunnel: 300 TXT queries with 40-hex-digit labels under one domain.
  for (let i = 0; i < 300; i++) {
    let label = '';
    for (let k = 0; k < 40; k++) label += Math.floor(rand() * 16).toString(16);
    query(T0 + 300 + i * 0.2, '10.1.0.99', `${label}.t.tunnel-example.com`, 16, 'TXT', 0, 'NOERROR', 'TXT 40 aGVsbG8=');
  }
  // A rate spike: 40 one-second connections a second to 10.2.0.80:8080 for 20 s, from 30 hosts.
  for (let i = 0; i < 800; i++) flow(T0 + 400 + i * 0.025, `10.77.0.${1 + (i % 30)}`, 20000 + i, '10.2.0.80', 8080, 'tcp', 'http', '1.000000', 120, 0, 'S1', 'Sh', 3, 1);
  // A telnet session (the shipped watch list).
  flow(T0 + 500, '10.1.0.5', 50123, '10.2.0.23', 23, 'tcp', '-', '30.000000', 400, 2000, 'SF', 'ShADadFf', 40, 35);
  conn.sort((a, b) => a[0] - b[0]);
  dns.sort((a, b) => a[0] - b[0]);
  return {
    conn: header('conn', CONN_FIELDS, CONN_TYPES) + conn.map((l) => `${l[1]}\n`).join(''),
    dns: header('dns', DNS_FIELDS, DNS_TYPES) + dns.map((l) => `${l[1]}\n`).join(''),
    connLines: conn.length,
    dnsLines: dns.length,
  };
}
