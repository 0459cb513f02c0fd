import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureRecords } from '../../../src/ingest/capture-ingest.js';
import { createDecodedPacket, createFrameDecoder, type FrameDecoderOptions } from '../../../src/ingest/pcap/decode-frame.js';
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import type { DnsRecord, FlowRecord, IngestWarning } from '../../../src/types.js';
import { createSeededRandom } from '../../../src/util/seeded-random.js';
import { bytes, concatBytes, ethernetFrame, ipv4Packet, ipv6Packet, pcapFile, tcpSegment, u16be, udpDatagram } from './capture-builder.js';
import { CHUNK_SIZES, collectBytes, collectFile } from './collect-packets.js';

const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

/** A datagram's transport bytes cut into IPv4 fragments: [data offset, length, more fragments] each. */
function ipv4Fragments(
  transport: Uint8Array,
  pieces: readonly (readonly [number, number, boolean])[],
  ip: { src?: string; dst?: string; proto?: number; id?: number } = {},
): Uint8Array[] {
  return pieces.map(([at, len, more]) =>
    ipv4Packet(
      { src: ip.src ?? '192.0.2.1', dst: ip.dst ?? '198.51.100.7', proto: ip.proto ?? 17, id: ip.id ?? 0x4242, frag: (more ? 0x2000 : 0) | (at / 8) },
      transport.subarray(at, at + len),
    ),
  );
}

/** An IPv6 Fragment header (next header, offset in bytes, more fragments, identification). */
function fragmentHeader(next: number, at: number, more: boolean, id: number): Uint8Array {
  return concatBytes([bytes(next, 0), u16be(at | (more ? 1 : 0)), bytes(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff)]);
}

function decoderFor(options: FrameDecoderOptions = {}) {
  const d = createFrameDecoder(undefined, undefined, options);
  const p = createDecodedPacket();
  return {
    d,
    p,
    feed(frame: Uint8Array, linkType = LINKTYPE_IPV4, ts = 100): DecodedPacket {
      p.tsSec = ts;
      p.capLen = frame.length;
      p.wireLen = frame.length;
      d.decode(p, frame, linkType);
      return p;
    },
  };
}

const data = Uint8Array.from({ length: 1400 }, (_, i) => (i * 7 + 3) & 0xff);
const udp = udpDatagram(5353, 53, data); // 1408 bytes

