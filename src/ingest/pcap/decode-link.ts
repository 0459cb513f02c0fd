/**
 * The link layer: Ethernet (802.1Q, 802.1ad/QinQ, VN-Tag, 802.1ah PBB, Cisco
 * FabricPath, 802.2 SNAP, PPPoE), MPLS, PPP, 802.11 data frames, BSD
 * loopback, and ARP; what they carry goes to the IP layer.
 */
import type { DecodedPacket } from './decoded-packet.js';
import { decodeIpByVersion, decodeIpv4, decodeIpv6 } from './decode-ip.js';
import type { FrameState } from './frame-state.js';

const MAX_VLAN_TAGS = 8;
const MAX_MPLS_LABELS = 16;

/** Dispatches on an EtherType; `off` is the first byte after it. */
export function decodeEtherType(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number, etherType: number): void {
  if (etherType === 0x0800) decodeIpv4(s, p, d, off);
  else if (etherType === 0x86dd) decodeIpv6(s, p, d, off);
  else if (etherType === 0x8847 || etherType === 0x8848) decodeMpls(s, p, d, off);
  else {
    s.stats.nonIp++;
    if (etherType === 0x0806 && s.tunnelDepth === 0) decodeArp(s, p, d, off);
  }
}

/** RFC 826 over Ethernet for IPv4 (htype 1, ptype 0x0800, 6/4-byte addresses): notes the operation and where it is. */
export function decodeArp(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number): void {
  if (off + 28 > s.end) return;
  if (d[off] !== 0 || d[off + 1] !== 1 || d[off + 2] !== 0x08 || d[off + 3] !== 0 || d[off + 4] !== 6 || d[off + 5] !== 4) return;
  const op = (d[off + 6]! << 8) | d[off + 7]!;
  if (op !== 1 && op !== 2) return;
  p.arpOp = op;
  p.payloadOffset = off - s.base;
}

/** An Ethernet frame starting at `start` (the frame itself, or one inside a GRE tunnel). */
export function decodeEthernet(s: FrameState, p: DecodedPacket, d: Uint8Array, start: number): void {
  const n = s.end;
  if (n - start < 14) {
    s.stats.cutLink++;
    return;
  }
  let off = start + 12;
  let type = (d[off]! << 8) | d[off + 1]!;
  off += 2;
  // The common case first: untagged IPv4.
  if (type === 0x0800) {
    decodeIpv4(s, p, d, off);
    return;
  }
  // Tags and encapsulations between the MAC addresses and the payload's EtherType:
  // 802.1Q/802.1ad/QinQ (TCI), VN-Tag (4-byte tag), 802.1ah PBB (I-TAG and
  // inner MACs), Cisco FabricPath (FTAG/TTL and the inner MACs).
  for (let tags = 0; tags < MAX_VLAN_TAGS; tags++) {
    let skip: number;
    if (type === 0x8100 || type === 0x88a8 || type === 0x9100) skip = 2;
    else if (type === 0x8926) skip = 4;
    else if (type === 0x88e7) skip = 16;
    else if (type === 0x8903) skip = 14;
    else break;
    if (off + skip + 2 > n) {
      s.stats.nonIp++;
      return;
    }
    type = (d[off + skip]! << 8) | d[off + skip + 1]!;
    off += skip + 2;
  }
  if (type < 0x0600) {
    // 802.3 length: 802.2 LLC; only SNAP with an EtherType can carry IP here.
    if (off + 8 <= n && d[off] === 0xaa && d[off + 1] === 0xaa && d[off + 2] === 0x03) {
      type = (d[off + 6]! << 8) | d[off + 7]!;
      off += 8;
    } else {
      s.stats.nonIp++;
      return;
    }
  }
  if (type === 0x8864) {
    // PPPoE session: ver/type, code, session id, length, then a PPP protocol.
    if (off + 8 > n) {
      s.stats.nonIp++;
      return;
    }
    decodePppProtocol(s, p, d, off + 8, (d[off + 6]! << 8) | d[off + 7]!);
    return;
  }
  decodeEtherType(s, p, d, off, type);
}

