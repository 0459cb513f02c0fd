/**
 * Real exports made by real tools from the lab captures
 * (scripts/make-flow-exports.sh: Argus ra, nfdump via softflowd and via
 * nfpcapd), checked against the tools' own totals in
 * fixtures/exports/totals.json (racount, nfdump's Summary and -s proto).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFlowCsv, type CsvReadStats } from '../../../src/ingest/csv/read-flow-csv.js';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import type { FlowRecord, IngestWarning } from '../../../src/types.js';

const DIR = join(process.cwd(), 'fixtures', 'exports');

interface ProtoTotals {
  records?: number;
  flows?: number;
  packets: number;
  bytes: number;
}

interface ExportEntry {
  csv: { rows: number; rowsByProto: Record<string, number> };
  toolTotals: { records?: number; flows?: number; packets: number; bytes: number; byProto: Record<string, ProtoTotals> };
}

const totals = JSON.parse(readFileSync(join(DIR, 'totals.json'), 'utf8')) as { exports: Record<string, ExportEntry> };
const IP_PROTOS = ['tcp', 'udp', 'icmp'];

async function read(name: string, chunkSize: number): Promise<{ flows: FlowRecord[]; warnings: IngestWarning[]; stats: CsvReadStats }> {
  const source = await openByteSourceFromChunks(name, rechunk([readFileSync(join(DIR, name))], chunkSize));
  const warnings: IngestWarning[] = [];
  const stats: CsvReadStats = { format: null, flows: 0, invalid: 0, skipped: {}, blankRows: 0, summary: null };
  const flows: FlowRecord[] = [];
  for await (const b of readFlowCsv(source, { maxInvalid: 25, onWarning: (w) => warnings.push(w) }, stats)) flows.push(...b.flows);
  return { flows, warnings, stats };
}

function sumBy(flows: FlowRecord[], proto: string): ProtoTotals {
  const f = flows.filter((x) => x.proto === proto);
  return { records: f.length, packets: f.reduce((a, x) => a + x.origPkts + x.respPkts, 0), bytes: f.reduce((a, x) => a + x.origIpBytes + x.respIpBytes, 0) };
}

describe('real flow exports against the tools’ own totals (fixtures/exports)', () => {
  const names = Object.keys(totals.exports);
  it('has exports of both tools', () => {
    expect(names.some((n) => n.startsWith('argus-'))).toBe(true);
    expect(names.some((n) => n.startsWith('nfdump-'))).toBe(true);
  });

  for (const name of names) {
    const e = totals.exports[name] as ExportEntry;
    const sizes = readFileSync(join(DIR, name)).length < 200_000 ? [7, 65536] : [65536];
    it.each(sizes)(`${name}: flow, packet and byte totals per protocol equal the tool's (chunk %i)`, async (chunkSize) => {
      const { flows, warnings, stats } = await read(name, chunkSize);
      expect(stats.invalid).toBe(0);
      expect(warnings.filter((w) => w.code === 'INVALID_LINE' || w.code === 'TRUNCATED_LINE' || w.code === 'CSV_SUMMARY_MISMATCH')).toEqual([]);
      const tool = e.toolTotals;
      for (const proto of IP_PROTOS) {
        const want = tool.byProto[proto];
        const got = sumBy(flows, proto);
        if (want === undefined) {
          expect(got.records).toBe(0);
          continue;
        }
        expect({ proto, ...got }).toEqual({ proto, records: want.records ?? want.flows, packets: want.packets, bytes: want.bytes });
      }
      // Nothing else became a flow: every row is a flow of an IP protocol or a counted skip.
      const skipped = Object.values(stats.skipped).reduce((a, b) => a + b, 0);
      expect(flows.length + skipped).toBe(e.csv.rows);
      if (name.startsWith('argus-')) {
        expect(flows).toHaveLength(IP_PROTOS.reduce((a, p) => a + (e.csv.rowsByProto[p] ?? 0), 0));
        expect(stats.skipped['Argus management record (Proto man)'] ?? 0).toBe(e.csv.rowsByProto.man ?? 0);
        expect(stats.skipped['not an IP flow (Proto arp)'] ?? 0).toBe(e.csv.rowsByProto.arp ?? 0);
      } else {
        expect(flows).toHaveLength(tool.flows as number);
        expect(flows.reduce((a, x) => a + x.origPkts + x.respPkts, 0)).toBe(tool.packets);
        expect(flows.reduce((a, x) => a + x.origIpBytes + x.respIpBytes, 0)).toBe(tool.bytes);
        // The trailing Summary block was read as the tool's totals, not as flows.
        expect(stats.summary).toMatchObject({ flows: tool.flows, packets: tool.packets, bytes: tool.bytes });
      }
    });
  }

  it('ICMP echo flows get Zeek’s ports (type 8, counterpart 0) from both tools', async () => {
    for (const name of names.filter((n) => n.includes('benign-1'))) {
      const { flows } = await read(name, 65536);
      const echo = flows.filter((f) => f.proto === 'icmp' && f.origP === 8);
      expect(echo.length).toBeGreaterThan(0);
      for (const f of echo) expect([f.respP, f.origH, f.respH]).toEqual([0, '10.77.0.10', '10.77.0.20']);
    }
  });

  it('Argus TCP states become Zeek conn_state: the vertical scan’s closed ports are REJ', async () => {
    const { flows } = await read('argus-scan-vertical-wide.csv', 65536);
    const rej = flows.filter((f) => f.connState === 'REJ');
    expect(rej.length).toBeGreaterThan(900);
    expect(new Set(rej.map((f) => f.origH))).toEqual(new Set(['10.77.0.66']));
  });
});
