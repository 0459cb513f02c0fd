/**
 * Address classes the detectors need: multicast/broadcast destinations are
 * never scan targets, and the policy rules' `direction` compares private
 * (RFC 1918, RFC 4193, loopback, link-local, CGNAT) with public addresses.
 * Works on the textual forms the ingest produces; no allocation per call
 * for IPv4.
 */

function ipv4Octets(ip: string): [number, number, number, number] | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const a = Number(parts[0]);
  const b = Number(parts[1]);
  const c = Number(parts[2]);
  const d = Number(parts[3]);
  if (!(a >= 0 && a <= 255 && b >= 0 && b <= 255 && c >= 0 && c <= 255 && d >= 0 && d <= 255)) return null;
  return [a, b, c, d];
}

/**
 * Multicast, limited broadcast or the unspecified address. Called once per
 * attempt on the fast path: a dotted quad is told by its first octet alone,
 * without scanning the whole text for ":" first (only a hit is checked for
 * one, as text holding ":" is read as IPv6). `v4`: the address's number
 * as a record carries it (FlowRecord.respV4; -1 or undefined: read the
 * text): then no character is read (224.0.0.0/4, 0.0.0.0; 255.255.255.255
 * is -1 as an Int32, so it is read from the text).
 */
export function isMulticastOrBroadcast(ip: string, v4?: number): boolean {
  if (v4 !== undefined && v4 !== -1) return v4 >>> 28 === 14 || v4 === 0;
  let first = 0;
  let i = 0;
  for (; i < ip.length && i < 3; i++) {
    const c = ip.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    first = first * 10 + (c - 0x30);
  }
  if (i > 0 && ip.charCodeAt(i) === 0x2e) {
    if (!((first >= 224 && first <= 239) || ip === '255.255.255.255' || ip === '0.0.0.0')) return false;
    return !ip.includes(':');
  }
  return isMulticastOrUnspecifiedText(ip);
}

/** The general test (IPv6, and text that does not start as a dotted quad). */
function isMulticastOrUnspecifiedText(ip: string): boolean {
  if (ip.includes(':')) {
    const lower = ip.toLowerCase();
    return lower.startsWith('ff') || lower === '::';
  }
  let first = 0;
  let i = 0;
  for (; i < ip.length && i < 3; i++) {
    const c = ip.charCodeAt(i);
    if (c === 0x2e) break;
    if (c < 0x30 || c > 0x39) return false;
    first = first * 10 + (c - 0x30);
  }
  if (ip.charCodeAt(i) !== 0x2e) return false;
  return (first >= 224 && first <= 239) || ip === '255.255.255.255' || ip === '0.0.0.0';
}

/** Private, loopback, link-local or shared (CGNAT) address space. */
export function isPrivateAddress(ip: string): boolean {
  if (ip.includes(':')) {
    const lower = ip.toLowerCase();
    return lower === '::1' || lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe8') || lower.startsWith('fe9') || lower.startsWith('fea') || lower.startsWith('feb');
  }
  const o = ipv4Octets(ip);
  if (!o) return false;
  const [a, b] = o;
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}
