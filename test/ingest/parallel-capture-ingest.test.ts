/**
 * Parallel capture ingest (src/ingest/parallel-capture-ingest.ts): worker
 * threads that each track a share of the connections must give the same
 * records as the single-threaded reader. The workers run the compiled
 * dist/ingest/capture-worker.js (`npm test` builds it first).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowhoundError } from '../../src/errors.js';
import { openByteSource, openByteSourceFromChunks } from '../../src/io/byte-source.js';
import { parallelCaptureThreads } from '../../src/ingest/parallel-capture-ingest.js';
import { type ReadOptions, readInput } from '../../src/ingest/read-input.js';
import type { FlowTrackerStats } from '../../src/ingest/flow-tracker/flow-tracker.js';
import type { IngestWarning, RecordBatch } from '../../src/types.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';

const LAB = join(process.cwd(), 'fixtures', 'lab');
const dir = mkdtempSync(join(tmpdir(), 'flowhound-parallel-'));

interface Read {
  batches: RecordBatch[];
  warnings: IngestWarning[];
  tracker: FlowTrackerStats | null;
}

async function read(path: string, threads: number, extra: Partial<ReadOptions> & { flowTracker?: { maxFlows?: number } } = {}): Promise<Read> {
  const warnings: IngestWarning[] = [];
  let tracker: FlowTrackerStats | null = null;
  const options = {
    maxInvalid: 25,
    onWarning: (w: IngestWarning) => warnings.push(w),
    captureThreads: threads,
    onCaptureStats: (s: { tracker: FlowTrackerStats }) => {
      tracker = s.tracker;
    },
    ...extra,
  } as ReadOptions;
  const batches: RecordBatch[] = [];
  for await (const b of readInput(path, options)) batches.push(b);
  return { batches, warnings, tracker };
}

const all = <K extends keyof RecordBatch>(r: Read, k: K): RecordBatch[K] => r.batches.flatMap((b) => b[k] as unknown[]) as unknown as RecordBatch[K];
const byJson = <T>(xs: readonly T[]): string[] => xs.map((x) => JSON.stringify(x)).sort();
/** Ticks summed per (second, host, port, proto): workers may each report a part of one. */
function tickTotals(r: Read): Map<string, string> {
  const m = new Map<string, { pkts: number; bytes: number }>();
  for (const t of all(r, 'ticks')) {
    const k = `${t.sec}|${t.dst}|${t.port}|${t.proto}`;
    const v = m.get(k) ?? { pkts: 0, bytes: 0 };
    v.pkts += t.pkts;
    v.bytes += t.bytes;
    m.set(k, v);
  }
  return new Map([...m].map(([k, v]) => [k, `${v.pkts}/${v.bytes}`]));
}

/**
 * One classic pcap of every lab capture's packets, each capture shifted in
 * time to start an hour after the previous one ended: 3.5 MB, so several
 * 1 MiB input chunks (batches) per worker.
 */
