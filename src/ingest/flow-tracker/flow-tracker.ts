/**
 * The flow tracker: turns decoded packets into Zeek conn.log connections
 * (FlowRecord), plus PacketTicks, IcmpEchoes and DnsRecords from the same
 * packets. What it does per packet:
 *
 * 1. Skip what Zeek would not make a connection of: non-IP frames, TCP/UDP/
 *    ICMP headers cut short, non-first IP fragments (counted in `stats`;
 *    fragments are not reassembled).
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
 * Memory: one Flow object (two TcpEndpoints for TCP) per live connection and
 * its key string; nothing else is allocated per packet except output records.
 */
import type { DnsRecord, FlowRecord, IcmpEcho, PacketTick, Proto } from '../../types.js';
import { createDnsTracker, type DnsTracker } from '../dns-tracker.js';
import type { DecodedPacket } from '../pcap/decoded-packet.js';
import { Flow } from './flow.js';
import { createFlowExpiryQueue } from './flow-expiry.js';
import { toFlowRecord } from './flow-record.js';
import { findIcmpCounterpart, isIcmpEcho } from './icmp-counterpart.js';
import { type LikelyServerPorts, ZEEK_DEFAULT_LIKELY_SERVER_PORTS } from './likely-server-ports.js';
import { applyNtpFlip } from './ntp-flip.js';
import { createPacketTickCounter } from './packet-ticks.js';
import { clearFiredTcpTimers, computeTcpRemoveAt } from './tcp-timers.js';
import { isTcpReuse, processTcpPacket, type TcpTimerSettings, TcpSession, ZEEK_TCP_TIMERS } from './tcp-session.js';

/** Default cap on live connections before the oldest are finished early. */
export const DEFAULT_MAX_FLOWS = 1_000_000;

export interface FlowTrackerOptions {
  /** Live connections kept at most; past it the oldest are finished and counted (default 1,000,000). */
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
  /** Produce PacketTicks (default true). */
  ticks?: boolean;
}

export interface FlowTrackerStats {
  packets: number;
  /** Frames without a decodable IP header. */
  nonIp: number;
  /** IP packets whose TCP/UDP/ICMP header was cut short or malformed. */
  badTransport: number;
  /** Non-first IP fragments (not reassembled, not counted in any connection). */
  fragmentsSkipped: number;
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
}

export interface FlowTracker {
  /** Processes one packet (the object may be reused by the caller after return). */
  addPacket(p: DecodedPacket): void;
  /** Hands over the records finished so far. */
  take(): TrackerOutput;
  /** End of input: finishes every live connection and tick, then hands everything over. */
  finish(): TrackerOutput;
  readonly stats: FlowTrackerStats;
}

const IP_TCP = 6;
const IP_UDP = 17;
const IP_ICMP = 1;
const IP_ICMP6 = 58;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;

