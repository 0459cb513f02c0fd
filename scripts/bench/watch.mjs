#!/usr/bin/env node
// Streaming (`watch`) figures, each beside its reference from the same run:
//
// 1. Latency from the line that completes a finding being written to the
//    finding printed on watch's stdout, at --poll-ms 250 (default) and 50,
//    beside the poll interval itself (the expected bound is about one poll
//    plus processing). The scan's lines are written first; the timed line is
//    a later connection that moves event time past the scan window (the
//    data, not the clock, completes the finding: DESIGN.md).
// 2. Catch-up throughput: `watch FILE --exit-idle` over an existing conn.log
//    of FLOWHOUND_BENCH_WATCH_LINES lines (default 300,000) beside `analyze`
//    on the same file (both --no-model), lines/s.
//
// Uses dist/ (run `npm run build` first; FLOWHOUND_DIST overrides the folder).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(process.env.FLOWHOUND_DIST ?? join(root, 'dist'), 'cli', 'main.js');
const RUNS = Number(process.env.FLOWHOUND_BENCH_RUNS ?? 5);
const LINES = Number(process.env.FLOWHOUND_BENCH_WATCH_LINES ?? 300_000);
const T0 = 1795330000;

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-11-23-06-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
  '',
].join('\n');

const probe = (ts, i) => `${ts.toFixed(6)}\tCp${i}\t10.1.0.66\t${40000 + (i % 20000)}\t10.1.0.20\t${1 + (i % 60000)}\ttcp\t-\t-\t-\t-\tS0\tT\tT\t0\tS\t1\t44\t0\t0\t-\n`;
const benign = (ts, i) => `${ts.toFixed(6)}\tCb${i}\t10.2.${(i >> 8) & 255}.${i & 255}\t${50000 + (i % 10000)}\t10.3.0.${i % 50}\t${[80, 443, 53, 22][i % 4]}\ttcp\t-\t0.250000\t300\t1200\tSF\tT\tT\t0\tShADadFf\t6\t620\t5\t1480\t-\n`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function latencyOnce(dir, pollMs) {
  const log = join(dir, `conn-${pollMs}.log`);
  writeFileSync(log, HEADER);
  const child = spawn(process.execPath, [cli, 'watch', log, '--no-model', '--lateness', '5', '--idle-flush', '0', '--poll-ms', String(pollMs), '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onLine = () => undefined;
  child.stdout.on('data', (c) => {
    out += c;
    onLine();
  });
  await new Promise((r) => setTimeout(r, 1500)); // start-up (module loading), not measured
  let scan = '';
  for (let i = 0; i < 30; i++) scan += probe(T0 + i * 0.1, i);
  appendFileSync(log, scan);
  await new Promise((r) => setTimeout(r, 3 * pollMs + 100));
  const t = performance.now();
  const got = new Promise((resolve) => {
    onLine = () => {
      if (out.includes('scan.vertical')) resolve(performance.now() - t);
    };
  });
  appendFileSync(log, benign(T0 + 400, 1));
  const ms = await Promise.race([got, new Promise((r) => setTimeout(() => r(Number.NaN), 10_000))]);
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  rmSync(log);
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), 'fh-bench-watch-'));
try {
  for (const pollMs of [250, 50]) {
    const xs = [];
    for (let r = 0; r < RUNS; r++) xs.push(await latencyOnce(dir, pollMs));
    console.log(
      `latency line written → finding printed, --poll-ms ${pollMs}: median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')} ms); reference: poll interval ${pollMs} ms`,
    );
  }

  const big = join(dir, 'catch-up.log');
  let text = HEADER;
  const parts = [];
  for (let i = 0; i < LINES; i++) {
    text += benign(T0 + i * 0.01, i);
    if (text.length > 1 << 20) {
      parts.push(text);
      text = '';
    }
  }
  parts.push(text);
  writeFileSync(big, parts.join(''));
  const time = (args) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return (performance.now() - t) / 1000;
  };
  const idleSec = 0.5;
  const w = [];
  const a = [];
  for (let r = 0; r < Math.min(RUNS, 3); r++) {
    w.push(time(['watch', big, '--no-model', '--exit-idle', String(idleSec), '--idle-flush', '0', '--quiet']) - idleSec);
    a.push(time(['analyze', big, '--no-model', '--output', 'jsonl', '--quiet']));
  }
  const wb = Math.min(...w);
  const ab = Math.min(...a);
  console.log(
    `catch-up over ${LINES.toLocaleString('en-US')} lines: watch ${(LINES / wb / 1000).toFixed(0)} k lines/s (best ${wb.toFixed(2)} s, minus the ${idleSec} s exit-idle wait); reference: analyze ${(LINES / ab / 1000).toFixed(0)} k lines/s (best ${ab.toFixed(2)} s); ratio ${(ab / wb).toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
