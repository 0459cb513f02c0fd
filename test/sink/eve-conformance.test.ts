/**
 * EVE conformance: every finding kind's EVE line has the fields Suricata's
 * eve.json alerts have, with the types Suricata writes (docs.suricata.io,
 * "Eve JSON Format"), and one signature (sid and msg) per kind or policy
 * rule, whatever the per-event text. Findings come from the lab captures
 * through the rule detectors, plus one finding of each kind those captures
 * do not produce, shaped as its detector makes it.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import { EVE_SIGNATURES, signatureOf, toEveAlert } from '../../src/sink/eve.js';
import type { Finding, FindingKind } from '../../src/types.js';
import { analyzeFiles } from '../detect/analyze-files.js';

const LAB = join(process.cwd(), 'fixtures', 'lab');
const LAB_CAPTURES = [
  'scan-vertical.pcap', 'scan-horizontal.pcap', 'scan-distributed.pcap', 'scan-arp.pcap', 'dns-tunnel-iodine.pcap', 'icmp-tunnel-ptunnel.pcap', 'rate-spike.pcap',
  'beacon.pcap', 'policy-2012.pcap',
];

const base = { ts: 1714521600.25, end: 1714521660, severity: 'medium', confidence: 0.7, detector: 'rule', summary: 'per-event text 17' } as const;
/** Kinds the lab captures do not produce, with the fields their detectors fill. */
const SYNTHETIC: Finding[] = [
  { ...base, id: 'f-00000d15', kind: 'scan.distributed', src: '198.51.100.0', dst: '10.0.0.9', port: null, proto: 'tcp', evidence: { sources: 12, ports: ['22/tcp', '23/tcp'] } },
  { ...base, id: 'f-000000a9', kind: 'scan.arp', src: '10.0.0.66', dst: null, port: null, proto: null, evidence: { count: 200 } },
  { ...base, id: 'f-0000be11', kind: 'baseline.deviation', detector: 'model', src: null, dst: '10.0.0.20', port: 443, proto: 'tcp', evidence: { score: 9.1 } },
  { ...base, id: 'f-0000c2c2', kind: 'c2.beacon', src: '10.0.0.5', dst: '203.0.113.7', port: 8443, proto: 'tcp', evidence: { count: 48, uid: 'CAbc123' } },
  { ...base, id: 'f-0000da7a', kind: 'policy.data_leakage', src: '10.0.0.5', dst: '203.0.113.9', port: 2012, proto: 'tcp', evidence: { rule: 'data_leakage', portRole: 'src' } },
  { ...base, id: 'f-0000da7b', kind: 'policy.watched_port', src: '10.0.0.5', dst: '10.0.0.9', port: 3389, proto: 'tcp', evidence: { rule: 'watched_port', portRole: 'dst' } },
  { ...base, id: 'f-00001c3f', kind: 'tunnel.icmp', src: 'fe80::1', dst: 'fe80::2', port: null, proto: 'icmp', evidence: { count: 40 } },
];

const PROTOS = new Set(['TCP', 'UDP', 'ICMP', 'IPv6-ICMP', 'IP']);
const ALERT_KEYS = ['action', 'gid', 'signature_id', 'rev', 'signature', 'category', 'severity'];

function isPort(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;
}

/** The checks a Suricata eve.json alert passes; returns the problems found. */
function eveProblems(e: Record<string, unknown>): string[] {
  const p: string[] = [];
  if (typeof e.timestamp !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/.test(e.timestamp)) p.push(`timestamp ${String(e.timestamp)}`);
  if (e.event_type !== 'alert') p.push('event_type');
  if (typeof e.src_ip !== 'string' || isIP(e.src_ip) === 0) p.push(`src_ip ${String(e.src_ip)}`);
  if (typeof e.dest_ip !== 'string' || isIP(e.dest_ip) === 0) p.push(`dest_ip ${String(e.dest_ip)}`);
  if (typeof e.proto !== 'string' || !PROTOS.has(e.proto)) p.push(`proto ${String(e.proto)}`);
  if ('flow_id' in e && !Number.isSafeInteger(e.flow_id)) p.push('flow_id not an integer');
  const transport = e.proto === 'TCP' || e.proto === 'UDP';
  for (const k of ['src_port', 'dest_port']) if (k in e && (!transport || !isPort(e[k]))) p.push(`${k} ${String(e[k])} with proto ${String(e.proto)}`);
  const icmp = e.proto === 'ICMP' || e.proto === 'IPv6-ICMP';
  if (icmp && !(Number.isInteger(e.icmp_type) && Number.isInteger(e.icmp_code))) p.push('ICMP without icmp_type/icmp_code');
  if (!icmp && ('icmp_type' in e || 'icmp_code' in e)) p.push('icmp fields without ICMP');
  const a = e.alert as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return [...p, 'no alert'];
  for (const k of ALERT_KEYS) if (!(k in a)) p.push(`alert.${k} missing`);
  if (a.action !== 'allowed') p.push('alert.action');
  if (a.gid !== 1 || a.rev !== 1) p.push('alert.gid/rev');
  if (!Number.isInteger(a.signature_id) || (a.signature_id as number) <= 0 || (a.signature_id as number) > 0xffffffff) p.push('alert.signature_id not a uint32');
  if (typeof a.signature !== 'string' || typeof a.category !== 'string') p.push('alert.signature/category not strings');
  if (![1, 2, 3].includes(a.severity as number)) p.push('alert.severity');
  const fh = e.flowhound as { summary?: unknown } | undefined;
  if (typeof fh?.summary !== 'string') p.push('flowhound.summary missing');
  return p;
}

