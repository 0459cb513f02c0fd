/**
 * Every CSV and flow file in ../shared/data (MANIFEST.md): the CICFlowMeter
 * exports of CIC-IDS2017 (fuh) give one flow per row, rows counted here
 * independently of the parser; files that are not flow exports (netrack's
 * label,qname lists, iodine-log-analysis' tshark qname dump) are refused with
 * an error that names the problem.
 */
import { readFileSync, statSync } from 'node:fs';
import { isFlowhoundError } from '../../../src/errors.js';
import { describeWithSharedData, sharedData } from '../../helpers/shared-data.js';
import { readFile } from '../zeek/read-helper.js';

const FUH = 'fuh/nids-daten/sampled_CICIDS2017_improved_rnd_2500';
const CIC = ['Portscan_2500.csv', 'Infiltration_-_Portscan_2500.csv', 'DDoS_2500.csv', 'DoS_Hulk_2500.csv', 'BENIGN_2500.csv'];

/** Data rows of a CSV without quoted newlines: non-empty lines after the header. */
function countCsvRows(path: string): number {
  const text = readFileSync(path, 'utf8');
  expect(text.includes('"')).toBe(false);
  return text.split('\n').filter((l) => l.trim() !== '').length - 1;
}

describeWithSharedData('CSV and flow files in ../shared/data', () => {
  it.each(CIC)(`${FUH}/%s (CICFlowMeter, CIC-IDS2017 improved): one flow per row at chunk sizes 7 and 65536`, async (name) => {
    const p = sharedData(FUH, name);
    const rows = countCsvRows(p);
    expect(rows).toBe(2500);
    for (const chunkSize of statSync(p).size < 1_100_000 ? [7, 65536] : [65536]) {
      const r = await readFile(p, { chunkSize });
      expect(r.warnings).toEqual([]);
      expect(r.flows).toHaveLength(rows);
      expect(r.flows.every((f) => Number.isFinite(f.ts) && f.ts > Date.UTC(2017, 6, 3) / 1000 && f.ts < Date.UTC(2017, 6, 8) / 1000)).toBe(true);
    }
  });

  it('the CIC-IDS2017 port scan sample is one source probing many ports of one host, mostly rejected', async () => {
    const r = await readFile(sharedData(FUH, 'Portscan_2500.csv'));
    const scan = r.flows.filter((f) => f.origH === '172.16.0.1' && f.respH === '192.168.10.50');
    expect(new Set(scan.map((f) => f.respP)).size).toBe(917);
    expect(scan.filter((f) => f.connState === 'REJ').length).toBeGreaterThan(2000);
  });

  it.each(['dns2tcp', 'dnscapy', 'iodine', 'plain'])('netrack-learn/dns/%s/names.csv (label,qname, not flows) is refused naming its columns', async (d) => {
    const err = await readFile(sharedData('netrack-learn/dns', d, 'names.csv')).catch((e: unknown) => e);
    expect(isFlowhoundError(err) && err.code).toBe('CSV_BAD_HEADER');
    expect((err as Error).message).toMatch(/^names\.csv:1: the header \(label,qname\) is not a known flow export/);
  });

  it('iodine-log-analysis tshark.capture (one qname per line) is not taken for a log', async () => {
    const err = await readFile(sharedData('iodine-log-analysis/.circleci/images/dns_server/example-logs/tshark.capture')).catch((e: unknown) => e);
    expect(isFlowhoundError(err) && err.code).toBe('INPUT_UNKNOWN_FORMAT');
  });
});
