/**
 * Tunnels, decapsulated as Zeek does: IP tunnels (IP-in-IP, 6in4 on request,
 * GRE with IPv4, IPv6, Ethernet, ERSPAN I-III or PPTP's PPP) replace the
 * outer packet with the inner one; UDP tunnels (VXLAN, Geneve, GRE-in-UDP,
 * GTP-U, AYIYA) give a second packet through decodeInner, after the outer
 * one. What a tunnel carries is decoded by the link and IP layers again.
 */
import type { DecodedPacket } from './decoded-packet.js';
import { decodeIpByVersion, decodeIpv4, decodeIpv6 } from './decode-ip.js';
import { decodeEtherType, decodeEthernet, decodePpp } from './decode-link.js';
import { GENEVE_PORT, GRE_UDP_PORT, GTPU_PORT, VXLAN_PORT } from './decode-transport.js';
import { type FrameState, resetPacket } from './frame-state.js';

const MAX_TUNNEL_DEPTH = 4;

/** decodeInner's marker for a GRE header (not an EtherType). */
const GRE_IN_UDP = -1;

/** A non-zero number for the unordered pair of addresses of the IP header at `d[ip]`. */
function addressPairKey(d: Uint8Array, ip: number, version: number): number {
  const n = version === 6 ? 16 : 4;
  const at = ip + (version === 6 ? 8 : 12);
  let a = 0x811c9dc5;
  let b = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    a = Math.imul(a ^ d[at + i]!, 0x01000193);
    b = Math.imul(b ^ d[at + n + i]!, 0x01000193);
  }
  return (Math.imul(a ^ b, 0x9e3779b1) + a + b) | 1;
}

/**
 * IP tunnels, as Zeek decapsulates them: IP-in-IP (4), IPv6-in-IP (41)
 * and GRE (47: IPv4, IPv6, transparent Ethernet, ERSPAN types I-III, and
 * PPTP's enhanced GRE carrying PPP). The packet then describes the inner
 * IP packet (Zeek logs the inner connection, not the GRE one) and
 * `tunnelDepth` counts the layers removed. Returns false, having changed
 * nothing, when the tunnel cannot be decoded (the outer packet stands).
 */
export function decodeTunnel(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number, proto: number): boolean {
  if (s.tunnelDepth >= MAX_TUNNEL_DEPTH) return false;
  const outerIpOffset = p.ipOffset;
  // The tunnel's identity, as Zeek tells IP tunnels apart: the outer address pair (the innermost tunnel's wins).
  const keyBefore = s.reused !== null ? s.reused.tunnelKey : 0;
  if (s.reused !== null && outerIpOffset !== undefined) s.reused.tunnelKey = addressPairKey(d, s.base + outerIpOffset, p.ipVersion);
  s.tunnelDepth++;
  if (proto === 4) decodeIpv4(s, p, d, off);
  else if (proto === 41) decodeIpv6(s, p, d, off);
  else if (!decodeGre(s, p, d, off)) {
    s.tunnelDepth--;
    if (s.reused !== null) s.reused.tunnelKey = keyBefore;
    return false;
  }
  if (p.ipOffset === outerIpOffset) {
    // The inner packet did not decode: keep the outer one.
    s.tunnelDepth--;
    if (s.reused !== null) s.reused.tunnelKey = keyBefore;
    return false;
  }
  if (p.tunnelDepth === undefined || p.tunnelDepth < s.tunnelDepth) p.tunnelDepth = s.tunnelDepth;
  return true;
}

