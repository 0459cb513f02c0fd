import { createFlowTracker, type FlowTracker } from '../../../src/ingest/flow-tracker/flow-tracker.js';
import { hashEchoPayload } from '../../../src/ingest/flow-tracker/echo-payload-hash.js';
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import type { FlowRecord } from '../../../src/types.js';
import { ACK, FIN, icmp, PSH, RST, SYN, tcp, udp } from './packets.js';

const C = '10.0.0.1';
const S = '10.0.0.2';

function run(packets: DecodedPacket[], tracker: FlowTracker = createFlowTracker()) {
  for (const p of packets) tracker.addPacket(p);
  return tracker.finish();
}

function only(flows: FlowRecord[]): FlowRecord {
  expect(flows).toHaveLength(1);
  return flows[0]!;
}

/** Client 40000 → server 80: handshake, 10 bytes up, 20 bytes down, FIN both ways, final ACK. */
function fullConnection(t0 = 1000, sport = 40000): DecodedPacket[] {
  return [
    tcp(t0 + 0.0, C, sport, S, 80, SYN, 100, 0),
    tcp(t0 + 0.1, S, 80, C, sport, SYN | ACK, 500, 101),
    tcp(t0 + 0.2, C, sport, S, 80, ACK, 101, 501),
    tcp(t0 + 0.3, C, sport, S, 80, PSH | ACK, 101, 501, 10),
    tcp(t0 + 0.4, S, 80, C, sport, ACK, 501, 111),
    tcp(t0 + 0.5, S, 80, C, sport, PSH | ACK, 501, 111, 20),
    tcp(t0 + 0.6, C, sport, S, 80, ACK, 111, 521),
    tcp(t0 + 0.7, C, sport, S, 80, FIN | ACK, 111, 521),
    tcp(t0 + 0.8, S, 80, C, sport, FIN | ACK, 521, 112),
    tcp(t0 + 0.9, C, sport, S, 80, ACK, 112, 522),
  ];
}

