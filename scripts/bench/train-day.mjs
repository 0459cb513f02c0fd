#!/usr/bin/env node
// Nightly training (DESIGN.md "Targets": a day of one network's windows trains
// in under 10 minutes on 2 cores, peak RSS under 1 GiB; a warm start is much
// cheaper than a cold one).
//
// 1. Uses the realistic conn.log of `npm run bench -- targets`
//    (bench-data/conn-realistic-2000000.log: 22 hours of one synthetic
//    network, 72,117 windows over 9 ports; made by
//    scripts/bench/lib/generate-conn-log.mjs when it is missing) as "day 1"
//    and the same lines one day later (ts + 86400) as "day 2".
// 2. Times `flowhound train day1 --out model-day1` (cold) and `flowhound train
//    day2 --warm-start model-day1 --out model-day2` (warm) as child processes
//    under /usr/bin/time: CPU seconds (user + sys), wall seconds, peak RSS.
// 3. Prints both, the warm/cold CPU ratio, and how far the per-port dense
//    thresholds moved between the two models.
// FLOWHOUND_BENCH_LOG_LINES (default 2,000,000) picks the log's size.
// Run after `npm run build`: node scripts/bench/train-day.mjs
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateConnLog } from './lib/generate-conn-log.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LINES = Number(process.env.FLOWHOUND_BENCH_LOG_LINES ?? 2_000_000);
const dataDir = join(root, 'bench-data');
const day1 = join(dataDir, `conn-realistic-${LINES}.log`);
const day2 = join(dataDir, `conn-realistic-${LINES}-next-day.log`);
const cli = join(root, 'dist', 'cli', 'main.js');
// The node flags of the CLI's shebang, as when it is run as `flowhound`.
const nodeFlags = readFileSync(join(root, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0].split(/\s+/).filter((a) => a.startsWith('--'));

if (await generateConnLog(day1, LINES, 'realistic')) console.log(`generated ${day1}`);

/** The same log one day later: every record's ts (first column) + 86400. */
async function shiftOneDay(from, to) {
  const out = createWriteStream(to);
  const lines = createInterface({ input: createReadStream(from), crlfDelay: Number.POSITIVE_INFINITY });
  let buf = [];
  for await (const line of lines) {
    if (line.startsWith('#') || line === '') buf.push(line);
    else {
      const tab = line.indexOf('\t');
      buf.push(`${(Number(line.slice(0, tab)) + 86400).toFixed(6)}${line.slice(tab)}`);
    }
    if (buf.length === 10000) {
      if (!out.write(`${buf.join('\n')}\n`)) await new Promise((r) => out.once('drain', r));
      buf = [];
    }
  }
  out.write(buf.length ? `${buf.join('\n')}\n` : '');
  await new Promise((r) => out.end(r));
}
if (!existsSync(day2)) await shiftOneDay(day1, day2);

function timeTrain(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, ...nodeFlags, cli, 'train', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`train failed: ${r.stderr}`);
  const last = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wallSec: last[0], cpuSec: last[1] + last[2], rssMiB: last[3] / 1024, summary: r.stderr.split('\n').filter((l) => l.startsWith('flowhound train') || l.startsWith('  ')).join('\n') };
}

const m1 = join(dataDir, 'model-day1');
const m2 = join(dataDir, 'model-day2');
const cold = timeTrain([day1, '--out', m1, '--backend', 'wasm', '--seed', '1']);
const warm = timeTrain([day2, '--warm-start', m1, '--out', m2, '--backend', 'wasm', '--seed', '1']);
const th = (dir) => new Map(JSON.parse(readFileSync(join(dir, 'flowhound.json'), 'utf8')).dense.portThresholds.map((p) => [p.key, p.threshold]));
const t1 = th(m1);
const t2 = th(m2);
const moves = [...t1].filter(([k]) => t2.has(k)).map(([k, v]) => t2.get(k) / v).sort((a, b) => a - b);
const fmt = (x) => `${x.cpuSec.toFixed(1)} CPU s (wall ${x.wallSec.toFixed(1)} s), peak RSS ${x.rssMiB.toFixed(0)} MiB`;
console.log(`train, cold, ${LINES} conn.log lines:       ${fmt(cold)}`);
console.log(`train --warm-start, the next day:          ${fmt(warm)}`);
console.log(`warm / cold CPU: ${(warm.cpuSec / cold.cpuSec).toFixed(2)}`);
if (moves.length) console.log(`per-port dense thresholds day 2 / day 1 over ${moves.length} ports: min ${moves[0].toFixed(2)}, median ${moves[Math.floor(moves.length / 2)].toFixed(2)}, max ${moves.at(-1).toFixed(2)}`);
console.log(cold.summary);
