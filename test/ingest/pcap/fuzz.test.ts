/**
 * Mutation fuzzing of the capture reader, the frame decoder, the checksum
 * helpers and the DNS parser: thousands of seeded (repeatable) mutations of small captures —
 * bit flips, random bytes, truncations, absurd lengths (0xFFFFFFFF captured
 * lengths and block lengths), random pcapng block types, spliced copies.
 * Every run must either complete or throw FlowhoundError, nothing else; the
 * loop is bounded; what is delivered stays within what the input can hold
 * (no record longer than the 256 KiB cap, no more packets than headers fit).
 */
import { readFileSync } from 'node:fs';
import { isFlowhoundError } from '../../../src/errors.js';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import { parseDnsMessage, parseDnsOverTcp } from '../../../src/ingest/pcap/dns-message.js';
import { readCapturePackets } from '../../../src/ingest/pcap/read-capture.js';
import { verifyIpv4HeaderChecksum, verifyTransportChecksum } from '../../../src/ingest/pcap/verify-checksum.js';
import { hasSharedData, sharedData } from '../../helpers/shared-data.js';
import {
  bytes,
  concatBytes,
  ethernetFrame,
  icmpMessage,
  ipv4Packet,
  ipv6Packet,
  pcapFile,
  pcapngBlock,
  pcapngEnhancedPacket,
  pcapngInterface,
  pcapngSection,
  pcapngSimplePacket,
  tcpSegment,
  u16be,
  u32be,
  udpDatagram,
} from './capture-builder.js';
import { createSeededRandom } from '../../../src/util/seeded-random.js';


const dnsQuery = concatBytes([u16be(0x1234), u16be(0x0100), u16be(1), u16be(0), u16be(0), u16be(0), bytes(3, 0x77, 0x77, 0x77, 7), Buffer.from('example'), bytes(3), Buffer.from('com'), bytes(0), u16be(1), u16be(1)]);
const dnsAnswer = concatBytes([
  u16be(0x1234),
  u16be(0x8180),
  u16be(1),
  u16be(2),
  u16be(0),
  u16be(0),
  dnsQuery.subarray(12),
  bytes(0xc0, 12),
  u16be(5),
  u16be(1),
  u32be(300),
  u16be(6),
  bytes(3, 0x63, 0x64, 0x6e, 0xc0, 16),
  bytes(0xc0, 12),
  u16be(16),
  u16be(1),
  u32be(60),
  u16be(6),
  bytes(5, 0x68, 0x65, 0x6c, 0x6c, 0x6f),
]);

const frames = [
  ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.53', proto: 17 }, udpDatagram(5000, 53, dnsQuery))),
  ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.53', dst: '10.0.0.1', proto: 17 }, udpDatagram(53, 5000, dnsAnswer)), [0x8100]),
  ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, tcpSegment({ srcPort: 40000, dstPort: 53, flags: 0x18, payload: concatBytes([u16be(dnsQuery.length), dnsQuery]) }))),
  ethernetFrame(0x86dd, ipv6Packet('2001:db8::1', '2001:db8::2', 0, icmpMessage(128, 0, 1, 2, new Uint8Array(24)), concatBytes([bytes(58, 0), new Uint8Array(6)]))),
  ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, frag: 0x2000 }, icmpMessage(8, 0, 7, 9, new Uint8Array(40)))),
  // The rest of that echo's datagram (offset 48), so mutations reach reassembly; and an IPv6 fragment pair.
  ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, frag: 6 }, new Uint8Array(20))),
  ethernetFrame(0x86dd, ipv6Packet('2001:db8::1', '2001:db8::2', 44, udpDatagram(5000, 53, dnsQuery).subarray(0, 16), bytes(17, 0, 0, 1, 0, 0, 0, 7))),
  ethernetFrame(0x86dd, ipv6Packet('2001:db8::1', '2001:db8::2', 44, udpDatagram(5000, 53, dnsQuery).subarray(16), bytes(17, 0, 0, 16, 0, 0, 0, 7))),
];

