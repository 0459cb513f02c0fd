/**
 * conn-line.ts: the conn.log lines the flow tracker encodes straight from its table are those the
 * conn.log writer makes of the FlowRecords, byte for byte.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureRecords } from '../../../src/ingest/capture-ingest.js';
import { createConnLogLines } from '../../../src/ingest/flow-tracker/conn-line.js';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import { createZeekConnLogWriter, isLocalAddress, isLocalIpv4Value } from '../../../src/sink/zeek-log-writer.js';
import type { FlowTrackerOptions } from '../../../src/ingest/flow-tracker/flow-tracker.js';
import { describeWithSharedData, zeekTestTraces } from '../../helpers/shared-data.js';

/** The conn.log body lines of a capture: from its FlowRecords through the writer, and from the tracker's lines. */
async function bothWays(name: string, bytes: Uint8Array, tracker: FlowTrackerOptions = {}): Promise<{ fromRecords: string; fromTable: string; count: number }> {
  let written = '';
  const output = {
    write(chunk: string): boolean {
      written += chunk;
      return true;
    },
  };
  const writer = createZeekConnLogWriter(output, { format: 'tsv', now: () => new Date(0) });
  for await (const b of readCaptureRecords(await openByteSourceFromChunks(name, rechunk([bytes], 65536)), { maxInvalid: 25, onWarning: () => {}, flowTracker: tracker })) {
    await writer.write(b.flows);
  }
  const connLog = createConnLogLines();
  let count = 0;
  let fromTable = '';
  for await (const b of readCaptureRecords(await openByteSourceFromChunks(name, rechunk([bytes], 65536)), { maxInvalid: 25, onWarning: () => {}, flowTracker: { ...tracker, connLog } })) {
    expect(b.flows).toHaveLength(0);
    count += connLog.count;
    connLog.count = 0;
    fromTable += connLog.lines.buf.toString('utf8', 0, connLog.lines.at);
    connLog.lines.at = 0;
  }
  const fromRecords = written
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => `${l}\n`)
    .join('');
  return { fromRecords, fromTable, count };
}

describe('encodeConnLine', () => {
  it('writes the lines of the FlowRecords of a lab capture, byte for byte', async () => {
    const dir = join(process.cwd(), 'fixtures', 'lab');
    let lines = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.pcap')).slice(0, 12)) {
      const r = await bothWays(f, new Uint8Array(readFileSync(join(dir, f))));
      expect({ f, lines: r.fromTable }).toEqual({ f, lines: r.fromRecords });
      lines += r.count;
    }
    expect(lines).toBeGreaterThan(100);
  });
});

describe('isLocalIpv4Value', () => {
  it('agrees with isLocalAddress on the dotted quad, around every boundary of the local ranges', () => {
    const firsts = [0, 9, 10, 11, 99, 100, 101, 126, 127, 128, 168, 169, 170, 171, 172, 173, 191, 192, 193, 223, 224, 225, 238, 239, 240, 255];
    const differ: string[] = [];
    let local = 0;
    for (const a of firsts) {
      for (let b = 0; b < 256; b++) {
        for (const c of [0, 1, 255]) {
          const text = `${a}.${b}.${c}.7`;
          const want = isLocalAddress(text);
          if (isLocalIpv4Value((a << 24) | (b << 16) | (c << 8) | 7) !== want) differ.push(text);
          if (want) local++;
        }
      }
    }
    expect(differ).toEqual([]);
    expect(local).toBeGreaterThan(1000);
  });
});

describeWithSharedData('encodeConnLine on the Zeek test traces (shared data)', () => {
  it('writes the lines of the FlowRecords, byte for byte, on every trace (tunnels, flips, IPv6, cut packets), with and without checksum checks', async () => {
    let lines = 0;
    for (const { dir, bytes } of zeekTestTraces()) {
      for (const verifyChecksums of [false, true]) {
        const r = await bothWays(`${dir}.pcap`, bytes, { verifyChecksums });
        expect({ dir, verifyChecksums, lines: r.fromTable }).toEqual({ dir, verifyChecksums, lines: r.fromRecords });
        lines += r.count;
      }
    }
    expect(lines).toBeGreaterThan(500);
  });
});
