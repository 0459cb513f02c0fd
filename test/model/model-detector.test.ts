import { createRecordBatch, type Finding, type RecordBatch } from '../../src/types.js';
import { loadModel } from '../../src/model/flowhound-model.js';
import { createModelDetector } from '../../src/model/model-detector.js';
import { createHostTally } from '../../src/model/network-profile.js';
import { trainModel } from '../../src/model/train-model.js';
import { collectFeatureWindows } from '../../src/window/windower.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iterate, makeBatch, makeBenignTraffic, makeFlow } from './records.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowhound-detector-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(detector: { push(b: RecordBatch): Finding[]; flush(): Finding[] }, batches: RecordBatch[]): Finding[] {
  return [...batches.flatMap((b) => detector.push(b)), ...detector.flush()];
}

/** The benign generator's traffic with every 10.0.x.y address moved to 192.168.x.y (another network, same behaviour). */
function elsewhere(batches: RecordBatch[]): RecordBatch[] {
  const move = (a: string) => a.replace(/^10\.0\./, '192.168.');
  return batches.map((b) => ({ ...b, flows: b.flows.map((f) => ({ ...f, origH: move(f.origH), respH: move(f.respH) })) }));
}

describe('model detector with a trained model (baseline.deviation)', () => {
  const t0 = 1_800_000_000;
  let modelDir = '';

  beforeAll(async () => {
    const training = makeBenignTraffic(t0, 1200, 11);
    const hosts = createHostTally();
    for (const b of training) hosts.add(b.flows);
    const { windows } = await collectFeatureWindows(iterate(training), { windowSec: 10 });
    const trained = await trainModel(windows, { kind: 'dense', seed: 5, epochs: 8, batchSize: 32, learningRate: 0.01, backend: 'cpu', inputs: ['synthetic'], network: hosts.profile() });
    modelDir = join(tmp, 'dense');
    await trained.save(modelDir);
    trained.dispose();
  });

  it('stays quiet on held-out benign traffic and flags a flood with evidence relative to the port', async () => {
    const model = await loadModel(modelDir, { backend: 'cpu' });
    expect(model.meta.baselines.ports.map((p) => p.key).sort()).toEqual(['tcp/443', 'tcp/80', 'udp/53']);

    const benign = model.detector();
    const benignFindings = run(benign, makeBenignTraffic(t0 + 7200, 600, 99));
    expect(benign.stats().windowsScored).toBeGreaterThan(150);
    expect(benignFindings).toEqual([]);

    // A SYN flood on tcp/80 in one 10 s window, on top of benign traffic.
    const attack = model.detector();
    const batches = makeBenignTraffic(t0 + 9000, 60, 5);
    const flood = createRecordBatch();
    for (let i = 0; i < 900; i++) {
      flood.flows.push(makeFlow({ ts: t0 + 9020 + i / 100, respP: 80, origH: '10.9.9.9', respH: '10.0.2.1', duration: null, origPkts: 1, respPkts: 1, origIpBytes: 40, respIpBytes: 40, connState: 'REJ' }));
    }
    const findings = [...batches.flatMap((b) => attack.push(b)), ...attack.push(flood), ...attack.push(makeBatch({})), ...attack.flush()];
    const onFlood = findings.filter((f) => f.port === 80 && f.ts === t0 + 9020);
    expect(onFlood).toHaveLength(1);
    const f = onFlood[0]!;
    expect(f.kind).toBe('baseline.deviation');
    expect(f.detector).toBe('model');
    expect(f.src).toBe('10.9.9.9'); // the flooder holds most of the window's flows
    expect(['high', 'critical']).toContain(f.severity);
    const top = f.evidence.topFeatures as { feature: string; observed: number; p50: number; p99: number; factor: number | null }[];
    expect(top.length).toBeGreaterThan(0);
    expect(top.map((t) => t.feature)).toContain('flows');
    for (const t of top) {
      // Every feature named lies outside the port's own training range: none at its median.
      expect(t.observed).not.toBe(t.p50);
      expect(t.observed > t.p99 || t.observed < t.p50).toBe(true);
    }
    const flowsDev = top.find((t) => t.feature === 'flows')!;
    expect(flowsDev.factor).toBeGreaterThan(10);
    expect((f.evidence.topSources as { addr: string }[])[0]!.addr).toBe('10.9.9.9');
    // Stable id: the same input gives the same finding id.
    const again = model.detector();
    const ids = [...batches.flatMap((b) => again.push(b)), ...again.push(flood), ...again.flush()].filter((g) => g.port === 80 && g.ts === t0 + 9020).map((g) => g.id);
    expect(ids).toEqual([f.id]);
    model.dispose();
  });

  it('reports a new service port carrying sessions, not a stray probe or a scan of unlearned ports', async () => {
    const model = await loadModel(modelDir, { backend: 'cpu' });
    const listener = createRecordBatch();
    for (let i = 0; i < 6; i++) listener.flows.push(makeFlow({ ts: t0 + 9100 + i, respP: 4444, origH: '10.0.1.7', respH: '10.0.2.3', connState: 'SF' }));
    const stray = createRecordBatch();
    stray.flows.push(makeFlow({ ts: t0 + 9200, respP: 5555, origH: '10.0.1.8', respH: '10.0.2.3', connState: 'SF' }));
    const probes = createRecordBatch();
    for (let p = 1000; p < 1040; p++) probes.flows.push(makeFlow({ ts: t0 + 9500 + (p - 1000) * 0.1, respP: p, origH: '10.6.6.6', respH: '10.0.2.2', duration: null, origPkts: 1, respPkts: 1, origIpBytes: 44, respIpBytes: 40, connState: 'REJ', history: 'Sr' }));
    const statuses: string[] = [];
    const d = model.detector({
      onScores: (judged) => {
        for (const j of judged) if (j.window.port >= 1000) statuses.push(j.status);
      },
    });
    const findings = run(d, [...makeBenignTraffic(t0 + 9000, 60, 5), listener, stray, probes]);
    const novel = findings.filter((f) => f.evidence.reason === 'new-port');
    expect(novel.map((f) => f.port)).toEqual([4444]);
    expect(novel[0]!.evidence.established).toBe(6);
    expect(novel[0]!.dst).toBe('10.0.2.3');
    expect(findings.filter((f) => f.port === 5555 || (f.port !== null && f.port >= 1000 && f.port < 1040))).toEqual([]);
    // The stray flow and the probes' ports have no baseline of their own: judged against the class of all ports, without alarm.
    expect(statuses.filter((x) => x === 'judged-class')).toHaveLength(41);
    expect(statuses.filter((x) => x === 'novel-port')).toHaveLength(1);
    model.dispose();
  });

  it('does not judge traffic of a network it never learned, and says why', async () => {
    const model = await loadModel(modelDir, { backend: 'cpu' });
    const flood = createRecordBatch();
    for (let i = 0; i < 900; i++) flood.flows.push(makeFlow({ ts: t0 + 9020 + i / 100, respP: 80, origH: '192.168.9.9', respH: '192.168.2.1', connState: 'REJ', origPkts: 1, respPkts: 1 }));
    const d = model.detector();
    const findings = run(d, [...elsewhere(makeBenignTraffic(t0 + 9000, 60, 5)), flood]);
    expect(findings).toEqual([]);
    expect(d.stats().windowsRefused).toBeGreaterThan(0);
    expect(d.stats().windowsScored).toBe(0);
    expect(d.notes().join('\n')).toMatch(/no model findings: only 0 % of this input's flows touch a host or subnet the model learned/);
    model.dispose();
  });
});

describe('model detector with a self-baseline', () => {
  const t0 = 1_800_000_000;

  it('learns from the first half of a benign input and judges the rest without findings', () => {
    const d = createModelDetector({ kind: 'self', windowSec: 10 });
    expect(run(d, makeBenignTraffic(t0, 1200, 3))).toEqual([]);
    expect(d.stats().windowsScored).toBeGreaterThan(150);
    expect(d.notes()[0]).toMatch(/^self-baseline learned from the input's first 50 %/);
  });

  it('flags a bulk upload in the second half, naming the uploading host', () => {
    const d = createModelDetector({ kind: 'self', windowSec: 10 });
    const upload = makeBatch({ flows: [makeFlow({ ts: t0 + 1000, respP: 443, origH: '10.0.1.5', respH: '10.0.2.2', duration: 8, origPkts: 9000, respPkts: 4000, origIpBytes: 300_000_000, respIpBytes: 200_000 })] });
    const batches = makeBenignTraffic(t0, 1200, 3);
    batches.splice(100, 0, upload);
    const findings = run(d, batches);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.port).toBe(443);
    const features = (f.evidence.topFeatures as { feature: string }[]).map((t) => t.feature);
    expect(features).toContain('bytes_out');
    expect((f.evidence.topSources as { addr: string; flows: number }[]).map((s) => s.addr)).toContain('10.0.1.5');
  });

  it('is rules only on an input too short to learn from, and says so', () => {
    const d = createModelDetector({ kind: 'self', windowSec: 10 });
    expect(run(d, makeBenignTraffic(t0, 120, 3))).toEqual([]);
    expect(d.notes()[0]).toMatch(/^rules only: the input is too short for a self-baseline: its windows span \d+ s/);
    expect(d.stats().windowsScored).toBe(0);
  });

  it('says a long input with no port active often enough is sparse, not short', () => {
    const d = createModelDetector({ kind: 'self', windowSec: 10 });
    // One connection every 10 minutes for 2 hours: 12 windows over 7200 s, 6 in the first half (12 are needed).
    const batches = Array.from({ length: 12 }, (_, i) => makeBatch({ flows: [makeFlow({ ts: t0 + i * 600, respP: 443 })] }));
    expect(run(d, batches)).toEqual([]);
    expect(d.notes()[0]).toMatch(/^rules only: no port is active often enough for a self-baseline: its windows span 66\d\d s, and in the first 50 % the busiest port has 6 windows of 10 s, 12 are needed/);
    expect(d.stats().windowsScored).toBe(0);
  });
});
