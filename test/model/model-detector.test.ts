import { createRecordBatch } from '../../src/types.js';
import { loadModel } from '../../src/model/flowhound-model.js';
import { trainModel } from '../../src/model/train-model.js';
import { collectFeatureWindows } from '../../src/window/windower.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iterate, makeBatch, makeBenignTraffic, makeFlow } from './records.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowhound-detector-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('createModelDetector (baseline.deviation)', () => {
  it('flags a flood window on the flooded port and stays quiet on held-out benign traffic of the same kind', async () => {
    const t0 = 1_800_000_000;
    const { windows } = await collectFeatureWindows(iterate(makeBenignTraffic(t0, 1200, 11)), { windowSec: 10 });
    const trained = await trainModel(windows, { kind: 'dense', seed: 5, epochs: 8, batchSize: 32, learningRate: 0.01, backend: 'cpu', inputs: ['synthetic'] });
    await trained.save(join(tmp, 'dense'));
    trained.dispose();
    const model = await loadModel(join(tmp, 'dense'), { backend: 'cpu' });

    // Held-out benign: another seed, a later hour.
    const benign = model.detector();
    const benignFindings = [...makeBenignTraffic(t0 + 7200, 600, 99).flatMap((b) => benign.push(b)), ...benign.flush()];
    const benignStats = benign.stats();
    const benignShare = benignStats.windowsAboveThreshold / benignStats.windowsScored;
    console.log(`synthetic held-out benign: ${benignStats.windowsAboveThreshold}/${benignStats.windowsScored} windows above threshold`);
    expect(benignStats.windowsScored).toBeGreaterThan(150);
    expect(benignShare).toBeLessThanOrEqual(0.02);

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
    expect(f.proto).toBe('tcp');
    expect(f.end).toBe(t0 + 9030);
    expect(f.src).toBe('10.9.9.9'); // the flooder holds most of the window's flows
    expect(['high', 'critical']).toContain(f.severity);
    expect(f.confidence).toBeGreaterThan(0.9);
    const top = (f.evidence.topFeatures as { feature: string; value: number; learnedMedian: number }[]).map((t) => t.feature);
    expect(top.length).toBe(3);
    expect(top.some((t) => ['flows', 'failed_share', 'unique_src', 'packets', 'bytes_per_packet', 'peak_pps', 'mean_pps'].includes(t))).toBe(true);
    // Stable id: the same input gives the same finding id.
    const again = model.detector();
    const ids = [...batches.flatMap((b) => again.push(b)), ...again.push(flood), ...again.flush()].filter((g) => g.port === 80 && g.ts === t0 + 9020).map((g) => g.id);
    expect(ids).toEqual([f.id]);
    expect(benignFindings.every((g) => g.kind === 'baseline.deviation')).toBe(true);

    // A vertical scan: 40 rejected ports of one host from one source in one window become one finding.
    // Ports 1000-1039 never occur in training: judged only when asked to.
    const scan = model.detector({ judgeUnlearnedPorts: true });
    const probes = createRecordBatch();
    for (let p = 1000; p < 1040; p++) probes.flows.push(makeFlow({ ts: t0 + 9500 + (p - 1000) * 0.1, respP: p, origH: '10.6.6.6', respH: '10.0.2.2', duration: null, origPkts: 1, respPkts: 1, origIpBytes: 44, respIpBytes: 40, connState: 'REJ', history: 'Sr' }));
    const scanFindings = [...scan.push(probes), ...scan.flush()];
    // By default a model does not judge ports it has no baseline for: no finding, but counted.
    const unjudged = model.detector();
    expect([...unjudged.push(probes), ...unjudged.flush()]).toEqual([]);
    expect(unjudged.stats().windowsOnUnlearnedPorts).toBe(40);
    expect(unjudged.stats().unlearnedPorts).toBe(40);
    const grouped = scanFindings.filter((g) => g.src === '10.6.6.6');
    expect(grouped).toHaveLength(1);
    expect(grouped[0]!.port).toBeNull();
    expect(grouped[0]!.dst).toBe('10.0.2.2');
    expect(grouped[0]!.evidence.deviatingPorts).toBe(40);
    model.dispose();
  });
});
