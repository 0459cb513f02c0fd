#!/usr/bin/env node
// Capture ingest throughput (DESIGN.md "Targets": at least 4x the packets/s
// that pcap-parser alone takes to frame the same file, and within 3x of
// `tcpdump -r FILE -w /dev/null`), every figure measured in this run.
//
// Generates (into bench-data/, gitignored, never committed) a classic pcap of
// FLOWHOUND_BENCH_CAPTURE_PACKETS packets (default 5,000,000): interleaved TCP
// sessions (handshake, request, response segments, FIN/ACK teardown, some
// RST and unanswered SYNs), UDP DNS queries and answers, ICMP echo pairs,
// over ~60,000 client and ~3,000 server hosts with random ephemeral ports.
// Then measures on that file:
//   1. flowhound read + decode (readCapturePackets, from dist/)
//   2. flowhound read + decode + flow tracking (readCaptureRecords), when built
//   3. pcap-parser framing alone (counting its 'packet' events)
//   4. tcpdump -r FILE -w /dev/null (apt-get installs tcpdump when missing and root)
//   5. the native flow meters users run today, each tracking connections in
//      the same file: argus (argus-server), softflowd and nfpcapd (nfdump);
//      apt-get installs them when missing and root; FLOWHOUND_BENCH_FLOW_METERS=0
//      skips them. softflowd exports its NetFlow to 127.0.0.1:9 (discard), so
//      nothing leaves the machine.
// and prints packets/s and the ratios. Run `npm run build` first.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
if (!existsSync(join(root, 'dist', 'ingest', 'pcap', 'read-capture.js'))) {
  console.error('capture bench: dist/ingest/pcap/read-capture.js is missing; run `npm run build` first');
  process.exit(1);
}
const { openByteSource } = await import(dist('io/byte-source.js'));
const { readCapturePackets } = await import(dist('ingest/pcap/read-capture.js'));
const { createSeededRandom } = await import(dist('util/seeded-random.js'));
let readCaptureRecords = null;
let trackingUnavailable = 'dist/ingest/capture-ingest.js not built';
if (existsSync(join(root, 'dist', 'ingest', 'capture-ingest.js'))) {
  try {
    ({ readCaptureRecords } = await import(dist('ingest/capture-ingest.js')));
  } catch (e) {
    trackingUnavailable = `dist/ingest/capture-ingest.js does not load: ${e.message}`;
  }
}
const pcapParser = createRequire(import.meta.url)('pcap-parser');

const PACKETS = Number(process.env.FLOWHOUND_BENCH_CAPTURE_PACKETS ?? 5_000_000);
const dataDir = join(root, 'bench-data');
mkdirSync(dataDir, { recursive: true });
const file = join(dataDir, `capture-v1-${PACKETS}.pcap`);


