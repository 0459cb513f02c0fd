/**
 * `flowhound.json`: everything a model folder holds besides the networks —
 * feature schema, scaler, thresholds, per-port learned rates, training
 * period and counts, backend, versions, seed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FlowhoundError } from '../errors.js';
import type { Proto } from '../types.js';
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '../window/feature-schema.js';
import type { BackendName } from './backend.js';
import type { RobustScaler } from './robust-scaler.js';
import type { ThresholdCalibration } from './threshold.js';
import type { NetworkProfile } from './network-profile.js';
import type { PortBaselineSet } from './port-baseline.js';

export const META_FILE = 'flowhound.json';
export const MODEL_FORMAT = 'flowhound-model';
/** 2: per-port baselines, the learned network and per-port dense thresholds. */
export const MODEL_FORMAT_VERSION = 2;
/** The LSTM's networks live in this subfolder (model.json + weights.bin); the dense ones at the top. */
export const LSTM_SUBDIR = 'lstm';

export type ModelKind = 'dense' | 'lstm';

/** A threshold and where its scores came from: held-out training windows, or (small sets) the fitted ones. */
export type StoredThreshold = ThresholdCalibration & { calibratedOn: 'holdout' | 'training' };

export interface LearnedRate {
  proto: Proto;
  port: number;
  /** Highest peak_pps of the port's training windows. */
  peakPps: number;
  /** 99th percentile of the port's per-window peak_pps. */
  p99PeakPps: number;
  windows: number;
}

export interface ModelMeta {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  flowhoundVersion: string;
  featureSchemaVersion: number;
  features: string[];
  windowSec: number;
  kinds: ModelKind[];
  scaler: RobustScaler;
  /**
   * `threshold`: one threshold over all training windows (kept for inspection);
   * `portThresholds`: the ones that judge, per port with enough windows, from
   * the out-of-fold scores of the port's own windows (see train-model.ts).
   */
  dense?: { hiddenUnits: number[]; threshold: StoredThreshold; portThresholds: { key: string; threshold: number; windows: number }[] };
  lstm?: { seqLen: number; units: number; threshold: StoredThreshold; globalScale: number; portScales: { key: string; scale: number; windows: number }[] };
  learnedRates: LearnedRate[];
  /** Per-port baselines: typical ranges, robust centres and scales, per-feature thresholds. */
  baselines: PortBaselineSet;
  /** The hosts and subnets the model learned; null when trained from feature files only. */
  network: NetworkProfile | null;
  training: {
    inputs: string[];
    windows: number;
    ports: number;
    /** Event time of the first and last training window starts (seconds since the epoch). */
    firstWindowSec: number;
    lastWindowSec: number;
    lateRecords: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    seed: number;
    backend: BackendName;
    warmStartFrom: string | null;
    finalLoss: { dense?: number; lstm?: number };
    lstmSamples?: number;
  };
}

export function readFlowhoundVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Reads and checks flowhound.json: MODEL_NOT_FOUND, MODEL_DAMAGED or MODEL_SCHEMA_MISMATCH on failure. */
export function readModelMeta(dir: string): ModelMeta {
  const path = join(dir, META_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FlowhoundError('MODEL_NOT_FOUND', `${path}: not a flowhound model folder (${META_FILE} ${code === 'ENOENT' ? 'is missing' : `unreadable: ${code}`})`, { file: path }, { cause: e });
  }
  let meta: ModelMeta;
  try {
    meta = JSON.parse(text) as ModelMeta;
  } catch (e) {
    throw new FlowhoundError('MODEL_DAMAGED', `${path}: not valid JSON (${(e as Error).message})`, { file: path }, { cause: e });
  }
  if (!meta || meta.format !== MODEL_FORMAT) throw new FlowhoundError('MODEL_DAMAGED', `${path}: format is not "${MODEL_FORMAT}"`, { file: path });
  if (meta.featureSchemaVersion !== FEATURE_SCHEMA_VERSION) {
    throw new FlowhoundError(
      'MODEL_SCHEMA_MISMATCH',
      `${path}: model uses feature schema version ${meta.featureSchemaVersion}, this flowhound computes version ${FEATURE_SCHEMA_VERSION}; retrain the model (flowhound train ... --out ${dir})`,
      { file: path, modelVersion: meta.featureSchemaVersion, expectedVersion: FEATURE_SCHEMA_VERSION },
    );
  }
  if (!Array.isArray(meta.features) || meta.features.join(',') !== FEATURE_NAMES.join(',')) {
    throw new FlowhoundError('MODEL_SCHEMA_MISMATCH', `${path}: model's feature list [${String(meta.features)}] differs from schema ${FEATURE_SCHEMA_VERSION}'s [${FEATURE_NAMES.join(',')}]`, { file: path });
  }
  const n = FEATURE_NAMES.length;
  if (!meta.scaler || meta.scaler.median?.length !== n || meta.scaler.iqr?.length !== n || meta.scaler.rawMedian?.length !== n) {
    throw new FlowhoundError('MODEL_DAMAGED', `${path}: scaler must hold ${n} medians and IQRs`, { file: path });
  }
  if (!Array.isArray(meta.kinds) || meta.kinds.length === 0 || meta.kinds.some((k) => (k !== 'dense' && k !== 'lstm') || !meta[k])) {
    throw new FlowhoundError('MODEL_DAMAGED', `${path}: kinds must list dense and/or lstm, each with its section`, { file: path });
  }
  if (meta.formatVersion !== MODEL_FORMAT_VERSION || !meta.baselines || !Array.isArray(meta.baselines.ports)) {
    throw new FlowhoundError('MODEL_SCHEMA_MISMATCH', `${path}: model format ${meta.formatVersion} has no per-port baselines (format ${MODEL_FORMAT_VERSION}); retrain the model (flowhound train ... --out ${dir})`, { file: path });
  }
  if (!(meta.windowSec >= 1)) throw new FlowhoundError('MODEL_DAMAGED', `${path}: windowSec missing`, { file: path });
  return meta;
}
