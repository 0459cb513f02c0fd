/**
 * FlowRecord.ipProto, the connection's IP protocol number (Zeek's `ip_proto`): read from a Zeek
 * conn.log's `ip_proto` column (TSV on each of its three line paths, and JSON) when the log has one,
 * derived from `proto` when it does not, and set by the capture tracker, whose unknown-transport
 * connections are keyed by addresses and protocol number as Zeek's are.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipProtoOf, ipProtoOfProto } from '../../src/ingest/ip-proto.js';
import type { FlowRecord } from '../../src/types.js';
import { runFlows } from '../helpers/run-flows.js';
import { CHUNK_SIZES, readBytes, readFile } from './zeek/read-helper.js';

const ZEEK7_FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state',
  'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents', 'ip_proto',
];

/** Rows of Zeek's default columns up to tunnel_parents, then ip_proto. */
const ROWS = [
  ['1108716598.686079', 'C1', '192.168.170.8', '0', '192.168.170.56', '0', 'unknown_transport', '-', '0.085447', '0', '0', 'OTH', 'T', 'T', '0', '-', '37', '33256', '37', '33524', '-', '132'],
  ['1500987642.883159', 'C2', '10.199.242.132', '0', '224.0.0.5', '0', 'unknown_transport', '-', '-', '-', '-', 'OTH', 'T', 'T', '0', '-', '1', '76', '0', '0', '-', '89'],
  ['1500987676.008649', 'C3', '10.199.249.11', '49601', '10.199.249.12', '49416', 'tcp', '-', '0.002215', '209', '0', 'SF', 'T', 'T', '0', 'ShADFaf', '5', '421', '3', '132', '-', '6'],
  ['1500987677.000001', 'C4', '10.0.0.1', '0', '10.0.0.2', '0', 'unknown_transport', '-', '-', '-', '-', 'OTH', 'T', 'T', '0', '-', '1', '20', '0', '0', '-', '-'],
  ['1500987678.000001', 'C5', 'fe80::1', '128', 'fe80::2', '129', 'icmp', '-', '-', '-', '-', 'OTH', 'T', 'T', '0', '-', '1', '104', '0', '0', '-', '58'],
];

function tsvLog(fields: readonly string[], rows: readonly (readonly string[])[], sep = '\t'): string {
  const escaped = [...sep].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  return [
    `#separator ${escaped}`,
    `#set_separator${sep},`,
    `#empty_field${sep}(empty)`,
    `#unset_field${sep}-`,
    `#path${sep}conn`,
    `#fields${sep}${fields.join(sep)}`,
    ...rows.map((r) => r.join(sep)),
    '',
  ].join('\n');
}

/** The rows without some columns (a layout the standard line parser does not take). */
function without(names: readonly string[]): { fields: string[]; rows: string[][] } {
  const keep = ZEEK7_FIELDS.map((f, i) => (names.includes(f) ? -1 : i)).filter((i) => i >= 0);
  return { fields: keep.map((i) => ZEEK7_FIELDS[i]!), rows: ROWS.map((r) => keep.map((i) => r[i]!)) };
}

const WITH_COLUMN = [132, 89, 6, -1, 58];
/** Without the column: 6, 17, 1 / 58 from proto, -1 (not known) for unknown_transport. */
const DERIVED = [-1, -1, 6, -1, 58];

