/**
 * Real third-party traffic (../shared/data, see its MANIFEST.md): the
 * detections other tools assert on these files, and silence on benign traces.
 */
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';
import { analyzeFiles, describeFindings } from './analyze-files.js';

const SLIPS = (...p: string[]) => sharedData('StratosphereLinuxIPS', 'dataset', ...p);
const TRACES = (...p: string[]) => sharedData('zeek', 'testing', 'btest', 'Traces', ...p);
const ICMP_EXFIL = (f: string) => sharedData('icmp-exfil-detection', 'pcaps', f);

describeWithSharedData('shared data: detections other tools assert', () => {
  it('Slips vertical-scan conn.log: scan.vertical 192.168.1.9 → 45.33.32.156', async () => {
    const found = await analyzeFiles([SLIPS('port-scans', 'vertical', 'conn.log')]);
    const v = found.filter((f) => f.kind === 'scan.vertical');
    expect(describeFindings(v)).toHaveLength(1);
    expect(v[0]).toMatchObject({ src: '192.168.1.9', dst: '45.33.32.156' });
    expect(v[0]!.evidence.count).toBeGreaterThanOrEqual(15);
  });

  it("Slips Hide'n'Seek capture (test7-malicious.pcap): scan.horizontal from 192.168.2.16 on 23/tcp", async () => {
    const found = await analyzeFiles([SLIPS('test7-malicious.pcap')]);
    const h = found.find((f) => f.kind === 'scan.horizontal' && f.src === '192.168.2.16' && f.port === 23 && f.proto === 'tcp');
    expect(h).toBeDefined();
    expect(h!.evidence.count).toBeGreaterThanOrEqual(25);
  });

  it.each([
    ['JSON', sharedData('rita', 'test_data', 'json_with_all_fields', 'dns.log')],
    ['TSV', sharedData('rita', 'test_data', 'open_conns', 'open', 'dns.log')],
  ])('RITA dnscat2 dns.log (%s): tunnel.dns for 192.168.88.2 and r-1x.com', async (_f, path) => {
    const found = await analyzeFiles([path]);
    const t = found.filter((f) => f.kind === 'tunnel.dns');
    expect(describeFindings(t)).toHaveLength(1);
    expect(t[0]).toMatchObject({ src: '192.168.88.2', dst: '165.227.88.15', port: 53 });
    expect(t[0]!.evidence.domain).toBe('r-1x.com');
  });

  it.each([
    ['iodine', sharedData('comnet24s-dataset', 'pcaps', 'iodine', 'examples.elastic.github.com.pcap'), '10.0.2.30', 'pirate.sea'],
    ['dns2tcp', sharedData('comnet24s-dataset', 'pcaps', 'dns2tcp', 'learn.netrack.github.com.pcap'), '172.17.0.3', 'hidemyself.org'],
  ])('%s capture: tunnel.dns', async (_tool, path, client, domain) => {
    const found = await analyzeFiles([path]);
    const t = found.filter((f) => f.kind === 'tunnel.dns');
    expect(t.map((f) => [f.src, f.evidence.domain])).toEqual([[client, domain]]);
  });

  it.each([
    'icmp-file-transfer-sample-text-file-2mb.pcap',
    'icmp-file-transfer-sample-text-file-448-bytes.pcap',
    'hping3-sample-text-file-448-bytes-5-sec-95-byte-packets.pcap',
    'pyexfil-sample-text-file-448-bytes.pcap',
    'EgressAssess-sample-text-file.pcap',
  ])('ICMP exfiltration capture %s: tunnel.icmp 10.0.2.15/192.168.86.36 → 54.144.215.114', async (file) => {
    const found = await analyzeFiles([ICMP_EXFIL(file)]);
    const t = found.filter((f) => f.kind === 'tunnel.icmp');
    expect(describeFindings(t)).toHaveLength(1);
    expect(t[0]!.dst).toBe('54.144.215.114');
  });

  it('SSH brute force (67 connections to one port): no scan.*', async () => {
    const found = await analyzeFiles([SLIPS('test19-malicious-ssh', 'malicious-ssh-bruteforce.pcap')]);
    expect(describeFindings(found.filter((f) => f.kind.startsWith('scan.')))).toEqual([]);
  });

  it('masscan TCP and UDP ports 0-1000 of one host: scan.vertical of ≥ 1000 ports', async () => {
    for (const f of ['tcp_0_1000_20190821.pcap', 'udp_0_1000_20190821.pcap']) {
      const found = await analyzeFiles([sharedData('esnet-curated-pcaps', 'attacks', 'scanners', 'masscan', f)]);
      const v = found.filter((x) => x.kind === 'scan.vertical');
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ src: '172.31.15.102', dst: '198.124.152.15' });
      expect(v[0]!.evidence.count).toBeGreaterThanOrEqual(1000);
    }
  });

  it("Slips ARP scan (test8-malicious.pcap): scan.arp for 192.168.1.247, nothing for the gateway's own ARP", async () => {
    const found = await analyzeFiles([SLIPS('test8-malicious.pcap')]);
    const arp = found.filter((f) => f.kind === 'scan.arp');
    expect(describeFindings(arp)).toHaveLength(1);
    expect(arp[0]).toMatchObject({ src: '192.168.1.247' });
    expect(arp[0]!.evidence.count).toBeGreaterThanOrEqual(250);
    expect(arp[0]!.evidence.mac).toBe('50:ed:3c:39:bc:d9');
  });

  it('Slips labelled test18 conn.log: c2.beacon for the RemcosRAT pair 192.168.1.107 → 66.63.168.35:5888, nothing on the 44 benign rows', async () => {
    const found = await analyzeFiles([SLIPS('test18-malicious-ctu-sme-11-win', 'zeek-labeled', 'conn.log.labeled')]);
    expect(describeFindings(found)).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'c2.beacon', src: '192.168.1.107', dst: '66.63.168.35', port: 5888, proto: 'tcp' });
    expect(found[0]!.evidence.failed).toBeGreaterThanOrEqual(700);
  });

  it("RITA's proxy conn.log: c2.beacon 10.136.0.18 → its proxy 10.136.0.16:3128 (RITA's own test asserts this proxy beacon to www.honestimnotevil.com, 357 connections, score 0.979)", async () => {
    const found = await analyzeFiles([sharedData('rita', 'test_data', 'proxy', 'conn.log')]);
    // One incident over 28 h, reported again (same id, more connections) as its span doubles.
    expect(new Set(found.map((f) => f.id)).size).toBe(1);
    const last = found[found.length - 1]!;
    expect(last).toMatchObject({ kind: 'c2.beacon', src: '10.136.0.18', dst: '10.136.0.16', port: 3128 });
    expect(last.evidence.score).toBeGreaterThanOrEqual(0.9);
    expect(last.evidence.count).toBeGreaterThanOrEqual(357);
  });

  it('nmap scenario conn.log (172.16.1.11): ICMP sweep and vertical scans', async () => {
    const found = await analyzeFiles([sharedData('security-datasets-for-testing', '002-zeek-scenario-port-scanning', 'conn.log')]);
    expect(found.some((f) => f.kind === 'scan.horizontal' && f.src === '172.16.1.11' && f.proto === 'icmp')).toBe(true);
    expect(found.some((f) => f.kind === 'scan.vertical' && f.src === '172.16.1.11' && f.dst === '192.168.1.155')).toBe(true);
    expect(found.every((f) => f.src === '172.16.1.11')).toBe(true);
  });
});

