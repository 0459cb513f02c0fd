/**
 * ByteSource.reuseChunks: a plain file read into two reused buffers gives
 * the same bytes, in the same chunks, as fresh buffers; the buffers really
 * are reused (a chunk kept without copying is overwritten); gzip and chunk
 * iterables refuse; the capture reader opts in and delivers the same packets.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DecodedPacket } from '../../src/ingest/pcap/decoded-packet.js';
import { type CaptureStats, readCapturePackets } from '../../src/ingest/pcap/read-capture.js';
import { type ByteSource, openByteSource, openByteSourceFromChunks } from '../../src/io/byte-source.js';
import type { IngestWarning } from '../../src/types.js';
import { concatBytes, pcapngEnhancedPacket, pcapngInterface, pcapngSection } from '../ingest/pcap/capture-builder.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowhound-reuse-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CHUNK = 65536;

function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** Bytes that differ from chunk to chunk (so an overwritten chunk shows). */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

interface ReadResult {
  /** Copies of the chunks, taken as each arrived. */
  copies: Buffer[];
  /** The chunks themselves, kept past the iteration step (what a safe consumer must not do). */
  kept: Uint8Array[];
  /** Distinct ArrayBuffers behind the chunks. */
  backing: Set<ArrayBufferLike>;
}

async function readAll(source: ByteSource): Promise<ReadResult> {
  const r: ReadResult = { copies: [], kept: [], backing: new Set() };
  for await (const c of source.chunks) {
    r.copies.push(Buffer.from(c));
    r.kept.push(c);
    r.backing.add(c.buffer);
  }
  return r;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function waitFor(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

describe('ByteSource.reuseChunks on a plain file', () => {
  const cases: [string, number][] = [
    ['an exact multiple of the chunk size', 8 * CHUNK],
    ['not a multiple of the chunk size', 8 * CHUNK + 123],
    ['shorter than one chunk', CHUNK - 1],
  ];
  for (const [what, size] of cases) {
    it(`gives the bytes and chunks of the fresh-buffer path for a file ${what} (${size} bytes)`, async () => {
      const content = pattern(size, size);
      const path = writeTemp(`plain-${size}.bin`, content);
      const fresh = await openByteSource(path, { chunkSize: CHUNK });
      const reused = await openByteSource(path, { chunkSize: CHUNK });
      expect(reused.reuseChunks?.()).toBe(true);
      expect(reused.sizeBytes).toBe(size);
      expect(Buffer.from(reused.head).equals(content.subarray(0, 4096))).toBe(true);
      const a = await readAll(fresh);
      const b = await readAll(reused);

      const expectedLengths = Array.from({ length: Math.ceil(size / CHUNK) }, (_, i) => Math.min(CHUNK, size - i * CHUNK));
      expect(a.copies.map((c) => c.length)).toEqual(expectedLengths);
      expect(b.copies.map((c) => c.length)).toEqual(expectedLengths);
      expect(Buffer.concat(a.copies).equals(content)).toBe(true);
      expect(Buffer.concat(b.copies).equals(content)).toBe(true);

      // Fresh buffers: each chunk its own memory, still intact after the read.
      expect(a.backing.size).toBe(a.kept.length);
      a.kept.forEach((c, i) => {
        expect(Buffer.from(c).equals(a.copies[i]!)).toBe(true);
      });
      // Reused: the head's chunk and the one read ahead before the opt-in stay
      // independent; every later chunk is in one of the two pool buffers.
      b.kept.slice(0, 2).forEach((c, i) => {
        expect(Buffer.from(c).equals(b.copies[i]!)).toBe(true);
      });
      if (b.kept.length > 2) {
        expect(b.backing.size).toBe(3);
        expect(new Set(b.kept.slice(2).map((c) => c.byteOffset)).size).toBeLessThanOrEqual(2);
      }
    });
  }

  it('leaves a chunk alone until the consumer asks for the next one, then reuses its buffer', async () => {
    const content = pattern(8 * CHUNK, 3);
    const path = writeTemp('overwrite.bin', content);
    const source = await openByteSource(path, { chunkSize: CHUNK });
    expect(source.reuseChunks?.()).toBe(true);
    const seen: { chunk: Uint8Array; copy: Buffer }[] = [];
    for await (const chunk of source.chunks) {
      const copy = Buffer.from(chunk);
      // A slow consumer: the read ahead finishes meanwhile, into the other buffer.
      await new Promise((r) => setTimeout(r, 20));
      expect(Buffer.from(chunk).equals(copy)).toBe(true);
      seen.push({ chunk, copy });
    }
    expect(seen).toHaveLength(8);
    expect(Buffer.concat(seen.map((s) => s.copy)).equals(content)).toBe(true);
    // Chunk 2 went into a pool buffer that chunks 4 and 6 were read into since.
    expect(Buffer.from(seen[2]!.chunk).equals(seen[2]!.copy)).toBe(false);
    expect(Buffer.from(seen[2]!.chunk).equals(seen[6]!.copy)).toBe(true);
  });

  it('reads an empty file as no chunks', async () => {
    const path = writeTemp('empty.bin', new Uint8Array(0));
    const source = await openByteSource(path, { chunkSize: CHUNK });
    expect(source.reuseChunks?.()).toBe(true);
    expect(source.head).toHaveLength(0);
    expect(source.sizeBytes).toBe(0);
    expect((await readAll(source)).copies).toEqual([]);
  });

  it('reports progress through onRead with the bytes read so far', async () => {
    const size = 5 * CHUNK + 7;
    const path = writeTemp('progress.bin', pattern(size, 5));
    const seen: number[] = [];
    const source = await openByteSource(path, { chunkSize: CHUNK, onRead: (n) => seen.push(n) });
    source.reuseChunks?.();
    await readAll(source);
    expect(seen).toEqual([CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK, 5 * CHUNK, size]);
  });

  it('is refused for gzip input, which keeps fresh chunks and still gunzips', async () => {
    const content = pattern(6 * CHUNK, 9);
    const path = writeTemp('data.bin.gz', gzipSync(content));
    const source = await openByteSource(path, { chunkSize: 4096 });
    expect(source.gzip).toBe(true);
    expect(source.reuseChunks?.()).toBe(false);
    const r = await readAll(source);
    expect(Buffer.concat(r.copies).equals(content)).toBe(true);
    r.kept.forEach((c, i) => {
      expect(Buffer.from(c).equals(r.copies[i]!)).toBe(true);
    });
  });

  it('is refused by a source made from chunks', async () => {
    const source = await openByteSourceFromChunks('t', [pattern(100, 1)]);
    expect(source.reuseChunks?.()).toBe(false);
  });

  it('keeps its errors: a cut gzip file is INPUT_TRUNCATED, a missing file INPUT_NOT_FOUND, a directory INPUT_UNREADABLE', async () => {
    const gz = gzipSync(pattern(3 * CHUNK, 4));
    const cut = writeTemp('cut.bin.gz', gz.subarray(0, gz.length - 20));
    const source = await openByteSource(cut);
    await expect(readAll(source)).rejects.toMatchObject({ code: 'INPUT_TRUNCATED', message: expect.stringContaining('cut.bin.gz') });
    await expect(openByteSource(join(tmp, 'absent.bin'))).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    const dir = join(tmp, 'a-dir');
    mkdirSync(dir, { recursive: true });
    await expect(openByteSource(dir)).rejects.toMatchObject({ code: 'INPUT_UNREADABLE' });
  });

  const linux = existsSync('/proc/self/fd');
  (linux ? it : it.skip)('closes the file at the end, when the consumer stops early, and when it lets go before the first chunk', async () => {
    const path = writeTemp('fds.bin', pattern(8 * CHUNK, 6));
    const before = openFds();
    const whole = await openByteSource(path, { chunkSize: CHUNK });
    whole.reuseChunks?.();
    await readAll(whole);
    expect(await waitFor(() => openFds() === before)).toBe(true);

    const early = await openByteSource(path, { chunkSize: CHUNK });
    early.reuseChunks?.();
    let n = 0;
    for await (const _ of early.chunks) if (++n === 3) break;
    expect(await waitFor(() => openFds() === before)).toBe(true);

    // As the parallel capture reader does: open (reads the head), then let go.
    const unused = await openByteSource(path, { chunkSize: CHUNK });
    expect(openFds()).toBe(before + 1);
    await unused.chunks[Symbol.asyncIterator]().return?.();
    expect(await waitFor(() => openFds() === before)).toBe(true);
  });
});

/** The packet's fields (not the reader's internal references into the chunk), its bytes copied. */
const FIELDS = [
  'tsSec',
  'capLen',
  'wireLen',
  'interfaceId',
  'linkType',
  'ipVersion',
  'src',
  'dst',
  'ipProto',
  'ipLen',
  'isFragment',
  'transportTruncated',
  'srcPort',
  'dstPort',
  'tcpFlags',
  'tcpSeq',
  'tcpAck',
  'tcpWindow',
  'icmpType',
  'icmpCode',
  'icmpId',
  'icmpSeq',
  'payloadLen',
  'payloadOffset',
  'ipOffset',
  'transportOffset',
  'tunnelDepth',
] as const satisfies readonly (keyof DecodedPacket)[];

function snapshot(p: DecodedPacket): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of FIELDS) o[k] = p[k];
  o.data = Buffer.from(p.data).toString('hex');
  return o;
}

