import { gzipSync } from 'node:zlib';
import { isFlowhoundError } from '../../../src/errors.js';
import {
  bytes,
  concatBytes,
  ethernetFrame,
  ipv4Packet,
  ipv6Packet,
  pcapFile,
  pcapngBlock,
  pcapngEnhancedPacket,
  pcapngInterface,
  pcapngObsoletePacket,
  pcapngSection,
  pcapngSimplePacket,
  tcpSegment,
  udpDatagram,
  u32be,
} from './capture-builder.js';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import { readCapturePackets } from '../../../src/ingest/pcap/read-capture.js';
import { CHUNK_SIZES, collectBytes } from './collect-packets.js';

const tcpSyn = ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, tcpSegment({ srcPort: 40000, dstPort: 80, seq: 1000, flags: 0x02 })));
const udpDns = ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.1', dst: '8.8.8.8', proto: 17 }, udpDatagram(5353, 53, new Uint8Array(30))));
const rawV6 = ipv6Packet('2001:db8::1', '2001:db8::2', 17, udpDatagram(1000, 2000, new Uint8Array(10)));

function classicPackets(nano: boolean) {
  return [
    { tsSec: 1700000000, frac: nano ? 123456789 : 123456, data: tcpSyn },
    { tsSec: 1700000001, frac: nano ? 5 : 5, data: udpDns },
    { tsSec: 1700000002, frac: 0, data: tcpSyn.subarray(0, 40), wireLen: tcpSyn.length },
  ];
}

