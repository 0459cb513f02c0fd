import { type DnsMessage, emptyDnsMessage, parseDnsMessage, parseDnsMessageInto, parseDnsOverTcp, parseDnsOverTcpInto } from '../../../src/ingest/pcap/dns-message.js';
import { nameDnsQueryType, nameDnsRcode } from '../../../src/ingest/dns-constants.js';
import { describeWithSharedData, sharedData } from '../../helpers/shared-data.js';
import { bytes, concatBytes, ipv6Bytes, u16be, u32be } from './capture-builder.js';
import { CHUNK_SIZES, collectFile } from './collect-packets.js';

function header(id: number, flags: number, qd: number, an: number, ns = 0, ar = 0): Uint8Array {
  return concatBytes([u16be(id), u16be(flags), u16be(qd), u16be(an), u16be(ns), u16be(ar)]);
}

function name(text: string): Uint8Array {
  const parts = text === '' ? [] : text.split('.');
  return concatBytes([...parts.map((l) => concatBytes([bytes(l.length), Buffer.from(l, 'latin1')])), bytes(0)]);
}

function rr(owner: Uint8Array, type: number, ttl: number, rdata: Uint8Array): Uint8Array {
  return concatBytes([owner, u16be(type), u16be(1), u32be(ttl), u16be(rdata.length), rdata]);
}

const ptr = (offset: number) => bytes(0xc0 | (offset >> 8), offset & 0xff);

function parse(msg: Uint8Array): DnsMessage {
  const m = parseDnsMessage(msg, 0, msg.length);
  if (m === null) throw new Error('expected a message');
  return m;
}

