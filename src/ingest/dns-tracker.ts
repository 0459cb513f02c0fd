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
 *    Only a message that looks like DNS may flip them (see 6): iodine's raw
 *    packets to port 53 (magic 10 d1 9e) read as a "response" with the
 *    unassigned opcode 3, and flipping on them made the tunnel's server the client.
 * 6. Each payload packet on the connection is judged: DNS when it parses
 *    whole with an assigned opcode (QUERY, IQUERY, STATUS, NOTIFY, UPDATE,
 *    DSO; any opcode off port 53, where NetBIOS uses its own), or when the
 *    capture's snap length or the TCP segment cut it after a well-formed
 *    header; not DNS when it is shorter than a header, fails to parse, or
 *    has an unassigned opcode (3, 7-15) on port 53; a packet cut by the snap
 *    length before the header ends is not judged. The connection's `service`
 *    is "dns" while DNS packets are at least as many as the others (UDP), or
 *    once one DNS message was seen (TCP: segments after a message's first
 *    carry its continuation, which does not parse on its own). A connection
 *    on port 53 whose payload is mostly not DNS is left without the service,
 *    which is what the tunnel detector's non-DNS-on-port-53 signal reads
 *    (as Zeek leaves `service` empty when its DNS analyzer does not confirm).
 *
 * Query names are lower-cased (Zeek's DNS analyzer lower-cases the labels it
 * extracts); on port 137 they are decoded from NetBIOS first-level encoding
 * (Zeek's `decode_netbios_name`, upper case, suffix and padding dropped).
 *
 * The `service` of step 6 is Zeek's service from protocol detection in its
 * cheap, honest part: the packets judged one by one.
 */
import type { DnsRecord } from '../types.js';
import {
  FLAG_DNS_CHECKED,
  FLAG_DNS_PORT,
  type FlowTable,
  I_DNS_MESSAGES,
  I_FLAGS,
  I_ORIG_P,
  I_PROTO,
  I_RESP_P,
  PROTO_NAMES,
  PROTO_TCP,
  PROTO_UDP,
  S_ORIG_H,
  S_RESP_H,
  SLOT_I32,
  SLOT_STR,
} from './flow-tracker/flow-table.js';
import { isReaderPacket } from './pcap/decode-frame.js';
import type { DecodedPacket } from './pcap/decoded-packet.js';
import { type DnsAnswer, type DnsMessage, emptyDnsMessage, parseDnsMessageInto, parseDnsOverTcpInto } from './pcap/dns-message.js';
import { nameDnsQueryType, nameDnsRcode } from './dns-constants.js';

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
  /** True when DNS should be parsed on the connection in `slot` (by its ports, or DNS seen before). */
  wants(slot: number): boolean;
  /** Parses the packet's payload (sent by the originator when `fromOrig`); finished records go to `out`. */
  handlePacket(slot: number, fromOrig: boolean, p: DecodedPacket, out: DnsRecord[]): void;
  /** The connection in `slot` ended: writes its unanswered queries. */
  endFlow(slot: number, out: DnsRecord[]): void;
  readonly stats: { messages: number; malformed: number };
}

/**
 * `records` false: packets are still parsed and judged, and flip roles (steps 5 and 6), but no query waits
 * and no DnsRecord is made (steps 2-4). `flows` without --dns has no use for them (the records, a uid
 * each, the waiting queries and their lower-cased names): without them `flows --no-sort` on the first
 * 300,000 packets of capture-realistic-1100000.pcap ran 0.97x the instructions (callgrind, node
 * --single-threaded: 6.05 G against 6.20 and 6.26 G in two runs of the build before).
 */
