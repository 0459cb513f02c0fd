/**
 * pcapng (draft-ietf-opsawg-pcapng): blocks of type, total length, body,
 * total length, in the byte order of their section.
 *
 * - Section header blocks (0x0A0D0D0A) set the byte order and start a new
 *   interface list; several sections may follow each other.
 * - Interface description blocks (1) give each interface its link type,
 *   snap length, `if_tsresol` (power of 10 or, with the high bit, of 2;
 *   default microseconds) and `if_tsoffset` (seconds added to every time).
 * - Enhanced (6), simple (3) and obsolete (2) packet blocks carry frames.
 *   Simple packet blocks have no timestamp: they get the previous packet's
 *   time (libpcap gives 0, which would put them in 1970).
 * - Every other block (name resolution, statistics, decryption secrets,
 *   custom, unknown) is passed over without being buffered.
 */
import { FlowhoundError } from '../../errors.js';
import type { FrameDecoder } from './decode-frame.js';
import type { DecodedPacket } from './decoded-packet.js';
import { type FramerContext, MAX_CAPTURED_BYTES, type RecordFramer } from './record-framer.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** libpcap's MAX_BLOCKSIZE: no block of any kind is longer than this. */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
/** Blocks we buffer (SHB, IDB, packet blocks): a maximal frame plus room for options. */
const MAX_PARSED_BLOCK_BYTES = MAX_CAPTURED_BYTES + 65536;

interface Interface {
  linkType: number;
  snapLen: number;
  unitsPerSec: number;
  offsetSec: number;
}

