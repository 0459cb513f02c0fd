/**
 * tfjs IOHandlers of flowhound's own that write and read the layout of
 * tfjs-node's `file://` handler: `model.json` (topology plus a
 * weightsManifest naming `weights.bin`) and `weights.bin` (all weights,
 * concatenated in manifest order). tfjs-core alone has no file system
 * handler, and tfjs-node is optional.
 *
 * Loading checks the files before tfjs sees them: a missing model.json is
 * MODEL_NOT_FOUND; unreadable JSON, a missing weights.bin or one whose size
 * differs from what the manifest needs (e.g. truncated) is MODEL_DAMAGED.
 */
import { readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { FlowhoundError } from '../errors.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };

interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), off);
    off += p.byteLength;
  }
  return out;
}

/** Saves a LayersModel as model.json + weights.bin into `dir` (which must exist). */
export function createFileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = joinWeightData(artifacts.weightData);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'TensorFlow.js tfjs-layers',
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      const modelJsonText = JSON.stringify(json);
      writeFileSync(join(dir, WEIGHTS_BIN), weights);
      writeFileSync(join(dir, MODEL_JSON), modelJsonText);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(0),
          modelTopologyType: 'JSON',
          modelTopologyBytes: modelJsonText.length,
          weightSpecsBytes: JSON.stringify(json.weightsManifest).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

/** Bytes the manifest's weights need. */
function measureManifestBytes(entries: tf.io.WeightsManifestEntry[]): number {
  let n = 0;
  for (const e of entries) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    n += count * (e.quantization ? (e.quantization.dtype === 'uint8' ? 1 : e.quantization.dtype === 'float16' ? 2 : 2) : (DTYPE_BYTES[e.dtype] ?? 4));
  }
  return n;
}

/** Reads and checks model.json + weights.bin in `dir`; throws FlowhoundError on anything wrong. */
export function readModelArtifacts(dir: string): tf.io.ModelArtifacts {
  const jsonPath = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = readFileSync(jsonPath, 'utf8');
  } catch (e) {
    throw new FlowhoundError('MODEL_NOT_FOUND', `${jsonPath}: model.json is missing (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`, { file: jsonPath }, { cause: e });
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new FlowhoundError('MODEL_DAMAGED', `${jsonPath}: not valid JSON (${(e as Error).message})`, { file: jsonPath }, { cause: e });
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new FlowhoundError('MODEL_DAMAGED', `${jsonPath}: expected modelTopology and weightsManifest`, { file: jsonPath });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const paths: string[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    paths.push(...group.paths);
  }
  const buffers: Uint8Array[] = [];
  for (const p of paths) {
    const binPath = confineWeightPath(dir, p, jsonPath);
    try {
      buffers.push(readFileSync(binPath));
    } catch (e) {
      throw new FlowhoundError('MODEL_DAMAGED', `${binPath}: weights file named by model.json is missing (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`, { file: binPath }, { cause: e });
    }
  }
  const have = buffers.reduce((n, b) => n + b.byteLength, 0);
  const need = measureManifestBytes(specs);
  if (have !== need) {
    const binPath = join(dir, paths[0] ?? WEIGHTS_BIN);
    throw new FlowhoundError(
      'MODEL_DAMAGED',
      `${binPath}: ${have} bytes of weights, but model.json's weightsManifest needs ${need}${have < need ? ' (truncated?)' : ''}`,
      { file: binPath, haveBytes: have, needBytes: need },
    );
  }
  const weightData = new Uint8Array(have);
  let off = 0;
  for (const b of buffers) {
    weightData.set(b, off);
    off += b.byteLength;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as object,
    weightSpecs: specs,
    weightData: weightData.buffer,
  };
  if (json.format !== undefined) artifacts.format = json.format;
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.convertedBy !== undefined && json.convertedBy !== null) artifacts.convertedBy = json.convertedBy;
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig as tf.io.TrainingConfig;
  return artifacts;
}

/**
 * The file a weightsManifest path names, refused unless it is a plain file
 * name inside the model folder: model.json comes from wherever the model was
 * copied from, and `../../etc/passwd` or a symlink out of the folder must not
 * make flowhound open files elsewhere.
 */
export function confineWeightPath(dir: string, p: unknown, jsonPath: string): string {
  if (typeof p !== 'string' || p === '' || isAbsolute(p) || p.includes('\0')) {
    throw new FlowhoundError('MODEL_DAMAGED', `${jsonPath}: weightsManifest path ${JSON.stringify(p)} is not a file name inside the model folder; refused`, { file: jsonPath });
  }
  const root = resolve(dir);
  const target = resolve(root, p);
  const rel = relative(root, target);
  if (isOutside(rel)) {
    throw new FlowhoundError('MODEL_DAMAGED', `${jsonPath}: weightsManifest path ${JSON.stringify(p)} points outside the model folder; refused`, { file: jsonPath });
  }
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    return target; // missing: the caller says so
  }
  const realRel = relative(realpathSync(root), real);
  if (isOutside(realRel)) {
    throw new FlowhoundError('MODEL_DAMAGED', `${jsonPath}: weightsManifest path ${JSON.stringify(p)} is a link to a file outside the model folder; refused`, { file: jsonPath });
  }
  return target;
}

function isOutside(rel: string): boolean {
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** A load handler over already-checked artifacts (see readModelArtifacts). */
export function createFileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      return readModelArtifacts(dir);
    },
  };
}

/** True when `dir/model.json` exists. */
export function hasModelJson(dir: string): boolean {
  try {
    return statSync(join(dir, MODEL_JSON)).isFile();
  } catch {
    return false;
  }
}