describe('parseDnsMessage', () => {
  it('parses header flags and counts', () => {
    const m = parse(concatBytes([header(0xabcd, 0x8583, 1, 0, 0, 0), name('nx.example'), u16be(1), u16be(1)]));
    expect(m).toMatchObject({ id: 0xabcd, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: 3, qdcount: 1, ancount: 0, problem: null });
    expect(m.questions).toEqual([{ name: 'nx.example', qtype: 1, qclass: 1 }]);
  });

  it('follows compression pointers in answers and rdata', () => {
    const q = concatBytes([header(1, 0x8180, 1, 4), name('www.example.com'), u16be(1), u16be(1)]);
    // www.example.com starts at 12; example.com at 16.
    const answers = concatBytes([
      rr(ptr(12), 5, 300, concatBytes([bytes(3), Buffer.from('cdn'), ptr(16)])),
      rr(ptr(12), 1, 60, bytes(93, 184, 216, 34)),
      rr(ptr(16), 28, 60, ipv6Bytes('2606:2800:220:1::248')),
      rr(ptr(16), 15, 3600, concatBytes([u16be(10), bytes(4), Buffer.from('mail'), ptr(16)])),
    ]);
    const m = parse(concatBytes([q, answers]));
    expect(m.problem).toBeNull();
    expect(m.answers.map((a) => [a.name, a.type, a.ttl, a.data])).toEqual([
      ['www.example.com', 5, 300, 'cdn.example.com'],
      ['www.example.com', 1, 60, '93.184.216.34'],
      ['example.com', 28, 60, '2606:2800:220:1::248'],
      ['example.com', 15, 3600, 'mail.example.com'],
    ]);
  });

  it('a name pointing at the question name is that name in each message, also when the question itself is a pointer', () => {
    // The first message's question name (at 12, no pointer) is what its answers point to.
    const first = parse(concatBytes([header(1, 0x8180, 1, 1), name('a.example'), u16be(5), u16be(1), rr(ptr(12), 5, 60, ptr(12))]));
    expect(first.answers.map((a) => [a.name, a.data])).toEqual([['a.example', 'a.example']]);
    // The next message's question (at 12 too) is a pointer to a name in the CNAME rdata at 30: the
    // answer's pointer to 12 takes two jumps and must not give the first message's name.
    const second = parse(concatBytes([header(2, 0x8180, 1, 1), ptr(30), u16be(5), u16be(1), rr(ptr(12), 5, 60, name('b.example'))]));
    expect(second.questions[0]!.name).toBe('b.example');
    expect(second.answers.map((a) => [a.name, a.data])).toEqual([['b.example', 'b.example']]);
    // A pointer into the middle of the question name is its suffix, and labels before a pointer to it count.
    const third = parse(concatBytes([header(3, 0x8180, 1, 2), name('www.c.example'), u16be(1), u16be(1), rr(ptr(16), 5, 60, concatBytes([bytes(1), Buffer.from('x'), ptr(12)])), rr(ptr(12), 1, 60, bytes(1, 2, 3, 4))]));
    expect(third.answers.map((a) => [a.name, a.data])).toEqual([
      ['c.example', 'x.www.c.example'],
      ['www.c.example', '1.2.3.4'],
    ]);
  });

  it('parseDnsMessageInto overwrites every field of the reused message; parseDnsMessage hands out arrays of its own', () => {
    const full = concatBytes([header(5, 0x8183, 1, 1), name('x.example'), u16be(1), u16be(1), rr(ptr(12), 1, 60, bytes(1, 2, 3, 4))]);
    const bare = concatBytes([header(6, 0x0100, 0, 0), bytes(0xff)]);
    const cut = concatBytes([header(7, 0x8180, 1, 0), bytes(5), Buffer.from('ab')]);
    const scratch = emptyDnsMessage();
    expect(parseDnsMessageInto(scratch, full, 0, full.length)).toBe(scratch);
    expect(scratch).toMatchObject({ id: 5, qr: true, rcode: 3, questions: [{ name: 'x.example', qtype: 1, qclass: 1 }], problem: null });
    expect(scratch.answers.map((a) => a.data)).toEqual(['1.2.3.4']);
    parseDnsMessageInto(scratch, cut, 0, cut.length);
    expect(scratch).toMatchObject({ id: 7, questions: [], answers: [], length: cut.length });
    expect(scratch.problem).not.toBeNull();
    parseDnsMessageInto(scratch, bare, 0, bare.length);
    expect(scratch).toEqual({ ...parse(bare) });
    expect(scratch).toMatchObject({ id: 6, qr: false, rd: true, rcode: 0, questions: [], answers: [], problem: null, problemOffset: -1 });
    expect(parseDnsMessageInto(scratch, bare, 0, 11)).toBeNull();
    expect(parseDnsOverTcpInto(scratch, concatBytes([u16be(full.length), full]), 0, full.length + 2)).toBe(scratch);
    expect(scratch.answers.map((a) => a.data)).toEqual(['1.2.3.4']);
    const a = parse(bare);
    const b = parse(bare);
    a.answers.push({ name: 'n', type: 1, rclass: 1, ttl: 0, data: 'd' });
    a.questions.push({ name: 'n', qtype: 1, qclass: 1 });
    expect([b.answers, b.questions, parse(bare).answers, parseDnsOverTcp(concatBytes([u16be(bare.length), bare]), 0, bare.length + 2)!.questions]).toEqual([[], [], [], []]);
  });

  it('renders TXT answers as Zeek does, one "TXT <len> <text>" per string', () => {
    const txt = concatBytes([bytes(5), Buffer.from('hello'), bytes(3), Buffer.from('a b'), bytes(2), bytes(0x00, 0xff)]);
    const m = parse(concatBytes([header(2, 0x8180, 1, 1), name('t.example'), u16be(16), u16be(1), rr(ptr(12), 16, 5, txt)]));
    expect(m.answers[0]!.data).toBe('TXT 5 hello TXT 3 a b TXT 2 \\x00\\xff');
  });

  it('renders SOA, SRV, CAA and unknown types', () => {
    const soa = concatBytes([name('ns1.example'), name('hostmaster.example'), new Uint8Array(20)]);
    const srv = concatBytes([u16be(0), u16be(5), u16be(5060), name('sip.example')]);
    const caa = concatBytes([bytes(0, 5), Buffer.from('issue'), Buffer.from('ca.example')]);
    const m = parse(
      concatBytes([header(3, 0x8180, 0, 4), rr(name('a'), 6, 1, soa), rr(name('b'), 33, 2, srv), rr(name('c'), 257, 3, caa), rr(name('d'), 10, 4, bytes(1, 2, 3))]),
    );
    expect(m.answers.map((a) => a.data)).toEqual(['ns1.example', 'sip.example', '0 issue ca.example', '<unknown type=10>']);
  });

  it('escapes non-printable bytes in names as \\xNN', () => {
    const m = parse(concatBytes([header(4, 0, 1, 0), bytes(3, 0x61, 0x09, 0xc8), name('x'), u16be(10), u16be(1)]));
    expect(m.questions[0]!.name).toBe('a\\x09\\xc8.x');
  });

  it('reports a compression loop without hanging', () => {
    // The question name is a pointer to itself.
    const m = parse(concatBytes([header(5, 0, 1, 0), ptr(12), u16be(1), u16be(1)]));
    expect(m.problem).toMatch(/loop/);
    expect(m.problemOffset).toBe(12);
    expect(m.questions).toEqual([]);
    // Two pointers pointing at each other.
    const m2 = parse(concatBytes([header(5, 0, 2, 0), ptr(14), ptr(12), u16be(1), u16be(1)]));
    expect(m2.problem).toMatch(/loop/);
  });

  it('reports a pointer beyond the message', () => {
    const m = parse(concatBytes([header(6, 0, 1, 0), bytes(1, 0x61), ptr(0x3fff), u16be(1), u16be(1)]));
    expect(m.problem).toMatch(/pointer to offset 16383 beyond the message/);
    expect(m.problemOffset).toBe(14);
  });

  it('reports reserved label types and overlong names', () => {
    expect(parse(concatBytes([header(7, 0, 1, 0), bytes(0x41, 0), u16be(1), u16be(1)])).problem).toMatch(/reserved label type 0x40/);
    const long = concatBytes([...Array.from({ length: 5 }, () => concatBytes([bytes(63), new Uint8Array(63).fill(0x61)])), bytes(0)]);
    expect(parse(concatBytes([header(8, 0, 1, 0), long, u16be(1), u16be(1)])).problem).toMatch(/longer than 255/);
  });

  it('keeps what parsed before a truncation and says where it stopped', () => {
    const whole = concatBytes([header(9, 0x8180, 1, 2), name('a.example'), u16be(1), u16be(1), rr(ptr(12), 1, 1, bytes(1, 2, 3, 4)), rr(ptr(12), 1, 1, bytes(5, 6, 7, 8))]);
    for (let cut = 12; cut < whole.length; cut++) {
      const m = parseDnsMessage(whole, 0, cut);
      expect(m).not.toBeNull();
      expect(m!.problem).not.toBeNull();
      expect(m!.problemOffset).toBeGreaterThanOrEqual(12);
      expect(m!.problemOffset).toBeLessThanOrEqual(cut);
      expect(m!.answers.length).toBeLessThan(2);
    }
    expect(parseDnsMessage(whole, 0, whole.length)!.answers.map((a) => a.data)).toEqual(['1.2.3.4', '5.6.7.8']);
    expect(parseDnsMessage(whole, 0, 11)).toBeNull();
  });

  it('rejects an A record whose rdata is not 4 bytes', () => {
    const m = parse(concatBytes([header(10, 0x8180, 0, 1), rr(name('a'), 1, 1, bytes(1, 2, 3))]));
    expect(m.problem).toMatch(/A rdata of 3 bytes/);
  });

  it('bounds the work per name: a name behind 32 pointers resolves, behind 33 it is refused', () => {
    // Question 0 is "x"; question k's name is a pointer to question k-1's name, so it takes k jumps.
    const parts: Uint8Array[] = [header(11, 0, 2000, 0), name('x'), u16be(1), u16be(1)];
    let prev = 12;
    for (let k = 1; k < 2000; k++) {
      const at = 19 + (k - 1) * 6;
      parts.push(ptr(prev), u16be(1), u16be(1));
      prev = at;
    }
    const m = parse(concatBytes(parts));
    expect(m.questions).toHaveLength(33);
    expect(m.questions.every((q) => q.name === 'x')).toBe(true);
    expect(m.problem).toMatch(/more than 32 jumps/);
    expect(m.problemOffset).toBe(19 + 32 * 6);
  });

  it('parses DNS over TCP with its 2-byte length prefix', () => {
    const msg = concatBytes([header(12, 0x0100, 1, 0), name('tcp.example'), u16be(252), u16be(1)]);
    const m = parseDnsOverTcp(concatBytes([u16be(msg.length), msg]), 0, msg.length + 2);
    expect(m).toMatchObject({ id: 12, problem: null, questions: [{ name: 'tcp.example', qtype: 252, qclass: 1 }] });
    const partial = parseDnsOverTcp(concatBytes([u16be(msg.length + 100), msg]), 0, msg.length + 2);
    expect(partial!.problem).toMatch(/announces/);
    expect(partial!.questions).toHaveLength(1);
    expect(parseDnsOverTcp(bytes(0), 0, 1)).toBeNull();
  });
});

