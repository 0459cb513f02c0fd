/**
 * A checkpoint restores everything (issue 15): every detector of the
 * assembly (the rule detectors and the model detector with its open
 * windows), the scorer's suppression memory and the driver's own state go
 * through `driver.snapshot()` → JSON text → `driver.restore()` into a
 * freshly assembled driver, twice per input, and the findings before the
 * cuts plus those after must equal an uninterrupted run's, in order, field
 * for field. Inputs: the lab captures (every rule detector fires on one of
 * them), judged by the shipped demo model (trained on the lab: its windows
 * close while the input goes on), and the port-scan conn.log of the shared
 * data with a self-baseline. A capture's flows come out of the flow tracker
 * in few large batches, so every batch is re-cut into batches of at most
 * 16 records per kind: the cuts then fall amid the traffic. Anyone
 * changing a detector's internals sees here when its snapshot misses some
 * state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SETTINGS, type Settings } from '../../src/config/settings.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { readSource } from '../../src/ingest/read-input.js';
import { openByteSourceFromChunks } from '../../src/io/byte-source.js';
import type { FlowhoundModel } from '../../src/model/flowhound-model.js';
import { assembleDetectors, createModelSlot, createRunScorer } from '../../src/pipeline/assemble-detectors.js';
import { createDetectorDriver, type DetectorDriver } from '../../src/pipeline/detector-driver.js';
import { DEFAULT_MODEL_DIR, loadModelLazily } from '../../src/pipeline/model-choice.js';
import type { Finding, RecordBatch } from '../../src/types.js';
import { hasSharedData, sharedData } from '../helpers/shared-data.js';

const LATENESS_SEC = 120;
const PER_BATCH = 16;
const LAB = resolve('fixtures/lab');

let model: FlowhoundModel | null = null;
beforeAll(async () => {
  model = await loadModelLazily(DEFAULT_MODEL_DIR, undefined);
}, 60_000);
afterAll(() => model?.dispose());

/** watch's assembly: rule detectors, rate lateness from --lateness, and a model detector (the demo model, or a self-baseline). */
function assemble(out: Finding[], judge: 'model' | 'self' = 'model'): DetectorDriver {
  const settings: Settings = { ...DEFAULT_SETTINGS, rateLatenessSec: LATENESS_SEC };
  const slot = createModelSlot(judge === 'model' ? model : null);
  const { detectors } = assembleDetectors({ settings, rules: defaultPolicyRules(), slot, modelSettings: { allowedLatenessSec: LATENESS_SEC }, selfBaseline: true });
  return createDetectorDriver({ detectors, scorer: createRunScorer(settings), latenessSec: LATENESS_SEC, onFindings: (f) => void out.push(...f) });
}

/** The input's batches, each re-cut into batches of at most PER_BATCH records of each kind. */
async function readBatches(path: string): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const b of readSource(await openByteSourceFromChunks(path, [readFileSync(path)]), { maxInvalid: 25, onWarning: () => undefined })) {
    const arps = b.arps ?? [];
    const n = Math.max(b.flows.length, b.dns.length, b.ticks.length, b.echoes.length, arps.length);
    for (let i = 0; i < n; i += PER_BATCH) {
      const part: RecordBatch = { flows: b.flows.slice(i, i + PER_BATCH), dns: b.dns.slice(i, i + PER_BATCH), ticks: b.ticks.slice(i, i + PER_BATCH), echoes: b.echoes.slice(i, i + PER_BATCH) };
      if (arps.length > 0) part.arps = arps.slice(i, i + PER_BATCH);
      batches.push(part);
    }
  }
  return batches;
}

async function uninterrupted(batches: readonly RecordBatch[], judge: 'model' | 'self'): Promise<Finding[]> {
  const out: Finding[] = [];
  const driver = assemble(out, judge);
  for (const b of batches) await driver.push(b);
  await driver.end();
  return out;
}

/** Pushes up to each cut, then continues in a fresh assembly restored from the JSON text of a snapshot. */
async function withRestarts(batches: readonly RecordBatch[], cuts: readonly number[], judge: 'model' | 'self'): Promise<{ findings: Finding[]; stateBytes: number[] }> {
  const out: Finding[] = [];
  const stateBytes: number[] = [];
  let driver = assemble(out, judge);
  let at = 0;
  for (const cut of [...cuts, batches.length]) {
    if (at > 0) {
      const text = JSON.stringify(driver.snapshot());
      stateBytes.push(text.length);
      driver = assemble(out, judge);
      expect(driver.restore(JSON.parse(text), 'test')).toEqual([]);
    }
    for (; at < cut; at++) await driver.push(batches[at]!);
  }
  await driver.end();
  return { findings: out, stateBytes };
}