describe('readCapturePackets: classic pcap', () => {
  for (const size of CHUNK_SIZES) {
    for (const littleEndian of [true, false]) {
      for (const nano of [false, true]) {
        it(`reads ${littleEndian ? 'little' : 'big'}-endian ${nano ? 'ns' : 'µs'} pcap at chunk size ${size}`, async () => {
          const file = pcapFile({ littleEndian, nano }, classicPackets(nano));
          const r = await collectBytes(file, size);
          expect(r.warnings).toEqual([]);
          expect(r.packets).toHaveLength(3);
          expect(r.yieldedTotal).toBe(3);
          const [a, b, c] = r.packets;
          expect(a!.tsSec).toBeCloseTo(nano ? 1700000000 + 0.123456789 : 1700000000.123456, 6);
          expect(b!.tsSec).toBeCloseTo(nano ? 1700000001 + 5e-9 : 1700000001.000005, 9);
          expect(a).toMatchObject({ ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', ipProto: 6, srcPort: 40000, dstPort: 80, tcpFlags: 2, tcpSeq: 1000 });
          expect(a!.capLen).toBe(tcpSyn.length);
          expect(Buffer.from(a!.data).equals(Buffer.from(tcpSyn))).toBe(true);
          expect(b).toMatchObject({ ipProto: 17, srcPort: 5353, dstPort: 53, payloadLen: 30 });
          // The third frame is cut at 40 bytes: IP lengths still count the whole packet.
          expect(c).toMatchObject({ capLen: 40, wireLen: tcpSyn.length, ipLen: 40, srcPort: 40000, dstPort: 80 });
        });
      }
    }
  }

  it('reads the nanosecond fraction at full resolution', async () => {
    const r = await collectBytes(pcapFile({ nano: true }, [{ tsSec: 10, frac: 999999999, data: tcpSyn }]), 65536);
    expect(r.packets[0]!.tsSec).toBeCloseTo(10.999999999, 9);
  });

  it('decodes raw IP link types by their version nibble', async () => {
    for (const linkType of [101, 12, 14]) {
      const r = await collectBytes(pcapFile({ linkType }, [{ tsSec: 1, frac: 0, data: rawV6 }]), 7);
      expect(r.packets[0]).toMatchObject({ linkType, ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', srcPort: 1000, payloadLen: 10 });
    }
  });
});

describe('readCapturePackets: the bytes decoders see', () => {
  for (const size of [7, 65536]) {
    it(`gives every packet's data as a Buffer, like the input chunks, at chunk size ${size} (carried records included)`, async () => {
      // One kind of byte array for the framer and decoders keeps their reads monomorphic (a Uint8Array
      // carry beside Buffer chunks deoptimised them); at 7 bytes a chunk every record goes through the carry.
      const file = Buffer.from(pcapFile({ littleEndian: true, nano: false }, classicPackets(false)));
      const source = await openByteSourceFromChunks('t.pcap', rechunk([file], size));
      const kinds: boolean[] = [];
      for await (const _ of readCapturePackets(source, (p) => kinds.push(Buffer.isBuffer(p.data)), { onWarning: () => {} })) {
        // the packets are seen through the callback
      }
      expect(kinds).toEqual([true, true, true]);
    });
  }
});

describe('readCapturePackets: pcapng', () => {
  // Two interfaces: Ethernet with ns resolution; raw IPv6 with 2^-20 s and an offset of 1e9 s.
  function twoInterfaceFile(): Uint8Array {
    return concatBytes([
      pcapngSection(),
      pcapngInterface({ linkType: 1, tsresol: 9 }),
      pcapngInterface({ linkType: 101, tsresol: 0x80 | 20, tsoffset: 1_000_000_000 }),
      pcapngEnhancedPacket(0, 1_700_000_000_123_456_789n, tcpSyn),
      pcapngBlock(0x00000bad, new Uint8Array(100)), // custom block: skipped
      pcapngEnhancedPacket(1, BigInt(700_000_000) * 1048576n + 524288n, rawV6),
      pcapngBlock(5, new Uint8Array(5000)), // interface statistics: skipped
      pcapngSimplePacket(udpDns),
      pcapngObsoletePacket(1, 3n * 1048576n, rawV6),
    ]);
  }

  for (const size of CHUNK_SIZES) {
    it(`reads two interfaces with their own link types and resolutions at chunk size ${size}`, async () => {
      const r = await collectBytes(twoInterfaceFile(), size, 'two.pcapng');
      expect(r.warnings).toEqual([]);
      expect(r.packets).toHaveLength(4);
      const [a, b, c, d] = r.packets;
      expect(a).toMatchObject({ interfaceId: 0, linkType: 1, src: '10.0.0.1', dstPort: 80 });
      expect(a!.tsSec).toBeCloseTo(1700000000 + 0.123456789, 6);
      expect(b).toMatchObject({ interfaceId: 1, linkType: 101, ipVersion: 6, src: '2001:db8::1' });
      expect(b!.tsSec).toBe(1_700_000_000.5);
      // A simple packet block: interface 0, no timestamp of its own.
      expect(c).toMatchObject({ interfaceId: 0, linkType: 1, dstPort: 53, capLen: udpDns.length });
      expect(c!.tsSec).toBe(b!.tsSec);
      expect(d).toMatchObject({ interfaceId: 1, ipVersion: 6 });
      expect(d!.tsSec).toBe(1_000_000_003);
    });

    it(`reads several sections of both byte orders at chunk size ${size}`, async () => {
      const file = concatBytes([
        pcapngSection(true),
        pcapngInterface({ linkType: 1 }, true),
        pcapngEnhancedPacket(0, 1_000_000n, tcpSyn, true),
        pcapngSection(false),
        pcapngInterface({ linkType: 101, tsresol: 3 }, false),
        pcapngEnhancedPacket(0, 2_500n, rawV6, false),
        pcapngSimplePacket(rawV6, false),
      ]);
      const r = await collectBytes(file, size, 'sections.pcapng');
      expect(r.warnings).toEqual([]);
      expect(r.packets.map((p) => [p.linkType, p.tsSec, p.src])).toEqual([
        [1, 1, '10.0.0.1'],
        [101, 2.5, '2001:db8::1'],
        [101, 2.5, '2001:db8::1'],
      ]);
    });
  }

  it('skips a block larger than any packet block may be (a 400 KiB decryption-secrets block) and reads on', async () => {
    const file = concatBytes([
      pcapngSection(),
      pcapngInterface({ linkType: 1 }),
      pcapngEnhancedPacket(0, 1n, tcpSyn),
      pcapngBlock(0x0000000a, new Uint8Array(400 << 10)),
      pcapngEnhancedPacket(0, 2n, udpDns),
    ]);
    // (Chunk sizes 1 and 7 through skipped blocks are covered by the statistics block test above.)
    for (const size of [1009, 65536]) {
      const r = await collectBytes(file, size, 'dsb.pcapng');
      expect(r.warnings).toEqual([]);
      expect(r.packets.map((p) => p.dstPort)).toEqual([80, 53]);
    }
  });

  it('limits a simple packet block to the interface snap length', async () => {
    const file = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1, snapLen: 30 }), pcapngSimplePacket(tcpSyn)]);
    const r = await collectBytes(file, 65536, 'snap.pcapng');
    expect(r.packets[0]).toMatchObject({ capLen: 30, wireLen: tcpSyn.length });
  });

  it('rejects a packet block naming an undefined interface', async () => {
    const file = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1 }), pcapngEnhancedPacket(3, 0n, tcpSyn)]);
    await expect(collectBytes(file, 65536, 'iface.pcapng')).rejects.toMatchObject({ code: 'PCAPNG_BAD_BLOCK', context: { file: 'iface.pcapng', offset: 28 + 20 + 8 } });
  });
});

