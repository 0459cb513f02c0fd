/**
 * A full garbage collection when the process's resident memory passes a
 * bound, for long loops whose garbage V8 would otherwise let pile up:
 * tfjs training (now the LSTM's; the dense network is fitted without tfjs)
 * makes some tens of kilobytes of short-lived tfjs objects per mini-batch
 * that outlive the young generation, and V8 grew the old generation to
 * 1.7 GiB of RSS (of the 4 GiB it allows) on a day of windows whose live
 * heap stays under 100 MiB. Collecting every epoch instead cost
 * more than the training on small inputs; past a bound it costs nothing
 * until memory is actually high.
 *
 * The collector is `globalThis.gc` when node runs with --expose-gc;
 * otherwise the same function, taken once through V8's flag at run time
 * (the flag is set back afterwards, so no other code sees a `gc` global).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

/** Runs a full collection when RSS exceeds `maxRssBytes`; returns whether it did. */
export function collectGarbageAbove(maxRssBytes: number): boolean {
  if (process.memoryUsage.rss() <= maxRssBytes) return false;
  if (collect === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') collect = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    }
  }
  collect();
  return true;
}
