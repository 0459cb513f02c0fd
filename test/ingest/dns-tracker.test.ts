/**
 * The DNS tracker's judgement of port-53 payload (dns-tracker.ts steps 5 and 6): which
 * connections keep the service "dns", and which messages may flip a connection's roles.
 */
import { readCaptureRecords } from '../../src/ingest/capture-ingest.js';
import { createFlowTracker } from '../../src/ingest/flow-tracker/flow-tracker.js';
import type { DecodedPacket } from '../../src/ingest/pcap/decoded-packet.js';
import type { FlowRecord } from '../../src/types.js';
import { openByteSourceFromChunks } from '../../src/io/byte-source.js';
import { describeWithSharedData, zeekTestTraces } from '../helpers/shared-data.js';
import { ACK, packet, PSH, SYN, tcp, udp } from './flow-tracker/packets.js';

const C = '10.77.0.10';
const S = '10.77.0.70';

function run(packets: DecodedPacket[]) {
  const tracker = createFlowTracker();
  for (const p of packets) tracker.addPacket(p);
  return tracker.finish();
}

function only(flows: FlowRecord[]): FlowRecord {
  expect(flows).toHaveLength(1);
  return flows[0]!;
}

/** A DNS message with one question (and one A answer when `address` is given). */
function dnsMessage(id: number, response: boolean, name: string, qtype: number, address?: number[]): Uint8Array {
  const bytes: number[] = [id >> 8, id & 0xff, response ? 0x81 : 0x01, response ? 0x80 : 0x00, 0, 1, 0, address ? 1 : 0, 0, 0, 0, 0];
  for (const label of name.split('.')) bytes.push(label.length, ...Buffer.from(label, 'ascii'));
  bytes.push(0, qtype >> 8, qtype & 0xff, 0, 1);
  if (address) bytes.push(0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, ...address);
  return Uint8Array.from(bytes);
}

/**
 * iodine's raw-mode packet: magic 10 d1 9e, then a command nibble and data. As a DNS header it is a
 * "response" (QR set) with the unassigned opcode 3 and nonsense counts.
 */
function iodineRaw(seq: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  b.set([0x10, 0xd1, 0x9e, 0x20 | (seq & 0x0f)]);
  for (let i = 4; i < len; i++) b[i] = (i * 131 + seq * 17) & 0xff;
  return b;
}

/** A TCP segment carrying `payload` (Ethernet + IPv4 + 20-byte TCP header before it). */
function tcpData(tsSec: number, src: string, srcPort: number, dst: string, dstPort: number, seq: number, ack: number, payload: Uint8Array): DecodedPacket {
  const data = new Uint8Array(54 + payload.length);
  data.set(payload, 54);
  return packet({
    tsSec, src, dst, srcPort, dstPort, ipProto: 6, tcpFlags: PSH | ACK, tcpSeq: seq, tcpAck: ack,
    payloadLen: payload.length, ipLen: 40 + payload.length, payloadOffset: 54, data,
  });
}

function handshake(t0: number, sport: number): DecodedPacket[] {
  return [tcp(t0, C, sport, S, 53, SYN, 100, 0), tcp(t0 + 0.001, S, 53, C, sport, SYN | ACK, 500, 101), tcp(t0 + 0.002, C, sport, S, 53, ACK, 101, 501)];
}