function baseInputs(): { name: string; bytes: Uint8Array }[] {
  const inputs = [
    { name: 'le-us.pcap', bytes: pcapFile({}, frames.map((data, i) => ({ tsSec: 1000 + i, frac: i, data }))) },
    { name: 'be-ns.pcap', bytes: pcapFile({ littleEndian: false, nano: true }, frames.map((data, i) => ({ tsSec: 1000 + i, frac: i, data }))) },
    {
      name: 'two.pcapng',
      bytes: concatBytes([
        pcapngSection(),
        pcapngInterface({ linkType: 1, tsresol: 9 }),
        pcapngInterface({ linkType: 101, tsresol: 0x80 | 10, tsoffset: 5 }),
        ...frames.map((f, i) => pcapngEnhancedPacket(0, BigInt(i) * 1_000_000_000n, f)),
        pcapngBlock(5, new Uint8Array(40)),
        pcapngEnhancedPacket(1, 1024n, frames[3]!.subarray(14)),
        pcapngSimplePacket(frames[0]!),
        pcapngSection(false),
        pcapngInterface({ linkType: 1 }, false),
        pcapngEnhancedPacket(0, 5n, frames[1]!, false),
      ]),
    },
  ];
  if (hasSharedData) {
    for (const p of ['tcpdump/tests/dns_tcp.pcap', 'zeek/testing/btest/Traces/pcapng-multi-interface.pcapng', 'zeek/testing/btest/Traces/linux_dlt_sll2.pcap']) {
      inputs.push({ name: p, bytes: new Uint8Array(readFileSync(sharedData(p))) });
    }
  }
  return inputs;
}

function mutate(input: Uint8Array, rnd: () => number): Uint8Array {
  const out = input.slice();
  const pick = (n: number) => Math.floor(rnd() * n);
  const rounds = 1 + pick(4);
  let data: Uint8Array = out;
  for (let r = 0; r < rounds; r++) {
    switch (pick(7)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + pick(8); i < n; i++) data[pick(data.length)]! ^= 1 << pick(8);
        break;
      case 1: // random bytes
        for (let i = 0, n = 1 + pick(4); i < n; i++) data[pick(data.length)] = pick(256);
        break;
      case 2: // truncation
        data = data.subarray(0, pick(data.length));
        if (data.length < 4) return data;
        break;
      case 3: {
        // absurd length at a 4-aligned offset (captured length or block length positions)
        const at = pick(Math.max(1, (data.length >> 2) - 1)) * 4;
        const v = [0xffffffff, 0x7fffffff, 0x00040001, 13, 0, 8][pick(6)]!;
        new DataView(data.buffer, data.byteOffset, data.length).setUint32(at, v, pick(2) === 0);
        break;
      }
      case 4: {
        // random pcapng block type at a 4-aligned offset
        const at = pick(Math.max(1, (data.length >> 2) - 1)) * 4;
        new DataView(data.buffer, data.byteOffset, data.length).setUint32(at, [0, 2, 3, 4, 5, 6, 0x0a0d0d0a, 0x80000001, pick(0x7fffffff)][pick(9)]!, true);
        break;
      }
      case 5: {
        // splice: repeat a slice
        const a = pick(data.length);
        const b = Math.min(data.length, a + pick(200));
        data = concatBytes([data.subarray(0, b), data.subarray(a, b), data.subarray(b)]);
        break;
      }
      default: {
        // zero a run
        const a = pick(data.length);
        data.fill(0, a, Math.min(data.length, a + pick(32)));
      }
    }
  }
  return data;
}

async function runOnce(input: Uint8Array, chunkSize: number): Promise<{ packets: number; chunks: number; error: unknown }> {
  let packets = 0;
  let chunks = 0;
  try {
    const source = await openByteSourceFromChunks('fuzz.pcap', rechunk([input], chunkSize));
    for await (const n of readCapturePackets(
      source,
      (p) => {
        packets++;
        // Invariants of every delivered packet.
        if (p.capLen !== p.data.length || p.capLen > 262144) throw new Error(`bad capLen ${p.capLen} / ${p.data.length}`);
        if (p.ipProto === 17 && (p.srcPort === 53 || p.dstPort === 53) && p.payloadOffset < p.data.length) {
          parseDnsMessage(p.data, p.payloadOffset, p.payloadLen);
        }
        if (p.ipProto === 6 && p.payloadOffset < p.data.length) parseDnsOverTcp(p.data, p.payloadOffset, p.payloadLen);
        verifyIpv4HeaderChecksum(p);
        verifyTransportChecksum(p);
      },
      { onWarning: () => {} },
    )) {
      chunks++;
      if (n < 0) throw new Error('negative packet count');
    }
    return { packets, chunks, error: null };
  } catch (e) {
    return { packets, chunks, error: e };
  }
}

