/**
 * IP fragment reassembly, as Zeek does before any connection sees a packet
 * (`Frag.cc`): fragments are held, keyed by (source, destination,
 * identification), until the datagram is whole; the whole datagram is then
 * decoded and counted as one packet, with its full IP length, at the time
 * of the fragment that completed it. Where fragments overlap, the bytes that
 * came first are kept (Zeek's reassembler keeps old data too); a fragment
 * reaching past the "last" one's end extends the datagram, and data
 * contiguous from 0 up to the length makes it whole even with pieces beyond
 * a hole (Zeek's `FragReassembler::AddFragment` and `BlockInserted`).
 *
 * Held state is bounded, where Zeek's is not (its `frag_timeout` is 0, never):
 * a datagram not complete `timeoutSec` after its first fragment (event
 * time), the oldest datagrams past `maxDatagrams` or `maxBytes` held, one
 * with more than MAX_FRAGMENTS fragments and one longer than an IP datagram
 * can be are dropped, and their fragments counted in `fragmentsDropped`.
 *
 * Fragments are rare, so this is written for clarity: a Map by a string
 * key, the fragments of a datagram as byte copies in arrival order.
 */

/** The reassembler's counters (part of the decoder's DecodeStats). */
export interface ReassemblyStats {
  /** Datagrams reassembled from fragments (each handed on as one packet). */
  reassembled: number;
  /** Fragments given up: their datagram timed out, was evicted by the limits, or was malformed (or, checked, their IPv4 header checksum was wrong). */
  fragmentsDropped: number;
  /** Fragments held now, waiting for the rest of their datagram. */
  fragmentsPending: number;
}

export interface IpReassemblyOptions {
  /** Seconds after its first fragment that an incomplete datagram is dropped (default 60, Linux uses 30). */
  timeoutSec?: number;
  /** Incomplete datagrams held at most; past it the oldest is dropped (default 16,384). */
  maxDatagrams?: number;
  /** Fragment bytes held at most; past it the oldest datagrams are dropped (default 32 MiB). */
  maxBytes?: number;
}

/** Fragments one datagram may have: 64 KiB in 8-byte pieces is 8192; real ones have at most ~45 (64 KiB / MTU). */
const MAX_FRAGMENTS = 256;
/** Largest IP datagram: IPv4 total length (header included) and IPv6 payload length are 16 bits. */
const MAX_IP_LENGTH = 65535;

interface PendingDatagram {
  firstTs: number;
  /**
   * The header of the fragment at offset 0, once seen: the IPv4 header
   * (options included), or the IPv6 header with the extension headers
   * before the Fragment header. (Zeek copies the first fragment to arrive;
   * the two differ only where a datagram's fragments carry different
   * options. Zeek too takes the IPv6 next header from offset 0.)
   */
  header: Uint8Array | null;
  /** IPv6: where in `header` the next-header byte naming the Fragment header is; what the datagram's is. */
  nextHeaderAt: number;
  nextHeader: number;
  /** Length of the data behind the header, known once the last fragment (MF clear) came; -1 before. */
  dataLen: number;
  /** The fragments' data and their offsets in the datagram's data, in arrival order. */
  starts: number[];
  parts: Uint8Array[];
  bytes: number;
}

export class IpReassembler {
  readonly stats: ReassemblyStats = { reassembled: 0, fragmentsDropped: 0, fragmentsPending: 0 };
  private readonly pending = new Map<string, PendingDatagram>();
  private heldBytes = 0;
  private readonly timeoutSec: number;
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;

  constructor(options: IpReassemblyOptions = {}, stats?: ReassemblyStats) {
    this.timeoutSec = options.timeoutSec ?? 60;
    this.maxDatagrams = Math.max(1, options.maxDatagrams ?? 16_384);
    this.maxBytes = Math.max(65_536, options.maxBytes ?? 32 * 1024 * 1024);
    if (stats) this.stats = stats;
  }