describe('flow tracker: TCP', () => {
  it('three-way handshake, data both ways and FINs give SF with history ShADadFf', () => {
    const f = only(run(fullConnection()).flows);
    expect(f.origH).toBe(C);
    expect(f.origP).toBe(40000);
    expect(f.respH).toBe(S);
    expect(f.respP).toBe(80);
    expect(f.proto).toBe('tcp');
    expect(f.connState).toBe('SF');
    expect(f.history).toBe('ShADadFf');
    // Payload sizes from sequence numbers; the last ACK after both FINs does not extend the duration.
    expect(f.origBytes).toBe(10);
    expect(f.respBytes).toBe(20);
    expect(f.duration).toBeCloseTo(0.8, 9);
    expect(f.ts).toBe(1000);
    expect([f.origPkts, f.respPkts]).toEqual([6, 4]);
    expect([f.origIpBytes, f.respIpBytes]).toEqual([6 * 40 + 10, 4 * 40 + 20]);
  });

  it('payload bytes come from sequence numbers even when segments are missing from the capture', () => {
    const pkts = fullConnection().filter((_p, i) => i !== 3); // the 10-byte data segment was not captured
    const f = only(run(pkts).flows);
    expect(f.origBytes).toBe(10);
    expect(f.origIpBytes).toBe(5 * 40);
  });

  it('a SYN alone gives S0, history S, unset duration and bytes', () => {
    const f = only(run([tcp(1000, C, 40000, S, 22, SYN, 7, 0)]).flows);
    expect(f.connState).toBe('S0');
    expect(f.history).toBe('S');
    expect(f.duration).toBeNull();
    expect(f.origBytes).toBeNull();
    expect([f.origPkts, f.respPkts]).toEqual([1, 0]);
  });

  it('a retransmitted SYN (same sequence number) is one connection with one S', () => {
    const f = only(run([tcp(1000, C, 40000, S, 22, SYN, 7, 0), tcp(1001, C, 40000, S, 22, SYN, 7, 0)]).flows);
    expect(f.history).toBe('S');
    expect(f.origPkts).toBe(2);
    expect(f.connState).toBe('S0');
  });

  it('SYN answered by RST gives REJ with history Sr', () => {
    const f = only(run([tcp(1000, C, 40000, S, 23, SYN, 7, 0), tcp(1000.001, S, 23, C, 40000, RST | ACK, 0, 8)]).flows);
    expect(f.connState).toBe('REJ');
    expect(f.history).toBe('Sr');
  });

  it('a new SYN after a reset reuses the tuple as a new connection', () => {
    const { flows } = run([
      tcp(1000, C, 40000, S, 110, SYN, 7, 0),
      tcp(1000.001, S, 110, C, 40000, RST | ACK, 0, 8),
      tcp(1001, C, 40000, S, 110, SYN, 9000, 0),
    ]);
    expect(flows.map((f) => f.history)).toEqual(['Sr', 'S']);
    expect(flows.map((f) => f.connState)).toEqual(['REJ', 'S0']);
  });

  it('a connection that starts with a SYN-ACK from a server port is flipped (^h)', () => {
    const f = only(run([tcp(1000, S, 80, C, 40000, SYN | ACK, 500, 101)]).flows);
    expect([f.origH, f.origP, f.respH, f.respP]).toEqual([C, 40000, S, 80]);
    expect(f.history).toBe('^h');
    expect([f.origPkts, f.respPkts]).toEqual([0, 1]);
  });

  it('midstream traffic without a SYN is OTH', () => {
    const f = only(run([tcp(1000, C, 40000, S, 8080, ACK, 1000, 2000, 100), tcp(1000.1, S, 8080, C, 40000, ACK, 2000, 1100, 50)]).flows);
    expect(f.connState).toBe('OTH');
    expect(f.history).toBe('Dd');
    expect(f.origBytes).toBe(100);
    expect(f.respBytes).toBe(50);
  });

  it('a retransmitted data segment adds T', () => {
    const pkts = fullConnection();
    pkts.splice(4, 0, tcp(1000.35, C, 40000, S, 80, PSH | ACK, 101, 501, 10));
    expect(only(run(pkts).flows).history).toBe('ShADTadFf');
  });

  it('data acknowledged but never seen is a content gap: G and missed_bytes', () => {
    const pkts = fullConnection().filter((_p, i) => i !== 3); // the 10-byte data segment was not captured
    const f = only(run(pkts).flows);
    // As in Zeek, the ACK's own letter comes first, then the gap it reveals (cf. Zeek's 'ShADaGdgtR').
    expect(f.history).toBe('ShAaGdFf');
    expect(f.missedBytes).toBe(10);
  });

  it('reordered segments are not a gap', () => {
    const pkts = [
      ...fullConnection().slice(0, 3),
      tcp(1000.3, C, 40000, S, 80, PSH | ACK, 111, 501, 10), // second segment first
      tcp(1000.31, C, 40000, S, 80, PSH | ACK, 101, 501, 10),
      tcp(1000.4, S, 80, C, 40000, ACK, 501, 121),
    ];
    const f = only(run(pkts).flows);
    expect(f.missedBytes).toBe(0);
    // The late segment does not advance the highest sequence seen: Zeek counts it as a retransmission (T).
    expect(f.history).toBe('ShADTa');
  });

  it('several holes before one acknowledgement: each unseen stretch is a gap, the data seen between them is not', () => {
    // Segments of 10 bytes at 101..181; the ones at 111, 141 and 151 were not captured; the seen ones
    // come out of order, then one ACK covers everything (Zeek's Undelivered reports each hole).
    const seg = (ts: number, seq: number) => tcp(ts, C, 40000, S, 80, PSH | ACK, seq, 501, 10);
    const pkts = [...fullConnection().slice(0, 3), seg(1000.3, 101), seg(1000.31, 161), seg(1000.32, 121), seg(1000.33, 171), seg(1000.34, 131)];
    pkts.push(tcp(1000.4, S, 80, C, 40000, ACK, 501, 181));
    const f = only(run(pkts).flows);
    expect(f.missedBytes).toBe(30);
    // Then a second window with a hole: counted on its own acknowledgement.
    pkts.push(seg(1000.5, 191), tcp(1000.6, S, 80, C, 40000, ACK, 501, 201));
    expect(only(run(pkts).flows).missedBytes).toBe(40);
    // Unacknowledged holes are no gap.
    expect(only(run(pkts.slice(0, -3)).flows).missedBytes).toBe(0);
  });

  it('the orig RST after establishment gives RSTO', () => {
    const pkts = fullConnection().slice(0, 6);
    pkts.push(tcp(1000.6, C, 40000, S, 80, RST, 111, 0));
    const f = only(run(pkts).flows);
    expect(f.connState).toBe('RSTO');
    expect(f.history).toBe('ShADadR');
  });

  it('TCP inactivity beyond 5 minutes splits a connection', () => {
    const pkts = fullConnection().slice(0, 4);
    pkts.push(tcp(1000.3 + 301, C, 40000, S, 80, PSH | ACK, 111, 501, 10));
    const { flows } = run(pkts);
    expect(flows).toHaveLength(2);
    expect(flows[0]!.connState).toBe('S1');
    expect(flows[1]!.history).toBe('D');
  });

  it('a finished connection is written once event time passes its close delay', () => {
    const tracker = createFlowTracker();
    for (const p of fullConnection()) tracker.addPacket(p);
    expect(tracker.take().flows).toHaveLength(0);
    tracker.addPacket(udp(1003, '10.9.9.9', 5000, '10.9.9.8', 5001, 10));
    expect(tracker.take().flows).toHaveLength(0);
    tracker.addPacket(udp(1010, '10.9.9.9', 5000, '10.9.9.8', 5001, 10));
    const out = tracker.take().flows;
    expect(out).toHaveLength(1);
    expect(out[0]!.connState).toBe('SF');
    expect(tracker.stats.liveFlows).toBe(1);
  });
});

