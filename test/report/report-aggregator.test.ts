import { createReportAggregator } from '../../src/report/report-aggregator.js';
import { DEFAULT_REPORT_LIMITS } from '../../src/report/report-data.js';
import { renderReportHtml } from '../../src/report/render-report.js';
import { createTimeAxis } from '../../src/report/time-axis.js';
import type { DnsRecord, Finding, FlowRecord, RecordBatch } from '../../src/types.js';

const T0 = 1795392000; // 2026-11-23 00:00 UTC

function flow(ts: number, origH: string, respH: string, respP: number, o: Partial<FlowRecord> = {}): FlowRecord {
  return {
    ts, uid: 'C1', origH, origP: 40000, respH, respP, proto: 'tcp', service: null, duration: 1, origBytes: 100, respBytes: 1000, connState: 'SF', history: 'ShADadFf',
    missedBytes: 0, origPkts: 10, origIpBytes: 600, respPkts: 10, respIpBytes: 1500, ...o,
  };
}

function dns(ts: number, query: string): DnsRecord {
  return { ts, uid: 'D', client: '10.0.0.1', clientP: 5353, server: '10.0.0.53', serverP: 53, proto: 'udp', transId: 1, query, qtype: 16, qtypeName: 'TXT', rcode: 3, rcodeName: 'NXDOMAIN', answers: [], ttls: [], responseBytes: null };
}

const batch = (b: Partial<RecordBatch>): RecordBatch => ({ flows: [], dns: [], ticks: [], echoes: [], ...b });

describe('time axis', () => {
  it('coarsens to keep its bucket count and conserves sums over a day', () => {
    const axis = createTimeAxis(100);
    const s = { sums: [new Float64Array(100)], maxes: [new Float64Array(100)] };
    axis.register(s);
    let total = 0;
    for (let t = T0; t < T0 + 86400; t += 7) {
      const i = axis.indexOf(t);
      s.sums[0]![i]! += 1;
      if (2 > s.maxes[0]![i]!) s.maxes[0]![i] = 2;
      total++;
    }
    // Out of order: an earlier time moves the start back.
    s.sums[0]![axis.indexOf(T0 - 3600)]! += 1;
    total++;
    expect(s.sums[0]!.reduce((a, b) => a + b, 0)).toBe(total);
    expect(axis.baseSec).toBeLessThanOrEqual(T0 - 3600);
    expect(axis.baseSec + 100 * axis.bucketSec).toBeGreaterThanOrEqual(T0 + 86400 - 7);
    expect([1024, 2048]).toContain(axis.bucketSec); // 1 s doubled until 25 h fit in 100 buckets (2048 when the aligned start needs it)
    expect(Math.max(...s.maxes[0]!)).toBe(2);
  });
});

