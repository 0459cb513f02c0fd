import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeZeek, isLocalAddress } from '../../src/sink/zeek-log-writer.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { runFlows } from '../helpers/run-flows.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';

const CONN_FIELDS =
  'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents ip_proto';

describeWithSharedData('flowhound flows (shared data)', () => {
  const trace = sharedData('zeek-conformance', 'opt.basic', 'trace.pcap');

  it('writes a Zeek TSV conn.log with the full header, sorted by ts', async () => {
    const { stdout, stderr } = await runFlows([trace]);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5)).toEqual(['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn']);
    expect(lines[5]).toMatch(/^#open\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    expect(lines[6]).toBe(`#fields\t${CONN_FIELDS.split(' ').join('\t')}`);
    // Zeek's own columns, in its order (Zeek 7 and later end with ip_proto).
    expect(lines[6]).toBe(readFileSync(sharedData('zeek-conformance', 'opt.basic', 'conn.log'), 'utf8').split('\n').find((l) => l.startsWith('#fields\t')));
    expect(lines[7]!.split('\t')).toHaveLength(23);
    expect(lines.at(-1)).toMatch(/^#close\t/);
    const rows = lines.filter((l) => !l.startsWith('#')).map((l) => l.split('\t'));
    expect(rows).toHaveLength(34);
    expect(rows.every((r) => r.length === 22)).toBe(true);
    const ts = rows.map((r) => Number(r[0]));
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    // The DNS flow of Zeek's baseline row "141.142.220.118 43927 141.142.2.2 53 udp dns 0.000435 38 89 SF F F 0 Dd 1 66 1 117".
    const dnsRow = rows.find((r) => r[2] === '141.142.220.118' && r[3] === '43927')!;
    expect(dnsRow.slice(4, 20)).toEqual(['141.142.2.2', '53', 'udp', 'dns', '0.000435', '38', '89', 'SF', 'F', 'F', '0', 'Dd', '1', '66', '1', '117']);
    expect(dnsRow[21]).toBe('17');
    expect(stderr).toMatch(/flowhound flows: 34 connections from 1 input/);
  });

  it('--json writes Zeek JSON lines and leaves unset fields out', async () => {
    const { stdout } = await runFlows(['--json', trace]);
    const objs = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(34);
    expect(Object.keys(objs[0]!).slice(0, 7)).toEqual(['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto']);
    const single = objs.find((o) => o['id.orig_h'] === '141.142.220.202')!;
    expect(single.duration).toBeUndefined();
    expect(single.conn_state).toBe('S0');
    expect(single.local_resp).toBe(true);
  });

  it('--dns writes a dns.log', async () => {
    const { stdout } = await runFlows(['--dns', trace]);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toContain('#path\tdns');
    const rows = lines.filter((l) => !l.startsWith('#'));
    expect(rows).toHaveLength(34);
    // A capture's records leave rtt, qclass and the flags unset (they come only from a Zeek dns.log).
    expect(rows.some((r) => r.includes('\tupload.wikimedia.org\t-\t-\t1\tA\t0\tNOERROR\t-\t-\t-\t-\t-\tupload.pmtpa.wikimedia.org,208.80.152.3\t124.000000,2156.000000\t-'))).toBe(true);
  });

  it('reads Zeek logs too (a conn.log in, the same connections out)', async () => {
    const log = sharedData('rita', 'test_data', 'open_conns', 'open', 'conn.log');
    const inputRows = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    const { stdout } = await runFlows([log]);
    const rows = stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(rows).toHaveLength(inputRows.length);
  });

  it('a truncated capture gives the connections before the cut and a warning naming the file and byte offset', async () => {
    const bytes = readFileSync(trace);
    const cut = join(mkdtempSync(join(tmpdir(), 'flowhound-flows-')), 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 5));
    const { stdout, stderr } = await runFlows([cut]);
    expect(stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length).toBeGreaterThan(0);
    expect(stderr).toMatch(new RegExp(`warning: ${cut.replace(/[.]/g, '\\.')}: byte \\d+: capture is truncated`));
  });
});