interface Capture {
  packets: Record<string, unknown>[];
  warnings: IngestWarning[];
  stats: CaptureStats | null;
  reused: boolean | null;
  chunks: number;
  /** Distinct ArrayBuffers behind the chunks the reader got. */
  backing: number;
}

async function readCapture(path: string, chunkSize: number, reuse: boolean): Promise<Capture> {
  const opened = await openByteSource(path, { chunkSize });
  let reused: boolean | null = null;
  let source: ByteSource;
  if (reuse) {
    const optIn = opened.reuseChunks!.bind(opened);
    source = {
      ...opened,
      reuseChunks: () => {
        reused = optIn();
        return reused;
      },
    };
  } else {
    const { reuseChunks: _, ...fresh } = opened;
    source = fresh;
  }
  const out: Capture = { packets: [], warnings: [], stats: null, reused: null, chunks: 0, backing: 0 };
  const backing = new Set<ArrayBufferLike>();
  const inner = source.chunks;
  source.chunks = (async function* () {
    for await (const c of inner) {
      out.chunks++;
      backing.add(c.buffer);
      yield c;
    }
  })();
  for await (const _ of readCapturePackets(source, (p) => out.packets.push(snapshot(p)), {
    onWarning: (w) => out.warnings.push(w),
    onStats: (s) => {
      out.stats = s;
    },
  }));
  out.reused = reused;
  out.backing = backing.size;
  return out;
}

