/**
 * A cheap fingerprint of an ICMP echo's payload (IcmpEcho.payloadHash), so
 * the ICMP tunnel detector can tell a stream of one repeated payload (a
 * flood: hping3 --icmp sends 'X' × N every time; ping its fixed pattern)
 * from a stream of changing ones (a tunnel carries data).
 *
 * 1. Skip the payload's first `ECHO_STAMP_BYTES` (16): Unix pings put their
 *    send time there (iputils: a 16-byte struct timeval; BSD and busybox:
 *    8 bytes or fewer), the only part of a ping's payload that changes.
 * 2. Hash at most the next `ECHO_HASHED_BYTES` (128) captured bytes with
 *    32-bit FNV-1a, read in place (no copy, no allocation per packet).
 * 3. 0 — unknown — when fewer than `ECHO_MIN_HASHED_BYTES` (8) of them were
 *    captured (a small payload, or a short snap length); a known
 *    fingerprint is never 0, and fits a small integer (30 bits).
 */

/** Leading payload bytes left out: where Unix pings write their send time (iputils: struct timeval, 16 bytes on 64-bit systems). */
export const ECHO_STAMP_BYTES = 16;
/** Payload bytes hashed past the stamp at most: enough to see data change, a bounded cost per echo. */
export const ECHO_HASHED_BYTES = 128;
/** Fewer captured bytes past the stamp than this give no fingerprint (0): too little to tell payloads apart. */
export const ECHO_MIN_HASHED_BYTES = 8;

/**
 * Fingerprint of the echo payload at `bytes[start..start + payloadLen)`, of
 * which only `bytes[..end)` was captured; 0 when too little was captured.
 */
export function hashEchoPayload(bytes: Uint8Array, start: number, payloadLen: number, end: number): number {
  const from = start + ECHO_STAMP_BYTES;
  const to = Math.min(start + payloadLen, end, from + ECHO_HASHED_BYTES);
  if (to - from < ECHO_MIN_HASHED_BYTES) return 0;
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  // The length hashed too: two payloads of one repeated byte differ by their sizes.
  h = Math.imul(h ^ (to - from), 0x01000193);
  return (h & 0x3fffffff) || 1;
}
