#!/usr/bin/env node
/**
 * Checks that `flowhound analyze` still gives byte-identical findings: runs
 * `analyze --output jsonl --no-model` and `analyze --output jsonl` (the
 * shipped default model) over every capture, log and flow export in
 * ../shared/data and fixtures/, with this checkout's dist/ and with a
 * reference commit's build, and compares stdout byte for byte and the exit
 * status (stderr, the run summary, is not compared).
 *
 *   node scripts/compare-findings.mjs [--ref COMMIT] [--cur DIST] [--no-model-only] [--jobs N] [--filter TEXT]
 *
 * The reference (default e1c45bf, the commit before the pipeline layer) is
 * extracted with `git archive` into $TMPDIR/flowhound-ref-COMMIT, built
 * there with this checkout's node_modules, and its outputs are cached in
 * that folder (keyed by input path, size and mtime), so a second comparison
 * only runs the current build. Run `npm run build` first. Exit 0 when every
 * input agrees, 1 otherwise (the differing inputs are listed).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceBuild } from './lib/reference-build.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const refCommit = opt('--ref', 'e1c45bf');
const jobs = Number(opt('--jobs', '2'));
const curMain = join(resolve(opt('--cur', join(root, 'dist'))), 'cli/main.js');
const filter = opt('--filter', '');
const modes = argv.includes('--no-model-only') ? [['--no-model']] : [['--no-model'], []];

/** Not inputs: documentation, licences, checksums, ground-truth files. */
const SKIP = /\.(md|txt|py|sh|config|zeek|truth\.json)$|(^|\/)(LICENSE|COPYING|SHA256SUMS|totals\.json)$/;

function listInputs() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !SKIP.test(p)) out.push(p);
    }
  };
  for (const d of [resolve(root, '../shared/data'), resolve(root, 'fixtures')]) if (existsSync(d)) walk(d);
  return out.filter((p) => p.includes(filter)).sort();
}

function run(main, input, extra) {
  return new Promise((res) => {
    const child = spawn(process.execPath, [main, 'analyze', input, '--output', 'jsonl', '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    let err = '';
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => {
      if (err.length < 2000) err += c;
    });
    child.on('close', (code) => res({ code, stdout: Buffer.concat(chunks).toString('utf8'), stderr: err }));
  });
}

async function pool(items, n, fn) {
  let i = 0;
  const workers = Array.from({ length: n }, async () => {
    while (i < items.length) {
      const k = i++;
      await fn(items[k], k);
    }
  });
  await Promise.all(workers);
}

const refDir = referenceBuild(root, refCommit, 'compare-findings');
const cacheFile = join(refDir, 'compare-findings-cache.json');
const cache = existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) : {};
const inputs = listInputs();
const tasks = inputs.flatMap((input) => modes.map((extra) => ({ input, extra })));
let differ = 0;
let same = 0;
let withFindings = 0;
let refRuns = 0;
const started = Date.now();
await pool(tasks, jobs, async ({ input, extra }) => {
  const st = statSync(input);
  const key = `${relative(root, input)}|${st.size}|${st.mtimeMs}|${extra.join(' ')}`;
  let ref = cache[key];
  if (!ref) {
    const r = await run(join(refDir, 'dist/cli/main.js'), input, extra);
    ref = { code: r.code, stdout: r.stdout, sha: createHash('sha256').update(r.stdout).digest('hex') };
    cache[key] = ref;
    // Saved as it grows, so an interrupted comparison keeps its reference runs.
    if (++refRuns % 20 === 0) writeFileSync(cacheFile, JSON.stringify(cache));
  }
  const cur = await run(curMain, input, extra);
  const label = `${relative(root, input)} ${extra.join(' ') || '(default model)'}`;
  if (cur.code === ref.code && cur.stdout === ref.stdout) {
    same++;
    if (cur.stdout.length) withFindings++;
    return;
  }
  differ++;
  process.stdout.write(`DIFFERS: ${label}: exit ${ref.code} -> ${cur.code}, ${ref.stdout.split('\n').length - 1} -> ${cur.stdout.split('\n').length - 1} findings\n`);
  if (cur.code !== ref.code) process.stdout.write(`  stderr now: ${cur.stderr.split('\n').slice(0, 3).join(' | ')}\n`);
});
writeFileSync(cacheFile, JSON.stringify(cache));
process.stdout.write(
  `compare-findings: ${inputs.length} inputs x ${modes.length} modes against ${refCommit}: ${same} identical (${withFindings} with findings), ${differ} differ (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
);
process.exitCode = differ === 0 ? 0 : 1;
