import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import { createDecodedPacket, createFrameDecoder } from '../../../src/ingest/pcap/decode-frame.js';
import { readCapturePackets } from '../../../src/ingest/pcap/read-capture.js';
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import {
  bytes,
  concatBytes,
  ethernetFrame,
  icmpMessage,
  ipv4Packet,
  ipv6Packet,
  pcapFile,
  tcpSegment,
  u16be,
  udpDatagram,
} from './capture-builder.js';
import { CHUNK_SIZES } from './collect-packets.js';

function decode(frame: Uint8Array, linkType = 1): DecodedPacket {
  const p = createDecodedPacket();
  createFrameDecoder().decode(p, frame, linkType);
  return p;
}

const payload = new Uint8Array(100).fill(0x61);
const v4Tcp = ipv4Packet(
  { src: '192.168.1.10', dst: '93.184.216.34', proto: 6 },
  tcpSegment({ srcPort: 51000, dstPort: 443, seq: 0xfffffff0, ack: 0x80000001, flags: 0x18, window: 502, options: new Uint8Array(12), payload }),
);
const v4Udp = ipv4Packet({ src: '10.1.1.1', dst: '10.1.1.2', proto: 17 }, udpDatagram(33000, 53, payload.subarray(0, 40)));
const v6Udp = ipv6Packet('fe80::1', 'ff02::fb', 17, udpDatagram(5353, 5353, payload.subarray(0, 20)));

