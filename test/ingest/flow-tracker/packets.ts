/** Hand-built DecodedPackets for flow tracker tests. */
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export function packet(fields: Partial<DecodedPacket>): DecodedPacket {
  const p: DecodedPacket = {
    tsSec: 1000,
    capLen: 0,
    wireLen: 0,
    interfaceId: 0,
    linkType: 1,
    ipVersion: 4,
    src: '10.0.0.1',
    dst: '10.0.0.2',
    ipProto: 6,
    ipLen: 40,
    isFragment: false,
    transportTruncated: false,
    srcPort: 0,
    dstPort: 0,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    tcpWindow: 65535,
    icmpType: 0,
    icmpCode: 0,
    icmpId: 0,
    icmpSeq: 0,
    payloadLen: 0,
    payloadOffset: 0,
    data: new Uint8Array(0),
    ...fields,
  };
  // capLen is the captured length of the frame, i.e. of `data`.
  p.capLen = p.data.length;
  p.wireLen = p.data.length;
  return p;
}

/** A TCP segment from a:aport to b:bport with a payload of `len` bytes (IPv4, 20-byte TCP header). */
export function tcp(
  tsSec: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  flags: number,
  seq: number,
  ack: number,
  len = 0,
): DecodedPacket {
  // A whole frame (Ethernet + IPv4 + TCP headers + payload) was captured.
  return packet({
    tsSec,
    src,
    dst,
    srcPort,
    dstPort,
    ipProto: 6,
    tcpFlags: flags,
    tcpSeq: seq >>> 0,
    tcpAck: ack >>> 0,
    payloadLen: len,
    ipLen: 40 + len,
    payloadOffset: 54,
    data: new Uint8Array(54 + len),
  });
}

export function udp(tsSec: number, src: string, srcPort: number, dst: string, dstPort: number, len: number, payload?: Uint8Array): DecodedPacket {
  const data = payload ? concatHeader(42, payload) : new Uint8Array(0);
  return packet({ tsSec, src, dst, srcPort, dstPort, ipProto: 17, payloadLen: len, ipLen: 28 + len, payloadOffset: payload ? 42 : 0, data });
}

export function icmp(tsSec: number, src: string, dst: string, type: number, code: number, id: number, seq: number, len: number): DecodedPacket {
  return packet({
    tsSec,
    src,
    dst,
    ipProto: 1,
    icmpType: type,
    icmpCode: code,
    icmpId: id,
    icmpSeq: seq,
    payloadLen: len,
    ipLen: 28 + len,
    payloadOffset: 42,
    data: new Uint8Array(42 + len),
  });
}

function concatHeader(headerBytes: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerBytes + payload.length);
  out.set(payload, headerBytes);
  return out;
}
