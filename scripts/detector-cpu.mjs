#!/usr/bin/env node
/**
 * Times rule detectors alone, this build against another commit's, in one
 * process: the input is read once per round (by this build's readers), and
 * every batch is pushed to this build's detectors and to the reference's in
 * turn, which goes first alternating batch by batch. CPU is
 * process.cpuUsage() around each push and flush, so reading, the rest of
 * the pipeline and the other side's work are not counted; both sides run
 * under the same load at the same moments, which is what lets a change of
 * a few per cent show on a busy machine where whole `analyze` runs of one
 * build vary by ±25 %. A scavenge one side's garbage starts may still land
 * in the other side's push: compare medians of several rounds.
 *
 *   node scripts/detector-cpu.mjs --ref COMMIT [--cur DIST] [--detectors rate.spike,scan] [--rounds 3] INPUT
 *
 * Detectors (default: all of them) are made as `analyze --no-model` makes
 * them with the default settings and policy. Prints each round's CPU
 * seconds per side, the medians and their ratio, and whether the two sides'
 * findings agree (their JSON, in order); exit 1 when they do not. The
 * reference is built as compare-findings.mjs builds it. Run `npm run build`
 * first.
 */
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { referenceBuild } from './lib/reference-build.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const refCommit = opt('--ref', undefined);
const curDist = resolve(opt('--cur', join(root, 'dist')));
const names = opt('--detectors', '');
const rounds = Number(opt('--rounds', '3'));
const input = argv[0];
if (refCommit === undefined || input === undefined || !(rounds >= 1)) {
  process.stderr.write('usage: node scripts/detector-cpu.mjs --ref COMMIT [--cur DIST] [--detectors a,b] [--rounds N] INPUT\n');
  process.exit(2);
}
const refDist = join(referenceBuild(root, refCommit, 'detector-cpu'), 'dist');

const load = (dist, path) => import(pathToFileURL(join(dist, path)).href);

/** The named rule detectors of the build in `dist`, with the default settings and policy. */
async function detectorsOf(dist) {
  const { createRuleDetectors } = await load(dist, 'detect/create-rule-detectors.js');
  const { DEFAULT_SETTINGS } = await load(dist, 'config/settings.js');
  const { defaultPolicyRules } = await load(dist, 'detect/default-policy.js');
  const all = createRuleDetectors(DEFAULT_SETTINGS, { rules: defaultPolicyRules() });
  const want = names === '' ? all : all.filter((d) => names.split(',').includes(d.name));
  if (want.length === 0) {
    process.stderr.write(`detector-cpu: no detector named ${names} (there are ${all.map((d) => d.name).join(', ')})\n`);
    process.exit(2);
  }
  return want;
}

const { readInput } = await load(curDist, 'ingest/read-input.js');

/** One side: its detectors, CPU microseconds so far and a hash of its findings. */
function side(detectors) {
  return { detectors, us: 0, hash: createHash('sha256'), findings: 0 };
}

function step(s, call) {
  const t = process.cpuUsage();
  let out = [];
  for (const d of s.detectors) out = out.concat(call(d));
  const c = process.cpuUsage(t);
  s.us += c.user + c.system;
  s.findings += out.length;
  for (const f of out) s.hash.update(`${JSON.stringify(f)}\n`);
}

async function round() {
  const cur = side(await detectorsOf(curDist));
  const ref = side(await detectorsOf(refDist));
  let n = 0;
  for await (const batch of readInput(input, { maxInvalid: 0, onWarning: () => {} })) {
    const [a, b] = n++ % 2 === 0 ? [cur, ref] : [ref, cur];
    step(a, (d) => d.push(batch));
    step(b, (d) => d.push(batch));
  }
  step(cur, (d) => d.flush());
  step(ref, (d) => d.flush());
  return { cur: cur.us / 1e6, ref: ref.us / 1e6, same: cur.hash.digest('hex') === ref.hash.digest('hex'), findings: [cur.findings, ref.findings] };
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const results = [];
for (let r = 0; r < rounds; r++) {
  const res = await round();
  results.push(res);
  process.stdout.write(`round ${r + 1}: this ${res.cur.toFixed(2)} s, ${refCommit} ${res.ref.toFixed(2)} s${res.same ? '' : `; findings DIFFER (${res.findings[0]} vs ${res.findings[1]})`}\n`);
}
const mc = median(results.map((x) => x.cur));
const mr = median(results.map((x) => x.ref));
const same = results.every((x) => x.same);
process.stdout.write(
  `${names || 'all detectors'} on ${input}: median this ${mc.toFixed(2)} s, ${refCommit} ${mr.toFixed(2)} s (${(mc / mr).toFixed(3)}×); findings ${same ? `identical (${results[0].findings[0]})` : 'DIFFER'}\n`,
);
process.exit(same ? 0 : 1);
