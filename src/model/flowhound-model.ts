/**
 * A flowhound model: its networks (dense and/or lstm), its flowhound.json
 * metadata, and what callers do with it — score windows, make the
 * `baseline.deviation` detector, answer learned per-port rates, save.
 *
 *   const model = await loadModel('models/default', { backend: 'wasm' });
 *   const detector = model.detector();            // a Detector (src/detect/detector.ts)
 *   model.learnedPeakPps('tcp', 80);              // number | null, for rate.spike
 */
import { join } from 'node:path';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FlowhoundError } from '../errors.js';
import type { Proto } from '../types.js';
import { type BackendName, selectBackend } from './backend.js';
import { createWindowJudge, type NetworkScore, type NetworkScorer, type WindowJudge } from './judge-windows.js';
import { DEFAULT_NOVELTY_SETTINGS, type NoveltySettings } from './novelty.js';
import { createModelDetector, DEFAULT_MODEL_DETECTOR_SETTINGS, type ModelDetector, type ModelDetectorSettings } from './model-detector.js';
import { formatPortKey } from '../window/feature-schema.js';
import { LSTM_SUBDIR, META_FILE, type ModelMeta, readModelMeta } from './model-meta.js';
import { writeModelFolderAtomically } from './model-store.js';
import { createFileSaveHandler, readModelArtifacts } from './tfjs-file-io.js';
import { createWindowScorer, type WindowScorer } from './window-scorer.js';

export interface FlowhoundModel {
  /** The folder it was loaded from; null for a model just trained. */
  readonly dir: string | null;
  readonly meta: ModelMeta;
  /** The backend it runs on now. */
  readonly backend: BackendName;
  readonly dense: tfl.LayersModel | null;
  readonly lstm: tfl.LayersModel | null;
  /** A scorer with its own per-port LSTM history. */
  createScorer(options?: { maxPorts?: number }): WindowScorer;
  /** Judges windows (in time order) against the per-port baselines and networks, without windowing or findings. */
  createJudge(novelty?: NoveltySettings): WindowJudge;
  /** The `baseline.deviation` detector. */
  detector(settings?: Partial<ModelDetectorSettings>): ModelDetector;
  /** Highest packets/s the (proto, port) reached in training, or null if the port was not seen. */
  learnedPeakPps(proto: Proto, port: number): number | null;
  /** Writes the model folder atomically. */
  save(dir: string): Promise<void>;
  dispose(): void;
}

export function createFlowhoundModel(parts: { dir: string | null; meta: ModelMeta; backend: BackendName; dense: tfl.LayersModel | null; lstm: tfl.LayersModel | null }): FlowhoundModel {
  const rates = new Map(parts.meta.learnedRates.map((r) => [`${r.proto}/${r.port}`, r.peakPps]));
  const model: FlowhoundModel = {
    ...parts,
    createScorer(options = {}) {
      return createWindowScorer(model, options);
    },
    createJudge(novelty = DEFAULT_NOVELTY_SETTINGS) {
      return createWindowJudge(parts.meta.baselines, novelty, createNetworkScorer(model));
    },
    detector(settings = {}) {
      const s = { ...DEFAULT_MODEL_DETECTOR_SETTINGS, ...settings };
      const judge = createWindowJudge(parts.meta.baselines, s.novelty, createNetworkScorer(model));
      const label = model.dir ?? 'in memory';
      return createModelDetector({ kind: 'trained', label, windowSec: parts.meta.windowSec, judge, network: parts.meta.network, trainedPorts: parts.meta.baselines.ports.length }, s);
    },
    learnedPeakPps(proto, port) {
      return rates.get(`${proto}/${port}`) ?? null;
    },
    async save(dir) {
      await writeModelFolderAtomically(dir, async (tmp) => {
        if (model.dense) await model.dense.save(createFileSaveHandler(tmp));
        if (model.lstm) {
          const sub = join(tmp, LSTM_SUBDIR);
          mkdirSync(sub);
          await model.lstm.save(createFileSaveHandler(sub));
        }
        writeFileSync(join(tmp, META_FILE), `${JSON.stringify(model.meta, null, 2)}\n`);
      });
    },
    dispose() {
      model.dense?.dispose();
      model.lstm?.dispose();
    },
  };
  return model;
}

