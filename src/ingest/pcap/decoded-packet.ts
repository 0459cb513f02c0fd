/**
 * One decoded packet as the capture reader hands it to the flow tracker.
 *
 * The reader reuses one object for every packet (the fast path allocates
 * nothing per packet; `data` is a view made only when read, and `src`/`dst`
 * are formatted, through a cache, only when read): a consumer must copy what
 * it keeps before returning from the callback. Spreading the reader's object
 * (`{ ...p }`) does not copy `data`, `src` or `dst` (getters): take them
 * explicitly, as `{ ...p, src: p.src, dst: p.dst, data: p.data.slice() }`.
 */
export interface DecodedPacket {
  /** Seconds since the epoch (double, µs or ns resolution as the capture has it). */
  tsSec: number;
  /** Captured bytes of the frame (may be less than wireLen). */
  capLen: number;
  /** Original length on the wire. */
  wireLen: number;
  /** pcapng interface index (0 for classic pcap). */
  interfaceId: number;
  /** LINKTYPE_* of the frame's interface. */
  linkType: number;
  /** 4 or 6 for IP packets, 0 when the frame carries no (decodable) IP. */
  ipVersion: 0 | 4 | 6;
  /** Source and destination addresses in Zeek's text form (IPv6 compressed, lower case). */
  src: string;
  dst: string;
  /** IP protocol number of the transport (after IPv6 extension headers): 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6. */
  ipProto: number;
  /** IP header + payload length from the IP header (Zeek's *_ip_bytes counts this). */
  ipLen: number;
  /** True for any IPv4/IPv6 fragment (MF set or offset > 0); transport fields are unset then unless offset is 0. */
  isFragment: boolean;
  /** True when the transport header was cut by the snap length or is malformed. */
  transportTruncated: boolean;
  srcPort: number;
  dstPort: number;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20). */
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  tcpWindow: number;
  icmpType: number;
  icmpCode: number;
  /**
   * ICMP echo identifier and sequence (0 for other ICMP messages). For ICMP
   * `payloadLen` is the IP payload minus the 8-byte ICMP header (the echo
   * data for echo messages).
   */
  icmpId: number;
  icmpSeq: number;
  /** Transport payload length computed from the IP length (not the captured length). */
  payloadLen: number;
  /** Offset in `data` of the first transport payload byte (may be ≥ capLen when cut). */
  payloadOffset: number;
  /** The captured frame bytes; valid only during the callback. */
  data: Uint8Array;
  /**
   * Offset in `data` of the IP header, -1 when no IP header was decoded.
   * Always set by the capture reader; optional for hand-built packets.
   */
  ipOffset?: number;
  /** Offset in `data` of the transport (TCP/UDP/ICMP) header, -1 when none (e.g. later fragments). */
  transportOffset?: number;
  /**
   * Tunnel layers (IP-in-IP, 6in4, GRE, ERSPAN, PPTP; VXLAN, Geneve,
   * GRE-in-UDP, GTP-U, AYIYA) the reader removed to reach the addresses and
   * ports above (0 for a plain packet). Zeek, too, logs the inner connection
   * of such tunnels; of a UDP tunnel it logs the tunnel's UDP connection as
   * well, so the reader hands over the outer packet first, then the inner one
   * with the same frame. Teredo is not decapsulated.
   */
  tunnelDepth?: number;
  /**
   * An Ethernet/IPv4 ARP packet (ipVersion 0): its operation (1 request, 2
   * reply), with the ARP header at `payloadOffset` in `data`; 0 or absent
   * for every other packet. Read by pcap/arp.ts.
   */
  arpOp?: number;
}

export type PacketHandler = (p: DecodedPacket) => void;

/**
 * The capture reader's own packet object (see `isReaderPacket` in
 * decode-frame.ts): its frame is `frameBuf[frameStart...]`, and `ipOffset`
 * and `transportOffset` are relative to `frameStart`. Consumers on the fast
 * path read the header bytes there, without making the `data` view; valid
 * only during the callback.
 */
export interface ReaderPacket extends DecodedPacket {
  readonly frameBuf: Uint8Array;
  readonly frameStart: number;
  /** End of the frame in `frameBuf` (`data` is `frameBuf[frameStart, frameEnd)`). */
  readonly frameEnd: number;
  /** The same for every packet taken from one frame (a UDP tunnel's packet, then the packets it carries). */
  readonly frameSeq: number;
  /**
   * Inside an IP tunnel (IP-in-IP, GRE, ERSPAN, PPTP) or a GRE-in-UDP one: the innermost tunnel's
   * identity by its outer address pair, as Zeek tells such tunnels apart; 0 otherwise (inside a VXLAN,
   * Geneve, GTP-U or AYIYA tunnel the tunnel is the UDP connection of the packet handed over before).
   */
  readonly tunnelKey: number;
  ipOffset: number;
  tunnelDepth: number;
}
