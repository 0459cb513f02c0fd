/** A batch's event-time span: earliest start, latest end, over every kind of record it holds. */
import type { RecordBatch } from '../../src/types.js';
import { batchTimeSpan } from '../../src/util/batch-time-span.js';

const batch = (b: Partial<Record<keyof RecordBatch, unknown[]>>): RecordBatch =>
  ({ flows: [], dns: [], ticks: [], echoes: [], ...b }) as unknown as RecordBatch;

describe('batchTimeSpan', () => {
  it('takes the earliest start and the latest end over flows, DNS records, ticks and echoes', () => {
    const span = batchTimeSpan(
      batch({
        flows: [
          { ts: 100, duration: 5 },
          { ts: 90, duration: undefined },
        ],
        dns: [{ ts: 104 }],
        ticks: [{ sec: 106 }],
        echoes: [{ ts: 95.5 }],
      }),
    );
    expect(span).toEqual({ lo: 90, hi: 107 });
  });

  it('lets any one kind set either end', () => {
    expect(batchTimeSpan(batch({ dns: [{ ts: 3 }, { ts: 1 }] }))).toEqual({ lo: 1, hi: 3 });
    expect(batchTimeSpan(batch({ echoes: [{ ts: 7 }] }))).toEqual({ lo: 7, hi: 7 });
    expect(batchTimeSpan(batch({ ticks: [{ sec: 4 }, { sec: 2 }] }))).toEqual({ lo: 2, hi: 5 });
    expect(batchTimeSpan(batch({ flows: [{ ts: 10, duration: 2.5 }] }))).toEqual({ lo: 10, hi: 12.5 });
  });

  it('gives lo > hi for an empty batch, and fills the object it is given', () => {
    const out = { lo: 0, hi: 0 };
    expect(batchTimeSpan(batch({}), out)).toBe(out);
    expect(out).toEqual({ lo: Number.POSITIVE_INFINITY, hi: Number.NEGATIVE_INFINITY });
  });
});
