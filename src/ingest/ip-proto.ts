/**
 * A connection's IP protocol number (FlowRecord.ipProto, Zeek's `ip_proto` column) when the input
 * does not name it: Zeek logs before version 7 and records made elsewhere have only `proto`, which
 * names TCP, UDP and ICMP and calls every other transport `unknown_transport` (ports 0).
 */
import type { FlowRecord, Proto } from '../types.js';

export const IP_PROTO_ICMP = 1;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
export const IP_PROTO_ICMP6 = 58;
/** The protocol number is not known (an `unknown_transport` record of an input without `ip_proto`). */
export const IP_PROTO_UNKNOWN = -1;

/**
 * The IP protocol number `proto` stands for: 6, 17, 1 (58 for ICMP to an IPv6 responder, as Zeek's
 * `icmp` covers ICMPv6 too), or -1 for `unknown_transport`, which could be any other.
 */
export function ipProtoOfProto(proto: Proto, respH: string): number {
  switch (proto) {
    case 'tcp':
      return IP_PROTO_TCP;
    case 'udp':
      return IP_PROTO_UDP;
    case 'icmp':
      return respH.includes(':') ? IP_PROTO_ICMP6 : IP_PROTO_ICMP;
    default:
      return IP_PROTO_UNKNOWN;
  }
}

/** The record's IP protocol number: its `ipProto` when a reader set it, else derived from `proto`. */
export function ipProtoOf(f: FlowRecord): number {
  return f.ipProto ?? ipProtoOfProto(f.proto, f.respH);
}