describe('IP fragment reassembly: IPv4', () => {
  it('holds fragments and decodes the whole datagram from the one that completes it', () => {
    const { d, feed } = decoderFor();
    const frags = ipv4Fragments(udp, [
      [0, 600, true],
      [600, 600, true],
      [1200, 208, false],
    ]);
    for (const f of frags.slice(0, 2)) {
      // Held: flagged, no transport fields, so the flow tracker skips it.
      expect(feed(f)).toMatchObject({ isFragment: true, srcPort: 0, dstPort: 0, payloadOffset: 0 });
    }
    const p = feed(frags[2]!);
    expect(p).toMatchObject({
      isFragment: false,
      ipVersion: 4,
      src: '192.0.2.1',
      dst: '198.51.100.7',
      ipProto: 17,
      ipLen: 20 + udp.length,
      srcPort: 5353,
      dstPort: 53,
      payloadLen: data.length,
      payloadOffset: 28,
      capLen: 20 + udp.length,
    });
    // The datagram's bytes: its transport part is the original one, its header says so.
    expect(Buffer.from(p.data.subarray(20))).toEqual(Buffer.from(udp));
    expect((p.data[2]! << 8) | p.data[3]!).toBe(20 + udp.length);
    expect(p.data[6]! & 0x3f).toBe(0);
    expect(p.data[7]).toBe(0);
    expect(d.stats).toMatchObject({ fragments: 3, reassembled: 1, fragmentsPending: 0, fragmentsDropped: 0 });
  });

  it('reassembles fragments that arrive in any order, interleaved with other datagrams', () => {
    const { d, feed } = decoderFor();
    const a = ipv4Fragments(udp, [
      [0, 504, true],
      [504, 504, true],
      [1008, 400, false],
    ]);
    const b = ipv4Fragments(udp, [
      [0, 704, true],
      [704, 704, false],
    ], { id: 7 });
    const order = [a[2]!, b[1]!, a[1]!, b[0]!, a[0]!];
    const complete = order.map((f) => ({ ...feed(f) })).filter((p) => !p.isFragment);
    expect(complete.map((p) => [p.dstPort, p.ipLen])).toEqual([
      [53, 1428],
      [53, 1428],
    ]);
    expect(d.stats).toMatchObject({ reassembled: 2, fragmentsPending: 0 });
  });

  it('keeps the bytes that came first where fragments overlap', () => {
    const { feed } = decoderFor();
    const other = udp.slice();
    other.fill(0xee, 400, 800);
    feed(ipv4Fragments(udp, [[0, 800, true]])[0]!);
    feed(ipv4Fragments(other, [[400, 800, true]])[0]!);
    const p = feed(ipv4Fragments(udp, [[1200, 208, false]])[0]!);
    expect(Buffer.from(p.data.subarray(20))).toEqual(Buffer.from(concatBytes([udp.subarray(0, 800), other.subarray(800, 1200), udp.subarray(1200)])));
  });

  it("follows Zeek's length rule: a fragment reaching past the last one's end extends the datagram", () => {
    // The pattern of Zeek's ipv4/fragmented-1 trace: [0,18) MF, [48,164) last, then [0,304) MF.
    const { feed } = decoderFor();
    const t = udpDatagram(123, 137, new Uint8Array(296).fill(1));
    expect(feed(ipv4Fragments(t, [[0, 18, true]])[0]!).isFragment).toBe(true);
    expect(feed(ipv4Fragments(t, [[48, 116, false]])[0]!).isFragment).toBe(true);
    expect(feed(ipv4Fragments(t, [[0, 304, true]])[0]!)).toMatchObject({ isFragment: false, ipLen: 324, srcPort: 123, dstPort: 137 });
  });

  it('decodes a fragment cut by the snap length alone, as Zeek does (not held)', () => {
    const { d, feed } = decoderFor();
    const first = ipv4Fragments(udp, [[0, 600, true]])[0]!;
    expect(feed(first.subarray(0, 100))).toMatchObject({ isFragment: true, srcPort: 5353, dstPort: 53 });
    expect(d.stats).toMatchObject({ fragments: 1, fragmentsPending: 0, reassembled: 0 });
  });

  it('drops a datagram not complete within the timeout, counting its fragments', () => {
    const { d, feed } = decoderFor({ reassemble: { timeoutSec: 30 } });
    const frags = ipv4Fragments(udp, [
      [0, 704, true],
      [704, 704, false],
    ]);
    feed(frags[0]!, LINKTYPE_IPV4, 100);
    expect(feed(frags[1]!, LINKTYPE_IPV4, 131).isFragment).toBe(true);
    expect(d.stats).toMatchObject({ reassembled: 0, fragmentsDropped: 1, fragmentsPending: 1 });
    // Within the timeout it completes.
    expect(feed(frags[0]!, LINKTYPE_IPV4, 150).isFragment).toBe(false);
  });

  it('bounds held state: the oldest datagram goes past maxDatagrams; absurd offsets and fragment floods are dropped', () => {
    const { d, feed } = decoderFor({ reassemble: { maxDatagrams: 2 } });
    for (let id = 1; id <= 3; id++) feed(ipv4Fragments(udp, [[0, 704, true]], { id })[0]!);
    expect(d.stats).toMatchObject({ fragmentsPending: 2, fragmentsDropped: 1 });
    // Datagram 1 was dropped: its last fragment alone completes nothing; datagram 3 completes.
    expect(feed(ipv4Fragments(udp, [[704, 704, false]], { id: 1 })[0]!).isFragment).toBe(true);
    expect(feed(ipv4Fragments(udp, [[704, 704, false]], { id: 3 })[0]!).isFragment).toBe(false);

    // Offset 65528 + 100 bytes: longer than any IPv4 datagram.
    const big = decoderFor();
    big.feed(ipv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, id: 9, frag: 0x2000 | 8191 }, new Uint8Array(100)));
    expect(big.d.stats).toMatchObject({ fragmentsPending: 0, fragmentsDropped: 1 });

    // 10,000 tiny overlapping fragments of one datagram: at most a few hundred are ever held.
    const flood = decoderFor();
    for (let i = 0; i < 10_000; i++) flood.feed(ipv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, id: 10, frag: 0x2000 | (i % 50) + 1 }, new Uint8Array(8)));
    expect(flood.d.stats.fragmentsPending).toBeLessThanOrEqual(256);
    expect(flood.d.stats.fragmentsPending + flood.d.stats.fragmentsDropped).toBe(10_000);
  });

  it('with verifyFragmentChecksums, drops a fragment whose IPv4 header checksum is wrong before reassembly (Zeek without -C)', () => {
    const frags = ipv4Fragments(udp, [
      [0, 704, true],
      [704, 704, false],
    ]);
    // The builder leaves the header checksum 0: wrong. Set it right on the second fragment only.
    const good = frags[1]!.slice();
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (good[i]! << 8) | good[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    good[10] = (~sum & 0xffff) >> 8;
    good[11] = ~sum & 0xff;
    const checked = decoderFor({ verifyFragmentChecksums: true });
    checked.feed(frags[0]!);
    expect(checked.feed(good).isFragment).toBe(true);
    expect(checked.d.stats).toMatchObject({ reassembled: 0, fragmentsDropped: 1, fragmentsPending: 1 });
    // Unchecked (the default, like zeek -C) the same two make the datagram.
    const unchecked = decoderFor();
    unchecked.feed(frags[0]!);
    expect(unchecked.feed(good).isFragment).toBe(false);
  });

  it('with reassemble: false, decodes each fragment alone: the first keeps its transport header', () => {
    const { d, feed } = decoderFor({ reassemble: false });
    const frags = ipv4Fragments(udp, [
      [0, 704, true],
      [704, 704, false],
    ]);
    expect(feed(frags[0]!)).toMatchObject({ isFragment: true, srcPort: 5353, dstPort: 53, ipLen: 724 });
    expect(feed(frags[1]!)).toMatchObject({ isFragment: true, srcPort: 0, dstPort: 0, ipLen: 724 });
    expect(d.stats).toMatchObject({ fragments: 2, reassembled: 0, fragmentsPending: 0 });
  });
});

