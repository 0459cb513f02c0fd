import type { Detector } from '../../src/detect/detector.js';
import type { Finding, RecordBatch } from '../../src/types.js';

/**
 * What a detector reports when interrupted: one made by `create` is fed
 * `before` and snapshotted, a second one restores that state (through JSON,
 * as a checkpoint file holds it) and is fed `after`, then flushed. The
 * findings of both, in order: a test compares them with an uninterrupted run.
 */
export function findingsResumed(create: () => Detector, before: RecordBatch, after: RecordBatch): Finding[] {
  const a = create();
  const first = a.push(before);
  const b = create();
  b.restore(JSON.parse(JSON.stringify(a.snapshot())));
  return [...first, ...b.push(after), ...b.flush()];
}
