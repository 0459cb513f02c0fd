/**
 * Zeek's ICMP "counterpart" types (`ICMP4_counterpart` / `ICMP6_counterpart`
 * in src/packet_analysis/protocol/icmp/ICMP.cc): request/reply pairs share one
 * connection whose responder port is the counterpart type; every other
 * message is one-way and its responder port is the ICMP code.
 */

const ICMP4_COUNTERPART = new Map<number, number>([
  [8, 0], // echo request / reply
  [0, 8],
  [13, 14], // timestamp
  [14, 13],
  [15, 16], // information
  [16, 15],
  [10, 9], // router solicitation / advertisement
  [9, 10],
  [17, 18], // address mask
  [18, 17],
]);

const ICMP6_COUNTERPART = new Map<number, number>([
  [128, 129], // echo request / reply
  [129, 128],
  [133, 134], // router solicitation / advertisement
  [134, 133],
  [135, 136], // neighbor solicitation / advertisement
  [136, 135],
  [130, 131], // MLD query / report
  [131, 130],
  [139, 140], // node information query / response
  [140, 139],
  [144, 145], // home agent address discovery
  [145, 144],
]);

/**
 * The counterpart type of a request/reply ICMP message, or -1 when the
 * message is one-way (then Zeek's responder port is the code).
 */
export function findIcmpCounterpart(ipVersion: 4 | 6, icmpType: number): number {
  const c = (ipVersion === 6 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART).get(icmpType);
  return c === undefined ? -1 : c;
}

/** True for ICMPv4/ICMPv6 echo request or reply (the IcmpEcho record). */
export function isIcmpEcho(ipVersion: 4 | 6, icmpType: number): boolean {
  return ipVersion === 6 ? icmpType === 128 || icmpType === 129 : icmpType === 8 || icmpType === 0;
}