describe('IP fragment reassembly: fuzz', () => {
  it('random fragments (ids, offsets, lengths, flags, both versions) never throw, stay within the limits, and account for every fragment', () => {
    const rnd = createSeededRandom(11);
    const int = (n: number) => Math.floor(rnd() * n);
    const maxDatagrams = 64;
    const { d, feed } = decoderFor({ reassemble: { maxDatagrams, maxBytes: 1 << 20, timeoutSec: 5 } });
    let completed = 0;
    for (let i = 0; i < 20_000; i++) {
      const len = int(3) === 0 ? int(9) : int(1500);
      const body = new Uint8Array(len).fill(int(256));
      const at = int(4) === 0 ? int(8192) : int(16);
      const more = int(3) !== 0;
      const id = int(100);
      const frame =
        int(5) === 0
          ? ipv6Packet('2001:db8::1', `2001:db8::${id % 7}`, 44, body, fragmentHeader(int(2) === 0 ? 17 : 6, at * 8, more, id))
          : ipv4Packet({ src: '192.0.2.1', dst: `198.51.100.${id % 7}`, proto: int(2) === 0 ? 17 : 6, id, frag: (more ? 0x2000 : 0) | at }, body);
      const p = feed(frame, frame[0]! >> 4 === 6 ? LINKTYPE_IPV6 : LINKTYPE_IPV4, 1000 + i / 1000);
      // Offset 0 without MF is no fragment: a plain packet, not a reassembled one.
      if (!p.isFragment && (more || at > 0)) {
        completed++;
        expect(p.ipLen).toBe(p.data.length);
        expect(p.ipLen).toBeLessThanOrEqual(65535 + 40);
      }
    }
    const s = d.stats;
    expect(s.reassembled).toBe(completed);
    expect(completed).toBeGreaterThan(0);
    expect(s.fragmentsDropped).toBeGreaterThan(0);
    expect(s.fragmentsPending).toBeLessThanOrEqual(maxDatagrams * 256);
    // Every fragment held is either still pending, dropped, or went into a datagram.
    expect(s.fragmentsPending + s.fragmentsDropped).toBeLessThanOrEqual(s.fragments);
  });
});

