/**
 * DNS tunnels (`tunnel.dns`): iodine, dnscat2, dns2tcp and the like carry
 * data in query names under one domain the attacker controls.
 *
 * Algorithm, from DnsRecords (captures and dns.log):
 * 1. Skip names that cannot be tunnels through the public DNS: reverse
 *    lookups (*.arpa), mDNS/LLMNR (*.local, server port 5353/5355) and names
 *    without a registered domain.
 * 2. Key each query by (client, registered domain) — the registered domain
 *    from the public suffix list (tldts, private suffixes included, so
 *    `x.cloudfront.net` names are separate domains). Count over a window of
 *    `dnsWindowSec` (1 h) of event time: queries, unique names, long names
 *    (> `dnsLongQueryChars`, 90, Zeek anomalous-dns), names whose longest
 *    label looks encoded (≥ `dnsRandomLabelChars` chars, entropy ≥
 *    `dnsRandomLabelEntropyBits`, and digit/non-ASCII-rich or vowel-poor),
 *    record types NULL / TXT / CNAME / PRIVATE (65399) / KEY (25), response sizes.
 * 3. Signals. Volume: U unique names ≥ `dnsUniqueSubdomains` (100,
 *    RITA); N every name new (unique/queries ≥ `dnsUniqueRatio`); Q query
 *    rate ≥ `dnsQueriesPerMin` (60) over at least a minute. Content:
 *    L long names, R encoded labels, T unusual types — each when its share
 *    of the queries is ≥ `dnsSignalShare` — and B mean response size ≥
 *    `dnsLargeResponseBytes` (captures only).
 * 4. Fire when the key has ≥ `dnsMinQueries` queries and ≥ `dnsMinSignals`
 *    (3) signals hold, at least one of them about content. Volume alone (a
 *    busy client of a big domain, a CDN) never fires, nor do two signals (a
 *    video CDN's hashed host names are unique and random-looking); a tunnel
 *    shows three or more: iodine U+N+T(+Q), dnscat2 R+T+N, dns2tcp U+N+L+R+T+Q (a dns2tcp download U+N+T+Q: short names, data in the answers).
 * 5. Severity high when U holds or five signals do, else medium;
 *    confidence 0.5 + 0.07 per signal (max 0.95).
 * 6. conn.log alone (no DnsRecord ever seen from a client): per (client,
 *    resolver) on port 53, fire when the client sends ≥ `dnsVolumeBytes`
 *    in a window, or ≥ `dnsVolumeMinPackets` packets averaging
 *    ≥ `dnsVolumeBytesPerPacket` bytes; the finding says it is volume-only.
 * 7. Non-DNS traffic on the DNS port (Suricata/ET "Non-DNS or Non-Compliant
 *    DNS traffic on DNS port"), from captures and conn.log alike: flows to
 *    port 53 (UDP or TCP) whose `service` is not dns — the capture reader
 *    leaves it out when most packets do not parse as DNS or use an
 *    unassigned opcode (dns-tracker.ts), Zeek when its DNS analyzer did not
 *    confirm the protocol — counted per (client, server) over the window:
 *    fire when they carried payload both ways in ≥ `dnsMinQueries`
 *    originator packets (iodine's raw mode, a VPN or SSH moved to port 53
 *    to pass a firewall). A flow from port 53 to another port counts the
 *    other way round (Zeek flips a connection whose first packet on port 53
 *    has the QR bit set, DNS or not: iodine's raw packets do). A log that
 *    names no service on any flow (CSV exports) cannot tell, and never
 *    fires this. Medium severity, high from
 *    `dnsVolumeBytes`; `evidence.basis` "non-dns-on-port-53". Such a key's
 *    volume-only finding (6) is not written: this one says more.
 * Incidents are reported `reportDelaySec` after they open, at window end or
 * at end of input, with the counts reached by then.
 */
import { getRegistrableDomain } from '../text/registrable-domain.js';
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import { roundConfidence } from '../score/severity.js';
import type { DnsRecord, Finding, FlowRecord, Proto, RecordBatch, Severity } from '../types.js';
import type { Detector } from './detector.js';
import { encodeState, readStateObject, tableOf } from './plain-state.js';
import { shannonEntropyBits } from './label-entropy.js';
import { fmtDuration } from './scan-detector.js';
import { hashOfAddressTuple } from './tuple-code.js';
import { hashTuple, type TupleKey, type TupleRow, TupleTable } from './tuple-table.js';