/** A GRE header at `g`; decodes what it carries. False when the header or its payload type is not one we read. */
export function decodeGre(s: FrameState, p: DecodedPacket, d: Uint8Array, g: number): boolean {
  if (g + 4 > s.end) return false;
  const flags = d[g]!;
  const version = d[g + 1]! & 0x07;
  const type = (d[g + 2]! << 8) | d[g + 3]!;
  let h = g + 4;
  if (version === 0) {
    if ((flags & 0xc0) !== 0) h += 4; // checksum (and reserved1) present
    if ((flags & 0x20) !== 0) h += 4; // key
    if ((flags & 0x10) !== 0) h += 4; // sequence number
  } else if (version === 1) {
    // Enhanced GRE (PPTP): key (payload length, call id), optional sequence and acknowledgement.
    h += 4;
    if ((flags & 0x10) !== 0) h += 4;
    if ((d[g + 1]! & 0x80) !== 0) h += 4;
    if (type !== 0x880b || h >= s.end) return false;
    decodePpp(s, p, d, h);
    return true;
  } else return false;
  if (h >= s.end) return false;
  switch (type) {
    case 0x0800:
      decodeIpv4(s, p, d, h);
      return true;
    case 0x86dd:
      decodeIpv6(s, p, d, h);
      return true;
    case 0x6558:
      decodeEthernet(s, p, d, h);
      return true;
    case 0x88be:
      // ERSPAN type II has an 8-byte header (GRE sequence flag set); type I has none.
      decodeEthernet(s, p, d, (flags & 0x10) !== 0 ? h + 8 : h);
      return true;
    case 0x22eb:
      // ERSPAN type III: 12 bytes, plus 8 of platform-specific subheader when the O bit is set.
      if (h + 12 > s.end) return false;
      decodeEthernet(s, p, d, h + 12 + ((d[h + 11]! & 0x01) !== 0 ? 8 : 0));
      return true;
    default:
      return false;
  }
}

export function decodeInner(s: FrameState, p: DecodedPacket): boolean {
  const at = s.udpTunnelAt;
  if (at < 0) return false;
  s.udpTunnelAt = -1;
  if (s.tunnelDepth >= MAX_TUNNEL_DEPTH) return false;
  const d = s.frame;
  const kind = s.udpTunnelPort;
  // Where the carried packet starts, and what it is (an EtherType, or 0 for IP by its version nibble);
  // -1: this tunnel packet carries no user packet (a control message), and nothing more is handed over.
  let inner = -1;
  let type = 0;
  if (kind === VXLAN_PORT) {
    // Flags (I: a valid VNI), reserved, VNI, reserved; then an Ethernet frame.
    inner = at + 8;
    type = 0x6558;
  } else if (kind === GENEVE_PORT) {
    // Version and option length (4-byte words), flags, protocol type, VNI; options; then the payload.
    inner = at + 8 + (d[at]! & 0x3f) * 4;
    type = (d[at + 2]! << 8) | d[at + 3]!;
  } else if (kind === GRE_UDP_PORT) {
    inner = at;
    type = GRE_IN_UDP;
  } else if (kind === GTPU_PORT) {
    // GTPv1-U: version 1 with PT set, message type 255 (G-PDU: user data), length, TEID; with any of
    // E/S/PN set, sequence, N-PDU and next extension type, then the extension headers.
    const flags = d[at]!;
    if (flags >> 5 !== 1 || (flags & 0x10) === 0 || d[at + 1] !== 0xff) return false;
    let h = at + 8;
    if ((flags & 0x07) !== 0) {
      h += 4;
      let next = (flags & 0x04) !== 0 ? d[at + 11]! : 0;
      while (next !== 0 && h < s.end) {
        const len = d[h]! * 4;
        if (len === 0 || h + len > s.end) return false;
        next = d[h + len - 1]!;
        h += len;
      }
    }
    inner = h;
  } else {
    // AYIYA: identity length (log2) and type, signature length (4-byte words) and hash method,
    // authentication method and opcode (1: forward), next header, epoch; identity; signature.
    if ((d[at + 2]! & 0x0f) !== 1) return false;
    const next = d[at + 3]!;
    if (next !== 4 && next !== 41) return false;
    inner = at + 8 + (1 << (d[at]! >> 4)) + (d[at + 1]! >> 4) * 4;
    type = next === 4 ? 0x0800 : 0x86dd;
  }
  // Nothing behind the tunnel header (or not even an Ethernet header): no packet inside.
  if (inner + (type === 0x6558 ? 14 : 1) > s.end) return false;
  const key = type === GRE_IN_UDP && s.reused !== null ? addressPairKey(d, s.base + s.reused.ipOffset, s.reused.ipVersion) : 0;
  const depth = s.tunnelDepth + 1;
  resetPacket(p, p.linkType);
  s.tunnelDepth = depth;
  p.tunnelDepth = depth;
  if (s.reused !== null) s.reused.tunnelKey = key;
  if (type === 0x6558) decodeEthernet(s, p, d, inner);
  else if (type === GRE_IN_UDP) {
    if (!decodeGre(s, p, d, inner)) s.stats.nonIp++;
  } else if (type === 0) decodeIpByVersion(s, p, d, inner);
  else decodeEtherType(s, p, d, inner, type);
  return true;
}
