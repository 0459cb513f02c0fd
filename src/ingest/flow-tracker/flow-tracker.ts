/**
 * The flow tracker: turns decoded packets into Zeek conn.log connections
 * (FlowRecord), plus PacketTicks, IcmpEchoes and DnsRecords from the same
 * packets. What it does per packet:
 *
 * 1. Skip what Zeek would not make a connection of: non-IP frames, TCP/UDP/
 *    ICMP headers cut short, IP fragments the reader holds for reassembly
 *    (the datagram they make comes as one packet) or, without reassembly,
 *    non-first fragments (counted in `stats`).
 * 2. Build the connection key: (proto, both endpoints) in canonical order so
 *    both directions meet; ICMP uses (type, counterpart type) for
 *    request/reply pairs and (type, code) without canonical order for one-way
 *    messages; other transports use ports 0.
 * 3. Look the connection up. If Zeek's timers would have removed it before
 *    this packet (inactivity, TCP attempt/close/expire timers), or the
 *    packet is a TCP SYN reusing the tuple with a new sequence number, the old
 *    connection is finished and a new one starts.
 * 4. A new connection's originator is the sender, flipped at creation as
 *    Zeek does without a plain SYN (TCP) or from a likely server port (UDP).
 * 5. Count packets and IP bytes per direction, update TCP state and history
 *    (tcp-session.ts), UDP/ICMP payload sums and history, DNS (dns-tracker.ts),
 *    ticks and echoes.
 * 6. Queue the connection by its removal time; sweep due connections as
 *    event time advances; past `maxFlows` live connections, finish the
 *    oldest (counted in `stats.evictedFlows`).
 *
 * Memory: one 512-byte record of the flow table (flow-table.ts) and one slot of the
 * hash index (flow-index.ts) per live connection, a few hundred bytes in
 * typed arrays; per packet nothing is allocated but output records.
 */
import { dottedQuadValue } from '../../detect/dotted-quad.js';
import type { ArpRecord, DnsRecord, FlowRecord, IcmpEcho, PacketTick } from '../../types.js';
import { createDnsTracker, type DnsTracker } from '../dns-tracker.js';
import { readArp } from '../pcap/arp.js';
import { isReaderPacket } from '../pcap/decode-frame.js';
import type { DecodedPacket } from '../pcap/decoded-packet.js';
import { verifyIpv4HeaderChecksum, verifyTransportChecksum } from '../pcap/verify-checksum.js';
import { type ConnLogLines, encodeConnLine } from './conn-line.js';
import { createFlowExpiryQueue } from './flow-expiry.js';
import { toFlowRecord } from './flow-record.js';
import { createTunnelUid } from './flow-uid.js';
import { cacheIpv4Hash, FlowIndex, hashAddress, hashFlowKey, ipv4HashKeys, ipv4HashSlot, ipv4HashValues } from './flow-index.js';
import {
  F_LAST_TS,
  F_ORIG_IP_BYTES,
  F_ORIG_PAYLOAD_BYTES,
  F_ORIG_PKTS,
  F_REMOVE_AT,
  F_RESP_IP_BYTES,
  F_RESP_PAYLOAD_BYTES,
  F_RESP_PKTS,
  FLAG_NUMERIC_ADDR,
  FLAG_ORIG_SEEN,
  FLAG_RESP_SEEN,
  FlowTable,
  I_DNS_MESSAGES,
  I_FLAGS,
  I_K_HASH,
  I_ORIG_N,
  I_ORIG_P,
  I_PROTO,
  I_SERIAL,
  PROTO_ICMP,
  PROTO_OTHER,
  PROTO_TCP,
  PROTO_UDP,
  S_ORIG_H,
  SLOT_F64,
  SLOT_I32,
  SLOT_STR,
} from './flow-table.js';
import { hashEchoPayload } from './echo-payload-hash.js';
import { findIcmpCounterpart, isIcmpEcho } from './icmp-counterpart.js';
import { type LikelyServerPorts, ZEEK_DEFAULT_LIKELY_SERVER_PORTS } from './likely-server-ports.js';
import { applyNtpFlip } from './ntp-flip.js';
import { createPacketTickCounter } from './packet-ticks.js';
import { clearFiredTcpTimers, storeTcpRemoveAt } from './tcp-timers.js';
import { initTcpConnection, isTcpReuse, processTcpPacket, type TcpTimerSettings, ZEEK_TCP_TIMERS } from './tcp-session.js';

