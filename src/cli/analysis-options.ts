/**
 * What `analyze` and `watch` set up alike from their flags: the detector
 * settings (defaults, then `--config`, then flags) and the model
 * (`--model DIR`, the shipped default when present, or `--no-model`).
 */
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load-config.js';
import { checkSettingValue, resolveSettings, SETTING_SPECS, type Settings } from '../config/settings.js';
import type { BackendName } from '../model/backend.js';
import { type FlowhoundModel, loadModel } from '../model/flowhound-model.js';
import { UsageError } from './usage-error.js';

/** The shipped model, resolved from the package (works from src/ and dist/). */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));

/** Settings from defaults, then the config file, then flags. */
export function settingsFromArgs(args: Record<string, unknown>, configFile: string | undefined): Settings {
  const fromConfig = configFile ? loadConfigFile(configFile) : {};
  const fromFlags: Partial<Settings> = {};
  for (const s of SETTING_SPECS) {
    const v = args[s.flag];
    if (v === undefined) continue;
    const problem = checkSettingValue(s, v);
    if (problem) throw new UsageError(`--${s.flag}: ${problem}`);
    fromFlags[s.name] = v as number;
  }
  return resolveSettings(fromConfig, fromFlags);
}

export interface ModelChoice {
  model: FlowhoundModel | null;
  /** The folder loaded, or null. */
  dir: string | null;
  /** What the run summary says about the model. */
  note: string;
}

/**
 * The model of a run: `--no-model` (false) skips it; an explicit `--model
 * DIR` must load; otherwise the shipped default is used when present.
 * `beforeLoad` sees the folder just before it is loaded (watch notes its
 * identity there).
 */
export async function loadModelFromArgs(modelArg: string | boolean | undefined, backend: BackendName | undefined, beforeLoad?: (dir: string) => void): Promise<ModelChoice> {
  if (modelArg === false) return { model: null, dir: null, note: 'none (--no-model)' };
  const explicit = typeof modelArg === 'string' && modelArg !== '';
  // The shipped model learned the lab's network: a demo for the lab fixtures (--model models/default), never applied unasked.
  if (!explicit) return { model: null, dir: null, note: 'none (no --model: rules only; the shipped models/default is a demo for the lab fixtures)' };
  const dir = modelArg;
  beforeLoad?.(dir);
  const model = await loadModel(dir, backend ? { backend } : {});
  return { model, dir, note: dir };
}
