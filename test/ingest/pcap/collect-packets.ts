/** Runs readCapturePackets over bytes or a file at a given chunk size and keeps copies of what it delivered. */
import { openByteSource, openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import { isReaderPacket } from '../../../src/ingest/pcap/decode-frame.js';
import { type CaptureStats, readCapturePackets } from '../../../src/ingest/pcap/read-capture.js';
import type { IngestWarning } from '../../../src/types.js';

export const CHUNK_SIZES = [1, 7, 65536] as const;

export interface Collected {
  /** Every packet delivered (a UDP tunnel's frame gives the tunnel's packet and the one inside it). */
  packets: DecodedPacket[];
  /** The first packet of each frame. */
  frames: DecodedPacket[];
  warnings: IngestWarning[];
  /** Packets per yielded chunk count, summed. */
  yieldedTotal: number;
  stats: CaptureStats | null;
}

/** Reader options a test may set. */
export interface CollectOptions {
  decapsulate6in4?: boolean;
  reassemble?: boolean;
}

export async function collectBytes(input: Uint8Array, chunkSize: number, name = 'test.pcap', extra: CollectOptions = {}): Promise<Collected> {
  const source = await openByteSourceFromChunks(name, rechunk([input], chunkSize));
  return collectSource(source, extra);
}

export async function collectFile(path: string, chunkSize = 65536, extra: CollectOptions = {}): Promise<Collected> {
  const source = await openByteSource(path, { chunkSize });
  return collectSource(source, extra);
}

async function collectSource(source: Awaited<ReturnType<typeof openByteSource>>, extra: CollectOptions = {}): Promise<Collected> {
  const packets: DecodedPacket[] = [];
  const frames: DecodedPacket[] = [];
  const warnings: IngestWarning[] = [];
  let stats: CaptureStats | null = null;
  let yieldedTotal = 0;
  let lastFrame = -1;
  const keep = (p: DecodedPacket) => {
    // Uint8Array.from copies (a Buffer's slice() would be a view into the reader's reused chunk).
    const copy = { ...p, src: p.src, dst: p.dst, data: Uint8Array.from(p.data) };
    packets.push(copy);
    // The packets inside a UDP tunnel (VXLAN, Geneve) come from the same frame as the tunnel's packet.
    const seq = isReaderPacket(p) ? p.frameSeq : -2 - packets.length;
    if (seq !== lastFrame) frames.push(copy);
    lastFrame = seq;
  };
  for await (const n of readCapturePackets(source, keep, {
    onWarning: (w) => warnings.push(w),
    onStats: (s) => {
      stats = s;
    },
    ...extra,
  })) {
    yieldedTotal += n;
  }
  return { packets, frames, warnings, yieldedTotal, stats };
}
