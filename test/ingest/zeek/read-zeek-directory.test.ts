import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isFlowhoundError } from '../../../src/errors.js';
import { readInput } from '../../../src/ingest/read-input.js';
import type { DnsRecord, FlowRecord, IngestWarning, RecordBatch } from '../../../src/types.js';
import { describeWithSharedData, sharedData } from '../../helpers/shared-data.js';
import { readFile } from './read-helper.js';

async function readDir(dir: string): Promise<{ batches: RecordBatch[]; flows: FlowRecord[]; dns: DnsRecord[]; warnings: IngestWarning[] }> {
  const warnings: IngestWarning[] = [];
  const batches: RecordBatch[] = [];
  for await (const b of readInput(dir, { maxInvalid: 25, onWarning: (w) => warnings.push(w) })) batches.push(b);
  return { batches, flows: batches.flatMap((b) => b.flows), dns: batches.flatMap((b) => b.dns), warnings };
}

const sortKey = (r: { ts: number; uid: string }): string => `${r.ts.toFixed(6).padStart(20, '0')} ${r.uid}`;
const sorted = <T extends { ts: number; uid: string }>(xs: T[]): string[] => xs.map(sortKey).sort();

function tsv(path: string, fields: string[], rows: string[][]): string {
  return `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t${path}\n#fields\t${fields.join('\t')}\n${rows.map((r) => `${r.join('\t')}\n`).join('')}#close\tx\n`;
}

const CONN_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'conn_state'];
const DNS_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'query', 'qtype'];

describe('Zeek log directory input', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowhound-zeekdir-'));
    // Three rotated hours of conn and dns (gzip), the current (plain) hour, an http.log, a README, a subdirectory.
    for (let h = 0; h < 4; h++) {
      const base = 1700000000 + h * 3600;
      const conn = Array.from({ length: 50 }, (_, i) => [(base + i * 60).toFixed(6), `Cc${h}_${i}`, '10.0.0.1', String(40000 + i), '10.0.0.2', '443', 'tcp', 'SF']);
      const dns = Array.from({ length: 30 }, (_, i) => [(base + 5 + i * 100).toFixed(6), `Cd${h}_${i}`, '10.0.0.1', '5353', '10.0.0.53', '53', 'udp', `q${i}.example`, '1']);
      const stamp = `${String(h).padStart(2, '0')}:00:00-${String(h + 1).padStart(2, '0')}:00:00`;
      if (h < 3) {
        writeFileSync(join(dir, `conn.${stamp}.log.gz`), gzipSync(tsv('conn', CONN_FIELDS, conn)));
        writeFileSync(join(dir, `dns.${stamp}.log.gz`), gzipSync(tsv('dns', DNS_FIELDS, dns)));
      } else {
        writeFileSync(join(dir, 'conn.log'), tsv('conn', CONN_FIELDS, conn));
        writeFileSync(join(dir, 'dns.log'), dns.map((r) => `${JSON.stringify({ _path: 'dns', ts: Number(r[0]), uid: r[1], 'id.orig_h': r[2], 'id.orig_p': 5353, 'id.resp_h': r[4], 'id.resp_p': 53, proto: 'udp', query: r[7], qtype: 1 })}\n`).join(''));
      }
    }
    writeFileSync(join(dir, 'http.00:00:00-01:00:00.log.gz'), gzipSync(tsv('http', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'method'], [['1700000001', 'C', '1.1.1.1', '1', '2.2.2.2', '80', 'GET']])));
    writeFileSync(join(dir, 'README.txt'), 'logs of the lab sensor\n');
    writeFileSync(join(dir, 'weird.log'), '');
    mkdirSync(join(dir, 'stats'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads rotated gzip and current conn/dns logs together, in time order, skipping other files with a reason', async () => {
    const r = await readDir(dir);
    expect(r.flows).toHaveLength(200);
    expect(r.dns).toHaveLength(120);
    // These synthetic logs are sorted per file, so the merge must be sorted overall.
    const merged = r.batches.flatMap((b) => [...b.flows, ...b.dns].sort((a, c) => a.ts - c.ts));
    for (let i = 1; i < merged.length; i++) expect(merged[i]?.ts).toBeGreaterThanOrEqual(merged[i - 1]?.ts as number);
    expect(r.warnings.map((w) => w.message.replace(dir, 'DIR')).sort()).toEqual([
      'DIR/README.txt: skipped: not a Zeek log (unknown format)',
      "DIR/http.00:00:00-01:00:00.log.gz: skipped: Zeek log 'http' (flowhound reads conn and dns logs)",
      'DIR/stats: skipped: not a regular file (directories are not read recursively)',
      'DIR/weird.log: skipped: empty file',
    ]);
    expect(r.warnings.every((w) => w.code === 'SKIPPED_FILE')).toBe(true);
  });

  it('refuses a directory without conn or dns logs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'flowhound-empty-'));
    try {
      writeFileSync(join(empty, 'notes.txt'), 'nothing\n');
      const err = await readDir(empty).catch((e: unknown) => e);
      expect(isFlowhoundError(err) && err.code).toBe('INPUT_UNKNOWN_FORMAT');
      expect((err as Error).message).toMatch(/no Zeek conn or dns logs in this directory \(1 files skipped\)/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describeWithSharedData('Zeek log directories in ../shared/data', () => {
  it.each([['StratosphereLinuxIPS/dataset/test9-mixed-zeek-dir'], ['StratosphereLinuxIPS/dataset/test10-mixed-zeek-dir']])(
    '%s: every conn and dns record of its files, each batch in ts order',
    async (d) => {
      const r = await readDir(sharedData(d));
      const conn = await readFile(sharedData(d, 'conn.log'));
      const dns = await readFile(sharedData(d, 'dns.log'));
      expect(r.flows.length).toBe(conn.flows.length);
      expect(r.dns.length).toBe(dns.dns.length);
      expect(sorted(r.flows)).toEqual(sorted(conn.flows));
      expect(sorted(r.dns)).toEqual(sorted(dns.dns));
      for (const b of r.batches) {
        for (let i = 1; i < b.flows.length; i++) expect(b.flows[i]?.ts).toBeGreaterThanOrEqual(b.flows[i - 1]?.ts as number);
      }
      expect(r.warnings.filter((w) => w.code !== 'ZEEK_HEADER_WHITESPACE')).toEqual([]);
    },
  );
});
