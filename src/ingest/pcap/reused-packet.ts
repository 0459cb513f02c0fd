import type { DecodedPacket } from './decoded-packet.js';
import type { AddressFormatter } from './format-address.js';

const EMPTY: Uint8Array = Buffer.alloc(0); // a Buffer like the input chunks (one kind of array for the decoders)

/**
 * The reader's one reused packet. `data` is made on first access (a
 * subarray of the input chunk): most consumers never look at the bytes, and
 * a view per packet was a third of the reader's time. `src` and `dst` are
 * formatted on first access too (from the address bytes, through the
 * decoder's cached formatter): the flow tracker keys IPv4 connections by the
 * addresses' integer values and needs the text only when a connection
 * starts, and formatting two addresses per packet was half the decode time.
 */
export class ReusedPacket implements DecodedPacket {
  // -0 makes V8 give these fields a double representation from the start
  // (they hold values beyond the small-integer range), sparing a deopt.
  tsSec = -0;
  capLen = 0;
  wireLen = 0;
  interfaceId = 0;
  linkType = 0;
  ipVersion: 0 | 4 | 6 = 0;
  ipProto = 0;
  ipLen = 0;
  isFragment = false;
  transportTruncated = false;
  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  tcpSeq = -0;
  tcpAck = -0;
  tcpWindow = 0;
  icmpType = 0;
  icmpCode = 0;
  icmpId = 0;
  icmpSeq = 0;
  payloadLen = 0;
  payloadOffset = 0;
  ipOffset = -1;
  transportOffset = -1;
  tunnelDepth = 0;
  arpOp = 0;
  frameBuf: Uint8Array = EMPTY;
  frameStart = 0;
  frameEnd = 0;
  /** Counts the frames decoded into this object: the packets of one frame (a UDP tunnel and what it carries) share it. */
  frameSeq = 0;
  /**
   * Inside an IP tunnel (IP-in-IP, GRE, ERSPAN, PPTP) or a GRE-in-UDP one, the innermost tunnel's identity
   * as Zeek compares such tunnels (the outer address pair, either way round); 0 otherwise, where the
   * tunnel (if any) is the outer UDP connection.
   */
  tunnelKey = 0;
  /** Absolute offsets in `frameBuf` of the source and destination address bytes (16 bytes each when `addrV6`, else 4). */
  srcAt = 0;
  dstAt = 0;
  addrV6 = false;
  addresses: AddressFormatter | null = null;
  private view: Uint8Array | null = EMPTY;
  /** The address texts once formatted (or assigned); null until first read. */
  private srcText: string | null = '';
  private dstText: string | null = '';

  get data(): Uint8Array {
    if (this.view === null) this.view = this.frameBuf.subarray(this.frameStart, this.frameEnd);
    return this.view;
  }

  set data(d: Uint8Array) {
    this.setFrame(d, 0, d.length);
    this.view = d;
  }

  get src(): string {
    if (this.srcText === null) this.srcText = this.formatAddress(this.srcAt);
    return this.srcText;
  }

  set src(s: string) {
    this.srcText = s;
  }

  get dst(): string {
    if (this.dstText === null) this.dstText = this.formatAddress(this.dstAt);
    return this.dstText;
  }

  set dst(s: string) {
    this.dstText = s;
  }

  setFrame(buf: Uint8Array, start: number, end: number): void {
    this.frameBuf = buf;
    this.frameStart = start;
    this.frameEnd = end;
    this.view = null;
  }

  /** The packet's addresses are the bytes at `srcAt` and `dstAt` of the frame buffer, formatted when read. */
  setAddresses(srcAt: number, dstAt: number, v6: boolean, addresses: AddressFormatter): void {
    this.srcAt = srcAt;
    this.dstAt = dstAt;
    this.addrV6 = v6;
    this.addresses = addresses;
    this.srcText = null;
    this.dstText = null;
  }

  private formatAddress(at: number): string {
    const f = this.addresses!;
    return this.addrV6 ? f.formatIpv6(this.frameBuf, at) : f.formatIpv4(this.frameBuf, at);
  }
}
