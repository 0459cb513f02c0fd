/**
 * What became of a run's captured packets, for the run summary: frames read,
 * frames decoded to an IP packet, frames not decoded by reason, and decoded
 * packets no connection took (skipped) by reason. tcpdump and Zeek say as
 * much (`N packets received by filter`, Zeek's weird.log); a capture of
 * garbage frames must not end in a silent "0 flows".
 *
 * Summed over every capture input of a run from the counters each capture
 * reports at its end (CaptureIngestStats).
 */
import type { IngestWarning } from '../types.js';
import type { CaptureIngestStats } from './capture-tracking.js';

export interface PacketCounts {
  /** Capture inputs counted. */
  captures: number;
  /** Frames (records) read from the files. */
  read: number;
  /** Frames decoded to an IPv4/IPv6 packet. */
  decoded: number;
  /** Frames not decoded, by reason. */
  notDecoded: Record<string, number>;
  /** Decoded packets that no connection took, by reason. */
  skipped: Record<string, number>;
}

export function createPacketCounts(): PacketCounts {
  return { captures: 0, read: 0, decoded: 0, notDecoded: {}, skipped: {} };
}

function add(into: Record<string, number>, reason: string, n: number): void {
  if (n > 0) into[reason] = (into[reason] ?? 0) + n;
}

/** The reasons and counts of one capture's frames that were not decoded. */
export function notDecodedReasons(st: CaptureIngestStats): Record<string, number> {
  const out: Record<string, number> = {};
  const c = st.capture;
  if (c === null) return out;
  add(out, 'shorter than their link header', c.cutLink);
  add(out, 'not IP', c.nonIp);
  add(out, 'bad IP header', c.badIp);
  let unknown = 0;
  for (const n of c.unknownLinkTypes.values()) unknown += n;
  add(out, 'unknown link type', unknown);
  return out;
}

/** Adds one capture's end-of-input counters. */
export function addCaptureStats(counts: PacketCounts, st: CaptureIngestStats): void {
  const c = st.capture;
  counts.captures++;
  if (c === null) return;
  counts.read += c.packets;
  let notDecoded = 0;
  for (const [reason, n] of Object.entries(notDecodedReasons(st))) {
    add(counts.notDecoded, reason, n);
    notDecoded += n;
  }
  counts.decoded += Math.max(0, c.packets - notDecoded);
  add(counts.skipped, 'cut or malformed TCP/UDP/ICMP header', st.tracker.badTransport);
  add(counts.skipped, 'IP fragments not reassembled', c.fragmentsDropped + c.fragmentsPending);
  add(counts.skipped, 'bad checksum', st.tracker.badChecksums);
}

function listReasons(r: Record<string, number>): string {
  return Object.entries(r)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** One summary line: `read 3000, decoded 0, not decoded 3000 (not IP 2000, shorter than their link header 1000), skipped 0`. */
export function formatPacketCounts(c: PacketCounts): string {
  const nd = Object.values(c.notDecoded).reduce((a, b) => a + b, 0);
  const sk = Object.values(c.skipped).reduce((a, b) => a + b, 0);
  return `read ${c.read}, decoded ${c.decoded}, not decoded ${nd}${nd ? ` (${listReasons(c.notDecoded)})` : ''}, skipped ${sk}${sk ? ` (${listReasons(c.skipped)})` : ''}`;
}

/**
 * The end-of-capture warning when frames were read and none could be
 * decoded (a file of garbage or zero-length records, or a link type flowhound
 * does not know): the input gave nothing, and the run must say why.
 */
export function reportUndecodedCapture(file: string, st: CaptureIngestStats, onWarning: (w: IngestWarning) => void): void {
  const c = st.capture;
  if (c === null || c.packets === 0) return;
  const reasons = notDecodedReasons(st);
  const notDecoded = Object.values(reasons).reduce((a, b) => a + b, 0);
  if (notDecoded < c.packets) return;
  onWarning({
    code: 'CAPTURE_NOTHING_DECODED',
    file,
    message: `${file}: none of its ${c.packets} packets could be decoded (${listReasons(reasons)}); it gave no connections`,
  });
}
