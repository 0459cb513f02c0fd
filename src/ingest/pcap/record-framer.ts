/**
 * The contract between the chunk loop of read-capture.ts and a capture
 * format (classic pcap, pcapng): the loop asks how many bytes the next record
 * needs (peek), and hands the framer whole records (read). Records that lie
 * inside one input chunk are processed in place; only a record cut by a
 * chunk boundary is copied, once, into a carry buffer.
 */
import type { IngestWarning } from '../../types.js';
import type { PacketHandler } from './decoded-packet.js';

export interface RecordFramer {
  /**
   * Bytes the record starting at `buf[off]` needs: the header size while
   * fewer than that many bytes are available, then the whole record's size.
   * Throws FlowhoundError when the header is clearly garbage (absurd
   * length). Sets `skip` when the record's body is not needed (it is then
   * passed over without being buffered).
   */
  measure(buf: Uint8Array, off: number, avail: number, fileOffset: number): number;
  /** Set by measure: the measured record is to be skipped. */
  skip: boolean;
  /** Processes one whole record of `len` bytes; returns the packets it delivered. */
  process(buf: Uint8Array, off: number, len: number, fileOffset: number): number;
  /**
   * Optional fast path: processes every whole record in `buf[pos..end)`
   * and returns the bytes consumed (0 when it cannot run yet); the packets
   * delivered are left in `scanned`. The generic peek/read loop handles
   * what is left (a record cut by the chunk's end).
   */
  scan?: (buf: Uint8Array, pos: number, end: number, fileOffset: number) => number;
  scanned: number;
  /** A name for the record kind in messages ("file header", "packet record", "block"). */
  recordName: string;
}

/** What a framer needs from the reader. */
export interface FramerContext {
  /** The input's name for messages. */
  file: string;
  onPacket: PacketHandler;
  onWarning: (w: IngestWarning) => void;
}

/** libpcap's MAXIMUM_SNAPLEN: no captured frame is longer than this. */
export const MAX_CAPTURED_BYTES = 262144;