export function createPcapngFramer(ctx: FramerContext, decoder: FrameDecoder, packet: DecodedPacket): RecordFramer {
  let littleEndian = true;
  let sawSection = false;
  let interfaces: Interface[] = [];
  let lastTsSec = 0;

  function u32(b: Uint8Array, o: number): number {
    return littleEndian
      ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
      : ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  function u16(b: Uint8Array, o: number): number {
    return littleEndian ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
  }

  function bad(fileOffset: number, problem: string, extra: Record<string, unknown> = {}): FlowhoundError {
    return new FlowhoundError('PCAPNG_BAD_BLOCK', `${ctx.file}: byte ${fileOffset}: ${problem}`, { file: ctx.file, offset: fileOffset, ...extra });
  }

  const framer: RecordFramer = {
    skip: false,
    scanned: 0,
    recordName: 'block',
    scan(buf, pos, end, fileOffset) {
      // The common run of whole, well-formed blocks of the current section;
      // anything else (a section header, a suspicious or cut block) is left
      // to the generic peek/read loop, which also produces the errors.
      framer.scanned = 0;
      if (!sawSection) return 0;
      const start = pos;
      let delivered = 0;
      while (end - pos >= 12) {
        const type = u32(buf, pos);
        const len = u32(buf, pos + 4);
        if (type === SHB || len < 12 || len % 4 !== 0 || len > MAX_BLOCK_BYTES || len > end - pos) break;
        if (type === EPB || type === SPB || type === IDB || type === OPB) {
          if (len > MAX_PARSED_BLOCK_BYTES) break;
          delivered += framer.process(buf, pos, len, fileOffset + (pos - start));
        }
        pos += len;
      }
      framer.scanned = delivered;
      return pos - start;
    },
    measure(buf, off, avail, fileOffset) {
      framer.skip = false;
      if (avail < 8) return 8;
      const typeBe = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
      if (typeBe === SHB) {
        if (avail < 12) return 12;
        const bomLe = (buf[off + 8]! | (buf[off + 9]! << 8) | (buf[off + 10]! << 16) | (buf[off + 11]! << 24)) >>> 0;
        const bomBe = ((buf[off + 8]! << 24) | (buf[off + 9]! << 16) | (buf[off + 10]! << 8) | buf[off + 11]!) >>> 0;
        if (bomLe === BYTE_ORDER_MAGIC) littleEndian = true;
        else if (bomBe === BYTE_ORDER_MAGIC) littleEndian = false;
        else throw bad(fileOffset + 8, `section header block has a bad byte-order magic ${bomBe.toString(16).padStart(8, '0')}`);
        sawSection = true;
      } else if (!sawSection) {
        throw bad(fileOffset, `expected a section header block, found block type 0x${typeBe.toString(16)}`);
      }
      const type = typeBe === SHB ? SHB : u32(buf, off);
      const len = u32(buf, off + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_BYTES) {
        const why = len < 12 ? 'is below the minimum of 12' : len % 4 !== 0 ? 'is not a multiple of 4' : `exceeds the maximum of ${MAX_BLOCK_BYTES}`;
        throw bad(fileOffset + 4, `block of type 0x${type.toString(16)} is garbage: total length ${len} ${why}`, { blockType: type, blockLen: len });
      }
      const parsed = type === SHB || type === IDB || type === EPB || type === SPB || type === OPB;
      if (parsed && len > MAX_PARSED_BLOCK_BYTES) {
        throw bad(fileOffset + 4, `block of type 0x${type.toString(16)} is garbage: total length ${len} exceeds the maximum of ${MAX_PARSED_BLOCK_BYTES}`, {
          blockType: type,
          blockLen: len,
        });
      }
      framer.skip = !parsed;
      return len;
    },
    process(buf, off, len, fileOffset) {
      const typeBe = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
      const type = typeBe === SHB ? SHB : u32(buf, off);
      const trailer = u32(buf, off + len - 4);
      if (trailer !== len) throw bad(fileOffset + len - 4, `block of type 0x${type.toString(16)}: trailing total length ${trailer} differs from the leading ${len}`);
      switch (type) {
        case SHB:
          readSectionHeader(buf, off, len, fileOffset);
          return 0;
        case IDB:
          readInterface(buf, off, len, fileOffset);
          return 0;
        case EPB:
        case OPB:
          return readPacket(buf, off, len, fileOffset, type);
        case SPB:
          return readSimplePacket(buf, off, len, fileOffset);
        default:
          return 0;
      }
    },
  };

  function readSectionHeader(b: Uint8Array, o: number, len: number, fileOffset: number): void {
    if (len < 28) throw bad(fileOffset, `section header block too short: ${len} bytes, expected at least 28`);
    const major = u16(b, o + 12);
    if (major !== 1) throw bad(fileOffset + 12, `unsupported pcapng major version ${major}, expected 1`);
    interfaces = [];
  }

  function readInterface(b: Uint8Array, o: number, len: number, fileOffset: number): void {
    if (len < 20) throw bad(fileOffset, `interface description block too short: ${len} bytes, expected at least 20`);
    const iface: Interface = { linkType: u16(b, o + 8), snapLen: u32(b, o + 12), unitsPerSec: 1e6, offsetSec: 0 };
    const end = o + len - 4;
    let p = o + 16;
    while (p + 4 <= end) {
      const code = u16(b, p);
      const optLen = u16(b, p + 2);
      if (code === 0) break;
      if (p + 4 + optLen > end) {
        ctx.onWarning({
          code: 'PCAPNG_BAD_OPTION',
          file: ctx.file,
          offset: fileOffset + (p - o),
          message: `${ctx.file}: byte ${fileOffset + (p - o)}: interface option ${code} of length ${optLen} runs past its block; later options ignored`,
        });
        break;
      }
      if (code === 9 && optLen >= 1) {
        const v = b[p + 4]!;
        const exp = v & 0x7f;
        iface.unitsPerSec = (v & 0x80) !== 0 ? 2 ** exp : 10 ** exp;
      } else if (code === 14 && optLen >= 8) {
        // if_tsoffset: a signed 64-bit number of seconds.
        const lo = u32(b, p + 4);
        const hi = u32(b, p + 8);
        const [first, second] = littleEndian ? [lo, hi] : [hi, lo];
        iface.offsetSec = (second | 0) * 4294967296 + first;
      }
      p += 4 + ((optLen + 3) & ~3);
    }
    if (!(iface.unitsPerSec > 0 && Number.isFinite(iface.unitsPerSec))) iface.unitsPerSec = 1e6;
    interfaces.push(iface);
  }

  function readPacket(b: Uint8Array, o: number, len: number, fileOffset: number, type: number): number {
    if (len < 32) throw bad(fileOffset, `packet block too short: ${len} bytes, expected at least 32`);
    const ifaceId = type === EPB ? u32(b, o + 8) : u16(b, o + 8);
    const iface = interfaces[ifaceId];
    if (iface === undefined) throw bad(fileOffset + 8, `packet block names interface ${ifaceId}, but the section describes ${interfaces.length}`);
    const capLen = u32(b, o + 20);
    if (capLen > len - 32) throw bad(fileOffset + 20, `packet block captured length ${capLen} runs past the block's end (block length ${len})`);
    const ts = u32(b, o + 12) * 4294967296 + u32(b, o + 16);
    lastTsSec = ts / iface.unitsPerSec + iface.offsetSec;
    packet.tsSec = lastTsSec;
    packet.capLen = capLen;
    packet.wireLen = u32(b, o + 24);
    packet.interfaceId = ifaceId;
    decoder.decodeAt(packet, b, o + 28, o + 28 + capLen, iface.linkType);
    // One call site for the frame's packet and those inside its tunnels (see pcap-framer.ts).
    do ctx.onPacket(packet);
    while (decoder.decodeInner(packet));
    return 1;
  }

  function readSimplePacket(b: Uint8Array, o: number, len: number, fileOffset: number): number {
    if (len < 16) throw bad(fileOffset, `simple packet block too short: ${len} bytes, expected at least 16`);
    const iface = interfaces[0];
    if (iface === undefined) throw bad(fileOffset, 'simple packet block before any interface description block');
    const wireLen = u32(b, o + 8);
    let capLen = Math.min(wireLen, len - 16);
    if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
    packet.tsSec = lastTsSec;
    packet.capLen = capLen;
    packet.wireLen = wireLen;
    packet.interfaceId = 0;
    decoder.decodeAt(packet, b, o + 12, o + 12 + capLen, iface.linkType);
    do ctx.onPacket(packet);
    while (decoder.decodeInner(packet));
    return 1;
  }

  return framer;
}