describe('report aggregator', () => {
  it('keeps every structure within its cap whatever the input', () => {
    const lim = { ...DEFAULT_REPORT_LIMITS, maxRateKeys: 2000, maxRateSeries: 50, maxScanSources: 40, maxScanPointsPerSource: 64, maxDomains: 60, maxNamesPerDomain: 100, maxExposed: 20, maxFindings: 10, maxIncidents: 5 };
    const agg = createReportAggregator({ limits: lim });
    for (let i = 0; i < 20_000; i++) {
      const ts = T0 + i;
      agg.push(
        batch({
          flows: [
            flow(ts, `10.1.${i % 200}.1`, `192.0.2.${i % 250}`, 1 + (i % 5000), { origPkts: 150 }), // many (host, port) pairs
            flow(ts, '10.9.9.9', `198.51.100.${i % 100}`, i % 1000, { connState: 'S0', history: 'S', origBytes: 0, respBytes: 0, origPkts: 1, respPkts: 0 }), // one scanner
            flow(ts, `10.2.${i % 250}.${i % 200}`, '203.0.113.1', 9, { connState: 'REJ', history: 'Sr', origBytes: 0, respBytes: 0, origPkts: 1, respPkts: 1 }), // many one-probe sources
            flow(ts, '10.3.0.1', `10.4.${i % 100}.${i % 7}`, 3389), // exposed RDP on many hosts
          ],
          dns: [dns(ts, `q${i}.d${i % 20}.example`), dns(ts, `x.u${i}.org`)],
        }),
      );
      if (i % 100 === 0) agg.addFindings([{ id: `f-${i}`, ts, end: ts + 1, kind: 'scan.vertical', severity: 'high', confidence: 1, src: `10.9.${(i / 100) % 50}.1`, dst: 'x', port: null, proto: null, detector: 'rule', summary: 's', evidence: {} }]);
    }
    const snap = agg.snapshot();
    expect(snap.rate.series.length).toBeLessThanOrEqual(50);
    expect(snap.rate.pairsSeen - snap.rate.pairsForgotten).toBeLessThanOrEqual(2000);
    expect(snap.rate.pairsForgotten).toBeGreaterThan(0);
    expect(snap.scans.length).toBeLessThanOrEqual(40);
    const scanner = snap.scans.find((s) => s.src === '10.9.9.9')!;
    expect(scanner.attempts).toBe(20_000);
    expect(scanner.ts.length).toBeLessThanOrEqual(64);
    expect(scanner.stride).toBeGreaterThanOrEqual(20_000 / 64);
    expect(snap.dns.domains.length).toBeLessThanOrEqual(60);
    expect(snap.dns.domains.every((d) => d.uniqueNames <= 100)).toBe(true);
    expect(snap.dns.domains.some((d) => d.uniqueSaturated)).toBe(true);
    expect(snap.exposure.services.length).toBeLessThanOrEqual(20);
    expect(snap.exposure.servicesDropped).toBeGreaterThan(0);
    expect(snap.findings.total).toBe(200);
    expect(snap.findings.kept).toBe(10);
    expect(snap.incidents.groups.length).toBe(5);
    expect(snap.incidents.groupsDropped).toBeGreaterThan(0);
    expect(snap.axis.buckets).toBe(lim.timeBuckets);
    for (const s of snap.rate.series) expect(s.pps).toHaveLength(lim.timeBuckets);
    expect(agg.records).toMatchObject({ flows: 80_000, dns: 40_000, firstTs: T0, lastTs: T0 + 19_999 + 1 });
  });

  it('renders a report of a day of busy, many-sourced traffic under 5 MB with the default caps', () => {
    const agg = createReportAggregator();
    const kinds = ['scan.vertical', 'scan.horizontal', 'rate.spike', 'tunnel.dns', 'policy.risky_port', 'baseline.deviation'] as const;
    for (let i = 0; i < 25_000; i++) {
      const ts = T0 + (i * 86400) / 25_000;
      const h = `10.${i % 7}.${(i >> 3) % 256}.${i % 251}`;
      agg.push(
        batch({
          flows: [
            flow(ts, h, `172.16.${i % 97}.${i % 89}`, [22, 445, 3389, 80, 443][i % 5]!, { origPkts: 50 + (i % 300) }),
            flow(ts, h, `172.17.${i % 13}.${i % 211}`, i % 65536, { connState: 'S0', history: 'S', origBytes: 0, respBytes: 0, origPkts: 1, respPkts: 0 }),
          ],
          dns: [dns(ts, `${'a'.repeat(i % 60)}x${i}.${i % 9000}.example.com`), dns(ts, `<img src=x onerror=alert(1)>${i}.d${i % 7000}.net`)],
        }),
      );
      const kind = kinds[i % kinds.length]!;
      const f: Finding = {
        id: `f-${i}`, ts, end: ts + 30, kind, severity: 'medium', confidence: 0.9, src: h, dst: `172.16.${i % 97}.${i % 89}`, port: i % 65536, proto: 'tcp', detector: 'rule',
        summary: `a summary of finding ${i} with ${'long '.repeat(20)}text`, evidence: { ports: Array.from({ length: 100 }, (_, k) => `${k}/tcp`), sample: [`<script>${i}</script>`.repeat(20)] },
      };
      agg.addFindings([f]);
    }
    const html = renderReportHtml(
      { title: 't', inputs: ['day.log'], generatedAt: 'now', records: { flows: 400_000, dns: 400_000, ticks: 0, echoes: 0 }, firstTs: T0, lastTs: T0 + 86400, model: null, modelNote: '--no-model', warnings: { total: 0, byCode: {}, samples: [] }, filters: '', ratePps: 20, elapsedSec: 1 },
      agg.snapshot(),
    );
    const bytes = Buffer.byteLength(html);
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
    expect(html).toContain('findings are counted in the charts and totals but not listed');
    expect(html).toContain('more findings from further sources');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>0</script>');
  });
});