describe('DNS tracker: what is DNS on port 53', () => {
  it('leaves iodine raw UDP to port 53 without the dns service, and its first packet (a "response" with opcode 3) flips nothing', () => {
    const packets: DecodedPacket[] = [];
    for (let i = 0; i < 12; i++) {
      const up = iodineRaw(i, 1000);
      packets.push(udp(1000 + i * 0.05, C, 46074, S, 53, up.length, up));
      const down = iodineRaw(i + 100, 40);
      packets.push(udp(1000 + i * 0.05 + 0.01, S, 53, C, 46074, down.length, down));
    }
    const { flows, dns } = run(packets);
    const f = only(flows);
    expect(f).toMatchObject({ origH: C, origP: 46074, respH: S, respP: 53, service: null, origPkts: 12, respPkts: 12 });
    expect(f.origBytes).toBe(12_000);
    expect(dns).toEqual([]);
  });

  it('keeps the dns service on a query and response, and flips a connection whose first message is a clean response from its originator', () => {
    const q = dnsMessage(7, false, 'www.example.com', 1);
    const r = dnsMessage(7, true, 'www.example.com', 1, [10, 0, 0, 1]);
    expect(only(run([udp(1000, C, 40000, S, 53, q.length, q), udp(1000.01, S, 53, C, 40000, r.length, r)]).flows).service).toBe('dns');
    // Resolver to resolver (53 to 53: no flip by port) and the capture started after the query: the
    // response, seen first, makes its receiver the client.
    const flipped = only(run([udp(1000, S, 53, C, 53, r.length, r)]).flows);
    expect(flipped).toMatchObject({ origH: C, respH: S, service: 'dns' });
    // iodine's raw packet is a "response" too, but with the unassigned opcode 3: no flip, no record.
    const raw = iodineRaw(0, 300);
    const notFlipped = run([udp(1000, C, 53, S, 53, raw.length, raw), udp(1000.01, S, 53, C, 53, 40, iodineRaw(1, 40))]);
    expect(only(notFlipped.flows)).toMatchObject({ origH: C, respH: S, service: null });
    expect(notFlipped.dns).toEqual([]);
  });

  it('judges UDP by majority: one DNS query among non-DNS datagrams does not make the connection DNS', () => {
    const q = dnsMessage(1, false, 'a.example.com', 1);
    const junk = iodineRaw(1, 200);
    const mostlyJunk = [udp(1000, C, 40000, S, 53, q.length, q), ...[1, 2, 3].map((i) => udp(1000 + i, C, 40000, S, 53, junk.length, junk))];
    expect(only(run(mostlyJunk).flows).service).toBeNull();
    const mostlyDns = [udp(1000, C, 40000, S, 53, junk.length, junk), ...[1, 2, 3].map((i) => udp(1000 + i, C, 40000, S, 53, q.length, q))];
    expect(only(run(mostlyDns).flows).service).toBe('dns');
  });

  it('counts a response cut by the snap length after a well-formed header as DNS (a truncated capture is no tunnel)', () => {
    const q = dnsMessage(3, false, 'www.example.com', 1);
    const r = dnsMessage(3, true, 'www.example.com', 1, [10, 0, 0, 1]);
    const cutQ = udp(1000, C, 40000, S, 53, q.length, q.slice(0, 20));
    const cutR = udp(1000.01, S, 53, C, 40000, r.length, r.slice(0, 20));
    // The frames hold 20 bytes of each message; the UDP lengths say more.
    expect(only(run([cutQ, cutR]).flows).service).toBe('dns');
  });

  it('keeps DNS over TCP a dns connection when a long response continues over several segments', () => {
    const q = dnsMessage(9, false, 'example.com', 252);
    const qPrefixed = Uint8Array.from([0, q.length, ...q]);
    const r = dnsMessage(9, true, 'example.com', 252, [10, 0, 0, 1]);
    // The response announces 3000 bytes; the first segment holds its start, the next two the rest.
    const first = Uint8Array.from([3000 >> 8, 3000 & 0xff, ...r, ...new Uint8Array(1400 - r.length)]);
    const rest = new Uint8Array(800).fill(0xab);
    const packets = [
      ...handshake(1000, 40000),
      tcpData(1000.01, C, 40000, S, 53, 101, 501, qPrefixed),
      tcpData(1000.02, S, 53, C, 40000, 501, 101 + qPrefixed.length, first),
      tcpData(1000.03, S, 53, C, 40000, 501 + first.length, 101 + qPrefixed.length, rest),
      tcpData(1000.04, S, 53, C, 40000, 501 + first.length + rest.length, 101 + qPrefixed.length, rest),
    ];
    expect(only(run(packets).flows).service).toBe('dns');
  });

  it('leaves SSH moved to TCP port 53 without the dns service (its banner reads as a cut message asking 12,333 questions)', () => {
    const banner = Uint8Array.from(Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', 'ascii'));
    const reply = Uint8Array.from(Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n', 'ascii'));
    const packets = [
      ...handshake(1000, 40010),
      tcpData(1000.01, C, 40010, S, 53, 101, 501, banner),
      tcpData(1000.02, S, 53, C, 40010, 501, 101 + banner.length, reply),
    ];
    expect(only(run(packets).flows).service).toBeNull();
  });
});

describeWithSharedData('DNS tracker without records (shared data)', () => {
  it('gives every connection of the Zeek test traces the same record (service, roles, history) and makes no DnsRecord', async () => {
    let dnsRecords = 0;
    for (const { dir, bytes } of zeekTestTraces()) {
      const read = async (records: boolean) => {
        const flows: FlowRecord[] = [];
        let dns = 0;
        const source = await openByteSourceFromChunks(`${dir}.pcap`, [bytes]);
        for await (const b of readCaptureRecords(source, { maxInvalid: 25, onWarning: () => {}, flowTracker: { dnsRecords: records } })) {
          flows.push(...b.flows);
          dns += b.dns.length;
        }
        return { flows, dns };
      };
      const full = await read(true);
      const bare = await read(false);
      dnsRecords += full.dns;
      expect({ dir, flows: bare.flows, dns: bare.dns }).toEqual({ dir, flows: full.flows, dns: 0 });
    }
    expect(dnsRecords).toBeGreaterThan(10);
  });
});
