import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import { verifyIpv4HeaderChecksum, verifyTransportChecksum } from '../../../src/ingest/pcap/verify-checksum.js';
import { describeWithSharedData, sharedData } from '../../helpers/shared-data.js';
import { ethernetFrame, ipv4Packet, pcapFile, udpDatagram } from './capture-builder.js';
import { CHUNK_SIZES, collectBytes, collectFile } from './collect-packets.js';

const Z = 'zeek/testing/btest/Traces';

function verdicts(packets: DecodedPacket[]): string[] {
  return packets.map((p) => `ip=${verifyIpv4HeaderChecksum(p)} transport=${verifyTransportChecksum(p)}`);
}

describe('verifyTransportChecksum on generated packets', () => {
  it('takes an IPv4 UDP checksum of 0 as "none" (valid), and cannot tell for non-IP frames', async () => {
    const udp = ethernetFrame(0x0800, ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udpDatagram(1, 2, new Uint8Array(10))));
    const r = await collectBytes(pcapFile({}, [{ tsSec: 1, frac: 0, data: udp }, { tsSec: 2, frac: 0, data: ethernetFrame(0x0806, new Uint8Array(28)) }]), 7);
    expect(verifyTransportChecksum(r.packets[0]!)).toBe(true);
    // The builder writes a zero IP header checksum: wrong.
    expect(verifyIpv4HeaderChecksum(r.packets[0]!)).toBe(false);
    expect(verdicts([r.packets[1]!])).toEqual(['ip=null transport=null']);
  });
});

describeWithSharedData('checksums on real traces (shared data)', () => {
  for (const size of CHUNK_SIZES) {
    it(`Zeek 5-pings: every ICMP checksum valid; one flipped payload byte makes it wrong (chunk size ${size})`, async () => {
      const r = await collectFile(sharedData(`${Z}/icmp/5-pings.pcap`), size);
      expect(verdicts(r.packets)).toEqual(Array(10).fill('ip=true transport=true'));
      const p = r.packets[0]!;
      p.data[p.payloadOffset + 3]! ^= 0x40;
      expect(verifyTransportChecksum(p)).toBe(false);
      expect(verifyIpv4HeaderChecksum(p)).toBe(true);
    });
  }

  it('ICMPv6 (pseudo-header) and mixed TCP/UDP/IPv6 traffic: valid', async () => {
    expect(new Set(verdicts((await collectFile(sharedData(`${Z}/icmp/icmp6-ping.pcap`))).packets))).toEqual(new Set(['ip=null transport=true']));
    const mixed = (await collectFile(sharedData(`${Z}/var-services-std-ports.pcap`))).packets.filter((p) => p.ipVersion !== 0);
    expect(mixed.every((p) => verifyTransportChecksum(p) === true)).toBe(true);
  });

  it("Zeek's checksum conformance traces: the packets Zeek marks with history C are the ones found wrong", async () => {
    // conn.log: one SYN with a bad TCP checksum (history C, 0 packets counted).
    expect(verdicts((await collectFile(sharedData('zeek-conformance/core.tcp.bad-checksum-syn/trace.pcap'))).packets)).toEqual(['ip=true transport=false']);
    // conn.log: both UDP packets bad (history Cc).
    expect(verdicts((await collectFile(sharedData('zeek-conformance/core.udp-corrupt/trace.pcap'))).packets)).toEqual(Array(2).fill('ip=true transport=false'));
    // conn.log without ignore_checksums_nets: 192.168.1.28's packets are bad (history C), the 4 replies good.
    const r = await collectFile(sharedData('zeek-conformance/core.checksums_ignore_nets/trace.pcap'));
    expect(r.packets.filter((p) => verifyTransportChecksum(p) === true).map((p) => p.src)).toEqual(Array(4).fill('35.221.46.9'));
    expect(r.packets.filter((p) => verifyTransportChecksum(p) === false).every((p) => p.src === '192.168.1.28')).toBe(true);
  });

  it('a packet cut by the snap length cannot be checked', async () => {
    const r = await collectFile(sharedData(`${Z}/icmp/5-pings.pcap`));
    const whole = r.packets[0]!;
    const cut = { ...whole, data: whole.data.subarray(0, whole.data.length - 10), capLen: whole.capLen - 10 };
    expect(verifyTransportChecksum(cut)).toBeNull();
    expect(verifyIpv4HeaderChecksum(cut)).toBe(true);
  });
});
