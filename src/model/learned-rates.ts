/** Per-port learned rates for the rate.spike detector. */
import type { Proto } from '../types.js';
import type { FlowhoundModel } from './flowhound-model.js';

/** The highest packets/s a (proto, port) reached in the model's training windows, or null if the model never saw the port. */
export function learnedPeakPps(model: FlowhoundModel, proto: Proto, port: number): number | null {
  return model.learnedPeakPps(proto, port);
}
