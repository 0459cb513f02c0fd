/**
 * FlowRecord.origV4 / respV4: every reader sets both on every record, equal
 * to the address's IPv4 number as an Int32 when its text is a canonical
 * dotted quad and -1 otherwise (IPv6, odd forms). Checked against a parse written here (a
 * regular expression and the octets), on real logs, exports and captures
 * from ../shared/data and on lines that take the readers' other paths.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readCaptureRecords } from '../../src/ingest/capture-ingest.js';
import { openByteSourceFromChunks, rechunk } from '../../src/io/byte-source.js';
import type { FlowRecord, IcmpEcho } from '../../src/types.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';
import { readBytes, readFile } from './zeek/read-helper.js';

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const CANONICAL = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** The number a reader must give for address text `s`: the address as an Int32 (255.255.255.255 is -1, as not known). */
function expectedV4(s: string): number {
  const m = CANONICAL.exec(s);
  if (m === null) return -1;
  return (((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4])) | 0;
}

interface Tally {
  v4: number;
  other: number;
}

/** Checks every record's numbers; counts the addresses of each kind. */
function checkNumbers(flows: readonly FlowRecord[]): Tally {
  const t: Tally = { v4: 0, other: 0 };
  const wrong: string[] = [];
  for (const f of flows) {
    for (const [h, v] of [
      [f.origH, f.origV4],
      [f.respH, f.respV4],
    ] as const) {
      const want = expectedV4(h);
      if (v !== want) wrong.push(`${h}: ${String(v)}, expected ${want}`);
      if (want !== -1) t.v4++;
      else t.other++;
    }
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  return t;
}

async function readCapture(path: string): Promise<{ flows: FlowRecord[]; echoes: IcmpEcho[] }> {
  const source = await openByteSourceFromChunks(basename(path), rechunk([readFileSync(path)], 65536));
  const flows: FlowRecord[] = [];
  const echoes: IcmpEcho[] = [];
  for await (const b of readCaptureRecords(source, { maxInvalid: 25, onWarning: () => undefined })) {
    flows.push(...b.flows);
    echoes.push(...b.echoes);
  }
  return { flows, echoes };
}

describeWithSharedData('origV4 / respV4 on real inputs (shared data)', () => {
  // [path, has IPv6 addresses]
  const LOGS: Array<[string, boolean]> = [
    ['StratosphereLinuxIPS/dataset/test10-mixed-zeek-dir/conn.log', true],
    ['rita/test_data/proxy/conn.log', true],
    ['security-datasets-for-testing/005-zeek-scenario-malicious/conn.log', true],
    ['security-datasets-for-testing/010-zeek-mixed/data/conn.log.labeled', false],
    ['StratosphereLinuxIPS/dataset/test9-mixed-zeek-dir/conn.log', true],
    ['security-datasets-for-testing/002-zeek-scenario-port-scanning/conn.log', false],
    ['fuh/nids-daten/sampled_CICIDS2017_improved_rnd_2500/Portscan_2500.csv', false],
  ];
  it.each(LOGS)('%s: the numbers of the address strings', async (path, ipv6) => {
    for (const chunkSize of [7, 65536]) {
      const r = await readFile(sharedData(path), { chunkSize });
      expect(r.flows.length).toBeGreaterThan(0);
      const t = checkNumbers(r.flows);
      expect(t.v4).toBeGreaterThan(0);
      if (ipv6) expect(t.other).toBeGreaterThan(0);
      expect(r.flows.every((f) => Object.hasOwn(f, 'origV4') && Object.hasOwn(f, 'respV4'))).toBe(true);
    }
  });

  const CAPTURES: Array<[string, boolean]> = [
    ['zeek/testing/btest/Traces/icmp/icmp6-ping.pcap', true],
    ['zeek/testing/btest/Traces/icmp/icmp-ping.pcap', false],
    ['zeek/testing/btest/Traces/wikipedia.pcap', true],
    ['zeek-conformance/opt.basic/trace.pcap', false],
    ['zeek/testing/btest/Traces/tunnels/ping6-in-ipv4.pcap', false],
  ];
  it.each(CAPTURES)('%s (capture): the numbers of the address strings', async (path, ipv6) => {
    const { flows, echoes } = await readCapture(sharedData(path));
    expect(flows.length).toBeGreaterThan(0);
    const t = checkNumbers(flows);
    // ICMP echoes carry their addresses' numbers too (tunnel.icmp keys them with the flows').
    const asFlows = echoes.map((e) => ({ origH: e.src, origV4: e.srcV4, respH: e.dst, respV4: e.dstV4 }) as FlowRecord);
    checkNumbers(asFlows);
    if (path.includes('icmp')) expect(echoes.length).toBeGreaterThan(0);
    if (ipv6) expect(t.other).toBeGreaterThan(0);
    else expect(t.v4).toBeGreaterThan(0);
  });
});

describe('origV4 / respV4 on the readers\' other paths', () => {
  const FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents'];
  const header = (fields: readonly string[]) => `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\t${fields.join('\t')}\n`;
  const row = (uid: string, o: string, r: string) => `1300000000.5\t${uid}\t${o}\t1234\t${r}\t80\ttcp\t-\t1.5\t10\t20\tSF\t-\t-\t0\tShAdDaFf\t5\t300\t4\t400\t(empty)\n`;
  const ADDRESSES: Array<[string, string]> = [
    ['10.0.0.1', '255.255.255.255'],
    ['0.0.0.0', '192.168.1.200'],
    ['128.0.0.0', '127.255.255.255'],
    ['010.0.0.1', '1.2.3.04'],
    ['256.1.1.1', '1.2.3'],
    ['fe80::1', '2001:db8::2'],
    ['1.2.3.4.5', '::ffff:1.2.3.4'],
  ];

  it.each([1, 7, 65536])('standard lines, lines the byte parser leaves to the text parser, JSON lines (chunk %i)', async (chunkSize) => {
    const standard = header(FIELDS) + ADDRESSES.map(([o, r], i) => row(`C${i}`, o, r)).join('');
    // A non-ASCII uid: the byte parsers give up, parseConnLine reads the line.
    const text = header(FIELDS) + ADDRESSES.map(([o, r], i) => row(`Cé${i}`, o, r)).join('');
    // Other columns (not the standard layout): parseConnBytes.
    const generic = header(FIELDS.slice(0, 20)) + ADDRESSES.map(([o, r], i) => row(`C${i}`, o, r).replace('\t(empty)\n', '\n')).join('');
    const json = ADDRESSES.map(([o, r], i) => `${JSON.stringify({ ts: 1300000000.5, uid: `C${i}`, 'id.orig_h': o, 'id.orig_p': 1234, 'id.resp_h': r, 'id.resp_p': 80, proto: 'tcp', conn_state: 'SF' })}\n`).join('');
    for (const input of [standard, text, generic, json]) {
      const r = await readBytes(input, { chunkSize, name: 'conn.log' });
      expect(r.warnings).toEqual([]);
      expect(r.flows.map((f) => [f.origH, f.respH])).toEqual(ADDRESSES);
      expect(r.flows.map((f) => [f.origV4, f.respV4])).toEqual(ADDRESSES.map(([o, h]) => [expectedV4(o), expectedV4(h)]));
    }
  });

  it('an address in the last column of a CRLF line', async () => {
    const fields = ['ts', 'uid', 'id.orig_p', 'id.resp_p', 'proto', 'id.orig_h', 'id.resp_h'];
    const lines = ADDRESSES.map(([o, r], i) => `1300000000.5\tC${i}\t1234\t80\ttcp\t${o}\t${r}\r\n`).join('');
    const r = await readBytes(header(fields) + lines, { name: 'conn.log' });
    expect(r.flows.map((f) => [f.origH, f.respH])).toEqual(ADDRESSES);
    expect(r.flows.map((f) => [f.origV4, f.respV4])).toEqual(ADDRESSES.map(([o, h]) => [expectedV4(o), expectedV4(h)]));
  });

  it('CSV flow exports (--csv-map)', async () => {
    const csv = `src,dst,t\n${ADDRESSES.map(([o, r]) => `${o},${r},1300000000`).join('\n')}\n`;
    const r = await readBytes(csv, { name: 'flows.csv', csvMap: 'ts=t,origH=src,respH=dst' });
    expect(r.flows.map((f) => [f.origV4, f.respV4])).toEqual(ADDRESSES.map(([o, h]) => [expectedV4(o), expectedV4(h)]));
  });
});
