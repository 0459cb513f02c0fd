/**
 * The detectors that key by host read FlowRecord.origV4 / respV4 when a
 * reader set them and parse origH / respH when not (records from tests,
 * record messages of an older shipper): both ways must give the same
 * findings. Each input is read once; its batches go to one set of
 * detectors as read and to another with the numbers removed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { createRuleDetectors } from '../../src/detect/create-rule-detectors.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { readInputs } from '../../src/ingest/read-input.js';
import type { FlowRecord, RecordBatch } from '../../src/types.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';

function withoutNumbers(b: RecordBatch): RecordBatch {
  const flows = b.flows.map((f) => {
    const { origV4: _o, respV4: _r, ...rest } = f;
    return rest as FlowRecord;
  });
  return { ...b, flows };
}

/** The findings of all rule detectors over `paths`, with the readers' numbers and without, as JSON lines. */
async function findingsBothWays(paths: string[]): Promise<{ withNumbers: string[]; without: string[]; numbered: number }> {
  const a = createRuleDetectors(DEFAULT_SETTINGS, { rules: defaultPolicyRules() });
  const b = createRuleDetectors(DEFAULT_SETTINGS, { rules: defaultPolicyRules() });
  const withNumbers: string[] = [];
  const without: string[] = [];
  let numbered = 0;
  for await (const batch of readInputs(paths, { maxInvalid: 25, onWarning: () => {} })) {
    numbered += batch.flows.filter((f) => (f.origV4 ?? -1) !== -1 && (f.respV4 ?? -1) !== -1).length;
    const plain = withoutNumbers(batch);
    for (const d of a) for (const f of d.push(batch)) withNumbers.push(JSON.stringify(f));
    for (const d of b) for (const f of d.push(plain)) without.push(JSON.stringify(f));
  }
  for (const d of a) for (const f of d.flush()) withNumbers.push(JSON.stringify(f));
  for (const d of b) for (const f of d.flush()) without.push(JSON.stringify(f));
  return { withNumbers, without, numbered };
}

describe('detectors with and without the readers\' address numbers', () => {
  const lab = join(process.cwd(), 'fixtures', 'lab');
  const captures = readdirSync(lab).filter((n) => n.endsWith('.pcap'));

  const kinds = new Set<string>();
  let numbered = 0;

  it.each(captures)('fixtures/lab/%s: the same findings', async (name) => {
    const r = await findingsBothWays([join(lab, name)]);
    expect(r.without).toEqual(r.withNumbers);
    for (const f of r.withNumbers) kinds.add((JSON.parse(f) as { kind: string }).kind);
    numbered += r.numbered;
  });

  it('the lab captures gave findings of the host-keyed detectors, from records with numbers', () => {
    expect(numbered).toBeGreaterThan(0);
    for (const k of ['scan.vertical', 'scan.horizontal', 'scan.distributed', 'c2.beacon', 'rate.spike', 'tunnel.dns', 'tunnel.icmp']) expect(kinds).toContain(k);
  });
});

describeWithSharedData('detectors with and without the readers\' address numbers (shared data)', () => {
  it.each([
    'security-datasets-for-testing/002-zeek-scenario-port-scanning/conn.log',
    'security-datasets-for-testing/005-zeek-scenario-malicious/conn.log',
    'security-datasets-for-testing/010-zeek-mixed/data/conn.log.labeled',
    'StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled',
    'rita/test_data/proxy/conn.log',
    'fuh/nids-daten/sampled_CICIDS2017_improved_rnd_2500/Portscan_2500.csv',
  ])('%s: the same findings', async (path) => {
    const r = await findingsBothWays([sharedData(path)]);
    expect(r.numbered).toBeGreaterThan(0);
    expect(r.without).toEqual(r.withNumbers);
  });
});