describe('dns names (Zeek consts)', () => {
  it('names query types and rcodes, with Zeek defaults for unknown numbers', () => {
    expect([1, 10, 16, 28, 255, 65, 1234].map(nameDnsQueryType)).toEqual(['A', 'NULL', 'TXT', 'AAAA', '*', 'HTTPS', 'query-1234']);
    expect([0, 3, 5, 99].map(nameDnsRcode)).toEqual(['NOERROR', 'NXDOMAIN', 'REFUSED', 'rcode-99']);
  });
});

describeWithSharedData('parseDnsMessage on real traffic (shared data)', () => {
  async function dnsMessages(path: string, chunkSize: number): Promise<DnsMessage[]> {
    const r = await collectFile(sharedData(path), chunkSize);
    const out: DnsMessage[] = [];
    for (const p of r.packets) {
      if (p.srcPort !== 53 && p.dstPort !== 53) continue;
      if (p.payloadLen === 0) continue;
      const m = p.ipProto === 6 ? parseDnsOverTcp(p.data, p.payloadOffset, p.payloadLen) : parseDnsMessage(p.data, p.payloadOffset, p.payloadLen);
      if (m !== null) out.push(m);
    }
    return out;
  }

  for (const size of CHUNK_SIZES) {
    it(`tcpdump dns_udp.pcap: query and answer for www.tcpdump.org (chunk size ${size})`, async () => {
      const ms = await dnsMessages('tcpdump/tests/dns_udp.pcap', size);
      expect(ms).toHaveLength(2);
      expect(ms[0]).toMatchObject({ qr: false, rd: true, questions: [{ name: 'www.tcpdump.org', qtype: 1, qclass: 1 }], problem: null });
      expect(ms[1]).toMatchObject({ id: ms[0]!.id, qr: true, aa: true, rcode: 0, ancount: 2, nscount: 2, arcount: 5, problem: null });
      expect(ms[1]!.answers.map((a) => a.data).sort()).toEqual(['192.139.46.66', '198.199.88.104']);
    });

    it(`tcpdump dns_tcp.pcap: the same exchange over TCP (chunk size ${size})`, async () => {
      const ms = await dnsMessages('tcpdump/tests/dns_tcp.pcap', size);
      expect(ms).toHaveLength(2);
      expect(ms[0]!.questions[0]!.name).toBe('www.tcpdump.org');
      expect(ms[1]).toMatchObject({ qr: true, problem: null });
      expect(ms[1]!.answers.map((a) => [a.type, a.data]).sort()).toEqual([
        [1, '192.139.46.66'],
        [1, '198.199.88.104'],
      ]);
    });
  }

  it('Zeek dns-txt-multiple.pcap: a TXT answer of several strings after two CNAMEs', async () => {
    const ms = await dnsMessages('zeek/testing/btest/Traces/dns-txt-multiple.pcap', 65536);
    const reply = ms.find((m) => m.qr)!;
    expect(reply.answers.map((a) => a.type)).toEqual([5, 5, 16]);
    const txt = reply.answers[2]!.data;
    expect(txt.startsWith('TXT 127 k=rsa; p=')).toBe(true);
    expect(txt.split(/ ?TXT \d+ /).filter(Boolean).length).toBeGreaterThan(1);
  });

  it('iodine capture: NULL-record queries under pirate.sea all parse', async () => {
    const ms = await dnsMessages('comnet24s-dataset/pcaps/iodine/examples.elastic.github.com.pcap', 65536);
    expect(ms.length).toBeGreaterThan(400);
    expect(ms.every((m) => m.problem === null)).toBe(true);
    const queries = ms.filter((m) => !m.qr);
    expect(queries.every((m) => m.questions[0]!.name.endsWith('pirate.sea'))).toBe(true);
    expect(queries.filter((m) => m.questions[0]!.qtype === 10).length).toBeGreaterThan(100);
  });
});
