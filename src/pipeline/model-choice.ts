/**
 * Which model judges a run: the one decision point for `baseline.deviation`
 * (and the learned per-port rates rate.spike compares with).
 *
 *   const choice = await chooseModel(modelRequestFromFlag(args.model), { backend });
 *   choice.model   // FlowhoundModel | null
 *   choice.note    // what the run summary says about it
 *
 * Requests: `none` (--no-model: rules only), `dir` (an explicit --model DIR,
 * trained on this network, which must load), `self` (no --model: no trained
 * model is loaded; `analyze` learns a self-baseline from its input, see
 * assemble-detectors.ts, and `watch` runs the rules only). The shipped
 * models/default learned the lab's network: a demo for the lab fixtures
 * (--model models/default), never applied unasked. TensorFlow.js is
 * imported only when a model is loaded, so other runs never pay for it.
 */
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../model/backend.js';
import type { FlowhoundModel } from '../model/flowhound-model.js';

/** The shipped model, resolved from the package (works from src/ and dist/). */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));

export type ModelRequest = { kind: 'none' } | { kind: 'self' } | { kind: 'dir'; dir: string };

export interface ModelChoice {
  model: FlowhoundModel | null;
  /** The folder loaded, or null. */
  dir: string | null;
  /** What the run summary says about the model. */
  note: string;
}

/** `--model DIR` → dir; `--no-model` (false) → none; absent or empty → self. */
export function modelRequestFromFlag(flag: string | boolean | undefined): ModelRequest {
  if (flag === false) return { kind: 'none' };
  if (typeof flag === 'string' && flag !== '') return { kind: 'dir', dir: flag };
  return { kind: 'self' };
}

export interface ChooseModelOptions {
  backend?: BackendName;
  /** Sees the folder just before it is loaded (watch notes its identity there). */
  beforeLoad?: (dir: string) => void;
}

/** Loads the model a request names (MODEL_* FlowhoundErrors when an explicit one cannot load). */
export async function chooseModel(request: ModelRequest, options: ChooseModelOptions = {}): Promise<ModelChoice> {
  if (request.kind === 'none') return { model: null, dir: null, note: 'none (--no-model)' };
  if (request.kind === 'self') return { model: null, dir: null, note: 'none (no --model: rules only; the shipped models/default is a demo for the lab fixtures)' };
  const dir = request.dir;
  options.beforeLoad?.(dir);
  const model = await loadModelLazily(dir, options.backend);
  return { model, dir, note: dir };
}

/** Loads a model folder, importing TensorFlow.js only now. */
export async function loadModelLazily(dir: string, backend: BackendName | undefined): Promise<FlowhoundModel> {
  const { loadModel } = await import('../model/flowhound-model.js');
  return loadModel(dir, backend ? { backend } : {});
}