describe('EVE conformance', () => {
  let findings: Finding[] = [];
  beforeAll(async () => {
    findings = [...(await analyzeFiles(LAB_CAPTURES.map((f) => join(LAB, f)))), ...SYNTHETIC];
  });

  it('covers every finding kind, each with its own sid and signature', () => {
    const kinds = new Set(findings.map((f) => f.kind.startsWith('policy.') ? 'policy' : f.kind));
    for (const k of Object.keys(EVE_SIGNATURES)) expect(kinds).toContain(k);
    expect(kinds).toContain('policy');
    const table = Object.values(EVE_SIGNATURES);
    expect(new Set(table.map((s) => s.sid)).size).toBe(table.length);
    expect(new Set(table.map((s) => s.signature)).size).toBe(table.length);
    // The type makes the table total over FindingKind; this checks the runtime side.
    const declared: Exclude<FindingKind, `policy.${string}`>[] = ['scan.vertical', 'scan.horizontal', 'scan.distributed', 'scan.arp', 'c2.beacon', 'tunnel.dns', 'tunnel.icmp', 'rate.spike', 'baseline.deviation'];
    expect(Object.keys(EVE_SIGNATURES).sort()).toEqual([...declared].sort());
  });

  it("every finding's EVE line has Suricata's alert fields with Suricata's types", () => {
    const problems: string[] = [];
    for (const f of findings) {
      const e = JSON.parse(JSON.stringify(toEveAlert(f))) as Record<string, unknown>;
      for (const p of eveProblems(e)) problems.push(`${f.kind} ${f.id}: ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it('one signature per kind or policy rule: the same for every event, never the per-event summary', () => {
    const byKind = new Map<string, Set<string>>();
    for (const f of findings) {
      const a = toEveAlert(f).alert as { signature_id: number; signature: string };
      expect(a.signature).not.toContain(f.summary);
      const set = byKind.get(f.kind) ?? new Set<string>();
      set.add(`${a.signature_id} ${a.signature}`);
      byKind.set(f.kind, set);
    }
    for (const [kind, set] of byKind) expect([kind, set.size]).toEqual([kind, 1]);
    // Distinct kinds and rules never share a sid.
    const sids = [...byKind.entries()].map(([, set]) => [...set][0]!.split(' ')[0]);
    expect(new Set(sids).size).toBe(sids.length);
    expect(signatureOf('policy.data_leakage').sid).toBe(signatureOf('policy.data_leakage').sid);
    expect(signatureOf('policy.data_leakage').sid).not.toBe(signatureOf('policy.data_leakage2').sid);
  });

  it('fills ports, ICMP type/code and flow_id where the finding knows them', () => {
    const byKind = (k: string) => toEveAlert(findings.find((f) => f.kind === k)!);
    expect(byKind('tunnel.dns')).toMatchObject({ proto: 'UDP', dest_port: 53 });
    expect(byKind('tunnel.icmp')).toMatchObject({ proto: 'ICMP', icmp_type: 8, icmp_code: 0 });
    expect(byKind('policy.data_leakage')).toMatchObject({ src_port: 2012 });
    // A finding about one connection (its uid in the evidence) has that flow's id; the lab beacon spans many.
    expect(toEveAlert(SYNTHETIC.find((f) => f.id === 'f-0000c2c2')!).flow_id).toEqual(expect.any(Number));
    expect(byKind('c2.beacon').flow_id).toBeUndefined();
    expect(byKind('scan.vertical')).toMatchObject({ proto: 'TCP' });
    expect(byKind('scan.horizontal').dest_ip).toBe('0.0.0.0');
    const v6 = toEveAlert(SYNTHETIC.find((f) => f.id === 'f-00001c3f')!);
    expect(v6).toMatchObject({ proto: 'IPv6-ICMP', icmp_type: 128, icmp_code: 0 });
  });
});
