/**
 * Pairs DNS queries and responses seen in a capture into DnsRecords, as
 * Zeek's DNS analyzer writes dns.log:
 *
 * 1. DNS is parsed on UDP 53, 137 (NetBIOS name service), 5353 (mDNS),
 *    5355 (LLMNR) and TCP 53 (length-prefixed; a message split over several
 *    segments is parsed as far as the segment goes), on either side.
 * 2. A query waits on its connection under its transaction id (several
 *    queries with the same id queue in order).
 * 3. A response takes the oldest waiting query with its id: the record has
 *    the query's time, name and type and the response's rcode, answers and
 *    TTLs; `responseBytes` is the response message length. A response with no
 *    query gives a record on its own (query from its question section, or from
 *    its first answer when it has none, as mDNS announcements do).
 * 4. Queries still waiting when the connection ends are written with
 *    rcode null (Zeek writes unanswered queries when the connection is removed).
 * 5. The first DNS message of a connection decides who is the client: when it
 *    is a response sent by the originator (and the responder address is not
 *    multicast), the connection's roles are flipped, as Zeek's DNS analyzer does.
 *
 * Query names are lower-cased (Zeek's DNS analyzer lower-cases the labels it
 * extracts); on port 137 they are decoded from NetBIOS first-level encoding
 * (Zeek's `decode_netbios_name`, upper case, suffix and padding dropped).
 *
 * A successfully parsed message sets the connection's `service` to "dns"
 * (Zeek's service comes from protocol detection; this is the cheap, honest
 * part of it).
 */
import type { DnsRecord } from '../types.js';
import type { Flow } from './flow-tracker/flow.js';
import { createFlowUid } from './flow-tracker/flow-uid.js';
import type { DecodedPacket } from './pcap/decoded-packet.js';
import { type DnsMessage, parseDnsMessage, parseDnsOverTcp } from './pcap/dns-message.js';
import { nameDnsQueryType, nameDnsRcode } from './pcap/dns-names.js';

/** UDP ports Zeek's DNS analyzer is registered for. */
export const DNS_UDP_PORTS: ReadonlySet<number> = new Set([53, 137, 5353, 5355]);
export const DNS_TCP_PORTS: ReadonlySet<number> = new Set([53]);

interface PendingQuery {
  ts: number;
  transId: number;
  query: string;
  qtype: number | null;
}

export interface DnsTracker {
  /** True when DNS should be parsed on this flow (by its ports). */
  wants(flow: Flow): boolean;
  /** Parses the packet's payload (sent by the originator when `fromOrig`); finished records go to `out`. */
  handlePacket(flow: Flow, fromOrig: boolean, p: DecodedPacket, out: DnsRecord[]): void;
  /** The connection ended: writes its unanswered queries. */
  endFlow(flow: Flow, out: DnsRecord[]): void;
  readonly stats: { messages: number; malformed: number };
}

export function createDnsTracker(): DnsTracker {
  const pending = new Map<Flow, PendingQuery[]>();
  const stats = { messages: 0, malformed: 0 };

  function record(flow: Flow, ts: number, transId: number | null, query: string, qtype: number | null, msg: DnsMessage | null): DnsRecord {
    const answers: string[] = [];
    const ttls: number[] = [];
    if (msg !== null) {
      for (const a of msg.answers) {
        answers.push(a.data);
        ttls.push(a.ttl);
      }
    }
    return {
      ts,
      uid: createFlowUid(flow.key, flow.ts),
      client: flow.origH,
      clientP: flow.origP,
      server: flow.respH,
      serverP: flow.respP,
      proto: flow.proto,
      transId,
      query,
      qtype,
      qtypeName: qtype === null ? null : nameDnsQueryType(qtype),
      rcode: msg === null ? null : msg.rcode,
      rcodeName: msg === null ? null : nameDnsRcode(msg.rcode),
      answers,
      ttls,
      responseBytes: msg === null ? null : msg.length,
    };
  }

  return {
    stats,
    wants(flow) {
      if (flow.proto === 'udp') return DNS_UDP_PORTS.has(flow.respP) || DNS_UDP_PORTS.has(flow.origP);
      if (flow.proto === 'tcp') return DNS_TCP_PORTS.has(flow.respP) || DNS_TCP_PORTS.has(flow.origP);
      return false;
    },
    handlePacket(flow, fromOrig, p, out) {
      if (p.payloadLen <= 0) return;
      const avail = Math.min(p.payloadLen, p.data.length - p.payloadOffset);
      if (avail <= 0) return;
      const msg = flow.proto === 'tcp' ? parseDnsOverTcp(p.data, p.payloadOffset, avail) : parseDnsMessage(p.data, p.payloadOffset, avail);
      if (msg === null) {
        stats.malformed++;
        return;
      }
      if (msg.problem !== null) stats.malformed++;
      else flow.service = 'dns';
      stats.messages++;
      const first = flow.dnsMessages === 0;
      flow.dnsMessages++;
      if (first && msg.qr && fromOrig && !isMulticast(flow.respH)) flow.flipRoles();
      const q = msg.questions[0];
      if (!msg.qr) {
        let list = pending.get(flow);
        if (list === undefined) {
          list = [];
          pending.set(flow, list);
        }
        list.push({ ts: p.tsSec, transId: msg.id, query: q === undefined ? '' : formatQuery(flow, q.name), qtype: q === undefined ? null : q.qtype });
        return;
      }
      const list = pending.get(flow);
      if (list !== undefined) {
        const i = list.findIndex((x) => x.transId === msg.id);
        if (i >= 0) {
          const query = list[i]!;
          list.splice(i, 1);
          if (list.length === 0) pending.delete(flow);
          out.push(record(flow, query.ts, query.transId, query.query, query.qtype, msg));
          return;
        }
      }
      const name = q !== undefined ? q.name : (msg.answers[0]?.name ?? '');
      out.push(record(flow, p.tsSec, msg.id, formatQuery(flow, name), q === undefined ? null : q.qtype, msg));
    },
    endFlow(flow, out) {
      const list = pending.get(flow);
      if (list === undefined) return;
      pending.delete(flow);
      for (const query of list) out.push(record(flow, query.ts, query.transId, query.query, query.qtype, null));
    },
  };
}

const NETBIOS_NS_PORT = 137;

function formatQuery(flow: Flow, name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (flow.respP === NETBIOS_NS_PORT || flow.origP === NETBIOS_NS_PORT) {
    const decoded = decodeNetbiosName(n);
    if (decoded !== null) return decoded;
  }
  return toLowerAscii(n);
}

function toLowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/**
 * NetBIOS first-level decoding of the first label (32 letters A-P, two per
 * byte); trailing spaces and unprintable bytes (the suffix) are dropped.
 * Returns null when the label is not such an encoding.
 */
export function decodeNetbiosName(name: string): string | null {
  const label = name.split('.', 1)[0] ?? '';
  if (!/^[A-P]{32}$/.test(label)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 2) bytes.push(((label.charCodeAt(i) - 65) << 4) | (label.charCodeAt(i + 1) - 65));
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1]! <= 0x20 || bytes[end - 1]! >= 0x7f)) end--;
  return String.fromCharCode(...bytes.slice(0, end));
}

function isMulticast(addr: string): boolean {
  if (addr.includes(':')) return addr.startsWith('ff');
  const first = Number.parseInt(addr, 10);
  return first >= 224 && first <= 239;
}
