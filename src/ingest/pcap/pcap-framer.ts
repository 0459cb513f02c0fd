/**
 * Classic libpcap files: a 24-byte file header (magic a1b2c3d4 for
 * microsecond or a1b23c4d for nanosecond timestamps, in either byte order),
 * then records of a 16-byte header (seconds, sub-seconds, captured length,
 * original length) followed by the captured bytes.
 */
import { FlowhoundError } from '../../errors.js';
import type { FrameDecoder } from './decode-frame.js';
import type { DecodedPacket } from './decoded-packet.js';
import { type FramerContext, MAX_CAPTURED_BYTES, type RecordFramer } from './record-framer.js';

const FILE_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

function le32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function createPcapFramer(ctx: FramerContext, decoder: FrameDecoder, packet: DecodedPacket): RecordFramer {
  let haveHeader = false;
  let littleEndian = true;
  let subSecPerSec = 1e6;
  let linkType = 0;

  function u32(b: Uint8Array, o: number): number {
    return littleEndian ? le32(b, o) : be32(b, o);
  }
  const onPacket = ctx.onPacket;

  const framer: RecordFramer = {
    skip: false,
    scanned: 0,
    recordName: 'file header',
    scan(buf, pos, end, fileOffset) {
      framer.scanned = 0;
      if (!haveHeader) return 0;
      const start = pos;
      let delivered = 0;
      const le = littleEndian;
      const div = subSecPerSec;
      const lt = linkType;
      while (end - pos >= RECORD_HEADER_BYTES) {
        const capLen = le ? le32(buf, pos + 8) : be32(buf, pos + 8);
        if (capLen > MAX_CAPTURED_BYTES) throw badCapLen(capLen, fileOffset + (pos - start));
        const len = RECORD_HEADER_BYTES + capLen;
        if (end - pos < len) break;
        // process() inlined for the common case.
        packet.tsSec = (le ? le32(buf, pos) : be32(buf, pos)) + (le ? le32(buf, pos + 4) : be32(buf, pos + 4)) / div;
        packet.capLen = capLen;
        packet.wireLen = le ? le32(buf, pos + 12) : be32(buf, pos + 12);
        decoder.decodeAt(packet, buf, pos + RECORD_HEADER_BYTES, pos + len, lt);
        // One call site for the frame's packet and those inside its tunnels: a second site, reached first at a
        // capture's first tunnel, had no type feedback and deoptimised this loop there.
        do onPacket(packet);
        while (decoder.decodeInner(packet));
        delivered++;
        pos += len;
      }
      framer.scanned = delivered;
      return pos - start;
    },
    measure(buf, off, avail, fileOffset) {
      if (!haveHeader) return FILE_HEADER_BYTES;
      if (avail < RECORD_HEADER_BYTES) return RECORD_HEADER_BYTES;
      const capLen = u32(buf, off + 8);
      if (capLen > MAX_CAPTURED_BYTES) throw badCapLen(capLen, fileOffset);
      return RECORD_HEADER_BYTES + capLen;
    },
    process(buf, off, len) {
      if (!haveHeader) {
        readFileHeader(buf, off);
        return 0;
      }
      const sec = u32(buf, off);
      const frac = u32(buf, off + 4);
      packet.tsSec = sec + frac / subSecPerSec;
      packet.capLen = len - RECORD_HEADER_BYTES;
      packet.wireLen = u32(buf, off + 12);
      decoder.decodeAt(packet, buf, off + RECORD_HEADER_BYTES, off + len, linkType);
      do onPacket(packet);
      while (decoder.decodeInner(packet));
      return 1;
    },
  };

  function badCapLen(capLen: number, fileOffset: number): FlowhoundError {
    return new FlowhoundError(
      'PCAP_BAD_RECORD',
      `${ctx.file}: byte ${fileOffset}: packet record header is garbage: captured length ${capLen} exceeds the maximum of ${MAX_CAPTURED_BYTES}`,
      { file: ctx.file, offset: fileOffset, capLen },
    );
  }

  function readFileHeader(b: Uint8Array, o: number): void {
    const magicBe = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    if (magicBe === 0xa1b2c3d4 || magicBe === 0xa1b23c4d) littleEndian = false;
    else if (magicBe === 0xd4c3b2a1 || magicBe === 0x4d3cb2a1) littleEndian = true;
    else {
      throw new FlowhoundError('PCAP_BAD_HEADER', `${ctx.file}: byte 0: not a pcap file: magic ${magicBe.toString(16).padStart(8, '0')}`, {
        file: ctx.file,
        offset: 0,
      });
    }
    subSecPerSec = magicBe === 0xa1b23c4d || magicBe === 0x4d3cb2a1 ? 1e9 : 1e6;
    const major = littleEndian ? b[o + 4]! | (b[o + 5]! << 8) : (b[o + 4]! << 8) | b[o + 5]!;
    if (major !== 2) {
      throw new FlowhoundError('PCAP_BAD_HEADER', `${ctx.file}: byte 4: unsupported pcap major version ${major}, expected 2`, {
        file: ctx.file,
        offset: 4,
      });
    }
    // Bits 0-15 are the link type; the upper bits carry FCS information.
    linkType = u32(b, o + 20) & 0xffff;
    packet.interfaceId = 0;
    haveHeader = true;
    framer.recordName = 'packet record';
  }

  return framer;
}