describe('decodeFrame: link layers', () => {
  it('decodes Ethernet II with TCP: flags, seq/ack, window, data offset, payload', () => {
    const p = decode(ethernetFrame(0x0800, v4Tcp));
    expect(p).toMatchObject({
      ipVersion: 4,
      src: '192.168.1.10',
      dst: '93.184.216.34',
      ipProto: 6,
      ipLen: 20 + 32 + 100,
      srcPort: 51000,
      dstPort: 443,
      tcpFlags: 0x18,
      tcpSeq: 0xfffffff0,
      tcpAck: 0x80000001,
      tcpWindow: 502,
      payloadLen: 100,
      payloadOffset: 14 + 20 + 32,
      isFragment: false,
      transportTruncated: false,
    });
  });

  it('skips 802.1Q and 802.1ad/QinQ tags', () => {
    expect(decode(ethernetFrame(0x0800, v4Udp, [0x8100]))).toMatchObject({ src: '10.1.1.1', dstPort: 53, payloadOffset: 18 + 20 + 8 });
    expect(decode(ethernetFrame(0x0800, v4Udp, [0x88a8, 0x8100]))).toMatchObject({ src: '10.1.1.1', dstPort: 53, payloadOffset: 22 + 20 + 8 });
    expect(decode(ethernetFrame(0x86dd, v6Udp, [0x9100, 0x8100]))).toMatchObject({ ipVersion: 6, src: 'fe80::1', dst: 'ff02::fb' });
  });

  it('decodes an MPLS label stack down to IP', () => {
    const labels = concatBytes([bytes(0x00, 0x01, 0x00, 0x40), bytes(0x00, 0x02, 0x01, 0x40)]);
    expect(decode(ethernetFrame(0x8847, concatBytes([labels, v4Udp])))).toMatchObject({ ipVersion: 4, dstPort: 53, payloadLen: 40 });
  });

  it('decodes PPPoE sessions carrying IPv4 and IPv6', () => {
    const pppoe = (proto: number, ip: Uint8Array) => concatBytes([bytes(0x11, 0x00), u16be(0x0001), u16be(ip.length + 2), u16be(proto), ip]);
    expect(decode(ethernetFrame(0x8864, pppoe(0x0021, v4Udp)))).toMatchObject({ ipVersion: 4, dstPort: 53 });
    expect(decode(ethernetFrame(0x8864, pppoe(0x0057, v6Udp)))).toMatchObject({ ipVersion: 6, dstPort: 5353 });
  });

  it('decodes 802.2 SNAP-encapsulated IP and counts ARP as non-IP', () => {
    const snap = concatBytes([bytes(0xaa, 0xaa, 0x03, 0, 0, 0), u16be(0x0800), v4Udp]);
    expect(decode(ethernetFrame(snap.length, snap))).toMatchObject({ ipVersion: 4, dstPort: 53 });
    const d = createFrameDecoder();
    const p = createDecodedPacket();
    d.decode(p, ethernetFrame(0x0806, new Uint8Array(28)), 1);
    expect(p.ipVersion).toBe(0);
    expect(d.stats.nonIp).toBe(1);
  });

  it('decodes Linux cooked captures v1 (113) and v2 (276)', () => {
    const sll = concatBytes([u16be(0), u16be(1), u16be(6), new Uint8Array(8), u16be(0x0800), v4Udp]);
    expect(decode(sll, 113)).toMatchObject({ linkType: 113, ipVersion: 4, dstPort: 53 });
    const sll2 = concatBytes([u16be(0x86dd), u16be(0), bytes(0, 0, 0, 2), u16be(1), bytes(0, 6), new Uint8Array(8), v6Udp]);
    expect(decode(sll2, 276)).toMatchObject({ linkType: 276, ipVersion: 6, src: 'fe80::1' });
  });

  it('decodes BSD loopback NULL in either host order and LOOP in network order', () => {
    expect(decode(concatBytes([bytes(2, 0, 0, 0), v4Udp]), 0)).toMatchObject({ ipVersion: 4 });
    expect(decode(concatBytes([bytes(0, 0, 0, 2), v4Udp]), 0)).toMatchObject({ ipVersion: 4 });
    for (const af of [24, 28, 30]) expect(decode(concatBytes([bytes(af, 0, 0, 0), v6Udp]), 0)).toMatchObject({ ipVersion: 6 });
    expect(decode(concatBytes([bytes(0, 0, 0, 2), v4Udp]), 108)).toMatchObject({ ipVersion: 4 });
  });

  it('decodes raw IPv4 (228), raw IPv6 (229) and PPP (9, 50)', () => {
    expect(decode(v4Udp, 228)).toMatchObject({ ipVersion: 4, dstPort: 53 });
    expect(decode(v6Udp, 229)).toMatchObject({ ipVersion: 6, dstPort: 5353 });
    expect(decode(concatBytes([bytes(0xff, 0x03), u16be(0x0021), v4Udp]), 9)).toMatchObject({ ipVersion: 4 });
    expect(decode(concatBytes([bytes(0xff, 0x03), u16be(0x0057), v6Udp]), 50)).toMatchObject({ ipVersion: 6 });
  });
});