describe('IP fragment reassembly: IPv6', () => {
  it('keeps the extension headers before the Fragment header and names the transport in the one before it', () => {
    const { d, feed } = decoderFor();
    const hopByHop = concatBytes([bytes(44, 0), new Uint8Array(6)]); // next: Fragment
    const first = ipv6Packet('2001:db8::1', '2001:db8::2', 0, udp.subarray(0, 800), concatBytes([hopByHop, fragmentHeader(17, 0, true, 0xabcdef)]));
    const last = ipv6Packet('2001:db8::1', '2001:db8::2', 0, udp.subarray(800), concatBytes([hopByHop, fragmentHeader(17, 800, false, 0xabcdef)]));
    expect(feed(last, LINKTYPE_IPV6)).toMatchObject({ isFragment: true, dstPort: 0 });
    const p = feed(first, LINKTYPE_IPV6);
    expect(p).toMatchObject({ isFragment: false, ipVersion: 6, ipProto: 17, srcPort: 5353, dstPort: 53, ipLen: 40 + 8 + udp.length, payloadLen: data.length });
    expect(p.data[40]).toBe(17); // the hop-by-hop header now names UDP
    expect(Buffer.from(p.data.subarray(48))).toEqual(Buffer.from(udp));
    expect(d.stats).toMatchObject({ reassembled: 1, fragmentsPending: 0 });
  });

  it('tells datagrams apart by identification', () => {
    const { d, feed } = decoderFor();
    feed(ipv6Packet('::1', '::2', 44, udp.subarray(0, 800), fragmentHeader(17, 0, true, 1)), LINKTYPE_IPV6);
    expect(feed(ipv6Packet('::1', '::2', 44, udp.subarray(800), fragmentHeader(17, 800, false, 2)), LINKTYPE_IPV6).isFragment).toBe(true);
    expect(feed(ipv6Packet('::1', '::2', 44, udp.subarray(800), fragmentHeader(17, 800, false, 1)), LINKTYPE_IPV6).isFragment).toBe(false);
    expect(d.stats).toMatchObject({ reassembled: 1, fragmentsPending: 1 });
  });
});

