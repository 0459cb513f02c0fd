/**
 * Round trip through `flowhound flows`: Zeek's own conn.log and dns.log
 * (../shared/data) read and written back give the same text, escaping
 * included, in every column flowhound keeps. Rows are compared as sorted
 * lists of their kept columns (flows writes them in time order). The
 * columns not kept are the ones docs/inputs.md lists.
 */
import { readFileSync } from 'node:fs';
import { runFlows } from '../helpers/run-flows.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';

/** conn.log columns flowhound writes back as read (local_orig/local_resp are recomputed from Zeek's default local nets). */
const CONN_KEPT = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state',
  'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes',
];
const DNS_KEPT = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query', 'qclass', 'qclass_name', 'qtype', 'qtype_name',
  'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'answers', 'TTLs', 'rejected',
];

/** Each data row of a Zeek TSV log as its kept columns joined by tabs (a column missing from the header counts as unset). */
function keptRows(text: string, kept: readonly string[]): string[] {
  let fields: string[] = [];
  const rows: string[] = [];
  for (const raw of text.split('\n')) {
    // (One of Stratosphere's logs starts its first header line with a tab.)
    const line = /^[\t ]+#/.test(raw) ? raw.trimStart() : raw;
    if (line.startsWith('#fields\t')) fields = line.slice(8).split('\t');
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split('\t');
    rows.push(kept.map((k) => (fields.includes(k) ? (cells[fields.indexOf(k)] ?? '') : '-')).join('\t'));
  }
  return rows.sort();
}

const CASES: [string, string[], readonly string[]][] = [
  ['conn.log (Stratosphere test10, Zeek TSV)', ['StratosphereLinuxIPS', 'dataset', 'test10-mixed-zeek-dir', 'conn.log'], CONN_KEPT],
  ['conn.log (Stratosphere horizontal scan, Zeek TSV)', ['StratosphereLinuxIPS', 'dataset', 'port-scans', 'horizontal', 'conn.log'], CONN_KEPT],
  ['dns.log (Stratosphere test10, Zeek TSV)', ['StratosphereLinuxIPS', 'dataset', 'test10-mixed-zeek-dir', 'dns.log'], DNS_KEPT],
  ['dns.log (security-datasets 005, Zeek TSV)', ['security-datasets-for-testing', '005-zeek-scenario-malicious', 'dns.log'], DNS_KEPT],
];

describeWithSharedData("Zeek log round trip through flows", () => {
  it.each(CASES)('%s: every kept column comes back as Zeek wrote it', async (_name, parts, kept) => {
    const path = sharedData(...parts);
    const original = readFileSync(path, 'utf8');
    const { stdout } = await runFlows([...(kept === DNS_KEPT ? ['--dns'] : []), path]);
    const before = keptRows(original, kept);
    const after = keptRows(stdout, kept);
    expect(before.length).toBeGreaterThan(10);
    expect(after.length).toBe(before.length);
    const diffs: string[] = [];
    for (let i = 0; i < before.length && diffs.length < 5; i++) if (before[i] !== after[i]) diffs.push(`zeek:  ${before[i]}\nflows: ${after[i]}`);
    expect(diffs).toEqual([]);
  });

  it('a JSON dns.log query of "-" stays "-", and \\x escapes and UTF-8 come back as Zeek writes them', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-rt-'));
    const json = join(dir, 'dns.json');
    writeFileSync(
      json,
      `${[
        { ts: 1700000000.5, uid: 'C1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 5353, 'id.resp_h': '10.0.0.53', 'id.resp_p': 53, proto: 'udp', query: '-', qtype: 1, rcode: 0, AA: false, TC: false, RD: true, RA: true, Z: 0, rejected: false },
        { ts: 1700000001.5, uid: 'C2', 'id.orig_h': '10.0.0.1', 'id.orig_p': 5354, 'id.resp_h': '10.0.0.53', 'id.resp_p': 53, proto: 'udp', query: 'caf\u00e9.\\x1bx.example', qtype: 16 },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n')}\n`,
    );
    const tsv = await runFlows(['--dns', json]);
    const rows = tsv.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(rows[0]!.split('\t')[9]).toBe('\\x2d');
    expect(rows[1]!.split('\t')[9]).toBe('caf\u00e9.\\x1bx.example');
    const back = await runFlows(['--dns', '--json', json]);
    const objs = back.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs[0]).toMatchObject({ query: '-', AA: false, RD: true, Z: 0, rejected: false });
    expect(objs[1]!.query).toBe('caf\u00e9.\\x1bx.example');
  });
});
