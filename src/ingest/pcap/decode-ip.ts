/**
 * The IP layer: IPv4 (options, fragments) and IPv6 (extension headers,
 * fragments), addresses and lengths as Zeek takes them; fragments go to the
 * reassembler and a completed datagram is decoded in place of the fragment
 * that completed it. IP tunnels are handed to the tunnel layer
 * (`s.decodeIpTunnel`), the rest to the transport layer.
 */
import type { DecodedPacket } from './decoded-packet.js';
import { decodeTransport } from './decode-transport.js';
import type { FrameState } from './frame-state.js';
import { ipv4HeaderChecksumOk } from './verify-checksum.js';

const MAX_IPV6_EXT_HEADERS = 16;

export function decodeIpByVersion(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number): void {
  if (off >= s.end) {
    s.stats.cutLink++;
    return;
  }
  const v = d[off]! >> 4;
  if (v === 4) decodeIpv4(s, p, d, off);
  else if (v === 6) decodeIpv6(s, p, d, off);
  else s.stats.nonIp++;
}

export function decodeIpv4(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number): void {
  const n = s.end;
  if (off + 20 > n) {
    s.stats.badIp++;
    return;
  }
  const vihl = d[off]!;
  const ihl = (vihl & 0x0f) * 4;
  if (vihl >> 4 !== 4 || ihl < 20 || off + ihl > n) {
    s.stats.badIp++;
    return;
  }
  let totalLen = (d[off + 2]! << 8) | d[off + 3]!;
  // 0 happens with TCP segmentation offload; Zeek then uses the captured length.
  if (totalLen === 0) totalLen = n - off;
  if (totalLen < ihl) {
    s.stats.badIp++;
    return;
  }
  p.ipVersion = 4;
  p.ipOffset = off - s.base;
  if (s.reused !== null) s.reused.setAddresses(off + 12, off + 16, false, s.addresses);
  else {
    p.src = s.addresses.formatIpv4(d, off + 12);
    p.dst = s.addresses.formatIpv4(d, off + 16);
  }
  const proto = d[off + 9]!;
  p.ipProto = proto;
  p.ipLen = totalLen;
  const fragField = (d[off + 6]! << 8) | d[off + 7]!;
  const fragOffset = fragField & 0x1fff;
  if ((fragField & 0x2000) !== 0 || fragOffset !== 0) {
    p.isFragment = true;
    s.stats.fragments++;
    // Held for reassembly when captured whole (Zeek decodes a fragment cut by the snap length alone).
    if (s.reassembler !== null && off + totalLen <= n) {
      if (s.verifyFragmentChecksums && !ipv4HeaderChecksumOk(d, off, ihl)) {
        s.stats.fragmentsDropped++;
        return;
      }
      const datagram = s.reassembler.addIpv4(d, off, ihl, totalLen, p.tsSec);
      if (datagram !== null) decodeReassembled(s, p, datagram);
      return;
    }
    if (fragOffset !== 0) return;
  }
  if ((proto === 4 || proto === 47 || (proto === 41 && s.decapsulate6in4)) && s.decodeIpTunnel(s, p, d, off + ihl, proto)) return;
  decodeTransport(s, p, d, off + ihl, proto, totalLen - ihl);
}

export function decodeIpv6(s: FrameState, p: DecodedPacket, d: Uint8Array, off: number): void {
  const n = s.end;
  if (off + 40 > n || d[off]! >> 4 !== 6) {
    s.stats.badIp++;
    return;
  }
  let payloadLen = (d[off + 4]! << 8) | d[off + 5]!;
  // 0 is a jumbogram (or TSO): use what was captured.
  if (payloadLen === 0) payloadLen = n - off - 40;
  p.ipVersion = 6;
  p.ipOffset = off - s.base;
  if (s.reused !== null) s.reused.setAddresses(off + 8, off + 24, true, s.addresses);
  else {
    p.src = s.addresses.formatIpv6(d, off + 8);
    p.dst = s.addresses.formatIpv6(d, off + 24);
  }
  p.ipLen = 40 + payloadLen;
  let next = d[off + 6]!;
  /** Where the byte naming the header at `hdr` is (for reassembly). */
  let nextAt = off + 6;
  let hdr = off + 40;
  let remaining = payloadLen;
  for (let i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
    if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
      // Hop-by-hop, routing, destination options, mobility, HIP, shim6: (len + 1) * 8 bytes.
      if (hdr + 2 > n) {
        truncatedIp(s, p, next);
        return;
      }
      const len = (d[hdr + 1]! + 1) * 8;
      next = d[hdr]!;
      nextAt = hdr;
      hdr += len;
      remaining -= len;
    } else if (next === 51) {
      // Authentication header: (len + 2) * 4 bytes.
      if (hdr + 2 > n) {
        truncatedIp(s, p, next);
        return;
      }
      const len = (d[hdr + 1]! + 2) * 4;
      next = d[hdr]!;
      nextAt = hdr;
      hdr += len;
      remaining -= len;
    } else if (next === 44) {
      if (hdr + 8 > n) {
        truncatedIp(s, p, next);
        return;
      }
      const fragField = (d[hdr + 2]! << 8) | d[hdr + 3]!;
      const fragAt = hdr;
      const namingAt = nextAt;
      next = d[hdr]!;
      nextAt = hdr;
      hdr += 8;
      remaining -= 8;
      const fragOffset = fragField >> 3;
      if (fragOffset !== 0 || (fragField & 1) !== 0) {
        p.isFragment = true;
        s.stats.fragments++;
        if (s.reassembler !== null && remaining >= 0 && off + 40 + payloadLen <= n) {
          const datagram = s.reassembler.addIpv6(d, off, namingAt, fragAt, off + 40 + payloadLen, p.tsSec);
          p.ipProto = next;
          if (datagram !== null) decodeReassembled(s, p, datagram);
          return;
        }
        if (fragOffset !== 0) {
          p.ipProto = next;
          return;
        }
      }
    } else break;
    if (remaining < 0) {
      s.stats.badIp++;
      p.ipProto = next;
      p.transportTruncated = true;
      return;
    }
  }
  p.ipProto = next;
  if ((next === 4 || next === 47 || (next === 41 && s.decapsulate6in4)) && s.decodeIpTunnel(s, p, d, hdr, next)) return;
  decodeTransport(s, p, d, hdr, next, remaining);
}

/**
 * Decodes a datagram the reassembler made whole in place of the fragment
 * that completed it: the datagram becomes the packet's frame (from its IP
 * header; captured and wire length its length).
 */
export function decodeReassembled(s: FrameState, p: DecodedPacket, datagram: Uint8Array): void {
  s.frame = datagram;
  s.base = 0;
  s.end = datagram.length;
  s.udpTunnelAt = -1;
  if (s.reused !== null) s.reused.setFrame(datagram, 0, datagram.length);
  else p.data = datagram;
  p.capLen = datagram.length;
  p.wireLen = datagram.length;
  p.isFragment = false;
  if (datagram[0]! >> 4 === 4) decodeIpv4(s, p, datagram, 0);
  else decodeIpv6(s, p, datagram, 0);
}

export function truncatedIp(s: FrameState, p: DecodedPacket, next: number): void {
  p.ipProto = next;
  p.transportTruncated = true;
  s.stats.truncatedTransport++;
}