export type DnsTunnelSettings = Pick<
  Settings,
  | 'dnsUniqueSubdomains'
  | 'dnsLongQueryChars'
  | 'dnsMinQueries'
  | 'dnsRandomLabelChars'
  | 'dnsRandomLabelEntropyBits'
  | 'dnsRandomLabelDigitShare'
  | 'dnsRandomLabelVowelShare'
  | 'dnsSignalShare'
  | 'dnsUniqueRatio'
  | 'dnsLargeResponseBytes'
  | 'dnsQueriesPerMin'
  | 'dnsMinSignals'
  | 'dnsWindowSec'
  | 'dnsMaxKeys'
  | 'dnsVolumeBytes'
  | 'dnsVolumeBytesPerPacket'
  | 'dnsVolumeMinPackets'
  | 'reportDelaySec'
  | 'idBucketSec'
>;

/**
 * NULL, TXT, CNAME, PRIVATE (iodine's 65399) and KEY (25: dns2tcp's other
 * query type, `dns2tcpc -T KEY`; obsolete since DNSSEC moved to DNSKEY, so
 * stub resolvers do not ask for it).
 */
const UNUSUAL_QTYPES = new Map<number, string>([
  [10, 'NULL'],
  [16, 'TXT'],
  [5, 'CNAME'],
  [65399, 'PRIVATE'],
  [25, 'KEY'],
]);
const UNUSUAL_QTYPE_NAMES = new Set(['NULL', 'TXT', 'CNAME', 'PRIVATE', 'KEY']);
/**
 * Tunnel names carry bytes that are not valid in host names ('+', '/',
 * non-ASCII): take the registered domain from the labels as they are, with
 * no URL parsing and no host-name validation.
 */
const TLDTS_OPTIONS = { allowPrivateDomains: true, validateHostname: false, extractHostname: false } as const;
/** Unique names remembered per key; past it the count saturates. */
const MAX_NAMES_PER_KEY = 20_000;
/** Names whose registered domain and label verdict are remembered (a busy network asks for the same few names over and over); the memo is emptied when full. */
const NAME_MEMO_SIZE = 8192;

/** What a query name says whoever asks it: its registered domain (null: none) and whether its longest label below it looks encoded. */
interface NameFacts {
  domain: string | null;
  encoded: boolean;
}

/**
 * Keyed by (client, registered domain) in a TupleTable (no key string per
 * query); snapshots write the key string `client|domain` the rows carried
 * when they were in an IncidentTable.
 */
interface DomainKey extends TupleRow {
  client: string;
  domain: string;
  server: string;
  serverP: number;
  proto: Proto;
  firstTs: number;
  lastTs: number;
  queries: number;
  /**
   * The unique names, once the key has seen two; null while it has seen one
   * (`soleName`). Most keys of a capture see one name (capture-realistic-1100000.pcap:
   * 37,400 queries, over 32,000 keys), and a Set per key was most of the detector's memory.
   */
  names: Set<string> | null;
  long: number;
  encoded: number;
  unusual: number;
  /**
   * Queries per record type in the order first seen, once the key has seen
   * two types; null while every query had one type (`soleQtype`). Keys that
   * see one query are most keys of a capture (see `names`): an object per
   * key, given a property on its first query, is made only where a second
   * type needs it.
   */
  qtypes: Record<string, number> | null;
  lengthSum: number;
  maxLength: number;
  responseBytesSum: number;
  responses: number;
  nxdomain: number;
  /** Event time at which an open incident is due; null when none is open. */
  dueTs: number | null;
  lastEmittedQueries: number;
  /** The one name while `names` is null ('' for a restored row, whose names are in the set). */
  soleName: string;
  /** The type of every query while `qtypes` is null ('' for a restored row, whose types are in the object). */
  soleQtype: string;
}

/** Zeek's service names a connection's analyzers, comma-separated ("dns", "dns,ssl"); "-dns" (an analyzer removed after a violation) is not DNS. */
function isDnsService(service: string): boolean {
  return service === 'dns' || service.split(',').includes('dns');
}

