import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { createDnsTunnelDetector, nameByteLength } from '../../src/detect/dns-tunnel-detector.js';
import type { DnsRecord, Finding, FlowRecord } from '../../src/types.js';
import { batch, dns, flow } from './make-records.js';
import { findingsResumed } from './findings-resumed.js';

const T0 = 1_517_336_042;

function run(records: DnsRecord[], flows: FlowRecord[] = []): Finding[] {
  const d = createDnsTunnelDetector(DEFAULT_SETTINGS);
  return [...d.push(batch({ dns: records, flows })), ...d.flush()];
}

function hex(n: number, len: number): string {
  let s = '';
  let x = (n * 2654435761) >>> 0;
  while (s.length < len) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += (x >>> 16).toString(16).padStart(4, '0');
  }
  return s.slice(0, len);
}

describe('tunnel.dns', () => {
  it('fires on dnscat2-style TXT queries with hex labels (24 queries, like the RITA excerpt)', () => {
    const recs = Array.from({ length: 24 }, (_, i) =>
      dns({ ts: T0 + i, client: '192.168.88.2', server: '165.227.88.15', query: `${hex(i, 18)}.dnsc.r-1x.com`, qtype: 16, qtypeName: 'TXT' }),
    );
    const found = run(recs);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'tunnel.dns', src: '192.168.88.2', dst: '165.227.88.15', port: 53 });
    expect(found[0]!.evidence.domain).toBe('r-1x.com');
    expect(found[0]!.evidence.queries).toBe(24);
  });

  it('fires on iodine-style long NULL queries and rates many unique names high', () => {
    const recs = Array.from({ length: 200 }, (_, i) =>
      dns({ ts: T0 + i * 0.1, client: '10.0.2.30', server: '10.0.2.20', query: `${hex(i, 60)}.${hex(i + 7, 50)}.t.pirate.sea`, qtype: 10, qtypeName: 'NULL' }),
    );
    const found = run(recs);
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('high');
    expect(found[0]!.evidence.domain).toBe('pirate.sea');
    expect(found[0]!.evidence.uniqueSubdomains).toBe(200);
    expect(found[0]!.evidence.signals).toMatchObject({ uniqueSubdomains: true, longNames: true, unusualTypes: true, queryRate: true });
  });

  it('fires on dns2tcp KEY queries of a download: short polling names, the data in the answers (KEY is an unusual type)', () => {
    // dns2tcpc -T KEY carrying an ssh download: the client's names are 10-char base32 sequence labels
    // (no long names, no encoded-looking labels), so the query type is the one content signal.
    const recs = Array.from({ length: 200 }, (_, i) =>
      dns({ ts: T0 + i * 0.15, client: '10.77.0.10', server: '10.77.0.53', query: `zq${hex(i, 8)}.t.lab.example`, qtype: 25, qtypeName: 'KEY' }),
    );
    const found = run(recs);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.signals).toMatchObject({ uniqueSubdomains: true, longNames: false, encodedLabels: false, unusualTypes: true });
    // The same names asked as A records have volume signals only: no finding.
    expect(run(recs.map((r) => ({ ...r, qtype: 1, qtypeName: 'A' })))).toEqual([]);
  });

  it('needs at least dnsMinQueries queries', () => {
    const recs = Array.from({ length: 9 }, (_, i) => dns({ ts: T0 + i, client: '10.0.0.2', query: `${hex(i, 40)}.evil.example`, qtype: 16, qtypeName: 'TXT' }));
    expect(run(recs)).toEqual([]);
  });

  it('stays quiet for normal browsing: repeated short names, CDN host names, A/AAAA', () => {
    const names = ['www.example.com', 'cdn.example.com', 'api.example.com', 'img.example.com', 'e1234.dscb.akamaiedge.net', 'e5678.dscb.akamaiedge.net'];
    const recs = Array.from({ length: 500 }, (_, i) => dns({ ts: T0 + i, client: '10.0.0.2', query: names[i % names.length]!, qtype: i % 2 ? 1 : 28 }));
    // Many unique but plain names under one domain (a big site): volume without content.
    const plain = Array.from({ length: 300 }, (_, i) => dns({ ts: T0 + i, client: '10.0.0.3', query: `shard${i}.static.bigsite.com` }));
    expect(run([...recs, ...plain])).toEqual([]);
  });

  it('ignores reverse lookups and mDNS/LLMNR', () => {
    const ptr = Array.from({ length: 300 }, (_, i) => dns({ ts: T0 + i, client: '10.0.0.2', query: `${i & 255}.${(i >> 8) & 255}.168.192.in-addr.arpa`, qtype: 12, qtypeName: 'PTR' }));
    const mdns = Array.from({ length: 300 }, (_, i) =>
      dns({ ts: T0 + i, client: '10.0.0.4', server: '224.0.0.251', serverP: 5353, query: `${hex(i, 30)}._ipp._tcp.local`, qtype: 16, qtypeName: 'TXT' }),
    );
    expect(run([...ptr, ...mdns])).toEqual([]);
  });

  it('stays quiet for DGA lookups (many registered domains, few queries each)', () => {
    const recs = Array.from({ length: 300 }, (_, i) =>
      dns({ ts: T0 + i, client: '10.0.0.9', query: `${hex(i, 14)}.com`, rcode: 3, rcodeName: 'NXDOMAIN' }),
    );
    expect(run(recs)).toEqual([]);
  });

  describe('non-DNS traffic on port 53', () => {
    // iodine's raw mode after its handshake: one UDP flow of ~1 kB datagrams to the server's port 53, small answers back.
    const raw = (over: Partial<FlowRecord> = {}) =>
      flow({ ts: T0 + 10, origH: '10.77.0.10', origP: 46074, respH: '10.77.0.70', respP: 53, proto: 'udp', connState: 'SF', history: 'Dd', duration: 20, origBytes: 64_988, respBytes: 2279, origPkts: 62, respPkts: 35, ...over });
    // The same client's ordinary lookups through its resolver (Zeek: service dns).
    const lookups = Array.from({ length: 5 }, (_, i) =>
      flow({ ts: T0 + i, origH: '10.77.0.10', respH: '10.77.0.53', respP: 53, proto: 'udp', service: 'dns', connState: 'SF', origBytes: 40, respBytes: 80, origPkts: 1, respPkts: 1 }),
    );

    it('fires on a port-53 flow with payload both ways that is not DNS (Zeek: service unset), naming the client', () => {
      const found = run([dns({ ts: T0, client: '10.77.0.10', query: 'www.example.com' })], [...lookups, raw()]);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ kind: 'tunnel.dns', src: '10.77.0.10', dst: '10.77.0.70', port: 53, proto: 'udp', severity: 'medium' });
      expect(found[0]!.evidence).toMatchObject({ basis: 'non-dns-on-port-53', count: 62, flows: 1, origBytes: 64_988, respBytes: 2279, services: ['none'] });
      expect(found[0]!.summary).toMatch(/^non-DNS traffic on port 53: 1 flow from 10\.77\.0\.10 to 10\.77\.0\.70:53\/udp/);
    });

    it('counts a Zeek flow flipped by the first raw packet (QR set) the other way round: 10.77.0.70:53 -> client', () => {
      const flipped = raw({ origH: '10.77.0.70', origP: 53, respH: '10.77.0.10', respP: 46074, history: '^dD', origBytes: 2279, respBytes: 64_988, origPkts: 35, respPkts: 62 });
      const found = run([], [...lookups, flipped]);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ src: '10.77.0.10', dst: '10.77.0.70', port: 53 });
      expect(found[0]!.evidence).toMatchObject({ basis: 'non-dns-on-port-53', origBytes: 64_988, origPkts: 62, respBytes: 2279 });
      // A DNS flow from port 53 (a late response) is not counted.
      expect(run([], [...lookups, { ...flipped, service: 'dns' }])).toEqual([]);
    });

    it('fires from a capture (its flows carry packet sizes) even when no flow of the input is DNS', () => {
      const found = run([], [raw({ origMaxPayload: 1100, respMaxPayload: 100 })]);
      expect(found.map((f) => f.evidence.basis)).toEqual(['non-dns-on-port-53']);
    });

    it('says nothing of DNS flows, of a few packets, of one-way traffic, or of exports that name no service', () => {
      expect(run([], [...lookups, raw({ service: 'dns' })])).toEqual([]);
      expect(run([], [...lookups, raw({ service: 'dns,ssl' })])).toEqual([]);
      expect(run([], [...lookups, raw({ origPkts: 9, origBytes: 9000 })])).toEqual([]);
      expect(run([], [...lookups, raw({ respBytes: 0, respPkts: 0 })])).toEqual([]);
      // A CSV export: no flow has a service, so DNS cannot be told from the rest.
      expect(run([], [raw()])).toEqual([]);
    });

    it('counts an analyzer Zeek removed after a violation ("-dns") as not DNS, and is high from 1 MB', () => {
      const found = run([], [...lookups, raw({ service: '-dns', origBytes: 900_000, respBytes: 200_000, origPkts: 900 })]);
      expect(found).toHaveLength(1);
      expect(found[0]!.severity).toBe('high');
      expect(found[0]!.evidence.services).toEqual(['-dns']);
    });
  });

  it('measures query names in bytes, an escaped byte (\\xNN) as one', () => {
    expect(nameByteLength('www.example.com')).toBe(15);
    expect(nameByteLength('a\\xe9\\xff.t.lab.example')).toBe(17);
    expect(nameByteLength('\\xzz.example')).toBe(12);
    // iodine's Base128 names: 60 raw bytes in the label read as 240 characters.
    const label = Array.from({ length: 60 }, (_, i) => `\\x${(0x80 + i).toString(16)}`).join('');
    const recs = Array.from({ length: 20 }, (_, i) => dns({ ts: T0 + i, client: '10.0.0.9', query: `${label}${i}.t.lab.example`, qtype: 10, qtypeName: 'NULL' }));
    const found = run(recs);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.maxQueryLength).toBe(60 + 2 + 14);
    expect(found[0]!.summary).toMatch(/mean name length 75\.5$/);
  });

  it('degrades to volume on port 53 when only conn.log is given, and says so', () => {
    const flows = Array.from({ length: 400 }, (_, i) =>
      flow({ ts: T0 + i, origH: '10.0.0.7', respH: '10.0.0.53', respP: 53, proto: 'udp', connState: 'SF', origBytes: 180, respBytes: 300, origPkts: 1, respPkts: 1 }),
    );
    const found = run([], flows);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.basis).toBe('volume-only');
    expect(found[0]!.summary).toMatch(/volume only/);
    // Normal-size queries from the same number of lookups stay quiet.
    expect(run([], flows.map((f) => ({ ...f, origBytes: 40 })))).toEqual([]);
    // With the DNS names available, the volume fallback is not used.
    expect(run([dns({ ts: T0, client: '10.0.0.7', query: 'www.example.com' })], flows)).toEqual([]);
  });

  it('ends a volume window an hour after its earliest flow, also when that flow came late (out of order)', () => {
    const heavy = { respH: '10.0.0.53', respP: 53, proto: 'udp' as const, connState: 'SF', origBytes: 2_000_000, respBytes: 100, origPkts: 10, respPkts: 10 };
    const flows = [
      flow({ ts: T0 + 100, origH: '10.0.0.7', ...heavy }),
      // Earlier than the first: the window now ends at T0 + 3600, not T0 + 3700.
      flow({ ts: T0, origH: '10.0.0.7', ...heavy }),
      // Moves event time past T0 + 3600: the first window is reported and closed.
      flow({ ts: T0 + 3640, origH: '10.0.0.8', ...heavy }),
      // In a new window of its own.
      flow({ ts: T0 + 3650, origH: '10.0.0.7', ...heavy }),
    ];
    const found = run([], flows).filter((f) => f.src === '10.0.0.7');
    expect(found.map((f) => [f.ts, f.evidence.flows])).toEqual([
      [T0, 2],
      [T0 + 3650, 1],
    ]);
  });
});