describe('decodeFrame: IPv4', () => {
  it('honours IP options (IHL > 5)', () => {
    const ip = ipv4Packet({ src: '1.2.3.4', dst: '5.6.7.8', proto: 17, options: bytes(1, 1, 1, 0) }, udpDatagram(1, 2, payload.subarray(0, 5)));
    expect(decode(ip, 228)).toMatchObject({ srcPort: 1, dstPort: 2, payloadLen: 5, payloadOffset: 24 + 8 });
  });

  it('without reassembly, flags fragments: the first keeps its transport header, later ones have none', () => {
    // Reassembly (on by default) is tested in ip-reassembly.test.ts.
    const d = createFrameDecoder(undefined, undefined, { reassemble: false });
    const p = createDecodedPacket();
    d.decode(p, ipv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, frag: 0x2000 }, udpDatagram(7, 9, payload)), 228);
    expect(p).toMatchObject({ isFragment: true, srcPort: 7, dstPort: 9 });
    d.decode(p, ipv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, frag: 13 }, payload.subarray(0, 20)), 228);
    expect(p).toMatchObject({ isFragment: true, srcPort: 0, dstPort: 0, ipProto: 17, ipLen: 40 });
    expect(d.stats.fragments).toBe(2);
  });

  it('computes lengths from the IP header when the snap length cut the frame', () => {
    const frame = ethernetFrame(0x0800, v4Tcp);
    const p = decode(frame.subarray(0, 60));
    expect(p).toMatchObject({ ipLen: 152, payloadLen: 100, transportTruncated: false, tcpFlags: 0x18 });
  });

  it('uses the captured length when the total length is 0 (TCP segmentation offload)', () => {
    const ip = ipv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, totalLen: 0 }, udpDatagram(7, 9, payload.subarray(0, 12)));
    expect(decode(ip, 228)).toMatchObject({ ipLen: 40, payloadLen: 12 });
  });

  it('never throws on broken IPv4 headers', () => {
    const d = createFrameDecoder();
    const p = createDecodedPacket();
    const bad = [
      bytes(0x45, 0, 0),
      concatBytes([bytes(0x44), v4Udp.subarray(1)]), // IHL 4
      concatBytes([bytes(0x4f), v4Udp.subarray(1, 30)]), // IHL 60 > captured
      concatBytes([v4Udp.subarray(0, 2), u16be(10), v4Udp.subarray(4)]), // total length < IHL
    ];
    for (const b of bad) {
      d.decode(p, b, 228);
      expect(p.ipVersion).toBe(0);
    }
    expect(d.stats.badIp).toBe(bad.length);
  });

  it('marks a transport header cut by the snap length', () => {
    const p = decode(ethernetFrame(0x0800, v4Tcp).subarray(0, 14 + 20 + 10));
    expect(p).toMatchObject({ srcPort: 51000, dstPort: 443, transportTruncated: true, tcpFlags: 0 });
  });
});

describe('decodeFrame: IPv6 extension headers', () => {
  const udp = udpDatagram(1234, 53, payload.subarray(0, 33));
  it('walks hop-by-hop, routing, destination options and AH to the transport', () => {
    const hopByHop = concatBytes([bytes(43, 0), new Uint8Array(6)]); // next: routing
    const routing = concatBytes([bytes(60, 2), new Uint8Array(22)]); // 24 bytes, next: dest opts
    const destOpts = concatBytes([bytes(51, 0), new Uint8Array(6)]); // next: AH
    const ah = concatBytes([bytes(17, 4), new Uint8Array(22)]); // (4+2)*4 = 24 bytes, next: UDP
    const ext = concatBytes([hopByHop, routing, destOpts, ah]);
    const p = decode(ipv6Packet('2001:db8::a', '2001:db8::b', 0, udp, ext), 229);
    expect(p).toMatchObject({ ipVersion: 6, ipProto: 17, srcPort: 1234, dstPort: 53, payloadLen: 33, ipLen: 40 + ext.length + 41 });
    expect(p.payloadOffset).toBe(40 + ext.length + 8);
  });

  it('without reassembly, flags fragment headers; later fragments have no transport header', () => {
    const alone = (frame: Uint8Array) => {
      const p = createDecodedPacket();
      createFrameDecoder(undefined, undefined, { reassemble: false }).decode(p, frame, 229);
      return p;
    };
    const first = concatBytes([bytes(17, 0), u16be(0x0001), bytes(0, 0, 0, 1)]);
    expect(alone(ipv6Packet('::1', '::2', 44, udp, first))).toMatchObject({ isFragment: true, ipProto: 17, dstPort: 53 });
    const later = concatBytes([bytes(17, 0), u16be(0x00a0), bytes(0, 0, 0, 1)]);
    expect(alone(ipv6Packet('::1', '::2', 44, payload.subarray(0, 16), later))).toMatchObject({ isFragment: true, ipProto: 17, dstPort: 0 });
  });

  it('decodes ICMPv6 echo request and reply', () => {
    const req = decode(ipv6Packet('2001:db8::1', '2001:db8::2', 58, icmpMessage(128, 0, 0x1234, 7, payload.subarray(0, 56))), 229);
    expect(req).toMatchObject({ ipProto: 58, icmpType: 128, icmpCode: 0, icmpId: 0x1234, icmpSeq: 7, payloadLen: 56 });
    const rep = decode(ipv6Packet('2001:db8::2', '2001:db8::1', 58, icmpMessage(129, 0, 0x1234, 7, payload.subarray(0, 56))), 229);
    expect(rep).toMatchObject({ icmpType: 129, icmpId: 0x1234, icmpSeq: 7 });
  });

  it('stops at a cut extension header without throwing', () => {
    const hopByHop = concatBytes([bytes(17, 10), new Uint8Array(6)]); // claims 88 bytes
    const p = decode(ipv6Packet('::1', '::2', 0, udp, hopByHop), 229);
    expect(p.ipVersion).toBe(6);
    expect(p.transportTruncated).toBe(true);
  });
});

