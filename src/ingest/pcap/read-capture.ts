/**
 * Reads a pcap or pcapng byte source and decodes every frame into one reused
 * DecodedPacket, handed synchronously to `onPacket`. After each input chunk
 * the generator yields how many packets that chunk delivered, so a caller
 * can emit one RecordBatch per chunk (no await per packet).
 *
 * Why not `pcap-parser` (the usual reader of classic pcap in Node): it frames
 * about 0.7 M packets/s because it concatenates its whole buffer with every
 * chunk and allocates two objects and a Buffer slice per packet, and it reads
 * neither nanosecond pcap nor pcapng. This reader peeks at record headers
 * in place and copies only the one record cut by a chunk boundary;
 * test/ingest/pcap/pcap-parser-agreement.test.ts shows that both agree packet
 * for packet on classic pcap files, and scripts/bench/capture.mjs measures
 * the speed of both on the same file.
 *
 * Bad input: a garbage record header (captured length beyond 256 KiB, a
 * pcapng block length below 12, not a multiple of 4 or beyond 16 MiB, a
 * trailing block length that differs from the leading one) throws
 * FlowhoundError PCAP_BAD_RECORD / PCAPNG_BAD_BLOCK naming the file and byte
 * offset, or with `onBadRecord: 'warn'` ends the capture there with that
 * warning, every packet before it read; nothing is allocated from an
 * unchecked length. A file that
 * ends inside a record delivers every whole packet before the cut and then
 * reports INPUT_TRUNCATED through `onWarning`.
 */
import { FlowhoundError } from '../../errors.js';
import type { ByteSource } from '../../io/byte-source.js';
import type { IngestWarning } from '../../types.js';
import { createDecodedPacket, createFrameDecoder, type DecodeStats, type FrameDecoderOptions } from './decode-frame.js';
import type { PacketHandler } from './decoded-packet.js';
import { createPcapFramer } from './pcap-framer.js';
import { createPcapngFramer } from './pcapng-framer.js';
import type { FramerContext, RecordFramer } from './record-framer.js';

export interface ReadCaptureOptions {
  onWarning: (w: IngestWarning) => void;
  /** Receives the decoder's counters once, when they are final. */
  onStats?: (stats: CaptureStats) => void;
  /** Decapsulate IPv6-in-IP (6in4); see FrameDecoderOptions (off by default for now). */
  decapsulate6in4?: boolean;
  /** Reassemble IP fragments (default true); see FrameDecoderOptions. */
  reassemble?: FrameDecoderOptions['reassemble'];
  /** Drop IPv4 fragments with a wrong header checksum before reassembly (as Zeek without -C; default false). */
  verifyFragmentChecksums?: boolean;
  /**
   * A garbage record header (PCAP_BAD_RECORD, PCAPNG_BAD_BLOCK): 'throw'
   * (the default) or 'warn': end the capture there with a warning naming its
   * offset, every packet before it read (what tcpdump does), so the caller
   * still gets its counters and can flush its connections.
   */
  onBadRecord?: 'throw' | 'warn';
}

export interface CaptureStats extends DecodeStats {
  packets: number;
  bytes: number;
  format: 'pcap' | 'pcapng';
}

const INITIAL_CARRY_BYTES = 4096;

