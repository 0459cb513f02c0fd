// Packet captures for the benchmarks (classic pcap, little-endian, µs,
// Ethernet), written under bench-data/ (gitignored), never committed.
//   realistic: 3,000 clients, 1,500 servers picked with Zipf-like popularity
//              (s = 1), 400 sessions interleaved; 60% complete TCP sessions
//              (handshake, request, 1-8 response segments, FIN teardown), a
//              few resets, rejections and unanswered SYNs; 30% DNS query and
//              answer to two resolvers; 10% ICMP echo pairs.
//   per-packet: the worst case for a flow tracker: every packet a new flow
//              (a TCP SYN or a UDP datagram from a random address and port).
//   flood:     a spoofed SYN flood: every packet a SYN from a random source
//              address and port to one of 4 target ports of one host.
import { closeSync, existsSync, openSync, renameSync, writeSync } from 'node:fs';

function seeded(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function zipfPicker(n, rnd) {
  const cdf = new Float64Array(n);
  let h = 0;
  for (let i = 0; i < n; i++) cdf[i] = h += 1 / (i + 1);
  return () => {
    const x = rnd() * h;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function createPcapWriter(path, usPerPacket, rnd) {
  const BUF = 16 << 20;
  const buf = Buffer.alloc(BUF);
  const fd = openSync(path, 'w');
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(262144, 16);
  buf.writeUInt32LE(1, 20);
  let o = 24;
  let tsUs = 1795132800 * 1e6;
  let ipId = 0;
  const w = {
    packets: 0,
    frame(src, dst, proto, l4Len, l4) {
      const ipLen = 20 + l4Len;
      const capLen = 14 + ipLen;
      if (o + 16 + capLen > BUF) {
        writeSync(fd, buf, 0, o);
        o = 0;
      }
      tsUs += 1 + Math.floor(rnd() * 2 * usPerPacket);
      buf.writeUInt32LE(Math.floor(tsUs / 1e6), o);
      buf.writeUInt32LE(tsUs % 1e6, o + 4);
      buf.writeUInt32LE(capLen, o + 8);
      buf.writeUInt32LE(capLen, o + 12);
      let p = o + 16;
      buf.fill(0x02, p, p + 12);
      buf.writeUInt16BE(0x0800, p + 12);
      p += 14;
      buf[p] = 0x45;
      buf[p + 1] = 0;
      buf.writeUInt16BE(ipLen, p + 2);
      buf.writeUInt16BE(ipId++ & 0xffff, p + 4);
      buf.writeUInt16BE(0x4000, p + 6);
      buf[p + 8] = 64;
      buf[p + 9] = proto;
      buf.writeUInt16BE(0, p + 10);
      buf.writeUInt32BE(src >>> 0, p + 12);
      buf.writeUInt32BE(dst >>> 0, p + 16);
      l4(buf, p + 20);
      o = p + ipLen;
      w.packets++;
    },
    tcp(src, dst, sport, dport, seq, ack, flags, payloadLen) {
      w.frame(src, dst, 6, 20 + payloadLen, (b, at) => {
        b.writeUInt16BE(sport, at);
        b.writeUInt16BE(dport, at + 2);
        b.writeUInt32BE(seq >>> 0, at + 4);
        b.writeUInt32BE(ack >>> 0, at + 8);
        b[at + 12] = 0x50;
        b[at + 13] = flags;
        b.writeUInt16BE(64240, at + 14);
        b.writeUInt32BE(0, at + 16);
        b.fill(0x41, at + 20, at + 20 + payloadLen);
      });
    },
    udp(src, dst, sport, dport, payload) {
      w.frame(src, dst, 17, 8 + payload.length, (b, at) => {
        b.writeUInt16BE(sport, at);
        b.writeUInt16BE(dport, at + 2);
        b.writeUInt16BE(8 + payload.length, at + 4);
        b.writeUInt16BE(0, at + 6);
        payload.copy(b, at + 8);
      });
    },
    icmp(src, dst, type, id, seq, payloadLen) {
      w.frame(src, dst, 1, 8 + payloadLen, (b, at) => {
        b[at] = type;
        b[at + 1] = 0;
        b.writeUInt16BE(0, at + 2);
        b.writeUInt16BE(id, at + 4);
        b.writeUInt16BE(seq, at + 6);
        b.fill(0x61, at + 8, at + 8 + payloadLen);
      });
    },
    close() {
      writeSync(fd, buf, 0, o);
      closeSync(fd);
    },
  };
  return w;
}

function dnsMessage(id, name, response) {
  const labels = name.split('.');
  const parts = [Buffer.from([id >> 8, id & 255, response ? 0x81 : 0x01, response ? 0x80 : 0x00, 0, 1, 0, response ? 1 : 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  if (response) parts.push(Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 93, 184, 216, 34]));
  return Buffer.concat(parts);
}

const ip = (a, b, c, d) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

export function generateCapture(path, packets, kind) {
  if (existsSync(path)) return false;
  const rnd = seeded(kind === 'realistic' ? 7 : kind === 'flood' ? 77 : 777);
  const int = (n) => Math.floor(rnd() * n);
  const tmp = `${path}.tmp`;
  if (kind === 'realistic') {
    const w = createPcapWriter(tmp, 300, rnd);
    const clients = Array.from({ length: 3000 }, () => ip(10, int(8), int(256), 1 + int(254)));
    const servers = Array.from({ length: 1500 }, () => ip(1 + int(223), int(256), int(256), 1 + int(254)));
    const serverPort = servers.map(() => [443, 443, 443, 443, 80, 80, 22, 8080, 993, 25][int(10)]);
    const pick = zipfPicker(servers.length, rnd);
    const resolvers = [ip(10, 0, 0, 53), ip(10, 0, 0, 54)];
    const names = Array.from({ length: 4000 }, (_, i) => `host${i}.example${i % 97}.com`);
    const pickName = zipfPicker(names.length, rnd);
    function* tcpSession() {
      const c = clients[int(clients.length)];
      const si = pick();
      const s = servers[si];
      const cp = 1024 + int(64000);
      const sp = serverPort[si];
      let cs = int(2 ** 32);
      let ss = int(2 ** 32);
      const r = rnd();
      w.tcp(c, s, cp, sp, cs, 0, 0x02, 0);
      yield;
      if (r < 0.02) return;
      if (r < 0.04) {
        w.tcp(s, c, sp, cp, 0, cs + 1, 0x14, 0);
        return;
      }
      w.tcp(s, c, sp, cp, ss, cs + 1, 0x12, 0);
      yield;
      cs++;
      ss++;
      w.tcp(c, s, cp, sp, cs, ss, 0x10, 0);
      yield;
      const req = 60 + int(500);
      w.tcp(c, s, cp, sp, cs, ss, 0x18, req);
      cs += req;
      yield;
      for (let i = 0, n = 1 + int(8); i < n; i++) {
        const len = 200 + int(1260);
        w.tcp(s, c, sp, cp, ss, cs, 0x10, len);
        ss += len;
        yield;
        if (i % 2 === 1) {
          w.tcp(c, s, cp, sp, cs, ss, 0x10, 0);
          yield;
        }
      }
      if (r < 0.07) {
        w.tcp(c, s, cp, sp, cs, ss, 0x04, 0);
        return;
      }
      w.tcp(c, s, cp, sp, cs, ss, 0x11, 0);
      yield;
      w.tcp(s, c, sp, cp, ss, cs + 1, 0x11, 0);
      yield;
      w.tcp(c, s, cp, sp, cs + 1, ss + 1, 0x10, 0);
    }
    function* dnsSession() {
      const c = clients[int(clients.length)];
      const r = resolvers[int(2)];
      const cp = 1024 + int(64000);
      const id = int(65536);
      const name = names[pickName()];
      w.udp(c, r, cp, 53, dnsMessage(id, name, false));
      yield;
      w.udp(r, c, 53, cp, dnsMessage(id, name, true));
    }
    function* icmpSession() {
      const c = clients[int(clients.length)];
      const s = servers[pick()];
      const id = int(65536);
      for (let seq = 1, n = 1 + int(4); seq <= n; seq++) {
        w.icmp(c, s, 8, id, seq, 56);
        yield;
        w.icmp(s, c, 0, id, seq, 56);
        yield;
      }
    }
    const next = () => {
      const r = rnd();
      return r < 0.6 ? tcpSession() : r < 0.9 ? dnsSession() : icmpSession();
    };
    const active = Array.from({ length: 400 }, next);
    while (w.packets < packets) {
      const i = int(active.length);
      if (active[i].next().done) active[i] = next();
    }
    w.close();
  } else {
    const w = createPcapWriter(tmp, kind === 'flood' ? 20 : 100, rnd);
    const target = ip(10, 0, 0, 80);
    const targetPorts = [80, 443, 22, 8080];
    const payload = Buffer.alloc(32, 0x42);
    for (let i = 0; i < packets; i++) {
      const src = ip(1 + int(223), int(256), int(256), 1 + int(254));
      const sport = 1024 + int(64512);
      if (kind === 'flood') w.tcp(src, target, sport, targetPorts[int(4)], int(2 ** 32), 0, 0x02, 0);
      else {
        const dst = ip(10, int(8), int(256), 1 + int(254));
        if (rnd() < 0.5) w.tcp(src, dst, sport, 1 + int(65535), int(2 ** 32), 0, 0x02, 0);
        else w.udp(src, dst, sport, 1 + int(65535), payload);
      }
    }
    w.close();
  }
  renameSync(tmp, path);
  return true;
}