describe('flow tracker: UDP, ICMP, other transports', () => {
  it('UDP both ways is SF with history Dd and summed payload bytes', () => {
    const f = only(run([udp(1000, C, 5353, S, 53, 30), udp(1000.01, S, 53, C, 5353, 70)]).flows);
    expect(f.connState).toBe('SF');
    expect(f.history).toBe('Dd');
    expect([f.origBytes, f.respBytes]).toEqual([30, 70]);
    expect([f.origIpBytes, f.respIpBytes]).toEqual([58, 98]);
  });

  it('UDP inactivity beyond 1 minute splits a flow', () => {
    const { flows } = run([udp(1000, C, 40000, S, 9999, 10), udp(1030, C, 40000, S, 9999, 10), udp(1100, C, 40000, S, 9999, 10)]);
    expect(flows).toHaveLength(2);
    expect(flows[0]!.origPkts).toBe(2);
    expect(flows[0]!.duration).toBeCloseTo(30, 9);
    expect(flows[1]!.origPkts).toBe(1);
    expect(flows[1]!.ts).toBe(1100);
  });

  it('a UDP reply from a likely server port is flipped at creation (^d, SHR)', () => {
    const f = only(run([udp(1000, S, 67, C, 68, 300)]).flows);
    expect([f.origH, f.origP, f.respP]).toEqual([C, 68, 67]);
    expect(f.history).toBe('^d');
    expect(f.connState).toBe('SHR');
  });

  it('ICMP echo request and reply are one flow with origP 8 and respP 0', () => {
    const out = run([icmp(1000, C, S, 8, 0, 77, 1, 56), icmp(1000.02, S, C, 0, 0, 77, 1, 56)]);
    const f = only(out.flows);
    expect([f.origP, f.respP, f.proto, f.connState, f.history]).toEqual([8, 0, 'icmp', 'OTH', null]);
    expect([f.origPkts, f.respPkts]).toEqual([1, 1]);
    expect([f.origBytes, f.respBytes]).toEqual([56, 56]);
    // The hand-built packets carry 56 zero bytes: both fingerprints are those of the zeros past the stamp.
    const payloadHash = hashEchoPayload(new Uint8Array(56), 0, 56, 56);
    expect(out.echoes).toEqual([
      { ts: 1000, src: C, dst: S, type: 8, srcV4: 167772161, dstV4: 167772162, id: 77, seq: 1, payloadBytes: 56, payloadHash },
      { ts: 1000.02, src: S, dst: C, type: 0, srcV4: 167772162, dstV4: 167772161, id: 77, seq: 1, payloadBytes: 56, payloadHash },
    ]);
  });

  it('without echoes (flows) the ICMP flow is the same and no IcmpEcho is made', () => {
    const packets = [icmp(1000, C, S, 8, 0, 77, 1, 56), icmp(1000.02, S, C, 0, 0, 77, 1, 56)];
    const bare = createFlowTracker({ echoes: false });
    for (const p of packets) bare.addPacket(p);
    const out = bare.finish();
    expect(out.echoes).toEqual([]);
    expect(out.flows).toEqual(run(packets).flows);
  });

  it('one-way ICMP messages put the code in respP and each direction is its own flow', () => {
    const { flows } = run([icmp(1000, S, C, 3, 3, 0, 0, 36), icmp(1000.5, C, S, 3, 3, 0, 0, 36)]);
    expect(flows).toHaveLength(2);
    expect(flows.map((f) => [f.origH, f.origP, f.respP])).toEqual([
      [S, 3, 3],
      [C, 3, 3],
    ]);
  });

  it('other IP protocols are unknown_transport with ports 0 and zero payload bytes', () => {
    const { flows } = run([
      { ...udp(1000, C, 0, S, 0, 100), ipProto: 132 },
      { ...udp(1001, S, 0, C, 0, 100), ipProto: 132 },
    ]);
    const f = only(flows);
    expect([f.proto, f.origP, f.respP, f.origBytes, f.respBytes, f.connState]).toEqual(['unknown_transport', 0, 0, 0, 0, 'OTH']);
  });

  it('every record has every field, in one order, the optional ones undefined when they do not apply', () => {
    // One shape for all capture records keeps the detectors' property reads monomorphic in V8.
    const { flows } = run([
      ...fullConnection(),
      udp(1000, C, 5000, S, 5001, 30),
      icmp(1000, C, S, 8, 0, 77, 1, 56),
      { ...udp(1000, C, 0, S, 0, 100), ipProto: 132 },
    ]);
    expect(flows.map((f) => f.proto).sort()).toEqual(['icmp', 'tcp', 'udp', 'unknown_transport']);
    const keys = new Set(flows.map((f) => Object.keys(f).join(',')));
    expect([...keys]).toHaveLength(1);
    for (const name of ['tunnelParents', 'origMaxPayload', 'respMaxPayload', 'origFirstTcpFlags']) expect([...keys][0]!.split(',')).toContain(name);
    const tcpFlow = flows.find((f) => f.proto === 'tcp')!;
    expect([tcpFlow.origMaxPayload, tcpFlow.respMaxPayload, tcpFlow.origFirstTcpFlags, tcpFlow.tunnelParents]).toEqual([10, 20, SYN, undefined]);
    const icmpFlow = flows.find((f) => f.proto === 'icmp')!;
    expect([icmpFlow.origMaxPayload, icmpFlow.respMaxPayload, icmpFlow.origFirstTcpFlags]).toEqual([undefined, undefined, undefined]);
  });
});