export async function* readCapturePackets(source: ByteSource, onPacket: PacketHandler, options: ReadCaptureOptions): AsyncGenerator<number> {
  const file = source.name;
  // Nothing here keeps a chunk past the step that delivered it (a record cut
  // by a chunk boundary is copied into `carry`), so the source may read into
  // reused buffers instead of a fresh one per chunk (see ByteSource.reuseChunks).
  source.reuseChunks?.();
  const ctx: FramerContext = { file, onPacket, onWarning: options.onWarning };
  const packet = createDecodedPacket();
  const decoder = createFrameDecoder(
    (linkType) =>
      options.onWarning({
        code: 'CAPTURE_UNKNOWN_LINK_TYPE',
        file,
        message: `${file}: link type ${linkType} is not supported; its frames are counted but not decoded`,
      }),
    undefined,
    {
      decapsulate6in4: options.decapsulate6in4 ?? false,
      reassemble: options.reassemble ?? true,
      verifyFragmentChecksums: options.verifyFragmentChecksums ?? false,
    },
  );
  let framer = null as RecordFramer | null;
  let format: 'pcap' | 'pcapng' = 'pcap';

  /** Chooses the framer from the first 4 bytes. */
  function sniff(buf: Uint8Array, off: number): RecordFramer {
    const m = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
    if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) {
      format = 'pcap';
      return createPcapFramer(ctx, decoder, packet);
    }
    if (m === 0x0a0d0d0a) {
      format = 'pcapng';
      return createPcapngFramer(ctx, decoder, packet);
    }
    throw new FlowhoundError('PCAP_BAD_HEADER', `${file}: byte 0: not a pcap or pcapng capture: magic ${m.toString(16).padStart(8, '0')}`, {
      file,
      offset: 0,
    });
  }

  function measure(buf: Uint8Array, off: number, avail: number, fileOffset: number): number {
    if (framer === null) {
      if (avail < 4) return 4;
      framer = sniff(buf, off);
    }
    return framer.measure(buf, off, avail, fileOffset);
  }

  // The carry is a Buffer like the input chunks, so that the byte reads of the framer and decoders see one
  // kind of array (a Uint8Array carry made them polymorphic: --trace-deopt showed wrong-map deopts in each).
  let carry: Uint8Array = Buffer.alloc(INITIAL_CARRY_BYTES);
  let carryLen = 0;
  /** Bytes of a skipped record still to pass over, and where that record started. */
  let skipRemaining = 0;
  let skipStart = 0;
  /** File offset of the next byte not yet consumed (start of the carried record when carrying). */
  let consumed = 0;
  let packets = 0;
  let bytes = 0;
  let lastNeed = 0;

  let badRecord: FlowhoundError | null = null;
  /** Packets delivered from the chunk in hand (counted too when a bad record stops it). */
  let delivered = 0;
  try {
    for await (const chunk of source.chunks) {
      delivered = 0;
      let pos = 0;
      const n = chunk.length;
      bytes += n;
      if (skipRemaining > 0) {
        const take = Math.min(skipRemaining, n);
        skipRemaining -= take;
        pos += take;
        consumed += take;
      }
      // Complete a record cut by the previous chunk boundary.
      while (carryLen > 0 && pos < n) {
        const need = measure(carry, 0, carryLen, consumed);
        lastNeed = need;
        if (carryLen >= need) break;
        if (framer?.skip) {
          // Header known and the body is not wanted: drop the carry, skip the rest.
          skipStart = consumed;
          skipRemaining = need - carryLen;
          consumed += carryLen;
          carryLen = 0;
          const take = Math.min(skipRemaining, n - pos);
          skipRemaining -= take;
          pos += take;
          consumed += take;
          break;
        }
        if (carry.length < need) carry = growCarry(carry, carryLen, need);
        const take = Math.min(need - carryLen, n - pos);
        carry.set(chunk.subarray(pos, pos + take), carryLen);
        carryLen += take;
        pos += take;
      }
      if (carryLen > 0) {
        const need = measure(carry, 0, carryLen, consumed);
        lastNeed = need;
        if (carryLen >= need && !framer!.skip) {
          delivered += framer!.process(carry, 0, need, consumed);
          consumed += need;
          carryLen = 0;
        } else if (carryLen >= need) {
          consumed += need;
          carryLen = 0;
        }
      }
      // Whole records inside this chunk, in place.
      if (carryLen === 0 && skipRemaining === 0) {
        if (framer?.scan && pos < n) {
          // The format's own tight loop over whole records.
          const used = framer.scan(chunk, pos, n, consumed);
          pos += used;
          consumed += used;
          delivered += framer.scanned;
        }
        while (pos < n) {
          const avail = n - pos;
          const need = measure(chunk, pos, avail, consumed);
          lastNeed = need;
          if (avail < need) {
            if (avail >= 8 && framer?.skip) {
              skipStart = consumed;
              skipRemaining = need - avail;
              consumed += avail;
              pos = n;
              break;
            }
            if (carry.length < avail) carry = growCarry(carry, 0, avail);
            carry.set(chunk.subarray(pos), 0);
            carryLen = avail;
            pos = n;
            break;
          }
          if (!framer!.skip) delivered += framer!.process(chunk, pos, need, consumed);
          pos += need;
          consumed += need;
        }
      }
      packets += delivered;
      yield delivered;
    }
  } catch (e) {
    if (options.onBadRecord !== 'warn' || !(e instanceof FlowhoundError) || (e.code !== 'PCAP_BAD_RECORD' && e.code !== 'PCAPNG_BAD_BLOCK')) throw e;
    badRecord = e;
    packets += delivered;
  }

  if (badRecord !== null) {
    const at = typeof badRecord.context.offset === 'number' ? badRecord.context.offset : consumed;
    options.onWarning({
      code: badRecord.code === 'PCAPNG_BAD_BLOCK' ? 'PCAPNG_BAD_BLOCK' : 'PCAP_BAD_RECORD',
      file,
      offset: at,
      message: `${badRecord.message}; the capture is read up to there (the packets before it), the rest of ${file} is not`,
    });
  } else if (carryLen > 0 || skipRemaining > 0) {
    const what = framer?.recordName ?? 'file header';
    const have = carryLen > 0 ? carryLen : lastNeed - skipRemaining;
    const at = carryLen > 0 ? consumed : skipStart;
    options.onWarning({
      code: 'INPUT_TRUNCATED',
      file,
      offset: at,
      message: `${file}: byte ${at}: capture is truncated: it ends inside a ${what} (${have} of ${lastNeed} bytes present); the ${packets} whole packets before the cut were read`,
    });
  }
  const st = decoder.stats;
  const unassembled = st.fragmentsDropped + st.fragmentsPending;
  if (options.reassemble === false ? st.fragments > 0 : unassembled > 0) {
    options.onWarning({
      code: 'CAPTURE_FRAGMENTS',
      file,
      message:
        options.reassemble === false
          ? `${file}: ${st.fragments} IP fragments were not reassembled (reassembly is off); later fragments are not counted in any connection`
          : `${file}: ${unassembled} of ${st.fragments} IP fragments could not be reassembled (${st.fragmentsPending} still waiting for the rest of their datagram at the end of the input, ${st.fragmentsDropped} dropped: their datagram timed out, passed the reassembly limits or was malformed, or their IPv4 header checksum was wrong); they are not counted in any connection`,
    });
  }
  options.onStats?.({ ...st, packets, bytes, format });
}

function growCarry(carry: Uint8Array, keep: number, need: number): Uint8Array {
  // `need` was validated by the framer (bounded record sizes) before we get here.
  const next = Buffer.alloc(Math.max(need, Math.min(carry.length * 2, need * 2))); // a Buffer: see `carry`
  next.set(carry.subarray(0, keep), 0);
  return next;
}