/** A DNS answer with one TXT record of `text` (a long one makes the datagram fragment). */
function dnsTxtAnswer(id: number, name: string, text: string): Uint8Array {
  const out: number[] = [id >> 8, id & 0xff, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
  for (const label of name.split('.')) out.push(label.length, ...Buffer.from(label, 'ascii'));
  out.push(0, 0, 16, 0, 1);
  const strings: number[] = [];
  for (let i = 0; i < text.length; i += 255) {
    const s = text.slice(i, i + 255);
    strings.push(s.length, ...Buffer.from(s, 'ascii'));
  }
  out.push(0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, strings.length >> 8, strings.length & 0xff, ...strings);
  return Uint8Array.from(out);
}

describe('IP fragment reassembly: reading captures', () => {
  // A DNS query, its 3-fragment TXT answer (the fragments out of order, a TCP packet between them),
  // then a first fragment whose datagram never completes.
  const query = udpDatagram(40000, 53, Uint8Array.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 120, 121, 122, 4, 116, 101, 115, 116, 0, 0, 16, 0, 1]));
  const answer = udpDatagram(53, 40000, dnsTxtAnswer(0x1234, 'xyz.test', 'a'.repeat(2000)));
  const frags = ipv4Fragments(
    answer,
    [
      [0, 800, true],
      [800, 800, true],
      [1600, answer.length - 1600, false],
    ],
    { src: '10.0.0.53', dst: '10.0.0.9' },
  );
  const tcp = ipv4Packet({ src: '10.0.0.9', dst: '10.0.0.80', proto: 6 }, tcpSegment({ srcPort: 50000, dstPort: 80, seq: 1, ack: 0, flags: 0x02, window: 1024 }));
  const orphan = ipv4Fragments(udp, [[0, 600, true]], { id: 99 })[0]!;
  const frames = [ipv4Packet({ src: '10.0.0.9', dst: '10.0.0.53', proto: 17 }, query), frags[1]!, tcp, frags[2]!, frags[0]!, orphan];
  const file = pcapFile({}, frames.map((f, i) => ({ tsSec: 1_700_000_000, frac: i * 1000, data: ethernetFrame(0x0800, f) })));

  it.each(CHUNK_SIZES)('delivers the reassembled datagram in place of its last fragment (chunks of %d bytes)', async (chunkSize) => {
    const r = await collectBytes(file, chunkSize);
    expect(r.packets.map((p) => (p.isFragment ? 'frag' : `${p.ipProto}:${p.srcPort}>${p.dstPort}:${p.ipLen}`))).toEqual([
      `17:40000>53:${20 + query.length}`,
      'frag',
      '6:50000>80:40',
      'frag',
      `17:53>40000:${20 + answer.length}`,
      'frag',
    ]);
    expect(r.stats).toMatchObject({ packets: 6, fragments: 4, reassembled: 1, fragmentsPending: 1, fragmentsDropped: 0 });
    expect(r.warnings.map((w) => w.code)).toEqual(['CAPTURE_FRAGMENTS']);
    expect(r.warnings[0]!.message).toContain('1 of 4 IP fragments could not be reassembled (1 still waiting');
  });

  it('keeps its own copy of held fragments: a file read through reused buffers, 3 MB between the pieces', async () => {
    // Plain files are read into two reused 1 MiB buffers (ByteSource.reuseChunks): a held piece that
    // pointed into them would be overwritten by the time the datagram completes.
    const filler = ipv4Packet({ src: '10.9.9.9', dst: '10.9.9.8', proto: 17 }, udpDatagram(1, 2, new Uint8Array(1400).fill(0x55)));
    const pieces = ipv4Fragments(udp, [
      [0, 704, true],
      [704, 704, false],
    ]);
    const seq = [...Array.from({ length: 100 }, () => filler), pieces[0]!, ...Array.from({ length: 2200 }, () => filler), pieces[1]!];
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-frag-'));
    const path = join(dir, 'frag.pcap');
    writeFileSync(path, pcapFile({}, seq.map((f, i) => ({ tsSec: 1_700_000_000, frac: i, data: ethernetFrame(0x0800, f) }))));
    try {
      const r = await collectFile(path, 65536);
      const whole = r.packets.at(-1)!;
      expect(whole).toMatchObject({ isFragment: false, dstPort: 53, ipLen: 20 + udp.length });
      expect(Buffer.from(whole.data.subarray(20))).toEqual(Buffer.from(udp));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts the reassembled answer as one packet of its connection and parses its DNS', async () => {
    const source = await openByteSourceFromChunks('frag.pcap', rechunk([file], 7));
    const flows: FlowRecord[] = [];
    const dns: DnsRecord[] = [];
    const warnings: IngestWarning[] = [];
    for await (const b of readCaptureRecords(source, { maxInvalid: 25, onWarning: (w) => warnings.push(w) })) {
      flows.push(...b.flows);
      dns.push(...b.dns);
    }
    const conn = flows.find((f) => f.proto === 'udp' && f.respP === 53);
    expect(conn).toMatchObject({ origPkts: 1, respPkts: 1, respIpBytes: 20 + answer.length, respBytes: answer.length - 8 });
    expect(dns).toHaveLength(1);
    expect(dns[0]).toMatchObject({ query: 'xyz.test', qtypeName: 'TXT', rcode: 0 });
    expect(dns[0]!.answers).toHaveLength(1);
    // The orphan fragment makes no connection.
    expect(flows.filter((f) => f.proto === 'udp')).toHaveLength(1);
  });
});