describe('flow tracker: bounded state, uids, ticks', () => {
  it('past maxFlows the oldest live flow is finished early and counted', () => {
    const tracker = createFlowTracker({ maxFlows: 2 });
    tracker.addPacket(tcp(1000, C, 1, S, 80, SYN, 1, 0));
    tracker.addPacket(tcp(1000.1, C, 2, S, 80, SYN, 1, 0));
    expect(tracker.take().flows).toHaveLength(0);
    tracker.addPacket(tcp(1000.2, C, 3, S, 80, SYN, 1, 0));
    const evicted = tracker.take().flows;
    expect(evicted.map((f) => f.origP)).toEqual([1]);
    expect(tracker.stats.evictedFlows).toBe(1);
    expect(tracker.finish().flows.map((f) => f.origP).sort()).toEqual([2, 3]);
  });

  it('uids are Zeek-style and the same input gives the same uids', () => {
    const a = run(fullConnection()).flows[0]!.uid;
    const b = run(fullConnection()).flows[0]!.uid;
    const other = run(fullConnection(1000, 40001)).flows[0]!.uid;
    expect(a).toMatch(/^C[0-9a-zA-Z]{10,}$/);
    expect(b).toBe(a);
    expect(other).not.toBe(a);
  });

  it('packet ticks count exact packets and IP bytes per second per (dst, port, proto)', () => {
    const { ticks } = run([
      udp(1000.1, C, 40000, S, 9999, 10),
      udp(1000.5, C, 40001, S, 9999, 20),
      udp(1000.9, S, 9999, C, 40000, 30),
      udp(1001.2, C, 40000, S, 9999, 10),
    ]);
    const sorted = [...ticks].sort((x, y) => x.sec - y.sec || x.dst.localeCompare(y.dst));
    expect(sorted).toEqual([
      { sec: 1000, dst: C, dstV4: -1, port: 40000, proto: 'udp', pkts: 1, bytes: 58 },
      { sec: 1000, dst: S, dstV4: -1, port: 9999, proto: 'udp', pkts: 2, bytes: 38 + 48 },
      { sec: 1001, dst: S, dstV4: -1, port: 9999, proto: 'udp', pkts: 1, bytes: 38 },
    ]);
  });
});

