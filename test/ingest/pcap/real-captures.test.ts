/**
 * The reader on real third-party captures (../shared/data). Expected packet
 * counts are the capinfos/tshark figures of shared/data/MANIFEST.md; decoded
 * fields are checked against what the MANIFEST and the traces' upstream
 * tests say the files contain.
 */
import { statSync } from 'node:fs';
import { describeWithSharedData, sharedData } from '../../helpers/shared-data.js';
import { CHUNK_SIZES, collectFile } from './collect-packets.js';

const Z = 'zeek/testing/btest/Traces';

/** [path, packets per MANIFEST.md] */
const MANIFEST_COUNTS: [string, number][] = [
  [`${Z}/nmap-vsn.pcap`, 547],
  [`${Z}/echo-connections.pcap`, 82582],
  [`${Z}/wikipedia.pcap`, 136],
  [`${Z}/web.pcap`, 24],
  [`${Z}/workshop_2011_browse.pcap`, 121],
  [`${Z}/var-services-std-ports.pcap`, 263],
  [`${Z}/dns/long-connection.pcap`, 22],
  [`${Z}/ticks-dns-1hr.pcap`, 10],
  [`${Z}/empty.pcap`, 0],
  [`${Z}/dhcp/dhcp_flood.pcap`, 500],
  ['tcpdump/tests/pptp.pcap', 23],
  ['tcpdump/tests/empty.pcapng', 0],
  ['StratosphereLinuxIPS/dataset/test12-icmp-portscan.pcap', 37],
  ['StratosphereLinuxIPS/dataset/test7-malicious.pcap', 2000],
  ['StratosphereLinuxIPS/dataset/test-cc/test-cc-capture-1.pcap', 7931],
  ['StratosphereLinuxIPS/dataset/test-cc/test-cc-capture-2.pcap', 1084],
  ['comnet24s-dataset/pcaps/iodine/examples.elastic.github.com.pcap', 438],
  ['comnet24s-dataset/pcaps/dns2tcp/learn.netrack.github.com.pcap', 9070],
  ['esnet-curated-pcaps/attacks/scanners/masscan/tcp_0_1000_20190821.pcap', 1005],
  ['esnet-curated-pcaps/attacks/scanners/nmap/nmap_80_vanilla.pcap', 11],
  ['esnet-curated-pcaps/tcp/control/one_way_all_flags.pcap', 63],
  ['StopDDoS-packet-captures/pkt.TCP.synflood.spoofed.pcap', 37841],
  ['StopDDoS-packet-captures/amp.TCP.reflection.SYNACK.pcap', 8000],
  // Named .pcapng but classic pcap inside: detected by content.
  ['StopDDoS-packet-captures/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng', 9878],
  ['StopDDoS-packet-captures/amp.UDP.isakmp.pcap', 3984],
  ['StopDDoS-packet-captures/amp.UDP.snmp.src161.pcapng', 4373],
  ['StopDDoS-packet-captures/amp.UDP.bacnet.IOT.37810.pcapng', 9617],
  ['StopDDoS-packet-captures/amp.dns.RRSIG.fragmented.pcap', 4412],
];

