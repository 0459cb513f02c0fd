import type { Detector } from '../../src/detect/detector.js';
import { createScorer } from '../../src/score/scorer.js';
import { createRecordBatch, type Finding, type FlowRecord, type RecordBatch } from '../../src/types.js';
import { createEmittedFindings } from '../../src/watch/emitted-findings.js';
import { mergeAsync } from '../../src/watch/merge-async.js';
import { createDetectorDriver } from '../../src/pipeline/detector-driver.js';

function flow(ts: number, duration: number | null = null): FlowRecord {
  return {
    ts,
    uid: `C${ts}`,
    origH: '10.0.0.1',
    origP: 40000,
    respH: '10.0.0.2',
    respP: 80,
    proto: 'tcp',
    service: null,
    duration,
    origBytes: null,
    respBytes: null,
    connState: 'SF',
    history: null,
    missedBytes: 0,
    origPkts: 1,
    origIpBytes: 40,
    respPkts: 1,
    respIpBytes: 40,
  };
}

function finding(id: string, ts: number, count: number, src = '10.0.0.66'): Finding {
  return { id, ts, end: ts + 1, kind: 'scan.vertical', severity: 'high', confidence: 0.9, src, dst: '10.0.0.2', port: null, proto: 'tcp', detector: 'rule', summary: 's', evidence: { count } };
}

function batchOf(...flows: FlowRecord[]): RecordBatch {
  const b: RecordBatch = createRecordBatch();
  b.flows.push(...flows);
  return b;
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i;
}

/** A detector that returns scripted findings per push and at flush. */
function scripted(name: string, pushes: Finding[][], atFlush: Finding[] = []): Detector & { flushes: number } {
  let n = 0;
  const d = {
    name,
    flushes: 0,
    push: () => pushes[n++] ?? [],
    flush: () => {
      d.flushes++;
      return atFlush;
    },
    snapshot: () => ({ n }),
    restore: (s: unknown) => {
      n = (s as { n: number }).n;
    },
  };
  return d;
}

