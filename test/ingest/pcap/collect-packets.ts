/** Runs readCapturePackets over bytes or a file at a given chunk size and keeps copies of what it delivered. */
import { openByteSource, openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import { type CaptureStats, readCapturePackets } from '../../../src/ingest/pcap/read-capture.js';
import type { IngestWarning } from '../../../src/types.js';

export const CHUNK_SIZES = [1, 7, 65536] as const;

export interface Collected {
  packets: DecodedPacket[];
  warnings: IngestWarning[];
  /** Packets per yielded chunk count, summed. */
  yieldedTotal: number;
  stats: CaptureStats | null;
}

export async function collectBytes(input: Uint8Array, chunkSize: number, name = 'test.pcap'): Promise<Collected> {
  const source = await openByteSourceFromChunks(name, rechunk([input], chunkSize));
  return collectSource(source);
}

export async function collectFile(path: string, chunkSize = 65536, extra: { decapsulate6in4?: boolean } = {}): Promise<Collected> {
  const source = await openByteSource(path, { chunkSize });
  return collectSource(source, extra);
}

async function collectSource(source: Awaited<ReturnType<typeof openByteSource>>, extra: { decapsulate6in4?: boolean } = {}): Promise<Collected> {
  const packets: DecodedPacket[] = [];
  const warnings: IngestWarning[] = [];
  let stats: CaptureStats | null = null;
  let yieldedTotal = 0;
  for await (const n of readCapturePackets(source, (p) => packets.push({ ...p, src: p.src, dst: p.dst, data: p.data.slice() }), {
    onWarning: (w) => warnings.push(w),
    onStats: (s) => {
      stats = s;
    },
    ...extra,
  })) {
    yieldedTotal += n;
  }
  return { packets, warnings, yieldedTotal, stats };
}
