/**
 * The transport layer: TCP, UDP, ICMP and ICMPv6 headers after an IP header,
 * with payload lengths from the IP header's lengths (as Zeek counts them). A
 * UDP packet on a tunnel port is noted for decodeInner (decode-tunnel.ts).
 */
import type { DecodedPacket } from './decoded-packet.js';
import type { FrameState } from './frame-state.js';

/** UDP tunnels Zeek decapsulates by default, by their ports (Tunnel::vxlan_ports, geneve_ports, gtpv1_ports, ayiya_ports; GRE-in-UDP, RFC 8086). */
export const VXLAN_PORT = 4789;
export const GENEVE_PORT = 6081;
export const GRE_UDP_PORT = 4754;
export const GTPU_PORT = 2152;
export const AYIYA_PORT = 5072;

/** `off`: first transport byte; `ipPayloadLen`: transport bytes per the IP header. */
export function decodeTransport(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number, proto: number, ipPayloadLen: number): void {
  const avail = s.end - off;
  p.transportOffset = off - s.base;
  if (proto === 6) {
    if (avail >= 4) {
      p.srcPort = (d[off]! << 8) | d[off + 1]!;
      p.dstPort = (d[off + 2]! << 8) | d[off + 3]!;
    }
    if (avail < 20 || ipPayloadLen < 20) {
      truncatedTransport(s, p, off);
      return;
    }
    const dataOffset = (d[off + 12]! >> 4) * 4;
    p.tcpSeq = ((d[off + 4]! << 24) | (d[off + 5]! << 16) | (d[off + 6]! << 8) | d[off + 7]!) >>> 0;
    p.tcpAck = ((d[off + 8]! << 24) | (d[off + 9]! << 16) | (d[off + 10]! << 8) | d[off + 11]!) >>> 0;
    p.tcpFlags = d[off + 13]!;
    p.tcpWindow = (d[off + 14]! << 8) | d[off + 15]!;
    if (dataOffset < 20 || dataOffset > ipPayloadLen) {
      truncatedTransport(s, p, off + 20);
      return;
    }
    p.payloadOffset = off + dataOffset - s.base;
    p.payloadLen = ipPayloadLen - dataOffset;
  } else if (proto === 17) {
    if (avail >= 4) {
      p.srcPort = (d[off]! << 8) | d[off + 1]!;
      p.dstPort = (d[off + 2]! << 8) | d[off + 3]!;
    }
    if (avail < 8 || ipPayloadLen < 8) {
      truncatedTransport(s, p, off);
      return;
    }
    p.payloadOffset = off + 8 - s.base;
    p.payloadLen = ipPayloadLen - 8;
    // UDP tunnels: by the destination port (VXLAN, Geneve, GRE-in-UDP), or either port for the
    // tunnels whose connection carries traffic both ways (GTP-U, AYIYA); decodeInner reads the header.
    const dport = p.dstPort;
    const sport = p.srcPort;
    if (!p.isFragment && off + 16 <= s.end) {
      if (dport === VXLAN_PORT || dport === GENEVE_PORT || dport === GRE_UDP_PORT) s.udpTunnelPort = dport;
      else if (dport === GTPU_PORT || sport === GTPU_PORT) s.udpTunnelPort = GTPU_PORT;
      else if (dport === AYIYA_PORT || sport === AYIYA_PORT) s.udpTunnelPort = AYIYA_PORT;
      else s.udpTunnelPort = 0;
      if (s.udpTunnelPort !== 0) s.udpTunnelAt = off + 8;
    }
  } else if (proto === 1 || proto === 58) {
    if (avail < 4 || ipPayloadLen < 4) {
      truncatedTransport(s, p, off);
      return;
    }
    const type = d[off]!;
    p.icmpType = type;
    p.icmpCode = d[off + 1]!;
    const isEcho = proto === 1 ? type === 8 || type === 0 : type === 128 || type === 129;
    if (avail < 8 || ipPayloadLen < 8) {
      truncatedTransport(s, p, off);
      return;
    }
    if (isEcho) {
      p.icmpId = (d[off + 4]! << 8) | d[off + 5]!;
      p.icmpSeq = (d[off + 6]! << 8) | d[off + 7]!;
    }
    p.payloadOffset = off + 8 - s.base;
    p.payloadLen = ipPayloadLen - 8;
  } else {
    p.payloadOffset = off - s.base;
    p.payloadLen = Math.max(ipPayloadLen, 0);
  }
}

export function truncatedTransport(s: FrameState, p: DecodedPacket, off: number): void {
  p.transportTruncated = true;
  p.payloadOffset = off - s.base;
  s.stats.truncatedTransport++;
}