describe('readCapturePackets: truncated files', () => {
  const whole = pcapFile({}, classicPackets(false));
  const recordStarts = [24, 24 + 16 + tcpSyn.length, 24 + 32 + tcpSyn.length + udpDns.length];
  for (const size of CHUNK_SIZES) {
    it(`delivers every whole packet before a cut, then warns, at chunk size ${size}`, async () => {
      for (let cut = 1; cut < whole.length; cut++) {
        const r = await collectBytes(whole.subarray(0, cut), size, 'cut.pcap');
        const wholePackets = recordStarts.filter((s, i) => (recordStarts[i + 1] ?? whole.length) <= cut && s < cut).length;
        expect(r.packets).toHaveLength(wholePackets);
        const atBoundary = cut === 24 || recordStarts.includes(cut);
        if (atBoundary) expect(r.warnings).toEqual([]);
        else {
          expect(r.warnings).toHaveLength(1);
          const w = r.warnings[0]!;
          expect(w.code).toBe('INPUT_TRUNCATED');
          expect(w.file).toBe('cut.pcap');
          const expectedOffset = cut < 24 ? 0 : Math.max(...recordStarts.filter((s) => s <= cut));
          expect(w.offset).toBe(expectedOffset);
          expect(w.message).toContain(`byte ${expectedOffset}`);
        }
      }
    });
  }

  for (const size of [7, 65536]) {
    it(`pcapng: delivers every whole packet block before a cut, then warns at the cut block, at chunk size ${size}`, async () => {
      const blocks = [
        pcapngSection(),
        pcapngInterface({ linkType: 1 }),
        pcapngEnhancedPacket(0, 1n, tcpSyn),
        pcapngEnhancedPacket(0, 2n, udpDns),
        pcapngBlock(5, new Uint8Array(20)),
        pcapngSimplePacket(udpDns),
        pcapngEnhancedPacket(0, 3n, tcpSyn),
      ];
      const isPacket = [false, false, true, true, false, true, true];
      const starts: number[] = [];
      let at = 0;
      for (const b of blocks) {
        starts.push(at);
        at += b.length;
      }
      const file = concatBytes(blocks);
      for (let cut = 1; cut < file.length; cut++) {
        const r = await collectBytes(file.subarray(0, cut), size, 'cut.pcapng');
        const whole = blocks.filter((b, i) => starts[i]! + b.length <= cut);
        expect(r.packets).toHaveLength(whole.filter((_, i) => isPacket[i]).length);
        const inside = starts.findIndex((st, i) => st < cut && st + blocks[i]!.length > cut);
        if (inside < 0) expect(r.warnings).toEqual([]);
        else {
          expect(r.warnings.map((w) => w.code)).toEqual(['INPUT_TRUNCATED']);
          expect(r.warnings[0]!.offset).toBe(starts[inside]);
        }
      }
    });
  }

  it('warns when a pcapng file ends inside a skipped block', async () => {
    const file = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1 }), pcapngEnhancedPacket(0, 0n, tcpSyn), pcapngBlock(5, new Uint8Array(4000))]);
    for (const size of CHUNK_SIZES) {
      const r = await collectBytes(file.subarray(0, file.length - 100), size, 'cut.pcapng');
      expect(r.packets).toHaveLength(1);
      expect(r.warnings.map((w) => w.code)).toEqual(['INPUT_TRUNCATED']);
      // The offset is where the cut block starts.
      expect(r.warnings[0]!.offset).toBe(file.length - 4012);
      expect(r.warnings[0]!.message).toContain(`(${4012 - 100} of 4012 bytes present)`);
    }
  });
});