describe('flow tracker: ticks past the tick table and touched-list sizes', () => {
  // 3,000 destinations in one second (past the 4,096-slot table's half and the 1,024 touched slots), a second
  // second with fewer, a third with one: the arrays kept across seconds must not leak ticks from earlier ones.
  it('sums every second exactly', () => {
    const host = (i: number) => `10.1.${i >> 8}.${i & 255}`;
    const packets: DecodedPacket[] = [];
    for (let i = 0; i < 3000; i++) packets.push(udp(2000 + i / 10000, C, 40000, host(i), 53, 10 + (i % 7)));
    for (let i = 0; i < 3000; i += 2) packets.push(udp(2000.5 + i / 10000, C, 40000, host(i), 53, 1));
    for (let i = 0; i < 1200; i++) packets.push(udp(2001 + i / 10000, C, 40001, host(i), 53, 5));
    packets.push(udp(2002.5, C, 40002, S, 9999, 7));
    const { ticks } = run(packets);
    const bySec = new Map<number, number>();
    for (const t of ticks) bySec.set(t.sec, (bySec.get(t.sec) ?? 0) + 1);
    expect([...bySec]).toEqual([
      [2000, 3000],
      [2001, 1200],
      [2002, 1],
    ]);
    const at = (sec: number, dst: string) => ticks.filter((t) => t.sec === sec && t.dst === dst);
    expect(at(2000, host(4))).toEqual([{ sec: 2000, dst: host(4), dstV4: -1, port: 53, proto: 'udp', pkts: 2, bytes: 28 + 14 + 29 }]);
    expect(at(2000, host(5))).toEqual([{ sec: 2000, dst: host(5), dstV4: -1, port: 53, proto: 'udp', pkts: 1, bytes: 28 + 15 }]);
    expect(at(2001, host(1199))).toEqual([{ sec: 2001, dst: host(1199), dstV4: -1, port: 53, proto: 'udp', pkts: 1, bytes: 33 }]);
    expect(at(2002, S)).toEqual([{ sec: 2002, dst: S, dstV4: -1, port: 9999, proto: 'udp', pkts: 1, bytes: 35 }]);
  });
});

