/**
 * Every Zeek log in ../shared/data (MANIFEST.md) read through detection and
 * the readers; record counts checked against the file's own data rows,
 * counted here independently of the parser.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isFlowhoundError } from '../../../src/errors.js';
import { describeWithSharedData, SHARED_DATA_DIR, sharedData } from '../../helpers/shared-data.js';
import { CHUNK_SIZES, countJsonLines, countTsvDataLines, readBytes, readFile } from './read-helper.js';

/** Chunk sizes a file is read at: 1-byte reads only for small files (they cost one await per byte). */
function chunkSizesFor(bytes: number): number[] {
  return CHUNK_SIZES.filter((c) => c >= 65536 || (c === 1 ? bytes < 30_000 : bytes < 400_000));
}

interface Expect {
  path: string;
  kind: 'conn' | 'dns';
  format: 'tsv' | 'json';
  /** Rows the parser must not turn into records (truncated / invalid in the source), with the warning codes. */
  dropped?: string[];
  warnings?: string[];
}

const FILES: Expect[] = [
  { path: 'StratosphereLinuxIPS/dataset/port-scans/horizontal/conn.log', kind: 'conn', format: 'tsv' },
  { path: 'StratosphereLinuxIPS/dataset/port-scans/horizontal/conn.log.orig-ba16586', kind: 'conn', format: 'tsv' },
  { path: 'StratosphereLinuxIPS/dataset/port-scans/vertical/conn.log', kind: 'conn', format: 'json' },
  { path: 'StratosphereLinuxIPS/dataset/test9-mixed-zeek-dir/conn.log', kind: 'conn', format: 'json' },
  { path: 'StratosphereLinuxIPS/dataset/test9-mixed-zeek-dir/dns.log', kind: 'dns', format: 'json' },
  { path: 'StratosphereLinuxIPS/dataset/test10-mixed-zeek-dir/conn.log', kind: 'conn', format: 'tsv', warnings: ['ZEEK_HEADER_WHITESPACE'] },
  { path: 'StratosphereLinuxIPS/dataset/test10-mixed-zeek-dir/dns.log', kind: 'dns', format: 'tsv' },
  { path: 'StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled', kind: 'conn', format: 'tsv' },
  { path: 'StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/dns.log.labeled', kind: 'dns', format: 'tsv' },
  { path: 'rita/test_data/json_with_all_fields/conn.log', kind: 'conn', format: 'json' },
  { path: 'rita/test_data/json_with_all_fields/dns.log', kind: 'dns', format: 'json' },
  { path: 'rita/test_data/open_conns/open/conn.log', kind: 'conn', format: 'tsv' },
  { path: 'rita/test_data/open_conns/open/dns.log', kind: 'dns', format: 'tsv' },
  // Last line cut mid-row, no #close (rita's TestTruncatedTSV).
  { path: 'rita/test_data/truncated/conn.log', kind: 'conn', format: 'tsv', dropped: ['TRUNCATED_LINE'] },
  // Hand-made by rita's developers: port 93145 on line 3, line 4 cut mid-object.
  { path: 'rita/test_data/truncated/conn_json.log', kind: 'conn', format: 'json', dropped: ['INVALID_LINE', 'TRUNCATED_LINE'] },
  { path: 'rita/test_data/proxy/conn.log', kind: 'conn', format: 'tsv' },
  { path: 'rita/test_data/proxy/dns.log', kind: 'dns', format: 'tsv' },
  { path: 'security-datasets-for-testing/002-zeek-scenario-port-scanning/conn.log', kind: 'conn', format: 'json' },
  { path: 'security-datasets-for-testing/005-zeek-scenario-malicious/conn.log', kind: 'conn', format: 'tsv' },
  { path: 'security-datasets-for-testing/005-zeek-scenario-malicious/dns.log', kind: 'dns', format: 'tsv' },
  { path: 'security-datasets-for-testing/010-zeek-mixed/data/conn.log.labeled', kind: 'conn', format: 'tsv' },
  { path: 'security-datasets-for-testing/010-zeek-mixed/data/dns.log.labeled', kind: 'dns', format: 'tsv' },
  { path: 'security-datasets-for-testing/012-zeek-mixed/data/conn.log.labeled', kind: 'conn', format: 'tsv' },
  { path: 'security-datasets-for-testing/012-zeek-mixed/data/dns.log.labeled', kind: 'dns', format: 'tsv' },
  { path: 'zed-sample-data/zeek-default/dns.log', kind: 'dns', format: 'tsv' },
  { path: 'zed-sample-data/zeek-default/dns.log.gz', kind: 'dns', format: 'tsv' },
  { path: 'zed-sample-data/zeek-json/dns.json.gz', kind: 'dns', format: 'json' },
];