describe('decodeFrame: IP tunnels (decapsulated as Zeek does)', () => {
  const inner = ipv4Packet({ src: '192.168.7.1', dst: '192.168.7.2', proto: 17 }, udpDatagram(4000, 53, payload.subarray(0, 12)));
  const outer = (proto: number, body: Uint8Array) => ipv4Packet({ src: '203.0.113.1', dst: '203.0.113.2', proto }, body);

  it('IP-in-IP and (when enabled) IPv6-in-IPv4 describe the inner packet', () => {
    expect(decode(outer(4, inner), 228)).toMatchObject({ src: '192.168.7.1', dstPort: 53, payloadLen: 12, tunnelDepth: 1, ipOffset: 20, ipLen: 40 });
    // 6in4 is off by default (see FrameDecoderOptions): the outer packet stands.
    expect(decode(outer(41, v6Udp), 228)).toMatchObject({ ipVersion: 4, ipProto: 41, tunnelDepth: 0 });
    const p = createDecodedPacket();
    createFrameDecoder(undefined, undefined, { decapsulate6in4: true }).decode(p, outer(41, v6Udp), 228);
    expect(p).toMatchObject({ ipVersion: 6, src: 'fe80::1', dstPort: 5353, tunnelDepth: 1 });
  });

  it('GRE with key and sequence carrying IPv4, and transparent Ethernet', () => {
    const gre = concatBytes([bytes(0x30, 0x00), u16be(0x0800), new Uint8Array(8), inner]);
    const p = decode(ethernetFrame(0x0800, outer(47, gre)));
    expect(p).toMatchObject({ src: '192.168.7.1', dst: '192.168.7.2', srcPort: 4000, tunnelDepth: 1, ipOffset: 14 + 20 + 12 });
    const teb = concatBytes([bytes(0, 0), u16be(0x6558), ethernetFrame(0x0800, inner)]);
    expect(decode(outer(47, teb), 228)).toMatchObject({ src: '192.168.7.1', dstPort: 53, tunnelDepth: 1 });
  });

  it('keeps the outer packet when the tunnel cannot be read (GRE carrying ARP, unknown GRE type, cut inner header)', () => {
    const arp = concatBytes([bytes(0, 0), u16be(0x6558), ethernetFrame(0x0806, new Uint8Array(28))]);
    expect(decode(outer(47, arp), 228)).toMatchObject({ src: '203.0.113.1', ipProto: 47, tunnelDepth: 0 });
    expect(decode(outer(47, concatBytes([bytes(0, 0), u16be(0x1234), inner])), 228)).toMatchObject({ src: '203.0.113.1', ipProto: 47, tunnelDepth: 0 });
    expect(decode(outer(4, inner.subarray(0, 10)), 228)).toMatchObject({ src: '203.0.113.1', ipProto: 4, tunnelDepth: 0 });
  });

  it('stops after 4 nested tunnels', () => {
    let pkt = inner;
    for (let i = 0; i < 6; i++) pkt = ipv4Packet({ src: `10.0.0.${i + 1}`, dst: '10.9.9.9', proto: 4 }, pkt);
    const p = decode(pkt, 228);
    expect(p.tunnelDepth).toBe(4);
    expect(p).toMatchObject({ src: '10.0.0.2', ipProto: 4 });
  });
});