describe('createDetectorDriver', () => {
  it('hands findings out per batch and flushes at the end', async () => {
    const got: string[][] = [];
    const d = scripted('d', [[finding('f-1', 10, 20)], []], [finding('f-2', 5, 20, '10.0.0.77')]);
    const p = createDetectorDriver({ detectors: [d], scorer: createScorer({ suppressionSec: 3600 }), latenessSec: 5, idleFlushMs: null, onFindings: (f) => got.push(f.map((x) => x.id)) });
    await p.run(from([batchOf(flow(10)), batchOf(flow(11), flow(12))]));
    expect(got).toEqual([['f-1'], ['f-2']]);
    expect(d.flushes).toBe(1);
    expect(p.counters.flows).toBe(3);
    expect(p.counters.findingsByKind).toEqual({ 'scan.vertical': 2 });
  });

  it('counts records ending more than the lateness before the watermark, and still passes them on', async () => {
    const seen: number[] = [];
    const d: Detector = {
      name: 'd',
      push: (b) => {
        seen.push(b.flows.length);
        return [];
      },
      flush: () => [],
      snapshot: () => null,
      restore: () => undefined,
    };
    const p = createDetectorDriver({ detectors: [d], scorer: createScorer({ suppressionSec: 3600 }), latenessSec: 10, idleFlushMs: null, onFindings: () => undefined });
    // 100 then 95 (within 10 s), 80 (late), 85 lasting 20 s (ends at 105: not late), 50 in the next batch (late).
    await p.run(from([batchOf(flow(100), flow(95), flow(80), flow(85, 20)), batchOf(flow(50))]));
    expect(p.stats.lateRecords).toBe(2);
    expect(p.stats.watermark).toBe(105);
    expect(seen).toEqual([4, 1]);
  });

  it('drops findings a previous run emitted (same id, no larger count) but passes a grown one', async () => {
    const got: Finding[] = [];
    const emitted = createEmittedFindings([{ id: 'f-1', end: 11, count: 20 }]);
    const d = scripted('d', [[finding('f-1', 10, 20)], [finding('f-1', 10, 400)]]);
    const p = createDetectorDriver({ detectors: [d], scorer: createScorer({ suppressionSec: 3600 }), latenessSec: 5, idleFlushMs: null, emitted, onFindings: (f) => got.push(...f) });
    await p.run(from([batchOf(flow(10)), batchOf(flow(11))]));
    expect(got.map((f) => f.evidence.count)).toEqual([400]);
    expect(p.stats.alreadyEmitted).toBe(1);
    expect(emitted.entries()).toEqual([{ id: 'f-1', end: 11, count: 400 }]);
  });

  it('marks findings pending before onFindings and written after; one a previous run left pending goes out again marked redelivered', async () => {
    const got: Finding[] = [];
    const log: string[] = [];
    // f-1 was pending (count 20) when the previous run died; f-2 pending at 5 and now grown to 9.
    const emitted = createEmittedFindings(
      [
        { id: 'f-1', end: 11, count: 20, pending: true },
        { id: 'f-2', end: 11, count: 5, pending: true },
      ],
      { onPending: (e) => log.push(...e.map((x) => `pending ${x.id}`)), onAdd: (e) => log.push(...e.map((x) => `written ${x.id}`)) },
    );
    const d = scripted('d', [[finding('f-1', 10, 20), finding('f-2', 10, 9, '10.9.9.9'), finding('f-3', 10, 1, '10.3.3.3')]]);
    const p = createDetectorDriver({
      detectors: [d],
      scorer: createScorer({ suppressionSec: 3600 }),
      latenessSec: 5,
      idleFlushMs: null,
      emitted,
      onFindings: (f) => {
        log.push('write');
        got.push(...f);
      },
    });
    await p.run(from([batchOf(flow(10))]));
    expect(got.map((f) => [f.id, f.redelivered === true, f.update === true])).toEqual([
      ['f-1', true, false],
      ['f-2', false, true],
      ['f-3', false, false],
    ]);
    expect(log).toEqual(['pending f-1', 'pending f-2', 'pending f-3', 'write', 'written f-1', 'written f-2', 'written f-3']);
    // Written now: a later replay drops them.
    expect(emitted.has(finding('f-1', 10, 20))).toBe(true);
    expect(emitted.inDoubt(finding('f-1', 10, 20))).toBe(false);
  });

  it('replaceDetector flushes the old detector into the output and uses the new one', async () => {
    const got: string[] = [];
    const old = scripted('model', [], [finding('f-old', 1, 1, '10.1.1.1')]);
    const next = scripted('model', [[finding('f-new', 2, 1, '10.2.2.2')]]);
    const p = createDetectorDriver({ detectors: [old], scorer: createScorer({ suppressionSec: 3600 }), latenessSec: 5, idleFlushMs: null, onFindings: (f) => got.push(...f.map((x) => x.id)) });
    p.replaceDetector(old, next);
    await p.run(from([batchOf(flow(3))]));
    expect(got).toEqual(['f-old', 'f-new']);
    expect(p.detectors[0]).toBe(next);
  });

  it('idle flush: flushes once the input has been quiet, not again without new records', async () => {
    const got: string[] = [];
    const d = scripted('d', [], [finding('f-idle', 1, 20)]);
    const p = createDetectorDriver({ detectors: [d], scorer: createScorer({ suppressionSec: 3600 }), latenessSec: 5, idleFlushMs: 20, onFindings: (f) => got.push(...f.map((x) => x.id)) });
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* input(): AsyncGenerator<RecordBatch> {
      yield batchOf(flow(1));
      await gate;
    }
    const done = p.run(input());
    while (p.stats.idleFlushes === 0) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual(['f-idle']);
    await new Promise((r) => setTimeout(r, 60));
    expect(p.stats.idleFlushes).toBe(1);
    release();
    await done;
    // The end-of-input flush finds the same finding: the scorer keeps it to one.
    expect(got).toEqual(['f-idle']);
  });

  it('without lateness (analyze) counts nothing as late and drops nothing as already emitted', async () => {
    const got: string[] = [];
    const d = scripted('d', [[finding('f-1', 10, 20)]]);
    const p = createDetectorDriver({ detectors: [d], scorer: createScorer({ suppressionSec: 3600 }), onFindings: (f) => void got.push(...f.map((x) => x.id)) });
    await p.push(batchOf(flow(100), flow(1)));
    await p.end();
    expect(got).toEqual(['f-1']);
    expect(p.stats.lateRecords).toBe(0);
    expect(p.stats.watermark).toBeNull();
  });

  it('waits for an asynchronous onFindings before push resolves', async () => {
    const order: string[] = [];
    const d = scripted('d', [[finding('f-1', 10, 20)]]);
    const p = createDetectorDriver({
      detectors: [d],
      scorer: createScorer({ suppressionSec: 3600 }),
      onFindings: async () => {
        await new Promise((r) => setTimeout(r, 10));
        order.push('sink');
      },
    });
    await p.push(batchOf(flow(1)));
    order.push('pushed');
    expect(order).toEqual(['sink', 'pushed']);
  });
});

describe('mergeAsync', () => {
  it('yields every value of every source, each source in order', async () => {
    async function* slow(prefix: string, n: number, ms: number): AsyncGenerator<string> {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setTimeout(r, ms));
        yield `${prefix}${i}`;
      }
    }
    const out: string[] = [];
    for await (const v of mergeAsync([slow('a', 5, 3), slow('b', 3, 7), from([])])) out.push(v);
    expect(out.filter((v) => v.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(out.filter((v) => v.startsWith('b'))).toEqual(['b0', 'b1', 'b2']);
  });
  it('ends with the error of a failing source', async () => {
    async function* bad(): AsyncGenerator<string> {
      yield 'x';
      throw new Error('boom');
    }
    const out: string[] = [];
    await expect(
      (async () => {
        for await (const v of mergeAsync([bad(), from(['y'])])) out.push(v);
      })(),
    ).rejects.toThrow('boom');
  });
});