describe('readCapturePackets: garbage headers', () => {
  function withCapLen(capLen: number, littleEndian: boolean): Uint8Array {
    const file = pcapFile({ littleEndian }, classicPackets(false));
    const off = 24 + 16 + tcpSyn.length + 8; // second record's captured length
    const v = new DataView(file.buffer, file.byteOffset);
    v.setUint32(off, capLen, littleEndian);
    return file;
  }

  for (const size of CHUNK_SIZES) {
    it(`rejects a 4 GiB captured length naming file and offset at chunk size ${size}`, async () => {
      const err = await collectBytes(withCapLen(0xffffffff, size !== 7), size, 'garbage.pcap').catch((e: unknown) => e);
      expect(isFlowhoundError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'PCAP_BAD_RECORD', context: { file: 'garbage.pcap', offset: 24 + 16 + tcpSyn.length } });
      expect((err as Error).message).toContain(`garbage.pcap: byte ${24 + 16 + tcpSyn.length}: `);
      expect((err as Error).message).toContain('captured length 4294967295');
    });
  }

  it('accepts a record at the maximum captured length of 262144', async () => {
    const big = new Uint8Array(262144);
    big.set(tcpSyn);
    const r = await collectBytes(pcapFile({}, [{ tsSec: 1, frac: 0, data: big }]), 65536);
    expect(r.packets).toHaveLength(1);
    expect(r.packets[0]!.capLen).toBe(262144);
  });

  const badLengths: [number, RegExp][] = [
    [8, /below the minimum of 12/],
    [13, /not a multiple of 4/],
    [0x7ffffffc, /exceeds the maximum/],
    [0xfffffff0, /exceeds the maximum/],
  ];
  for (const [len, why] of badLengths) {
    for (const size of CHUNK_SIZES) {
      it(`rejects pcapng block length ${len} at chunk size ${size}`, async () => {
        const epb = pcapngEnhancedPacket(0, 0n, tcpSyn);
        new DataView(epb.buffer, epb.byteOffset).setUint32(4, len, true);
        const head = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1 })]);
        const err = await collectBytes(concatBytes([head, epb]), size, 'bad.pcapng').catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'PCAPNG_BAD_BLOCK', context: { file: 'bad.pcapng', offset: head.length + 4 } });
        expect((err as Error).message).toMatch(why);
      });
    }
  }

  it('rejects a packet block whose captured length runs past the block', async () => {
    const epb = pcapngEnhancedPacket(0, 0n, tcpSyn);
    new DataView(epb.buffer, epb.byteOffset).setUint32(20, 5000, true);
    const file = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1 }), epb]);
    await expect(collectBytes(file, 7, 'x.pcapng')).rejects.toMatchObject({ code: 'PCAPNG_BAD_BLOCK', message: expect.stringContaining('runs past') });
  });

  it('rejects mismatched leading and trailing block lengths', async () => {
    const epb = pcapngEnhancedPacket(0, 0n, tcpSyn);
    new DataView(epb.buffer, epb.byteOffset).setUint32(epb.length - 4, 12, true);
    const file = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1 }), epb]);
    await expect(collectBytes(file, 65536, 'x.pcapng')).rejects.toMatchObject({ code: 'PCAPNG_BAD_BLOCK', message: expect.stringContaining('trailing') });
  });

  it('rejects a pcapng file that does not start with a section header', async () => {
    const file = concatBytes([u32be(0x0a0d0d0a), bytes(0, 0, 0, 28), u32be(0x12345678), new Uint8Array(16)]);
    await expect(collectBytes(file, 1, 'x.pcapng')).rejects.toMatchObject({ code: 'PCAPNG_BAD_BLOCK', message: expect.stringContaining('byte-order magic') });
  });

  it('rejects an unsupported pcap major version and pcapng major version', async () => {
    const pcap = pcapFile({}, classicPackets(false));
    pcap[4] = 3;
    await expect(collectBytes(pcap, 7, 'v3.pcap')).rejects.toMatchObject({ code: 'PCAP_BAD_HEADER', context: { file: 'v3.pcap', offset: 4 } });
    const shb = pcapngSection();
    shb[12] = 2;
    await expect(collectBytes(concatBytes([shb, pcapngInterface({ linkType: 1 })]), 7, 'v2.pcapng')).rejects.toMatchObject({
      code: 'PCAPNG_BAD_BLOCK',
      message: expect.stringContaining('major version 2'),
    });
  });

  it('warns about an interface option that runs past its block and keeps reading', async () => {
    // if_tsresol of length 200 inside a 24-byte option area.
    const idb = pcapngBlock(1, concatBytes([bytes(1, 0, 0, 0), bytes(0, 0, 0, 0), bytes(9, 0, 200, 0), bytes(9, 0, 0, 0)]));
    const file = concatBytes([pcapngSection(), idb, pcapngEnhancedPacket(0, 2_000_000n, tcpSyn)]);
    for (const size of CHUNK_SIZES) {
      const r = await collectBytes(file, size, 'opt.pcapng');
      expect(r.warnings.map((w) => w.code)).toEqual(['PCAPNG_BAD_OPTION']);
      expect(r.warnings[0]!.offset).toBe(28 + 16);
      // Default resolution (µs) applies.
      expect(r.packets.map((p) => p.tsSec)).toEqual([2]);
    }
  });

  it('warns once per unknown link type and still counts its frames', async () => {
    const r = await collectBytes(pcapFile({ linkType: 147 }, classicPackets(false)), 7);
    expect(r.packets).toHaveLength(3);
    expect(r.packets.every((p) => p.ipVersion === 0)).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['CAPTURE_UNKNOWN_LINK_TYPE']);
    expect(r.stats!.unknownLinkTypes.get(147)).toBe(3);
  });
});