/**
 * The networks' scores as the judge uses them: the dense score against the
 * window's port threshold (ports without one: no dense score), the LSTM
 * score against its threshold (scaled per port); the worse of the two.
 * Keeps the LSTM's per-port history, so windows come in time order.
 */
function createNetworkScorer(model: FlowhoundModel): NetworkScorer | null {
  if (!model.dense && !model.lstm) return null;
  const portThresholds = new Map((model.meta.dense?.portThresholds ?? []).map((p) => [p.key, p.threshold]));
  const scorer = model.createScorer();
  const score: NetworkScorer = (windows) =>
    scorer.score(windows).map((sc) => {
      let best: NetworkScore | null = null;
      if (sc.dense) {
        const th = portThresholds.get(formatPortKey(sc.window.proto, sc.window.port));
        if (th !== undefined) best = { kind: 'dense', score: sc.dense.score, threshold: th, ratio: sc.dense.score / th };
      }
      if (sc.lstm && (best === null || sc.lstm.ratio > best.ratio)) best = { kind: 'lstm', score: sc.lstm.score, threshold: sc.lstm.threshold, ratio: sc.lstm.ratio };
      return best;
    });
  score.snapshot = () => scorer.snapshot();
  score.restore = (state) => scorer.restore(state as Map<string, Map<number, Float32Array>>);
  return score;
}

function readMetaIdentity(dir: string): string | null {
  try {
    const st = statSync(join(dir, META_FILE));
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
}

export interface LoadModelOptions {
  /** Forces a backend; default: the first of node, wasm, cpu that starts. */
  backend?: BackendName;
}

/**
 * Loads a model folder. Errors: MODEL_NOT_FOUND (no folder, no
 * flowhound.json, a missing model.json), MODEL_DAMAGED (bad JSON, missing or
 * truncated weights.bin), MODEL_SCHEMA_MISMATCH (another feature schema),
 * BACKEND_UNAVAILABLE (a forced backend that cannot start).
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<FlowhoundModel> {
  // Read every file into memory first, and make sure flowhound.json is the same file before and after
  // (a model being swapped in by another process's atomic rename is not mixed with the old one).
  let meta: ModelMeta;
  let denseArtifacts: tf.io.ModelArtifacts | null;
  let lstmArtifacts: tf.io.ModelArtifacts | null;
  for (let attempt = 0; ; attempt++) {
    const before = readMetaIdentity(dir);
    meta = readModelMeta(dir);
    denseArtifacts = meta.kinds.includes('dense') ? readModelArtifacts(dir) : null;
    lstmArtifacts = meta.kinds.includes('lstm') ? readModelArtifacts(join(dir, LSTM_SUBDIR)) : null;
    if (before === readMetaIdentity(dir) || attempt >= 3) break;
  }
  const backend = await selectBackend(options.backend);
  const load = async (d: string, artifacts: tf.io.ModelArtifacts): Promise<tfl.LayersModel> => {
    try {
      return await tfl.loadLayersModel({ load: async () => artifacts });
    } catch (e) {
      throw new FlowhoundError('MODEL_DAMAGED', `${join(d, 'model.json')}: tfjs could not build the model (${(e as Error).message})`, { file: join(d, 'model.json') }, { cause: e });
    }
  };
  const dense = denseArtifacts ? await load(dir, denseArtifacts) : null;
  const lstm = lstmArtifacts ? await load(join(dir, LSTM_SUBDIR), lstmArtifacts) : null;
  return createFlowhoundModel({ dir, meta, backend, dense, lstm });
}