/** The lab capture as pcapng (one Ethernet interface, µs timestamps). */
function toPcapng(pcap: Buffer): Uint8Array {
  const parts: Uint8Array[] = [pcapngSection(), pcapngInterface({ linkType: pcap.readUInt32LE(20), tsresol: 6 })];
  for (let o = 24; o + 16 <= pcap.length; ) {
    const capLen = pcap.readUInt32LE(o + 8);
    const ts = BigInt(pcap.readUInt32LE(o)) * 1_000_000n + BigInt(pcap.readUInt32LE(o + 4));
    parts.push(pcapngEnhancedPacket(0, ts, pcap.subarray(o + 16, o + 16 + capLen), true, pcap.readUInt32LE(o + 12)));
    o += 16 + capLen;
  }
  return concatBytes(parts);
}

describe('readCapturePackets with reused chunks', () => {
  const lab = join(process.cwd(), 'fixtures', 'lab');
  const files = readdirSync(lab).filter((f) => f.endsWith('.pcap'));

  it('finds the lab captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const f of files) {
    for (const chunkSize of [4096, CHUNK]) {
      it(`delivers the packets of fresh chunks: ${f} at chunk size ${chunkSize}`, async () => {
        const path = join(lab, f);
        const fresh = await readCapture(path, chunkSize, false);
        const reused = await readCapture(path, chunkSize, true);
        expect(reused.reused).toBe(true);
        expect(fresh.reused).toBeNull();
        // Two fresh chunks (the head and the one read ahead), then the two pool buffers of one allocation.
        expect(fresh.backing).toBe(fresh.chunks);
        expect(reused.chunks).toBe(fresh.chunks);
        expect(reused.backing).toBe(Math.min(reused.chunks, 3));
        expect(fresh.packets.length).toBeGreaterThan(100);
        expect(reused.packets).toHaveLength(fresh.packets.length);
        expect(reused.packets).toEqual(fresh.packets);
        expect(reused.warnings).toEqual(fresh.warnings);
        expect(reused.stats).toEqual(fresh.stats);
        expect(reused.stats?.bytes).toBe(readFileSync(path).length);
      });
    }
  }

  it('delivers the same packets from a pcapng conversion', async () => {
    const path = writeTemp('benign-1.pcapng', toPcapng(readFileSync(join(lab, 'benign-1.pcap'))));
    const fresh = await readCapture(path, 4096, false);
    const reused = await readCapture(path, 4096, true);
    expect(reused.reused).toBe(true);
    expect(reused.stats?.format).toBe('pcapng');
    expect(fresh.packets.length).toBeGreaterThan(100);
    expect(reused.packets).toEqual(fresh.packets);
    expect(reused.stats).toEqual(fresh.stats);
  });

  it('reports a capture cut inside a record the same way', async () => {
    const whole = readFileSync(join(lab, 'dns-tunnel-iodine.pcap'));
    const path = writeTemp('cut.pcap', whole.subarray(0, whole.length - 10));
    const fresh = await readCapture(path, 4096, false);
    const reused = await readCapture(path, 4096, true);
    expect(reused.reused).toBe(true);
    expect(fresh.warnings.map((w) => w.code)).toEqual(['INPUT_TRUNCATED']);
    expect(reused.warnings).toEqual(fresh.warnings);
    expect(reused.packets).toEqual(fresh.packets);
  });

  it('is a no-op for a gzip capture', async () => {
    const path = writeTemp('benign-2.pcap.gz', gzipSync(readFileSync(join(lab, 'benign-2.pcap'))));
    const fresh = await readCapture(join(lab, 'benign-2.pcap'), CHUNK, false);
    const gz = await readCapture(path, CHUNK, true);
    expect(gz.reused).toBe(false);
    expect(gz.packets).toEqual(fresh.packets);
  });
});