export function createDnsTracker(t: FlowTable, records = true): DnsTracker {
  /**
   * The unanswered queries of each connection, by flow table slot (undefined: none). An array rather
   * than a Map: every query and every answered response added or removed a Map entry (the Map's
   * set, get and delete were about 30 ms of a capture-realistic-1100000.pcap profile).
   */
  const pending: (PendingQuery[] | undefined)[] = [];

  /** Every packet's message is parsed into this one object: nothing of it but its answers' texts and TTLs is kept. */
  const scratch = emptyDnsMessage();

  function pendingOf(slot: number): PendingQuery[] | undefined {
    return slot < pending.length ? pending[slot] : undefined;
  }

  function setPending(slot: number, list: PendingQuery[] | undefined): void {
    // Grown densely with undefined, so the array keeps fast elements.
    while (pending.length <= slot) pending.push(undefined);
    pending[slot] = list;
  }
  const stats = { messages: 0, malformed: 0 };
  /**
   * Per flow table slot: packets judged DNS and not DNS (step 6), reset when a connection takes the
   * slot (its first `wants`). Plain arrays of small integers, grown densely as `pending` is.
   */
  const dnsPackets: number[] = [];
  const otherPackets: number[] = [];

  function resetJudged(slot: number): void {
    while (dnsPackets.length <= slot) {
      dnsPackets.push(0);
      otherPackets.push(0);
    }
    dnsPackets[slot] = 0;
    otherPackets[slot] = 0;
  }

  /** Counts one judged packet of the connection in `slot` and sets its service (step 6); `sticky`: one DNS packet is enough. */
  function judge(slot: number, isDns: boolean, sticky: boolean): void {
    if (slot >= dnsPackets.length) resetJudged(slot);
    if (isDns) dnsPackets[slot]!++;
    else otherPackets[slot]!++;
    const d = dnsPackets[slot]!;
    t.service[slot] = d > 0 && (sticky || d >= otherPackets[slot]!) ? 'dns' : null;
  }

  function record(slot: number, ts: number, transId: number | null, query: string, qtype: number | null, msg: DnsMessage | null): DnsRecord {
    // Arrays of the exact length (pushing into empty ones made backing stores of 17 slots).
    const answers = msg === null ? [] : msg.answers.map(dataOf);
    const ttls = msg === null ? [] : msg.answers.map(ttlOf);
    return {
      ts,
      uid: t.uid(slot),
      client: t.str[slot * SLOT_STR + S_ORIG_H]!,
      clientP: t.i32[slot * SLOT_I32 + I_ORIG_P]!,
      server: t.str[slot * SLOT_STR + S_RESP_H]!,
      serverP: t.i32[slot * SLOT_I32 + I_RESP_P]!,
      proto: PROTO_NAMES[t.i32[slot * SLOT_I32 + I_PROTO]!]!,
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
    wants(slot) {
      const i = slot * SLOT_I32;
      if (t.i32[i + I_DNS_MESSAGES]! > 0) return true;
      let f = t.i32[i + I_FLAGS]!;
      if ((f & FLAG_DNS_CHECKED) === 0) {
        // Once per connection: its proto never changes and a flip swaps the ports, which both count.
        const proto = t.i32[i + I_PROTO];
        const ports = proto === PROTO_UDP ? DNS_UDP_PORTS : proto === PROTO_TCP ? DNS_TCP_PORTS : null;
        const dnsPort = ports !== null && (ports.has(t.i32[i + I_RESP_P]!) || ports.has(t.i32[i + I_ORIG_P]!));
        f |= FLAG_DNS_CHECKED | (dnsPort ? FLAG_DNS_PORT : 0);
        t.i32[i + I_FLAGS] = f;
        if (dnsPort) resetJudged(slot);
      }
      return (f & FLAG_DNS_PORT) !== 0;
    },
    handlePacket(slot, fromOrig, p, out) {
      if (p.payloadLen <= 0) return;
      // The reader's packet is parsed in its frame buffer (its `data` would be a new view per packet).
      let bytes: Uint8Array;
      let at: number;
      let frameLen: number;
      if (isReaderPacket(p)) {
        bytes = p.frameBuf;
        at = p.frameStart + p.payloadOffset;
        frameLen = p.frameEnd - p.frameStart;
      } else {
        bytes = p.data;
        at = p.payloadOffset;
        frameLen = bytes.length;
      }
      const avail = Math.min(p.payloadLen, frameLen - p.payloadOffset);
      if (avail <= 0) return;
      const tcp = t.i32[slot * SLOT_I32 + I_PROTO] === PROTO_TCP;
      const cut = avail < p.payloadLen;
      const msg = tcp ? parseDnsOverTcpInto(scratch, bytes, at, avail) : parseDnsMessageInto(scratch, bytes, at, avail);
      if (msg === null) {
        stats.malformed++;
        // Shorter than a DNS header: not DNS, unless the snap length cut it (then nothing can be told).
        if (!cut) judge(slot, false, tcp || !port53(t, slot));
        return;
      }
      if (msg.problem !== null) stats.malformed++;
      // A TCP segment that holds the start of a longer message (its length prefix says so).
      const segmentCut = tcp && avail >= 2 && ((bytes[at]! << 8) | bytes[at + 1]!) > avail - 2;
      const on53 = port53(t, slot);
      const opcodeOk = !on53 || msg.opcode <= 2 || (msg.opcode >= 4 && msg.opcode <= 6);
      const looksDns = opcodeOk && (msg.problem === null || cut || segmentCut) && (!on53 || msg.problem === null || plausibleHeader(msg, cut));
      judge(slot, looksDns, tcp || !on53);
      // An unassigned opcode on port 53 is no DNS message at all (iodine's raw packets): no record of it.
      if (!opcodeOk) return;
      stats.messages++;
      const first = t.i32[slot * SLOT_I32 + I_DNS_MESSAGES] === 0;
      t.i32[slot * SLOT_I32 + I_DNS_MESSAGES] = t.i32[slot * SLOT_I32 + I_DNS_MESSAGES]! + 1;
      if (first && looksDns && msg.qr && fromOrig && !isMulticast(t.str[slot * SLOT_STR + S_RESP_H]!)) t.flipRoles(slot);
      if (!records) return;
      const q = msg.questions[0];
      if (!msg.qr) {
        const query: PendingQuery = { ts: p.tsSec, transId: msg.id, query: q === undefined ? '' : formatQuery(t, slot, q.name), qtype: q === undefined ? null : q.qtype };
        const list = pendingOf(slot);
        if (list === undefined) setPending(slot, [query]);
        else list.push(query);
        return;
      }
      const list = pendingOf(slot);
      if (list !== undefined) {
        const i = indexOfTransId(list, msg.id);
        if (i >= 0) {
          const query = list[i]!;
          if (list.length === 1) pending[slot] = undefined;
          else list.splice(i, 1);
          out.push(record(slot, query.ts, query.transId, query.query, query.qtype, msg));
          return;
        }
      }
      const name = q !== undefined ? q.name : (msg.answers[0]?.name ?? '');
      out.push(record(slot, p.tsSec, msg.id, formatQuery(t, slot, name), q === undefined ? null : q.qtype, msg));
    },
    endFlow(slot, out) {
      const list = pendingOf(slot);
      if (list === undefined) return;
      pending[slot] = undefined;
      for (const query of list) out.push(record(slot, query.ts, query.transId, query.query, query.qtype, null));
    },
  };
}

/**
 * True for a connection on port 53, where step 6 judges by majority and by opcode: the IANA-assigned
 * ones are QUERY 0, IQUERY 1, STATUS 2, NOTIFY 4, UPDATE 5, DSO 6 (3 and 7-15 are unassigned).
 * Elsewhere one parsed message is enough and every opcode passes: NetBIOS name service (137) uses
 * 5-8 for registration, release, WACK and refresh.
 */
function port53(t: FlowTable, slot: number): boolean {
  return t.i32[slot * SLOT_I32 + I_RESP_P] === 53 || t.i32[slot * SLOT_I32 + I_ORIG_P] === 53;
}

/**
 * A header a cut message may have: Z bit clear and at most one question; when a TCP segment (not
 * the snap length, which may leave no room for it) cut the message, its question was read whole,
 * since it comes first. Text or TLS on TCP 53 read as a "message" announcing more bytes than its
 * segment holds; their headers fail this (SSH's banner asks 12,333 questions).
 */
function plausibleHeader(msg: DnsMessage, snapCut: boolean): boolean {
  return msg.z === 0 && msg.qdcount <= 1 && (snapCut || msg.questions.length === msg.qdcount);
}

/** The oldest waiting query with this transaction id, or -1 (a loop: findIndex's callback was a closure per response). */
function indexOfTransId(list: readonly PendingQuery[], id: number): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.transId === id) return i;
  return -1;
}

function dataOf(a: DnsAnswer): string {
  return a.data;
}

function ttlOf(a: DnsAnswer): number {
  return a.ttl;
}

const NETBIOS_NS_PORT = 137;

function formatQuery(t: FlowTable, slot: number, name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (t.i32[slot * SLOT_I32 + I_RESP_P] === NETBIOS_NS_PORT || t.i32[slot * SLOT_I32 + I_ORIG_P] === NETBIOS_NS_PORT) {
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