describe('fuzz: capture reader and decoder', () => {
  it('starts from captures the whole decoder handles, IP reassembly included', async () => {
    let stats: { reassembled: number } | null = null;
    const source = await openByteSourceFromChunks('le-us.pcap', rechunk([baseInputs()[0]!.bytes], 65536));
    for await (const _ of readCapturePackets(source, () => {}, { onWarning: () => {}, onStats: (s) => (stats = s) }));
    expect(stats).toMatchObject({ reassembled: 2 });
  });

  it('completes or throws FlowhoundError on 2000 seeded mutations, within bounds', async () => {
    const rnd = createSeededRandom(0xf10a);
    const inputs = baseInputs();
    const outcomes = { completed: 0, rejected: 0 };
    for (let i = 0; i < 2000; i++) {
      const base = inputs[i % inputs.length]!;
      const input = mutate(base.bytes, rnd);
      const chunkSize = [1, 7, 64, 65536][Math.floor(rnd() * 4)]!;
      // Small chunks only for small inputs, to keep the test to seconds.
      const size = (chunkSize === 1 && input.length > 600) || (chunkSize === 7 && input.length > 1500) ? 64 : chunkSize;
      const r = await runOnce(input, size);
      if (r.error !== null && !isFlowhoundError(r.error)) {
        throw new Error(`iteration ${i} (${base.name}, chunk ${size}): ${String((r.error as Error)?.stack ?? r.error)}`);
      }
      if (r.error === null) outcomes.completed++;
      else outcomes.rejected++;
      // A record needs at least a 12-byte header: no more packets than that can hold.
      if (r.packets > Math.ceil(input.length / 12)) throw new Error(`iteration ${i}: ${r.packets} packets from ${input.length} bytes`);
      if (r.chunks > Math.ceil(input.length / size) + 1) throw new Error(`iteration ${i}: ${r.chunks} yields`);
    }
    // Both outcomes occur: the mutations reach the error paths and the lenient ones.
    expect(outcomes.completed).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });

  it('rejects a 4 GiB captured length at every record of a pcap without allocating it', async () => {
    const file = pcapFile({}, frames.map((data, i) => ({ tsSec: i, frac: 0, data })));
    let off = 24;
    for (let i = 0; i < frames.length; i++) {
      const bad = file.slice();
      new DataView(bad.buffer).setUint32(off + 8, 0xffffffff, true);
      const r = await runOnce(bad, 7);
      expect(r.packets).toBe(i);
      expect(r.error).toMatchObject({ code: 'PCAP_BAD_RECORD', context: { offset: off } });
      off += 16 + frames[i]!.length;
    }
  });
});

describe('fuzz: DNS parser', () => {
  it('never throws and stays within the message on 20000 seeded mutations', () => {
    const rnd = createSeededRandom(0xd45);
    let withProblem = 0;
    for (let i = 0; i < 20000; i++) {
      const base = i % 2 === 0 ? dnsQuery : dnsAnswer;
      const msg = mutate(base, rnd);
      const m = parseDnsMessage(msg, 0, msg.length);
      const fail = (why: string) => {
        throw new Error(`iteration ${i}: ${why}`);
      };
      if (msg.length < 12) {
        if (m !== null) fail('a message shorter than its header parsed');
        continue;
      }
      if (m === null) return fail('a message with a header gave null');
      if (m.problem !== null) {
        withProblem++;
        if (m.problemOffset < 0 || m.problemOffset > msg.length) fail(`problem offset ${m.problemOffset} outside the message`);
      }
      // Each parsed entry consumed at least 5 bytes of the message.
      if ((m.questions.length + m.answers.length) * 5 > msg.length) fail('more entries than the message can hold');
      // A name is at most 255 bytes, each written as at most 4 characters (\xNN).
      for (const q of m.questions) if (q.name.length > 255 * 4) fail(`name of ${q.name.length} characters`);
    }
    expect(withProblem).toBeGreaterThan(1000);
  });
});
