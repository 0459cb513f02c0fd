/**
 * What `train` and `model inspect` say about a model's training data, and
 * when a `--warm-start` folder holds no model yet.
 *
 * A model judges a port against the spread of that port's windows in
 * training. Thresholds calibrated on a few dozen windows (minutes of
 * traffic) are mostly noise: every ordinary hour looks new. RITA asks for at
 * least a day of logs before it scores beacons; flowhound warns below
 * `ADVISED_TRAINING_WINDOWS` windows or `ADVISED_TRAINING_SPAN_SEC` of event
 * time, and still writes the model (a lab or a first test run may want it).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** Fewer training windows than this get a warning (about an hour of a busy port's 10 s windows, or a few quiet ports for a day). */
export const ADVISED_TRAINING_WINDOWS = 1000;
/** Less event time than this gets a warning: an hour (a day is what a nightly model should see). */
export const ADVISED_TRAINING_SPAN_SEC = 3600;

/** The warning for a model trained on too little, or null. */
export function describeThinTraining(windows: number, spanSec: number): string | null {
  const short = windows < ADVISED_TRAINING_WINDOWS || spanSec < ADVISED_TRAINING_SPAN_SEC;
  if (!short) return null;
  const span = spanSec < 120 ? `${Math.round(spanSec)} s` : spanSec < 7200 ? `${Math.round(spanSec / 60)} min` : `${(spanSec / 3600).toFixed(1)} h`;
  return `trained on only ${windows} windows over ${span} of traffic (advised: at least ${ADVISED_TRAINING_WINDOWS} windows and ${ADVISED_TRAINING_SPAN_SEC / 3600} h; a day for a nightly model): its thresholds rest on too few windows and ordinary traffic will look new`;
}

/**
 * True when a `--warm-start` folder holds no model yet (missing, empty, or
 * without flowhound.json and model.json): the first night of a nightly job,
 * which trains cold. A folder with some model files but not all is damaged,
 * not empty, and loading it reports what is wrong.
 */
export function isEmptyModelFolder(dir: string): boolean {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) return false;
  const names = readdirSync(dir);
  return !names.includes('flowhound.json') && !names.includes('model.json');
}

/** How to say where a warm start came from: the model's own folder is "the previous model in this folder". */
export function describeWarmStart(from: string, modelDir: string): string {
  return resolve(from) === resolve(modelDir) ? 'the previous model in this folder' : from;
}