describe('flowhound flows: usage', () => {
  it("tunnel_parents names the uids of the tunnel connections in the same log, in TSV and JSON (Zeek's vxlan trace)", async () => {
    const trace = sharedData('zeek-conformance', 'core.tunnels.vxlan', 'trace.pcap');
    const rows = (await runFlows([trace])).stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('\t'));
    const uids = new Map(rows.map((r) => [r[1]!, r]));
    const inner = rows.filter((r) => r[20] !== '-');
    // The ICMP ping inside VXLAN, carried by two of the four VXLAN UDP connections (one per direction), as Zeek logs it.
    expect(inner.map((r) => r[6])).toEqual(['icmp']);
    const parents = inner[0]![20]!.split(',');
    expect(parents).toHaveLength(2);
    for (const u of parents) expect(uids.get(u)).toMatchObject({ 5: '4789', 6: 'udp' });
    const json = (await runFlows(['--json', trace])).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.filter((o) => 'tunnel_parents' in o).map((o) => o.tunnel_parents)).toEqual([parents]);
  });

  it('rejects a negative or fractional --max-invalid as a usage error', async () => {
    await expect(runFlows(['--max-invalid', '-1', 'x.pcap'])).rejects.toBeInstanceOf(UsageError);
    await expect(runFlows(['--max-invalid', '2.5', 'x.pcap'])).rejects.toBeInstanceOf(UsageError);
  });

  it('reads a CSV of unknown columns with --csv-map, and refuses a bad map as a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-csvmap-'));
    const csv = join(dir, 'flows.csv');
    writeFileSync(csv, 'when,from,to,dport,prot,pk\n1700000000.5,10.0.0.1,10.0.0.2,443,tcp,7\n1700000001.25,10.0.0.3,10.0.0.4,53,udp,2\n');
    const { stdout } = await runFlows(['--csv-map', 'ts=when,origH=from,respH=to,respP=dport,proto=prot,origPkts=pk', csv]);
    const rows = stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[2], r[4], r[5], r[6], r[16]])).toEqual([
      ['1700000000.500000', '10.0.0.1', '10.0.0.2', '443', 'tcp', '7'],
      ['1700000001.250000', '10.0.0.3', '10.0.0.4', '53', 'udp', '2'],
    ]);
    await expect(runFlows(['--csv-map', 'ts=when,bogus=x', csv])).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('rejects an unknown option as a usage error', async () => {
    await expect(runFlows(['--bogus', 'x.pcap'])).rejects.toBeInstanceOf(UsageError);
  });
});

describe('Zeek log writer helpers', () => {
  it('escapes strings as the Zeek ASCII writer does', () => {
    expect(escapeZeek('')).toBe('(empty)');
    expect(escapeZeek('a\tb')).toBe('a\\x09b');
    expect(escapeZeek('\x7f')).toBe('\\x7f');
    expect(escapeZeek('x,y', true)).toBe('x\\x2cy');
    expect(escapeZeek('x,y')).toBe('x,y');
    // UTF-8 text is written as is (Zeek writes valid UTF-8 unescaped).
    expect(escapeZeek('\u00ff')).toBe('\u00ff');
    expect(escapeZeek('café.example')).toBe('café.example');
    // Zeek's own escapes in a value pass through once; control bytes and other backslashes are escaped.
    expect(escapeZeek('a\\x1bb')).toBe('a\\x1bb');
    expect(escapeZeek('a\x1bb')).toBe('a\\x1bb');
    expect(escapeZeek('a\\b')).toBe('a\\x5cb');
    expect(escapeZeek('-')).toBe('\\x2d');
    expect(escapeZeek('plain.example')).toBe('plain.example');
  });

  it("marks Zeek's default local networks", () => {
    expect(['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', 'fe80::1', 'fc00::1', '224.0.0.251'].every(isLocalAddress)).toBe(true);
    expect(['8.8.8.8', '172.32.0.1', '141.142.220.255', 'ff02::fb', '2001:db8::1'].some(isLocalAddress)).toBe(false);
    // Edges of each range, read in place by the writer.
    expect(['172.31.255.255', '100.127.1.1', '169.254.1.1', '239.1.2.3', '224.0.0.0', '10.0.0.0'].every(isLocalAddress)).toBe(true);
    expect(['172.15.0.1', '100.63.0.1', '100.128.0.1', '169.253.1.1', '224.0.1.1', '192.169.0.1', '11.0.0.1', '1.10.0.1', '172', '224.0'].some(isLocalAddress)).toBe(false);
  });
});
