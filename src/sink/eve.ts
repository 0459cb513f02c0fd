/**
 * Findings as Suricata EVE `alert` objects (one JSON object per line), so a
 * SIEM pipeline built for Suricata's eve.json takes them unchanged.
 *
 * Mapping:
 * - `timestamp`: the finding's first event time, ISO 8601 with microseconds
 *   and a `+0000` offset, as Suricata writes it.
 * - `flow_id`: the finding id's 32 hex bits as a number (stable, like the id).
 * - `src_ip`/`src_port`/`dest_ip`/`dest_port`: the finding's source and
 *   target (the port is `dest_port`, or `src_port` for a policy rule that
 *   matched on the sender's port); a key flowhound does not know (the destination of a horizontal
 *   scan, the source of a rate spike) is left out rather than invented.
 *   ICMP findings carry no ports.
 * - `proto`: upper case (TCP, UDP, ICMP; IPv6-ICMP for IPv6 addresses).
 * - `alert`: `action` "allowed" (flowhound only observes), `gid` 1,
 *   `signature_id` from the table below (9100001–9100009 for the built-in
 *   kinds; 9100100 + a stable hash for `policy.<name>`), `rev` 1,
 *   `signature` "FLOWHOUND <kind>: <summary>", `category` a Suricata
 *   classtype description, `severity` 1 (high, critical), 2 (medium) or
 *   3 (low, info) — Suricata's priority scale, 1 most severe.
 * - `flowhound`: the whole finding (id, kind, confidence, evidence).
 */
import type { Finding, Severity } from '../types.js';
import { finishOutput, orderFinding, type Sink, type TextOutput } from './sink.js';

const SIGNATURES: Record<string, { sid: number; category: string }> = {
  'scan.vertical': { sid: 9100001, category: 'Detection of a Network Scan' },
  'scan.horizontal': { sid: 9100002, category: 'Detection of a Network Scan' },
  'tunnel.dns': { sid: 9100003, category: 'Potentially Bad Traffic' },
  'tunnel.icmp': { sid: 9100004, category: 'Potentially Bad Traffic' },
  'rate.spike': { sid: 9100005, category: 'Detection of a Denial of Service Attack' },
  'baseline.deviation': { sid: 9100006, category: 'Misc activity' },
  'scan.distributed': { sid: 9100007, category: 'Detection of a Network Scan' },
  'scan.arp': { sid: 9100008, category: 'Detection of a Network Scan' },
  'c2.beacon': { sid: 9100009, category: 'A Network Trojan was detected' },
};

export function signatureOf(kind: string): { sid: number; category: string } {
  const known = SIGNATURES[kind];
  if (known) return known;
  if (kind.startsWith('policy.')) {
    let h = 0;
    for (let i = 0; i < kind.length; i++) h = (h * 31 + kind.charCodeAt(i)) >>> 0;
    return { sid: 9100100 + (h % 800), category: 'Potential Corporate Privacy Violation' };
  }
  return { sid: 9100999, category: 'Misc activity' };
}

export function eveSeverity(s: Severity): 1 | 2 | 3 {
  if (s === 'critical' || s === 'high') return 1;
  if (s === 'medium') return 2;
  return 3;
}

/** `2017-04-07T22:24:37.251547+0000` (UTC), Suricata's EVE timestamp format. */
export function formatEveTimestamp(tsSec: number): string {
  const ms = Math.floor(tsSec * 1000);
  const iso = new Date(ms).toISOString(); // 2017-04-07T22:24:37.251Z
  const micros = Math.round((tsSec - Math.floor(tsSec)) * 1e6) % 1e6;
  return `${iso.slice(0, 19)}.${String(micros).padStart(6, '0')}+0000`;
}

export function toEveAlert(f: Finding): Record<string, unknown> {
  const sig = signatureOf(f.kind);
  const v6 = (f.src ?? f.dst ?? '').includes(':');
  const proto = f.proto === null ? undefined : f.proto === 'icmp' ? (v6 ? 'IPv6-ICMP' : 'ICMP') : f.proto.toUpperCase();
  const eve: Record<string, unknown> = {
    timestamp: formatEveTimestamp(f.ts),
    flow_id: Number.parseInt(f.id.slice(2), 16) || 0,
    event_type: 'alert',
  };
  if (f.src !== null) eve.src_ip = f.src;
  if (f.dst !== null) eve.dest_ip = f.dst;
  if (f.port !== null && f.proto !== 'icmp') {
    // Policy findings on a sender's port (data sent from port 2012) name a source port.
    if (f.evidence.portRole === 'src') eve.src_port = f.port;
    else eve.dest_port = f.port;
  }
  if (proto !== undefined) eve.proto = proto;
  eve.alert = {
    action: 'allowed',
    gid: 1,
    signature_id: sig.sid,
    rev: 1,
    signature: `FLOWHOUND ${f.kind}: ${f.summary}`,
    category: sig.category,
    severity: eveSeverity(f.severity),
  };
  eve.flowhound = orderFinding(f);
  return eve;
}

export function createEveSink(out: TextOutput, options: { endOutput?: boolean } = {}): Sink {
  return {
    write(findings: readonly Finding[]) {
      if (findings.length === 0) return;
      let text = '';
      for (const f of findings) text += `${JSON.stringify(toEveAlert(f))}\n`;
      out.write(text);
    },
    close() {
      return finishOutput(out, options.endOutput ?? false);
    },
  };
}
