#!/usr/bin/env node
// Writes fixtures/report/xss-names.pcap: a capture whose DNS query names and
// HTTP Host headers carry HTML and script, for the HTML report's escaping
// test (test/report/report-browser.test.ts). Every injected script would set
// the global `__fhpwned` (lower case: DNS names are lower-cased on ingest).
//
// Contents (Ethernet, IPv4, deterministic times from 2026-11-23 06:00:00 UTC):
// - 150 DNS queries (UDP, answered NXDOMAIN) from 10.77.0.10 to 10.77.0.53
//   for `<img src=x onerror=__fhpwned=1>-N.t.evil.example`: enough unique
//   names under one domain for a tunnel.dns finding, so the names also reach
//   a finding's evidence.
// - 5 queries for `x.</script><script>__fhpwned=2</script>` and
//   `"><svg onload=__fhpwned=3>.example` (a quote to break attributes).
// - 3 HTTP requests 10.77.0.10 -> 10.77.0.20:80 whose Host headers are
//   `<img src=x onerror=__fhpwned=4>.example` and `</script><script>__fhpwned=5</script>`.
// Usage: node scripts/make-report-xss-capture.mjs [OUT.pcap]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'fixtures', 'report', 'xss-names.pcap');

export const XSS_DNS_NAMES = [
  ...Array.from({ length: 150 }, (_, i) => `<img src=x onerror=__fhpwned=1>-${i}.t.evil.example`),
  ...Array.from({ length: 3 }, (_, i) => `x${i}.</script><script>__fhpwned=2</script>`),
  ...Array.from({ length: 2 }, (_, i) => `"><svg onload=__fhpwned=3>-${i}.example`),
];
export const XSS_HTTP_HOSTS = ['<img src=x onerror=__fhpwned=4>.example', '</script><script>__fhpwned=5</script>', '"><svg onload=__fhpwned=6>'];

const packets = [];
let t = 1795413600; // 2026-11-23 06:00:00 UTC
const mac = (n) => Buffer.from([2, 0, 0, 0, 0, n]);
const ip4 = (s) => Buffer.from(s.split('.').map(Number));

function checksum(buf) {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

function ipPacket(src, dst, proto, payload) {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h.writeUInt16BE(packets.length & 0xffff, 4);
  h[8] = 64;
  h[9] = proto;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  h.writeUInt16BE(checksum(h), 10);
  return Buffer.concat([h, payload]);
}

function l4Checksum(src, dst, proto, seg) {
  const pseudo = Buffer.concat([ip4(src), ip4(dst), Buffer.from([0, proto, seg.length >> 8, seg.length & 0xff]), seg]);
  return checksum(pseudo);
}

function frame(srcMac, dstMac, ipBytes) {
  return Buffer.concat([dstMac, srcMac, Buffer.from([0x08, 0x00]), ipBytes]);
}

function push(buf, dt = 0.01) {
  t += dt;
  packets.push({ t, buf });
}

function udp(src, sp, dst, dp, payload) {
  const u = Buffer.alloc(8);
  u.writeUInt16BE(sp, 0);
  u.writeUInt16BE(dp, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  const seg = Buffer.concat([u, payload]);
  seg.writeUInt16BE(l4Checksum(src, dst, 17, seg) || 0xffff, 6);
  return ipPacket(src, dst, 17, seg);
}

function tcp(src, sp, dst, dp, seq, ack, flags, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(64240, 14);
  const seg = Buffer.concat([h, payload]);
  seg.writeUInt16BE(l4Checksum(src, dst, 6, seg), 16);
  return ipPacket(src, dst, 6, seg);
}

function dnsName(name) {
  const parts = name.split('.').map((l) => {
    const b = Buffer.from(l, 'latin1');
    return Buffer.concat([Buffer.from([b.length]), b]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function dnsMessage(id, flags, name, qtype) {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(qtype, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([h, dnsName(name), q]);
}

const client = '10.77.0.10';
const resolver = '10.77.0.53';
const web = '10.77.0.20';
XSS_DNS_NAMES.forEach((name, i) => {
  const id = 0x1000 + i;
  const sport = 40000 + i;
  const qtype = i % 3 === 0 ? 16 : 1; // TXT and A
  push(frame(mac(10), mac(53), udp(client, sport, resolver, 53, dnsMessage(id, 0x0100, name, qtype))), 0.2);
  push(frame(mac(53), mac(10), udp(resolver, 53, client, sport, dnsMessage(id, 0x8183, name, qtype))), 0.002);
});

XSS_HTTP_HOSTS.forEach((host, i) => {
  const sport = 50000 + i;
  let cs = 1000 + i * 7919;
  let ss = 5000 + i * 104729;
  const req = Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: <script>__fhpwned=7</script>\r\n\r\n`, 'latin1');
  const resp = Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 'latin1');
  push(frame(mac(10), mac(20), tcp(client, sport, web, 80, cs, 0, 0x02)), 0.5);
  push(frame(mac(20), mac(10), tcp(web, 80, client, sport, ss, cs + 1, 0x12)), 0.001);
  cs += 1;
  ss += 1;
  push(frame(mac(10), mac(20), tcp(client, sport, web, 80, cs, ss, 0x10)), 0.001);
  push(frame(mac(10), mac(20), tcp(client, sport, web, 80, cs, ss, 0x18, req)), 0.001);
  cs += req.length;
  push(frame(mac(20), mac(10), tcp(web, 80, client, sport, ss, cs, 0x18, resp)), 0.002);
  ss += resp.length;
  push(frame(mac(10), mac(20), tcp(client, sport, web, 80, cs, ss, 0x11)), 0.01);
  push(frame(mac(20), mac(10), tcp(web, 80, client, sport, ss, cs + 1, 0x11)), 0.001);
  push(frame(mac(10), mac(20), tcp(client, sport, web, 80, cs + 1, ss + 1, 0x10)), 0.001);
});

const gh = Buffer.alloc(24);
gh.writeUInt32LE(0xa1b2c3d4, 0);
gh.writeUInt16LE(2, 4);
gh.writeUInt16LE(4, 6);
gh.writeUInt32LE(65535, 16);
gh.writeUInt32LE(1, 20);
const recs = packets.map(({ t: ts, buf }) => {
  const rh = Buffer.alloc(16);
  const sec = Math.floor(ts);
  rh.writeUInt32LE(sec, 0);
  rh.writeUInt32LE(Math.round((ts - sec) * 1e6) % 1e6, 4);
  rh.writeUInt32LE(buf.length, 8);
  rh.writeUInt32LE(buf.length, 12);
  return Buffer.concat([rh, buf]);
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, Buffer.concat([gh, ...recs]));
console.log(`wrote ${out}: ${packets.length} packets`);