/** Writes the synthetic capture (classic pcap, little-endian, µs, Ethernet). */
function generate() {
  const rnd = createSeededRandom(7);
  const int = (n) => Math.floor(rnd() * n);
  const clients = Array.from({ length: 60000 }, () => [10, int(256), int(256), 1 + int(254)]);
  const servers = Array.from({ length: 3000 }, () => [1 + int(223), int(256), int(256), 1 + int(254)]);
  const resolvers = [
    [10, 0, 0, 53],
    [8, 8, 8, 8],
    [1, 1, 1, 1],
  ];
  const tcpPorts = [443, 443, 443, 80, 80, 22, 25, 993, 8080, 3389, 445];
  const BUF = 16 << 20;
  const buf = Buffer.alloc(BUF);
  let o = 0;
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  const flush = () => {
    writeSync(fd, buf, 0, o);
    o = 0;
  };
  // File header.
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(262144, 16);
  buf.writeUInt32LE(1, 20);
  o = 24;
  let tsUs = 1795132800 * 1e6;
  let ipId = 0;
  let written = 0;

  /** One Ethernet/IPv4 frame; `l4` writes the transport header + payload at `at` and returns its length. */
  function frame(src, dst, proto, l4Len, l4) {
    const ipLen = 20 + l4Len;
    const capLen = 14 + ipLen;
    if (o + 16 + capLen > BUF) flush();
    tsUs += 1 + int(40);
    buf.writeUInt32LE(Math.floor(tsUs / 1e6), o);
    buf.writeUInt32LE(tsUs % 1e6, o + 4);
    buf.writeUInt32LE(capLen, o + 8);
    buf.writeUInt32LE(capLen, o + 12);
    let p = o + 16;
    buf.fill(0x02, p, p + 12);
    buf.writeUInt16BE(0x0800, p + 12);
    p += 14;
    buf[p] = 0x45;
    buf[p + 1] = 0;
    buf.writeUInt16BE(ipLen, p + 2);
    buf.writeUInt16BE(ipId++ & 0xffff, p + 4);
    buf.writeUInt16BE(0x4000, p + 6);
    buf[p + 8] = 64;
    buf[p + 9] = proto;
    buf.writeUInt16BE(0, p + 10);
    for (let i = 0; i < 4; i++) {
      buf[p + 12 + i] = src[i];
      buf[p + 16 + i] = dst[i];
    }
    l4(p + 20);
    o = p + ipLen;
    written++;
  }

  function tcp(src, dst, sport, dport, seq, ack, flags, payloadLen) {
    frame(src, dst, 6, 20 + payloadLen, (at) => {
      buf.writeUInt16BE(sport, at);
      buf.writeUInt16BE(dport, at + 2);
      buf.writeUInt32BE(seq >>> 0, at + 4);
      buf.writeUInt32BE(ack >>> 0, at + 8);
      buf[at + 12] = 0x50;
      buf[at + 13] = flags;
      buf.writeUInt16BE(64240, at + 14);
      buf.writeUInt32BE(0, at + 16);
      buf.fill(0x41, at + 20, at + 20 + payloadLen);
    });
  }

  function dns(src, dst, sport, dport, id, name, qtype, response) {
    const labels = name.split('.');
    const qnameLen = labels.reduce((n, l) => n + 1 + l.length, 1);
    const dnsLen = 12 + qnameLen + 4 + (response ? 16 : 0);
    frame(src, dst, 17, 8 + dnsLen, (at) => {
      buf.writeUInt16BE(sport, at);
      buf.writeUInt16BE(dport, at + 2);
      buf.writeUInt16BE(8 + dnsLen, at + 4);
      buf.writeUInt16BE(0, at + 6);
      let q = at + 8;
      buf.writeUInt16BE(id, q);
      buf.writeUInt16BE(response ? 0x8180 : 0x0100, q + 2);
      buf.writeUInt16BE(1, q + 4);
      buf.writeUInt16BE(response ? 1 : 0, q + 6);
      buf.writeUInt32BE(0, q + 8);
      q += 12;
      for (const l of labels) {
        buf[q++] = l.length;
        q += buf.write(l, q, 'latin1');
      }
      buf[q++] = 0;
      buf.writeUInt16BE(qtype, q);
      buf.writeUInt16BE(1, q + 2);
      q += 4;
      if (response) {
        buf.writeUInt16BE(0xc00c, q);
        buf.writeUInt16BE(1, q + 2);
        buf.writeUInt16BE(1, q + 4);
        buf.writeUInt32BE(300, q + 6);
        buf.writeUInt16BE(4, q + 10);
        buf.writeUInt32BE(0x5db8d822, q + 12);
      }
    });
  }

  function icmp(src, dst, type, id, seq, payloadLen) {
    frame(src, dst, 1, 8 + payloadLen, (at) => {
      buf[at] = type;
      buf[at + 1] = 0;
      buf.writeUInt16BE(0, at + 2);
      buf.writeUInt16BE(id, at + 4);
      buf.writeUInt16BE(seq, at + 6);
      buf.fill(0x61, at + 8, at + 8 + payloadLen);
    });
  }

  /** A session is a generator of packets; 3000 run interleaved. */
  function* tcpSession() {
    const c = clients[int(clients.length)];
    const s = servers[int(servers.length)];
    const cp = 1024 + int(64000);
    const sp = tcpPorts[int(tcpPorts.length)];
    let cs = int(2 ** 32);
    let ss = int(2 ** 32);
    const r = rnd();
    tcp(c, s, cp, sp, cs, 0, 0x02, 0);
    yield;
    if (r < 0.05) return; // unanswered SYN
    if (r < 0.1) {
      tcp(s, c, sp, cp, 0, cs + 1, 0x14, 0); // rejected
      return;
    }
    tcp(s, c, sp, cp, ss, cs + 1, 0x12, 0);
    yield;
    cs++;
    ss++;
    tcp(c, s, cp, sp, cs, ss, 0x10, 0);
    yield;
    const req = 60 + int(500);
    tcp(c, s, cp, sp, cs, ss, 0x18, req);
    cs += req;
    yield;
    for (let i = 0, n = 1 + int(8); i < n; i++) {
      const len = 200 + int(1260);
      tcp(s, c, sp, cp, ss, cs, 0x10, len);
      ss += len;
      yield;
      if (i % 2 === 1) {
        tcp(c, s, cp, sp, cs, ss, 0x10, 0);
        yield;
      }
    }
    if (r < 0.15) {
      tcp(c, s, cp, sp, cs, ss, 0x04, 0);
      return;
    }
    tcp(c, s, cp, sp, cs, ss, 0x11, 0);
    yield;
    tcp(s, c, sp, cp, ss, cs + 1, 0x11, 0);
    yield;
    tcp(c, s, cp, sp, cs + 1, ss + 1, 0x10, 0);
  }

  function* dnsSession() {
    const c = clients[int(clients.length)];
    const r = resolvers[int(resolvers.length)];
    const cp = 1024 + int(64000);
    const id = int(65536);
    const name = `host${int(5000)}.example${int(50)}.com`;
    dns(c, r, cp, 53, id, name, 1, false);
    yield;
    dns(r, c, 53, cp, id, name, 1, true);
  }

  function* icmpSession() {
    const c = clients[int(clients.length)];
    const s = servers[int(servers.length)];
    const id = int(65536);
    for (let seq = 1, n = 1 + int(4); seq <= n; seq++) {
      icmp(c, s, 8, id, seq, 56);
      yield;
      icmp(s, c, 0, id, seq, 56);
      yield;
    }
  }

  const newSession = () => {
    const r = rnd();
    return r < 0.55 ? tcpSession() : r < 0.9 ? dnsSession() : icmpSession();
  };
  const active = Array.from({ length: 3000 }, newSession);
  while (written < PACKETS) {
    const i = int(active.length);
    if (active[i].next().done) active[i] = newSession();
  }
  flush();
  closeSync(fd);
  renameSync(tmp, file);
}