export function createFlowTracker(options: FlowTrackerOptions = {}): FlowTracker {
  const maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
  const udpInactivitySec = options.udpInactivitySec ?? 60;
  const icmpInactivitySec = options.icmpInactivitySec ?? 60;
  const unknownInactivitySec = options.unknownInactivitySec ?? 60;
  const tcpTimers = options.tcpTimers ?? ZEEK_TCP_TIMERS;
  const likely = options.likelyServerPorts ?? ZEEK_DEFAULT_LIKELY_SERVER_PORTS;
  const dnsTracker: DnsTracker | null = options.dns === false ? null : createDnsTracker();
  const ticks = options.ticks === false ? null : createPacketTickCounter();

  const flows = new Map<string, Flow>();
  /**
   * Live flows in creation order, for the cap (a Map iterator would skip over
   * every deleted entry at the front on each eviction: quadratic).
   */
  let byAge: Flow[] = [];
  let byAgeHead = 0;
  const expiry = createFlowExpiryQueue();
  let out: TrackerOutput = { flows: [], dns: [], ticks: [], echoes: [] };
  let nowSec = Number.NEGATIVE_INFINITY;
  const stats: FlowTrackerStats = {
    packets: 0,
    nonIp: 0,
    badTransport: 0,
    fragmentsSkipped: 0,
    flowsCreated: 0,
    flowsFinished: 0,
    evictedFlows: 0,
    liveFlows: 0,
    maxLiveFlows: 0,
  };

  function finishFlow(flow: Flow): void {
    if (flow.removed) return;
    flow.removed = true;
    if (flows.get(flow.key) === flow) flows.delete(flow.key);
    if (dnsTracker !== null && flow.dnsMessages > 0) dnsTracker.endFlow(flow, out.dns);
    out.flows.push(toFlowRecord(flow));
    stats.flowsFinished++;
  }

  function updateRemoveAt(flow: Flow, t: number): void {
    const s = flow.tcp;
    if (s !== null) flow.removeAt = computeTcpRemoveAt(flow, s, t);
    else if (flow.proto === 'udp') flow.removeAt = flow.lastTs + udpInactivitySec;
    else if (flow.proto === 'icmp') flow.removeAt = flow.lastTs + icmpInactivitySec;
    else flow.removeAt = flow.lastTs + unknownInactivitySec;
    expiry.schedule(flow);
  }

  function addPacket(p: DecodedPacket): void {
    stats.packets++;
    if (p.ipVersion === 0) {
      stats.nonIp++;
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
    const t = p.tsSec;
    if (t > nowSec) {
      nowSec = t;
      expiry.sweep(t, finishFlow);
      if (ticks !== null) ticks.advance(t, out.ticks);
    }

    // Connection key and the endpoints as this packet would create them.
    let proto: Proto;
    let sport: number;
    let dport: number;
    let key: string;
    let oneWay = false;
    if (ipProto === IP_TCP || ipProto === IP_UDP) {
      proto = ipProto === IP_TCP ? 'tcp' : 'udp';
      sport = p.srcPort;
      dport = p.dstPort;
    } else if (ipProto === IP_ICMP || ipProto === IP_ICMP6) {
      proto = 'icmp';
      sport = p.icmpType;
      const c = findIcmpCounterpart(p.ipVersion, p.icmpType);
      if (c < 0) {
        oneWay = true;
        dport = p.icmpCode;
      } else dport = c;
    } else {
      proto = 'unknown_transport';
      sport = 0;
      dport = 0;
    }
    const src = p.src;
    const dst = p.dst;
    if (oneWay) key = `${ipProto}>${src} ${sport} ${dst} ${dport}`;
    else if (src < dst || (src === dst && sport <= dport)) key = `${ipProto} ${src} ${sport} ${dst} ${dport}`;
    else key = `${ipProto} ${dst} ${dport} ${src} ${sport}`;

    let flow = flows.get(key);
    if (flow !== undefined) {
      if (flow.removeAt <= t) {
        finishFlow(flow);
        flow = undefined;
      } else if (flow.tcp !== null) {
        clearFiredTcpTimers(flow.tcp, t);
        if (isTcpReuse(flow.tcp, p)) {
          finishFlow(flow);
          flow = undefined;
        }
      }
    }
    if (flow === undefined) {
      flow = new Flow(key, t, src, sport, dst, dport, proto, ipProto);
      if (proto === 'tcp') flow.tcp = new TcpSession(t, tcpTimers);
      flows.set(key, flow);
      byAge.push(flow);
      stats.flowsCreated++;
      if (flows.size > stats.maxLiveFlows) stats.maxLiveFlows = flows.size;
      if (dst !== '255.255.255.255' && wantsFlip(proto, sport, dport, p.tcpFlags)) flow.flipRoles();
      if (flows.size > maxFlows) evictOldest();
      else if (byAge.length >= 2 * flows.size + 1024) compactByAge();
    }

    const fromOrig = src === flow.origH && (proto === 'icmp' || proto === 'unknown_transport' || sport === flow.origP);
    if (ticks !== null) ticks.count(flow, fromOrig, t, p.ipLen, dst, proto === 'tcp' || proto === 'udp' ? dport : 0);
    // ConnSize counts packets and IP bytes per direction; ICMP cut short by the snap length is not counted (Zeek ICMP.cc).
    const countSize = proto !== 'icmp' || p.payloadOffset + p.payloadLen <= p.data.length;

    if (flow.tcp !== null) {
      if (fromOrig) {
        flow.origPkts++;
        flow.origIpBytes += p.ipLen;
      } else {
        flow.respPkts++;
        flow.respIpBytes += p.ipLen;
      }
      processTcpPacket(flow, flow.tcp, fromOrig, p);
      if (dnsTracker !== null && (flow.dnsMessages > 0 || dnsTracker.wants(flow))) dnsTracker.handlePacket(flow, fromOrig, p, out.dns);
    } else {
      flow.lastTs = Math.max(t, flow.lastTs);
      if (proto === 'udp') flow.checkHistory(fromOrig ? 0x10 : 0x10 << 16, fromOrig ? 'D' : 'd');
      // Application analyzers (DNS, NTP) run before Zeek updates the UDP/ICMP sizes and ConnSize, which then
      // use the packet's direction as it was before any flip they made (hence NTP's "D^" with 2 orig packets).
      if (proto === 'udp') {
        if (dnsTracker !== null && (flow.dnsMessages > 0 || dnsTracker.wants(flow))) dnsTracker.handlePacket(flow, fromOrig, p, out.dns);
        applyNtpFlip(flow, fromOrig, p);
      }
      if (fromOrig) {
        flow.origSeen = true;
        flow.origPayloadBytes += p.payloadLen;
        if (countSize) {
          flow.origPkts++;
          flow.origIpBytes += p.ipLen;
        }
      } else {
        flow.respSeen = true;
        flow.respPayloadBytes += p.payloadLen;
        if (countSize) {
          flow.respPkts++;
          flow.respIpBytes += p.ipLen;
        }
      }
      if (proto === 'icmp' && isIcmpEcho(p.ipVersion, p.icmpType)) {
        out.echoes.push({ ts: t, src, dst, type: p.icmpType, id: p.icmpId, seq: p.icmpSeq, payloadBytes: p.payloadLen });
      }
    }
    updateRemoveAt(flow, t);
  }

  /** Zeek's flip at connection creation (TCPAnalyzer / UDPAnalyzer `WantConnection`). */
  function wantsFlip(proto: Proto, sport: number, dport: number, tcpFlags: number): boolean {
    if (proto === 'tcp') {
      const pureSyn = (tcpFlags & TCP_SYN) !== 0 && (tcpFlags & TCP_ACK) === 0;
      if (pureSyn || !likely.tcp.has(sport)) return false;
      if (likely.tcp.has(dport)) return (tcpFlags & TCP_SYN) === 0 && sport < dport;
      return true;
    }
    if (proto === 'udp') return likely.udp.has(sport) && !likely.udp.has(dport);
    return false;
  }

  function evictOldest(): void {
    while (flows.size > maxFlows && byAgeHead < byAge.length) {
      const oldest = byAge[byAgeHead++]!;
      if (oldest.removed) continue;
      stats.evictedFlows++;
      finishFlow(oldest);
    }
    if (byAgeHead > 1024 && byAgeHead * 2 > byAge.length) compactByAge();
  }

  /** Drops finished flows from the age list (called when they make up most of it: amortised O(1) per flow). */
  function compactByAge(): void {
    const live: Flow[] = [];
    for (let i = byAgeHead; i < byAge.length; i++) {
      const f = byAge[i]!;
      if (!f.removed) live.push(f);
    }
    byAge = live;
    byAgeHead = 0;
  }

  function take(): TrackerOutput {
    const o = out;
    out = { flows: [], dns: [], ticks: [], echoes: [] };
    stats.liveFlows = flows.size;
    return o;
  }

  function finish(): TrackerOutput {
    for (const flow of [...flows.values()]) finishFlow(flow);
    byAge = [];
    byAgeHead = 0;
    if (ticks !== null) ticks.flush(out.ticks);
    return take();
  }

  return { addPacket, take, finish, stats };
}