/**
 * Default cap on live connections before the oldest are finished early
 * (counted and reported). A live connection costs about 0.5 KB of typed
 * arrays; with the garbage of the records a flood of new connections
 * produces, 500,000 keeps capture ingest under 1 GiB RSS
 * (scripts/bench/capture-memory.mjs).
 */
export const DEFAULT_MAX_FLOWS = 500_000;

export interface FlowTrackerOptions {
  /** Live connections kept at most; past it the oldest are finished and counted (default 500,000). */
  maxFlows?: number;
  /** Inactivity timeout for UDP (Zeek `udp_inactivity_timeout`, default 60 s). */
  udpInactivitySec?: number;
  /** Inactivity timeout for ICMP (Zeek `icmp_inactivity_timeout`, default 60 s). */
  icmpInactivitySec?: number;
  /** Inactivity timeout for other IP protocols (Zeek `unknown_ip_inactivity_timeout`, default 60 s). */
  unknownInactivitySec?: number;
  /** TCP timers (Zeek defaults: 5 min inactivity, 5 s attempt, close and linger delays, ...). */
  tcpTimers?: TcpTimerSettings;
  /** Ports that make Zeek flip a connection's roles (default: a full Zeek run's). */
  likelyServerPorts?: LikelyServerPorts;
  /** Parse DNS into DnsRecords (default true). */
  dns?: boolean;
  /**
   * Encode each finished connection here as its conn.log TSV line instead of handing over a FlowRecord
   * (conn-line.ts; `flows --no-sort`, which only writes them). The consumer takes the lines.
   */
  connLog?: ConnLogLines;
  /**
   * Make DnsRecords (default true). False: DNS is still parsed, for the connections' `service` and roles,
   * but no record is made (`flows` writing a conn.log, which has no use for them).
   */
  dnsRecords?: boolean;
  /** Produce PacketTicks (default true). */
  ticks?: boolean;
  /**
   * Produce IcmpEchoes (default true). `flows`, which writes none, turns them off: `flows --no-sort` on the
   * first 500,000 packets of capture-realistic-1100000.pcap then ran 0.967x the instructions (callgrind,
   * node --single-threaded: 6.87 G against 7.10 G).
   */
  echoes?: boolean;
  /**
   * Verify IPv4 header and TCP/UDP/ICMP checksums as Zeek does without -C
   * (default false, like `zeek -C`: captures taken on a host with checksum
   * offload carry wrong checksums on every packet it sent). When on, a bad
   * IPv4 header drops the packet; a bad transport checksum still creates or
   * finds the connection and adds history C/c, but the packet is not counted.
   */
  verifyChecksums?: boolean;
}

export interface FlowTrackerStats {
  /**
   * Packets handed to the tracker. A frame of a UDP tunnel (VXLAN, Geneve, GTP-U, ...) gives two, the
   * tunnel's packet and the one inside it, so this can exceed the frames read (CaptureStats.packets).
   */
  packets: number;
  /** Frames without a decodable IP header. */
  nonIp: number;
  /** IP packets whose TCP/UDP/ICMP header was cut short or malformed. */
  badTransport: number;
  /**
   * IP fragments not taken as a connection's packet: those the reader holds for reassembly (it hands
   * the whole datagram on as one packet) and, without reassembly, non-first fragments.
   */
  fragmentsSkipped: number;
  /** Packets with a wrong IPv4 header or transport checksum (only with `verifyChecksums`). */
  badChecksums: number;
  flowsCreated: number;
  flowsFinished: number;
  /** Connections finished early because `maxFlows` was reached. */
  evictedFlows: number;
  liveFlows: number;
  maxLiveFlows: number;
}

/** What the tracker has finished since the last `take` (arrays are handed over, not copied). */
export interface TrackerOutput {
  flows: FlowRecord[];
  dns: DnsRecord[];
  ticks: PacketTick[];
  echoes: IcmpEcho[];
  arps: ArpRecord[];
}

