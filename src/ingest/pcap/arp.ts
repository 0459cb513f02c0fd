/**
 * ARP records from decoded packets (RFC 826: Ethernet hardware, IPv4
 * protocol addresses). The decoder only notes the operation and where the
 * ARP header starts (`arpOp`, `payloadOffset`); ARP is rare next to IP, so
 * the record is built here, off the per-packet fast path.
 *
 * Header: htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4).
 */
import type { ArpRecord } from '../../types.js';
import type { DecodedPacket } from './decoded-packet.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function readArp(p: DecodedPacket): ArpRecord {
  const d = p.data;
  const o = p.payloadOffset;
  let mac = HEX[d[o + 8]!]!;
  for (let i = 9; i < 14; i++) mac += `:${HEX[d[o + i]!]!}`;
  return {
    ts: p.tsSec,
    op: p.arpOp ?? 0,
    senderMac: mac,
    senderIp: `${d[o + 14]}.${d[o + 15]}.${d[o + 16]}.${d[o + 17]}`,
    targetIp: `${d[o + 24]}.${d[o + 25]}.${d[o + 26]}.${d[o + 27]}`,
  };
}
