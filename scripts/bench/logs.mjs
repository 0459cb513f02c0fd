#!/usr/bin/env node
// Zeek conn.log ingest throughput (DESIGN.md "Targets": >= 1,000,000 lines/s),
// beside `wc -l` on the same file, measured in the same run.
//
// Generates (into bench-data/, gitignored) a realistic conn.log of
// FLOWHOUND_BENCH_LOG_LINES lines (default 2,000,000: TCP/UDP/ICMP, IPv4 and
// some IPv6, services, unset fields on failed connections, out-of-order ts)
// and a gzipped copy, then reads both through readInputs from dist/ (file to
// FlowRecord, end to end) and prints lines/s, the wc -l time, and the
// gzip/plain ratio. Run `npm run build` first.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lib = await import(join(root, 'dist', 'index.js'));
const { createSeededRandom } = await import(join(root, 'dist', 'util', 'seeded-random.js'));
const LINES = Number(process.env.FLOWHOUND_BENCH_LOG_LINES ?? 2_000_000);
const RUNS = Number(process.env.FLOWHOUND_BENCH_RUNS ?? 3);
const dataDir = join(root, 'bench-data');
mkdirSync(dataDir, { recursive: true });
const plain = join(dataDir, `conn-${LINES}.log`);
const gz = `${plain}.gz`;


const B62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