function concatenatedLabCapture(): string {
  const parts: Buffer[] = [];
  let offsetSec = 0;
  for (const name of readdirSync(LAB).filter((f) => f.endsWith('.pcap')).sort()) {
    const b = readFileSync(join(LAB, name));
    if (parts.length === 0) parts.push(b.subarray(0, 24));
    let firstSec = -1;
    let lastSec = 0;
    for (let o = 24; o + 16 <= b.length; ) {
      const capLen = b.readUInt32LE(o + 8);
      const rec = Buffer.from(b.subarray(o, o + 16 + capLen));
      const sec = rec.readUInt32LE(0);
      if (firstSec < 0) firstSec = sec;
      rec.writeUInt32LE(sec - firstSec + 1_795_132_800 + offsetSec, 0);
      lastSec = sec - firstSec;
      parts.push(rec);
      o += 16 + capLen;
    }
    offsetSec += lastSec + 3600;
  }
  const path = join(dir, 'lab-all.pcap');
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describeWithSharedData('parallel capture ingest of tunnels (Zeek conformance traces, shared data)', () => {
  // A UDP tunnel's connection is followed by every worker (as a shadow where it is not its share) so
  // that the connections inside it name its uid in their tunnel parents, whichever worker has them.
  const traces = ['core.tunnels.vxlan', 'core.tunnels.ayiya', 'core.tunnels.geneve', 'core.tunnels.gtp.inner_ipv6', 'core.tunnels.gre', 'core.tunnels.gre-over-udp'];
  it.each(traces)('%s: the same records, tunnel parents included, with 2 and 3 workers', async (name) => {
    const path = sharedData('zeek-conformance', name, 'trace.pcap');
    const one = await read(path, 1);
    const inner = all(one, 'flows').filter((f) => f.tunnelParents !== undefined);
    expect(inner.length).toBeGreaterThan(0);
    for (const threads of [2, 3]) {
      const many = await read(path, threads);
      expect(byJson(all(many, 'flows'))).toEqual(byJson(all(one, 'flows')));
      expect(byJson(all(many, 'dns'))).toEqual(byJson(all(one, 'dns')));
      const { maxLiveFlows: _a, ...manyStats } = many.tracker!;
      const { maxLiveFlows: _b, ...oneStats } = one.tracker!;
      expect(manyStats).toEqual(oneStats);
    }
  });
});

describe('parallel capture ingest', () => {
  const big = concatenatedLabCapture();
  const inputs = [big, join(LAB, 'scan-vertical.pcap'), join(LAB, 'dns-tunnel-iodine.pcap'), join(LAB, 'icmp-tunnel-ptunnel.pcap'), join(LAB, 'scan-arp.pcap')];

  it.each(inputs)('gives the single-threaded records with 2 and 3 workers: %s', async (path) => {
    const one = await read(path, 1);
    expect(all(one, 'flows').length).toBeGreaterThan(10);
    if (path.endsWith('scan-arp.pcap')) expect(one.batches.flatMap((b) => b.arps ?? []).length).toBeGreaterThan(250);
    for (const threads of [2, 3]) {
      const many = await read(path, threads);
      expect(byJson(all(many, 'flows'))).toEqual(byJson(all(one, 'flows')));
      expect(byJson(all(many, 'dns'))).toEqual(byJson(all(one, 'dns')));
      expect(byJson(all(many, 'echoes'))).toEqual(byJson(all(one, 'echoes')));
      expect(byJson(many.batches.flatMap((b) => b.arps ?? []))).toEqual(byJson(one.batches.flatMap((b) => b.arps ?? [])));
      expect(tickTotals(many)).toEqual(tickTotals(one));
      const { maxLiveFlows: _a, ...manyStats } = many.tracker!;
      const { maxLiveFlows: _b, ...oneStats } = one.tracker!;
      expect(manyStats).toEqual(oneStats);
      expect(many.warnings).toEqual(one.warnings);
    }
  });

  it('merges the workers batch by batch: batch k holds what the single-threaded reader yields for input chunk k', async () => {
    const one = await read(big, 1);
    const many = await read(big, 2);
    expect(one.batches.length).toBeGreaterThan(3);
    expect(many.batches.length).toBe(one.batches.length);
    for (let k = 0; k < one.batches.length; k++) {
      expect(byJson(many.batches[k]!.flows)).toEqual(byJson(one.batches[k]!.flows));
      expect(byJson(many.batches[k]!.echoes)).toEqual(byJson(one.batches[k]!.echoes));
    }
  });

  it('reports a truncated capture once, with every whole packet before the cut', async () => {
    const b = readFileSync(join(LAB, 'scan-vertical.pcap'));
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, b.subarray(0, b.length - 7));
    const one = await read(path, 1);
    const many = await read(path, 2);
    expect(many.warnings.filter((w) => w.code === 'INPUT_TRUNCATED')).toHaveLength(1);
    expect(many.warnings).toEqual(one.warnings);
    expect(many.tracker!.packets).toBe(one.tracker!.packets);
  });

  it('throws the reader error of a garbage record, naming the file and byte offset', async () => {
    const b = Buffer.from(readFileSync(join(LAB, 'scan-vertical.pcap')).subarray(0, 24 + 16));
    b.writeUInt32LE(0xffffffff, 24 + 8);
    const path = join(dir, 'garbage.pcap');
    writeFileSync(path, b);
    const err = await read(path, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowhoundError);
    expect((err as FlowhoundError).code).toBe('PCAP_BAD_RECORD');
    expect((err as FlowhoundError).message).toContain(`${path}: byte 24:`);
  });

  it('splits the live-connection cap among the workers and reports cut connections', async () => {
    const many = await read(big, 2, { flowTracker: { maxFlows: 8 } });
    expect(many.tracker!.evictedFlows).toBeGreaterThan(0);
    expect(many.warnings.map((w) => w.code)).toContain('FLOW_CAP_REACHED');
  });

  it('stops its workers when the consumer stops early', async () => {
    const it = readInput(big, { maxInvalid: 25, onWarning: () => {}, captureThreads: 2 });
    const first = await it.next();
    expect(first.done).toBe(false);
    await it.return(undefined);
    // A second read of the same file still works (no worker left holding anything).
    const again = await read(big, 2);
    expect(all(again, 'flows').length).toBeGreaterThan(10);
  });

  it('uses workers only for regular uncompressed files, and for auto only when large', async () => {
    const file = await openByteSource(join(LAB, 'scan-vertical.pcap'));
    expect(parallelCaptureThreads(file, 2)).toBe(2);
    expect(parallelCaptureThreads(file, 1)).toBe(1);
    expect(parallelCaptureThreads(file, 'auto')).toBe(1);
    expect(parallelCaptureThreads({ ...file, sizeBytes: 1 << 30 }, 'auto')).toBeGreaterThanOrEqual(1);
    expect(parallelCaptureThreads({ ...file, gzip: true }, 2)).toBe(1);
    const piped = await openByteSourceFromChunks('stdin', [readFileSync(join(LAB, 'scan-vertical.pcap'))]);
    expect(parallelCaptureThreads(piped, 2)).toBe(1);
  });
});
