/**
 * The one usage-error mechanism: a FlowhoundError with code USAGE (exit
 * code 2). `new UsageError(message)` is shorthand for it.
 */
import { FlowhoundError } from '../errors.js';

export class UsageError extends FlowhoundError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