async function generate() {
  const rnd = createSeededRandom(42);
  const int = (n) => Math.floor(rnd() * n);
  const out = createWriteStream(plain);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  await write(
    [
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      '#path\tconn',
      '#open\t2026-11-20-00-00-00',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
      '',
    ].join('\n'),
  );
  let t = 1795132800;
  const servers = Array.from({ length: 400 }, () => `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`);
  const v6 = Array.from({ length: 40 }, () => `2001:db8:${int(65536).toString(16)}::${int(65536).toString(16)}`);
  let buf = [];
  for (let i = 0; i < LINES; i++) {
    t += rnd() * 0.002;
    let uid = 'C';
    for (let k = 0; k < 17; k++) uid += B62[int(62)];
    const r = rnd();
    const six = rnd() < 0.04;
    const oh = six ? `2001:db8:1::${(1 + int(500)).toString(16)}` : `10.${int(4)}.${int(256)}.${1 + int(254)}`;
    const rh = six ? v6[int(v6.length)] : servers[int(servers.length)];
    const ts = (t - (rnd() < 0.1 ? rnd() * 60 : 0)).toFixed(6);
    let line;
    if (r < 0.62) {
      const ok = rnd() < 0.85;
      const port = [443, 443, 443, 80, 22, 8080, 3389, 445][int(8)];
      const service = ok ? (port === 443 ? 'ssl' : port === 80 || port === 8080 ? 'http' : port === 22 ? 'ssh' : '-') : '-';
      if (ok) {
        const op = 3 + int(40);
        const rp = 2 + int(60);
        const ob = int(5000);
        const rb = int(200000);
        line = `${ts}\t${uid}\t${oh}\t${1024 + int(64000)}\t${rh}\t${port}\ttcp\t${service}\t${(rnd() * 30).toFixed(6)}\t${ob}\t${rb}\tSF\tT\tF\t0\tShADadFf\t${op}\t${ob + op * 52}\t${rp}\t${rb + rp * 52}\t-`;
      } else {
        const st = ['S0', 'REJ', 'RSTO', 'SH'][int(4)];
        line = `${ts}\t${uid}\t${oh}\t${1024 + int(64000)}\t${rh}\t${port}\ttcp\t-\t-\t-\t-\t${st}\tT\tF\t0\tS\t1\t60\t0\t0\t-`;
      }
    } else if (r < 0.95) {
      const dns = rnd() < 0.8;
      line = `${ts}\t${uid}\t${oh}\t${1024 + int(64000)}\t${dns ? '10.0.0.53' : rh}\t${dns ? 53 : 123}\tudp\t${dns ? 'dns' : 'ntp'}\t${(rnd() * 0.1).toFixed(6)}\t${30 + int(40)}\t${60 + int(400)}\tSF\tT\tT\t0\tDd\t1\t${60 + int(40)}\t1\t${90 + int(400)}\t-`;
    } else {
      line = `${ts}\t${uid}\t${oh}\t8\t${rh}\t0\ticmp\t-\t${(rnd() * 5).toFixed(6)}\t${64 * (1 + int(5))}\t${64 * int(5)}\tOTH\tT\tF\t0\t-\t${1 + int(5)}\t${92 * (1 + int(5))}\t${int(5)}\t${92 * int(5)}\t-`;
    }
    buf.push(line);
    if (buf.length === 10000) {
      await write(`${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) await write(`${buf.join('\n')}\n`);
  await write('#close\t2026-11-21-00-00-00\n');
  await new Promise((r) => out.end(r));
  await pipeline(createReadStream(plain), createGzip({ level: 6 }), createWriteStream(gz));
}

if (!existsSync(plain) || !existsSync(gz) || statSync(gz).mtimeMs < statSync(plain).mtimeMs) {
  for (const f of readdirSync(dataDir)) if (/^conn-\d+\.log(\.gz)?$/.test(f)) spawnSync('rm', ['-f', join(dataDir, f)]);
  const t0 = performance.now();
  await generate();
  console.log(`generated ${plain} and .gz in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

function timeCommand(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], shell: false });
  if (r.status !== 0) throw new Error(`${cmd} failed`);
  return (performance.now() - t0) / 1000;
}

/** CPU seconds (all threads of this process) per read, beside the wall time: less sensitive to other jobs on the machine. */
const cpuSec = { plain: [], gz: [] };

async function timeRead(path, kind) {
  let flows = 0;
  let warnings = 0;
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for await (const b of lib.readInputs([path], { maxInvalid: 25, onWarning: () => warnings++ })) flows += b.flows.length;
  const sec = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  cpuSec[kind].push((c.user + c.system) / 1e6);
  if (flows !== LINES) throw new Error(`read ${flows} flows from ${path}, expected ${LINES} (${warnings} warnings)`);
  return sec;
}

const best = (xs) => Math.min(...xs);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = statSync(plain).size / 1e6;

const wc = [];
const rdPlain = [];
const rdGz = [];
const zc = [];
for (let i = 0; i < RUNS; i++) {
  wc.push(timeCommand('wc', ['-l', plain]));
  rdPlain.push(await timeRead(plain, 'plain'));
  zc.push(timeCommand('sh', ['-c', `gzip -dc '${gz}' > /dev/null`]));
  rdGz.push(await timeRead(gz, 'gz'));
}
const p = best(rdPlain);
const g = best(rdGz);
console.log(`conn.log: ${fmt(LINES)} lines, ${mb.toFixed(0)} MB (gz ${(statSync(gz).size / 1e6).toFixed(0)} MB); best of ${RUNS} runs, node ${process.version}`);
console.log(`  wc -l (reference)                  ${best(wc).toFixed(3)} s   ${fmt(LINES / best(wc))} lines/s`);
console.log(`  flowhound file -> FlowRecord       ${p.toFixed(3)} s   ${fmt(LINES / p)} lines/s   (${(p / best(wc)).toFixed(1)}x wc -l; target >= 1,000,000 lines/s: ${LINES / p >= 1e6 ? 'met' : 'NOT met'})`);
console.log(`    (CPU time: ${best(cpuSec.plain).toFixed(3)} s = ${fmt(LINES / best(cpuSec.plain))} lines per CPU-second)`);
console.log(`  gzip -dc > /dev/null (reference)   ${best(zc).toFixed(3)} s`);
console.log(`  flowhound .gz -> FlowRecord        ${g.toFixed(3)} s   ${fmt(LINES / g)} lines/s   (${(g / p).toFixed(2)}x plain; target <= 2x: ${g / p <= 2 ? 'met' : 'NOT met'})`);
console.log(`    (CPU time: ${best(cpuSec.gz).toFixed(3)} s, incl. zlib on the thread pool)`);

// End to end to features, through the windower (src/window, another part) when it is built.
if (typeof lib.createWindower === 'function') {
  const rdWin = [];
  let windows = 0;
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    const t0 = performance.now();
    const w = lib.createWindower();
    let flows = 0;
    windows = 0;
    for await (const b of lib.readInputs([plain], { maxInvalid: 25, onWarning: () => {} })) {
      flows += b.flows.length;
      windows += w.push(b).length;
    }
    windows += w.flush().length;
    rdWin.push((performance.now() - t0) / 1000);
    if (flows !== LINES) throw new Error(`windowed read saw ${flows} flows`);
  }
  const wsec = best(rdWin);
  console.log(`  flowhound file -> FeatureWindow    ${wsec.toFixed(3)} s   ${fmt(LINES / wsec)} lines/s   (${windows} windows; target >= 1,000,000 lines/s: ${LINES / wsec >= 1e6 ? 'met' : 'NOT met'})`);
} else {
  console.log('  file -> features: not measured (no createWindower in dist/)');
}
