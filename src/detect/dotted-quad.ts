/**
 * IPv4 addresses as text and as 32-bit numbers, for the detectors' integer
 * tables (host-ids.ts, tuple-code.ts). Only canonical text is read (four
 * decimal octets 0–255, no leading zeros: how Zeek and the capture reader
 * write IPv4), so distinct strings never share a number and
 * `dottedQuadText(dottedQuadValue(s)) === s`.
 */

/** The address of canonical dotted quad `s` as an unsigned 32-bit number (in [0, 2^32)), else -1. */
export function dottedQuadValue(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let addr = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      addr = addr * 256 + part;
      part = 0;
      digits = 0;
      dots++;
      continue;
    }
    const d = c - 48;
    // Not a digit, a leading zero, or over 255: not canonical.
    if (d < 0 || d > 9 || (digits > 0 && part === 0)) return -1;
    part = part * 10 + d;
    if (part > 255) return -1;
    digits++;
  }
  if (digits === 0 || dots !== 3) return -1;
  return addr * 256 + part;
}

/** The canonical dotted quad of 32-bit value `v` (`| 0` or not). */
export function dottedQuadText(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
