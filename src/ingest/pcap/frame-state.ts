/**
 * The state the per-layer decoders share while one frame is decoded
 * (decode-link.ts → decode-ip.ts → decode-transport.ts, and decode-tunnel.ts
 * back down into link and IP for what a tunnel carries): where the frame
 * lies in its buffer, how many tunnel layers were removed, the reader's
 * reused packet, the UDP tunnel noted for decodeInner, and the counters.
 * One object per decoder (createFrameDecoder), reset for every frame.
 */
import type { DecodedPacket } from './decoded-packet.js';
import type { AddressFormatter } from './format-address.js';
import type { IpReassembler, ReassemblyStats } from './ip-reassembly.js';
import type { ReusedPacket } from './reused-packet.js';

/** Counters of what the decoder met; read them after (or during) a run. */
export interface DecodeStats extends ReassemblyStats {
  /** Frames whose link layer carried something other than IPv4/IPv6 (ARP, LLDP, ...). */
  nonIp: number;
  /** Frames shorter than their link-layer header (zero-length and cut frames): nothing in them to decode. */
  cutLink: number;
  /** IPv4/IPv6 fragments (any fragment, first or later); see ReassemblyStats for what became of them. */
  fragments: number;
  /** IP headers that were cut by the snap length or malformed (bad version, IHL, lengths). */
  badIp: number;
  /** Transport headers cut by the snap length or malformed. */
  truncatedTransport: number;
  /** Frames of link types the decoder does not know, per link type. */
  unknownLinkTypes: Map<number, number>;
}

/** Decodes the IP tunnel (IP-in-IP, 6in4, GRE) at `off`; false, having changed nothing, when it cannot (decode-tunnel.ts). */
export type IpTunnelDecoder = (s: FrameState, p: DecodedPacket, d: Uint8Array, off: number, proto: number) => boolean;

export class FrameState {
  /** Start and end (exclusive) in the buffer of the frame being decoded; every offset the decoders use is absolute in it. */
  base = 0;
  end = 0;
  /** IP tunnel layers removed so far in the frame being decoded. */
  tunnelDepth = 0;
  /** The packet being filled when it is the reader's own (addresses then formatted lazily), else null. */
  reused: ReusedPacket | null = null;
  /** The frame's bytes, and where a UDP tunnel's header starts in them (-1: none) and which tunnel it is (its port). */
  frame: Uint8Array = Buffer.alloc(0); // a Buffer like the input chunks (one kind of array for the decoders)
  udpTunnelAt = -1;
  udpTunnelPort = 0;

  constructor(
    readonly stats: DecodeStats,
    readonly addresses: AddressFormatter,
    readonly reassembler: IpReassembler | null,
    readonly decapsulate6in4: boolean,
    readonly verifyFragmentChecksums: boolean,
    /** The IP layer reaches the tunnel layer through this (the tunnel layer imports the IP layer). */
    readonly decodeIpTunnel: IpTunnelDecoder,
  ) {}
}

/** Every decoded field of `p` back to its "nothing decoded" value. */
export function resetPacket(p: DecodedPacket, linkType: number): void {
  p.linkType = linkType;
  p.ipVersion = 0;
  p.src = '';
  p.dst = '';
  p.ipProto = 0;
  p.ipLen = 0;
  p.isFragment = false;
  p.transportTruncated = false;
  p.srcPort = 0;
  p.dstPort = 0;
  p.tcpFlags = 0;
  p.tcpSeq = 0;
  p.tcpAck = 0;
  p.tcpWindow = 0;
  p.icmpType = 0;
  p.icmpCode = 0;
  p.icmpId = 0;
  p.icmpSeq = 0;
  p.payloadLen = 0;
  p.payloadOffset = 0;
  p.ipOffset = -1;
  p.transportOffset = -1;
  p.tunnelDepth = 0;
  p.arpOp = 0;
}
