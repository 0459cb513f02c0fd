/**
 * DESIGN.md names `pcap-parser` for classic pcap; flowhound reads captures
 * with its own reader for speed (see src/ingest/pcap/read-capture.ts). This
 * test shows both agree packet for packet — timestamps, captured and
 * original lengths, frame bytes — on classic microsecond pcap files
 * (pcap-parser reads neither nanosecond pcap nor pcapng). Framing is what
 * is compared, so IP fragments are not reassembled here (a reassembled
 * datagram takes the place of the frame that completed it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describeWithSharedData, hasSharedData, SHARED_DATA_DIR } from '../../helpers/shared-data.js';
import { ethernetFrame, ipv4Packet, pcapFile, tcpSegment, udpDatagram } from './capture-builder.js';
import { CHUNK_SIZES, type Collected, collectBytes } from './collect-packets.js';

interface PcapParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface PcapParserEmitter {
  on(event: 'packet', f: (p: PcapParserPacket) => void): this;
  on(event: 'end', f: () => void): this;
  on(event: 'error', f: (e: Error) => void): this;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(input: string | Readable): PcapParserEmitter };

function readWithPcapParser(file: Uint8Array): Promise<PcapParserPacket[]> {
  return new Promise((resolve, reject) => {
    const out: PcapParserPacket[] = [];
    // pcap-parser wants a paused-capable stream of Buffers.
    const stream = Readable.from([Buffer.from(file)], { objectMode: false });
    pcapParser
      .parse(stream)
      .on('packet', (p) => out.push({ header: { ...p.header }, data: Buffer.from(p.data) }))
      .on('error', reject)
      .on('end', () => resolve(out));
  });
}

const FRAMES_ONLY = { reassemble: false };

function expectAgreement(ours: Collected, theirs: PcapParserPacket[]): void {
  // Unknown link types (802.11, radiotap) and, reassembly being off, fragments are warned about, but framing must be clean.
  expect(ours.warnings.filter((w) => w.code !== 'CAPTURE_UNKNOWN_LINK_TYPE' && w.code !== 'CAPTURE_FRAGMENTS')).toEqual([]);
  expect(ours.frames.length).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const t = theirs[i]!;
    const o = ours.frames[i]!;
    const fields = [o.tsSec, o.capLen, o.wireLen];
    const expected = [t.header.timestampSeconds + t.header.timestampMicroseconds / 1e6, t.header.capturedLength, t.header.originalLength];
    if (fields.some((v, k) => v !== expected[k]) || !t.data.equals(o.data)) {
      throw new Error(`packet ${i + 1} differs: ours ${JSON.stringify(fields)} vs pcap-parser ${JSON.stringify(expected)}`);
    }
  }
}

/** Classic µs pcap files among the shared data, found by their magic. */
function sharedClassicPcaps(): string[] {
  if (!hasSharedData) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.pcap(ng)?$/.test(name)) {
        const head = readFileSync(p).subarray(0, 4).toString('hex');
        if (head === 'd4c3b2a1' || head === 'a1b2c3d4') out.push(p);
      }
    }
  };
  walk(SHARED_DATA_DIR);
  return out.sort();
}

describe('our reader and pcap-parser agree on generated classic pcaps', () => {
  const frames = Array.from({ length: 300 }, (_, i) =>
    ethernetFrame(
      0x0800,
      i % 3 === 0
        ? ipv4Packet({ src: `10.0.${i % 7}.1`, dst: '10.9.9.9', proto: 17 }, udpDatagram(1000 + i, 53, new Uint8Array(i % 200)))
        : ipv4Packet({ src: '10.0.0.1', dst: `172.16.${i % 5}.2`, proto: 6 }, tcpSegment({ srcPort: 40000 + i, dstPort: 443, seq: i * 1000, flags: 0x18, payload: new Uint8Array(i * 3) })),
    ),
  );
  for (const littleEndian of [true, false]) {
    const file = pcapFile(
      { littleEndian },
      frames.map((data, i) => ({ tsSec: 1_600_000_000 + i, frac: (i * 7919) % 1_000_000, data: i % 10 === 0 ? data.subarray(0, 50) : data, wireLen: data.length })),
    );
    for (const size of CHUNK_SIZES) {
      it(`${littleEndian ? 'little' : 'big'}-endian, our chunk size ${size}`, async () => {
        expectAgreement(await collectBytes(file, size, 'test.pcap', FRAMES_ONLY), await readWithPcapParser(file));
      });
    }
  }
});

describeWithSharedData('our reader and pcap-parser agree on the classic pcaps of the shared data', () => {
  const files = sharedClassicPcaps();
  it('finds classic pcaps to compare', () => {
    expect(files.length).toBeGreaterThan(40);
  });
  for (const path of files) {
    const name = path.slice(SHARED_DATA_DIR.length + 1);
    it(name, async () => {
      const file = readFileSync(path);
      const theirs = await readWithPcapParser(file);
      expectAgreement(await collectBytes(file, 65536, name, FRAMES_ONLY), theirs);
      if (file.length < 50_000) expectAgreement(await collectBytes(file, 7, name, FRAMES_ONLY), theirs);
    });
  }
});