describe('scan charts', () => {
  it('charts an IP-protocol scan by protocol number apart from a port scan of the same host', () => {
    const agg = createReportAggregator();
    const probe = { connState: 'OTH', history: null, origBytes: 0, respBytes: 0, origPkts: 1, respPkts: 0, duration: null };
    const flows: FlowRecord[] = [];
    for (let p = 1; p <= 40; p++) flows.push(flow(T0 + p, '10.9.9.9', '10.0.0.5', 0, { ...probe, proto: 'unknown_transport', origP: 0, ipProto: p + 40 }));
    for (let p = 1; p <= 30; p++) flows.push(flow(T0 + p, '10.9.9.9', '10.0.0.5', 1000 + p, { ...probe, connState: 'S0', history: 'S' }));
    // Answered, and of an unknown number: not probes.
    flows.push(flow(T0 + 50, '10.9.9.9', '10.0.0.5', 0, { proto: 'unknown_transport', origP: 0, ipProto: 47, respPkts: 3 }));
    flows.push(flow(T0 + 51, '10.9.9.9', '10.0.0.5', 0, { ...probe, proto: 'unknown_transport', origP: 0 }));
    agg.push(batch({ flows }));
    const base = { ts: T0 + 1, end: T0 + 40, kind: 'scan.vertical', severity: 'high', confidence: 0.9, src: '10.9.9.9', dst: '10.0.0.5', port: null, detector: 'rule', summary: 's' } as const;
    agg.addFindings([
      { ...base, id: 'f-proto', proto: 'unknown_transport', evidence: { windowSec: 300, basis: 'ip-protocols' } },
      { ...base, id: 'f-ports', proto: null, evidence: { windowSec: 300 } },
    ]);
    const html = renderReportHtml(
      { title: 't', inputs: ['x.log'], generatedAt: 'now', records: { flows: flows.length, dns: 0, ticks: 0, echoes: 0 }, firstTs: T0, lastTs: T0 + 60, model: null, modelNote: '--no-model', warnings: { total: 0, byCode: {}, samples: [] }, filters: '', ratePps: 20, elapsedSec: 1 },
      agg.snapshot(),
    );
    const charts = [...html.matchAll(/<div class="chart-box scan-chart"[^>]*data-points="(\d+)"><div class="cap">(.*?)<\/div>/g)].map((m) => ({ points: Number(m[1]), cap: m[2]!.replace(/<[^>]*>/g, '') }));
    expect(charts).toHaveLength(2);
    const protocols = charts.find((c) => c.cap.includes('IP protocols of 10.0.0.5'))!;
    const ports = charts.find((c) => c.cap.includes('ports of 10.0.0.5'))!;
    expect(protocols.points).toBe(40);
    expect(protocols.cap).toContain('40 distinct IP protocols');
    expect(ports.points).toBe(30);
    expect(ports.cap).toContain('30 distinct ports');
    expect(html).toContain('10.9.9.9 → 10.0.0.5 IP protocol 41');
  });
});

describe('model section', () => {
  const run = (model: { dir: string | null; backend: string | null } | null, note: string) => ({
    title: 't', inputs: ['x'], generatedAt: 'now', records: { flows: 0, dns: 0, ticks: 0, echoes: 0 }, firstTs: T0, lastTs: T0 + 600, model, modelNote: note,
    warnings: { total: 0, byCode: {}, samples: [] }, filters: '', ratePps: 20, elapsedSec: null,
  });

  it('charts each port\'s window score ÷ threshold and lists the deviations with observed vs learned values', () => {
    const agg = createReportAggregator();
    const points = [];
    for (let w = 0; w < 60; w++) points.push({ startSec: T0 + w * 10, proto: 'tcp', port: 22, model: 'port baseline', ratio: w === 40 ? 3.5 : 0.3 });
    agg.addWindowScores(points);
    agg.addFindings([
      {
        id: 'f-m', ts: T0 + 400, end: T0 + 410, kind: 'baseline.deviation', severity: 'medium', confidence: 0.8, src: '10.0.0.1', dst: '10.0.0.2', port: 22, proto: 'tcp', detector: 'model', summary: 'tcp/22 departs',
        evidence: { reason: 'deviation', ratio: 3.5, topFeatures: [{ feature: 'failed_share', unit: 'ratio 0..1', observed: 1, p50: 0, p99: 0.1, factor: 10, z: 9, threshold: 3 }] },
      },
    ]);
    const snap = agg.snapshot();
    expect(snap.model.series).toHaveLength(1);
    expect(Math.max(...snap.model.series[0]!.ratio.filter(Number.isFinite))).toBe(3.5);
    const html = renderReportHtml(run({ dir: null, backend: null }, 'self-baseline learned from the input'), snap);
    expect(html).toContain('class="chart-box model-chart" data-port="tcp/22" data-windows="60"');
    expect(html).toMatch(/<tr class="deviation" data-port="tcp\/22">.*failed_share<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">0\.10<\/td>/);
  });

  it('says why when no model was used', () => {
    const html = renderReportHtml(run(null, 'rules only: the input is too short for a self-baseline'), createReportAggregator().snapshot());
    expect(html).toContain('<p id="model-none">no model used: rules only: the input is too short for a self-baseline</p>');
  });
});