describe('decodeFrame: ICMP', () => {
  it('reads echo id and sequence, and only type/code for other messages', () => {
    const echo = decode(ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1 }, icmpMessage(8, 0, 0xbeef, 3, payload.subarray(0, 56))), 228);
    expect(echo).toMatchObject({ icmpType: 8, icmpCode: 0, icmpId: 0xbeef, icmpSeq: 3, payloadLen: 56, srcPort: 0, dstPort: 0 });
    const unreachable = decode(ipv4Packet({ src: '10.0.0.2', dst: '10.0.0.1', proto: 1 }, icmpMessage(3, 3, 0x0102, 0x0304, payload.subarray(0, 28))), 228);
    expect(unreachable).toMatchObject({ icmpType: 3, icmpCode: 3, icmpId: 0, icmpSeq: 0 });
  });
});

describe('decodeFrame through the reader', () => {
  for (const size of CHUNK_SIZES) {
    it(`reuses one packet object and resets every field between frames at chunk size ${size}`, async () => {
      const frames = [ethernetFrame(0x0800, v4Tcp), ethernetFrame(0x0806, new Uint8Array(28)), ethernetFrame(0x86dd, v6Udp)];
      const file = pcapFile({}, frames.map((data, i) => ({ tsSec: i, frac: 0, data })));
      const objects = new Set<DecodedPacket>();
      const seen: unknown[] = [];
      const source = await openByteSourceFromChunks('reuse.pcap', rechunk([file], size));
      for await (const _ of readCapturePackets(
        source,
        (p) => {
          objects.add(p);
          seen.push([p.ipVersion, p.src, p.srcPort, p.tcpFlags, p.payloadLen]);
        },
        { onWarning: () => {} },
      ));
      expect(objects.size).toBe(1);
      expect(seen).toEqual([
        [4, '192.168.1.10', 51000, 0x18, 100],
        [0, '', 0, 0, 0],
        [6, 'fe80::1', 5353, 0, 20],
      ]);
    });
  }
});