  /**
   * An IPv4 fragment whose bytes `d[ip, ip + totalLen)` were all captured.
   * Returns the whole datagram (header with total length, flags and
   * checksum set for it) when this fragment completes it, else null.
   */
  addIpv4(d: Uint8Array, ip: number, ihl: number, totalLen: number, ts: number): Uint8Array | null {
    const key = `4,${readU32(d, ip + 12)},${readU32(d, ip + 16)},${(d[ip + 4]! << 8) | d[ip + 5]!}`;
    const field = (d[ip + 6]! << 8) | d[ip + 7]!;
    const start = (field & 0x1fff) * 8;
    const more = (field & 0x2000) !== 0;
    const headerLen = start === 0 ? ihl : -1;
    const datagram = this.add(key, ts, d, ip, headerLen, -1, -1, ip + ihl, ip + totalLen, start, more, MAX_IP_LENGTH - ihl);
    if (datagram === null) return null;
    const hl = (datagram[0]! & 0x0f) * 4;
    const total = datagram.length;
    datagram[2] = total >> 8;
    datagram[3] = total & 0xff;
    datagram[6] = datagram[6]! & 0x40; // keep DF; clear MF and the offset
    datagram[7] = 0;
    datagram[10] = 0;
    datagram[11] = 0;
    let sum = 0;
    for (let i = 0; i < hl; i += 2) sum += (datagram[i]! << 8) | datagram[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    sum = ~sum & 0xffff;
    datagram[10] = sum >> 8;
    datagram[11] = sum & 0xff;
    return datagram;
  }

  /**
   * An IPv6 fragment: the IPv6 header at `ip`, its Fragment header at `frag`
   * (the extension headers in between are the unfragmentable part), the
   * byte at `nextHeaderAt` the one naming the Fragment header, the packet's
   * end at `end` (all captured). Returns the whole datagram (the first
   * fragment's unfragmentable part without the Fragment header, then the
   * data; payload length set) when this fragment completes it, else null.
   */
  addIpv6(d: Uint8Array, ip: number, nextHeaderAt: number, frag: number, end: number, ts: number): Uint8Array | null {
    let key = '6,';
    for (let i = ip + 8; i < ip + 40; i += 2) key += String.fromCharCode((d[i]! << 8) | d[i + 1]!);
    key += `,${readU32(d, frag + 4)}`;
    const field = (d[frag + 2]! << 8) | d[frag + 3]!;
    const start = field & 0xfff8;
    const more = (field & 1) !== 0;
    const unfragmentable = frag - ip;
    const datagram = this.add(key, ts, d, ip, start === 0 ? unfragmentable : -1, nextHeaderAt - ip, d[frag]!, frag + 8, end, start, more, MAX_IP_LENGTH + 40 - unfragmentable);
    if (datagram === null) return null;
    const payload = datagram.length - 40;
    datagram[4] = payload >> 8;
    datagram[5] = payload & 0xff;
    return datagram;
  }

  private add(
    key: string,
    ts: number,
    d: Uint8Array,
    headerAt: number,
    headerLen: number,
    nextHeaderAt: number,
    nextHeader: number,
    dataAt: number,
    dataEnd: number,
    start: number,
    more: boolean,
    maxDataLen: number,
  ): Uint8Array | null {
    this.expire(ts);
    let p = this.pending.get(key);
    if (p === undefined) {
      p = { firstTs: ts, header: null, nextHeaderAt: -1, nextHeader: 0, dataLen: -1, starts: [], parts: [], bytes: 0 };
      this.pending.set(key, p);
    }
    const len = dataEnd - dataAt;
    const stop = start + len;
    // Longer than an IP datagram can be, or too many pieces: given up (Zeek reports a weird and goes on).
    if (stop > maxDataLen || p.starts.length >= MAX_FRAGMENTS) {
      this.drop(key, p, 1);
      return null;
    }
    // The data's length, as Zeek's FragReassembler::AddFragment takes it: from the last fragment (MF
    // clear), raised by a later "last" fragment or any fragment that reaches further.
    if (!more && (p.dataLen < 0 || stop > p.dataLen)) p.dataLen = stop;
    if (p.dataLen >= 0 && stop > p.dataLen) p.dataLen = stop;
    if (headerLen >= 0 && p.header === null) {
      p.header = copyBytes(d, headerAt, headerAt + headerLen);
      p.nextHeaderAt = nextHeaderAt;
      p.nextHeader = nextHeader;
      p.bytes += headerLen;
      this.heldBytes += headerLen;
    }
    p.starts.push(start);
    p.parts.push(copyBytes(d, dataAt, dataEnd));
    p.bytes += len;
    this.heldBytes += len;
    this.stats.fragmentsPending++;
    if (p.header !== null && p.dataLen >= 0) {
      // Whole once the data is contiguous from 0 up to the length; as in Zeek's BlockInserted, what is
      // contiguous from 0 is the datagram then, even past the length or with a hole beyond it.
      const reached = contiguousFromZero(p.starts, p.parts);
      if (reached >= p.dataLen) {
        this.pending.delete(key);
        this.heldBytes -= p.bytes;
        this.stats.fragmentsPending -= p.starts.length;
        this.stats.reassembled++;
        return assemble(p, reached);
      }
    }
    this.evict(key);
    return null;
  }

  /** Drops the datagrams whose first fragment came more than `timeoutSec` before `ts` (oldest first, as queued). */
  private expire(ts: number): void {
    for (const [key, p] of this.pending) {
      if (p.firstTs + this.timeoutSec >= ts) break;
      this.drop(key, p, 0);
    }
  }

  /** Past the limits, drops the oldest datagrams other than `keep`'s. */
  private evict(keep: string): void {
    for (const [key, p] of this.pending) {
      if (this.pending.size <= this.maxDatagrams && this.heldBytes <= this.maxBytes) return;
      if (key !== keep) this.drop(key, p, 0);
    }
  }

  /** Gives up a datagram; `extra` counts a fragment that was not added to it. */
  private drop(key: string, p: PendingDatagram, extra: number): void {
    this.pending.delete(key);
    this.heldBytes -= p.bytes;
    this.stats.fragmentsPending -= p.starts.length;
    this.stats.fragmentsDropped += p.starts.length + extra;
  }
}

/** A copy of `d[from, to)`: the reader's chunks are reused, and a Buffer's `slice` is a view, not a copy. */
function copyBytes(d: Uint8Array, from: number, to: number): Uint8Array {
  const out = Buffer.alloc(to - from); // a Buffer like the input chunks (one kind of array for the decoders)
  out.set(d.subarray(from, to));
  return out;
}

function readU32(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
}

/** How far the pieces cover the data without a hole from offset 0 (0 when none starts at 0). */
function contiguousFromZero(starts: number[], parts: Uint8Array[]): number {
  const order = starts.map((_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  let reached = 0;
  for (const i of order) {
    if (starts[i]! > reached) break;
    reached = Math.max(reached, starts[i]! + parts[i]!.length);
  }
  return reached;
}

/**
 * The header, then the data's first `dataLen` bytes: the pieces are written newest first, so that where
 * they overlap the first-come bytes win; pieces beyond a hole are left out.
 */
function assemble(p: PendingDatagram, dataLen: number): Uint8Array {
  const header = p.header!;
  const out = Buffer.alloc(header.length + dataLen); // a Buffer like the input chunks (see copyBytes)
  out.set(header, 0);
  if (p.nextHeaderAt >= 0) out[p.nextHeaderAt] = p.nextHeader;
  for (let i = p.parts.length - 1; i >= 0; i--) {
    const at = p.starts[i]!;
    if (at < dataLen) out.set(at + p.parts[i]!.length <= dataLen ? p.parts[i]! : p.parts[i]!.subarray(0, dataLen - at), header.length + at);
  }
  return out;
}
