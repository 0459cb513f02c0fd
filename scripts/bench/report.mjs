#!/usr/bin/env node
// The HTML report's cost on a day of logs (issue 11): `flowhound analyze` of
// the log bench's conn.log (bench-data/conn-N.log, written by
// scripts/bench/logs.mjs; run `npm run bench -- logs` first) with and without
// `--report`, as whole processes: CPU seconds (user + sys) and peak RSS from
// /usr/bin/time, best of FLOWHOUND_BENCH_RUNS (default 2) runs each, and the
// report's size. Targets: report < 5 MB, < 20% extra CPU time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LINES = Number(process.env.FLOWHOUND_BENCH_LOG_LINES ?? 2_000_000);
const RUNS = Number(process.env.FLOWHOUND_BENCH_RUNS ?? 2);
const log = join(root, 'bench-data', `conn-${LINES}.log`);

export function measureReportCost() {
  if (!existsSync(log)) {
    console.log(`report: skipped, ${log} is missing (run \`npm run bench -- logs\` first to write it)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'fh-bench-report-'));
  const html = join(dir, 'report.html');
  const cli = join(root, 'dist', 'cli', 'main.js');
  const base = [cli, 'analyze', log, '--no-model', '--output', 'jsonl', '--out', join(dir, 'findings.jsonl'), '-q'];
  const run = (extra) => {
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, ...base, ...extra], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`analyze failed: ${r.stderr}`);
    const [u, s, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    return { cpu: u + s, rssMb: kb / 1024 };
  };
  const plain = [];
  const withReport = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(run([]));
    withReport.push(run(['--report', html]));
  }
  const best = (xs) => xs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
  const p = best(plain);
  const w = best(withReport);
  const mb = statSync(html).size / 1e6;
  const extra = w.cpu / p.cpu - 1;
  console.log(`report: ${LINES.toLocaleString('en-US')}-line conn.log, best of ${RUNS} runs, CPU seconds (user + sys)`);
  console.log(`  analyze (reference)              ${p.cpu.toFixed(2)} s   peak RSS ${p.rssMb.toFixed(0)} MiB`);
  console.log(`  analyze --report                 ${w.cpu.toFixed(2)} s   peak RSS ${w.rssMb.toFixed(0)} MiB   (+${(extra * 100).toFixed(1)}%; target < 20%: ${extra < 0.2 ? 'met' : 'NOT met'})`);
  console.log(`  report size                      ${mb.toFixed(2)} MB (target < 5 MB: ${mb < 5 ? 'met' : 'NOT met'})`);
  rmSync(dir, { recursive: true, force: true });
}

measureReportCost();
