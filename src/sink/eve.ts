/**
 * Findings as Suricata EVE `alert` objects (one JSON object per line), so a
 * SIEM pipeline built for Suricata's eve.json takes them unchanged.
 *
 * Field conventions follow Suricata's eve.json alerts
 * (docs.suricata.io, "Eve JSON Format"):
 * - `timestamp`: the finding's first event time, ISO 8601 with microseconds
 *   and a `+0000` offset, as Suricata writes it.
 * - `flow_id` (a number): only where the finding is about one connection
 *   (its evidence carries that connection's `uid`), a stable hash of the uid;
 *   a finding over many connections (a scan, a spike) has no one flow.
 * - `event_type`: "alert".
 * - `src_ip`, `dest_ip`: always present, as in every Suricata alert. A side a
 *   finding does not narrow to one host (the targets of a horizontal scan,
 *   the many senders of a rate spike) is the unspecified address of the
 *   family, `0.0.0.0` or `::` ("any"); a rate spike's busiest sender, when
 *   known, is its `src_ip`.
 * - `src_port`, `dest_port` (numbers): TCP/UDP only, where known: the
 *   finding's port is `dest_port`, or `src_port` for a policy rule that
 *   matched on the sender's port; an `evidence.srcPort` is the source port.
 *   Aggregates over many connections have no single source port.
 * - `proto`: always, upper case as Suricata writes it (TCP, UDP, ICMP,
 *   IPv6-ICMP); a finding without one takes the protocol of its evidence
 *   (`"22/tcp"` port lists), else "IP".
 * - `icmp_type`, `icmp_code` (numbers): for ICMP findings: echo request
 *   (8, or 128 for IPv6) for the echo-based kinds, else the finding's port
 *   (Zeek puts the ICMP type in the port), code 0 unless evidence says.
 * - `alert`: `action` "allowed" (flowhound only observes), `gid` 1,
 *   `signature_id` and `signature` fixed per finding kind from
 *   EVE_SIGNATURES (or per policy rule: `FLOWHOUND POLICY <name>`, sid
 *   3000000000 + a stable 32-bit hash of the name modulo 10^9), `rev` 1,
 *   `category` a Suricata classtype description, `severity` 1 (high,
 *   critical), 2 (medium) or 3 (low, info): Suricata's priority scale. The
 *   signature never carries per-event text, so a SIEM groups alerts by it.
 * - `flowhound`: the whole finding; its `summary` is the per-event text
 *   ("34 ports of 10.0.0.5 probed ... in 0.8 s") and `id` the stable id.
 */
import type { Finding, FindingKind, Severity } from '../types.js';
import { finishOutput, orderFinding, type Sink, type TextOutput, type TextSinkOptions, writeText } from './sink.js';

export interface EveSignature {
  sid: number;
  /** The rule message (Suricata's `msg`): fixed per kind, never per event. */
  signature: string;
  /** A Suricata classtype description. */
  category: string;
}

/**
 * One row per finding kind: add a row when a detector adds a kind (a test
 * checks every FindingKind has one and that sids and signatures are unique).
 */
export const EVE_SIGNATURES: Readonly<Record<Exclude<FindingKind, `policy.${string}`>, EveSignature>> = {
  'scan.vertical': { sid: 9100001, signature: 'FLOWHOUND SCAN vertical scan (one source, many ports or IP protocols of one host)', category: 'Detection of a Network Scan' },
  'scan.horizontal': { sid: 9100002, signature: 'FLOWHOUND SCAN horizontal scan (one source, one port on many hosts)', category: 'Detection of a Network Scan' },
  'tunnel.dns': { sid: 9100003, signature: 'FLOWHOUND TUNNEL DNS tunnel (encoded data in queries under one domain)', category: 'Potentially Bad Traffic' },
  'tunnel.icmp': { sid: 9100004, signature: 'FLOWHOUND TUNNEL ICMP tunnel (echo payloads unlike ping)', category: 'Potentially Bad Traffic' },
  'rate.spike': { sid: 9100005, signature: 'FLOWHOUND RATE packet-rate spike to one host and port', category: 'Detection of a Denial of Service Attack' },
  'baseline.deviation': { sid: 9100006, signature: "FLOWHOUND BASELINE port traffic outside its learned baseline", category: 'Misc activity' },
  'scan.distributed': { sid: 9100007, signature: 'FLOWHOUND SCAN distributed scan (several sources, one target set)', category: 'Detection of a Network Scan' },
  'scan.arp': { sid: 9100008, signature: 'FLOWHOUND SCAN ARP scan (one host asking for many addresses)', category: 'Detection of a Network Scan' },
  'c2.beacon': { sid: 9100009, signature: 'FLOWHOUND C2 beaconing (regular connections to one destination)', category: 'A Network Trojan was detected' },
};