describe.each(CHUNK_SIZES)('Zeek TSV ip_proto at chunk size %i', (chunkSize) => {
  it("reads Zeek 7's ip_proto column (the standard layout's fast path); unset derives from proto", async () => {
    const r = await readBytes(tsvLog(ZEEK7_FIELDS, ROWS), { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows.map((f) => f.ipProto)).toEqual(WITH_COLUMN);
  });

  it('reads it in another layout (the byte path) and with a two-byte separator (the text path)', async () => {
    const other = without(['local_orig', 'local_resp']);
    const bytes = await readBytes(tsvLog(other.fields, other.rows), { chunkSize });
    expect(bytes.warnings).toEqual([]);
    expect(bytes.flows.map((f) => f.ipProto)).toEqual(WITH_COLUMN);
    const text = await readBytes(tsvLog(ZEEK7_FIELDS, ROWS, '\t\t'), { chunkSize });
    expect(text.warnings).toEqual([]);
    expect(text.flows.map((f) => f.ipProto)).toEqual(WITH_COLUMN);
    const fast = await readBytes(tsvLog(ZEEK7_FIELDS, ROWS), { chunkSize });
    expect(bytes.flows.map((f) => ({ ...f }))).toEqual(fast.flows.map((f) => ({ ...f })));
    expect(text.flows).toEqual(fast.flows);
  });

  it('derives it from proto when the log has no ip_proto column (Zeek before 7)', async () => {
    const old = without(['ip_proto']);
    const r = await readBytes(tsvLog(old.fields, old.rows), { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows.map((f) => f.ipProto)).toEqual(DERIVED);
  });

  it('refuses a value that is not a protocol number, naming the field', async () => {
    const bad = ROWS.map((r) => [...r]);
    bad[0]![21] = '300';
    bad[1]![21] = 'gre';
    const r = await readBytes(tsvLog(ZEEK7_FIELDS, bad), { chunkSize });
    expect(r.warnings.map((w) => w.message)).toEqual([
      'test.log:7: field ip_proto: expected an IP protocol number (0..255), got "300"',
      'test.log:8: field ip_proto: expected an IP protocol number (0..255), got "gre"',
    ]);
    expect(r.flows.map((f) => f.ipProto)).toEqual(WITH_COLUMN.slice(2));
  });
});

describe.each(CHUNK_SIZES)('Zeek JSON ip_proto at chunk size %i', (chunkSize) => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ _path: 'conn', ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 0, 'id.resp_h': '10.0.0.2', 'id.resp_p': 0, ...o });

  it('reads ip_proto when the line has it, else derives it from proto', async () => {
    const text = [
      line({ proto: 'unknown_transport', ip_proto: 47 }),
      line({ proto: 'unknown_transport' }),
      line({ proto: 'udp', 'id.resp_p': 53 }),
      line({ proto: 'icmp', 'id.orig_p': 8, ip_proto: 1 }),
      line({ proto: 'icmp', 'id.orig_h': '::1', 'id.resp_h': '::2', 'id.orig_p': 128, 'id.resp_p': 129 }),
    ].join('\n');
    const r = await readBytes(`${text}\n`, { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows.map((f) => f.ipProto)).toEqual([47, -1, 17, 1, 58]);
  });

  it('gives the TSV twin the same records', async () => {
    const keys = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'ip_proto'];
    const rows = [
      ['1.5', 'C1', '10.0.0.1', '0', '10.0.0.2', '0', 'unknown_transport', '1', '20', '0', '0', '132'],
      ['2.5', 'C2', '10.0.0.1', '0', '10.0.0.2', '0', 'unknown_transport', '1', '20', '0', '0', '-'],
    ];
    const tsv = await readBytes(tsvLog(keys, rows), { chunkSize });
    const json = await readBytes(
      `${rows.map((r) => JSON.stringify(Object.fromEntries(keys.map((k, i) => [k, /^[\d.]+$/.test(r[i]!) && k !== 'uid' && !k.endsWith('_h') ? Number(r[i]) : r[i]]).filter(([, v]) => v !== '-')))).join('\n')}\n`,
      { chunkSize },
    );
    expect(json.warnings).toEqual([]);
    expect(json.flows).toEqual(tsv.flows);
    expect(tsv.flows.map((f) => f.ipProto)).toEqual([132, -1]);
  });

  it('refuses a value that is not a protocol number', async () => {
    const r = await readBytes(`${line({ proto: 'unknown_transport', ip_proto: 256 })}\n${line({ proto: 'unknown_transport', ip_proto: 'gre' })}\n`, { chunkSize });
    expect(r.flows).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'test.log:1: field ip_proto: expected an IP protocol number (0..255), got 256',
      'test.log:2: field ip_proto: expected an IP protocol number (0..255), got "gre"',
    ]);
  });
});

const CONFORMANCE = join(process.cwd(), '..', 'shared', 'data', 'zeek-conformance');

