import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFlowhoundError } from '../../src/errors.js';
import { selectBackend } from '../../src/model/backend.js';
import { loadModel } from '../../src/model/flowhound-model.js';
import { trainModel } from '../../src/model/train-model.js';
import { collectFeatureWindows } from '../../src/window/windower.js';
import { iterate, makeBenignTraffic } from './records.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowhound-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function expectCode(p: Promise<unknown>, code: string, mentions: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isFlowhoundError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    expect((e as Error).message).toContain(mentions);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('train, save atomically, load on another backend', () => {
  const dir = join(tmp, 'm1');

  it('trains dense + lstm on wasm with a seed and writes the tfjs layout', async () => {
    const { windows } = await collectFeatureWindows(iterate(makeBenignTraffic(1_800_000_000, 600, 7)), { windowSec: 10 });
    expect(windows.length).toBeGreaterThan(150);
    const opts = { kind: 'all' as const, seed: 3, epochs: 3, batchSize: 64, learningRate: 0.005, backend: 'wasm' as const, inputs: ['synthetic'] };
    const model = await trainModel(windows, opts);
    expect(model.backend).toBe('wasm');
    expect(model.meta.dense!.threshold.threshold).toBeGreaterThan(0);
    expect(model.meta.lstm!.threshold.threshold).toBeGreaterThan(0);
    await model.save(dir);
    for (const f of ['model.json', 'weights.bin', 'flowhound.json', 'lstm/model.json', 'lstm/weights.bin']) expect(statSync(join(dir, f)).size).toBeGreaterThan(0);
    const mj = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(mj.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(mj.format).toBe('layers-model');

    // Same seed, same backend: same weights, same thresholds.
    const again = await trainModel(windows, opts);
    expect(again.meta.dense!.threshold.threshold).toBe(model.meta.dense!.threshold.threshold);
    expect(again.meta.lstm!.threshold.threshold).toBe(model.meta.lstm!.threshold.threshold);

    // Loads on cpu and scores the same windows the same (within 1e-4).
    const sample = windows.slice(0, 90); // the cpu backend's LSTM is slow (~40 windows/s)
    const onWasm = model.createScorer().score(sample);
    const loaded = await loadModel(dir, { backend: 'cpu' });
    expect(loaded.backend).toBe('cpu');
    const onCpu = loaded.createScorer().score(sample);
    let maxDiff = 0;
    let lstmScored = 0;
    onWasm.forEach((a, i) => {
      const b = onCpu[i]!;
      expect(b.lstm === undefined).toBe(a.lstm === undefined); // windows without history get no LSTM score on either
      maxDiff = Math.max(maxDiff, Math.abs(a.dense!.score - b.dense!.score));
      if (a.lstm && b.lstm) {
        lstmScored++;
        maxDiff = Math.max(maxDiff, Math.abs(a.lstm.score - b.lstm.score));
      }
    });
    expect(lstmScored).toBeGreaterThan(60);
    console.log(`wasm-trained model scored on cpu: max |score difference| ${maxDiff.toExponential(2)} over ${sample.length} windows`);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(loaded.learnedPeakPps('tcp', 443)).toBeGreaterThan(0);
    expect(loaded.learnedPeakPps('tcp', 9999)).toBeNull();
    // Replacing the folder is atomic and leaves no temporary or old siblings behind; a warm start keeps the scaler.
    const warm = await trainModel(windows.slice(0, 120), { ...opts, kind: 'dense', epochs: 1, warmStart: loaded, inputs: ['synthetic-2'] });
    expect(warm.meta.scaler).toEqual(loaded.meta.scaler);
    expect(warm.meta.training.warmStartFrom).toBe(dir);
    expect(warm.meta.training.windows).toBe(120);
    // With a zero learning rate the warm-started network keeps the warm model's weights exactly.
    const frozen = await trainModel(windows.slice(0, 120), { ...opts, kind: 'dense', epochs: 1, learningRate: 0, warmStart: loaded, inputs: ['synthetic-2'] });
    const a = frozen.dense!.getWeights().map((t) => Array.from(t.dataSync()));
    const b = loaded.dense!.getWeights().map((t) => Array.from(t.dataSync()));
    expect(a).toEqual(b);
    frozen.dispose();
    const dir2 = join(tmp, 'm2');
    await model.save(dir2);
    await warm.save(dir2);
    expect(JSON.parse(readFileSync(join(dir2, 'flowhound.json'), 'utf8')).training.inputs).toEqual(['synthetic-2']);
    expect(readdirSync(dir2).sort()).toEqual(['flowhound.json', 'model.json', 'weights.bin']); // the old lstm/ is gone with the old folder
    expect(readdirSync(tmp).filter((f) => f.startsWith('.'))).toEqual([]);
    await expectCode(trainModel(windows.map((w) => ({ ...w, windowSec: 60 })), { ...opts, warmStart: loaded }), 'MODEL_SCHEMA_MISMATCH', '10 s windows');
    model.dispose();
    again.dispose();
    loaded.dispose();
    warm.dispose();
  });

  it('picks wasm when tfjs-node is absent, and says which backend runs', async () => {
    let hasNode = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      hasNode = false;
    }
    expect(await selectBackend()).toBe(hasNode ? 'node' : 'wasm');
  });

  it('refuses a missing model.json, a truncated weights.bin and another feature schema, each with its own error', async () => {
    const broken = join(tmp, 'broken');
    const copy = (name: string) => {
      const d = join(tmp, `${name}`);
      rmSync(d, { recursive: true, force: true });
      for (const f of ['model.json', 'weights.bin', 'flowhound.json', 'lstm/model.json', 'lstm/weights.bin']) {
        const to = join(d, f);
        mkdirSync(join(to, '..'), { recursive: true });
        copyFileSync(join(dir, f), to);
      }
      return d;
    };
    const noJson = copy('no-json');
    rmSync(join(noJson, 'model.json'));
    await expectCode(loadModel(noJson, { backend: 'cpu' }), 'MODEL_NOT_FOUND', 'model.json');

    const truncated = copy('truncated');
    truncateSync(join(truncated, 'weights.bin'), statSync(join(truncated, 'weights.bin')).size - 100);
    await expectCode(loadModel(truncated, { backend: 'cpu' }), 'MODEL_DAMAGED', 'weights.bin');

    const otherSchema = copy('other-schema');
    const meta = JSON.parse(readFileSync(join(otherSchema, 'flowhound.json'), 'utf8'));
    meta.featureSchemaVersion = 999;
    writeFileSync(join(otherSchema, 'flowhound.json'), JSON.stringify(meta));
    await expectCode(loadModel(otherSchema, { backend: 'cpu' }), 'MODEL_SCHEMA_MISMATCH', 'schema version 999');

    await expectCode(loadModel(broken, { backend: 'cpu' }), 'MODEL_NOT_FOUND', 'flowhound.json');
    await expectCode(loadModel(dir, { backend: 'node' }), 'BACKEND_UNAVAILABLE', 'node');
  });
});