describe('flow tracker: DNS', () => {
  it('pairs a query and its response into a DnsRecord and marks the flow dns', () => {
    const query = dnsMessage(0x1234, false, 'example.com', 1);
    const response = dnsMessage(0x1234, true, 'example.com', 1, [93, 184, 216, 34], 300);
    const lonely = dnsMessage(0x0001, false, 'nothing.test', 16);
    const out = run([
      udp(1000, C, 40000, S, 53, query.length, query),
      udp(1000.01, S, 53, C, 40000, response.length, response),
      udp(1000.02, C, 40000, S, 53, lonely.length, lonely),
    ]);
    expect(only(out.flows).service).toBe('dns');
    expect(out.dns).toHaveLength(2);
    const [answered, unanswered] = out.dns;
    expect(answered).toMatchObject({
      ts: 1000,
      client: C,
      server: S,
      serverP: 53,
      proto: 'udp',
      transId: 0x1234,
      query: 'example.com',
      qtype: 1,
      qtypeName: 'A',
      rcode: 0,
      rcodeName: 'NOERROR',
      answers: ['93.184.216.34'],
      ttls: [300],
      responseBytes: response.length,
    });
    expect(answered!.uid).toBe(out.flows[0]!.uid);
    expect(unanswered).toMatchObject({ query: 'nothing.test', qtype: 16, qtypeName: 'TXT', rcode: null, answers: [] });
  });

  it('a response takes the oldest waiting query with its id, per connection; the rest are written unanswered at the end', () => {
    const q = (id: number, name: string) => dnsMessage(id, false, name, 1);
    const r = (id: number, name: string) => dnsMessage(id, true, name, 1, [10, 0, 0, id], 60);
    const packets: DecodedPacket[] = [];
    // Many connections first, so the ones below sit at high slots.
    for (let i = 0; i < 300; i++) packets.push(udp(1000, C, 20000 + i, S, 9999, 1));
    const send = (ts: number, port: number, m: Uint8Array, fromClient: boolean) =>
      packets.push(fromClient ? udp(ts, C, port, S, 53, m.length, m) : udp(ts, S, 53, C, port, m.length, m));
    send(1001, 40000, q(7, 'a.test'), true);
    send(1001.1, 40000, q(7, 'b.test'), true);
    send(1001.2, 40001, q(7, 'other.test'), true);
    send(1001.3, 40000, q(9, 'c.test'), true);
    send(1001.4, 40000, r(9, 'c.test'), false);
    send(1001.5, 40000, r(7, 'a.test'), false);
    send(1001.6, 40000, r(7, 'b.test'), false);
    send(1001.7, 40000, r(7, 'stray.test'), false);
    const { dns } = run(packets);
    expect(dns.map((d) => [d.clientP, d.transId, d.query, d.ts, d.answers])).toEqual([
      [40000, 9, 'c.test', 1001.3, ['10.0.0.9']],
      [40000, 7, 'a.test', 1001, ['10.0.0.7']],
      [40000, 7, 'b.test', 1001.1, ['10.0.0.7']],
      [40000, 7, 'stray.test', 1001.7, ['10.0.0.7']],
      [40001, 7, 'other.test', 1001.2, []],
    ]);
  });
});

/** A DNS message with one question and optionally one A answer. */
function dnsMessage(id: number, response: boolean, name: string, qtype: number, address?: number[], ttl = 0): Uint8Array {
  const bytes: number[] = [id >> 8, id & 0xff, response ? 0x81 : 0x01, response ? 0x80 : 0x00, 0, 1, 0, address ? 1 : 0, 0, 0, 0, 0];
  for (const label of name.split('.')) {
    bytes.push(label.length, ...Buffer.from(label, 'ascii'));
  }
  bytes.push(0, qtype >> 8, qtype & 0xff, 0, 1);
  if (address) {
    bytes.push(0xc0, 12, 0, 1, 0, 1, (ttl >>> 24) & 0xff, (ttl >>> 16) & 0xff, (ttl >>> 8) & 0xff, ttl & 0xff, 0, 4, ...address);
  }
  return Uint8Array.from(bytes);
}
