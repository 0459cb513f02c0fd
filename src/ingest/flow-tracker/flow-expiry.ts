/**
 * The expiry queue of the flow tracker: flows sit in one-second buckets by
 * the event time at which Zeek's timers would remove them. A flow is queued
 * again only when its removal time moves earlier; when its bucket comes up
 * and packets have pushed the time later, it is re-queued then (a lazy timer
 * wheel), so a packet costs at most a comparison here.
 */
import type { Flow } from './flow.js';

/** Above this many seconds between sweeps, walk the bucket keys instead of every second. */
const DENSE_SWEEP_MAX_SEC = 4096;

export interface FlowExpiryQueue {
  /** (Re-)queues `flow` by its `removeAt`. */
  schedule(flow: Flow): void;
  /** Calls `onDue` for every queued flow whose removal time is ≤ `nowSec`, in bucket order. */
  sweep(nowSec: number, onDue: (flow: Flow) => void): void;
}

export function createFlowExpiryQueue(): FlowExpiryQueue {
  const buckets = new Map<number, Flow[]>();
  /** Every bucket below this second has been swept. */
  let sweptBelowSec = Number.NaN;

  function schedule(flow: Flow): void {
    if (flow.removeAt === Number.POSITIVE_INFINITY) return;
    let sec = Math.floor(flow.removeAt);
    if (!Number.isNaN(sweptBelowSec) && sec < sweptBelowSec) sec = sweptBelowSec;
    if (!Number.isNaN(flow.queuedSec) && flow.queuedSec <= sec) return;
    flow.queuedSec = sec;
    const b = buckets.get(sec);
    if (b === undefined) buckets.set(sec, [flow]);
    else b.push(flow);
  }

  function runBucket(sec: number, nowSec: number, onDue: (flow: Flow) => void): void {
    const b = buckets.get(sec);
    if (b === undefined) return;
    buckets.delete(sec);
    for (const flow of b) {
      if (flow.removed || flow.queuedSec !== sec) continue;
      flow.queuedSec = Number.NaN;
      if (flow.removeAt <= nowSec) onDue(flow);
      else schedule(flow);
    }
  }

  function sweep(nowSec: number, onDue: (flow: Flow) => void): void {
    const limit = Math.floor(nowSec);
    if (Number.isNaN(sweptBelowSec)) {
      sweptBelowSec = limit;
      // Buckets queued before the first sweep (the first packets) may lie below it.
      for (const sec of [...buckets.keys()].filter((s) => s < limit).sort((a, b) => a - b)) runBucket(sec, nowSec, onDue);
      return;
    }
    if (limit <= sweptBelowSec) return;
    if (limit - sweptBelowSec <= DENSE_SWEEP_MAX_SEC) {
      for (let sec = sweptBelowSec; sec < limit; sec++) runBucket(sec, nowSec, onDue);
    } else {
      for (const sec of [...buckets.keys()].filter((s) => s < limit).sort((a, b) => a - b)) runBucket(sec, nowSec, onDue);
    }
    sweptBelowSec = limit;
  }

  return { schedule, sweep };
}