/** Bytes of a query name as readers write it: `\xNN` (an escaped byte outside printable ASCII) is one. */
export function nameByteLength(name: string): number {
  let n = name.length;
  let i = name.indexOf('\\x');
  while (i >= 0 && i + 3 < name.length) {
    if (isHexDigit(name.charCodeAt(i + 2)) && isHexDigit(name.charCodeAt(i + 3))) {
      n -= 3;
      i = name.indexOf('\\x', i + 4);
    } else i = name.indexOf('\\x', i + 1);
  }
  return n;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Distinct names of the key. */
function nameCount(k: DomainKey): number {
  return k.names === null ? 1 : k.names.size;
}

/** The key's names in the order first seen. */
function namesOf(k: Pick<DomainKey, 'names' | 'soleName'>): Set<string> {
  return k.names ?? new Set([k.soleName]);
}

/** Queries per record type in the order first seen (a fresh object while the key has seen one type). */
function qtypesOf(k: Pick<DomainKey, 'qtypes' | 'soleQtype' | 'queries'>): Record<string, number> {
  if (k.qtypes !== null) return k.qtypes;
  const one: Record<string, number> = {};
  one[k.soleQtype] = k.queries;
  return one;
}

/** Counts one query of type `typeName` (already counted in `k.queries`). */
function countQtype(k: DomainKey, typeName: string): void {
  if (k.qtypes === null) {
    if (typeName === k.soleQtype) return;
    // Built in the order the types came, as counting into one object from the start would have.
    const qtypes: Record<string, number> = {};
    qtypes[k.soleQtype] = k.queries - 1;
    qtypes[typeName] = 1;
    k.qtypes = qtypes;
  } else k.qtypes[typeName] = (k.qtypes[typeName] ?? 0) + 1;
}

interface VolumeKey extends TupleRow {
  client: string;
  server: string;
  proto: Proto;
  firstTs: number;
  lastTs: number;
  flows: number;
  origBytes: number;
  origPkts: number;
  respBytes: number;
  /** Of these, the flows whose service is known and not dns (step 7), and their payload and packets. */
  nonDnsFlows: number;
  nonDnsOrigBytes: number;
  nonDnsOrigPkts: number;
  nonDnsRespBytes: number;
  nonDnsRespPkts: number;
  /** The services those flows had ('' for none), in the order first seen. */
  nonDnsServices: string[];
  /** Of the non-DNS flows, those from a log with no service (counted only once the input named a service somewhere). */
  nonDnsUnnamed: number;
}

/** The protocol as the number of a volume key (DNS runs over UDP or TCP). */
function protoNumber(proto: Proto): number {
  return proto === 'tcp' ? 0 : 1;
}

const VOLUME_KEY: TupleKey<VolumeKey> = {
  a: (v) => v.client,
  b: (v) => v.server,
  n: (v) => protoNumber(v.proto),
  hash: (v) => hashOfAddressTuple(v.client, v.server, undefined, undefined, protoNumber(v.proto)),
};
const DOMAIN_KEY: TupleKey<DomainKey> = { a: (k) => k.client, b: (k) => k.domain, n: () => 0 };

/** The key a domain row had as a string (in snapshots, whose format predates the tuple table). */
function keyOfDomain(k: DomainKey): string {
  return `${k.client}|${k.domain}`;
}

/** The key a volume row had as a string (in snapshots, whose format predates the tuple table). */
function keyOfVolume(v: VolumeKey): string {
  return `${v.client}|${v.server}|${v.proto}`;
}

export function createDnsTunnelDetector(settings: DnsTunnelSettings): Detector {
  const keys = new TupleTable<DomainKey>(settings.dnsMaxKeys, DOMAIN_KEY);
  const nameMemo = new Map<string, NameFacts>();
  const volume = new TupleTable<VolumeKey>(settings.dnsMaxKeys, VOLUME_KEY);
  /** Wake-up margin: conditions written as `watermark - t > window` are rechecked exactly when woken. */
  const SLACK = 1e-3;
  const clientsWithDns = new Set<string>();
  /** Event time, in a field: a fraction stored in a closure variable is a new heap number per store (per record). */
  const clock = { watermark: Number.NEGATIVE_INFINITY };
  /** Whether any flow of the input named a service (step 7: Zeek logs do, exports do not). */
  const servicesNamed = { seen: false };

  function isEncodedLabel(label: string): boolean {
    if (label.length < settings.dnsRandomLabelChars) return false;
    if (shannonEntropyBits(label) < settings.dnsRandomLabelEntropyBits) return false;
    let odd = 0;
    let letters = 0;
    let vowels = 0;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i) | 0x20;
      if (label.charCodeAt(i) >= 0x30 && label.charCodeAt(i) <= 0x39) odd++;
      else if (label.charCodeAt(i) > 0x7e) odd++;
      else if (c >= 0x61 && c <= 0x7a) {
        letters++;
        if (c === 0x61 || c === 0x65 || c === 0x69 || c === 0x6f || c === 0x75) vowels++;
      }
    }
    if (odd / label.length >= settings.dnsRandomLabelDigitShare) return true;
    return letters > 0 && vowels / letters < settings.dnsRandomLabelVowelShare;
  }

  function longestLabel(sub: string): string {
    let best = '';
    let start = 0;
    for (let i = 0; i <= sub.length; i++) {
      if (i === sub.length || sub.charCodeAt(i) === 0x2e) {
        if (i - start > best.length) best = sub.slice(start, i);
        start = i + 1;
      }
    }
    return best;
  }

  function factsOf(lower: string): NameFacts {
    let facts = nameMemo.get(lower);
    if (facts !== undefined) return facts;
    const domain = getRegistrableDomain(lower, TLDTS_OPTIONS) || null;
    let encoded = false;
    if (domain !== null) {
      const sub = lower.length > domain.length ? lower.slice(0, lower.length - domain.length - 1) : '';
      encoded = sub.length > 0 && isEncodedLabel(longestLabel(sub));
    }
    facts = { domain, encoded };
    if (nameMemo.size >= NAME_MEMO_SIZE) nameMemo.clear();
    nameMemo.set(lower, facts);
    return facts;
  }

  function pushDns(r: DnsRecord, out: Finding[]): void {
    clientsWithDns.add(r.client);
    const q = r.query;
    if (q.length === 0 || r.serverP === 5353 || r.serverP === 5355) return;
    const lower = q.toLowerCase();
    if (lower.endsWith('.arpa') || lower.endsWith('.local') || lower === 'local') return;
    const facts = factsOf(lower);
    const domain = facts.domain;
    if (domain === null) return;
    const typeName = (r.qtype !== null ? UNUSUAL_QTYPES.get(r.qtype) : undefined) ?? r.qtypeName ?? (r.qtype !== null ? String(r.qtype) : '-');
    const hash = hashTuple(r.client, domain, 0);
    let k = keys.findHashed(hash, r.client, domain, 0);
    if (k !== undefined && r.ts - k.firstTs > settings.dnsWindowSec) {
      // Window over: report what is pending, start a fresh window.
      if (k.dueTs !== null) emit(k, out);
      keys.delete(k);
      k = undefined;
    }
    if (k === undefined) {
      k = {
        hash: 0, pos: 0, seq: 0, wakeTs: null, client: r.client, domain, server: r.server, serverP: r.serverP, proto: r.proto, firstTs: r.ts, lastTs: r.ts,
        queries: 0, names: null, long: 0, encoded: 0, unusual: 0, qtypes: null, lengthSum: 0, maxLength: 0,
        responseBytesSum: 0, responses: 0, nxdomain: 0, dueTs: null, lastEmittedQueries: 0, soleName: lower, soleQtype: typeName,
      };
      keys.add(k, hash);
      if (keys.size > settings.dnsMaxKeys) keys.evictOverCap((old) => {
        if (old.dueTs !== null) emit(old, out);
      });
    }
    k.queries++;
    if (r.ts > k.lastTs) k.lastTs = r.ts;
    if (r.ts < k.firstTs) k.firstTs = r.ts;
    if (k.names === null) {
      if (lower !== k.soleName) k.names = new Set([k.soleName, lower]);
    } else if (k.names.size < MAX_NAMES_PER_KEY) k.names.add(lower);
    // The name's bytes: readers write bytes outside printable ASCII as `\xNN` (Zeek's escaping), four characters for one.
    const bytes = nameByteLength(q);
    if (bytes > settings.dnsLongQueryChars) k.long++;
    if (bytes > k.maxLength) k.maxLength = bytes;
    k.lengthSum += bytes;
    if (facts.encoded) k.encoded++;
    countQtype(k, typeName);
    if ((r.qtype !== null && UNUSUAL_QTYPES.has(r.qtype)) || (r.qtype === null && r.qtypeName !== null && UNUSUAL_QTYPE_NAMES.has(r.qtypeName))) k.unusual++;
    if (r.responseBytes !== null) {
      k.responseBytesSum += r.responseBytes;
      k.responses++;
    }
    if (r.rcodeName === 'NXDOMAIN' || r.rcode === 3) k.nxdomain++;
    if (k.dueTs === null && k.queries > k.lastEmittedQueries && firesOf(k)) k.dueTs = r.ts + settings.reportDelaySec;
    keys.wakeAt(k, wakeOf(k));
  }

  /** When `advance` must look at a key: its report is due, or its window and report delay are over. */
  function wakeOf(k: DomainKey): number {
    const over = Math.max(k.firstTs + settings.dnsWindowSec, k.lastTs + settings.reportDelaySec) - SLACK;
    return k.dueTs !== null && k.dueTs < over ? k.dueTs : over;
  }

  interface Signals {
    unique: boolean;
    long: boolean;
    encoded: boolean;
    unusual: boolean;
    allNew: boolean;
    fast: boolean;
    largeAnswers: boolean;
    count: number;
    fires: boolean;
  }

  /** `signalsOf(k).fires`, without making the object (asked on every query). */
  function firesOf(k: DomainKey): boolean {
    if (k.queries < settings.dnsMinQueries) return false;
    const share = settings.dnsSignalShare;
    const content = +(k.long / k.queries >= share) + +(k.encoded / k.queries >= share) + +(k.unusual / k.queries >= share) + +(k.responses > 0 && k.responseBytesSum / k.responses >= settings.dnsLargeResponseBytes);
    if (content < 1) return false;
    const unique = nameCount(k) >= settings.dnsUniqueSubdomains;
    const allNew = nameCount(k) / k.queries >= settings.dnsUniqueRatio;
    const fast = (k.queries * 60) / Math.max(60, k.lastTs - k.firstTs) >= settings.dnsQueriesPerMin;
    return content + +unique + +allNew + +fast >= settings.dnsMinSignals;
  }

  function signalsOf(k: DomainKey): Signals {
    const share = settings.dnsSignalShare;
    const unique = nameCount(k) >= settings.dnsUniqueSubdomains;
    const long = k.long / k.queries >= share;
    const encoded = k.encoded / k.queries >= share;
    const unusual = k.unusual / k.queries >= share;
    const allNew = nameCount(k) / k.queries >= settings.dnsUniqueRatio;
    const largeAnswers = k.responses > 0 && k.responseBytesSum / k.responses >= settings.dnsLargeResponseBytes;
    const fast = (k.queries * 60) / Math.max(60, k.lastTs - k.firstTs) >= settings.dnsQueriesPerMin;
    const content = +long + +encoded + +unusual + +largeAnswers;
    const count = content + +unique + +allNew + +fast;
    const fires = k.queries >= settings.dnsMinQueries && content >= 1 && count >= settings.dnsMinSignals;
    return { unique, long, encoded, unusual, allNew, fast, largeAnswers, count, fires };
  }

  function emit(k: DomainKey, out: Finding[]): void {
    k.dueTs = null;
    const s = signalsOf(k);
    if (!s.fires || k.queries <= k.lastEmittedQueries) return;
    k.lastEmittedQueries = k.queries;
    const severity: Severity = s.unique || s.count >= 5 ? 'high' : 'medium';
    const names: string[] = [];
    const nameTotal = nameCount(k);
    if (s.unique) names.push(`${nameTotal} unique names`);
    else names.push(`${nameTotal} unique names in ${k.queries} queries`);
    if (s.long) names.push(`${k.long} names over ${settings.dnsLongQueryChars} chars`);
    if (s.encoded) names.push(`${k.encoded} with encoded-looking labels`);
    const qtypes = qtypesOf(k);
    if (s.unusual) names.push(`record types ${Object.keys(qtypes).join('/')}`);
    if (s.fast) names.push(`${Math.round((k.queries * 60) / Math.max(60, k.lastTs - k.firstTs))} queries/min`);
    if (s.largeAnswers) names.push(`mean answer ${Math.round(k.responseBytesSum / k.responses)} B`);
    const meanLen = Math.round((k.lengthSum / k.queries) * 10) / 10;
    const evidence: Record<string, unknown> = {
      domain: k.domain,
      count: nameTotal,
      queries: k.queries,
      uniqueSubdomains: nameTotal,
      longQueries: k.long,
      encodedLabels: k.encoded,
      meanQueryLength: meanLen,
      maxQueryLength: k.maxLength,
      qtypes: { ...qtypes },
      nxdomain: k.nxdomain,
      signals: { uniqueSubdomains: s.unique, longNames: s.long, encodedLabels: s.encoded, unusualTypes: s.unusual, everyNameNew: s.allNew, queryRate: s.fast, largeAnswers: s.largeAnswers },
      sample: [...namesOf(k)].slice(0, 5),
    };
    if (k.responses > 0) evidence.meanResponseBytes = Math.round(k.responseBytesSum / k.responses);
    out.push(
      createFinding(
        {
          ts: k.firstTs,
          end: k.lastTs,
          kind: 'tunnel.dns',
          severity,
          confidence: roundConfidence(Math.min(0.95, 0.5 + 0.07 * s.count)),
          src: k.client,
          dst: k.server,
          port: k.serverP,
          proto: k.proto,
          summary: `${names.join(', ')} under ${k.domain} in ${fmtDuration(Math.max(0, k.lastTs - k.firstTs))}, mean name length ${meanLen}`,
          evidence,
        },
        settings.idBucketSec,
      ),
    );
  }

  function pushFlow(f: FlowRecord): void {
    if (f.proto !== 'udp' && f.proto !== 'tcp') return;
    if (f.service !== null) servicesNamed.seen = true;
    // Zeek flips a connection whose first message on port 53 has the QR bit, DNS or not (iodine's raw
    // packets do): a non-DNS flow from port 53 to another port is counted the other way round (step 7).
    const reversed = f.respP !== 53 && f.origP === 53 && f.respP !== 0 && (f.service === null || !isDnsService(f.service));
    if (f.respP !== 53 && !reversed) return;
    const client = reversed ? f.respH : f.origH;
    const server = reversed ? f.origH : f.respH;
    const n = protoNumber(f.proto);
    // Hashed by the readers' numbers of the addresses, not their characters.
    const hash = reversed ? hashOfAddressTuple(client, server, f.respV4, f.origV4, n) : hashOfAddressTuple(client, server, f.origV4, f.respV4, n);
    let v = volume.findHashed(hash, client, server, n);
    // A row in the table is always queued at its window's end (`advance` queues it again or drops it), and only
    // a new row or an earlier `firstTs` moves that time: only then is it queued (most flows skip the call,
    // whose read of the row's boxed `wakeTs` was a cache miss per flow).
    let wake = false;
    if (v === undefined) {
      v = {
        hash: 0, pos: 0, seq: 0, wakeTs: null, client, server, proto: f.proto, firstTs: f.ts, lastTs: f.ts, flows: 0, origBytes: 0, origPkts: 0, respBytes: 0,
        nonDnsFlows: 0, nonDnsOrigBytes: 0, nonDnsOrigPkts: 0, nonDnsRespBytes: 0, nonDnsRespPkts: 0, nonDnsServices: [], nonDnsUnnamed: 0,
      };
      volume.add(v, hash);
      volume.evictOverCap();
      wake = true;
    }
    // Payload bytes; exports without them (nfdump) give IP bytes: take off IP + UDP headers.
    const origBytes = f.origBytes ?? Math.max(0, f.origIpBytes - 28 * f.origPkts);
    const respBytes = f.respBytes ?? Math.max(0, f.respIpBytes - 28 * f.respPkts);
    if (!reversed) {
      // The volume fallback (step 6) counts flows to port 53 only.
      v.flows++;
      v.origBytes += origBytes;
      v.respBytes += respBytes;
      v.origPkts += f.origPkts;
    }
    // Step 7: a flow with payload from the client whose service is not DNS.
    const clientBytes = reversed ? respBytes : origBytes;
    if (clientBytes > 0 && (f.service === null || !isDnsService(f.service))) {
      v.nonDnsFlows++;
      // Without a service from a log, unless the log names services elsewhere: an export (CSV) names none.
      if (f.service === null && f.origMaxPayload === undefined) v.nonDnsUnnamed++;
      v.nonDnsOrigBytes += clientBytes;
      v.nonDnsOrigPkts += reversed ? f.respPkts : f.origPkts;
      v.nonDnsRespBytes += reversed ? origBytes : respBytes;
      v.nonDnsRespPkts += reversed ? f.origPkts : f.respPkts;
      const name = f.service ?? '';
      if (v.nonDnsServices.length < 8 && !v.nonDnsServices.includes(name)) v.nonDnsServices.push(name);
    }
    const end = f.ts + (f.duration ?? 0);
    if (end > v.lastTs) v.lastTs = end;
    if (f.ts < v.firstTs) {
      v.firstTs = f.ts;
      wake = true;
    }
    if (wake) volume.wakeAt(v, v.firstTs + settings.dnsWindowSec - SLACK);
  }

  function emitVolume(v: VolumeKey, out: Finding[]): void {
    if (emitNonDns(v, out) || clientsWithDns.has(v.client)) return;
    const perPkt = v.origPkts > 0 ? v.origBytes / v.origPkts : 0;
    const byVolume = v.origBytes >= settings.dnsVolumeBytes;
    const byPacket = v.origPkts >= settings.dnsVolumeMinPackets && perPkt >= settings.dnsVolumeBytesPerPacket;
    if (!byVolume && !byPacket) return;
    const ratio = Math.max(v.origBytes / settings.dnsVolumeBytes, byPacket ? perPkt / settings.dnsVolumeBytesPerPacket : 0);
    out.push(
      createFinding(
        {
          ts: v.firstTs,
          end: v.lastTs,
          kind: 'tunnel.dns',
          severity: ratio >= 3 ? 'medium' : 'low',
          confidence: roundConfidence(Math.min(0.7, 0.4 + 0.1 * ratio)),
          src: v.client,
          dst: v.server,
          port: 53,
          proto: v.proto,
          summary: `volume only (conn.log, no DNS names): ${v.origBytes} bytes in ${v.origPkts} packets (${Math.round(perPkt)} B/packet) from ${v.client} to resolver ${v.server} in ${fmtDuration(Math.max(0, v.lastTs - v.firstTs))}`,
          evidence: { basis: 'volume-only', count: v.origBytes, flows: v.flows, origBytes: v.origBytes, origPkts: v.origPkts, respBytes: v.respBytes, bytesPerPacket: Math.round(perPkt) },
        },
        settings.idBucketSec,
      ),
    );
  }

  /** Step 7: reports the key's non-DNS flows on port 53 when they hold; true when it did. */
  function emitNonDns(v: VolumeKey, out: Finding[]): boolean {
    if (v.nonDnsOrigPkts < settings.dnsMinQueries || v.nonDnsRespBytes <= 0) return false;
    // A log that names no service anywhere (a CSV export) cannot tell DNS from the rest.
    if (!servicesNamed.seen && v.nonDnsUnnamed === v.nonDnsFlows) return false;
    const perPkt = v.nonDnsOrigBytes / v.nonDnsOrigPkts;
    const big = v.nonDnsOrigBytes + v.nonDnsRespBytes >= settings.dnsVolumeBytes;
    const services = v.nonDnsServices.map((x) => (x === '' ? 'none' : x));
    out.push(
      createFinding(
        {
          ts: v.firstTs,
          end: v.lastTs,
          kind: 'tunnel.dns',
          severity: big ? 'high' : 'medium',
          confidence: roundConfidence(Math.min(0.9, 0.6 + (0.1 * v.nonDnsOrigPkts) / (10 * settings.dnsMinQueries))),
          src: v.client,
          dst: v.server,
          port: 53,
          proto: v.proto,
          summary: `non-DNS traffic on port 53: ${v.nonDnsFlows} ${v.nonDnsFlows === 1 ? 'flow' : 'flows'} from ${v.client} to ${v.server}:53/${v.proto} not recognised as DNS (service ${services.join('/')}), ${v.nonDnsOrigBytes} bytes in ${v.nonDnsOrigPkts} packets out (${Math.round(perPkt)} B/packet), ${v.nonDnsRespBytes} bytes back, in ${fmtDuration(Math.max(0, v.lastTs - v.firstTs))}`,
          evidence: {
            basis: 'non-dns-on-port-53',
            count: v.nonDnsOrigPkts,
            flows: v.nonDnsFlows,
            origBytes: v.nonDnsOrigBytes,
            origPkts: v.nonDnsOrigPkts,
            respBytes: v.nonDnsRespBytes,
            respPkts: v.nonDnsRespPkts,
            bytesPerPacket: Math.round(perPkt),
            services,
          },
        },
        settings.idBucketSec,
      ),
    );
    return true;
  }

  /** Reports due keys and drops keys whose window is over, in key order (only the keys woken for it). */
  function advance(out: Finding[]): void {
    const dueKeys = keys.takeDue(clock.watermark);
    for (let i = 0; i < dueKeys.length; i++) {
      const k = dueKeys[i]!;
      if (k.dueTs !== null && clock.watermark >= k.dueTs) emit(k, out);
      if (clock.watermark - k.firstTs > settings.dnsWindowSec && clock.watermark - k.lastTs > settings.reportDelaySec) {
        if (k.dueTs !== null || k.queries > k.lastEmittedQueries) emit(k, out);
        keys.delete(k);
      } else keys.wakeAt(k, wakeOf(k));
    }
    const dueVolume = volume.takeDue(clock.watermark);
    for (let i = 0; i < dueVolume.length; i++) {
      const v = dueVolume[i]!;
      if (clock.watermark - v.firstTs <= settings.dnsWindowSec) {
        volume.wakeAt(v, v.firstTs + settings.dnsWindowSec - SLACK);
        continue;
      }
      emitVolume(v, out);
      volume.delete(v);
    }
  }

  let lastAdvance = Number.NEGATIVE_INFINITY;

  /** Event time moved on (`clock.watermark`, set by the caller: a fraction passed to a call is boxed): walks the keys every 10 s of it. */
  function moveOn(out: Finding[]): void {
    if (clock.watermark - lastAdvance >= 10) {
      lastAdvance = clock.watermark;
      advance(out);
    }
  }

  return {
    name: 'tunnel.dns',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      // Event time moves record by record: the keys are walked (at most once
      // per 10 s of event time) at the same record whatever the batch boundaries.
      // Indexed loops: `for...of` makes an iterator result per record until push is optimized (heap sampling: 2.6 MB on capture-realistic-1100000.pcap).
      const records = batch.dns;
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        if (r.ts > clock.watermark) {
          clock.watermark = r.ts;
          moveOn(out);
        }
        pushDns(r, out);
      }
      const flows = batch.flows;
      for (let i = 0; i < flows.length; i++) {
        const f = flows[i]!;
        if (f.ts > clock.watermark) {
          clock.watermark = f.ts;
          moveOn(out);
        }
        pushFlow(f);
      }
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      for (const k of keys.rows()) if (k.dueTs !== null || k.queries > k.lastEmittedQueries) emit(k, out);
      for (const v of volume.rows()) emitVolume(v, out);
      keys.clear();
      volume.clear();
      clientsWithDns.clear();
      nameMemo.clear();
      servicesNamed.seen = false;
      clock.watermark = Number.NEGATIVE_INFINITY;
      lastAdvance = Number.NEGATIVE_INFINITY;
      return out;
    },
    snapshot() {
      // Rows as they were before `soleName` and `soleQtype`: every key with its set of names and its object of types.
      const kt = keys.snapshot(keyOfDomain);
      const domainKeys = {
        ...kt,
        rows: kt.rows.map(({ soleName, soleQtype, ...k }) => ({ ...k, names: namesOf({ names: k.names, soleName }), qtypes: qtypesOf({ qtypes: k.qtypes, soleQtype, queries: k.queries }) })),
      };
      return encodeState({ keys: domainKeys, volume: volume.snapshot(keyOfVolume), clientsWithDns, watermark: clock.watermark, lastAdvance });
    },
    restore(state) {
      const o = readStateObject(state, 'tunnel.dns', { keys: 'table', volume: 'table', clientsWithDns: 'set', watermark: 'number', lastAdvance: 'number' });
      const kt = tableOf<DomainKey & { key: string }>(o.keys);
      // The key string is the snapshot's (the table keys rows by their fields).
      keys.restore(
        kt.rows.map(({ key: _key, ...k }): DomainKey => ({ ...k, hash: 0, pos: 0, soleName: '', soleQtype: '' })),
        kt.nextSeq,
        kt.evicted,
      );
      const vt = tableOf<VolumeKey & { key: string }>(o.volume);
      // The key string is the snapshot's (the table keys rows by their fields).
      volume.restore(
        // Rows of snapshots from before step 7 have no non-DNS counts.
        vt.rows.map(({ key: _key, ...v }): VolumeKey =>
          Object.assign({ nonDnsFlows: 0, nonDnsOrigBytes: 0, nonDnsOrigPkts: 0, nonDnsRespBytes: 0, nonDnsRespPkts: 0, nonDnsServices: [], nonDnsUnnamed: 0 }, v, { hash: 0, pos: 0 }),
        ),
        vt.nextSeq,
        vt.evicted,
      );
      clientsWithDns.clear();
      for (const c of o.clientsWithDns as Set<string>) clientsWithDns.add(c);
      clock.watermark = o.watermark as number;
      lastAdvance = o.lastAdvance as number;
    },
    stats() {
      return { evictedKeys: keys.evicted + volume.evicted };
    },
  };
}
