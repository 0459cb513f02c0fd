import { createEveSink, formatEveTimestamp, toEveAlert } from '../../src/sink/eve.js';
import { createJsonlSink } from '../../src/sink/jsonl.js';
import type { Finding } from '../../src/types.js';

function collect(): { out: { write(s: string): boolean }; text: () => string } {
  let buf = '';
  return {
    out: {
      write(s: string) {
        buf += s;
        return true;
      },
    },
    text: () => buf,
  };
}

const scan: Finding = {
  id: 'f-6c1d0e9a', ts: 1795333402.6, end: 1795333412.5, kind: 'scan.vertical', severity: 'medium', confidence: 0.9,
  src: '10.77.0.66', dst: '10.77.0.9', port: null, proto: null, detector: 'rule', summary: '44 ports of 10.77.0.9 probed', evidence: { count: 44 },
};
const dnsT: Finding = {
  id: 'f-00000001', ts: 1795333402.000123, end: 1795333412.5, kind: 'tunnel.dns', severity: 'high', confidence: 0.92,
  src: '10.77.0.66', dst: '10.77.0.53', port: 53, proto: 'udp', detector: 'rule', summary: '1843 unique subdomains', evidence: { domain: 't.example', count: 1843 },
};
const leak: Finding = {
  id: 'f-0000000a', ts: 0, end: 1, kind: 'policy.data_leakage', severity: 'high', confidence: 0.8, src: '10.0.0.5', dst: '203.0.113.9', port: 2012, proto: 'tcp', detector: 'rule', summary: 'x', evidence: { portRole: 'src', count: 1 },
};
const icmp: Finding = { ...dnsT, id: 'f-0000000b', kind: 'tunnel.icmp', port: null, proto: 'icmp', src: 'fe80::1', dst: 'fe80::2', severity: 'low' };

describe('jsonl sink', () => {
  it('writes one parseable object per line in the DESIGN.md key order', async () => {
    const c = collect();
    const s = createJsonlSink(c.out);
    s.write([scan, dnsT]);
    await s.close();
    const lines = c.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const o = JSON.parse(lines[1]!);
    expect(Object.keys(o)).toEqual(['id', 'ts', 'end', 'kind', 'severity', 'confidence', 'src', 'dst', 'port', 'proto', 'detector', 'summary', 'evidence']);
    expect(o.evidence.domain).toBe('t.example');
  });
});

describe('eve sink', () => {
  it('writes Suricata EVE alert objects', async () => {
    const c = collect();
    const s = createEveSink(c.out);
    s.write([dnsT]);
    await s.close();
    const e = JSON.parse(c.text());
    expect(e).toMatchObject({
      timestamp: '2026-11-22T07:43:22.000123+0000',
      event_type: 'alert',
      src_ip: '10.77.0.66',
      dest_ip: '10.77.0.53',
      dest_port: 53,
      proto: 'UDP',
      alert: { action: 'allowed', gid: 1, signature_id: 9100003, rev: 1, category: 'Potentially Bad Traffic', severity: 1 },
    });
    // No one connection behind the finding: no flow_id; the signature is the kind's, the summary stays in flowhound.
    expect(e.flow_id).toBeUndefined();
    expect(e.alert.signature).toBe('FLOWHOUND TUNNEL DNS tunnel (encoded data in queries under one domain)');
    expect(e.flowhound.summary).toBe('1843 unique subdomains');
    expect(e.flowhound.id).toBe('f-00000001');
  });

  it('maps severity to Suricata 1..3, ICMPv6 to IPv6-ICMP without ports, sender ports to src_port', () => {
    expect(toEveAlert(scan).alert).toMatchObject({ severity: 2, signature_id: 9100001 });
    const e = toEveAlert(icmp);
    expect(e.proto).toBe('IPv6-ICMP');
    expect(e.dest_port).toBeUndefined();
    expect((e.alert as { severity: number }).severity).toBe(3);
    const l = toEveAlert(leak);
    expect(l.src_port).toBe(2012);
    expect(l.dest_port).toBeUndefined();
    const sid = (l.alert as { signature_id: number }).signature_id;
    expect(sid).toBeGreaterThanOrEqual(3_000_000_000);
    expect(sid).toBeLessThan(4_000_000_000);
    expect((l.alert as { signature: string }).signature).toBe('FLOWHOUND POLICY data_leakage');
    expect(toEveAlert(scan).dest_port).toBeUndefined();
  });

  it('formats timestamps with microseconds and +0000', () => {
    expect(formatEveTimestamp(0.5)).toBe('1970-01-01T00:00:00.500000+0000');
  });
});