describe('tunnel.dns signal combination', () => {
  it('needs three signals: unique random-looking video-CDN names (two signals) stay quiet', () => {
    const recs = Array.from({ length: 40 }, (_, i) => dns({ ts: T0 + i * 30, client: '10.0.0.2', query: `rr${i % 9}---sn-${hex(i, 8)}.googlevideo.com` }));
    expect(run(recs)).toEqual([]);
  });

  it('takes the registered domain of names with bytes invalid in host names (dns2tcp base64, iodine base128)', () => {
    const recs = Array.from({ length: 30 }, (_, i) =>
      dns({ ts: T0 + i, client: '172.17.0.3', query: `q+z7${hex(i, 50)}/ab+${hex(i + 1, 40)}.${hex(i + 2, 60)}.hidemyself.org`, qtype: 16, qtypeName: 'TXT' }),
    );
    const found = run(recs);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.domain).toBe('hidemyself.org');
  });
});

describe('tunnel.dns state of keys with one name', () => {
  // A key holds its first name without a set until a second one comes; snapshots still write the set.
  const recs = Array.from({ length: 30 }, (_, i) =>
    dns({ ts: T0 + i, client: '192.168.88.2', server: '165.227.88.15', query: i < 3 ? 'x1.dnsc.r-1x.com' : `${hex(i, 18)}.dnsc.r-1x.com`, qtype: 16, qtypeName: 'TXT' }),
  );

  it('snapshots a one-name key with its names as a set, and no other field', () => {
    const d = createDnsTunnelDetector(DEFAULT_SETTINGS);
    d.push(batch({ dns: recs.slice(0, 2) }));
    const state = JSON.parse(JSON.stringify(d.snapshot())) as { keys: { rows: Record<string, unknown>[] } };
    const row = state.keys.rows[0]!;
    expect(row.names).toEqual({ $set: ['x1.dnsc.r-1x.com'] });
    expect(row).not.toHaveProperty('soleName');
    expect(row.key).toBe('192.168.88.2|r-1x.com');
  });

  it('restored after one name, counts the names the uninterrupted run counts', () => {
    const whole = run(recs);
    const resumed = findingsResumed(() => createDnsTunnelDetector(DEFAULT_SETTINGS), batch({ dns: recs.slice(0, 2) }), batch({ dns: recs.slice(2) }));
    expect(whole).toHaveLength(1);
    expect(whole[0]!.evidence.uniqueSubdomains).toBe(28);
    expect(resumed).toEqual(whole);
  });
});