function text(path: string): string {
  const raw = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

describeWithSharedData('Zeek logs in ../shared/data', () => {
  for (const f of FILES) {
    const p = sharedData(f.path);
    const size = statSync(p).size;
    it.each(chunkSizesFor(size))(`${f.path}: one ${f.kind} record per data row (chunk %i)`, async (chunkSize) => {
      const t = text(p);
      const rows = f.format === 'tsv' ? countTsvDataLines(t) : countJsonLines(t);
      const r = await readFile(p, { chunkSize });
      const got = f.kind === 'conn' ? r.flows.length : r.dns.length;
      const other = f.kind === 'conn' ? r.dns.length : r.flows.length;
      const dropped = f.dropped ?? [];
      expect(rows).toBeGreaterThan(0);
      expect(got).toBe(rows - dropped.length);
      expect(other).toBe(0);
      expect(r.warnings.map((w) => w.code).sort()).toEqual([...dropped, ...(f.warnings ?? [])].sort());
      const recs: Array<{ ts: number }> = f.kind === 'conn' ? r.flows : r.dns;
      expect(recs.filter((rec) => !Number.isFinite(rec.ts))).toEqual([]);
    });
  }

  it('the truncated rita logs report where the damage is', async () => {
    const tsv = await readFile(sharedData('rita/test_data/truncated/conn.log'));
    expect(tsv.warnings[0]?.message).toMatch(/^conn\.log:67: last line has no newline and does not parse \(truncated file\?\): expected 21 fields/);
    const json = await readFile(sharedData('rita/test_data/truncated/conn_json.log'));
    expect(json.warnings[0]?.message).toBe('conn_json.log:3: field id.orig_p: expected a port, got 93145');
    expect(json.flows.map((x) => x.uid)).toEqual(['A9fdsJd8ud03ejlolk', 'Lofds9PJdsaHJFD89f']);
  });

  it('rita conn_top.log (rows without any header) is refused, naming the problem', async () => {
    const p = sharedData('rita/test_data/truncated/conn_top.log');
    const detected = await readFile(p).catch((e: unknown) => e);
    expect(isFlowhoundError(detected) && detected.code).toBe('INPUT_UNKNOWN_FORMAT');
    const forced = await readFile(p, { format: 'zeek-tsv' }).catch((e: unknown) => e);
    expect(isFlowhoundError(forced) && forced.code).toBe('ZEEK_NO_HEADER');
    expect((forced as Error).message).toMatch(/^conn_top\.log:1: data line before any #fields header/);
  });

  it('Slips test10 conn.log: the TAB before #separator is reported on line 1 and every row is read', async () => {
    const r = await readFile(sharedData('StratosphereLinuxIPS/dataset/test10-mixed-zeek-dir/conn.log'));
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'ZEEK_HEADER_WHITESPACE', line: 1 })]);
    expect(r.flows[0]).toMatchObject({ ts: 1601998366.785668, origH: '2001:718:2:1663:dc58:6d9:ef13:51a5', respP: 53, proto: 'udp', service: 'dns' });
  });

  describe('TSV and JSON twins give identical records', () => {
    it('rita open_conns (TSV) and json_with_all_fields (JSON) conn.log', async () => {
      const tsv = await readFile(sharedData('rita/test_data/open_conns/open/conn.log'));
      const json = await readFile(sharedData('rita/test_data/json_with_all_fields/conn.log'));
      expect(tsv.flows).toHaveLength(29);
      expect(json.flows).toEqual(tsv.flows);
    });
    it('rita open_conns (TSV) and json_with_all_fields (JSON) dns.log', async () => {
      const tsv = await readFile(sharedData('rita/test_data/open_conns/open/dns.log'));
      const json = await readFile(sharedData('rita/test_data/json_with_all_fields/dns.log'));
      expect(tsv.dns).toHaveLength(34);
      expect(json.dns).toHaveLength(34);
      // rita's test data differ in one place (hand-edited): uid Cw6iPz2RDR2qag9Zgg has rcode 5 in the
      // TSV file and 1 in the JSON file (rcode_name NOERROR in both). Everything else must be identical.
      const differing = tsv.dns.flatMap((d, i) => (JSON.stringify(d) === JSON.stringify(json.dns[i]) ? [] : [i]));
      expect(differing.map((i) => [tsv.dns[i]?.uid, tsv.dns[i]?.rcode, json.dns[i]?.rcode])).toEqual([['Cw6iPz2RDR2qag9Zgg', 5, 1]]);
      const i = differing[0] as number;
      expect({ ...json.dns[i], rcode: 5 }).toEqual(tsv.dns[i]);
      expect(tsv.dns.filter((d) => d.query.endsWith('.dnsc.r-1x.com') && d.qtypeName === 'TXT')).toHaveLength(24);
    });
    it('zed-sample-data dns.log (TSV, epoch ts) and dns.json.gz (JSON, ISO 8601 ts): 53,615 identical records', async () => {
      const tsv = await readFile(sharedData('zed-sample-data/zeek-default/dns.log'));
      const json = await readFile(sharedData('zed-sample-data/zeek-json/dns.json.gz'));
      expect(tsv.dns).toHaveLength(53615);
      expect(json.dns).toHaveLength(53615);
      let firstDiff = -1;
      for (let i = 0; i < tsv.dns.length && firstDiff < 0; i++) {
        if (JSON.stringify(tsv.dns[i]) !== JSON.stringify(json.dns[i])) firstDiff = i;
      }
      expect(firstDiff === -1 ? null : { tsv: tsv.dns[firstDiff], json: json.dns[firstDiff] }).toBeNull();
    });
  });

  describe('zeek-conformance btest baselines', () => {
    const dir = sharedData('zeek-conformance');
    const logs = readdirSync(dir)
      .filter((d) => statSync(join(dir, d)).isDirectory())
      .flatMap((d) => ['conn.log', 'dns.log'].map((l) => join(dir, d, l)))
      .filter((p) => {
        try {
          return statSync(p).isFile();
        } catch {
          return false;
        }
      });
    const withHeader = logs.filter((p) => readFileSync(p, 'latin1').includes('\n#fields'));
    const zeekCut = logs.filter((p) => !withHeader.includes(p));

    it('has the logs MANIFEST lists', () => {
      expect(withHeader.length).toBe(51);
      expect(zeekCut.map((p) => relative(SHARED_DATA_DIR, p)).sort()).toEqual([
        'zeek-conformance/core.tcp.bad-checksum-syn/conn.log',
        'zeek-conformance/core.udp-corrupt/conn.log',
      ]);
    });

    it.each(withHeader.map((p) => [relative(dir, p), p]))('%s: the masked ts (XXXXXXXXXX.XXXXXX) is reported per row; with a real ts every row is a record', async (_name, p) => {
      const t = readFileSync(p, 'utf8');
      const rows = countTsvDataLines(t);
      const kind = p.endsWith('dns.log') ? 'dns' : 'conn';
      const maskedRows = t.split('\n').filter((l) => l.startsWith('XXXXXXXXXX.XXXXXX\t')).length;
      const masked = await readBytes(t, { name: 'x.log', maxInvalid: 0 });
      expect(masked.warnings.filter((w) => w.code === 'INVALID_LINE' && /field ts: expected a time/.test(w.message))).toHaveLength(maskedRows);
      expect(masked.warnings).toHaveLength(maskedRows);
      const unmasked = await readBytes(t.replace(/XXXXXXXXXX\.XXXXXX/g, '1700000000.000001'), { name: 'x.log' });
      expect(unmasked.warnings).toEqual([]);
      expect(kind === 'conn' ? unmasked.flows.length : unmasked.dns.length).toBe(rows);
    });

    it.each(zeekCut)('%s (zeek-cut output without ts or addresses) is refused as an unknown format', async (p) => {
      const err = await readFile(p).catch((e: unknown) => e);
      expect(isFlowhoundError(err) && err.code).toBe('INPUT_UNKNOWN_FORMAT');
    });
  });
});
