#!/usr/bin/env node
// Start-up: CPU seconds (user + sys) of a command on a tiny input, beside
// `node -e 0` measured in the same run, interleaved (A B A B ...), medians
// of FLOWHOUND_BENCH_STARTUP_RUNS runs (default 9), with each command's
// median ratio to node and its peak RSS. Targets: `flows` on a 2-packet
// pcap ≤ 0.3 CPU-s and ≤ 4x `node -e 0`; `--help` ≤ 0.25 CPU-s.
//
// Timing by /usr/bin/time (user, sys, max RSS of the process). The CLI runs
// with its shebang's V8 flags, as `flowhound` does. Uses dist/ (run
// `npm run build` first; FLOWHOUND_DIST overrides the folder).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(process.env.FLOWHOUND_DIST ?? join(root, 'dist'), 'cli', 'main.js');
const RUNS = Number(process.env.FLOWHOUND_BENCH_STARTUP_RUNS ?? 9);
const cliFlags = readFileSync(join(root, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0].split(/\s+/).filter((a) => a.startsWith('--'));

/** A classic pcap of two packets: a DNS query and its answer over UDP. */
function writeTinyPcap(path) {
  const eth = (payload) => Buffer.concat([Buffer.from('0000000000020000000000010800', 'hex'), payload]);
  const ip = (src, dst, udp) => {
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h.writeUInt16BE(20 + udp.length, 2);
    h[8] = 64;
    h[9] = 17;
    Buffer.from(src).copy(h, 12);
    Buffer.from(dst).copy(h, 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += h.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    h.writeUInt16BE(~sum & 0xffff, 10);
    return Buffer.concat([h, udp]);
  };
  const udp = (sport, dport, payload) => {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(sport, 0);
    h.writeUInt16BE(dport, 2);
    h.writeUInt16BE(8 + payload.length, 4);
    return Buffer.concat([h, payload]);
  };
  const question = Buffer.from('076578616d706c6503636f6d0000010001', 'hex');
  const query = Buffer.concat([Buffer.from('123401000001000000000000', 'hex'), question]);
  const answer = Buffer.concat([Buffer.from('123481800001000100000000', 'hex'), question, Buffer.from('c00c000100010000012c00045db8d822', 'hex')]);
  const frames = [eth(ip([10, 0, 0, 1], [10, 0, 0, 53], udp(40000, 53, query))), eth(ip([10, 0, 0, 53], [10, 0, 0, 1], udp(53, 40000, answer)))];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1795330000, 0);
    r.writeUInt32LE(1000 * (i + 1), 4);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return Buffer.concat([r, f]);
  });
  writeFileSync(path, Buffer.concat([header, ...records]));
}

/** One run under /usr/bin/time: CPU seconds and peak RSS in MiB. */
function measure(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [user, sys, kb] = last.split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(user)) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr.slice(-300)}`);
  return { cpu: user + sys, rssMiB: kb / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function runStartup() {
  const dataDir = join(root, 'bench-data');
  mkdirSync(dataDir, { recursive: true });
  const pcap = join(dataDir, 'startup-2-packets.pcap');
  writeTinyPcap(pcap);
  const node = [process.execPath, '-e', '0'];
  const rows = [
    { name: 'flows, 2-packet pcap', argv: [process.execPath, ...cliFlags, cli, 'flows', pcap], target: 'target ≤ 0.30 CPU-s, ≤ 4x node' },
    { name: '--help', argv: [process.execPath, ...cliFlags, cli, '--help'], target: 'target ≤ 0.25 CPU-s' },
    { name: 'analyze --no-model, 2-packet pcap', argv: [process.execPath, ...cliFlags, cli, 'analyze', pcap, '--no-model', '--quiet'], target: '' },
  ];
  const ref = [];
  for (const r of rows) r.runs = [];
  measure(node);
  for (const r of rows) measure(r.argv);
  for (let i = 0; i < RUNS; i++) {
    ref.push(measure(node));
    for (const r of rows) r.runs.push(measure(r.argv));
  }
  const nodeCpu = median(ref.map((x) => x.cpu));
  console.log(`start-up, medians of ${RUNS} interleaved runs (CPU s = user + sys):`);
  console.log(`  ${'node -e 0 (reference)'.padEnd(36)} ${nodeCpu.toFixed(3)} CPU-s              peak RSS ${median(ref.map((x) => x.rssMiB)).toFixed(0)} MiB`);
  for (const r of rows) {
    const cpu = median(r.runs.map((x) => x.cpu));
    const ratio = median(r.runs.map((x, i) => x.cpu / (ref[i]?.cpu || nodeCpu)));
    console.log(`  ${r.name.padEnd(36)} ${cpu.toFixed(3)} CPU-s  ${ratio.toFixed(2)}x node  peak RSS ${median(r.runs.map((x) => x.rssMiB)).toFixed(0)} MiB  ${r.target}`);
  }
}

runStartup();
