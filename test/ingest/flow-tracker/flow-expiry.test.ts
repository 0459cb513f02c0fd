import { createFlowExpiryQueue } from '../../../src/ingest/flow-tracker/flow-expiry.js';
import { F_REMOVE_AT, FlowTable, SLOT_F64 } from '../../../src/ingest/flow-tracker/flow-table.js';

/** A table with `n` live connections, each with the given removal time. */
function setup(removeAts: number[]) {
  const t = new FlowTable();
  const q = createFlowExpiryQueue(t);
  const slots = removeAts.map((at) => {
    const s = t.alloc(0, 'a', 1, 1, 'b', 2, 2, 1, 17);
    t.f64[s * SLOT_F64 + F_REMOVE_AT] = at;
    q.schedule(s);
    return s;
  });
  const setRemoveAt = (s: number, at: number) => {
    t.f64[s * SLOT_F64 + F_REMOVE_AT] = at;
    q.schedule(s);
  };
  const sweep = (now: number) => {
    const due: number[] = [];
    q.sweep({ tsSec: now }, (s) => due.push(s));
    return due;
  };
  return { t, q, slots, setRemoveAt, sweep };
}

describe('flow expiry queue', () => {
  it('hands out due connections by bucket second, in queueing order within a second, once that second is over', () => {
    const { slots, sweep } = setup([105.5, 103.2, 105.1, 103.9, 200]);
    expect(sweep(100)).toEqual([]);
    expect(sweep(104)).toEqual([slots[1], slots[3]]);
    expect(sweep(106)).toEqual([slots[0], slots[2]]);
    // A bucket is swept when its second has passed (the tracker itself finishes a connection
    // found past its removal time on its next packet).
    expect(sweep(200)).toEqual([]);
    expect(sweep(201)).toEqual([slots[4]]);
  });

  it('moves a connection to an earlier bucket, and re-queues one whose time moved later when its bucket comes up', () => {
    const { slots, setRemoveAt, sweep } = setup([150, 110, 120]);
    sweep(100);
    setRemoveAt(slots[0]!, 105); // earlier: moved out of the 150 bucket
    setRemoveAt(slots[1]!, 130); // later: stays queued at 110 until then
    expect(sweep(111)).toEqual([slots[0]]);
    expect(sweep(125)).toEqual([slots[2]]);
    expect(sweep(131)).toEqual([slots[1]]);
    expect(sweep(1000)).toEqual([]);
  });

  it('forgets a removed connection, so its slot can serve a new one', () => {
    const { t, q, slots, sweep } = setup([110, 110, 110]);
    sweep(100);
    q.remove(slots[1]!);
    t.release(slots[1]!);
    const reused = t.alloc(0, 'c', 3, 3, 'd', 4, 4, 1, 17);
    expect(reused).toBe(slots[1]);
    t.f64[reused * SLOT_F64 + F_REMOVE_AT] = 140;
    q.schedule(reused);
    q.remove(slots[0]!);
    expect(sweep(111)).toEqual([slots[2]]);
    expect(sweep(141)).toEqual([reused]);
  });

  it('keeps each bucket a proper list when its first, middle and last connections are removed', () => {
    const { q, slots, sweep } = setup([120, 120, 120, 120, 120]);
    sweep(100);
    q.remove(slots[0]!);
    q.remove(slots[2]!);
    q.remove(slots[4]!);
    q.remove(slots[4]!); // twice is harmless
    expect(sweep(121)).toEqual([slots[1], slots[3]]);
  });

  it('runs the buckets of a long jump in time order', () => {
    const { slots, sweep } = setup([5_000_050, 1_000_020, 3_000_010]);
    sweep(1_000_000);
    expect(sweep(9_000_000)).toEqual([slots[1], slots[2], slots[0]]);
  });
});