export interface FlowTracker {
  /** Processes one packet (the object may be reused by the caller after return). */
  addPacket(p: DecodedPacket): void;
  /** Hands over the records finished so far. */
  take(): TrackerOutput;
  /**
   * End of input in pieces: finishes up to `limit` live connections, in the order `finish` takes them,
   * and hands over what is finished; null once none is left (then `finish` hands over the ticks). A
   * flood leaves hundreds of thousands of half-open connections, whose records at once were the peak
   * of a run's memory.
   */
  finishSome(limit: number): TrackerOutput | null;
  /** End of input: finishes every live connection and tick, then hands everything over. */
  finish(): TrackerOutput;
  readonly stats: FlowTrackerStats;
}

/**
 * Empty output arrays that already hold objects' element kind: an empty array literal starts as an array of
 * small integers and changes kind (and map) at its first push of a record. Every batch's arrays did that, and
 * the optimised addPacket, having seen the other kind, was deoptimised and recompiled: twice per run on the
 * realistic bench capture, at the push of an ICMP echo (--trace-deopt: "wrong map", then "not a Smi").
 */
function createTrackerOutput(): TrackerOutput {
  return { flows: emptyRecordArray(), dns: emptyRecordArray(), ticks: emptyRecordArray(), echoes: emptyRecordArray(), arps: emptyRecordArray() };
}

function emptyRecordArray<T>(): T[] {
  const a: unknown[] = [EMPTY_RECORD];
  a.length = 0;
  return a as T[];
}

const EMPTY_RECORD = {};

const IP_TCP = 6;
const IP_UDP = 17;
const IP_ICMP = 1;
const IP_ICMP6 = 58;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
/** Zeek's Tunnel::max_changes_per_connection. */
const MAX_TUNNEL_CHANGES = 5;
/** An I_HIST_SEEN bit no history letter uses: the tunnel-change limit's `X`, added once. */
const HIST_TUNNEL_LIMIT = 0x80;