const inputs = readdirSync(LAB)
  .filter((n) => n.endsWith('.pcap'))
  .sort()
  .map((n) => join(LAB, n));
if (hasSharedData) inputs.push(sharedData('security-datasets-for-testing', '002-zeek-scenario-port-scanning', 'conn.log'));

describe('driver snapshot → JSON → restore gives the findings of an uninterrupted run', () => {
  const kindsAfterCuts = new Set<string>();

  it.each(inputs.map((p) => [p.slice(p.lastIndexOf('/', p.lastIndexOf('/') - 1) + 1), p]))('%s', async (_name, path) => {
    const judge = path.startsWith(LAB) ? 'model' : 'self';
    const batches = await readBatches(path);
    expect(batches.length).toBeGreaterThan(3);
    const cuts = [Math.floor(batches.length / 3), Math.floor((2 * batches.length) / 3)];
    const whole = await uninterrupted(batches, judge);
    const { findings } = await withRestarts(batches, cuts, judge);
    expect(findings).toEqual(whole);
    // Which kinds were still being worked on at the first cut (reported, or reported again, after it).
    const before = new Set<string>();
    const early: Finding[] = [];
    const driver = assemble(early, judge);
    for (const b of batches.slice(0, cuts[0])) await driver.push(b);
    for (const f of early) before.add(`${f.id}|${String(f.evidence.count)}`);
    for (const f of whole) if (!before.has(`${f.id}|${String(f.evidence.count)}`)) kindsAfterCuts.add(f.kind);
  }, 120_000);

  it('covers every detector: each kind has findings that come after a cut', () => {
    const expected = ['scan.vertical', 'scan.horizontal', 'scan.distributed', 'scan.arp', 'tunnel.dns', 'tunnel.icmp', 'rate.spike', 'c2.beacon', 'baseline.deviation'];
    const policy = [...kindsAfterCuts].filter((k) => k.startsWith('policy.'));
    expect({ missing: expected.filter((k) => !kindsAfterCuts.has(k)), policy: policy.length > 0 }).toEqual({ missing: [], policy: true });
  });

  it('restoring matters: a fresh assembly without the snapshot gives other findings', async () => {
    const batches = await readBatches(join(LAB, 'scan-vertical.pcap'));
    const cut = Math.floor(batches.length / 2);
    const whole = await uninterrupted(batches, 'model');
    const out: Finding[] = [];
    let driver = assemble(out);
    for (const b of batches.slice(0, cut)) await driver.push(b);
    driver = assemble(out);
    for (const b of batches.slice(cut)) await driver.push(b);
    await driver.end();
    expect(out).not.toEqual(whole);
  });
});

describe('driver.restore refuses foreign or damaged state with a clear error', () => {
  const fresh = (): DetectorDriver => assemble([]);
  it.each([
    ['not an object', 42, /S: the detector state is not an object/],
    ['another format', { format: 'something-else', version: 1 }, /S: not a flowhound detector state/],
    ['another version', { format: 'flowhound-driver-state', version: 99, detectors: [], scorer: {}, driver: {} }, /S: detector state version 99/],
  ])('%s', (_what, state, message) => {
    expect(() => fresh().restore(state, 'S')).toThrow(message);
  });

  it('a detector state with a field of the wrong type names the detector and the field', async () => {
    const d = fresh();
    for (const b of await readBatches(join(LAB, 'scan-vertical.pcap'))) await d.push(b);
    const state = JSON.parse(JSON.stringify(d.snapshot())) as { detectors: { name: string; state: Record<string, unknown> }[] };
    const scan = state.detectors.find((x) => x.name === 'scan')!;
    scan.state.watermark = 'yesterday';
    expect(() => fresh().restore(state, 'w.state')).toThrow(/w\.state: detector state scan: field watermark: expected number, got string/);
    scan.state.watermark = 0;
    scan.state.keys = { rows: [{ nonsense: true }], nextSeq: 1, evicted: 0 };
    expect(() => fresh().restore(state, 'w.state')).toThrow(/w\.state: detector state scan: field keys/);
  });

  it('a detector missing on either side is a note, not an error', async () => {
    const d = fresh();
    const state = JSON.parse(JSON.stringify(d.snapshot())) as { detectors: { name: string; state: unknown }[] };
    state.detectors = state.detectors.filter((x) => x.name !== 'c2.beacon');
    state.detectors.push({ name: 'retired', state: {} });
    expect(fresh().restore(state, 'S')).toEqual(['detector c2.beacon: not in the saved state, starts empty', 'detector retired: in the saved state but not in this run, its open incidents are dropped']);
  });
});