describeWithSharedData('shared data: benign traces yield no findings', () => {
  it.each([
    TRACES('wikipedia.pcap'),
    TRACES('web.pcap'),
    TRACES('var-services-std-ports.pcap'),
    TRACES('workshop_2011_browse.pcap'),
    TRACES('icmp', '5-pings.pcap'),
    TRACES('icmp', 'icmp-ping.pcap'),
    TRACES('icmp', 'icmp6-ping.pcap'),
    TRACES('tunnels', 'ping6-in-ipv4.pcap'),
    sharedData('zeek-conformance', 'core.pppoe', 'trace.pcap'),
    TRACES('dns-txt-multiple.pcap'),
    TRACES('dns', 'long-connection.pcap'),
    SLIPS('test-cc', 'test-cc-capture-2.pcap'),
    SLIPS('test10-mixed-zeek-dir', 'dns.log'),
    sharedData('rita', 'test_data', 'proxy', 'dns.log'),
    sharedData('esnet-curated-pcaps', 'attacks', 'scanners', 'nmap', 'nmap_80_vanilla.pcap'),
    sharedData('esnet-curated-pcaps', 'attacks', 'scanners', 'nmap', 'nmap_80_w_service_detection.pcap'),
  ])('%s', async (path) => {
    expect(describeFindings(await analyzeFiles([path]))).toEqual([]);
  });

  it('scripted curl every 2 s for 11 min (Slips test-cc-capture-1.pcap, truly periodic): at most a low-severity c2.beacon, nothing else', async () => {
    const found = await analyzeFiles([SLIPS('test-cc', 'test-cc-capture-1.pcap')]);
    expect(describeFindings(found.filter((f) => f.kind !== 'c2.beacon' || f.severity !== 'low'))).toEqual([]);
  });

  it('Stratosphere CTU-Normal-42 day 2 (24 h, labelled; a benign Windows host attacked from the Internet): its scans are from the Internet; the one truly periodic benign pair (every 15 min for 7 h) is at most a low c2.beacon', async () => {
    const found = await analyzeFiles([sharedData('security-datasets-for-testing', '010-zeek-mixed', 'data', 'conn.log.labeled')]);
    const beacons = found.filter((f) => f.kind === 'c2.beacon');
    expect(beacons.every((f) => f.severity === 'low' && f.evidence.medianIntervalSec === 900)).toBe(true);
    expect(found.filter((f) => f.kind.startsWith('scan.')).every((f) => f.src !== null && !f.src.startsWith('147.32.'))).toBe(true);
  });

  it('Slips test9/test10 mixed conn.logs: no scan.distributed, scan.arp or c2.beacon', async () => {
    const found = await analyzeFiles([SLIPS('test9-mixed-zeek-dir', 'conn.log'), SLIPS('test10-mixed-zeek-dir', 'conn.log')]);
    expect(describeFindings(found.filter((f) => ['scan.distributed', 'scan.arp', 'c2.beacon'].includes(f.kind)))).toEqual([]);
  });

  it('Simda DGA dns.log (high entropy, NXDOMAIN, not a tunnel) and WRCCDC dns.log (53k rows): no tunnel.dns', async () => {
    const found = await analyzeFiles([
      sharedData('security-datasets-for-testing', '005-zeek-scenario-malicious', 'dns.log'),
      sharedData('zed-sample-data', 'zeek-default', 'dns.log'),
    ]);
    expect(describeFindings(found)).toEqual([]);
  });
});
