#!/usr/bin/env node
// Model throughput: training and scoring windows per second of the dense
// autoencoder and the LSTM forecaster on the wasm and cpu backends (and node
// when @tensorflow/tfjs-node is installed), measured in the same run on the
// same synthetic windows and printed side by side, with the ratio to cpu.
// Run after `npm run build`: node scripts/bench/model.mjs [--windows N]
import { trainModel, selectBackend, createWindower, FEATURE_COUNT } from '../../dist/index.js';

const args = process.argv.slice(2);
const nWindows = Number(args[args.indexOf('--windows') + 1]) || 1000;

/** Deterministic synthetic windows: 12 ports × consecutive 10 s windows with stationary noise. */
function makeWindows(n) {
  let a = 12345;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ports = [22, 25, 53, 80, 123, 143, 443, 445, 993, 3389, 5353, 8080];
  const out = [];
  for (let i = 0; i < n; i++) {
    const port = ports[i % ports.length];
    const values = new Float64Array(FEATURE_COUNT);
    const flows = 1 + Math.floor(rnd() * 20 * (1 + (port % 7)));
    values[0] = flows;
    values[1] = flows * (2 + rnd() * 20);
    values[2] = values[1] * (60 + rnd() * 900);
    values[3] = 1 + rnd() * 50;
    values[4] = values[1] / 10;
    values[5] = 1 + Math.floor(rnd() * 5);
    values[6] = 1 + Math.floor(rnd() * 3);
    values[7] = rnd() < 0.1 ? rnd() : 0;
    values[8] = values[2] / values[1];
    values[9] = rnd();
    values[10] = rnd() * 5;
    if (port === 53) {
      values[11] = 10 + rnd() * 20;
      values[12] = 2 + rnd() * 2;
      values[13] = rnd() * 0.1;
    }
    out.push({ startSec: 1_700_000_000 + Math.floor(i / ports.length) * 10, windowSec: 10, proto: port === 53 || port === 123 || port === 5353 ? 'udp' : 'tcp', port, values });
  }
  return out;
}

async function available(name) {
  try {
    await selectBackend(name);
    return true;
  } catch {
    return false;
  }
}

// Windowing: 1M synthetic flows through the windower in batches of 1024, beside a reference
// loop that only reads the same fields of every flow (the floor any windowing pays).
{
  const flows = [];
  for (let i = 0; i < 1_000_000; i++) {
    flows.push({ ts: 1.7e9 + i * 0.01, uid: `C${i}`, origH: `10.0.${i % 50}.${i % 200}`, origP: 40000 + (i % 20000), respH: `10.1.0.${i % 30}`, respP: [80, 443, 53, 22][i % 4], proto: i % 4 === 2 ? 'udp' : 'tcp', service: null, duration: (i % 7) * 0.3, origBytes: 100, respBytes: 1000, connState: 'SF', history: 'ShADadFf', missedBytes: 0, origPkts: 5, origIpBytes: 300, respPkts: 6, respIpBytes: 1400 });
  }
  const batches = [];
  for (let i = 0; i < flows.length; i += 1024) batches.push({ flows: flows.slice(i, i + 1024), dns: [], ticks: [], echoes: [] });
  let t = performance.now();
  let sink = 0;
  for (const b of batches) for (const f of b.flows) sink += f.ts + f.respP + f.origPkts + f.respPkts + f.origIpBytes + f.respIpBytes + f.origH.length + f.respH.length;
  const refSec = (performance.now() - t) / 1000;
  const w = createWindower({ windowSec: 10, allowedLatenessSec: 120 });
  t = performance.now();
  let n = 0;
  for (const b of batches) n += w.push(b).length;
  n += w.flush().length;
  const winSec = (performance.now() - t) / 1000;
  console.log(`windowing: ${(flows.length / winSec / 1e6).toFixed(2)} M flows/s (${n} windows); reference field-reading loop ${(flows.length / refSec / 1e6).toFixed(2)} M flows/s; ratio ${(refSec / winSec).toFixed(3)}${sink === 0 ? '' : ''}`);
}

const windows = makeWindows(nWindows);
const results = [];
for (const backend of ['node', 'wasm', 'cpu']) {
  if (!(await available(backend))) {
    console.log(`backend ${backend}: not available, skipped`);
    continue;
  }
  for (const kind of ['dense', 'lstm']) {
    const epochs = kind === 'dense' ? 5 : 1;
    const rates = [];
    const t0 = performance.now();
    const model = await trainModel(windows, {
      kind, seed: 1, epochs, batchSize: 64, learningRate: 0.005, backend, inputs: ['bench'],
      onEpoch: (_k, _e, _n, _loss, wps) => rates.push(wps),
    });
    const trainSec = (performance.now() - t0) / 1000;
    const scorer = model.createScorer();
    scorer.score(windows.slice(0, 64)); // warm-up
    const s0 = performance.now();
    const scorer2 = model.createScorer();
    for (let i = 0; i < windows.length; i += 500) scorer2.score(windows.slice(i, i + 500));
    const scoreSec = (performance.now() - s0) / 1000;
    const epochRate = rates.reduce((x, y) => x + y, 0) / rates.length;
    results.push({ backend, kind, epochRate, trainSec, scoreRate: windows.length / scoreSec });
    model.dispose();
  }
}

const cpu = (kind, key) => results.find((r) => r.backend === 'cpu' && r.kind === kind)?.[key];
console.log(`model bench: ${nWindows} synthetic windows, ${FEATURE_COUNT} features; dense 5 epochs (+5 calibration folds), lstm 1 epoch (30 steps × LSTM(50))`);
console.log('backend  model  train windows/s (per epoch)  × cpu   train call s   score windows/s  × cpu');
for (const r of results) {
  const xt = (r.epochRate / cpu(r.kind, 'epochRate')).toFixed(2);
  const xs = (r.scoreRate / cpu(r.kind, 'scoreRate')).toFixed(2);
  console.log(`${r.backend.padEnd(8)} ${r.kind.padEnd(6)} ${r.epochRate.toFixed(0).padStart(27)}  ${xt.padStart(5)}  ${r.trainSec.toFixed(1).padStart(13)}   ${r.scoreRate.toFixed(0).padStart(14)}  ${xs.padStart(5)}`);
}
