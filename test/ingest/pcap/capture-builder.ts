/**
 * Builds small captures in memory for the tests: frames (Ethernet, IPv4,
 * IPv6, TCP, UDP, ICMP) and files (classic pcap in both byte orders with µs
 * or ns timestamps; pcapng sections, interfaces, packet blocks).
 */

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function u16be(v: number): Uint8Array {
  return bytes((v >> 8) & 0xff, v & 0xff);
}

export function u32be(v: number): Uint8Array {
  return bytes((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function u16(v: number, le: boolean): Uint8Array {
  return le ? bytes(v & 0xff, (v >> 8) & 0xff) : u16be(v);
}

function u32(v: number, le: boolean): Uint8Array {
  return le ? bytes(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff) : u32be(v);
}

export function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/** Parses an IPv6 text (with "::") into 16 bytes. */
export function ipv6Bytes(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((w) => Number.parseInt(w, 16));
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

export interface TcpSpec {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  /** Extra option bytes (padded to 4 by the caller). */
  options?: Uint8Array;
  payload?: Uint8Array;
}

export function tcpSegment(s: TcpSpec): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const hdrLen = 20 + opts.length;
  return concatBytes([
    u16be(s.srcPort),
    u16be(s.dstPort),
    u32be(s.seq ?? 0),
    u32be(s.ack ?? 0),
    bytes((hdrLen / 4) << 4, s.flags ?? 0),
    u16be(s.window ?? 65535),
    bytes(0, 0, 0, 0),
    opts,
    s.payload ?? new Uint8Array(0),
  ]);
}

export function udpDatagram(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  return concatBytes([u16be(srcPort), u16be(dstPort), u16be(8 + payload.length), bytes(0, 0), payload]);
}

export function icmpMessage(type: number, code: number, id: number, seq: number, payload: Uint8Array): Uint8Array {
  return concatBytes([bytes(type, code, 0, 0), u16be(id), u16be(seq), payload]);
}

export interface Ipv4Spec {
  src: string;
  dst: string;
  proto: number;
  /** Flags+fragment offset field (MF 0x2000, offset in 8-byte units). */
  frag?: number;
  /** Identification (default 0x1234). */
  id?: number;
  /** Overrides the total length field. */
  totalLen?: number;
  /** Option bytes (multiple of 4). */
  options?: Uint8Array;
  ttl?: number;
}

export function ipv4Packet(s: Ipv4Spec, payload: Uint8Array): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const ihl = 20 + opts.length;
  return concatBytes([
    bytes(0x40 | (ihl / 4), 0),
    u16be(s.totalLen ?? ihl + payload.length),
    u16be(s.id ?? 0x1234),
    u16be(s.frag ?? 0),
    bytes(s.ttl ?? 64, s.proto),
    bytes(0, 0),
    ipv4Bytes(s.src),
    ipv4Bytes(s.dst),
    opts,
    payload,
  ]);
}

/** An IPv6 packet; `extensions` are raw extension headers whose first byte (next header) the caller sets. */
export function ipv6Packet(src: string, dst: string, nextHeader: number, payload: Uint8Array, extensions: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes([
    bytes(0x60, 0, 0, 0),
    u16be(extensions.length + payload.length),
    bytes(nextHeader, 64),
    ipv6Bytes(src),
    ipv6Bytes(dst),
    extensions,
    payload,
  ]);
}

export const MAC_A = bytes(0x00, 0x11, 0x22, 0x33, 0x44, 0x55);
export const MAC_B = bytes(0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb);

/** Ethernet II frame; `tags` are 802.1Q/802.1ad TPIDs to insert (each with VLAN id 100+i). */
export function ethernetFrame(etherType: number, payload: Uint8Array, tags: number[] = []): Uint8Array {
  const tagBytes = tags.map((tpid, i) => concatBytes([u16be(tpid), u16be(100 + i)]));
  return concatBytes([MAC_B, MAC_A, ...tagBytes, u16be(etherType), payload]);
}

export interface PcapPacket {
  tsSec: number;
  /** Sub-second part in the file's unit (µs or ns). */
  frac: number;
  data: Uint8Array;
  /** Original length (defaults to data length). */
  wireLen?: number;
}

export interface PcapFileSpec {
  littleEndian?: boolean;
  nano?: boolean;
  linkType?: number;
  snapLen?: number;
}

export function pcapFile(spec: PcapFileSpec, packets: readonly PcapPacket[]): Uint8Array {
  const le = spec.littleEndian ?? true;
  const magic = spec.nano ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts: Uint8Array[] = [
    u32(magic, le),
    u16(2, le),
    u16(4, le),
    u32(0, le),
    u32(0, le),
    u32(spec.snapLen ?? 262144, le),
    u32(spec.linkType ?? 1, le),
  ];
  for (const p of packets) {
    parts.push(u32(p.tsSec, le), u32(p.frac, le), u32(p.data.length, le), u32(p.wireLen ?? p.data.length, le), p.data);
  }
  return concatBytes(parts);
}

/** A pcapng block with the given type and body (padded to 4 bytes). */
export function pcapngBlock(type: number, body: Uint8Array, le = true): Uint8Array {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  return concatBytes([u32(type, le), u32(len, le), body, new Uint8Array(pad), u32(len, le)]);
}

export function pcapngOption(code: number, value: Uint8Array, le = true): Uint8Array {
  const pad = (4 - (value.length % 4)) % 4;
  return concatBytes([u16(code, le), u16(value.length, le), value, new Uint8Array(pad)]);
}

export function pcapngSection(le = true): Uint8Array {
  return pcapngBlock(0x0a0d0d0a, concatBytes([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), u32(0xffffffff, le), u32(0xffffffff, le)]), le);
}

export interface InterfaceSpec {
  linkType: number;
  snapLen?: number;
  /** Raw if_tsresol byte (6 = µs, 9 = ns, 0x80|20 = 2^-20 s). */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
}

export function pcapngInterface(s: InterfaceSpec, le = true): Uint8Array {
  const opts: Uint8Array[] = [];
  if (s.tsresol !== undefined) opts.push(pcapngOption(9, bytes(s.tsresol), le));
  if (s.tsoffset !== undefined) {
    const lo = s.tsoffset >>> 0;
    const hi = Math.floor(s.tsoffset / 4294967296) >>> 0;
    opts.push(pcapngOption(14, le ? concatBytes([u32(lo, le), u32(hi, le)]) : concatBytes([u32(hi, le), u32(lo, le)]), le));
  }
  if (opts.length > 0) opts.push(pcapngOption(0, new Uint8Array(0), le));
  return pcapngBlock(1, concatBytes([u16(s.linkType, le), u16(0, le), u32(s.snapLen ?? 0, le), ...opts]), le);
}

/** Enhanced packet block; `ts` is in the interface's units. */
export function pcapngEnhancedPacket(ifaceId: number, ts: bigint, data: Uint8Array, le = true, wireLen = data.length): Uint8Array {
  const hi = Number(ts >> 32n);
  const lo = Number(ts & 0xffffffffn);
  return pcapngBlock(6, concatBytes([u32(ifaceId, le), u32(hi, le), u32(lo, le), u32(data.length, le), u32(wireLen, le), data]), le);
}

export function pcapngSimplePacket(data: Uint8Array, le = true, wireLen = data.length): Uint8Array {
  return pcapngBlock(3, concatBytes([u32(wireLen, le), data]), le);
}

export function pcapngObsoletePacket(ifaceId: number, ts: bigint, data: Uint8Array, le = true): Uint8Array {
  const hi = Number(ts >> 32n);
  const lo = Number(ts & 0xffffffffn);
  return pcapngBlock(2, concatBytes([u16(ifaceId, le), u16(0, le), u32(hi, le), u32(lo, le), u32(data.length, le), u32(data.length, le), data]), le);
}
