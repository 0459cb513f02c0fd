#!/usr/bin/env node
/**
 * `npm run eval` (after `npm run build`): flowhound's baseline against an
 * Isolation Forest (Debian's python3-sklearn, scripts/eval/iforest.py) and a
 * per-feature robust z-score, on the same feature windows.
 *
 * Data sets:
 * - CIC-IDS2017 sample (../shared/data/fuh/...): BENIGN_2500.csv split by
 *   time, the first 60 % of its windows train, the rest is held-out benign;
 *   each attack CSV is one attack class (every window of it is an attack
 *   window: the files hold only that label's flows).
 * - The lab (fixtures/lab): benign-1..3 train, benign-4 is held out; attack
 *   windows of each attack capture are the windows its truth file's
 *   attackers' records land in (as test/model/lab-baseline.test.ts).
 *
 * Scores (higher = more anomalous):
 * - flowhound: a model trained by `trainModel` (dense, seed 1) judging each
 *   window (src/model/judge-windows.ts): score / threshold of the port's
 *   (or port class's) baseline, or the dense network's per-port ratio when
 *   higher; a port never seen in training scores at least 1; a window of a
 *   port with too little history and no class baseline scores 0. "alarm" is its own decision (evidence floor
 *   included), not a threshold chosen by the harness.
 * - iforest: sklearn IsolationForest on the 18 transformed features.
 * - robust z: max over features of |x − median| / (1.4826 MAD) of the
 *   transformed features, fitted on the training windows (all ports pooled).
 *
 * Metrics per attack class: detection at 1 % and 5 % false-positive rate
 * (threshold = that quantile of the held-out benign windows' scores), and
 * ROC AUC (attack windows against held-out benign windows, ties halved).
 * Prints a markdown table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_MAX_INVALID, readInputs } from '../dist/ingest/read-input.js';
import { createHostTally } from '../dist/model/network-profile.js';
import { trainModel } from '../dist/model/train-model.js';
import { FEATURE_COUNT, transformFeatures } from '../dist/window/feature-schema.js';
import { collectFeatureWindows, createWindower } from '../dist/window/windower.js';

const ROOT = resolve(import.meta.dirname, '..');
const CIC = resolve(ROOT, '..', 'shared', 'data', 'fuh', 'nids-daten', 'sampled_CICIDS2017_improved_rnd_2500');
const LAB = join(ROOT, 'fixtures', 'lab');
const PYTHON = '/usr/bin/python3';
const readOptions = { maxInvalid: DEFAULT_MAX_INVALID, onWarning: () => {} };

async function readBatches(files) {
  const out = [];
  for await (const b of readInputs(files, readOptions)) out.push(b);
  return out;
}

async function* iterate(items) {
  for (const x of items) yield x;
}

async function windowsOf(batches) {
  return (await collectFeatureWindows(iterate(batches), { windowSec: 10 })).windows;
}

function transformed(w) {
  return Array.from(transformFeatures(w.values));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? 0 : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function fitRobustZ(train) {
  const rows = train.map(transformed);
  const med = [];
  const scale = [];
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const col = rows.map((r) => r[j]);
    const m = median(col);
    med.push(m);
    scale.push(Math.max(1e-3, 1.4826 * median(col.map((x) => Math.abs(x - m)))));
  }
  return (w) => {
    const t = transformed(w);
    let best = 0;
    for (let j = 0; j < FEATURE_COUNT; j++) best = Math.max(best, Math.abs(t[j] - med[j]) / scale[j]);
    return best;
  };
}

function iforestScores(train, test, seed = 1) {
  const r = spawnSync(PYTHON, [join(ROOT, 'scripts', 'eval', 'iforest.py')], {
    input: JSON.stringify({ train: train.map(transformed), test: test.map(transformed), seed }),
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`iforest.py failed: ${r.stderr?.toString() ?? r.error}`);
  return JSON.parse(r.stdout.toString()).scores;
}

/** flowhound's judgement of windows (in time order), one score and alarm per window. */
function judge(model, windows) {
  return model
    .createJudge()
    .judge(windows)
    .map((j) => ({ score: j.ratio, alarm: j.alarm }));
}

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.POSITIVE_INFINITY;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function detectionAt(benign, attack, fpr) {
  const th = quantile([...benign].sort((a, b) => a - b), 1 - fpr);
  return attack.filter((s) => s > th).length / Math.max(1, attack.length);
}

function auc(benign, attack) {
  let wins = 0;
  for (const a of attack) for (const b of benign) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / Math.max(1, attack.length * benign.length);
}

const pct = (x) => `${(100 * x).toFixed(0)} %`;