describe('UDP tunnels (VXLAN on 4789, Geneve on 6081): the outer packet, then the one inside, as Zeek logs both', () => {
  const innerIcmp = ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1 }, icmpMessage(8, 0, 7, 1, payload.subarray(0, 56)));
  const vxlan = concatBytes([bytes(0x08, 0, 0, 0, 0, 0, 0x7b, 0), ethernetFrame(0x0800, innerIcmp)]);
  // Geneve: version 0, 2 words (8 bytes) of options, protocol 0x0800 (IPv4 straight after the options).
  const geneve = concatBytes([bytes(0x02, 0x00), u16be(0x0800), bytes(0, 0, 0x2a, 0), new Uint8Array(8), innerIcmp]);
  const carrier = (dstPort: number, body: Uint8Array) =>
    ethernetFrame(0x0800, ipv4Packet({ src: '192.168.56.12', dst: '192.168.56.11', proto: 17 }, udpDatagram(38071, dstPort, body)));

  async function packetsOf(frames: Uint8Array[], size: number): Promise<unknown[]> {
    const file = pcapFile({}, frames.map((data, i) => ({ tsSec: 1_700_000_000 + i, frac: 0, data })));
    const seen: unknown[] = [];
    const source = await openByteSourceFromChunks('tunnels.pcap', rechunk([file], size));
    for await (const _ of readCapturePackets(source, (p) => seen.push([p.src, p.dst, p.ipProto, p.dstPort, p.icmpType, p.tunnelDepth]), { onWarning: () => {} }));
    return seen;
  }

  for (const size of CHUNK_SIZES) {
    it(`delivers both packets of each tunnel frame at chunk size ${size}`, async () => {
      expect(await packetsOf([carrier(4789, vxlan), carrier(6081, geneve), carrier(4790, vxlan)], size)).toEqual([
        ['192.168.56.12', '192.168.56.11', 17, 4789, 0, 0],
        ['10.0.0.1', '10.0.0.2', 1, 0, 8, 1],
        ['192.168.56.12', '192.168.56.11', 17, 6081, 0, 0],
        ['10.0.0.1', '10.0.0.2', 1, 0, 8, 1],
        // Another port: not a tunnel.
        ['192.168.56.12', '192.168.56.11', 17, 4790, 0, 0],
      ]);
    });
  }

  it('opens GTP-U G-PDUs (either port 2152, extension headers), AYIYA forwards (either port 5072) and GRE-in-UDP (4754), and nothing else of them', async () => {
    const inner = ['10.0.0.1', '10.0.0.2', 1, 0, 8, 1];
    const udpTo = (sport: number, dport: number, body: Uint8Array) =>
      ethernetFrame(0x0800, ipv4Packet({ src: '192.168.56.12', dst: '192.168.56.11', proto: 17 }, udpDatagram(sport, dport, body)));
    // GTPv1-U, PT, E flag: sequence, N-PDU, next extension 0x85 (one 4-byte extension header ending the chain).
    const gtp = concatBytes([bytes(0x34, 0xff), u16be(0), bytes(0, 0, 0, 1), bytes(0, 0, 0, 0x85), bytes(1, 0, 0, 0), innerIcmp]);
    const gtpEcho = concatBytes([bytes(0x32, 0x01), u16be(4), bytes(0, 0, 0, 0), bytes(0, 1, 0, 0), new Uint8Array(14)]);
    // AYIYA: identity 2^4 = 16 bytes, signature 5 words (20 bytes), opcode 1 (forward), next header 4 (IPv4).
    const ayiya = concatBytes([bytes(0x41, 0x52, 0x11, 4), new Uint8Array(4), new Uint8Array(16), new Uint8Array(20), innerIcmp]);
    const ayiyaHeartbeat = concatBytes([bytes(0x41, 0x52, 0x10, 59), new Uint8Array(40)]);
    const greUdp = concatBytes([bytes(0, 0), u16be(0x0800), innerIcmp]);
    const outer = (_sport: number, dport: number) => ['192.168.56.12', '192.168.56.11', 17, dport, 0, 0];
    expect(
      await packetsOf(
        [udpTo(2152, 2152, gtp), udpTo(2152, 40000, gtp), udpTo(2152, 2152, gtpEcho), udpTo(5072, 5072, ayiya), udpTo(40000, 5072, ayiyaHeartbeat), udpTo(40000, 4754, greUdp)],
        65536,
      ),
    ).toEqual([outer(2152, 2152), inner, outer(2152, 40000), inner, outer(2152, 2152), outer(5072, 5072), inner, outer(40000, 5072), outer(40000, 4754), inner]);
  });

  it('counts a tunnel carrying no IP (ARP) as non-IP after the outer packet, and never reads past a cut frame', async () => {
    const arp = concatBytes([bytes(0x08, 0, 0, 0, 0, 0, 0x7b, 0), ethernetFrame(0x0806, new Uint8Array(28))]);
    expect(await packetsOf([carrier(4789, arp)], 65536)).toEqual([
      ['192.168.56.12', '192.168.56.11', 17, 4789, 0, 0],
      ['', '', 0, 0, 0, 1],
    ]);
    // A VXLAN header with too little behind it for an Ethernet header: only the outer packet.
    expect(await packetsOf([carrier(4789, bytes(0x08, 0, 0, 0, 0, 0, 0x7b, 0, 1, 2, 3))], 65536)).toEqual([['192.168.56.12', '192.168.56.11', 17, 4789, 0, 0]]);
  });
});
