/**
 * The expiry queue of the flow tracker: flows sit in one-second buckets by
 * the event time at which Zeek's timers would remove them. A flow is moved
 * to an earlier bucket when its removal time moves earlier; when its bucket
 * comes up and packets have pushed the time later, it is queued again then
 * (a lazy timer wheel), so a packet costs at most a comparison here.
 *
 * A bucket is a circular doubly-linked list threaded through the flow
 * records (I_EXPIRY_NEXT / I_EXPIRY_PREV hold slot + 1), found by its second
 * in a map of list heads: queueing, moving and removing a flow allocate
 * nothing, and a released slot leaves no stale entry behind. (Buckets as
 * arrays of slots held a million entries a second under a SYN flood, and
 * their growth and stale entries were most of the garbage of a run.)
 */
import { F_QUEUED_SEC, F_REMOVE_AT, type FlowTable, I_EXPIRY_NEXT, I_EXPIRY_PREV, SLOT_F64, SLOT_I32 } from './flow-table.js';

/** Above this many seconds between sweeps, walk the bucket keys instead of every second. */
const DENSE_SWEEP_MAX_SEC = 4096;

export interface FlowExpiryQueue {
  /** (Re-)queues the connection in `slot` by its `removeAt`. */
  schedule(slot: number): void;
  /** Takes the connection in `slot` out of the queue (call before its slot is released). */
  remove(slot: number): void;
  /**
   * Calls `onDue` for every queued connection whose removal time is ≤ `now.tsSec`, in bucket order: those of
   * the seconds before `now`'s once a later second than the last sweep's has begun (and then `onSecond`,
   * also at the first sweep), then `found` (a live connection's slot, or -1) if it is still live and due
   * too — the connection a packet found whose removal time passed within the current second. (Takes the
   * packet rather than its time: a double passed to a call is a new heap number, and the tracker calls this
   * for every packet.)
   */
  sweep(now: { readonly tsSec: number }, onDue: (slot: number) => void, found?: number, onSecond?: (now: { readonly tsSec: number }) => void): void;
}