export function decodePppProtocol(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number, proto: number): void {
  if (proto === 0x0021) decodeIpv4(s, p, d, off);
  else if (proto === 0x0057) decodeIpv6(s, p, d, off);
  else s.stats.nonIp++;
}

/** A PPP frame starting at `start` (optional FF 03 address/control, then the protocol). */
export function decodePpp(s: FrameState, p: DecodedPacket, d: Uint8Array, start: number): void {
  let off = start;
  if (s.end - start >= 2 && d[start] === 0xff && d[start + 1] === 0x03) off = start + 2;
  if (off + 1 > s.end) {
    s.stats.nonIp++;
    return;
  }
  // Protocol field: 1 byte when its low bit is set (compressed), else 2 bytes.
  let proto = d[off]!;
  if ((proto & 1) === 0) {
    if (off + 2 > s.end) {
      s.stats.nonIp++;
      return;
    }
    proto = (proto << 8) | d[off + 1]!;
    off += 2;
  } else off += 1;
  decodePppProtocol(s, p, d, off, proto);
}

/** An 802.11 frame at `off`: only unencrypted data frames carry IP we can read. */
export function decodeWifi(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number): void {
  if (off + 24 > s.end) {
    s.stats.nonIp++;
    return;
  }
  const fc0 = d[off]!;
  const fc1 = d[off + 1]!;
  const type = (fc0 >> 2) & 3;
  const subtype = fc0 >> 4;
  // Data frames only (type 2), not null-data subtypes (bit 2 of the subtype), not protected.
  if (type !== 2 || (subtype & 0x4) !== 0 || (fc1 & 0x40) !== 0) {
    s.stats.nonIp++;
    return;
  }
  let hdr = 24;
  if ((fc1 & 0x03) === 0x03) hdr += 6; // four addresses (WDS)
  if ((subtype & 0x8) !== 0) {
    hdr += 2; // QoS control
    if ((fc1 & 0x80) !== 0) hdr += 4; // HT control
  }
  const llc = off + hdr;
  if (llc + 8 > s.end || d[llc] !== 0xaa || d[llc + 1] !== 0xaa || d[llc + 2] !== 0x03) {
    s.stats.nonIp++;
    return;
  }
  decodeEtherType(s, p, d, llc + 8, (d[llc + 6]! << 8) | d[llc + 7]!);
}

export function decodeMpls(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number): void {
  for (let i = 0; i < MAX_MPLS_LABELS; i++) {
    if (off + 4 > s.end) break;
    const bottom = (d[off + 2]! & 1) === 1;
    off += 4;
    if (bottom) {
      decodeIpByVersion(s, p, d, off);
      return;
    }
  }
  s.stats.nonIp++;
}

/** BSD loopback: a 4-byte address family (host order for NULL, network order for LOOP). */
export function decodeLoopback(s: FrameState, p: DecodedPacket, d: Uint8Array, bigEndian: boolean): void {
  const b = s.base;
  if (s.end - b < 4) {
    s.stats.cutLink++;
    return;
  }
  let family = bigEndian
    ? ((d[b]! << 24) | (d[b + 1]! << 16) | (d[b + 2]! << 8) | d[b + 3]!) >>> 0
    : ((d[b + 3]! << 24) | (d[b + 2]! << 16) | (d[b + 1]! << 8) | d[b]!) >>> 0;
  // NULL is in the capturing host's order, which the file does not say: take the small reading.
  if (!bigEndian && family > 0xffff) family = ((d[b]! << 24) | (d[b + 1]! << 16) | (d[b + 2]! << 8) | d[b + 3]!) >>> 0;
  if (family === 2) decodeIpv4(s, p, d, b + 4);
  // AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux).
  else if (family === 24 || family === 28 || family === 30 || family === 10) decodeIpv6(s, p, d, b + 4);
  else s.stats.nonIp++;
}
