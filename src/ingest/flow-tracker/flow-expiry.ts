/**
 * The expiry queue of the flow tracker: flows sit in one-second buckets by
 * the event time at which Zeek's timers would remove them. A flow is queued
 * again only when its removal time moves earlier; when its bucket comes up
 * and packets have pushed the time later, it is re-queued then (a lazy timer
 * wheel), so a packet costs at most a comparison here.
 */
import { F_QUEUED_SEC, F_REMOVE_AT, type FlowTable, SLOT_F64 } from './flow-table.js';

/** Above this many seconds between sweeps, walk the bucket keys instead of every second. */
const DENSE_SWEEP_MAX_SEC = 4096;

export interface FlowExpiryQueue {
  /** (Re-)queues the connection in `slot` by its `removeAt`. */
  schedule(slot: number): void;
  /** Calls `onDue` for every queued connection whose removal time is ≤ `nowSec`, in bucket order. */
  sweep(nowSec: number, onDue: (slot: number) => void): void;
}

/**
 * Buckets hold slot numbers; an entry is stale when the slot was released or
 * re-queued elsewhere since (its `queuedSec` no longer names the bucket).
 */
export function createFlowExpiryQueue(t: FlowTable): FlowExpiryQueue {
  const buckets = new Map<number, number[]>();
  /** Every bucket below this second has been swept. */
  let sweptBelowSec = Number.NaN;

  function schedule(slot: number): void {
    const removeAt = t.f64[slot * SLOT_F64 + F_REMOVE_AT]!;
    if (removeAt === Number.POSITIVE_INFINITY) return;
    let sec = Math.floor(removeAt);
    if (!Number.isNaN(sweptBelowSec) && sec < sweptBelowSec) sec = sweptBelowSec;
    const queued = t.f64[slot * SLOT_F64 + F_QUEUED_SEC]!;
    if (!Number.isNaN(queued) && queued <= sec) return;
    t.f64[slot * SLOT_F64 + F_QUEUED_SEC] = sec;
    const b = buckets.get(sec);
    if (b === undefined) buckets.set(sec, [slot]);
    else b.push(slot);
  }

  function runBucket(sec: number, nowSec: number, onDue: (slot: number) => void): void {
    const b = buckets.get(sec);
    if (b === undefined) return;
    buckets.delete(sec);
    for (const slot of b) {
      if (t.isRemoved(slot) || t.f64[slot * SLOT_F64 + F_QUEUED_SEC] !== sec) continue;
      t.f64[slot * SLOT_F64 + F_QUEUED_SEC] = Number.NaN;
      if (t.f64[slot * SLOT_F64 + F_REMOVE_AT]! <= nowSec) onDue(slot);
      else schedule(slot);
    }
  }

  function sweep(nowSec: number, onDue: (slot: number) => void): void {
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