describe('readCapturePackets: gzip', () => {
  for (const size of CHUNK_SIZES) {
    it(`reads a gzip-compressed pcapng like the plain one at chunk size ${size}`, async () => {
      const file = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1, tsresol: 9 }), pcapngEnhancedPacket(0, 5_000_000_000n, tcpSyn), pcapngSimplePacket(udpDns)]);
      const plain = await collectBytes(file, 65536, 'c.pcapng');
      const gz = await collectBytes(gzipSync(file), size, 'c.pcapng.gz');
      expect(gz.warnings).toEqual([]);
      expect(gz.packets.map((p) => [p.tsSec, p.src, p.dstPort])).toEqual(plain.packets.map((p) => [p.tsSec, p.src, p.dstPort]));
      expect(gz.packets.map((p) => p.tsSec)).toEqual([5, 5]);
    });
  }
});

describe('readCapturePackets: batches', () => {
  it('yields the packets of each input chunk', async () => {
    const file = pcapFile({}, Array.from({ length: 50 }, (_, i) => ({ tsSec: i, frac: 0, data: udpDns })));
    const r = await collectBytes(file, 1000);
    expect(r.packets).toHaveLength(50);
    expect(r.yieldedTotal).toBe(50);
    expect(r.packets.map((p) => p.tsSec)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