describeWithSharedData('readCapturePackets on real captures (shared data)', () => {
  for (const [path, count] of MANIFEST_COUNTS) {
    it(`${path}: ${count} packets as capinfos counts them, no warnings but unreassembled fragments (small files at chunk sizes 1 and 7 too)`, async () => {
      const bytes = statSync(sharedData(path)).size;
      const sizes = bytes < 3_000 ? CHUNK_SIZES : bytes < 40_000 ? [7, 65536] : [65536];
      for (const size of sizes) {
        const r = await collectFile(sharedData(path), size);
        expect(r.frames).toHaveLength(count);
        expect(r.yieldedTotal).toBe(count);
        // Datagrams whose fragments are not all in the capture are reported (see the RRSIG test below).
        expect(r.warnings.filter((w) => w.code !== 'CAPTURE_FRAGMENTS')).toEqual([]);
        expect(r.warnings.length).toBe(r.stats!.fragmentsPending + r.stats!.fragmentsDropped > 0 ? 1 : 0);
      }
    });
  }

  it('StopDDoS SYN flood: every packet a TCP SYN to 10.10.10.10:25565 from many sources', async () => {
    const r = await collectFile(sharedData('StopDDoS-packet-captures/pkt.TCP.synflood.spoofed.pcap'));
    expect(r.packets.every((p) => p.ipProto === 6 && p.dst === '10.10.10.10' && p.dstPort === 25565 && (p.tcpFlags & 0x12) === 0x02)).toBe(true);
    expect(new Set(r.packets.map((p) => p.src)).size).toBe(37623);
  });

  it('DNS RRSIG amplification: 1,209 IP fragments of UDP datagrams; 338 datagrams reassembled, as tshark reassembles them', async () => {
    const r = await collectFile(sharedData('StopDDoS-packet-captures/amp.dns.RRSIG.fragmented.pcap'));
    expect(r.stats!.fragments).toBe(1209);
    // `tshark -r FILE -Y ip.fragments | wc -l` counts 338 reassembled datagrams; the other 195 fragments
    // belong to datagrams with a piece missing from the capture.
    expect(r.stats).toMatchObject({ reassembled: 338, fragmentsPending: 195, fragmentsDropped: 0 });
    // One packet per frame still; the 338 completing fragments now carry their whole datagram.
    expect(r.packets).toHaveLength(4412);
    expect(r.packets.filter((p) => p.isFragment).length).toBe(1209 - 338);
    expect(r.packets.filter((p) => !p.isFragment && p.ipProto === 17 && p.srcPort === 53 && p.ipLen > 1500).length).toBeGreaterThanOrEqual(338);
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringContaining('195 of 1209 IP fragments could not be reassembled (195 still waiting')]);
  });

  it('ICMP file transfer: 32,768 echo requests with 56-byte payloads to 54.144.215.114', async () => {
    const r = await collectFile(sharedData('icmp-exfil-detection/pcaps/icmp-file-transfer-sample-text-file-2mb.pcap'));
    const requests = r.packets.filter((p) => p.ipProto === 1 && p.icmpType === 8);
    expect(requests).toHaveLength(32768);
    expect(requests.every((p) => p.dst === '54.144.215.114' && p.payloadLen === 56)).toBe(true);
  });

  for (const size of CHUNK_SIZES) {
    it(`Zeek pcapng-multi-interface: two interfaces, DNS to 1.1.1.1 (chunk size ${size})`, async () => {
      const r = await collectFile(sharedData(`${Z}/pcapng-multi-interface.pcapng`), size);
      expect(r.stats!.format).toBe('pcapng');
      expect(new Set(r.packets.map((p) => p.interfaceId))).toEqual(new Set([0, 1]));
      expect(r.packets.every((p) => p.ipProto === 17 && (p.dst === '1.1.1.1' || p.src === '1.1.1.1'))).toBe(true);
      expect(r.packets.every((p) => p.srcPort === 53 || p.dstPort === 53)).toBe(true);
    });

    it(`tcpdump tcp-handshake-nano: ns timestamps on Linux SLL, SYN / SYN-ACK / ACK (chunk size ${size})`, async () => {
      const r = await collectFile(sharedData('tcpdump/tests/tcp-handshake-nano.pcap'), size);
      expect(r.packets.map((p) => [p.linkType, p.tcpFlags])).toEqual([
        [113, 0x02],
        [113, 0x12],
        [113, 0x10],
      ]);
      expect(r.packets[0]).toMatchObject({ src: '131.155.215.69', srcPort: 46656, dst: '137.116.81.94', dstPort: 80 });
      // Nanosecond files keep sub-microsecond digits.
      expect(r.packets.some((p) => Math.abs(p.tsSec * 1e6 - Math.round(p.tsSec * 1e6)) > 0.05)).toBe(true);
    });
  }

  it('tcpdump time_2106_overflow / time_2107: pcapng times past 2^32 seconds', async () => {
    expect((await collectFile(sharedData('tcpdump/tests/time_2106_overflow.pcapng'))).packets[0]!.tsSec).toBe(2 ** 32);
    expect((await collectFile(sharedData('tcpdump/tests/time_2107.pcapng'))).packets[0]!.tsSec).toBe(Date.UTC(2107, 0, 1) / 1000);
  });

  it('tcpdump timestamp_invalid_nano: an invalid ns fraction is read, not a crash', async () => {
    const r = await collectFile(sharedData('tcpdump/tests/timestamp_invalid_nano.pcap'), 7);
    expect(r.packets).toHaveLength(3);
    expect(r.warnings).toEqual([]);
  });

  it('tcpdump raw link types 101, 228, 229 and BSD NULL loopback', async () => {
    const raw = (await collectFile(sharedData('tcpdump/tests/LINKTYPE_RAW_ipv4.pcap'), 1)).packets[0];
    expect(raw).toMatchObject({ linkType: 101, src: '192.168.1.100', srcPort: 12345, dst: '9.9.9.9', dstPort: 53, ipProto: 17 });
    const v4 = (await collectFile(sharedData('tcpdump/tests/LINKTYPE_IPV4.pcap'), 1)).packets[0];
    expect(v4).toMatchObject({ linkType: 228, src: '192.168.1.100', dst: '9.9.9.9', dstPort: 53 });
    const v6 = (await collectFile(sharedData('tcpdump/tests/LINKTYPE_IPV6.pcap'), 1)).packets[0];
    expect(v6).toMatchObject({ linkType: 229, ipVersion: 6, src: '2001:db8::1', dst: '2620:fe::9', dstPort: 53 });
    const nul = await collectFile(sharedData('tcpdump/tests/dns-badcookie.pcap'), 7);
    expect(nul.packets.every((p) => p.linkType === 0 && p.src === '127.0.0.1' && p.ipProto === 17)).toBe(true);
  });

  it('tcpdump pptp.pcap: big-endian classic pcap with TCP 1723 and one GRE packet', async () => {
    const r = await collectFile(sharedData('tcpdump/tests/pptp.pcap'), 7);
    expect(r.packets.filter((p) => p.ipProto === 6 && (p.srcPort === 1723 || p.dstPort === 1723))).toHaveLength(22);
    expect(r.packets.filter((p) => p.ipProto === 47)).toHaveLength(1);
  });

  it('Zeek linux_dlt_sll2: SLL2 frames carrying ICMP and ICMPv6', async () => {
    const r = await collectFile(sharedData(`${Z}/linux_dlt_sll2.pcap`), 7);
    expect(r.packets.every((p) => p.linkType === 276)).toBe(true);
    expect(r.packets.filter((p) => p.ipVersion === 4 && p.ipProto === 1)).toHaveLength(2);
    expect(r.packets.filter((p) => p.ipVersion === 6 && p.ipProto === 58)).toHaveLength(2);
  });

  it('Zeek VLAN traces: 802.1Q ICMP and QinQ UDP decode to IP', async () => {
    const dot1q = await collectFile(sharedData(`${Z}/icmp_dot1q.pcap`), 7);
    expect(dot1q.packets.filter((p) => p.ipProto === 1)).toHaveLength(9);
    const qinq = await collectFile(sharedData(`${Z}/q-in-q.pcap`), 7);
    expect(qinq.packets.filter((p) => p.ipProto === 17)).toHaveLength(4);
    expect(qinq.packets.filter((p) => p.ipVersion === 0)).toHaveLength(1); // the ARP frame
  });

  it('Zeek icmp6-ping: ICMPv6 echo request/reply pairs with ids and sequences', async () => {
    const r = await collectFile(sharedData(`${Z}/icmp/icmp6-ping.pcap`), 7);
    const echoes = r.packets.filter((p) => p.ipProto === 58 && (p.icmpType === 128 || p.icmpType === 129));
    expect(echoes.length).toBeGreaterThanOrEqual(4);
    for (const req of echoes.filter((p) => p.icmpType === 128)) {
      expect(echoes.some((rep) => rep.icmpType === 129 && rep.icmpId === req.icmpId && rep.icmpSeq === req.icmpSeq && rep.src === req.dst)).toBe(true);
    }
  });

  it('Zeek ipv4/fragmented-1: the third fragment (reaching past the "last" one) completes a 324-byte datagram, as in Zeek', async () => {
    const r = await collectFile(sharedData(`${Z}/ipv4/fragmented-1.pcap`), 7);
    expect(r.packets.map((p) => p.isFragment)).toEqual([true, true, false]);
    expect(r.packets[2]).toMatchObject({ ipProto: 17, srcPort: 123, dstPort: 137, ipLen: 324 });
    expect(r.stats).toMatchObject({ fragments: 3, reassembled: 1, fragmentsPending: 0 });
    // Without reassembly, each fragment alone: the ones at offset 0 keep their UDP ports.
    const alone = await collectFile(sharedData(`${Z}/ipv4/fragmented-1.pcap`), 7, { reassemble: false });
    expect(alone.packets.map((p) => [p.srcPort, p.dstPort])).toEqual([
      [123, 137],
      [0, 0],
      [123, 137],
    ]);
  });

  it('Zeek conformance encapsulations decode to IP: PPP, PPPoE over QinQ, MPLS in VLAN, VN-Tag, PBB, FabricPath', async () => {
    const all = async (dir: string) => (await collectFile(sharedData('zeek-conformance', dir, 'trace.pcap'))).packets;
    expect((await all('core.ppp')).every((p) => p.linkType === 9 && p.ipVersion !== 0)).toBe(true);
    expect((await all('core.pppoe-over-qinq')).every((p) => p.ipVersion !== 0)).toBe(true);
    expect((await all('core.mpls-in-vlan')).every((p) => p.ipVersion === 4)).toBe(true);
    expect((await all('core.vntag')).every((p) => p.ipVersion === 4)).toBe(true);
    expect((await all('core.pbb')).filter((p) => p.ipVersion !== 0)).toHaveLength(10);
    expect((await all('core.cisco-fabric-path')).filter((p) => p.ipVersion !== 0)).toHaveLength(128);
  });

  it("Zeek conformance tunnel traces: GRE, GRE-in-GRE, PPTP, ERSPAN (and 6in4 when enabled) give the inner connections of Zeek's conn.log", async () => {
    const pairs = async (file: string) =>
      new Set((await collectFile(sharedData(file), 7)).packets.map((p) => `${p.src}:${p.srcPort}>${p.dst}:${p.dstPort}/${p.ipProto}@${p.tunnelDepth}`));
    const gre = await pairs('zeek-conformance/core.tunnels.gre/trace.pcap');
    expect(gre.has('66.59.111.190:40264>172.28.2.3:22/6@1')).toBe(true);
    expect(gre.has('66.59.111.190:37675>172.28.2.3:53/17@1')).toBe(true);
    expect([...gre].every((k) => k.endsWith('@1'))).toBe(true);
    const greInGre = await pairs('zeek-conformance/core.tunnels.gre-in-gre/trace.pcap');
    expect(greInGre.has('3.3.3.1:520>224.0.0.9:520/17@2')).toBe(true);
    expect(greInGre.has('10.10.25.1:0>192.168.1.2:0/1@2')).toBe(true);
    // Ethernet, VLAN, IPv6, IPv4-in-IPv6, PPTP GRE, PPP, then the DNS query of conn.log.
    expect(await pairs('zeek-conformance/core.tunnels.gre-pptp/trace.pcap')).toEqual(new Set(['172.16.44.3:40768>8.8.8.8:53/17@2', '8.8.8.8:53>172.16.44.3:40768/17@2']));
    expect(await pairs('zeek-conformance/core.erspanI/trace.pcap')).toEqual(new Set(['172.16.133.2:0>172.217.11.78:0/1@1', '172.217.11.78:0>172.16.133.2:0/1@1']));
    // 6in4 only when enabled (off by default, see FrameDecoderOptions).
    const plain = (await collectFile(sharedData(`${Z}/tunnels/ping6-in-ipv4.pcap`), 7)).packets;
    expect(plain.every((p) => p.ipProto === 41 && p.tunnelDepth === 0)).toBe(true);
    const sixIn4 = (await collectFile(sharedData(`${Z}/tunnels/ping6-in-ipv4.pcap`), 7, { decapsulate6in4: true })).packets;
    expect(sixIn4.every((p) => p.ipVersion === 6 && p.ipProto === 58 && p.tunnelDepth === 1)).toBe(true);
    expect(sixIn4.filter((p) => p.icmpType === 128)).toHaveLength(5);
  });

  it('Zeek conformance radiotap and 802.11 monitor traces: the DNS and mDNS flows of their conn.log', async () => {
    for (const [dir, linkType] of [
      ['core.radiotap', 127],
      ['core.wlanmon', 105],
    ] as const) {
      const r = await collectFile(sharedData('zeek-conformance', dir, 'trace.pcap'), 7);
      expect(r.warnings).toEqual([]);
      const ip = r.packets.filter((p) => p.ipVersion !== 0);
      expect(ip.every((p) => p.linkType === linkType)).toBe(true);
      // conn.log: 172.17.156.76:61738 -> 208.67.220.220:53 udp and fe80::a667:6ff:fef7:ec54:5353 -> ff02::fb:5353 udp
      expect(ip.some((p) => p.src === '172.17.156.76' && p.srcPort === 61738 && p.dst === '208.67.220.220' && p.dstPort === 53)).toBe(true);
      expect(ip.some((p) => p.src === 'fe80::a667:6ff:fef7:ec54' && p.dst === 'ff02::fb' && p.dstPort === 5353)).toBe(true);
    }
  });
});