export function createFlowTracker(options: FlowTrackerOptions = {}): FlowTracker {
  const maxFlows = Math.max(1, options.maxFlows ?? DEFAULT_MAX_FLOWS);
  const udpInactivitySec = options.udpInactivitySec ?? 60;
  const icmpInactivitySec = options.icmpInactivitySec ?? 60;
  const unknownInactivitySec = options.unknownInactivitySec ?? 60;
  const tcpTimers = options.tcpTimers ?? ZEEK_TCP_TIMERS;
  const likely = options.likelyServerPorts ?? ZEEK_DEFAULT_LIKELY_SERVER_PORTS;
  const verifyChecksums = options.verifyChecksums === true;
  const table = new FlowTable(maxFlows + 1);
  const dnsTracker: DnsTracker | null = options.dns === false ? null : createDnsTracker(table, options.dnsRecords !== false);
  const ticks = options.ticks === false ? null : createPacketTickCounter(table);
  const echoes = options.echoes !== false;
  const connLog = options.connLog ?? null;

  /** Connection key → slot of the live connection. */
  const flows = new FlowIndex(table);
  /**
   * Connections in creation order (slot and serial; an entry whose slot has
   * since been released or reused is skipped), for the cap: entries
   * [byAgeHead, byAgeTail) of two typed arrays, compacted in place when full
   * (amortised O(1), and no garbage: as JS arrays these were, with the expiry
   * buckets, most of a SYN flood's garbage).
   */
  let byAgeSlot = new Int32Array(1024);
  let byAgeSerial = new Uint32Array(1024);
  let byAgeHead = 0;
  let byAgeTail = 0;
  const expiry = createFlowExpiryQueue(table);
  let out = createTrackerOutput();
  const stats: FlowTrackerStats = {
    packets: 0,
    nonIp: 0,
    badTransport: 0,
    fragmentsSkipped: 0,
    badChecksums: 0,
    flowsCreated: 0,
    flowsFinished: 0,
    evictedFlows: 0,
    liveFlows: 0,
    maxLiveFlows: 0,
  };

  /** The reader's last packet: its frame, its connection's slot (-1 when it has none here), and whether its checksum was bad. */
  let lastFrameSeq = -1;
  let lastSlot = -1;
  let lastDropped = false;
  /**
   * Connections seen inside tunnels: the identity of the tunnel that carried the last packet (a UDP
   * tunnel's connection key hash, an IP tunnel's address pair key), how often that changed (Zeek's
   * `tunnel_changed`), and the uids of every tunnel seen (Zeek's `tunnel_parents`). Only such
   * connections have entries.
   */
  const tunnelParents = new Map<number, number>();
  const tunnelChanges = new Map<number, number>();
  const tunnelParentUids = new Map<number, string[]>();

  /**
   * Zeek `Connection::CheckEncapsulation`: notes the tunnel of a packet of the connection in `slot`, an
   * IP or GRE tunnel by its address-pair `key` or else the UDP tunnel connection in `parentSlot`. Zeek
   * tells IP and GRE tunnels apart by their address pair (the keys are odd 32-bit numbers), UDP ones by
   * their connection (here its slot's serial, beyond 32 bits). The tunnel's uid is worked out only when
   * the tunnel is new to the connection; past Tunnel::max_changes_per_connection changes of tunnel,
   * history `X` (once).
   */
  function noteTunnel(slot: number, key: number, parentSlot: number): void {
    if (key === 0 && parentSlot < 0) return;
    const parent = key !== 0 ? key : 2 ** 33 + table.u32[parentSlot * SLOT_I32 + I_SERIAL]!;
    const before = tunnelParents.get(slot);
    if (before === parent) return;
    tunnelParents.set(slot, parent);
    const parentUid = key !== 0 ? createTunnelUid(key) : table.uid(parentSlot);
    const uids = tunnelParentUids.get(slot);
    if (uids === undefined) tunnelParentUids.set(slot, [parentUid]);
    else if (!uids.includes(parentUid)) uids.push(parentUid);
    if (before === undefined) return;
    const changes = tunnelChanges.get(slot) ?? 0;
    if (changes < MAX_TUNNEL_CHANGES) tunnelChanges.set(slot, changes + 1);
    else table.checkHistory(slot, HIST_TUNNEL_LIMIT, 'X');
  }

  function finishFlow(slot: number): void {
    if (table.isRemoved(slot)) return;
    flows.remove(table.i32[slot * SLOT_I32 + I_K_HASH]!, slot);
    expiry.remove(slot);
    let parents: string[] | undefined;
    if (tunnelParents.size > 0) {
      tunnelParents.delete(slot);
      tunnelChanges.delete(slot);
      parents = tunnelParentUids.get(slot);
      tunnelParentUids.delete(slot);
    }
    if (dnsTracker !== null && table.i32[slot * SLOT_I32 + I_DNS_MESSAGES]! > 0) dnsTracker.endFlow(slot, out.dns);
    if (ticks !== null) ticks.release(slot);
    if (connLog !== null) encodeConnLine(connLog, table, slot, parents);
    else out.flows.push(toFlowRecord(table, slot, parents));
    table.release(slot);
    stats.flowsFinished++;
  }

  /** A later second than any before begins with packet `now`: the ticks of the second that ended are emitted. */
  function advanceTicks(now: { readonly tsSec: number }): void {
    if (ticks !== null) ticks.advance(Math.floor(now.tsSec), out.ticks);
  }

  /** After packet `p` of the connection in `slot` (the packet, not its time: see storeTcpRemoveAt). */
  function updateRemoveAt(slot: number, p: DecodedPacket): void {
    const proto = table.i32[slot * SLOT_I32 + I_PROTO];
    const lastTs = table.f64[slot * SLOT_F64 + F_LAST_TS]!;
    if (proto === PROTO_TCP) storeTcpRemoveAt(table, slot, p, tcpTimers);
    else if (proto === PROTO_UDP) table.f64[slot * SLOT_F64 + F_REMOVE_AT] = lastTs + udpInactivitySec;
    else if (proto === PROTO_ICMP) table.f64[slot * SLOT_F64 + F_REMOVE_AT] = lastTs + icmpInactivitySec;
    else table.f64[slot * SLOT_F64 + F_REMOVE_AT] = lastTs + unknownInactivitySec;
    expiry.schedule(slot);
  }

  function addPacket(p: DecodedPacket): void {
    stats.packets++;
    // The packet's innermost tunnel, noted below: an IP or GRE tunnel's address-pair key, or else the UDP
    // tunnel connection of the packet just before it (same frame), with which it is dropped when that
    // one's checksum was bad (Zeek analyses nothing inside such a packet).
    let tunnelKey = 0;
    let tunnelSlot = -1;
    const reader = isReaderPacket(p);
    if (reader) {
      // Read and compared for every packet, though they matter only inside tunnels: a read or comparison first
      // made at a capture's first tunnelled packet has no type feedback and deoptimised addPacket there.
      const key = p.tunnelKey;
      const keyless = key === 0;
      const sameFrame = p.frameSeq === lastFrameSeq;
      if (p.tunnelDepth > 0) {
        tunnelKey = key;
        if (sameFrame) {
          if (lastDropped) return;
          if (keyless) tunnelSlot = lastSlot;
        }
      }
      lastFrameSeq = p.frameSeq;
      lastSlot = -1;
      lastDropped = false;
    }
    // Counted and read for every packet, for type feedback as above (a capture's first non-IP frame came late).
    const arp = p.arpOp !== undefined && p.arpOp !== 0;
    stats.nonIp += p.ipVersion === 0 ? 1 : 0;
    if (p.ipVersion === 0) {
      if (arp) out.arps.push(readArp(p));
      return;
    }
    const ipProto = p.ipProto;
    const isTransport = ipProto === IP_TCP || ipProto === IP_UDP || ipProto === IP_ICMP || ipProto === IP_ICMP6;
    if (p.isFragment && p.payloadOffset === 0) {
      stats.fragmentsSkipped++;
      return;
    }
    if (isTransport && p.transportTruncated) {
      stats.badTransport++;
      return;
    }
    if (verifyChecksums && p.ipVersion === 4 && verifyIpv4HeaderChecksum(p) === false) {
      stats.badChecksums++;
      // Zeek drops the packet, with whatever a tunnel in it carries.
      if (reader) lastDropped = true;
      return;
    }
    const t = p.tsSec;
    const sec = Math.floor(t);

    // Connection key and the endpoints as this packet would create them.
    let proto: number;
    let sport: number;
    let dport: number;
    let oneWay = false;
    if (ipProto === IP_TCP || ipProto === IP_UDP) {
      proto = ipProto === IP_TCP ? PROTO_TCP : PROTO_UDP;
      sport = p.srcPort;
      dport = p.dstPort;
    } else if (ipProto === IP_ICMP || ipProto === IP_ICMP6) {
      proto = PROTO_ICMP;
      sport = p.icmpType;
      const c = findIcmpCounterpart(p.ipVersion, p.icmpType);
      if (c < 0) {
        oneWay = true;
        dport = p.icmpCode;
      } else dport = c;
    } else {
      proto = PROTO_OTHER;
      sport = 0;
      dport = 0;
    }
    // Canonical order of the two endpoints: by address hash (no string comparison per packet).
    // IPv4 from the capture reader: hashed from the header bytes, the same value as from the text.
    // Their integer values then stand in for the strings in key and direction comparisons, and
    // the address texts (formatted by the reader only when read) are read only when a connection starts.
    let hs: number;
    let hd: number;
    let numeric = false;
    let srcN = 0;
    let dstN = 0;
    let src = '';
    let dst = '';
    // The reader's own packet: its header bytes are read in place (hand-built packets, and copies
    // kept past the reader's callback, take the string path).
    if (reader && p.ipVersion === 4 && p.ipOffset >= 0) {
      const frame = p.frameBuf;
      const ip = p.frameStart + p.ipOffset;
      numeric = true;
      srcN = (frame[ip + 12]! << 24) | (frame[ip + 13]! << 16) | (frame[ip + 14]! << 8) | frame[ip + 15]!;
      dstN = (frame[ip + 16]! << 24) | (frame[ip + 17]! << 16) | (frame[ip + 18]! << 8) | frame[ip + 19]!;
      // Their hashes through flow-index.ts's cache, looked up here (see ipv4HashKeys).
      const sc = ipv4HashSlot(srcN);
      hs = ipv4HashKeys[sc] === srcN ? ipv4HashValues[sc]! : cacheIpv4Hash(frame, ip + 12, srcN, sc);
      const dc = ipv4HashSlot(dstN);
      hd = ipv4HashKeys[dc] === dstN ? ipv4HashValues[dc]! : cacheIpv4Hash(frame, ip + 16, dstN, dc);
    } else {
      src = p.src;
      dst = p.dst;
      hs = hashAddress(src);
      hd = hashAddress(dst);
    }
    // Equal hashes (the same address, or rarely two addresses): by text, as hand-built packets are ordered.
    const forward = oneWay || hs < hd || (hs === hd && (p.src === p.dst ? sport <= dport : p.src < p.dst));
    const kpa = forward ? sport : dport;
    const kpb = forward ? dport : sport;
    const hash = forward ? hashFlowKey(ipProto, hs, kpa, hd, kpb, oneWay) : hashFlowKey(ipProto, hd, kpa, hs, kpb, oneWay);
    // Zeek: a packet with a bad transport checksum makes or finds its connection but is neither counted nor analysed.
    const badChecksum = verifyChecksums && proto !== PROTO_OTHER && verifyTransportChecksum(p) === false;
    if (reader) lastDropped = badChecksum;

    let slot = flows.find(hash, ipProto, forward ? src : dst, kpa, forward ? dst : src, kpb, oneWay, numeric, forward ? srcN : dstN, forward ? dstN : srcN);
    // The sweep finishes what is due, the found connection included (then its slot is released: the sweep
    // only releases, so a released slot is not reused before the lookup's answer is dropped here), and when
    // a later second begins, advances the ticks in between (so the found connection's ticks of the second
    // that ended are counted as live, as before). It acts only when a later second begins, but is called for
    // every packet: a call made only then has no type feedback when V8 first optimises addPacket (within the
    // first second), and its first run deoptimised addPacket. It gets the packet, not the time: a double
    // passed to a call (or kept in a closure variable, as the latest time was) is a new heap number each time.
    expiry.sweep(p, finishFlow, slot, advanceTicks);
    if (slot >= 0) {
      if (table.isRemoved(slot)) {
        slot = -1;
      } else if (proto === PROTO_TCP) {
        clearFiredTcpTimers(table, slot, t);
        if (isTcpReuse(table, slot, p)) {
          finishFlow(slot);
          slot = -1;
        }
      }
    }
    if (slot < 0) {
      if (numeric) {
        src = p.src;
        dst = p.dst;
      }
      slot = table.alloc(t, src, hs, sport, dst, hd, dport, proto, ipProto);
      table.setKey(slot, hash, forward ? src : dst, kpa, forward ? dst : src, kpb, oneWay);
      if (numeric) table.setNumericAddresses(slot, forward ? srcN : dstN, forward ? dstN : srcN, srcN, dstN);
      if (proto === PROTO_TCP) initTcpConnection(table, slot, t, tcpTimers);
      flows.insert(hash, slot);
      if (byAgeTail === byAgeSlot.length) compactByAge();
      byAgeSlot[byAgeTail] = slot;
      byAgeSerial[byAgeTail] = table.u32[slot * SLOT_I32 + I_SERIAL]!;
      byAgeTail++;
      stats.flowsCreated++;
      if (flows.count > stats.maxLiveFlows) stats.maxLiveFlows = flows.count;
      if (dst !== '255.255.255.255' && wantsFlip(proto, sport, dport, p.tcpFlags)) table.flipRoles(slot);
      if (flows.count > maxFlows) evictOldest();
    }

    const si = slot * SLOT_I32;
    const sameSrc =
      numeric && (table.i32[si + I_FLAGS]! & FLAG_NUMERIC_ADDR) !== 0 ? srcN === table.i32[si + I_ORIG_N] : p.src === table.str[slot * SLOT_STR + S_ORIG_H];
    const fromOrig = sameSrc && (proto === PROTO_ICMP || proto === PROTO_OTHER || sport === table.i32[si + I_ORIG_P]);
    if (reader) lastSlot = slot;
    if (badChecksum) {
      stats.badChecksums++;
      if (proto !== PROTO_ICMP) table.addChecksumError(slot, fromOrig ? 0 : 1);
      updateRemoveAt(slot, p);
      return;
    }
    // Called for every packet (it returns at once outside tunnels), for type feedback as above.
    noteTunnel(slot, tunnelKey, tunnelSlot);
    if (ticks !== null) ticks.count(slot, fromOrig, sec, p.ipLen, p, proto === PROTO_TCP || proto === PROTO_UDP ? dport : 0);
    // ConnSize counts packets and IP bytes per direction; ICMP cut short by the snap length is not counted (Zeek ICMP.cc).
    const countSize = proto !== PROTO_ICMP || p.payloadOffset + p.payloadLen <= p.capLen;
    // Per side: the largest payload of one packet, and the first TCP packet's flags (probe type).
    const side = slot * 2 + (fromOrig ? 0 : 1);
    if (p.payloadLen > table.sideMaxPayload[side]!) table.sideMaxPayload[side] = p.payloadLen;
    if (proto === PROTO_TCP && table.sideFirstFlags[side] === 0) table.sideFirstFlags[side] = 0x100 | p.tcpFlags;

    if (proto === PROTO_TCP) {
      if (fromOrig) {
        table.f64[slot * SLOT_F64 + F_ORIG_PKTS] = table.f64[slot * SLOT_F64 + F_ORIG_PKTS]! + 1;
        table.f64[slot * SLOT_F64 + F_ORIG_IP_BYTES] = table.f64[slot * SLOT_F64 + F_ORIG_IP_BYTES]! + p.ipLen;
      } else {
        table.f64[slot * SLOT_F64 + F_RESP_PKTS] = table.f64[slot * SLOT_F64 + F_RESP_PKTS]! + 1;
        table.f64[slot * SLOT_F64 + F_RESP_IP_BYTES] = table.f64[slot * SLOT_F64 + F_RESP_IP_BYTES]! + p.ipLen;
      }
      processTcpPacket(table, slot, fromOrig, p, tcpTimers);
      if (dnsTracker?.wants(slot)) dnsTracker.handlePacket(slot, fromOrig, p, out.dns);
    } else {
      table.f64[slot * SLOT_F64 + F_LAST_TS] = Math.max(t, table.f64[slot * SLOT_F64 + F_LAST_TS]!);
      if (proto === PROTO_UDP) table.checkHistory(slot, fromOrig ? 0x10 : 0x10 << 16, fromOrig ? 'D' : 'd');
      // Application analyzers (DNS, NTP) run before Zeek updates the UDP/ICMP sizes and ConnSize, which then
      // use the packet's direction as it was before any flip they made (hence NTP's "D^" with 2 orig packets).
      if (proto === PROTO_UDP) {
        if (dnsTracker?.wants(slot)) dnsTracker.handlePacket(slot, fromOrig, p, out.dns);
        applyNtpFlip(table, slot, fromOrig, p);
      }
      if (fromOrig) {
        table.i32[slot * SLOT_I32 + I_FLAGS] = table.i32[slot * SLOT_I32 + I_FLAGS]! | FLAG_ORIG_SEEN;
        table.f64[slot * SLOT_F64 + F_ORIG_PAYLOAD_BYTES] = table.f64[slot * SLOT_F64 + F_ORIG_PAYLOAD_BYTES]! + p.payloadLen;
        if (countSize) {
          table.f64[slot * SLOT_F64 + F_ORIG_PKTS] = table.f64[slot * SLOT_F64 + F_ORIG_PKTS]! + 1;
          table.f64[slot * SLOT_F64 + F_ORIG_IP_BYTES] = table.f64[slot * SLOT_F64 + F_ORIG_IP_BYTES]! + p.ipLen;
        }
      } else {
        table.i32[slot * SLOT_I32 + I_FLAGS] = table.i32[slot * SLOT_I32 + I_FLAGS]! | FLAG_RESP_SEEN;
        table.f64[slot * SLOT_F64 + F_RESP_PAYLOAD_BYTES] = table.f64[slot * SLOT_F64 + F_RESP_PAYLOAD_BYTES]! + p.payloadLen;
        if (countSize) {
          table.f64[slot * SLOT_F64 + F_RESP_PKTS] = table.f64[slot * SLOT_F64 + F_RESP_PKTS]! + 1;
          table.f64[slot * SLOT_F64 + F_RESP_IP_BYTES] = table.f64[slot * SLOT_F64 + F_RESP_IP_BYTES]! + p.ipLen;
        }
      }
      if (echoes && proto === PROTO_ICMP && isIcmpEcho(p.ipVersion, p.icmpType)) {
        const srcV4 = numeric ? srcN : dottedQuadValue(p.src) | 0;
        const dstV4 = numeric ? dstN : dottedQuadValue(p.dst) | 0;
        // The payload's fingerprint, hashed where it lies (the reader's frame buffer; a hand-built packet's data).
        const payloadHash = reader
          ? hashEchoPayload(p.frameBuf, p.frameStart + p.payloadOffset, p.payloadLen, p.frameEnd)
          : hashEchoPayload(p.data, p.payloadOffset, p.payloadLen, p.data.length);
        out.echoes.push({ ts: t, src: p.src, dst: p.dst, type: p.icmpType, srcV4, dstV4, id: p.icmpId, seq: p.icmpSeq, payloadBytes: p.payloadLen, payloadHash });
      }
    }
    updateRemoveAt(slot, p);
  }

  /** Zeek's flip at connection creation (TCPAnalyzer / UDPAnalyzer `WantConnection`). */
  function wantsFlip(proto: number, sport: number, dport: number, tcpFlags: number): boolean {
    if (proto === PROTO_TCP) {
      const pureSyn = (tcpFlags & TCP_SYN) !== 0 && (tcpFlags & TCP_ACK) === 0;
      if (pureSyn || !likely.tcp.has(sport)) return false;
      if (likely.tcp.has(dport)) return (tcpFlags & TCP_SYN) === 0 && sport < dport;
      return true;
    }
    if (proto === PROTO_UDP) return likely.udp.has(sport) && !likely.udp.has(dport);
    return false;
  }

  function evictOldest(): void {
    while (flows.count > maxFlows && byAgeHead < byAgeTail) {
      const slot = byAgeSlot[byAgeHead]!;
      const serial = byAgeSerial[byAgeHead]!;
      byAgeHead++;
      if (table.isRemoved(slot) || table.u32[slot * SLOT_I32 + I_SERIAL] !== serial) continue;
      stats.evictedFlows++;
      finishFlow(slot);
    }
  }

  /**
   * The age list is full: drops the entries of finished connections, in place, and doubles the arrays
   * when live ones still fill more than half (live entries are at most the live connections, so the
   * arrays stay within twice the most ever live).
   */
  function compactByAge(): void {
    let w = 0;
    for (let r = byAgeHead; r < byAgeTail; r++) {
      const slot = byAgeSlot[r]!;
      const serial = byAgeSerial[r]!;
      if (!table.isRemoved(slot) && table.u32[slot * SLOT_I32 + I_SERIAL] === serial) {
        byAgeSlot[w] = slot;
        byAgeSerial[w] = serial;
        w++;
      }
    }
    byAgeHead = 0;
    byAgeTail = w;
    if (w * 2 > byAgeSlot.length) {
      const slots = new Int32Array(byAgeSlot.length * 2);
      const serials = new Uint32Array(byAgeSlot.length * 2);
      slots.set(byAgeSlot.subarray(0, w));
      serials.set(byAgeSerial.subarray(0, w));
      byAgeSlot = slots;
      byAgeSerial = serials;
    }
  }

  function take(): TrackerOutput {
    const o = out;
    out = createTrackerOutput();
    stats.liveFlows = flows.count;
    return o;
  }

  /** Slots below this were passed by `finishSome`. */
  let finishedBelow = 0;

  function finishSome(limit: number): TrackerOutput | null {
    const n = table.highWater;
    let done = 0;
    for (; finishedBelow < n && done < limit; finishedBelow++) {
      if (table.isRemoved(finishedBelow)) continue;
      finishFlow(finishedBelow);
      done++;
    }
    return done > 0 ? take() : null;
  }

  function finish(): TrackerOutput {
    const n = table.highWater;
    for (let slot = 0; slot < n; slot++) if (!table.isRemoved(slot)) finishFlow(slot);
    byAgeHead = 0;
    byAgeTail = 0;
    if (ticks !== null) ticks.flush(out.ticks);
    return take();
  }

  return { addPacket, take, finishSome, finish, stats };
}