const POLICY_SID_BASE = 3_000_000_000;

/** FNV-1a, 32 bits: a stable hash of a rule name. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function signatureOf(kind: string): EveSignature {
  const known = (EVE_SIGNATURES as Record<string, EveSignature>)[kind];
  if (known) return known;
  if (kind.startsWith('policy.')) {
    const name = kind.slice('policy.'.length);
    return { sid: POLICY_SID_BASE + (fnv1a(name) % 1_000_000_000), signature: `FLOWHOUND POLICY ${name}`, category: 'Potential Corporate Privacy Violation' };
  }
  return { sid: 9100999, signature: `FLOWHOUND ${kind}`, category: 'Misc activity' };
}

export function eveSeverity(s: Severity): 1 | 2 | 3 {
  if (s === 'critical' || s === 'high') return 1;
  if (s === 'medium') return 2;
  return 3;
}

/** `2017-04-07T22:24:37.251547+0000` (UTC), Suricata's EVE timestamp format. */
export function formatEveTimestamp(tsSec: number): string {
  const whole = Math.floor(tsSec);
  let micros = Math.round((tsSec - whole) * 1e6);
  let sec = whole;
  if (micros >= 1e6) {
    micros -= 1e6;
    sec++;
  }
  const iso = new Date(sec * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(micros).padStart(6, '0')}+0000`;
}

/** The protocol of a finding, or of its evidence's "port/proto" list when it names one. */
function findingProto(f: Finding): string | null {
  if (f.proto !== null) return f.proto;
  const ports = f.evidence.ports;
  if (Array.isArray(ports)) {
    const counts = new Map<string, number>();
    for (const p of ports) {
      const m = typeof p === 'string' ? /\/([a-z_]+)$/.exec(p) : null;
      if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [k, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = k;
    if (best !== null) return best;
  }
  return null;
}

function eveProto(proto: string | null, v6: boolean): string {
  if (proto === 'icmp') return v6 ? 'IPv6-ICMP' : 'ICMP';
  if (proto === 'tcp' || proto === 'udp') return proto.toUpperCase();
  return 'IP';
}

/** A stable 52-bit number from a connection uid (a JSON-safe integer, as Suricata's flow_id is an integer). */
function flowIdOf(uid: string): number {
  return fnv1a(uid) * 0x100000 + (fnv1a(`${uid}#`) & 0xfffff);
}

const ECHO_KINDS = new Set(['tunnel.icmp', 'scan.horizontal']);

export function toEveAlert(f: Finding): Record<string, unknown> {
  const sig = signatureOf(f.kind);
  const ev = f.evidence;
  const topSender = f.kind === 'rate.spike' && typeof ev.topSender === 'string' ? ev.topSender : null;
  const src = f.src ?? topSender;
  const v6 = (src ?? f.dst ?? '').includes(':');
  const any = v6 ? '::' : '0.0.0.0';
  const proto = findingProto(f);
  const eve: Record<string, unknown> = { timestamp: formatEveTimestamp(f.ts) };
  if (typeof ev.uid === 'string' && ev.uid !== '') eve.flow_id = flowIdOf(ev.uid);
  eve.event_type = 'alert';
  eve.src_ip = src ?? any;
  if (proto === 'tcp' || proto === 'udp') {
    if (typeof ev.srcPort === 'number') eve.src_port = ev.srcPort;
    else if (f.port !== null && ev.portRole === 'src') eve.src_port = f.port;
  }
  eve.dest_ip = f.dst ?? any;
  if ((proto === 'tcp' || proto === 'udp') && f.port !== null && ev.portRole !== 'src') eve.dest_port = f.port;
  eve.proto = eveProto(proto, v6);
  if (proto === 'icmp') {
    const type = typeof ev.icmpType === 'number' ? ev.icmpType : ECHO_KINDS.has(f.kind) || f.port === null ? (v6 ? 128 : 8) : f.port;
    eve.icmp_type = type;
    eve.icmp_code = typeof ev.icmpCode === 'number' ? ev.icmpCode : 0;
  }
  eve.alert = {
    action: 'allowed',
    gid: 1,
    signature_id: sig.sid,
    rev: 1,
    signature: sig.signature,
    category: sig.category,
    severity: eveSeverity(f.severity),
  };
  eve.flowhound = orderFinding(f);
  return eve;
}

export function createEveSink(out: TextOutput, options: TextSinkOptions = {}): Sink {
  return {
    write(findings: readonly Finding[]) {
      if (findings.length === 0) return;
      let text = '';
      for (const f of findings) text += `${JSON.stringify(toEveAlert(f))}\n`;
      return writeText(out, text, options.acknowledgeWrites === true);
    },
    close() {
      return finishOutput(out, options.endOutput ?? false);
    },
  };
}