async function evaluate(name, trainWindows, network, benignHeld, classes) {
  const model = await trainModel(trainWindows, { kind: 'dense', seed: 1, epochs: 30, batchSize: 64, learningRate: 0.005, backend: 'wasm', inputs: [name], network });
  const z = fitRobustZ(trainWindows);
  const all = [benignHeld, ...classes.map((c) => c.windows)];
  const rows = [];
  const flat = all.flat();
  const ifAll = iforestScores(trainWindows, flat);
  let k = 0;
  const ifBy = all.map((ws) => ws.map(() => ifAll[k++]));
  const fhBy = all.map((ws) => judge(model, [...ws].sort((a, b) => a.startSec - b.startSec)));
  const zBy = all.map((ws) => ws.map(z));
  const fhBenign = fhBy[0].map((x) => x.score);
  const benignAlarms = fhBy[0].filter((x) => x.alarm).length;
  rows.push(`| ${name}: held-out benign | ${benignHeld.length} | flowhound's own alarms: ${benignAlarms} | | | |`);
  classes.forEach((c, i) => {
    const fh = fhBy[i + 1].map((x) => x.score);
    const alarms = fhBy[i + 1].filter((x) => x.alarm).length;
    const cell = (b, a) => `${pct(detectionAt(b, a, 0.01))} / ${pct(detectionAt(b, a, 0.05))} / ${auc(b, a).toFixed(2)}`;
    rows.push(`| ${name}: ${c.name} | ${c.windows.length} | ${cell(fhBenign, fh)} (own alarms ${alarms}) | ${cell(ifBy[0], ifBy[i + 1])} | ${cell(zBy[0], zBy[i + 1])} |`);
  });
  model.dispose();
  return rows;
}

function attackKeys(batches, a) {
  const w = createWindower({ windowSec: 10 });
  const dnsOf = (b) => b.dns.filter((d) => d.client === a.src && (a.dst === null || d.server === a.dst) && (!a.domain || d.query === a.domain || d.query.endsWith(`.${a.domain}`)));
  const tunnelUids = new Set(batches.flatMap((b) => dnsOf(b).map((d) => d.uid)));
  for (const b of batches) {
    const flows = b.flows.filter((f) => f.origH === a.src && (a.dst === null || f.respH === a.dst) && (a.port === null || a.port === undefined || f.respP === a.port) && (!a.domain || tunnelUids.has(f.uid)));
    w.push({ flows, dns: a.domain ? dnsOf(b) : [], ticks: [], echoes: [] });
  }
  return new Set(w.flush().map((x) => `${x.startSec} ${x.proto}/${x.port}`));
}

async function main() {
  const rows = ['| data: class | windows | flowhound (det. @1 % / @5 % FPR / AUC) | Isolation Forest | robust z |', '| --- | --- | --- | --- | --- |'];
  if (existsSync(CIC)) {
    const benignBatches = await readBatches([join(CIC, 'BENIGN_2500.csv')]);
    const hosts = createHostTally();
    for (const b of benignBatches) hosts.add(b.flows);
    const benign = (await windowsOf(benignBatches)).sort((a, b) => a.startSec - b.startSec);
    const cut = Math.floor(benign.length * 0.6);
    const classes = [];
    for (const f of readdirSync(CIC).filter((x) => x.endsWith('.csv') && x !== 'BENIGN_2500.csv').sort()) {
      classes.push({ name: f.replace('_2500.csv', ''), windows: await windowsOf(await readBatches([join(CIC, f)])) });
    }
    for (const r of await evaluate('CIC-IDS2017', benign.slice(0, cut), hosts.profile(), benign.slice(cut), classes)) rows.push(r);
  } else rows.push('| CIC-IDS2017: ../shared/data absent | | | | |');

  const benignFiles = readdirSync(LAB).filter((f) => /^benign-\d+\.pcap$/.test(f)).sort();
  const trainBatches = await readBatches(benignFiles.slice(0, -1).map((f) => join(LAB, f)));
  const hosts = createHostTally();
  for (const b of trainBatches) hosts.add(b.flows);
  const trainWindows = await windowsOf(trainBatches);
  const held = await windowsOf(await readBatches([join(LAB, benignFiles.at(-1))]));
  const classes = [];
  for (const f of readdirSync(LAB).filter((x) => x.endsWith('.truth.json')).sort()) {
    const truth = JSON.parse(readFileSync(join(LAB, f), 'utf8'));
    const expected = [...(truth.expected ?? []), ...(truth.modelExpected ?? [])].filter((e) => e.src);
    if (expected.length === 0 || truth.modelTarget === false) continue;
    const batches = await readBatches([join(LAB, truth.capture)]);
    const keys = new Set();
    for (const e of expected) for (const k of attackKeys(batches, e)) keys.add(k);
    const windows = (await windowsOf(batches)).filter((w) => keys.has(`${w.startSec} ${w.proto}/${w.port}`));
    classes.push({ name: truth.capture.replace('.pcap', ''), windows });
  }
  for (const r of await evaluate('lab', trainWindows, hosts.profile(), held, classes)) rows.push(r);
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