describe('capture ingest sets ipProto as Zeek logs ip_proto', () => {
  it('SCTP (132) of core.unknown-ip-protocol, OSPF (89), VRRP (112) and TCP (6) of core.pbb', async () => {
    const sctp = await readFile(join(CONFORMANCE, 'core.unknown-ip-protocol', 'trace.pcap'));
    expect(sctp.flows.map((f) => [f.proto, f.ipProto])).toEqual([['unknown_transport', 132]]);
    const pbb = await readFile(join(CONFORMANCE, 'core.pbb', 'trace.pcap'));
    expect(pbb.flows.map((f) => [f.proto, f.respH, f.ipProto]).sort()).toEqual([
      ['tcp', '10.199.249.12', 6],
      ['unknown_transport', '224.0.0.18', 112],
      ['unknown_transport', '224.0.0.5', 89],
    ]);
  });

  it("nmap -sO: one connection per protocol probed (addresses and protocol number are the key, as Zeek's)", async () => {
    const r = await readFile(join(process.cwd(), 'fixtures', 'lab', 'scan-ipproto.pcap'));
    const probes = r.flows.filter((f) => f.origH === '10.77.0.66' && f.respH === '10.77.0.30' && f.proto === 'unknown_transport');
    const protocols = new Set(probes.map((f) => f.ipProto));
    expect(probes.length).toBe(protocols.size);
    // Every protocol number but TCP, UDP, ICMP and ICMPv6, which have their own proto.
    expect(protocols.size).toBe(252);
    expect([...protocols].every((p) => p !== undefined && p >= 0 && p <= 255 && ![1, 6, 17, 58].includes(p))).toBe(true);
    // TCP, UDP and ICMP connections carry the number their proto stands for.
    for (const f of r.flows) if (f.proto !== 'unknown_transport') expect(f.ipProto).toBe(ipProtoOfProto(f.proto, f.respH));
  });

  it('ipProtoOf reads a record without ipProto (tests, older record messages) from its proto', () => {
    const f: FlowRecord = {
      ts: 1, uid: '', origH: '10.0.0.1', origP: 1, respH: '10.0.0.2', respP: 53, proto: 'udp', service: null, duration: null, origBytes: null,
      respBytes: null, connState: null, history: null, missedBytes: 0, origPkts: 1, origIpBytes: 0, respPkts: 0, respIpBytes: 0,
    };
    expect(ipProtoOf(f)).toBe(17);
    expect(ipProtoOf({ ...f, proto: 'unknown_transport' })).toBe(-1);
    expect(ipProtoOf({ ...f, proto: 'unknown_transport', ipProto: 47 })).toBe(47);
  });
});

describe('flows writes ip_proto back', () => {
  it('as read from a Zeek 7 conn.log (TSV and JSON), - when not known', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-ipproto-'));
    const log = join(dir, 'conn.log');
    writeFileSync(log, tsvLog(ZEEK7_FIELDS, ROWS));
    const { stdout } = await runFlows([log]);
    const lines = stdout.split('\n');
    const fields = lines.find((l) => l.startsWith('#fields\t'))!.split('\t').slice(1);
    expect(fields.at(-1)).toBe('ip_proto');
    const rows = lines.filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('\t'));
    expect(rows.map((r) => [r[1], r.at(-1)])).toEqual(ROWS.map((r) => [r[1], r.at(-1)]));
    const json = await runFlows(['--json', log]);
    const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.map((o) => o.ip_proto)).toEqual([132, 89, 6, undefined, 58]);
  });
});

describe('ipProtoOfProto', () => {
  it('is 6, 17, 1 (58 to an IPv6 host) and -1 for unknown_transport', () => {
    expect(ipProtoOfProto('tcp', '10.0.0.1')).toBe(6);
    expect(ipProtoOfProto('udp', '::1')).toBe(17);
    expect(ipProtoOfProto('icmp', '10.0.0.1')).toBe(1);
    expect(ipProtoOfProto('icmp', 'fe80::1')).toBe(58);
    expect(ipProtoOfProto('unknown_transport', '10.0.0.1')).toBe(-1);
  });
});