if (!existsSync(file)) {
  const t0 = performance.now();
  generate();
  console.log(`generated ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const sizeMb = statSync(file).size / 1e6;

async function timeFlowhoundDecode() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const source = await openByteSource(file);
  let n = 0;
  let ports = 0;
  for await (const _ of readCapturePackets(
    source,
    (p) => {
      // Frames: a UDP packet on a tunnel port also hands over what it carries (tunnelDepth 1), as Zeek
      // decapsulates by port (a few of the generated DNS answers go to client port 4789 or 4754).
      if (p.tunnelDepth === 0) n++;
      ports += p.dstPort + p.src.length;
    },
    { onWarning: (w) => console.error(w.message) },
  ));
  return { packets: n, sec: (performance.now() - t0) / 1000, cpuSec: cpuSince(c0), check: ports };
}

async function timeFlowhoundTracking() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const source = await openByteSource(file);
  let n = 0;
  let flows = 0;
  let stats = null;
  for await (const batch of readCaptureRecords(source, {
    maxInvalid: 25,
    onWarning: () => {},
    onCaptureStats: (s) => {
      stats = s;
    },
  })) {
    flows += batch.flows.length;
  }
  n = stats?.capture?.packets ?? 0;
  return { packets: n, flows, sec: (performance.now() - t0) / 1000, cpuSec: cpuSince(c0) };
}

function timePcapParser() {
  return new Promise((resolve, reject) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    pcapParser
      .parse(file)
      .on('packet', () => {
        n++;
      })
      .on('error', reject)
      .on('end', () => resolve({ packets: n, sec: (performance.now() - t0) / 1000, cpuSec: cpuSince(c0) }));
  });
}

function ensureTcpdump() {
  if (spawnSync('tcpdump', ['--version']).status === 0) return true;
  if (process.getuid?.() === 0) {
    console.log('installing tcpdump with apt-get ...');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', '-qq', 'tcpdump'], { stdio: 'ignore' });
  }
  return spawnSync('tcpdump', ['--version']).status === 0;
}

/** Runs a shell command line on the capture ("$1"; "$2" a scratch folder) and times it, wall and the children's CPU. */
function timeCommand(name, commandLine) {
  const scratch = join(dataDir, 'scratch');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  const t0 = performance.now();
  // bash's `times` prints the children's user and system CPU time.
  const r = spawnSync('bash', ['-c', `${commandLine} >/dev/null 2>&1 || exit 1; times`, 'bench', file, scratch], { encoding: 'utf8' });
  const sec = (performance.now() - t0) / 1000;
  rmSync(scratch, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  const child = r.stdout.trim().split('\n').pop() ?? '';
  const cpuSec = [...child.matchAll(/(\d+)m([\d.]+)s/g)].reduce((t, m) => t + Number(m[1]) * 60 + Number(m[2]), 0);
  return { packets: PACKETS, sec, cpuSec };
}

const timeTcpdump = () => timeCommand('tcpdump', 'tcpdump -r "$1" -w /dev/null');

/**
 * Connection trackers written in C that users run on captures today, on the same file. Each reads
 * every packet and keeps per-connection state with timeouts, as flowhound's tracker does (none of
 * them writes Zeek's conn_state or history).
 */
const FLOW_METERS = [
  { name: 'argus -r FILE -w OUT', bin: 'argus', pkg: 'argus-server', line: 'argus -r "$1" -w "$2/argus.out"' },
  { name: 'softflowd -r FILE', bin: 'softflowd', pkg: 'softflowd', line: 'softflowd -d -r "$1" -n 127.0.0.1:9' },
  { name: 'nfpcapd -r FILE -w DIR', bin: 'nfpcapd', pkg: 'nfdump', line: 'nfpcapd -r "$1" -w "$2"' },
];

function availableFlowMeters() {
  if (process.env.FLOWHOUND_BENCH_FLOW_METERS === '0') return [];
  const has = (bin) => spawnSync('bash', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status === 0;
  const missing = FLOW_METERS.filter((m) => !has(m.bin));
  if (missing.length > 0 && process.getuid?.() === 0) {
    console.log(`installing ${missing.map((m) => m.pkg).join(', ')} with apt-get ...`);
    spawnSync('apt-get', ['install', '-y', '-qq', ...missing.map((m) => m.pkg)], { stdio: 'ignore' });
  }
  const usable = FLOW_METERS.filter((m) => has(m.bin));
  for (const m of FLOW_METERS) if (!usable.includes(m)) console.log(`${m.name}: not installed and cannot be installed (Debian package ${m.pkg})`);
  return usable;
}

function cpuSince(c0) {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const rate = (r) => r.packets / r.sec;
const cpuRate = (r) => r.packets / r.cpuSec;
const fmt = (r) =>
  `${(rate(r) / 1e6).toFixed(2)} M pkts/s wall (${r.sec.toFixed(2)} s, ${(sizeMb / r.sec).toFixed(0)} MB/s); ${(cpuRate(r) / 1e6).toFixed(2)} M pkts per CPU-second (${r.cpuSec.toFixed(2)} s CPU)`;
const RUNS = Number(process.env.FLOWHOUND_BENCH_RUNS ?? 3);
// Best wall time and best CPU time over the rounds, each taken separately.
const faster = (a, b) => (a === null ? b : { ...a, sec: Math.min(a.sec, b.sec), cpuSec: Math.min(a.cpuSec, b.cpuSec) });

console.log(`capture: ${PACKETS.toLocaleString('en')} packets, ${sizeMb.toFixed(0)} MB (${file})`);
console.log(`best of ${RUNS} interleaved rounds (the machine is shared: interleaving exposes every reader to the same load)`);
const haveTcpdump = ensureTcpdump();
const flowMeters = availableFlowMeters();
const flowMeterRuns = new Map();
let decode = null;
let parser = null;
let tcpdump = null;
let tracking = null;
for (let round = 0; round < RUNS; round++) {
  globalThis.gc?.();
  const d = await timeFlowhoundDecode();
  if (d.packets !== PACKETS) throw new Error(`flowhound read ${d.packets} packets, expected ${PACKETS}`);
  decode = faster(decode, d);
  globalThis.gc?.();
  const p = await timePcapParser();
  if (p.packets !== PACKETS) throw new Error(`pcap-parser read ${p.packets} packets, expected ${PACKETS}`);
  parser = faster(parser, p);
  if (haveTcpdump) tcpdump = faster(tcpdump, timeTcpdump());
  for (const m of flowMeters) flowMeterRuns.set(m, faster(flowMeterRuns.get(m) ?? null, timeCommand(m.name, `PATH="$PATH:/usr/sbin" ${m.line}`)));
  if (readCaptureRecords) {
    globalThis.gc?.();
    tracking = faster(tracking, await timeFlowhoundTracking());
  }
}
console.log(`flowhound read+decode:            ${fmt(decode)}`);
console.log(`pcap-parser framing only:         ${fmt(parser)}`);
if (tcpdump) console.log(`tcpdump -r FILE -w /dev/null:     ${fmt(tcpdump)}`);
else console.log('tcpdump -r FILE -w /dev/null:     (tcpdump not installed and cannot be installed)');
if (tracking) {
  console.log(`flowhound read+decode+tracking:   ${fmt(tracking)}, ${tracking.flows.toLocaleString('en')} flows`);
} else {
  console.log(`flowhound read+decode+tracking:   (${trackingUnavailable})`);
}
for (const [m, r] of flowMeterRuns) console.log(`${`${m.name}:`.padEnd(34)}${fmt(r)}`);
const both = (a, b) => `${(rate(a) / rate(b)).toFixed(1)}x wall, ${(cpuRate(a) / cpuRate(b)).toFixed(1)}x CPU`;
const slower = (a, b) => `${(a.sec / b.sec).toFixed(2)}x wall, ${(a.cpuSec / b.cpuSec).toFixed(2)}x CPU`;
console.log('ratios (wall clock, and CPU time, which shared-machine load disturbs less):');
console.log(`  read+decode vs pcap-parser framing, packets/s:          ${both(decode, parser)} (target >= 4x)`);
if (tracking) console.log(`  read+decode+tracking vs pcap-parser framing, packets/s: ${both(tracking, parser)} (target >= 4x)`);
if (tcpdump) {
  console.log(`  read+decode time / tcpdump time:                        ${slower(decode, tcpdump)} (target within 3x)`);
  if (tracking) console.log(`  read+decode+tracking time / tcpdump time:               ${slower(tracking, tcpdump)} (target within 3x)`);
}
if (tracking && flowMeterRuns.size > 0) {
  console.log('flowhound read+decode+tracking time / native flow meter time (below 1: flowhound is faster):');
  for (const [m, r] of flowMeterRuns) {
    console.log(`  vs ${`${m.name}:`.padEnd(28)}${slower(tracking, r)}`);
  }
}