export function createFlowExpiryQueue(t: FlowTable): FlowExpiryQueue {
  /** Second → slot + 1 of the bucket's first connection. */
  const heads = new Map<number, number>();
  /** Every bucket below this second has been swept. */
  let sweptBelowSec = Number.NaN;

  function link(slot: number, sec: number): void {
    const i = slot * SLOT_I32;
    const head = heads.get(sec);
    if (head === undefined) {
      heads.set(sec, slot + 1);
      t.i32[i + I_EXPIRY_NEXT] = slot + 1;
      t.i32[i + I_EXPIRY_PREV] = slot + 1;
      return;
    }
    // Append before the head: the list keeps queueing order.
    const h = (head - 1) * SLOT_I32;
    const tail = t.i32[h + I_EXPIRY_PREV]!;
    t.i32[i + I_EXPIRY_NEXT] = head;
    t.i32[i + I_EXPIRY_PREV] = tail;
    t.i32[(tail - 1) * SLOT_I32 + I_EXPIRY_NEXT] = slot + 1;
    t.i32[h + I_EXPIRY_PREV] = slot + 1;
  }

  function unlink(slot: number): void {
    const i = slot * SLOT_I32;
    const sec = t.f64[slot * SLOT_F64 + F_QUEUED_SEC]!;
    if (Number.isNaN(sec)) return;
    t.f64[slot * SLOT_F64 + F_QUEUED_SEC] = Number.NaN;
    const next = t.i32[i + I_EXPIRY_NEXT]!;
    const prev = t.i32[i + I_EXPIRY_PREV]!;
    t.i32[i + I_EXPIRY_NEXT] = 0;
    t.i32[i + I_EXPIRY_PREV] = 0;
    if (next === slot + 1) {
      // The only one in its bucket.
      if (heads.get(sec) === slot + 1) heads.delete(sec);
      return;
    }
    t.i32[(prev - 1) * SLOT_I32 + I_EXPIRY_NEXT] = next;
    t.i32[(next - 1) * SLOT_I32 + I_EXPIRY_PREV] = prev;
    if (heads.get(sec) === slot + 1) heads.set(sec, next);
  }

  function schedule(slot: number): void {
    const removeAt = t.f64[slot * SLOT_F64 + F_REMOVE_AT]!;
    if (removeAt === Number.POSITIVE_INFINITY) return;
    let sec = Math.floor(removeAt);
    if (!Number.isNaN(sweptBelowSec) && sec < sweptBelowSec) sec = sweptBelowSec;
    const queued = t.f64[slot * SLOT_F64 + F_QUEUED_SEC]!;
    if (!Number.isNaN(queued)) {
      if (queued <= sec) return;
      unlink(slot);
    }
    t.f64[slot * SLOT_F64 + F_QUEUED_SEC] = sec;
    link(slot, sec);
  }

  function runBucket(sec: number, nowSec: number, onDue: (slot: number) => void): void {
    const head = heads.get(sec);
    if (head === undefined) return;
    heads.delete(sec);
    // Detach the whole list, then visit it in queueing order (a visited flow may be queued again elsewhere).
    let cur = head;
    const tail = t.i32[(head - 1) * SLOT_I32 + I_EXPIRY_PREV]!;
    for (;;) {
      const slot = cur - 1;
      const i = slot * SLOT_I32;
      const last = cur === tail;
      cur = t.i32[i + I_EXPIRY_NEXT]!;
      t.i32[i + I_EXPIRY_NEXT] = 0;
      t.i32[i + I_EXPIRY_PREV] = 0;
      t.f64[slot * SLOT_F64 + F_QUEUED_SEC] = Number.NaN;
      if (t.f64[slot * SLOT_F64 + F_REMOVE_AT]! <= nowSec) onDue(slot);
      else schedule(slot);
      if (last) break;
    }
  }

  /**
   * The tracker hands over the connection its packet found rather than finishing it itself when due: the
   * call here runs for every packet, while a call of its own ran first when a capture's first connection
   * outlived its removal time within a second (72 % into the realistic bench capture) and, having no type
   * feedback, deoptimised the tracker's addPacket there (a 40 ms recompile, and the packets until then
   * run unoptimised). With the other late deoptimisations of addPacket and the pcap framer's scan gone
   * (flow-tracker.ts, pcap-framer.ts), `flowhound flows --no-sort` on the realistic bench capture took
   * 0.90x the CPU (user + sys of 8 interleaved runs of each build, ratios 0.69-0.99) and 0.975x the
   * instructions (callgrind with node --single-threaded, where a recompile leaves no packets unoptimised).
   */
  function sweep(
    now: { readonly tsSec: number },
    onDue: (slot: number) => void,
    found = -1,
    onSecond?: (now: { readonly tsSec: number }) => void,
  ): void {
    const nowSec = now.tsSec;
    const limit = Math.floor(nowSec);
    if (Number.isNaN(sweptBelowSec)) {
      sweptBelowSec = limit;
      // Buckets queued before the first sweep (the first packets) may lie below it.
      for (const sec of [...heads.keys()].filter((s) => s < limit).sort((a, b) => a - b)) runBucket(sec, nowSec, onDue);
      onSecond?.(now);
    } else if (limit > sweptBelowSec) {
      if (limit - sweptBelowSec <= DENSE_SWEEP_MAX_SEC) {
        for (let sec = sweptBelowSec; sec < limit; sec++) runBucket(sec, nowSec, onDue);
      } else {
        for (const sec of [...heads.keys()].filter((s) => s < limit).sort((a, b) => a - b)) runBucket(sec, nowSec, onDue);
      }
      sweptBelowSec = limit;
      onSecond?.(now);
    }
    if (found >= 0 && !t.isRemoved(found) && t.f64[found * SLOT_F64 + F_REMOVE_AT]! <= nowSec) onDue(found);
  }

  return { schedule, remove: unlink, sweep };
}