describe('tunnel.dns state of keys with one record type', () => {
  // A key counts its record types without an object until a second type comes; findings and snapshots see the counts in the order first seen.
  const recs = Array.from({ length: 30 }, (_, i) =>
    dns({ ts: T0 + i, client: '192.168.88.2', server: '165.227.88.15', query: `${hex(i, 18)}.dnsc.r-1x.com`, ...(i < 3 || i === 10 ? { qtype: 1, qtypeName: 'A' } : { qtype: 16, qtypeName: 'TXT' }) }),
  );

  it('counts the first type\'s queries when a second type comes, in the order first seen', () => {
    const found = run(recs);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.qtypes).toEqual({ A: 4, TXT: 26 });
    expect(Object.keys(found[0]!.evidence.qtypes as object)).toEqual(['A', 'TXT']);
    expect(found[0]!.summary).toContain('record types A/TXT');
  });

  it('snapshots a one-type key with its types as an object, and no other field', () => {
    const d = createDnsTunnelDetector(DEFAULT_SETTINGS);
    d.push(batch({ dns: recs.slice(0, 2) }));
    const state = JSON.parse(JSON.stringify(d.snapshot())) as { keys: { rows: Record<string, unknown>[] } };
    const row = state.keys.rows[0]!;
    expect(row.qtypes).toEqual({ A: 2 });
    expect(row).not.toHaveProperty('soleQtype');
  });

  it('restored while it has one type, reports what the uninterrupted run reports', () => {
    const whole = run(recs);
    const resumed = findingsResumed(() => createDnsTunnelDetector(DEFAULT_SETTINGS), batch({ dns: recs.slice(0, 3) }), batch({ dns: recs.slice(3) }));
    expect(resumed).toEqual(whole);
  });
});
